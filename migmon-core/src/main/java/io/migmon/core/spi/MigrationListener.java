package io.migmon.core.spi;

import io.migmon.core.MigrationRun;
import io.migmon.core.MigrationStatus;
import io.migmon.core.progress.ProgressSnapshot;
import java.time.Duration;

/**
 * Receives lifecycle events of migration runs, e.g. to feed anomaly detectors or alerting. Every method has a
 * no-op default so the interface can grow. Called on the thread that caused the event; implementations must be
 * fast and thread-safe. An exception thrown here is caught, counted and logged; it never reaches the migration.
 */
public interface MigrationListener {

    /** The run started. */
    default void onStart(MigrationRun run) {
    }

    /** A progress sample was taken with {@link MigrationRun#sample()} (on the host's schedule) or at finish. */
    default void onSample(MigrationRun run, ProgressSnapshot snapshot) {
    }

    /** An error was recorded. */
    default void onError(MigrationRun run, String errorType) {
    }

    /**
     * The host declared a planned pause or throttle ({@link MigrationRun#pause(String)}): detectors judge nothing
     * until {@link #onResume}.
     */
    default void onPause(MigrationRun run, java.time.Instant at, String reason) {
    }

    /** The planned pause ended ({@link MigrationRun#resume()}). */
    default void onResume(MigrationRun run, java.time.Instant at) {
    }

    /**
     * The run finished.
     *
     * @param failure the cause for {@code FAILED} or {@code ABORTED}, may be null
     */
    default void onFinish(MigrationRun run, MigrationStatus status, Duration duration, Throwable failure) {
    }
}
