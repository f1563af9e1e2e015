package io.migmon.cdc.spi;

/**
 * Thrown by a {@link ChangeApplier} when an event does not fit the target's schema and the applier will not change
 * the target (a column or table the target lacks, with schema evolution off). The processor dead-letters the event
 * with reason {@code schema_mismatch}; the message names the table and column, never row data.
 */
public class SchemaMismatchException extends Exception {

    private static final long serialVersionUID = 1L;

    /** An exception; {@code message} names table and column and must not contain row data. */
    public SchemaMismatchException(String message) {
        super(message);
    }
}
