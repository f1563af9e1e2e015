package io.migmon.spring.boot.internal;

import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Keeps the JDK HttpClient's own debug loggers quiet when the application turns {@code logging.level.root} to DEBUG:
 * those loggers ({@code jdk.internal.httpclient.debug}, {@code jdk.httpclient.HttpClient}) print request URIs, and
 * a Slack or webhook URL is itself the credential. migmon's HTTP sinks (Slack, PagerDuty, webhook, Alertmanager) use
 * that client, so the starter adds, as the environment's lowest-priority property source,
 * {@code logging.level.jdk.internal.httpclient.debug=INFO} and {@code logging.level.jdk.httpclient=INFO}. Any value
 * the application sets (properties, YAML, environment) wins. Skipped when {@code migmon.enabled=false}.
 */
public final class JdkHttpClientLogDefaults implements EnvironmentPostProcessor {

    /** Name of the property source added. */
    public static final String SOURCE = "migmonJdkHttpClientLogDefaults";

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        if ("false".equalsIgnoreCase(String.valueOf(environment.getProperty("migmon.enabled")).trim())) {
            return;
        }
        Map<String, Object> defaults = new LinkedHashMap<>();
        for (String key : new String[] {"logging.level.jdk.internal.httpclient.debug", "logging.level.jdk.httpclient"}) {
            if (!environment.containsProperty(key)) { // the application's value, from any source, wins
                defaults.put(key, "INFO");
            }
        }
        if (defaults.isEmpty()) {
            return;
        }
        environment.getPropertySources().remove(SOURCE);
        environment.getPropertySources().addLast(new MapPropertySource(SOURCE, defaults));
    }
}
