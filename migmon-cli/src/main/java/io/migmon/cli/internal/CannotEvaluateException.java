package io.migmon.cli.internal;

/**
 * The question cannot be answered (Prometheus unreachable, no series for the migration id, stale data, unreadable
 * report, bad arguments): exit code 2. The message says what was asked, what was found and what to do.
 */
public final class CannotEvaluateException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public CannotEvaluateException(String message) {
        super(message);
    }

    public CannotEvaluateException(String message, Throwable cause) {
        super(message, cause);
    }
}
