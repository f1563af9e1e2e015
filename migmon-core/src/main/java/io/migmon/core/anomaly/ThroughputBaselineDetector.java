package io.migmon.core.anomaly;

import io.migmon.core.metrics.MetricCatalog;
import java.util.Locale;

/**
 * Learns the run's own throughput and flags large departures from it: type {@code throughput_drop} (built with
 * {@link #drops()}, WARNING by default) or {@code throughput_spike} (built with {@link #spikes()}, INFO by default).
 * No expected rate needs to be configured.
 *
 * <h2>Method</h2>
 * Each sample gives the rate of its interval, {@code (rows - previous rows) / elapsed seconds}. The baseline is an
 * exponentially weighted mean and variance of that rate ({@code mean += a * d}, {@code var = (1 - a)(var + a d²)}
 * with {@code d = rate - mean}), with smoothing {@code a} = {@code alpha} (default 0.05, i.e. a memory of about 20
 * samples) and {@code a = 1/n} during the first samples so the start is an ordinary average. The first
 * {@code warmUp} samples (default 12) only learn.
 *
 * <p>A sample is an outlier when it is both <em>statistically</em> far from the mean (more than {@code sigmas}
 * standard deviations, default 4; the deviation is floored at 5% of the mean so a perfectly smooth run does not
 * make every wobble significant) and <em>materially</em> far: below {@code (1 - minChange) * mean} for drops
 * (default minChange 0.5, i.e. half the usual rate) or above {@code (1 + minChange) * mean} for spikes (default
 * 1.0, i.e. double). Both conditions are needed: the first ignores noise on a jittery run, the second ignores
 * statistically significant but harmless shifts on a very smooth one (a batch size change of 30%).
 *
 * <p>Outliers in either direction are learned 10 times more slowly (mean only, not the variance), so a drop does not
 * quickly become the new normal and the end of a spike does not look like a drop; a lasting change of level is
 * absorbed after some 10 × 1/alpha samples. Fire after 3 consecutive outliers (default), clear after 3 normal
 * samples. With a 5 s sampling interval a one- or two-sample GC pause never fires.
 */
public final class ThroughputBaselineDetector implements AnomalyDetector {

    /** Type of anomalies raised by {@link #drops()}. */
    public static final String DROP = "throughput_drop";
    /** Type of anomalies raised by {@link #spikes()}. */
    public static final String SPIKE = "throughput_spike";

    private static final double MIN_RELATIVE_STD = 0.05;
    private static final double OUTLIER_LEARNING = 0.1;

    private final Builder settings;
    private final boolean drop;
    private long learned;
    private double mean;
    private double var;
    private long prevMillis = Long.MIN_VALUE;
    private long prevRows;
    private double value = Double.NaN;
    private double threshold = Double.NaN;
    private double baseline = Double.NaN;

    private ThroughputBaselineDetector(Builder settings) {
        this.settings = settings;
        this.drop = settings.drop;
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
    public String type() {
        return drop ? DROP : SPIKE;
    }

    @Override
    public String metric() {
        return MetricCatalog.MIGRATION_THROUGHPUT.prometheusName();
    }

    @Override
    public Severity severity() {
        return settings.severity;
    }

    @Override
    public int fireAfter() {
        return settings.fireAfter;
    }

    @Override
    public int clearAfter() {
        return settings.clearAfter;
    }

    @Override
    public Condition evaluate(Sample sample) {
        long now = sample.at().toEpochMilli();
        long rows = sample.rowsDone();
        long prev = prevMillis;
        long prevR = prevRows;
        prevMillis = now;
        prevRows = rows;
        if (prev == Long.MIN_VALUE || now <= prev) {
            value = Double.NaN;
            return Condition.UNKNOWN;
        }
        double rate = (rows - prevR) / ((now - prev) / 1e3);
        value = rate;
        if (learned < settings.warmUp) {
            learn(rate, true);
            threshold = Double.NaN;
            return Condition.UNKNOWN;
        }
        double sd = Math.max(Math.sqrt(var), MIN_RELATIVE_STD * Math.abs(mean));
        double k = settings.sigmas;
        double low = Math.min(mean - k * sd, (1 - settings.dropChange) * mean);
        double high = Math.max(mean + k * sd, (1 + settings.spikeChange) * mean);
        boolean isLow = rate < low;
        boolean isHigh = rate > high;
        baseline = mean;
        threshold = drop ? low : high;
        learn(rate, !(isLow || isHigh));
        return (drop ? isLow : isHigh) ? Condition.ABNORMAL : Condition.NORMAL;
    }

    private void learn(double rate, boolean normal) {
        double d = rate - mean;
        if (normal) {
            learned++;
            double a = Math.max(settings.alpha, 1.0 / learned);
            mean += a * d;
            var = (1 - a) * (var + a * d * d);
        } else {
            mean += settings.alpha * OUTLIER_LEARNING * d;
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
        String v = Checks.rate(value) + " rows/s";
        String base = "the learned baseline of " + Checks.rate(baseline) + " rows/s";
        String pct = Double.isNaN(baseline) || baseline == 0 ? "" : String.format(Locale.ROOT, " (%.0f%% of it)", 100 * value / baseline);
        if (firing) {
            return metric() + " " + v + " is " + (drop ? "far below " : "far above ") + base + pct + "; limit "
                    + Checks.rate(threshold) + " rows/s";
        }
        return metric() + " " + v + " is back near " + base + pct;
    }

    @Override
    public AnomalyDetector fresh() {
        return new ThroughputBaselineDetector(settings);
    }

    @Override
    public String toString() {
        return "ThroughputBaselineDetector{" + type() + ", alpha=" + settings.alpha + ", warmUp=" + settings.warmUp
                + ", sigmas=" + settings.sigmas + ", minChange=" + (drop ? settings.dropChange : settings.spikeChange)
                + ", fireAfter=" + settings.fireAfter + ", clearAfter=" + settings.clearAfter + "}";
    }

    /** Builder; validates eagerly, not thread-safe. */
    public static final class Builder {
        private final boolean drop;
        private double alpha = 0.05;
        private int warmUp = 12;
        private double sigmas = 4;
        private double dropChange = 0.5;
        private double spikeChange = 1.0;
        private int fireAfter = 3;
        private int clearAfter = 3;
        private Severity severity;

        private Builder(boolean drop) {
            this.drop = drop;
            this.severity = drop ? Severity.WARNING : Severity.INFO;
        }

        /** Smoothing of the baseline in (0, 1) (default 0.05: a memory of about 20 samples). */
        public Builder alpha(double alpha) {
            this.alpha = Checks.fraction("alpha", alpha);
            return this;
        }

        /** Samples that only learn at the start of a run (default 12). */
        public Builder warmUp(int samples) {
            this.warmUp = Checks.atLeast("warmUp", samples, 2);
            return this;
        }

        /** Standard deviations a rate must be away from the mean (default 4). */
        public Builder sigmas(double sigmas) {
            this.sigmas = Checks.positive("sigmas", sigmas);
            return this;
        }

        /**
         * Relative change a rate must also exceed: for drops a fraction in (0, 1) (default 0.5: below half the
         * baseline), for spikes any positive number (default 1.0: above double the baseline).
         */
        public Builder minChange(double change) {
            if (drop) {
                this.dropChange = Checks.fraction("minChange", change);
            } else {
                this.spikeChange = Checks.positive("minChange", change);
            }
            return this;
        }

        /** Consecutive outliers to fire (default 3). */
        public Builder fireAfter(int samples) {
            this.fireAfter = Checks.atLeast("fireAfter", samples, 1);
            return this;
        }

        /** Consecutive normal samples to resolve (default 3). */
        public Builder clearAfter(int samples) {
            this.clearAfter = Checks.atLeast("clearAfter", samples, 1);
            return this;
        }

        /** Severity (default WARNING for drops, INFO for spikes). */
        public Builder severity(Severity severity) {
            this.severity = Checks.severity(severity);
            return this;
        }

        public ThroughputBaselineDetector build() {
            Builder c = new Builder(drop);
            c.alpha = alpha;
            c.warmUp = warmUp;
            c.sigmas = sigmas;
            c.dropChange = dropChange;
            c.spikeChange = spikeChange;
            c.fireAfter = fireAfter;
            c.clearAfter = clearAfter;
            c.severity = severity;
            return new ThroughputBaselineDetector(c);
        }
    }
}
