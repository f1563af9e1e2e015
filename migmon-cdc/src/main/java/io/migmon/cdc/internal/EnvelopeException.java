package io.migmon.cdc.internal;

import io.migmon.cdc.event.DeadLetterReason;

/** A record that cannot be turned into a {@link io.migmon.cdc.event.ChangeEvent}; carries the dead-letter reason. */
public final class EnvelopeException extends Exception {

    private static final long serialVersionUID = 1L;

    private final DeadLetterReason reason;

    public EnvelopeException(DeadLetterReason reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** Why the record is dead-lettered. */
    public DeadLetterReason reason() {
        return reason;
    }
}
