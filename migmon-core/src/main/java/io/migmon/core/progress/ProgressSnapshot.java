package io.migmon.core.progress;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A consistent view of a migration's progress at one instant. Immutable.
 *
 * @param at               when the snapshot was taken
 * @param rowsDone         units of work done so far
 * @param expectedRows     the declared total, if any
 * @param throughput       exponentially weighted rows per second (0 when nothing is known yet)
 * @param eta              estimated time to completion; empty while unknown (no total, under 1% done, no rate)
 * @param lastProgressAt   when rows were last recorded, or the start if none yet
 */
public record ProgressSnapshot(
        Instant at,
        long rowsDone,
        OptionalLong expectedRows,
        double throughput,
        Optional<Duration> eta,
        Instant lastProgressAt) {

    /** Fraction done in [0, 1], or NaN when no total was declared. */
    public double ratio() {
        if (expectedRows.isEmpty()) {
            return Double.NaN;
        }
        long expected = expectedRows.getAsLong();
        if (expected == 0) {
            return 1.0;
        }
        return Math.min(1.0, (double) rowsDone / expected);
    }

    /** ETA in seconds, or NaN when unknown (handy for gauges). */
    public double etaSeconds() {
        return eta.map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
    }

    /** A one-line human summary, e.g. {@code 12,000/100,000 rows (12.0%) 950.0 rows/s ETA 1m32s}. */
    public String describe() {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%,d", rowsDone));
        if (expectedRows.isPresent()) {
            sb.append(String.format("/%,d rows (%.1f%%)", expectedRows.getAsLong(), ratio() * 100));
        } else {
            sb.append(" rows");
        }
        sb.append(String.format(" %.1f rows/s", throughput));
        sb.append(" ETA ").append(eta.map(ProgressSnapshot::human).orElse("unknown"));
        return sb.toString();
    }

    private static String human(Duration d) {
        long s = Math.max(0, Math.round(d.toMillis() / 1000.0));
        if (s >= 3600) {
            return String.format("%dh%02dm%02ds", s / 3600, (s % 3600) / 60, s % 60);
        }
        if (s >= 60) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        return s + "s";
    }
}
