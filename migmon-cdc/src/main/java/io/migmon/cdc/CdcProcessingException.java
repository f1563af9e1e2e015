package io.migmon.cdc;

import io.migmon.core.MigmonException;

/**
 * Thrown by {@link CdcEventProcessor#process(java.util.List)} when a batch could not be applied because the target
 * stayed unavailable through all retries (nothing was dead-lettered; the caller should offer the batch again).
 */
public class CdcProcessingException extends MigmonException {

    private static final long serialVersionUID = 1L;

    /** An exception with its cause. */
    public CdcProcessingException(String message, Throwable cause) {
        super(message, cause);
    }
}
