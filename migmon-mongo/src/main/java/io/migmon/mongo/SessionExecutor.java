package io.migmon.mongo;

import com.mongodb.reactivestreams.client.ClientSession;
import com.mongodb.reactivestreams.client.MongoClient;
import io.migmon.core.ObservableMigration;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.core.support.ErrorTypes;
import io.migmon.core.support.MdcScope;
import io.migmon.core.support.RunScope;
import io.migmon.mongo.internal.Reactive;
import java.time.Duration;

/**
 * Runs one migration step ({@code up} or {@code down} with its changelog write) the same way for
 * {@link MongoMigrationRunner#run()} and {@link MongoMigrationRunner#undo(String)}: MDC {@code migration_id} and
 * {@code version} set, a session with a started transaction when transactional, commit after the step, abort of the
 * transaction on failure, {@code mongodb_migration_errors_total} counted for failures (not for aborted runs).
 */
final class SessionExecutor {

    /** A step; {@code session} is null when the step runs without a transaction. */
    @FunctionalInterface
    interface Step {
        void run(ClientSession session) throws Exception;
    }

    /**
     * How a step ended.
     *
     * @param error      null when committed (or done, without a transaction)
     * @param errorType  {@code error_type} of the error, null on success
     * @param aborted    the step was stopped (interrupted, cancelled, {@code MigrationAbortedException}), not failed
     * @param rolledBack the step's transaction was aborted, so none of its writes persisted
     */
    record Outcome(Throwable error, String errorType, boolean aborted, boolean rolledBack) {
        boolean succeeded() {
            return error == null;
        }
    }

    private final MongoClient client;
    private final Duration timeout;
    private final MigmonMeters meters;

    SessionExecutor(MongoClient client, Duration timeout, MigmonMeters meters) {
        this.client = client;
        this.timeout = timeout;
        this.meters = meters;
    }

    /** Opens the MDC scope of {@code version}; the caller closes it. */
    static MdcScope mdc(String migrationId, String version) {
        return MdcScope.put(MongoMigrationRunner.MDC_VERSION, version).and(ObservableMigration.MDC_MIGRATION_ID, migrationId);
    }

    Outcome execute(String version, boolean transactional, Step step) {
        ClientSession session = null;
        try {
            if (transactional) {
                session = Reactive.first(client.startSession(), timeout);
                session.startTransaction();
            }
            step.run(session);
            if (session != null) {
                Reactive.first(session.commitTransaction(), timeout);
            }
            return new Outcome(null, null, false, false);
        } catch (Throwable t) {
            boolean rolledBack = false;
            if (session != null && session.hasActiveTransaction()) {
                try {
                    Reactive.first(session.abortTransaction(), timeout);
                    rolledBack = true;
                } catch (RuntimeException abortError) {
                    t.addSuppressed(abortError);
                }
            }
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            // a lost lock is reported by its reason, as the runner's check before each migration does
            String errorType = t instanceof MongoMigrationRunner.LockLostException
                    ? MongoMigrationException.Reason.LOCK_LOST.name() : ErrorTypes.simpleName(t);
            boolean aborted = RunScope.isAbort(t);
            if (!aborted) {
                try {
                    meters.counter(MetricCatalog.MONGODB_MIGRATION_ERRORS, MetricCatalog.VERSION, version,
                            MetricCatalog.ERROR_TYPE, errorType).increment();
                } catch (RuntimeException e) {
                    meters.recordFailure("mongodb.errors", e);
                }
            }
            return new Outcome(t, errorType, aborted, rolledBack);
        } finally {
            if (session != null) {
                session.close();
            }
        }
    }
}
