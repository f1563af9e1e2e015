package io.migmon.spring.boot.internal;

import io.migmon.core.health.HealthCheck;
import io.migmon.core.health.HealthStatus;
import io.migmon.spring.boot.MigmonHealthChecks;
import java.util.Map;
import java.util.stream.Stream;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthContributors;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;

/**
 * The Actuator component {@code migmon}: one child per migmon health check, read live (migrations created after
 * start-up appear without a restart). migmon's DEGRADED becomes the status {@value #DEGRADED_CODE}; details are
 * migmon's plain details plus {@code reasons}.
 */
public final class MigmonHealthContributor implements CompositeHealthContributor {

    /** Status code of migmon's DEGRADED. */
    public static final String DEGRADED_CODE = "DEGRADED";
    /** The registered status (order and HTTP mapping set by {@link MigmonHealthDefaults}). */
    public static final Status DEGRADED = new Status(DEGRADED_CODE, "working, but a threshold is exceeded");

    private final MigmonHealthChecks checks;

    public MigmonHealthContributor(MigmonHealthChecks checks) {
        this.checks = checks;
    }

    @Override
    public HealthContributor getContributor(String name) {
        HealthCheck c = checks.current().get(name);
        return c == null ? null : indicator(c);
    }

    @Override
    public Stream<HealthContributors.Entry> stream() {
        Map<String, HealthCheck> current = checks.current();
        return current.entrySet().stream().map(e -> new HealthContributors.Entry(e.getKey(), indicator(e.getValue())));
    }

    static HealthIndicator indicator(HealthCheck check) {
        return () -> toBoot(check);
    }

    /**
     * One evaluation, converted; a check that throws anything (an {@link Error} included) is DOWN with the
     * throwable's type (not its message, which may hold a secret).
     */
    public static Health toBoot(HealthCheck check) {
        io.migmon.core.health.Health h;
        try {
            h = check.check();
        } catch (Throwable e) {
            return Health.down().withDetail("reasons", java.util.List.of("check threw " + e.getClass().getSimpleName())).build();
        }
        if (h == null) {
            return Health.down().withDetail("reasons", java.util.List.of("check returned null")).build();
        }
        Health.Builder b = Health.status(status(h.status())).withDetails(h.details());
        if (!h.reasons().isEmpty()) {
            b.withDetail("reasons", h.reasons());
        }
        return b.build();
    }

    static Status status(HealthStatus s) {
        return switch (s) {
            case UP -> Status.UP;
            case DEGRADED -> DEGRADED;
            case DOWN -> Status.DOWN;
        };
    }
}
