package io.migmon.verify;

import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * DOWN while the latest run of any verification found verified differences, DEGRADED while the latest one was
 * {@link VerificationStatus#INCONCLUSIVE}, UP otherwise (also before any verification). Verifiers given this check
 * ({@code .healthCheck(check)}) record every report; a verification is identified by its engine and its
 * {@link VerificationReport#name() name} (default the table or collection, so two verifiers of one table against
 * different targets need different names), and a later identical run of the same verification clears its finding.
 *
 * <p><b>Bounded</b>: the check keeps the latest report of at most {@link #maxEntries()} verifications (default
 * {@value #DEFAULT_MAX_ENTRIES}, as many as the {@code migration_validation_*} series a registry keeps by default). A
 * report of one verification more removes one entry: the least recently recorded among the least severe (IDENTICAL
 * first, then INCONCLUSIVE, then DIFFERENT), which may be the new report itself. So removal never changes the
 * check's status (a removed finding leaves at least one entry as severe as the worst), only which verifications the
 * reasons and the {@code subjects} detail name; the {@code evicted} detail counts the removals. A host that names
 * runs uniquely (a name per date) is thereby bounded; give recurring runs a stable name to keep one entry each.
 * Thread-safe.
 */
public final class VerificationHealthCheck implements HealthCheck {

    /** Default {@link #maxEntries()}: 100 verifications. */
    public static final int DEFAULT_MAX_ENTRIES = 100;

    private final String name;
    private final int maxEntries;
    /** Latest report per engine and name, least recently recorded first; guarded by {@code this}. */
    private final LinkedHashMap<String, VerificationReport> latest = new LinkedHashMap<>();
    /** Entries removed to stay within {@link #maxEntries}; guarded by {@code this}. */
    private long evicted;

    private VerificationHealthCheck(String name, int maxEntries) {
        this.name = Objects.requireNonNull(name, "name");
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries must be at least 1, was " + maxEntries);
        }
        this.maxEntries = maxEntries;
    }

    /** A check named {@code validation} keeping at most {@value #DEFAULT_MAX_ENTRIES} verifications. */
    public static VerificationHealthCheck create() {
        return new VerificationHealthCheck("validation", DEFAULT_MAX_ENTRIES);
    }

    /**
     * A check with this name (the {@code check} tag of {@code migmon_health_status}) keeping at most
     * {@value #DEFAULT_MAX_ENTRIES} verifications.
     */
    public static VerificationHealthCheck named(String name) {
        return named(name, DEFAULT_MAX_ENTRIES);
    }

    /**
     * A check with this name keeping the latest report of at most {@code maxEntries} verifications (see the class
     * comment for which entry goes).
     *
     * @throws IllegalArgumentException when {@code name} is blank or {@code maxEntries} is below 1
     */
    public static VerificationHealthCheck named(String name, int maxEntries) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        return new VerificationHealthCheck(name, maxEntries);
    }

    /** The most verifications whose latest report this check keeps. */
    public int maxEntries() {
        return maxEntries;
    }

    /**
     * Records the latest report of its verification (replacing the previous report of the same engine and name), then
     * removes one entry if there are more than {@link #maxEntries()}.
     */
    public void record(VerificationReport report) {
        Objects.requireNonNull(report, "report");
        String key = report.engine() + ":" + report.name();
        synchronized (this) {
            latest.remove(key); // re-inserted last: the most recently recorded
            latest.put(key, report);
            if (latest.size() > maxEntries) {
                evictOne();
            }
        }
    }

    /** Removes the least recently recorded entry of the least severe status present. */
    private void evictOne() {
        String victim = null;
        int victimRank = Integer.MAX_VALUE;
        for (Map.Entry<String, VerificationReport> e : latest.entrySet()) { // least recently recorded first
            int rank = severity(e.getValue().status());
            if (rank < victimRank) {
                victim = e.getKey();
                victimRank = rank;
            }
        }
        latest.remove(victim);
        evicted++;
    }

    /** IDENTICAL 0 (UP), INCONCLUSIVE 1 (DEGRADED), DIFFERENT 2 (DOWN). */
    private static int severity(VerificationStatus status) {
        return switch (status) {
            case IDENTICAL -> 0;
            case INCONCLUSIVE -> 1;
            case DIFFERENT -> 2;
        };
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Health check() {
        Map<String, VerificationReport> snapshot;
        long removed;
        synchronized (this) {
            snapshot = new TreeMap<>(latest);
            removed = evicted;
        }
        Health.Builder b = Health.builder();
        Map<String, Object> subjects = new TreeMap<>();
        for (Map.Entry<String, VerificationReport> e : snapshot.entrySet()) {
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
        b.detail("subjects", subjects);
        if (removed > 0) {
            b.detail("evicted", removed);
        }
        return b.build();
    }

    private static String label(VerificationReport r) {
        return r.name().equals(r.subject()) ? r.subject() : r.name() + " (" + r.subject() + ")";
    }

    @Override
    public String toString() {
        return "VerificationHealthCheck[" + name + ", maxEntries " + maxEntries + "]";
    }
}
