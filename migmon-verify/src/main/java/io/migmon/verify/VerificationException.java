package io.migmon.verify;

import io.migmon.core.MigmonException;

/** A verification could not run (connection, missing table or column, unsupported key); exit code 2. */
public class VerificationException extends MigmonException {
    private static final long serialVersionUID = 1L;

    public VerificationException(String message) {
        super(message);
    }

    public VerificationException(String message, Throwable cause) {
        super(message, cause);
    }
}
