package io.migmon.verify;

import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * DOWN while the latest verification of any table or collection found verified differences, DEGRADED while the
 * latest one was {@link VerificationStatus#INCONCLUSIVE}, UP otherwise (also before any verification). Verifiers
 * given this check ({@code .healthCheck(check)}) record every report; a later identical run of the same subject
 * clears its finding. Thread-safe.
 */
public final class VerificationHealthCheck implements HealthCheck {

    private final String name;
    private final Map<String, VerificationReport> latest = new ConcurrentHashMap<>();

    private VerificationHealthCheck(String name) {
        this.name = Objects.requireNonNull(name, "name");
    }

    /** A check named {@code validation}. */
    public static VerificationHealthCheck create() {
        return new VerificationHealthCheck("validation");
    }

    /** A check with this name (the {@code check} tag of {@code migmon_health_status}). */
    public static VerificationHealthCheck named(String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        return new VerificationHealthCheck(name);
    }

    /** Records the latest report of its subject (replacing the previous one). */
    public void record(VerificationReport report) {
        latest.put(report.engine() + ":" + report.subject(), Objects.requireNonNull(report, "report"));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Health check() {
        Health.Builder b = Health.builder();
        Map<String, Object> subjects = new TreeMap<>();
        for (Map.Entry<String, VerificationReport> e : new TreeMap<>(latest).entrySet()) {
            VerificationReport r = e.getValue();
            subjects.put(e.getKey(), r.status().tagValue());
            switch (r.status()) {
                case DIFFERENT -> b.down(r.subject() + ": " + r.totalDifferences() + " verified difference(s) (missing "
                        + r.count(DifferenceKind.MISSING) + ", extra " + r.count(DifferenceKind.EXTRA) + ", changed "
                        + r.count(DifferenceKind.CHANGED) + ")");
                case INCONCLUSIVE -> b.degraded(r.subject() + ": verification inconclusive (" + r.unresolved()
                        + " difference(s) still in flight)");
                case IDENTICAL -> { }
                default -> throw new IllegalStateException(String.valueOf(r.status()));
            }
        }
        return b.detail("subjects", subjects).build();
    }

    @Override
    public String toString() {
        return "VerificationHealthCheck[" + name + "]";
    }
}
