package io.migmon.alerting.internal;

import io.migmon.alerting.spi.Notification;
import java.time.Instant;

/**
 * The engine as seen by a sink's delivery loop: what to send for a ticket now, and the outcome of each attempt.
 * The notified state of a group is recorded only on {@link #delivered}, never when a ticket is queued.
 */
public interface DeliverySource {

    /**
     * The notification a ticket's group owes its sink at {@code now}, or null when nothing is owed any more (a later
     * state superseded it, e.g. an alert that fired and resolved before it was ever delivered). Marks the
     * notification's firing alerts in flight until {@link #delivered}, {@link #failed} or {@link #rejected}.
     */
    Notification content(Ticket ticket, Instant now);

    /** The receiver accepted {@code n}: it now knows these alerts as firing / resolved. */
    void delivered(Ticket ticket, Notification n, Instant now);

    /** A retryable attempt failed; the ticket stays queued and its next attempt recomputes the content. */
    void failed(Ticket ticket, Notification n);

    /**
     * The receiver rejected {@code n} for good (e.g. HTTP 400): counted as failed and recorded as if notified,
     * so the same payload is not re-sent at every group interval; the next change is sent as usual.
     */
    void rejected(Ticket ticket, Notification n, Instant now);
}
