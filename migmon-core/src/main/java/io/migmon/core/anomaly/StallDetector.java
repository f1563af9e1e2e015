package io.migmon.core.anomaly;

import io.migmon.core.Severity;

import io.migmon.core.support.Require;

import io.migmon.core.metrics.MetricCatalog;
import java.time.Duration;
import java.util.Locale;

/**
 * No progress, type {@code stall}, CRITICAL by default: the rows done counter has not moved for longer than the
 * stall limit.
 *
 * <h2>Method (batch-aware)</h2>
 * Migrations commit in batches, and a quiet low-volume stream may commit only every few seconds, so "no new rows
 * since the last sample" is not a stall. The detector measures the time since the last sample that showed progress
 * (a lower bound of the time since the last commit, whatever the sampling interval) and learns the gaps between
 * commits it has seen: each gap shorter than the limit (measured the same way; a stall is not learned) raises a decaying maximum that halves every
 * {@code gapMemory} (default 30 minutes). The stall limit is the larger of {@code after} (default 60 s) and
 * {@code gapFactor} (default 3) times that learned gap: a stream that commits every 40 s is judged against
 * 120 s. The time without progress is itself the hysteresis, so {@link #fireAfter()} is zero; it resolves at the first
 * sample with progress (clear after 0 s by default). Detection delay: the limit plus at most two sampling steps (the
 * first sample after the stall began may still show the last commit, and the limit is counted from that sample).
 * A short stall that ended by itself within twice the limit is learned as a gap when it happens a second time within
 * {@code gapMemory} (gap factor above 1 only): a quiet stream whose commits are all further apart than {@code after}
 * then raises two alerts at its start instead of one at every commit (at most one when its first gap was over the
 * limit, with the evidence of the rate below).
 *
 * <p><b>The evidence of the rate at the start of a run</b> (gap factor above 1 only): until a run has shown three gaps
 * between commits, the limit is also at least the gap factor times the mean of the gaps shown so far (a gap of twice
 * {@code after} or more is a stall and counts as 0). A stream committing once a minute whose first gap was 65 s is
 * judged against 195 s, not stalled by its second gap; a pipeline that committed every second and stops is still
 * caught at {@code after}. With a gap factor of 1 the limit is always exactly {@code after}.
 *
 * <p><b>Startup grace</b> (gap factor above 1 only): before the run's first commit there is no evidence of its rate
 * (a stream committing once a minute may show its first commit 70 s after the first sample), so until the first
 * sample with progress (or, with {@link Builder#idleAtZeroLag}, the first sample reading "nothing waits") the limit
 * is the larger of {@code after} and {@link Builder#startupGrace(Duration) startupGrace} (default twice {@code after}:
 * 2 minutes). A run stalled from its start is therefore caught within the grace plus at most two sampling steps
 * (default: 120 s plus two steps). The lead-in before the first commit is judged against {@code after} when it
 * ends, as every other gap: a lead-in longer than {@code after} is not learned as the stream's rhythm (it only
 * counts as evidence of the rate, above).
 *
 * <p>The same object serves pipelines that watch their own idleness (a CDC consumer): feed it the cumulative count of
 * events through an {@link AnomalyMonitor} and read {@link AnomalyMonitor#active()}, or feed an instance directly and
 * ask {@link #stalledSeconds(java.time.Instant)} / {@link #stalledAt(java.time.Instant)} at any later time. A
 * pipeline can be idle (nothing to do) without being stalled: with {@link Builder#idleAtZeroLag(boolean)} a sample
 * whose lag is known and exactly 0 means "nothing waits": it is normal and restarts the clock (it is not a gap
 * between commits, so nothing is learned from it).
 */
public final class StallDetector extends HysteresisDetector {

    /** The anomaly type. */
    public static final String TYPE = "stall";

    private final long afterMillis;
    private final double gapFactor;
    private final double gapHalfLifeMillis;
    private final boolean idleAtZeroLag;
    private final long startupGraceMillis;
    /** Whether the run has shown progress (or, with idleAtZeroLag, an idle sample): the startup grace is over. */
    private boolean started;
    private long lastRows = -1;
    private long lastProgressMillis;
    private long previousMillis;
    private long nowMillis;
    private double gapMillis;
    private long gapAtMillis;
    private double limitMillis;
    private long shortStallMillis;
    private long shortStallAtMillis = Long.MIN_VALUE;
    /** Progress samples seen in this run (counted up to {@link #EVIDENCE_GAPS}). */
    private int shownGaps;
    /** Sum of the gaps (lower bounds) before those progress samples, long stalls left out. */
    private long shownGapSumMillis;
    /** Consecutive samples without progress up to now. */
    private int emptySamples;
    /**
     * Whether the run has shown a one-sample stall: a single sample without progress that already reached the limit,
     * followed by progress at the next sample (gap factor above 1 only). From then on one sample is not enough.
     */
    private boolean oneSampleStallSeen;

    /**
     * Gaps between commits a run must have shown before the learned gap alone sets the limit: until then the limit is
     * at least the gap factor times the mean of the gaps shown so far (see {@link #evaluate}).
     */
    static final int EVIDENCE_GAPS = 3;

    private StallDetector(Builder b) {
        super(TYPE, MetricCatalog.MIGRATION_ROWS, b.severity, Duration.ZERO, b.clearAfter);
        this.afterMillis = b.after.toMillis();
        this.gapFactor = b.gapFactor;
        this.gapHalfLifeMillis = b.gapMemory.toMillis();
        this.idleAtZeroLag = b.idleAtZeroLag;
        this.startupGraceMillis = b.startupGrace != null ? b.startupGrace.toMillis() : 2 * afterMillis;
        this.limitMillis = startLimit();
    }

    private StallDetector(StallDetector o) {
        super(TYPE, MetricCatalog.MIGRATION_ROWS, o.severity(), Duration.ZERO, o.clearAfter());
        this.afterMillis = o.afterMillis;
        this.gapFactor = o.gapFactor;
        this.gapHalfLifeMillis = o.gapHalfLifeMillis;
        this.idleAtZeroLag = o.idleAtZeroLag;
        this.startupGraceMillis = o.startupGraceMillis;
        this.limitMillis = startLimit();
    }

    /** A builder with the defaults described above. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Condition evaluate(Sample sample) {
        previousMillis = nowMillis;
        nowMillis = sample.at().toEpochMilli();
        long rows = sample.rowsDone();
        if (idleAtZeroLag && sample.hasLag() && sample.lagSeconds() == 0) {
            // nothing waits: no progress is expected, the clock restarts (an idle period is not a gap between commits)
            lastRows = rows;
            lastProgressMillis = nowMillis;
            started = true;
            emptySamples = 0;
            limitMillis = limit();
            return Condition.NORMAL;
        }
        if (lastRows < 0) {
            lastRows = rows;
            lastProgressMillis = nowMillis;
            return Condition.UNKNOWN;
        }
        if (rows != lastRows) {
            // the commit came after the previous sample: the gap lasted at least previous - lastProgress
            long gap = previousMillis - lastProgressMillis;
            if (emptySamples == 1 && gapFactor > 1 && started && gap >= limitMillis) {
                // one empty sampling interval that reached the limit, then progress: a stream that commits about once
                // an interval (sampled every minute, a once-a-minute stream shows an empty minute now and then)
                oneSampleStallSeen = true;
            }
            emptySamples = 0;
            if (!started) {
                started = true;
                limitMillis = limit(); // the lead-in is judged against after, not the grace
            }
            learnGap(gap);
            showGap(gap);
            limitMillis = limit();
            lastRows = rows;
            lastProgressMillis = nowMillis;
            return Condition.NORMAL;
        }
        limitMillis = limit();
        emptySamples++;
        // after a one-sample stall that ended by itself, a stall needs two samples without progress (at 60 s sampling
        // a once-a-minute stream's empty minutes were 0.035 false alerts an hour); a busy stream never shows one and is
        // still caught at the first empty sample past the limit
        if (nowMillis - lastProgressMillis < limitMillis) {
            return Condition.NORMAL;
        }
        return !oneSampleStallSeen || emptySamples >= 2 ? Condition.ABNORMAL : Condition.UNKNOWN;
    }

    /**
     * The evidence of the rate at the start of a run (gap factor above 1 only): until the run has shown
     * {@link #EVIDENCE_GAPS} gaps between commits, a gap is judged against the mean of the gaps it has shown, times the
     * gap factor, as well as against the learned gap. Before the first commit there is no evidence (the limit is
     * {@code after}); a stream that committed once after 65 s is judged against 195 s; one that committed every
     * second and stops has shown gaps of about a second and is judged against {@code after}. Gaps are the same lower
     * bounds as the learned ones (0 between consecutive samples with progress, so a busy stream sampled every minute
     * shows gaps of 0); a gap of twice {@code after} or more is a long stall, not evidence of the rate.
     */
    private void showGap(long gap) {
        if (shownGaps >= EVIDENCE_GAPS) {
            return;
        }
        shownGaps++;
        if (gap > 0 && gap < 2 * afterMillis) {
            shownGapSumMillis += gap;
        }
    }

    private double limit() {
        if (!started) {
            return startLimit();
        }
        double limit = Math.max(afterMillis, gapFactor * decayedGap());
        if (gapFactor > 1 && shownGaps > 0 && shownGaps < EVIDENCE_GAPS) {
            limit = Math.max(limit, gapFactor * shownGapSumMillis / shownGaps);
        }
        return limit;
    }

    /** The limit before the first commit: the startup grace (gap factor above 1 only), at least {@code after}. */
    private double startLimit() {
        return gapFactor > 1 ? Math.max(afterMillis, startupGraceMillis) : afterMillis;
    }

    private double decayedGap() {
        if (gapMillis <= 0) {
            return 0;
        }
        return gapMillis * Math.pow(0.5, (nowMillis - gapAtMillis) / gapHalfLifeMillis);
    }

    private void learnGap(long gap) {
        // a gap that reached the limit was a stall, not the stream's rhythm: not learned. Except (gap factor above 1)
        // a short one, ended by itself within twice the limit, that repeats: a quiet stream committing every 70-90 s
        // otherwise fired and resolved at every commit, forever, since no gap under the limit was ever seen to learn.
        // One short stall alone (a slow patch) is not learned, so it does not loosen the limit for the next stall.
        if (gap > 0 && gapFactor > 1 && gap >= limitMillis && gap < 2 * limitMillis) {
            boolean repeats = shortStallAtMillis != Long.MIN_VALUE && nowMillis - shortStallAtMillis <= gapHalfLifeMillis;
            long previous = shortStallMillis;
            shortStallMillis = gap;
            shortStallAtMillis = nowMillis;
            if (!repeats) {
                return;
            }
            gap = Math.min(gap, previous);
            if (gap > decayedGap()) {
                gapMillis = gap;
                gapAtMillis = nowMillis;
            }
            return;
        }
        if (gap > 0 && gap < limitMillis && gap > decayedGap()) {
            gapMillis = gap;
            gapAtMillis = nowMillis;
        }
    }

    @Override
    public void restart(Sample sample, double pausedSeconds) {
        nowMillis = sample.at().toEpochMilli();
        lastRows = sample.rowsDone();
        lastProgressMillis = nowMillis; // a planned pause is not a gap between commits
        emptySamples = 0;
    }

    /** Seconds without progress at the last sample. */
    @Override
    public double value() {
        return lastRows < 0 ? 0 : (nowMillis - lastProgressMillis) / 1e3;
    }

    /**
     * Seconds without progress at {@code now}, a time after the last sample (a health check reading between samples):
     * from the last sample that showed progress (or, with {@link Builder#idleAtZeroLag}, that nothing waited); 0
     * before the first sample. Does not change the detector.
     */
    public double stalledSeconds(java.time.Instant now) {
        return lastRows < 0 ? 0 : Math.max(0, now.toEpochMilli() - lastProgressMillis) / 1e3;
    }

    /** Whether {@link #stalledSeconds(java.time.Instant)} at {@code now} has reached the {@link #threshold()}. */
    public boolean stalledAt(java.time.Instant now) {
        return lastRows >= 0 && now.toEpochMilli() - lastProgressMillis >= limitMillis;
    }

    /** The stall limit in seconds at the last sample (after, or the learned gap times the factor). */
    @Override
    public double threshold() {
        return limitMillis / 1e3;
    }

    /** The longest recent gap between commits the detector has learned, in seconds (decayed). */
    public double learnedGapSeconds() {
        return decayedGap() / 1e3;
    }

    @Override
    public String describe(boolean firing) {
        if (firing) {
            return String.format(Locale.ROOT, "%s stuck at %,d for %.0f s (limit %.0f s)", metric(), lastRows,
                    value(), threshold());
        }
        return String.format(Locale.ROOT, "%s moving again: %,d rows done", metric(), lastRows);
    }

    @Override
    public AnomalyDetector fresh() {
        return new StallDetector(this);
    }

    @Override
    public String toString() {
        return "StallDetector{after=" + afterMillis + "ms, gapFactor=" + gapFactor + ", startupGrace="
                + startupGraceMillis + "ms, clearAfter=" + clearAfter()
                + (idleAtZeroLag ? ", idleAtZeroLag" : "") + "}";
    }

    /**
     * Builder; validates eagerly, not thread-safe. Defaults: after 60 s, gap factor 3, gap memory 30 minutes,
     * startup grace twice after, clear after 0 s (the first sample with progress), severity CRITICAL.
     */
    public static final class Builder extends DetectorBuilder<Builder> {
        private Duration after = Duration.ofSeconds(60);
        private double gapFactor = 3;
        private Duration gapMemory = Duration.ofMinutes(30);
        private boolean idleAtZeroLag;
        private Duration startupGrace;

        private Builder() {
            super(Duration.ZERO, Duration.ZERO, Severity.CRITICAL);
        }

        /** The shortest time without progress that is a stall (default 60 s). */
        public Builder after(Duration after) {
            this.after = DetectorBuilder.positive(after, "after");
            return this;
        }

        /**
         * {@code intervals} times {@value DetectorBuilder#NOMINAL_INTERVAL_SECONDS} s, at least 1.
         *
         * @deprecated a count of samples depends on the sampling interval; use {@link #after(Duration)}
         */
        @Deprecated
        public Builder intervals(int intervals) {
            return after(DetectorBuilder.nominal("intervals", intervals, 1));
        }

        /** The limit is at least this many times the longest recent gap between commits (default 3, at least 1). */
        public Builder gapFactor(double factor) {
            if (!(factor >= 1) || Double.isInfinite(factor)) {
                throw new IllegalArgumentException("gapFactor must be a finite number >= 1, was " + factor);
            }
            this.gapFactor = factor;
            return this;
        }

        /**
         * The limit before the run's first commit (default twice {@code after}; never below {@code after}): a
         * stall from the start of a run is caught within this time plus at most two sampling steps. Applies with a
         * gap factor above 1 only (with a factor of 1 the limit is always {@code after}).
         */
        public Builder startupGrace(Duration grace) {
            this.startupGrace = DetectorBuilder.positive(grace, "startupGrace");
            return this;
        }

        /** Half-life of the learned gap between commits (default 30 minutes). */
        public Builder gapMemory(Duration halfLife) {
            this.gapMemory = DetectorBuilder.positive(halfLife, "gapMemory");
            return this;
        }

        /**
         * Whether a sample whose lag is known and exactly 0 means "nothing waits" (default false): for pipelines that
         * can be idle, such as a CDC consumer whose replication lag reads 0 once heartbeats confirm the target is
         * current. Such a sample is normal and restarts the clock. Leave it off for migrations whose lag is a value
         * recorded once and not refreshed while they stall.
         */
        public Builder idleAtZeroLag(boolean idle) {
            this.idleAtZeroLag = idle;
            return this;
        }

        /** A detector with these settings. */
        public StallDetector build() {
            return new StallDetector(this);
        }
    }
}
