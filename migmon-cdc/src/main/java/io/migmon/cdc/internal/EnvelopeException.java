package io.migmon.cdc.internal;

import io.migmon.cdc.event.DeadLetterReason;

/** A record that cannot be turned into a {@link io.migmon.cdc.event.ChangeEvent}; carries the dead-letter reason. */
public final class EnvelopeException extends Exception {

    private static final long serialVersionUID = 1L;

    private final DeadLetterReason reason;
    private final String transactionId;

    public EnvelopeException(DeadLetterReason reason, String message) {
        this(reason, message, null);
    }

    /**
     * @param transactionId the {@code transaction.id} of the record when it was read before the record was found
     *        unusable (its transaction can then never be complete), else null
     */
    public EnvelopeException(DeadLetterReason reason, String message, String transactionId) {
        super(message);
        this.reason = reason;
        this.transactionId = transactionId;
    }

    /** Why the record is dead-lettered. */
    public DeadLetterReason reason() {
        return reason;
    }

    /** The record's {@code transaction.id} when it could be read, else null. */
    public String transactionId() {
        return transactionId;
    }
}
