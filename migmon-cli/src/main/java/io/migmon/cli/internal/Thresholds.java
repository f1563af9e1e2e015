package io.migmon.cli.internal;

/**
 * What {@code check} (and {@code watch} at the end) gates on. A null limit is not checked (its value is shown for
 * information); a limit that is set but has no data makes the check UNKNOWN (exit 2), never a pass.
 *
 * @param maxLagSeconds            {@code --max-lag}
 * @param maxReplicationLagSeconds {@code --max-replication-lag} (CDC replication and consumer lag)
 * @param maxErrorRate             {@code --max-error-rate} (errors / rows)
 * @param maxErrors                {@code --max-errors}
 * @param requireStatus            {@code --require-status} (e.g. {@code success}), or null: failed/aborted fail anyway
 * @param healthCheck              {@code --health-check}: the check name to read; null for {@code migration:<id>}
 *                                 if present
 */
public record Thresholds(Double maxLagSeconds, Double maxReplicationLagSeconds, Double maxErrorRate, Long maxErrors,
        String requireStatus, String healthCheck) {

    static String seconds(double s) {
        if (!Double.isFinite(s)) {
            return "n/a";
        }
        return s >= 100 || s == Math.rint(s) ? String.format("%.0f s", s) : String.format("%.1f s", s);
    }

    static String percent(double ratio) {
        if (Double.isInfinite(ratio)) {
            return "inf";
        }
        if (ratio > 0 && ratio < 0.0001) {
            return String.format("%.4f%%", ratio * 100);
        }
        return String.format("%.2f%%", ratio * 100);
    }
}
