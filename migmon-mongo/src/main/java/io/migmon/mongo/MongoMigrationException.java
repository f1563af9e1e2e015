package io.migmon.mongo;

import io.migmon.core.MigmonException;
import java.util.Optional;

/**
 * Why {@link MongoMigrationRunner#run()} did not complete: a migration failed ({@link #report()} tells which, and
 * {@link #getCause()} is the migration's exception), an applied migration's checksum changed, the lock could not be
 * acquired in time, or transactions were required but the server cannot do them. {@link #reason()} tells which.
 */
public class MongoMigrationException extends MigmonException {
    private static final long serialVersionUID = 1L;

    /** Why the run stopped. */
    public enum Reason {
        /** A migration threw or one of its validations failed. */
        MIGRATION_FAILED,
        /** An applied migration's checksum differs from the changelog. */
        CHECKSUM_MISMATCH,
        /** Another runner held the lock for longer than the lock wait. */
        LOCK_TIMEOUT,
        /** The lock expired and was taken by another runner while a migration ran. */
        LOCK_LOST,
        /** {@link TransactionPolicy#REQUIRED} on a server without transactions. */
        TRANSACTIONS_UNSUPPORTED
    }

    private final Reason reason;
    private final transient MongoRunReport report;

    /**
     * @param reason  why the run stopped
     * @param message what happened, naming versions, collections and the lock holder where relevant
     * @param report  the run so far, or null when no migration ran
     * @param cause   the migration's exception, or null
     */
    public MongoMigrationException(Reason reason, String message, MongoRunReport report, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.report = report;
    }

    /** Why the run stopped. */
    public Reason reason() {
        return reason;
    }

    /** The run's report up to the failure; empty when the run stopped before running any migration. */
    public Optional<MongoRunReport> report() {
        return Optional.ofNullable(report);
    }
}
