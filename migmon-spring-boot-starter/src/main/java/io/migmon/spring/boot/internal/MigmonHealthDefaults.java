package io.migmon.spring.boot.internal;

import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Registers migmon's DEGRADED health status with Actuator as the lowest-priority property source (the
 * application's own {@code management.endpoint.health.status.*} settings win):
 * <ul>
 *   <li>{@code management.endpoint.health.status.order=DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN}: DEGRADED is worse
 *       than UP and better than DOWN when components are aggregated;</li>
 *   <li>{@code management.endpoint.health.status.http-mapping.DEGRADED=200}: a degraded application still serves,
 *       so load balancers and Kubernetes probes keep it; with it {@code DOWN=503} and {@code OUT_OF_SERVICE=503}
 *       (Boot's defaults, which any explicit mapping would otherwise replace).</li>
 * </ul>
 */
public final class MigmonHealthDefaults implements EnvironmentPostProcessor {

    /** Name of the property source. */
    public static final String SOURCE = "migmonHealthDefaults";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if (environment.getPropertySources().contains(SOURCE)) {
            return;
        }
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE, Map.of(
                "management.endpoint.health.status.order", "DOWN,OUT_OF_SERVICE,DEGRADED,UP,UNKNOWN",
                "management.endpoint.health.status.http-mapping.DEGRADED", "200",
                "management.endpoint.health.status.http-mapping.DOWN", "503",
                "management.endpoint.health.status.http-mapping.OUT_OF_SERVICE", "503")));
    }
}
