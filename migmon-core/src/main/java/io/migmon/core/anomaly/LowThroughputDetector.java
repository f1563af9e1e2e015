package io.migmon.core.anomaly;

import io.migmon.core.Severity;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.support.Require;
import java.util.Locale;

/**
 * The seed's threshold rule, type {@code low_throughput}: throughput below a fraction (default 0.5) of the rate
 * the host expects, severity WARNING by default.
 *
 * <p>Method: the rate is measured over the last {@code window} sample intervals (rows done difference divided by
 * elapsed time), which smooths single slow batches. The first {@code warmUp} samples of a run are not judged, so a
 * normal ramp-up (cold caches, connection pools filling) does not fire. Defaults (for a 5 s sampling interval):
 * window 12 intervals (1 minute, so a GC pause of up to 20 s does not pull it under half), warm-up 24 samples (2 minutes), fire after 3 consecutive low samples, clear after 3.
 * Use it when you know the expected rate; otherwise prefer {@link ThroughputBaselineDetector}, which learns it.
 */
public final class LowThroughputDetector extends HysteresisDetector {

    /** The anomaly type. */
    public static final String TYPE = "low_throughput";

    private final double expected;
    private final double ratio;
    private final int window;
    private final int warmUp;

    private final SampleRing ring;
    private long seen;
    private double value = Double.NaN;

    private LowThroughputDetector(Builder b) {
        super(TYPE, MetricCatalog.MIGRATION_THROUGHPUT, b);
        this.expected = b.expected;
        this.ratio = b.ratio;
        this.window = b.window;
        this.warmUp = b.warmUp;
        this.ring = new SampleRing(window + 1);
    }

    private LowThroughputDetector(LowThroughputDetector o) {
        super(TYPE, MetricCatalog.MIGRATION_THROUGHPUT, o.severity(), o.fireAfter(), o.clearAfter());
        this.expected = o.expected;
        this.ratio = o.ratio;
        this.window = o.window;
        this.warmUp = o.warmUp;
        this.ring = new SampleRing(window + 1);
    }

    /** A builder for a host that expects {@code rowsPerSecond}. */
    public static Builder builder(double expectedRowsPerSecond) {
        return new Builder(expectedRowsPerSecond);
    }

    @Override
    public Condition evaluate(Sample sample) {
        ring.add(sample);
        seen++;
        if (seen <= warmUp || ring.size() < 2) {
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
                + ", warmUp=" + warmUp + ", fireAfter=" + fireAfter() + ", clearAfter=" + clearAfter() + "}";
    }

    /**
     * Builder; validates eagerly, not thread-safe. Defaults: fire after 3 low samples, clear after 3, severity
     * WARNING.
     */
    public static final class Builder extends DetectorBuilder.Firing<Builder> {
        private final double expected;
        private double ratio = 0.5;
        private int window = 12;
        private int warmUp = 24;

        private Builder(double expected) {
            super(3, 3, Severity.WARNING);
            this.expected = Require.positive(expected, "expectedRowsPerSecond");
        }

        /** Fires below {@code ratio} times the expected rate (default 0.5), in (0, 1). */
        public Builder ratio(double ratio) {
            this.ratio = Require.strictlyBetween(ratio, 0, 1, "ratio");
            return this;
        }

        /** Sample intervals the rate is measured over (default 12). */
        public Builder window(int intervals) {
            this.window = Require.atLeast(intervals, 1, "window");
            return this;
        }

        /** Samples at the start of a run that are not judged (default 24). */
        public Builder warmUp(int samples) {
            this.warmUp = Require.atLeast(samples, 0, "warmUp");
            return this;
        }

        /** A detector with these settings (later builder changes do not affect it). */
        public LowThroughputDetector build() {
            return new LowThroughputDetector(this);
        }
    }
}
