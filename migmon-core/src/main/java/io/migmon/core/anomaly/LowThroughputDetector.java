package io.migmon.core.anomaly;

import io.migmon.core.Severity;

import io.migmon.core.support.Require;

import io.migmon.core.metrics.MetricCatalog;
import java.time.Duration;
import java.util.Locale;

/**
 * The seed's threshold rule, type {@code low_throughput}: throughput below a fraction (default 0.4) of the rate
 * the host expects, severity WARNING by default.
 *
 * <p>Method: the rate is measured over the last {@code window} of time (rows done difference divided by elapsed
 * time; the last interval when samples are further apart), which smooths batch commits and GC pauses. The first
 * {@code warmUp} of a run is not judged, so a normal ramp-up (cold caches, connection pools filling) does not fire.
 * A rate below the limit counts as low only when it is below by more than {@code sigmas} (default 1) standard
 * deviations of the rate's own noise, learned as the relative changes between rates one window apart while the rate
 * is above the limit and applied at the limit (noise learned in absolute terms at the peak overstated it at the
 * limit and hid real drops); in between a sample neither fires nor clears, so a noisy stream whose daily trough comes near the limit
 * does not flap across it: it keeps an alert that is firing, and ends a low run that has not lasted {@code fireAfter}
 * yet (so noise dips minutes apart in a long trough do not add up to an alert).
 * Defaults: window 2 minutes, warm-up 2 minutes, fire after 60 s of low samples, clear after 120 s. A planned pause or
 * throttle declared on the monitor ({@link AnomalyMonitor#pause}) is not judged.
 * Use it when you know the expected rate; otherwise prefer {@link ThroughputBaselineDetector}, which learns it.
 */
public final class LowThroughputDetector extends HysteresisDetector {

    /** The anomaly type. */
    public static final String TYPE = "low_throughput";

    private static final double MAD_TO_SD = 1.25;
    private static final double NOISE_MEMORY_SECONDS = 600;
    private static final double SIGMAS = 1;
    /**
     * Default limit, a fraction of the expected rate: between a healthy daily trough (60-80% of the expected rate)
     * and a real drop (to 30% in the simulated traces). 0.5 until 2026-11-27: a 24 h cycle with its trough at 60%
     * and noise correlated over a minute fired about once in 10 hours. Public: the generated Prometheus rule
     * ({@code MigmonAlertRules} in migmon-grafana) uses the same default factor.
     */
    public static final double DEFAULT_RATIO = 0.4;
    static final double RATIO = DEFAULT_RATIO;

    private final double expected;
    private final double ratio;
    private final Duration window;
    private final long warmUpMillis;

    private final double sigmas;
    private final RateWindow ring;
    private long startMillis = Long.MIN_VALUE;
    private long lowSinceMillis = Long.MIN_VALUE;
    private long lowUntilMillis = Long.MIN_VALUE;
    private double value = Double.NaN;
    // the rate's own noise: mean absolute relative change between rates one window apart (time-weighted, 10-minute
    // memory), applied at the limit
    private long pairMillis = Long.MIN_VALUE;
    private double pairRate = Double.NaN;
    private double meanChange;
    private double noiseSeconds;

    private LowThroughputDetector(Builder b) {
        super(TYPE, MetricCatalog.MIGRATION_THROUGHPUT, b);
        this.expected = b.expected;
        this.ratio = b.ratio;
        this.window = b.window;
        this.warmUpMillis = b.warmUp.toMillis();
        this.sigmas = b.sigmas;
        this.ring = new RateWindow(window.toMillis());
    }

    private LowThroughputDetector(LowThroughputDetector o) {
        super(TYPE, MetricCatalog.MIGRATION_THROUGHPUT, o.severity(), o.fireAfter(), o.clearAfter());
        this.expected = o.expected;
        this.ratio = o.ratio;
        this.window = o.window;
        this.warmUpMillis = o.warmUpMillis;
        this.sigmas = o.sigmas;
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
        double rate = ring.full() ? ring.rowRate() : Double.NaN;
        learnNoise(now, rate);
        if (now - startMillis < warmUpMillis || Double.isNaN(rate)) {
            value = Double.NaN;
            return Condition.UNKNOWN;
        }
        value = rate;
        if (value >= threshold()) {
            lowSinceMillis = Long.MIN_VALUE;
            return Condition.NORMAL;
        }
        if (value < threshold() - sigmas * noise()) {
            if (lowSinceMillis == Long.MIN_VALUE) {
                lowSinceMillis = now;
            }
            lowUntilMillis = now;
            return Condition.ABNORMAL;
        }
        // below the limit, but within the rate's own noise of it (a noisy stream in a trough): neither fires nor
        // clears. Once low for fireAfter (firing) it keeps the alert; before that it ends the pending run: the
        // monitor times a run from its first abnormal sample and does not end it on UNKNOWN, so band samples in
        // between would let isolated noise dips minutes apart in a long trough add up to a firing
        if (lowSinceMillis != Long.MIN_VALUE && lowUntilMillis - lowSinceMillis >= fireAfter().toMillis()) {
            return Condition.UNKNOWN;
        }
        lowSinceMillis = Long.MIN_VALUE;
        return Condition.NORMAL;
    }

    /** Standard deviation of the windowed rate, from the changes between rates one window apart (0 until known). */
    private double noise() {
        if (noiseSeconds < 2 * window.toMillis() / 1e3) {
            return 0;
        }
        return MAD_TO_SD * meanChange / Math.sqrt(2) * threshold();
    }

    private void learnNoise(long now, double rate) {
        if (Double.isNaN(rate)) {
            return;
        }
        if (pairMillis == Long.MIN_VALUE) {
            pairMillis = now;
            pairRate = rate;
            return;
        }
        long apart = now - pairMillis;
        if (apart < window.toMillis()) {
            return;
        }
        // only pairs of normal rates: the onset of a drop is not noise
        if (rate >= threshold() && pairRate >= threshold() && apart <= 2 * Math.max(window.toMillis(), 60_000)) {
            double dt = apart / 1e3;
            double a = Math.max(1 - Math.exp(-dt / NOISE_MEMORY_SECONDS), noiseSeconds == 0 ? 1 : 0);
            // relative: the noise of a rate at the limit, not at the (higher) levels it is learned at
            double change = Math.abs(rate - pairRate) / Math.max(1e-9, (rate + pairRate) / 2);
            meanChange += a * (change - meanChange);
            noiseSeconds += dt;
        }
        pairMillis = now;
        pairRate = rate;
    }

    @Override
    public void restart(Sample sample, double pausedSeconds) {
        ring.clear();
        pairMillis = Long.MIN_VALUE;
        lowSinceMillis = Long.MIN_VALUE;
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
        return "LowThroughputDetector{expected=" + expected + ", ratio=" + ratio + ", sigmas=" + sigmas + ", window=" + window
                + ", warmUp=" + warmUpMillis + "ms, fireAfter=" + fireAfter() + ", clearAfter=" + clearAfter() + "}";
    }

    /**
     * Builder; validates eagerly, not thread-safe. Defaults: window 2 minutes, warm-up 2 minutes, 1 sigma of noise,
     * fire after 60 s of low samples, clear after 120 s, severity WARNING.
     */
    public static final class Builder extends DetectorBuilder.Firing<Builder> {
        private final double expected;
        private double ratio = RATIO;
        private double sigmas = SIGMAS;
        private Duration window = Duration.ofMinutes(2);
        private Duration warmUp = Duration.ofMinutes(2);

        private Builder(double expected) {
            super(Duration.ofSeconds(60), Duration.ofSeconds(120), Severity.WARNING);
            this.expected = Require.positive(expected, "expectedRowsPerSecond");
        }

        /** Fires below {@code ratio} times the expected rate (default 0.4), in (0, 1). */
        public Builder ratio(double ratio) {
            this.ratio = Require.strictlyBetween(ratio, 0, 1, "ratio");
            return this;
        }

        /**
         * How many standard deviations of the rate's own noise (learned from the changes between rates one window
         * apart, while the rate is above the limit) the rate must be below the limit to count as low (default 1);
         * between the limit and that margin a sample neither fires nor clears. 0 gives the bare rule.
         */
        public Builder sigmas(double sigmas) {
            this.sigmas = Require.nonNegative(sigmas, "sigmas");
            return this;
        }

        /** The time the rate is measured over (default 2 minutes). */
        public Builder window(Duration window) {
            this.window = DetectorBuilder.positive(window, "window");
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
            this.warmUp = DetectorBuilder.nonNegative(warmUp, "warmUp");
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
