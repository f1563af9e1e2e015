package io.migmon.core.anomaly;

import io.migmon.core.Severity;

import io.migmon.core.support.Require;

import io.migmon.core.metrics.MetricCatalog;
import java.time.Duration;
import java.util.Locale;

/**
 * The seed's threshold rule, type {@code low_throughput}: throughput below a fraction (default 0.5) of the rate
 * the host expects, severity WARNING by default.
 *
 * <p>Method: the rate is measured over the last {@code window} of time (rows done difference divided by elapsed
 * time; the last interval when samples are further apart), which smooths batch commits and GC pauses. The first
 * {@code warmUp} of a run is not judged, so a normal ramp-up (cold caches, connection pools filling) does not fire.
 * Defaults: window 2 minutes, warm-up 2 minutes, fire after 60 s of low samples, clear after 120 s. A planned pause or
 * throttle declared on the monitor ({@link AnomalyMonitor#pause}) is not judged.
 * Use it when you know the expected rate; otherwise prefer {@link ThroughputBaselineDetector}, which learns it.
 */
public final class LowThroughputDetector extends HysteresisDetector {

    /** The anomaly type. */
    public static final String TYPE = "low_throughput";

    private final double expected;
    private final double ratio;
    private final Duration window;
    private final long warmUpMillis;

    private final RateWindow ring;
    private long startMillis = Long.MIN_VALUE;
    private double value = Double.NaN;

    private LowThroughputDetector(Builder b) {
        super(TYPE, MetricCatalog.MIGRATION_THROUGHPUT, b);
        this.expected = b.expected;
        this.ratio = b.ratio;
        this.window = b.window;
        this.warmUpMillis = b.warmUp.toMillis();
        this.ring = new RateWindow(window.toMillis());
    }

    private LowThroughputDetector(LowThroughputDetector o) {
        super(TYPE, MetricCatalog.MIGRATION_THROUGHPUT, o.severity(), o.fireAfter(), o.clearAfter());
        this.expected = o.expected;
        this.ratio = o.ratio;
        this.window = o.window;
        this.warmUpMillis = o.warmUpMillis;
        this.ring = new RateWindow(window.toMillis());
    }

    /** A builder for a host that expects {@code rowsPerSecond}. */
    public static Builder builder(double expectedRowsPerSecond) {
        return new Builder(expectedRowsPerSecond);
    }

    @Override
    public Condition evaluate(Sample sample) {
        long now = sample.at().toEpochMilli();
        if (startMillis == Long.MIN_VALUE) {
            startMillis = now;
        }
        ring.add(now, sample.rowsDone(), sample.errors());
        if (now - startMillis < warmUpMillis || !ring.full()) {
            value = Double.NaN;
            return Condition.UNKNOWN;
        }
        value = ring.rowRate();
        if (Double.isNaN(value)) {
            return Condition.UNKNOWN;
        }
        return value < threshold() ? Condition.ABNORMAL : Condition.NORMAL;
    }

    @Override
    public void restart(Sample sample, double pausedSeconds) {
        ring.clear();
        ring.add(sample.at().toEpochMilli(), sample.rowsDone(), sample.errors());
    }

    @Override
    public double value() {
        return value;
    }

    @Override
    public double threshold() {
        return ratio * expected;
    }

    @Override
    public String describe(boolean firing) {
        String pct = String.format(Locale.ROOT, "%.0f%%", ratio * 100);
        return firing
                ? metric() + " " + Rates.format(value) + " rows/s is below " + pct + " of the expected "
                        + Rates.format(expected) + " rows/s (" + Rates.format(threshold()) + " rows/s)"
                : metric() + " " + Rates.format(value) + " rows/s is back above " + Rates.format(threshold())
                        + " rows/s (" + pct + " of the expected " + Rates.format(expected) + " rows/s)";
    }

    @Override
    public AnomalyDetector fresh() {
        return new LowThroughputDetector(this);
    }

    @Override
    public String toString() {
        return "LowThroughputDetector{expected=" + expected + ", ratio=" + ratio + ", window=" + window
                + ", warmUp=" + warmUpMillis + "ms, fireAfter=" + fireAfter() + ", clearAfter=" + clearAfter() + "}";
    }

    /**
     * Builder; validates eagerly, not thread-safe. Defaults: window 2 minutes, warm-up 2 minutes, fire after 60 s of
     * low samples, clear after 120 s, severity WARNING.
     */
    public static final class Builder extends DetectorBuilder.Firing<Builder> {
        private final double expected;
        private double ratio = 0.5;
        private Duration window = Duration.ofMinutes(2);
        private Duration warmUp = Duration.ofMinutes(2);

        private Builder(double expected) {
            super(Duration.ofSeconds(60), Duration.ofSeconds(120), Severity.WARNING);
            this.expected = Require.positive(expected, "expectedRowsPerSecond");
        }

        /** Fires below {@code ratio} times the expected rate (default 0.5), in (0, 1). */
        public Builder ratio(double ratio) {
            this.ratio = Require.strictlyBetween(ratio, 0, 1, "ratio");
            return this;
        }

        /** The time the rate is measured over (default 2 minutes). */
        public Builder window(Duration window) {
            this.window = Require.positive(window, "window");
            return this;
        }

        /**
         * {@code intervals} times 5 s, at least 1.
         *
         * @deprecated a count of samples depends on the sampling interval; use {@link #window(Duration)}
         */
        @Deprecated
        public Builder window(int intervals) {
            return window(DetectorBuilder.nominal("window", intervals, 1));
        }

        /** Time at the start of a run that is not judged (default 2 minutes). */
        public Builder warmUp(Duration warmUp) {
            this.warmUp = Require.nonNegative(warmUp, "warmUp");
            return this;
        }

        /**
         * {@code samples} times 5 s, at least 0.
         *
         * @deprecated a count of samples depends on the sampling interval; use {@link #warmUp(Duration)}
         */
        @Deprecated
        public Builder warmUp(int samples) {
            return warmUp(DetectorBuilder.nominal("warmUp", samples, 0));
        }

        /** A detector with these settings (later builder changes do not affect it). */
        public LowThroughputDetector build() {
            return new LowThroughputDetector(this);
        }
    }
}
