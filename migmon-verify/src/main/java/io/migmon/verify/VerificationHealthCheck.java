package io.migmon.verify;

import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * DOWN while the latest run of any verification found verified differences, DEGRADED while the latest one was
 * {@link VerificationStatus#INCONCLUSIVE}, UP otherwise (also before any verification). Verifiers given this check
 * ({@code .healthCheck(check)}) record every report; a verification is identified by its engine and its
 * {@link VerificationReport#name() name} (default the table or collection, so two verifiers of one table against
 * different targets need different names), and a later identical run of the same verification clears its finding.
 * Thread-safe.
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

    /** Records the latest report of its verification (replacing the previous report of the same engine and name). */
    public void record(VerificationReport report) {
        Objects.requireNonNull(report, "report");
        latest.put(report.engine() + ":" + report.name(), report);
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
                case DIFFERENT -> b.down(label(r) + ": " + r.totalDifferences() + " verified difference(s) (missing "
                        + r.count(DifferenceKind.MISSING) + ", extra " + r.count(DifferenceKind.EXTRA) + ", changed "
                        + r.count(DifferenceKind.CHANGED) + ")");
                case INCONCLUSIVE -> b.degraded(label(r) + ": verification inconclusive (" + r.unresolved()
                        + " difference(s) still in flight)");
                case IDENTICAL -> { }
                default -> throw new IllegalStateException(String.valueOf(r.status()));
            }
        }
        return b.detail("subjects", subjects).build();
    }

    private static String label(VerificationReport r) {
        return r.name().equals(r.subject()) ? r.subject() : r.name() + " (" + r.subject() + ")";
    }

    @Override
    public String toString() {
        return "VerificationHealthCheck[" + name + "]";
    }
}
