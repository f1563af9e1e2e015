package io.migmon.core.health;

import io.migmon.core.support.Require;
import java.util.function.DoubleSupplier;

/**
 * A check on one number: DEGRADED above {@code degradedAbove}, DOWN above {@code downAbove}. NaN (unknown) is UP
 * unless {@link Builder#downWhenUnknown()} is set. Use it for lag in seconds or messages, error rates, queue depths.
 * Immutable and thread-safe.
 */
public final class ThresholdHealthCheck implements HealthCheck {

    private final String name;
    private final String metric;
    private final DoubleSupplier value;
    private final double degradedAbove;
    private final double downAbove;
    private final boolean downWhenUnknown;

    private ThresholdHealthCheck(Builder b) {
        this.name = b.name;
        this.metric = b.metric;
        this.value = b.value;
        this.degradedAbove = b.degradedAbove;
        this.downAbove = b.downAbove;
        this.downWhenUnknown = b.downWhenUnknown;
    }

    /**
     * @param name   check name
     * @param metric what the number is, for messages (e.g. {@code "data lag seconds"})
     * @param value  supplies the current value
     */
    public static Builder builder(String name, String metric, DoubleSupplier value) {
        return new Builder(name, metric, value);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Health check() {
        double v = value.getAsDouble();
        Health.Builder b = Health.builder().detail(metric, v);
        if (Double.isNaN(v)) {
            if (downWhenUnknown) {
                b.down(metric + " is unknown");
            }
        } else if (v > downAbove) {
            b.down(String.format("%s is %s, above the limit of %s", metric, fmt(v), fmt(downAbove)));
        } else if (v > degradedAbove) {
            b.degraded(String.format("%s is %s, above the warning level of %s", metric, fmt(v), fmt(degradedAbove)));
        }
        return b.build();
    }

    private static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : String.format("%.3f", d);
    }

    /** Builder; not thread-safe. */
    public static final class Builder {
        private final String name;
        private final String metric;
        private final DoubleSupplier value;
        private double degradedAbove = Double.POSITIVE_INFINITY;
        private double downAbove = Double.POSITIVE_INFINITY;
        private boolean downWhenUnknown;

        private Builder(String name, String metric, DoubleSupplier value) {
            this.name = Require.notBlank(name, "name");
            this.metric = Require.notBlank(metric, "metric");
            this.value = Require.notNull(value, "value");
        }

        public Builder degradedAbove(double threshold) {
            this.degradedAbove = threshold;
            return this;
        }

        public Builder downAbove(double threshold) {
            this.downAbove = threshold;
            return this;
        }

        public Builder downWhenUnknown() {
            this.downWhenUnknown = true;
            return this;
        }

        public ThresholdHealthCheck build() {
            if (Double.isNaN(degradedAbove)) {
                throw new IllegalArgumentException("degradedAbove must be a number");
            }
            if (Double.isNaN(downAbove)) {
                throw new IllegalArgumentException("downAbove must be a number");
            }
            if (degradedAbove > downAbove && degradedAbove != Double.POSITIVE_INFINITY) {
                throw new IllegalArgumentException("degradedAbove (" + degradedAbove
                        + ") must not exceed downAbove (" + downAbove + ")");
            }
            if (degradedAbove > downAbove) {
                degradedAbove = downAbove; // only a hard limit was given
            }
            return new ThresholdHealthCheck(this);
        }
    }
}
