package io.migmon.cdc.event;

/**
 * The {@code op} of a Debezium change event. {@link #tagValue()} is the value of the {@code operation} tag of
 * {@code cdc_events_processed_total}.
 */
public enum Operation {
    /** {@code c}: a row was inserted. */
    CREATE('c', "create"),
    /** {@code u}: a row was updated. */
    UPDATE('u', "update"),
    /** {@code d}: a row was deleted. */
    DELETE('d', "delete"),
    /** {@code r}: a row read by a snapshot. */
    READ('r', "read"),
    /** {@code t}: a table was truncated. */
    TRUNCATE('t', "truncate"),
    /** {@code m}: a logical decoding message (pg_logical_emit_message). */
    MESSAGE('m', "message");

    private final char code;
    private final String tagValue;

    Operation(char code, String tagValue) {
        this.code = code;
        this.tagValue = tagValue;
    }

    /** Debezium's one-letter code. */
    public char code() {
        return code;
    }

    /** Value of the {@code operation} tag. */
    public String tagValue() {
        return tagValue;
    }

    /** Whether the operation leaves a row in place in the target ({@code c}, {@code u}, {@code r}). */
    public boolean isUpsert() {
        return this == CREATE || this == UPDATE || this == READ;
    }

    /**
     * The operation for a Debezium code.
     *
     * @return the operation, or {@code null} when the code is not one Debezium emits
     */
    public static Operation fromCode(String code) {
        if (code == null || code.length() != 1) {
            return null;
        }
        switch (code.charAt(0)) {
            case 'c': return CREATE;
            case 'u': return UPDATE;
            case 'd': return DELETE;
            case 'r': return READ;
            case 't': return TRUNCATE;
            case 'm': return MESSAGE;
            default: return null;
        }
    }
}
