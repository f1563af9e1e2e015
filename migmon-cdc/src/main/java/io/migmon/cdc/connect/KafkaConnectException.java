package io.migmon.cdc.connect;

import io.migmon.core.MigmonException;

import java.util.List;

/**
 * A Kafka Connect REST call failed, or a config did not validate ({@link #validationErrors()} non-empty). Messages
 * never contain secret config values.
 */
public class KafkaConnectException extends MigmonException {

    private static final long serialVersionUID = 1L;

    private final int statusCode;
    private final List<String> validationErrors;

    /** An exception; {@code message} must already be free of secrets. */
    public KafkaConnectException(String message, int statusCode, List<String> validationErrors) {
        super(message);
        this.statusCode = statusCode;
        this.validationErrors = List.copyOf(validationErrors);
    }

    /** HTTP status, or {@code -1} when no response was received. */
    public int statusCode() {
        return statusCode;
    }

    /** {@code field: message} for each validation error; empty for other failures. */
    public List<String> validationErrors() {
        return validationErrors;
    }
}
