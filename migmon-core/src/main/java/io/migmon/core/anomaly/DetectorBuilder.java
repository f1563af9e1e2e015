package io.migmon.core.anomaly;

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
        this.clearAfter = Checks.nonNegative("clearAfter", duration);
        return self();
    }

    /**
     * {@code samples} intervals of {@value #NOMINAL_INTERVAL_SECONDS} s, at least 1.
     *
     * @deprecated counts of samples depend on the sampling interval; use {@link #clearAfter(Duration)}
     */
    @Deprecated
    public B clearAfter(int samples) {
        return clearAfter(Checks.nominal("clearAfter", samples, 1));
    }

    /** Severity of the anomalies, not null (the default is in the builder's description). */
    public B severity(Severity severity) {
        this.severity = Checks.severity(severity);
        return self();
    }

    /** Copies the hysteresis parameters and the severity into {@code target} (for the builders' snapshots). */
    final <T extends DetectorBuilder<T>> T copyHysteresisTo(T target) {
        target.fireAfter = fireAfter;
        target.clearAfter = clearAfter;
        target.severity = severity;
        return target;
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
            this.fireAfter = Checks.nonNegative("fireAfter", duration);
            return self();
        }

        /**
         * {@code samples} intervals of {@value #NOMINAL_INTERVAL_SECONDS} s, at least 1.
         *
         * @deprecated counts of samples depend on the sampling interval; use {@link #fireAfter(Duration)}
         */
        @Deprecated
        public B fireAfter(int samples) {
            return fireAfter(Checks.nominal("fireAfter", samples, 1));
        }
    }
}
