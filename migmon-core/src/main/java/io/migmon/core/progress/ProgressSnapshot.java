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
 * @param eta              estimated time to completion; empty while unknown (no total, under 1% done or under
 *                         7 s of rows, stalled, past the declared total while running, failed or aborted);
 *                         zero at exactly the declared total or once succeeded
 * @param lastProgressAt   when rows were last seen to advance, or the start: the time of the first read (snapshot) that
 *                         saw them, since recording rows reads no clock; rows recorded at {@code t} with reads at most
 *                         {@code I} apart give a value in {@code [t, t + I]} (never earlier than the rows)
 * @param state            what the rate model thinks the run is doing
 */
public record ProgressSnapshot(
        Instant at,
        long rowsDone,
        OptionalLong expectedRows,
        double throughput,
        Optional<Duration> eta,
        Instant lastProgressAt,
        State state) {

    /** What the run is doing, as far as progress tells. */
    public enum State {
        /** No rows yet. */
        STARTING,
        /** Rows are coming. */
        RUNNING,
        /** A planned pause or throttle declared by the host: no ETA change, no anomaly. */
        PAUSED,
        /** No progress for much longer than the usual gap between commits: no ETA (NaN). */
        STALLED,
        /** The run succeeded: ETA 0. */
        SUCCEEDED,
        /** The run failed or was aborted: no ETA (NaN). */
        ENDED
    }

    /** A snapshot in state {@link State#RUNNING} (the form before the state existed). */
    public ProgressSnapshot(Instant at, long rowsDone, OptionalLong expectedRows, double throughput,
                            Optional<Duration> eta, Instant lastProgressAt) {
        this(at, rowsDone, expectedRows, throughput, eta, lastProgressAt, State.RUNNING);
    }

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
        if (state == State.STALLED || state == State.PAUSED) {
            sb.append(" (").append(state.name().toLowerCase(java.util.Locale.ROOT)).append(')');
        }
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
