package io.migmon.core.anomaly;

import io.migmon.core.Severity;

import io.migmon.core.support.Require;

import io.migmon.core.metrics.MetricCatalog;
import java.time.Duration;
import java.util.Locale;

/**
 * Error rate above a limit, type {@code high_error_rate}; the seed rule is "above 1% → CRITICAL", the default.
 *
 * <p>Method: error rate = errors / (rows + errors) over the last {@code window} of time (a sliding window,
 * so an old burst does not keep the rate high forever and a new one is not diluted by hours of clean rows). The
 * rate is judged only when the window holds at least {@code minEvents} rows + errors: 1 error in 3 rows is not an
 * alarm. Above the limit, the sample counts as abnormal only when the rate is above it beyond sampling noise: the
 * lower end of the Wilson score interval with {@code sigmas} standard deviations (default 3) must exceed the limit.
 * At 1,000 rows/s that changes nothing (60,000 events per minute); at 2 rows/s, 2 errors in 120 rows (1.7%) is
 * not enough, 8 are. A rate above the limit but not significantly so neither fires nor clears. Defaults: limit 0.01,
 * window 60 s, at least 100 events, 3 sigmas, fire after 10 s of high samples, clear after 30 s at or below the
 * limit. The window and hysteresis are durations, so the verdicts do not depend on the sampling interval.
 */
public final class ErrorRateDetector extends HysteresisDetector {

    /** The anomaly type. */
    public static final String TYPE = "high_error_rate";

    private final Builder settings;
    private final RateWindow ring;
    private double value = Double.NaN;
    private long events;

    private ErrorRateDetector(Builder settings) {
        super(TYPE, MetricCatalog.MIGRATION_ERRORS, settings);
        this.settings = settings;
        this.ring = new RateWindow(settings.window.toMillis());
    }

    /** A builder with the defaults described above. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public Condition evaluate(Sample sample) {
        ring.add(sample.at().toEpochMilli(), sample.rowsDone(), sample.errors());
        if (ring.spanSeconds() <= 0) {
            value = Double.NaN;
            return Condition.UNKNOWN;
        }
        long errors = ring.errorsDelta();
        events = ring.rowsDelta() + errors;
        if (events < settings.minEvents || events <= 0) {
            value = events <= 0 ? Double.NaN : (double) errors / events;
            return Condition.UNKNOWN;
        }
        value = (double) errors / events;
        if (value <= settings.limit) {
            return Condition.NORMAL;
        }
        // Wilson score lower bound: is the rate above the limit beyond sampling noise?
        double n = events;
        double z = settings.sigmas;
        double z2n = z * z / n;
        double lower = (value + z2n / 2 - z * Math.sqrt(value * (1 - value) / n + z2n / (4 * n))) / (1 + z2n);
        return lower > settings.limit ? Condition.ABNORMAL : Condition.UNKNOWN;
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
        return settings.limit;
    }

    @Override
    public String describe(boolean firing) {
        String rate = String.format(Locale.ROOT, "%.2f%%", value * 100);
        String limit = String.format(Locale.ROOT, "%.2f%%", settings.limit * 100);
        String span = "over the last " + Rates.seconds(settings.window.toMillis() / 1e3);
        long errors = Math.round(value * events);
        return firing
                ? "error rate (" + metric() + ") " + rate + " (" + errors + " errors in " + events + " rows + errors "
                        + span + ") is above " + limit
                : "error rate (" + metric() + ") " + rate + " " + span + " is back below " + limit;
    }

    @Override
    public AnomalyDetector fresh() {
        return new ErrorRateDetector(settings);
    }

    @Override
    public String toString() {
        return "ErrorRateDetector{limit=" + settings.limit + ", window=" + settings.window + ", minEvents="
                + settings.minEvents + ", sigmas=" + settings.sigmas + ", fireAfter=" + settings.fireAfter + ", clearAfter=" + settings.clearAfter + "}";
    }

    /**
     * Builder; validates eagerly, not thread-safe. Defaults: fire after 10 s of high samples, clear after 30 s,
     * severity CRITICAL.
     */
    public static final class Builder extends DetectorBuilder.Firing<Builder> {
        private double limit = 0.01;
        private Duration window = Duration.ofSeconds(60);
        private long minEvents = 100;
        private double sigmas = 3;

        private Builder() {
            super(Duration.ofSeconds(10), Duration.ofSeconds(30), Severity.CRITICAL);
        }

        /** Fires above this error rate, a fraction in (0, 1) (default 0.01 = 1%). */
        public Builder limit(double fraction) {
            this.limit = Require.strictlyBetween(fraction, 0, 1, "limit");
            return this;
        }

        /** The time the rate is measured over (default 60 s). */
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

        /** Rows + errors the window must hold before the rate is judged (default 100). */
        public Builder minEvents(long events) {
            if (events < 1) {
                throw new IllegalArgumentException("minEvents must be >= 1, was " + events);
            }
            this.minEvents = events;
            return this;
        }

        /**
         * Standard deviations of sampling noise the rate must clear the limit by (Wilson score lower bound; default
         * 3). 0 judges the raw rate.
         */
        public Builder sigmas(double sigmas) {
            if (!(sigmas >= 0) || Double.isInfinite(sigmas)) {
                throw new IllegalArgumentException("sigmas must be a finite number >= 0, was " + sigmas);
            }
            this.sigmas = sigmas;
            return this;
        }

        /** A detector with these settings (later builder changes do not affect it). */
        public ErrorRateDetector build() {
            Builder copy = copyHysteresisTo(new Builder());
            copy.limit = limit;
            copy.window = window;
            copy.minEvents = minEvents;
            copy.sigmas = sigmas;
            return new ErrorRateDetector(copy);
        }
    }
}
