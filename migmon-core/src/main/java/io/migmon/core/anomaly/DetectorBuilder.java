package io.migmon.core.anomaly;

import io.migmon.core.Severity;

import io.migmon.core.support.Require;

import java.time.Duration;

/**
 * What every built-in detector's builder shares: the hysteresis durations and the severity, validated the same
 * way (messages name the field). Self-typed so that chained calls return the concrete builder. Not public API.
 *
 * <p>Every setting is a {@link Duration}. The {@code int} overloads kept from the sample-counting versions read a
 * count of samples at the nominal interval of {@value #NOMINAL_INTERVAL_SECONDS} s ({@code fireAfter(4)} is
 * {@code fireAfter(Duration.ofSeconds(20))}) whatever the actual sampling interval.
 *
 * @param <B> the concrete builder
 */
abstract class DetectorBuilder<B extends DetectorBuilder<B>> {
    /** The interval the deprecated sample-count setters assume. */
    static final int NOMINAL_INTERVAL_SECONDS = 5;

    Duration fireAfter;
    Duration clearAfter;
    Severity severity;

    DetectorBuilder(Duration fireAfter, Duration clearAfter, Severity severity) {
        this.fireAfter = fireAfter;
        this.clearAfter = clearAfter;
        this.severity = severity;
    }

    /** How long samples must be normal to resolve, zero or more (the default is in the builder's description). */
    public B clearAfter(Duration duration) {
        this.clearAfter = nonNegative(duration, "clearAfter");
        return self();
    }

    /**
     * {@code samples} intervals of {@value #NOMINAL_INTERVAL_SECONDS} s, at least 1.
     *
     * @deprecated counts of samples depend on the sampling interval; use {@link #clearAfter(Duration)}
     */
    @Deprecated
    public B clearAfter(int samples) {
        return clearAfter(DetectorBuilder.nominal("clearAfter", samples, 1));
    }

    /** Severity of the anomalies, not null (the default is in the builder's description). */
    public B severity(Severity severity) {
        this.severity = Require.notNull(severity, "severity");
        return self();
    }

    /** Copies the hysteresis parameters and the severity into {@code target} (for the builders' snapshots). */
    final <T extends DetectorBuilder<T>> T copyHysteresisTo(T target) {
        target.fireAfter = fireAfter;
        target.clearAfter = clearAfter;
        target.severity = severity;
        return target;
    }

    /**
     * The longest duration any detector setting accepts (365 days): longer ones are configuration mistakes, and
     * beyond ~292 million years a duration no longer fits in milliseconds ({@code Duration.toMillis()} overflows).
     */
    static final Duration MAX_DURATION = Duration.ofDays(365);

    /** A positive duration of at most {@link #MAX_DURATION}; the message names the field. */
    static Duration positive(Duration value, String field) {
        return atMostMax(Require.positive(value, field), field);
    }

    /** A zero or positive duration of at most {@link #MAX_DURATION}; the message names the field. */
    static Duration nonNegative(Duration value, String field) {
        return atMostMax(Require.nonNegative(value, field), field);
    }

    private static Duration atMostMax(Duration value, String field) {
        if (value.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException(field + " must be at most " + MAX_DURATION.toDays() + " days, was " + value);
        }
        return value;
    }

    /** A deprecated count of samples at the nominal 5 s interval as a duration. */
    static Duration nominal(String field, int samples, int min) {
        Require.atLeast(samples, min, field);
        return Duration.ofSeconds((long) samples * NOMINAL_INTERVAL_SECONDS);
    }

    @SuppressWarnings("unchecked")
    final B self() {
        return (B) this;
    }

    /**
     * A builder whose detector fires after a configurable time of abnormal samples.
     *
     * @param <B> the concrete builder
     */
    abstract static class Firing<B extends Firing<B>> extends DetectorBuilder<B> {

        Firing(Duration fireAfter, Duration clearAfter, Severity severity) {
            super(fireAfter, clearAfter, severity);
        }

        /** How long samples must be abnormal to fire, zero or more (the default is in the builder's description). */
        public B fireAfter(Duration duration) {
            this.fireAfter = nonNegative(duration, "fireAfter");
            return self();
        }

        /**
         * {@code samples} intervals of {@value #NOMINAL_INTERVAL_SECONDS} s, at least 1.
         *
         * @deprecated counts of samples depend on the sampling interval; use {@link #fireAfter(Duration)}
         */
        @Deprecated
        public B fireAfter(int samples) {
            return fireAfter(DetectorBuilder.nominal("fireAfter", samples, 1));
        }
    }
}
