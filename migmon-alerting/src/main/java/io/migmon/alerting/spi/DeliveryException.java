package io.migmon.alerting.spi;

import java.time.Duration;
import java.util.Set;

/**
 * A failed delivery attempt. {@link #retryable()} says whether trying again can help; {@link #retryAfter()} is
 * the destination's requested wait (HTTP 429 {@code Retry-After}), or null. Its message must not contain secrets.
 * It carries no cause on purpose: causes from HTTP and mail libraries can echo URLs or credentials.
 */
public final class DeliveryException extends Exception {

    private static final long serialVersionUID = 1L;

    /** Whether a retry can help. */
    private final boolean retryable;
    private final transient Duration retryAfter;
    private final transient Set<String> rejected;

    private DeliveryException(String message, boolean retryable, Duration retryAfter) {
        this(message, retryable, retryAfter, null);
    }

    private DeliveryException(String message, boolean retryable, Duration retryAfter, Set<String> rejected) {
        super(message, null, false, false);
        this.retryable = retryable;
        this.retryAfter = retryAfter;
        this.rejected = rejected == null ? null : Set.copyOf(rejected);
    }

    /**
     * A notification the destination took in part: every alert was handled, those with the given fingerprints were
     * rejected for good, the others accepted (e.g. PagerDuty answered 400 to one event of a group). Not retryable;
     * the dispatcher counts only the rejected alerts as failed and the others as sent.
     */
    public static DeliveryException partial(String message, Set<String> rejectedFingerprints) {
        return new DeliveryException(message, false, null, rejectedFingerprints);
    }

    /** For {@link #partial}: the fingerprints of the rejected alerts; null when the whole notification failed. */
    public Set<String> rejectedFingerprints() {
        return rejected;
    }

    /** A failure that may go away (5xx, timeout, connection refused). */
    public static DeliveryException retryable(String message) {
        return new DeliveryException(message, true, null);
    }

    /** A failure the destination asked to retry after {@code wait} (HTTP 429 / 503 with Retry-After). */
    public static DeliveryException retryAfter(String message, Duration wait) {
        return new DeliveryException(message, true, wait);
    }

    /** A failure retrying cannot fix (bad credentials, 4xx, invalid payload). */
    public static DeliveryException permanent(String message) {
        return new DeliveryException(message, false, null);
    }

    /** Whether trying again can help. */
    public boolean retryable() {
        return retryable;
    }

    /** The wait the destination asked for, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
