package io.migmon.cdc.internal;

import io.migmon.cdc.event.DeadLetterReason;

/** A record that cannot be turned into a {@link io.migmon.cdc.event.ChangeEvent}; carries the dead-letter reason. */
public final class EnvelopeException extends Exception {

    private static final long serialVersionUID = 1L;

    private final DeadLetterReason reason;
    private final String transactionId;
    private final long totalOrder;

    public EnvelopeException(DeadLetterReason reason, String message) {
        this(reason, message, null);
    }

    public EnvelopeException(DeadLetterReason reason, String message, String transactionId) {
        this(reason, message, transactionId, -1);
    }

    /**
     * @param transactionId the {@code transaction.id} of the record when it was read before the record was found
     *        unusable (its transaction can then never be complete), else null
     */
    /**
     * @param totalOrder its {@code transaction.total_order} when read with the transaction id, else -1 (a change
     *        the connector sends again carries the same one: its dead letter accounts for one change only)
     */
    public EnvelopeException(DeadLetterReason reason, String message, String transactionId, long totalOrder) {
        super(message);
        this.reason = reason;
        this.transactionId = transactionId;
        this.totalOrder = transactionId == null ? -1 : totalOrder;
    }

    /** Why the record is dead-lettered. */
    public DeadLetterReason reason() {
        return reason;
    }

    /** The record's {@code transaction.id} when it could be read, else null. */
    public String transactionId() {
        return transactionId;
    }

    /** The record's {@code transaction.total_order} when read with its transaction id, else -1. */
    public long totalOrder() {
        return totalOrder;
    }
}
