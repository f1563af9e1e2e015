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
        if (Double.isNaN(s)) {
            return "n/a";
        }
        if (Double.isInfinite(s)) {
            return s > 0 ? "infinite" : "-infinite";
        }
        if (Math.abs(s) < 0.05) {
            s = 0.0; // no "-0.0 s"
        }
        if (Math.abs(s) >= 1e9) {
            return String.format("%.3e s", s);
        }
        return Math.abs(s) >= 100 || s == Math.rint(s) ? String.format("%.0f s", s) : String.format("%.1f s", s);
    }

    static String percent(double ratio) {
        if (Double.isInfinite(ratio)) {
            return "inf";
        }
        if (Double.isNaN(ratio)) {
            return "n/a";
        }
        if (Math.abs(ratio) >= 1e7) {
            return String.format("%.3e%%", ratio * 100);
        }
        if (ratio > 0 && ratio < 0.0001) {
            return String.format("%.4f%%", ratio * 100);
        }
        return String.format("%.2f%%", ratio * 100);
    }
}
