package io.migmon.core.anomaly;

import io.migmon.core.Severity;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.support.Require;
import java.util.Locale;

/**
 * Learns the run's own throughput and flags large departures from it: type {@code throughput_drop} (built with
 * {@link #drops()}, WARNING by default) or {@code throughput_spike} (built with {@link #spikes()}, INFO by default).
 * No expected rate needs to be configured.
 *
 * <h2>Method</h2>
 * Each sample gives the rate over the last {@code window} sample intervals (default 6, i.e. 30 s at a 5 s interval,
 * which smooths migrations that commit in big batches every few samples). The baseline is an exponentially
 * weighted mean of that rate ({@code mean += a * d}, {@code d = rate - mean}) and an exponentially weighted mean
 * absolute deviation {@code mad += a * (|d| - mad)}, a robust stand-in for the standard deviation
 * ({@code sd ≈ 1.25 mad} for normal noise). After the first half of the warm-up both are robust (Huber-style): each
 * deviation is clipped at 2 sd for the mean and 3 mad for the deviation, so that the few samples on the edge of a
 * collapse or a spike (partly inside it, not yet outliers) cannot drag the baseline along. Smoothing
 * {@code a} = {@code alpha} (default 0.05, i.e. a memory of about 20 samples), with {@code a = 1/n} during the
 * first samples so the start is an ordinary average. The first {@code warmUp} samples (default 12) only learn.
 *
 * <p>A sample is an outlier when it is both <em>statistically</em> far from the mean (more than {@code sigmas}
 * standard deviations, default 4; the deviation is floored at 5% of the mean so a perfectly smooth run does not
 * make every wobble significant) and <em>materially</em> far: below {@code (1 - minChange) * mean} for drops
 * (default minChange 0.5, i.e. half the usual rate) or above {@code (1 + minChange) * mean} for spikes (default
 * 1.0, i.e. double). Both conditions are needed: the first ignores noise on a jittery run, the second ignores
 * statistically significant but harmless shifts on a very smooth one (a batch size change of 30%).
 *
 * <p>Outliers in either direction move the mean 10 times more slowly, with their deviation clipped at the limit,
 * so a drop does not become the new normal within minutes and the end of a spike does not look like a drop, while
 * a lasting change of level is still absorbed in the end (a collapse to a fifth of the rate takes 30 to 60 minutes;
 * keep a {@link LowThroughputDetector} or a health threshold for an absolute floor). The deviation learns only from
 * normal samples. Both fire after 4 consecutive outliers and clear after 3 normal samples (defaults): a GC pause
 * of up to 4 samples (20 s) pulls at most 3 consecutive 30 s rates under half, so it does not fire.
 */
public final class ThroughputBaselineDetector extends HysteresisDetector {

    /** Type of anomalies raised by {@link #drops()}. */
    public static final String DROP = "throughput_drop";
    /** Type of anomalies raised by {@link #spikes()}. */
    public static final String SPIKE = "throughput_spike";

    private static final double MIN_RELATIVE_STD = 0.05;
    private static final double OUTLIER_LEARNING = 0.1;
    private static final double MAD_TO_SD = 1.25;
    private static final double CLIP = 3;

    private final Builder settings;
    private final boolean drop;
    private long learned;
    private double mean;
    private double scale;
    private final SampleRing ring;
    private double value = Double.NaN;
    private double threshold = Double.NaN;
    private double baseline = Double.NaN;

    private ThroughputBaselineDetector(Builder settings) {
        super(settings.drop ? DROP : SPIKE, MetricCatalog.MIGRATION_THROUGHPUT, settings);
        this.settings = settings;
        this.drop = settings.drop;
        this.ring = new SampleRing(settings.window + 1);
    }

    /** A builder for throughput drops ({@code throughput_drop}). */
    public static Builder drops() {
        return new Builder(true);
    }

    /** A builder for throughput spikes ({@code throughput_spike}). */
    public static Builder spikes() {
        return new Builder(false);
    }

    @Override
    public Condition evaluate(Sample sample) {
        ring.add(sample);
        double rate = ring.rowRate();
        value = rate;
        if (Double.isNaN(rate)) {
            return Condition.UNKNOWN;
        }
        if (learned < settings.warmUp) {
            learn(rate, true, 0);
            threshold = Double.NaN;
            return Condition.UNKNOWN;
        }
        double sd = Math.max(MAD_TO_SD * scale, MIN_RELATIVE_STD * Math.abs(mean));
        double k = settings.sigmas;
        double low = Math.min(mean - k * sd, (1 - settings.dropChange) * mean);
        double high = Math.max(mean + k * sd, (1 + settings.spikeChange) * mean);
        boolean isLow = rate < low;
        boolean isHigh = rate > high;
        baseline = mean;
        threshold = drop ? low : high;
        learn(rate, !(isLow || isHigh), k * sd);
        return (drop ? isLow : isHigh) ? Condition.ABNORMAL : Condition.NORMAL;
    }

    private void learn(double rate, boolean normal, double clamp) {
        double d = rate - mean;
        if (normal) {
            learned++;
            double a = Math.max(settings.alpha, 1.0 / learned);
            double ad = Math.abs(d);
            if (learned > settings.warmUp / 2 && scale > 0) {
                // Huber-style: one wild sample (the ramp into a spike or a collapse) moves the mean by at most
                // a * 2 sd and widens the band by at most a * (CLIP - 1) of itself
                double sd = Math.max(MAD_TO_SD * scale, MIN_RELATIVE_STD * Math.abs(mean));
                d = Math.max(-2 * sd, Math.min(2 * sd, d));
                ad = Math.min(ad, CLIP * scale);
            }
            mean += a * d;
            scale += a * (ad - scale);
        } else {
            // outliers move the mean slowly, their deviation clipped at the limit, and leave the scale alone:
            // a drop does not become the new normal (nor widen the band) within minutes, a lasting shift is
            // absorbed in the end
            double a = settings.alpha * OUTLIER_LEARNING;
            mean += a * Math.max(-clamp, Math.min(clamp, d));
        }
    }

    @Override
    public double value() {
        return value;
    }

    @Override
    public double threshold() {
        return threshold;
    }

    @Override
    public String describe(boolean firing) {
        String v = Rates.format(value) + " rows/s";
        String base = "the learned baseline of " + Rates.format(baseline) + " rows/s";
        String pct = Double.isNaN(baseline) || baseline == 0 ? "" : String.format(Locale.ROOT, " (%.0f%% of it)", 100 * value / baseline);
        if (firing) {
            return metric() + " " + v + " is " + (drop ? "far below " : "far above ") + base + pct + "; limit "
                    + Rates.format(threshold) + " rows/s";
        }
        return metric() + " " + v + " is back near " + base + pct;
    }

    @Override
    public AnomalyDetector fresh() {
        return new ThroughputBaselineDetector(settings);
    }

    @Override
    public String toString() {
        return "ThroughputBaselineDetector{" + type() + ", window=" + settings.window + ", alpha=" + settings.alpha + ", warmUp=" + settings.warmUp
                + ", sigmas=" + settings.sigmas + ", minChange=" + (drop ? settings.dropChange : settings.spikeChange)
                + ", fireAfter=" + settings.fireAfter + ", clearAfter=" + settings.clearAfter + "}";
    }

    /**
     * Builder; validates eagerly, not thread-safe. Defaults: fire after 4 outliers, clear after 3 normal samples,
     * severity WARNING for drops, INFO for spikes.
     */
    public static final class Builder extends DetectorBuilder.Firing<Builder> {
        private final boolean drop;
        private double alpha = 0.05;
        private int warmUp = 12;
        private double sigmas = 4;
        private double dropChange = 0.5;
        private double spikeChange = 1.0;
        private int window = 6;

        private Builder(boolean drop) {
            super(4, 3, drop ? Severity.WARNING : Severity.INFO);
            this.drop = drop;
        }

        /** Smoothing of the baseline in (0, 1) (default 0.05: a memory of about 20 samples). */
        public Builder alpha(double alpha) {
            this.alpha = Require.strictlyBetween(alpha, 0, 1, "alpha");
            return this;
        }

        /** Samples that only learn at the start of a run (default 12). */
        public Builder warmUp(int samples) {
            this.warmUp = Require.atLeast(samples, 2, "warmUp");
            return this;
        }

        /** Standard deviations a rate must be away from the mean (default 4). */
        public Builder sigmas(double sigmas) {
            this.sigmas = Require.positive(sigmas, "sigmas");
            return this;
        }

        /**
         * Relative change a rate must also exceed: for drops a fraction in (0, 1) (default 0.5: below half the
         * baseline), for spikes any positive number (default 1.0: above double the baseline).
         */
        public Builder minChange(double change) {
            if (drop) {
                this.dropChange = Require.strictlyBetween(change, 0, 1, "minChange");
            } else {
                this.spikeChange = Require.positive(change, "minChange");
            }
            return this;
        }

        /**
         * Sample intervals each rate is measured over (default 3): smooths migrations that commit in big batches
         * every few samples.
         */
        public Builder window(int intervals) {
            this.window = Require.atLeast(intervals, 1, "window");
            return this;
        }

        /** A detector with these settings (later builder changes do not affect it). */
        public ThroughputBaselineDetector build() {
            Builder c = copyHysteresisTo(new Builder(drop));
            c.alpha = alpha;
            c.warmUp = warmUp;
            c.sigmas = sigmas;
            c.dropChange = dropChange;
            c.spikeChange = spikeChange;
            c.window = window;
            return new ThroughputBaselineDetector(c);
        }
    }
}
