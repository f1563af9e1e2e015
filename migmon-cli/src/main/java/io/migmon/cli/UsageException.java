package io.migmon.cli;

/** Bad or missing arguments: exit 2 with the message. */
final class UsageException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    UsageException(String message) {
        super(message);
    }
}
