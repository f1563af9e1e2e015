package io.migmon.core.anomaly;

import io.migmon.core.Severity;
import io.migmon.core.support.Require;

/**
 * What every built-in detector's builder shares: the hysteresis parameters and the severity, validated the same
 * way (messages name the field). Self-typed so that chained calls return the concrete builder. Not public API.
 *
 * @param <B> the concrete builder
 */
abstract class DetectorBuilder<B extends DetectorBuilder<B>> {
    int fireAfter;
    int clearAfter;
    Severity severity;

    DetectorBuilder(int fireAfter, int clearAfter, Severity severity) {
        this.fireAfter = fireAfter;
        this.clearAfter = clearAfter;
        this.severity = severity;
    }

    /** Consecutive normal samples to resolve, at least 1 (the default is in the builder's description). */
    public B clearAfter(int samples) {
        this.clearAfter = Require.atLeast(samples, 1, "clearAfter");
        return self();
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

    @SuppressWarnings("unchecked")
    final B self() {
        return (B) this;
    }

    /**
     * A builder whose detector fires after a configurable number of consecutive abnormal samples.
     *
     * @param <B> the concrete builder
     */
    abstract static class Firing<B extends Firing<B>> extends DetectorBuilder<B> {

        Firing(int fireAfter, int clearAfter, Severity severity) {
            super(fireAfter, clearAfter, severity);
        }

        /** Consecutive abnormal samples to fire, at least 1 (the default is in the builder's description). */
        public B fireAfter(int samples) {
            this.fireAfter = Require.atLeast(samples, 1, "fireAfter");
            return self();
        }
    }
}
