package io.migmon.alerting;

import java.time.Duration;

/**
 * Delivery settings for one sink: the per-call timeout, retries with exponential backoff and jitter, and the
 * capacity of the sink's own queue. Immutable.
 *
 * <p>A retryable failure is retried until the notification is delivered or superseded (nothing left to send for its
 * group), each attempt sending the group's current state; {@code maxAttempts} is the number of failed attempts after
 * which the alerts are counted in {@code migmon_alerts_failed_total} and the failure is logged.
 *
 * @param timeout        longest one {@code send} call may take before it is interrupted and counted as a failure
 * @param maxAttempts    failed attempts after which a notification counts as failed (retries continue), at least 1
 * @param initialBackoff wait before the first retry
 * @param maxBackoff     upper bound of any wait, also of a server's {@code Retry-After}
 * @param jitter         random share (0..1) added to or taken from each backoff
 * @param queueCapacity  groups waiting for this sink (one entry per group, the latest state); overflow drops the
 *                       least severe, which the group's next flush issues again
 */
public record SinkOptions(Duration timeout, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
                          double jitter, int queueCapacity) {

    /**
     * 10 s timeout, failed after 5 attempts, backoff 1 s doubling up to 60 s, 20 % jitter, 10,000 queued groups (a
     * queued group is one small ticket, so a burst of one group per table over 10,000 tables fits in one flush).
     */
    public static final SinkOptions DEFAULTS =
            new SinkOptions(Duration.ofSeconds(10), 5, Duration.ofSeconds(1), Duration.ofSeconds(60), 0.2, 10_000);

    /** Validates the settings; messages name the field. */
    public SinkOptions {
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("sinkOptions.timeout must be > 0, was " + timeout);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("sinkOptions.maxAttempts must be >= 1, was " + maxAttempts);
        }
        if (initialBackoff == null || initialBackoff.isNegative()) {
            throw new IllegalArgumentException("sinkOptions.initialBackoff must be >= 0, was " + initialBackoff);
        }
        if (maxBackoff == null || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("sinkOptions.maxBackoff must be >= initialBackoff, was " + maxBackoff);
        }
        if (!(jitter >= 0 && jitter <= 1)) {
            throw new IllegalArgumentException("sinkOptions.jitter must be within 0..1, was " + jitter);
        }
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("sinkOptions.queueCapacity must be >= 1, was " + queueCapacity);
        }
    }

    /** A copy with another per-call timeout. */
    public SinkOptions withTimeout(Duration d) {
        return new SinkOptions(d, maxAttempts, initialBackoff, maxBackoff, jitter, queueCapacity);
    }

    /** A copy with other retry settings. */
    public SinkOptions withRetries(int attempts, Duration initial, Duration max, double jitterShare) {
        return new SinkOptions(timeout, attempts, initial, max, jitterShare, queueCapacity);
    }

    /** A copy with another queue capacity. */
    public SinkOptions withQueueCapacity(int capacity) {
        return new SinkOptions(timeout, maxAttempts, initialBackoff, maxBackoff, jitter, capacity);
    }

    /** The wait before attempt {@code attempt + 1} (attempt counts from 1), with jitter from {@code random01}. */
    public Duration backoff(int attempt, double random01) {
        double base = initialBackoff.toNanos() * Math.pow(2, Math.max(0, attempt - 1));
        double withJitter = base * (1 + jitter * (2 * random01 - 1));
        long nanos = (long) Math.min(maxBackoff.toNanos(), Math.max(0, withJitter));
        return Duration.ofNanos(nanos);
    }
}
