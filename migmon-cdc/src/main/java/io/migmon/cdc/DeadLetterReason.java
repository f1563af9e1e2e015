package io.migmon.cdc;

/**
 * Values of the {@code reason} tag of {@code cdc_dead_letters_total} and of the {@value #HEADER} header of a
 * dead-lettered record.
 */
public final class DeadLetterReason {

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

    /** The value is not a JSON object or not a Debezium envelope. */
    public static final String UNPARSEABLE = "unparseable";
    /** The envelope's {@code op} is not one Debezium defines. */
    public static final String UNKNOWN_OPERATION = "unknown_operation";
    /** The {@link io.migmon.cdc.spi.ChangeApplier} rejected the event after all retries. */
    public static final String APPLY_FAILED = "apply_failed";

    private DeadLetterReason() {
    }
}
