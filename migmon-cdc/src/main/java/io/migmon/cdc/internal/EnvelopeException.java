package io.migmon.cdc.internal;

/** A record that cannot be turned into a {@link io.migmon.cdc.ChangeEvent}; carries the dead-letter reason. */
public final class EnvelopeException extends Exception {

    private static final long serialVersionUID = 1L;

    private final String reason;

    public EnvelopeException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    /** One of {@link io.migmon.cdc.DeadLetterReason}'s values. */
    public String reason() {
        return reason;
    }
}
