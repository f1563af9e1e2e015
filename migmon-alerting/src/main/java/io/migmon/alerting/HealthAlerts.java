package io.migmon.alerting;

import io.migmon.core.Severity;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.health.HealthStatus;
import java.util.Objects;

/**
 * Watches a {@link HealthCheck} and raises or resolves alerts on the dispatcher: while the check is DEGRADED the
 * alert {@value #DEGRADED} (warning) fires, while DOWN the alert {@value #DOWN} (critical) fires, and each clears
 * when the status leaves it. Labels: {@code check} = the check's name. Summary: the health reasons.
 *
 * <p>No thread: the host calls {@link #evaluate()} on its own schedule (e.g. next to {@code MigrationRun.sample()});
 * each call is one evaluation for the dispatcher's {@link Hysteresis}, so {@code Hysteresis.evaluations(3, 3)}
 * means "three checks in a row". A check that throws counts as DOWN. Thread-safe; never throws.
 */
public final class HealthAlerts {

    /** Alert name while the check is DEGRADED. */
    public static final String DEGRADED = "health_degraded";
    /** Alert name while the check is DOWN. */
    public static final String DOWN = "health_down";
    /** Label with the check name. */
    public static final String CHECK = "check";

    private final HealthCheck check;
    private final AlertDispatcher dispatcher;
    private volatile HealthStatus last;

    private HealthAlerts(HealthCheck check, AlertDispatcher dispatcher) {
        this.check = Objects.requireNonNull(check, "healthCheck must not be null");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher must not be null");
    }

    /** A watcher of {@code check} raising alerts on {@code dispatcher}. */
    public static HealthAlerts watch(HealthCheck check, AlertDispatcher dispatcher) {
        return new HealthAlerts(check, dispatcher);
    }

    /** Evaluates the check once and signals both alerts; returns the status seen. */
    public synchronized HealthStatus evaluate() {
        Health h;
        try {
            h = check.check();
        } catch (RuntimeException e) {
            h = Health.down("health check threw " + e.getClass().getSimpleName());
        }
        HealthStatus s = h == null ? HealthStatus.DOWN : h.status();
        String summary = check.name() + " is " + s + (h == null || h.reasons().isEmpty() ? "" : ": " + String.join("; ", h.reasons()));
        Alert degraded = alert(DEGRADED, Severity.WARNING, summary);
        Alert down = alert(DOWN, Severity.CRITICAL, summary);
        if (s == HealthStatus.DEGRADED) {
            dispatcher.fire(degraded);
        } else {
            dispatcher.resolve(degraded);
        }
        if (s == HealthStatus.DOWN) {
            dispatcher.fire(down);
        } else {
            dispatcher.resolve(down);
        }
        last = s;
        return s;
    }

    /** The status of the last evaluation, or null before the first. */
    public HealthStatus lastStatus() {
        return last;
    }

    private Alert alert(String name, Severity severity, String summary) {
        return Alert.builder(name, severity).label(CHECK, check.name()).summary(summary).build();
    }
}
