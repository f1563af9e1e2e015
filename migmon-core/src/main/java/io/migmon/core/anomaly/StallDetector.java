package io.migmon.core.anomaly;

import io.migmon.core.Severity;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.support.Require;
import java.util.Locale;

/**
 * No progress, type {@code stall}, CRITICAL by default: the rows done counter has not moved for {@code intervals}
 * consecutive sample intervals (default 6, i.e. 30 s at a 5 s sampling interval). The count of intervals is
 * itself the hysteresis for firing (so {@link #fireAfter()} is 1); it resolves after {@code clearAfter} samples
 * that made progress (default 2). Pick {@code intervals} longer than the longest pause your migration takes on
 * purpose (a slow index build, a long GC pause): a pause of one or two samples must not fire.
 */
public final class StallDetector extends HysteresisDetector {

    /** The anomaly type. */
    public static final String TYPE = "stall";

    private final int intervals;
    private long lastRows = -1;
    private long lastProgressMillis;
    private long nowMillis;
    private int still;

    private StallDetector(int intervals, int clearAfter, Severity severity) {
        super(TYPE, MetricCatalog.MIGRATION_ROWS, severity, 1, clearAfter);
        this.intervals = intervals;
    }

    /** A builder with the defaults described above. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Condition evaluate(Sample sample) {
        nowMillis = sample.at().toEpochMilli();
        long rows = sample.rowsDone();
        if (lastRows < 0) {
            lastRows = rows;
            lastProgressMillis = nowMillis;
            return Condition.UNKNOWN;
        }
        if (rows != lastRows) {
            lastRows = rows;
            lastProgressMillis = nowMillis;
            still = 0;
            return Condition.NORMAL;
        }
        still++;
        return still >= intervals ? Condition.ABNORMAL : Condition.NORMAL;
    }

    @Override
    public double value() {
        return still;
    }

    @Override
    public double threshold() {
        return intervals;
    }

    @Override
    public String describe(boolean firing) {
        double seconds = (nowMillis - lastProgressMillis) / 1e3;
        if (firing) {
            return String.format(Locale.ROOT, "%s stuck at %,d for %d samples (%.0f s without progress; limit %d samples)",
                    metric(), lastRows, still, seconds, intervals);
        }
        return String.format(Locale.ROOT, "%s moving again: %,d rows done", metric(), lastRows);
    }

    @Override
    public AnomalyDetector fresh() {
        return new StallDetector(intervals, clearAfter(), severity());
    }

    @Override
    public String toString() {
        return "StallDetector{intervals=" + intervals + ", clearAfter=" + clearAfter() + "}";
    }

    /**
     * Builder; validates eagerly, not thread-safe. Defaults: clear after 2 samples with progress, severity
     * CRITICAL.
     */
    public static final class Builder extends DetectorBuilder<Builder> {
        private int intervals = 6;

        private Builder() {
            super(1, 2, Severity.CRITICAL);
        }

        /** Consecutive sample intervals without progress that make a stall (default 6). */
        public Builder intervals(int intervals) {
            this.intervals = Require.atLeast(intervals, 1, "intervals");
            return this;
        }

        /** A detector with these settings. */
        public StallDetector build() {
            return new StallDetector(intervals, clearAfter, severity);
        }
    }
}
