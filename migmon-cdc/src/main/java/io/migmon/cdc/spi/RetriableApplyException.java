package io.migmon.cdc.spi;

/**
 * Thrown by a {@link ChangeApplier} when the target is unavailable for a while (connection lost, deadlock, lock
 * timeout) rather than rejecting the events. The processor does not dead-letter on it: it backs off and applies the
 * same events again, without committing their offsets in between. The message must not contain row data or secrets.
 */
public class RetriableApplyException extends Exception {

    private static final long serialVersionUID = 1L;

    /** An exception; {@code message} must not contain row data or secrets. */
    public RetriableApplyException(String message, Throwable cause) {
        super(message, cause);
    }
}
