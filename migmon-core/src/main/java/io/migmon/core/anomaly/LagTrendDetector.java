package io.migmon.core.anomaly;

import io.migmon.core.Severity;

import io.migmon.core.support.Require;

import io.migmon.core.health.LagThresholds;
import io.migmon.core.metrics.MetricCatalog;
import java.time.Duration;
import java.util.Locale;

/**
 * Data lag heading for a limit, type {@code lag_trend}, WARNING by default: like Prometheus'
 * {@code predict_linear(migration_data_lag_seconds[w], h) > limit}, it warns before the limit is reached, and stays
 * quiet on a lag spike that is already recovering.
 *
 * <h2>Method</h2>
 * A least-squares line is fitted through the data lag of the last {@code window} of time (default 5 minutes; at most
 * 80 points are kept, at least {@code window / 64} apart, as running sums re-summed every 80 updates against
 * rounding drift, so each sample costs O(1) whatever the sampling interval). The
 * line is extended {@code horizon} ahead (default 10 minutes); the sample is abnormal when the predicted lag exceeds
 * {@code limit} (default 300 s) and the line rises by at least {@code minRise} over the horizon (default 30 s), so
 * noise on a flat lag just under the limit does not fire. Judging needs {@code minPoints} points (default 3) covering
 * at least half the window; samples without lag are unknown.
 *
 * <p><b>Recovering spikes.</b> A lag that is already coming down is not heading for the limit, even while the fit
 * over the window (which still holds the rise) points up: when the lag is below the window's peak by more than
 * max(10 s, 15% of the peak) and the line through the last quarter of the window falls, the sample is normal; also
 * when it is more than 10 s below the peak and that line falls by more than {@code minRise} over the horizon (sparse
 * samples: the first lower point of a spike is often less than 15% under the sampled peak).
 *
 * <p><b>Topping out.</b> A trend is a line: a rise whose last quarter of the window climbs at less than half the
 * slope of the whole window or of the quarter before it (a spike reaching its peak; sampled every minute, a jump
 * and then a plateau) neither fires nor clears until later points show whether it keeps rising.
 *
 * <p>A sample is normal again only when the predicted lag falls below 80% of the limit, the rise below half of
 * {@code minRise}, or the lag recovers; in between it neither fires nor clears (a dead band against flapping on a
 * slow, noisy trend). Fire after 120 s of abnormal samples (at least two samples at a 60 s interval: one high point
 * is not a trend), clear after 60 s of normal ones (defaults).
 */
public final class LagTrendDetector extends HysteresisDetector {

    /** The anomaly type. */
    public static final String TYPE = "lag_trend";

    private static final double CLEAR_RATIO = 0.8;
    /** A trend's recent line must rise at least this fraction of the window's slope and of the previous quarter's. */
    private static final double DECELERATION = 0.5;
    private static final int CAPACITY = 80;

    private final Builder settings;
    private final long windowMillis;
    private final long minGapMillis;
    private final double horizonSeconds;
    private final long[] ts = new long[CAPACITY];
    private final double[] ys = new double[CAPACITY];
    private int head;
    private int size;
    private long lastAppendMillis;
    private long originMillis = Long.MIN_VALUE;
    private int operations;
    private double st;
    private double sy;
    private double stt;
    private double sty;
    private double lastLag = Double.NaN;
    private double slope = Double.NaN;
    private double predicted = Double.NaN;
    private boolean recovering;

    private LagTrendDetector(Builder settings) {
        super(TYPE, MetricCatalog.MIGRATION_DATA_LAG, settings);
        this.settings = settings;
        this.windowMillis = settings.window.toMillis();
        this.minGapMillis = Math.max(1, windowMillis / 64);
        this.horizonSeconds = seconds(settings.horizon);
    }

    /** A builder with the defaults described above. */
    public static Builder builder() {
        return new Builder();
    }

    private int index(int k) {
        return (head + k) % CAPACITY;
    }

    @Override
    public Condition evaluate(Sample sample) {
        if (!sample.hasLag()) {
            return Condition.UNKNOWN;
        }
        long now = sample.at().toEpochMilli();
        double y = sample.lagSeconds();
        lastLag = y;
        if (size > 0 && now - lastAppendMillis < minGapMillis) {
            int last = index(size - 1);
            remove(ts[last], ys[last]); // too close to the previous stored point: the newest value replaces it
            ys[last] = y;
            ts[last] = now;
            add(now, y);
        } else {
            lastAppendMillis = now;
            if (size == CAPACITY) {
                remove(ts[head], ys[head]);
                head = (head + 1) % CAPACITY;
                size--;
            }
            ts[index(size)] = now;
            ys[index(size)] = y;
            size++;
            add(now, y);
        }
        while (size > 1 && ts[head] < now - windowMillis) {
            remove(ts[head], ys[head]);
            head = (head + 1) % CAPACITY;
            size--;
        }
        if (++operations >= CAPACITY) {
            recompute(); // amortized O(1): removes the rounding drift of the running sums
        }
        recovering = false;
        if (size < settings.minPoints || now - ts[head] < windowMillis / 2) {
            slope = Double.NaN;
            predicted = Double.NaN;
            return Condition.UNKNOWN;
        }
        // least squares over the window from running sums (times relative to an origin near the window)
        double n = size;
        double denominator = n * stt - st * st;
        if (denominator <= 1e-9 * n * stt) {
            slope = Double.NaN;
            predicted = Double.NaN;
            return Condition.UNKNOWN;
        }
        slope = (n * sty - st * sy) / denominator;
        double fittedNow = (sy - slope * st) / n + slope * (now - originMillis) / 1e3;
        predicted = fittedNow + slope * horizonSeconds;
        double rise = slope * horizonSeconds;
        if (rise < settings.minRiseSeconds / 2 || predicted < CLEAR_RATIO * settings.limitSeconds) {
            return Condition.NORMAL; // no trend towards the limit: nothing else to look at
        }
        double peak = 0;
        for (int k = 0; k < size; k++) {
            peak = Math.max(peak, ys[index(k)]);
        }
        int recentFirst = recentFirst(now);
        double recent = slope(recentFirst, size - 1, now);
        // recovering: below the peak by more than noise and the recent line falls; or (sparse samples: at a 60 s
        // interval a spike's first lower point is often less than 15% under its peak) below the peak by more than 10 s
        // and the recent line falls by more than minRise over the horizon
        if (recent < 0 && (y < peak - Math.max(10, 0.15 * peak)
                || y < peak - 10 && recent * horizonSeconds < -settings.minRiseSeconds)) {
            recovering = true;
            return Condition.NORMAL;
        }
        if (rise >= settings.minRiseSeconds && predicted > settings.limitSeconds) {
            double previous = previousSlope(now, recentFirst);
            if (recent < DECELERATION * Math.max(slope, Double.isNaN(previous) ? 0 : previous)) {
                // the rise is topping out (the last quarter of the window rises at less than half the slope of the
                // window or of the quarter before): a spike reaching its peak, not a trend, until the next points
                // tell. Neither fires nor clears
                return Condition.UNKNOWN;
            }
            return Condition.ABNORMAL;
        }
        if (rise < settings.minRiseSeconds / 2 || predicted < CLEAR_RATIO * settings.limitSeconds) {
            return Condition.NORMAL;
        }
        return Condition.UNKNOWN; // in the dead band: neither fires nor clears, so a slow noisy trend does not flap
    }

    /** First index of the points of the last quarter of the window (at least the last two points). */
    private int recentFirst(long now) {
        long from = now - windowMillis / 4;
        int first = size - 1;
        while (first > 0 && ts[index(first - 1)] >= from) {
            first--;
        }
        return Math.min(first, size - 2);
    }

    /**
     * Slope of the line through the points of the quarter of the window before the last one, up to and including
     * the first point of the last quarter (at least two points); NaN when there are none.
     */
    private double previousSlope(long now, int recentFirst) {
        if (recentFirst < 1) {
            return Double.NaN;
        }
        long from = now - windowMillis / 2;
        int first = recentFirst - 1;
        while (first > 0 && ts[index(first - 1)] >= from) {
            first--;
        }
        return slope(first, recentFirst, now);
    }

    /** Least-squares slope through the points {@code first..last} (indices from the oldest). */
    private double slope(int first, int last, long now) {
        double n = 0;
        double st = 0;
        double sy = 0;
        double stt = 0;
        double sty = 0;
        for (int k = first; k <= last; k++) {
            int i = index(k);
            double t = (ts[i] - now) / 1e3;
            n++;
            st += t;
            sy += ys[i];
            stt += t * t;
            sty += t * ys[i];
        }
        double d = n * stt - st * st;
        return d <= 0 ? 0 : (n * sty - st * sy) / d;
    }

    private void add(long t, double y) {
        if (originMillis == Long.MIN_VALUE) {
            originMillis = t;
        }
        double x = (t - originMillis) / 1e3;
        st += x;
        sy += y;
        stt += x * x;
        sty += x * y;
    }

    private void remove(long t, double y) {
        double x = (t - originMillis) / 1e3;
        st -= x;
        sy -= y;
        stt -= x * x;
        sty -= x * y;
    }

    private void recompute() {
        operations = 0;
        originMillis = size == 0 ? Long.MIN_VALUE : ts[head];
        st = 0;
        sy = 0;
        stt = 0;
        sty = 0;
        for (int k = 0; k < size; k++) {
            int i = index(k);
            double x = (ts[i] - originMillis) / 1e3;
            st += x;
            sy += ys[i];
            stt += x * x;
            sty += x * ys[i];
        }
    }

    @Override
    public void restart(Sample sample, double pausedSeconds) {
        size = 0;
        head = 0;
        recompute();
    }

    @Override
    public double value() {
        return predicted;
    }

    @Override
    public double threshold() {
        return settings.limitSeconds;
    }

    /** Whether the last sample was judged a recovering spike. */
    public boolean recovering() {
        return recovering;
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
                    + "limit of %.0f s%s", metric(), lastLag, slope, predicted, horizonSeconds,
                    settings.limitSeconds, crossing);
        }
        return String.format(Locale.ROOT, "%s %.1f s no longer heads for %.0f s (trend %.3f s/s, predicted %.1f s in %.0f s)",
                metric(), lastLag, settings.limitSeconds, slope, predicted, horizonSeconds);
    }

    @Override
    public AnomalyDetector fresh() {
        return new LagTrendDetector(settings);
    }

    @Override
    public String toString() {
        return "LagTrendDetector{window=" + settings.window + ", minPoints=" + settings.minPoints + ", horizon="
                + settings.horizon + ", limit=" + settings.limitSeconds + "s, minRise=" + settings.minRiseSeconds
                + "s, fireAfter=" + settings.fireAfter
                + ", clearAfter=" + settings.clearAfter + "}";
    }

    /**
     * Builder; validates eagerly, not thread-safe. Defaults: window 5 minutes, at least 3 points, horizon 10
     * minutes, limit 300 s, minimum rise 30 s, fire after 120 s, clear after 60 s, severity WARNING.
     */
    public static final class Builder extends DetectorBuilder.Firing<Builder> {
        private Duration window = Duration.ofMinutes(5);
        private int minPoints = 3;
        private Duration horizon = Duration.ofMinutes(10);
        private double limitSeconds = LagThresholds.CRITICAL.toSeconds();
        private double minRiseSeconds = 30;

        private Builder() {
            super(Duration.ofSeconds(120), Duration.ofSeconds(60), Severity.WARNING);
        }

        /** The time the line is fitted over (default 5 minutes). */
        public Builder window(Duration window) {
            this.window = DetectorBuilder.positive(window, "window");
            this.windowSamples = Integer.MAX_VALUE; // a later window in time replaces a deprecated count of samples
            return this;
        }

        /**
         * {@code samples} times 5 s, at least 3.
         *
         * @deprecated a count of samples depends on the sampling interval; use {@link #window(Duration)}
         */
        @Deprecated
        public Builder window(int samples) {
            Require.atLeast(samples, 3, "window");
            this.window = Duration.ofSeconds((long) (samples - 1) * DetectorBuilder.NOMINAL_INTERVAL_SECONDS);
            this.windowSamples = samples;
            return this;
        }

        private int windowSamples = Integer.MAX_VALUE;

        /** Points with a known lag needed before judging (default 3), at least 3; they must also cover half the window. */
        public Builder minPoints(int points) {
            this.minPoints = Require.atLeast(points, 3, "minPoints");
            return this;
        }

        /** How far ahead to predict (default 10 minutes). */
        public Builder horizon(Duration horizon) {
            this.horizon = DetectorBuilder.positive(horizon, "horizon");
            return this;
        }

        /** The lag that must not be reached (default {@link LagThresholds#CRITICAL}, 300 s). */
        public Builder limit(Duration limit) {
            this.limitSeconds = seconds(DetectorBuilder.positive(limit, "limit"));
            return this;
        }

        /**
         * How much the fitted line must rise over the horizon to count as a trend (default 30 s). Without it, a
         * lag that sits flat just under the limit would fire on noise; a lag already above the limit and flat is
         * a threshold matter ({@code MigrationHealthCheck.maxDataLag}), not a trend.
         */
        public Builder minRise(Duration rise) {
            this.minRiseSeconds = seconds(DetectorBuilder.positive(rise, "minRise"));
            return this;
        }

        /** A detector with these settings (later builder changes do not affect it). */
        public LagTrendDetector build() {
            if (minPoints > windowSamples) {
                throw new IllegalArgumentException("minPoints (" + minPoints + ") must not exceed window (" + windowSamples + ")");
            }
            Builder c = copyHysteresisTo(new Builder());
            c.window = window;
            c.minPoints = minPoints;
            c.horizon = horizon;
            c.limitSeconds = limitSeconds;
            c.minRiseSeconds = minRiseSeconds;
            return new LagTrendDetector(c);
        }
    }
}
