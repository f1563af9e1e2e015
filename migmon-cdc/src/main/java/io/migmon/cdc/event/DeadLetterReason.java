package io.migmon.cdc.event;

/**
 * Why a record went to the dead-letter path: {@link #tagValue()} is the value of the {@code reason} tag of
 * {@code cdc_dead_letters_total} and of the {@value #HEADER} header of a dead-lettered record.
 */
public enum DeadLetterReason {
    /** The value is not JSON, or not a JSON object. */
    UNPARSEABLE("unparseable"),
    /** The value is a JSON object but not a Debezium envelope (no {@code op}; or a non-transaction shape on the transaction topic). */
    NOT_AN_ENVELOPE("not_an_envelope"),
    /** The envelope's {@code op} is not one Debezium defines. */
    UNKNOWN_OPERATION("unknown_operation"),
    /** The {@link io.migmon.cdc.spi.ChangeApplier} rejected the event after all retries. */
    APPLY_FAILED("apply_failed"),
    /**
     * The event does not fit the target's schema (a column or table the target lacks, with schema evolution off);
     * the {@value #ERROR_HEADER} header names the table and column.
     */
    SCHEMA_MISMATCH("schema_mismatch"),
    /**
     * The record itself is larger than the dead-letter producer may send: a reference (original topic, partition,
     * offset, size, reason, a bounded prefix of the value) was dead-lettered instead of the record.
     */
    RECORD_TOO_LARGE("record_too_large");

    /** Header carrying the reason on a dead-lettered record. */
    public static final String HEADER = "migmon.dlq.reason";
    /** Header carrying a short description of the error (never row data or secrets). */
    public static final String ERROR_HEADER = "migmon.dlq.error";
    /** Header carrying the original topic. */
    public static final String TOPIC_HEADER = "migmon.dlq.topic";
    /** Header carrying the original partition (decimal text). */
    public static final String PARTITION_HEADER = "migmon.dlq.partition";
    /** Header carrying the original offset (decimal text). */
    public static final String OFFSET_HEADER = "migmon.dlq.offset";
    /** Header carrying the original value's size in bytes (decimal text), on {@link #RECORD_TOO_LARGE} references. */
    public static final String SIZE_HEADER = "migmon.dlq.size";

    private final String tagValue;

    DeadLetterReason(String tagValue) {
        this.tagValue = tagValue;
    }

    /** Value of the {@code reason} tag and of the {@value #HEADER} header. */
    public String tagValue() {
        return tagValue;
    }
}
