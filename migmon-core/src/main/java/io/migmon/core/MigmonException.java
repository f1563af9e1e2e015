package io.migmon.core;

/** Root of migmon's unchecked exceptions. */
public class MigmonException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public MigmonException(String message) {
        super(message);
    }

    public MigmonException(String message, Throwable cause) {
        super(message, cause);
    }
}
