package io.migmon.core.anomaly;

import java.time.Instant;
import java.util.Objects;

/**
 * One observation of a migration fed to an {@link AnomalyMonitor}: cumulative counters at one instant. Detectors
 * derive rates from consecutive samples, so the counters must be cumulative for the run (as
 * {@code migration_rows_total} and {@code migration_errors_total} are) and the timestamps increasing. Immutable.
 *
 * @param at         when the sample was taken; detectors use only these timestamps as their time source
 * @param rowsDone   rows (units of work) done so far in the run, {@code >= 0}
 * @param errors     errors recorded so far in the run, {@code >= 0}
 * @param lagSeconds the current data lag in seconds, {@code >= 0}, or NaN when unknown
 */
public record Sample(Instant at, long rowsDone, long errors, double lagSeconds) {

    /** Validates the sample: non-null time, non-negative counters, lag {@code >= 0} or NaN. */
    public Sample {
        Objects.requireNonNull(at, "at must not be null");
        if (rowsDone < 0) {
            throw new IllegalArgumentException("rowsDone must be >= 0, was " + rowsDone);
        }
        if (errors < 0) {
            throw new IllegalArgumentException("errors must be >= 0, was " + errors);
        }
        if (lagSeconds < 0) {
            throw new IllegalArgumentException("lagSeconds must be >= 0 or NaN, was " + lagSeconds);
        }
    }

    /** A sample without data lag. */
    public static Sample of(Instant at, long rowsDone, long errors) {
        return new Sample(at, rowsDone, errors, Double.NaN);
    }

    /** A sample with data lag in seconds (NaN when unknown). */
    public static Sample of(Instant at, long rowsDone, long errors, double lagSeconds) {
        return new Sample(at, rowsDone, errors, lagSeconds);
    }

    /** Whether a data lag is known. */
    public boolean hasLag() {
        return !Double.isNaN(lagSeconds);
    }
}
