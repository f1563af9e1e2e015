package io.migmon.core.support;

import io.migmon.core.MigrationAbortedException;
import io.migmon.core.MigrationRun;
import io.migmon.core.MigrationStatus;
import java.util.concurrent.CancellationException;

/**
 * How an adapter ends a core {@link MigrationRun} it started in a framework callback, with the one classification
 * every module shares: {@code aborted} for {@link InterruptedException}, {@link CancellationException} and
 * {@link MigrationAbortedException} (nothing went wrong, the run was stopped), {@code failed} with an
 * {@code error_type} otherwise. A scope of a null run (the adapter was closed, or meters could not be registered)
 * does nothing, so callers need no null checks. The first outcome wins; later calls do nothing.
 *
 * <p>For migmon's own modules; not a stable API.
 */
public final class RunScope {

    private static final RunScope NONE = new RunScope(null);

    private final MigrationRun run;

    private RunScope(MigrationRun run) {
        this.run = run;
    }

    /** A scope over {@code run}; {@code run} may be null. */
    public static RunScope of(MigrationRun run) {
        return run == null ? NONE : new RunScope(run);
    }

    /** Whether {@code t} means the run was stopped rather than failed. */
    public static boolean isAbort(Throwable t) {
        return t instanceof InterruptedException || t instanceof CancellationException
                || t instanceof MigrationAbortedException;
    }

    /** The run, or null. */
    public MigrationRun run() {
        return run;
    }

    /** Records {@code success}. */
    public void succeed() {
        if (run != null) {
            run.succeed();
        }
    }

    /** Records {@code failed}, counting one error of {@code errorType}. */
    public void fail(String errorType) {
        if (run != null && run.status() == MigrationStatus.RUNNING) {
            run.recordError(errorType == null ? ErrorTypes.UNKNOWN : errorType);
            run.fail(null);
        }
    }

    /** {@link #succeed()} when {@code errorType} is null, else {@link #fail(String)}. */
    public void finish(String errorType) {
        if (errorType == null) {
            succeed();
        } else {
            fail(errorType);
        }
    }

    /**
     * Ends the run for a thrown {@code t}: {@code aborted} when {@link #isAbort(Throwable)}, else {@code failed} with
     * {@code errorType}. Returns whether it counted as aborted.
     */
    public boolean end(Throwable t, String errorType) {
        if (isAbort(t)) {
            if (run != null) {
                run.abort(errorType + ": " + t.getMessage());
            }
            return true;
        }
        fail(errorType);
        return false;
    }

    /** Records {@code aborted} if no outcome was recorded yet (a framework never reported one). */
    public void abandon() {
        if (run != null) {
            run.close();
        }
    }
}
