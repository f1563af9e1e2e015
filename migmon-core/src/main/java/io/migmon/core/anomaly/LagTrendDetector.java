package io.migmon.core.anomaly;

import io.migmon.core.Severity;
import io.migmon.core.health.LagThresholds;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.support.Require;
import java.time.Duration;
import java.util.Locale;

/**
 * Data lag heading for a limit, type {@code lag_trend}, WARNING by default: like Prometheus'
 * {@code predict_linear(migration_data_lag_seconds[w], h) > limit}, it warns before the limit is reached.
 *
 * <h2>Method</h2>
 * A least-squares line is fitted through the data lag of the last {@code window} samples (default 24, i.e. 2
 * minutes at a 5 s interval), kept as running sums so each sample costs O(1). The line is extended
 * {@code horizon} ahead (default 10 minutes); the sample is abnormal when the predicted lag exceeds {@code limit}
 * (default 300 s) and the line rises by at least {@code minRise} over the horizon (default 30 s, i.e. a slope of
 * 0.05 s/s), so that noise on a flat lag just under the limit does not fire. At least {@code minPoints} samples with a known lag (default 12) are needed
 * before judging; samples without lag are unknown. A sample is normal again only when the predicted lag falls below
 * 80% of the limit or the rise below half of {@code minRise}; in between it neither fires nor clears (a dead band
 * against flapping on a slow, noisy trend). Fire after 3 consecutive abnormal samples, clear after 6 normal ones
 * (defaults). A wider window ignores more noise but reacts later; a longer horizon warns earlier but also on
 * slower, harmless growth. Brief lag bumps (a GC pause, one slow batch) barely move a 24-point fit.
 */
public final class LagTrendDetector extends HysteresisDetector {

    /** The anomaly type. */
    public static final String TYPE = "lag_trend";

    private static final double CLEAR_RATIO = 0.8;

    private final Builder settings;
    private final double[] ts;
    private final double[] ys;
    private int next;
    private int size;
    private int sinceRecompute;
    private long originMillis = Long.MIN_VALUE;
    private double st;
    private double sy;
    private double stt;
    private double sty;
    private double lastLag = Double.NaN;
    private double slope = Double.NaN;
    private double predicted = Double.NaN;

    private LagTrendDetector(Builder settings) {
        super(TYPE, MetricCatalog.MIGRATION_DATA_LAG, settings);
        this.settings = settings;
        this.ts = new double[settings.window];
        this.ys = new double[settings.window];
    }

    /** A builder with the defaults described above. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Condition evaluate(Sample sample) {
        if (!sample.hasLag()) {
            return Condition.UNKNOWN;
        }
        long millis = sample.at().toEpochMilli();
        if (originMillis == Long.MIN_VALUE) {
            originMillis = millis;
        }
        double t = (millis - originMillis) / 1e3;
        double y = sample.lagSeconds();
        lastLag = y;
        if (size == ts.length) {
            double ot = ts[next];
            double oy = ys[next];
            st -= ot;
            sy -= oy;
            stt -= ot * ot;
            sty -= ot * oy;
        } else {
            size++;
        }
        ts[next] = t;
        ys[next] = y;
        next = (next + 1) % ts.length;
        st += t;
        sy += y;
        stt += t * t;
        sty += t * y;
        if (++sinceRecompute >= ts.length) {
            recompute(); // amortized O(1): removes floating-point drift of the running sums
        }
        if (size < settings.minPoints) {
            slope = Double.NaN;
            predicted = Double.NaN;
            return Condition.UNKNOWN;
        }
        double n = size;
        double denominator = n * stt - st * st;
        if (denominator <= 0) {
            slope = Double.NaN;
            predicted = Double.NaN;
            return Condition.UNKNOWN;
        }
        slope = (n * sty - st * sy) / denominator;
        double intercept = (sy - slope * st) / n;
        predicted = intercept + slope * (t + settings.horizonSeconds);
        double rise = slope * settings.horizonSeconds;
        if (rise >= settings.minRiseSeconds && predicted > settings.limitSeconds) {
            return Condition.ABNORMAL;
        }
        if (rise < settings.minRiseSeconds / 2 || predicted < CLEAR_RATIO * settings.limitSeconds) {
            return Condition.NORMAL;
        }
        return Condition.UNKNOWN; // in the dead band: neither fires nor clears, so a slow noisy trend does not flap
    }

    private void recompute() {
        sinceRecompute = 0;
        st = 0;
        sy = 0;
        stt = 0;
        sty = 0;
        for (int i = 0; i < size; i++) {
            int j = (next - 1 - i + ts.length) % ts.length;
            st += ts[j];
            sy += ys[j];
            stt += ts[j] * ts[j];
            sty += ts[j] * ys[j];
        }
    }

    @Override
    public double value() {
        return predicted;
    }

    @Override
    public double threshold() {
        return settings.limitSeconds;
    }

    /** Slope of the last fit in seconds of lag per second, NaN before enough points. */
    public double slope() {
        return slope;
    }

    @Override
    public String describe(boolean firing) {
        if (firing) {
            String crossing = "";
            if (slope > 0 && lastLag < settings.limitSeconds) {
                crossing = String.format(Locale.ROOT, ", crossing it in about %.0f s", (settings.limitSeconds - lastLag) / slope);
            }
            return String.format(Locale.ROOT, "%s %.1f s is rising %.3f s/s: predicted %.1f s in %.0f s, above the "
                    + "limit of %.0f s%s", metric(), lastLag, slope, predicted, settings.horizonSeconds,
                    settings.limitSeconds, crossing);
        }
        return String.format(Locale.ROOT, "%s %.1f s no longer heads for %.0f s (trend %.3f s/s, predicted %.1f s in %.0f s)",
                metric(), lastLag, settings.limitSeconds, slope, predicted, settings.horizonSeconds);
    }

    @Override
    public AnomalyDetector fresh() {
        return new LagTrendDetector(settings);
    }

    @Override
    public String toString() {
        return "LagTrendDetector{window=" + settings.window + ", minPoints=" + settings.minPoints + ", horizon="
                + settings.horizonSeconds + "s, limit=" + settings.limitSeconds + "s, minRise=" + settings.minRiseSeconds
                + "s, fireAfter=" + settings.fireAfter
                + ", clearAfter=" + settings.clearAfter + "}";
    }

    /**
     * Builder; validates eagerly, not thread-safe. Defaults: fire after 3 abnormal samples, clear after 6,
     * severity WARNING.
     */
    public static final class Builder extends DetectorBuilder.Firing<Builder> {
        private int window = 24;
        private int minPoints = 12;
        private double horizonSeconds = 600;
        private double limitSeconds = LagThresholds.CRITICAL.toSeconds();
        private double minRiseSeconds = 30;

        private Builder() {
            super(3, 6, Severity.WARNING);
        }

        /** Samples the line is fitted through (default 24). */
        public Builder window(int samples) {
            this.window = Require.atLeast(samples, 3, "window");
            return this;
        }

        /** Samples with a known lag needed before judging (default 12), at least 3. */
        public Builder minPoints(int samples) {
            this.minPoints = Require.atLeast(samples, 3, "minPoints");
            return this;
        }

        /** How far ahead to predict (default 10 minutes). */
        public Builder horizon(Duration horizon) {
            this.horizonSeconds = seconds("horizon", horizon);
            return this;
        }

        /** The lag that must not be reached (default {@link LagThresholds#CRITICAL}, 300 s). */
        public Builder limit(Duration limit) {
            this.limitSeconds = seconds("limit", limit);
            return this;
        }

        /**
         * How much the fitted line must rise over the horizon to count as a trend (default 30 s). Without it, a
         * lag that sits flat just under the limit would fire on noise; a lag already above the limit and flat is
         * a threshold matter ({@code MigrationHealthCheck.maxDataLag}), not a trend.
         */
        public Builder minRise(Duration rise) {
            this.minRiseSeconds = seconds("minRise", rise);
            return this;
        }

        /** A detector with these settings (later builder changes do not affect it). */
        public LagTrendDetector build() {
            Require.argument(minPoints <= window, "minPoints (" + minPoints + ") must not exceed window (" + window + ")");
            Builder c = copyHysteresisTo(new Builder());
            c.window = window;
            c.minPoints = minPoints;
            c.horizonSeconds = horizonSeconds;
            c.limitSeconds = limitSeconds;
            c.minRiseSeconds = minRiseSeconds;
            return new LagTrendDetector(c);
        }

        private static double seconds(String field, Duration d) {
            return Require.positive(d, field).toMillis() / 1e3;
        }
    }
}
