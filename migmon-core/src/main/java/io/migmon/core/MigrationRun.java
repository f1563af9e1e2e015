package io.migmon.core;

import io.micrometer.core.instrument.Counter;
import io.migmon.core.progress.ProgressSnapshot;
import io.migmon.core.progress.ProgressTracker;
import io.migmon.core.spi.MigrationListener;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * One execution of an {@link ObservableMigration}. Obtained from {@link ObservableMigration#start()} for manual
 * control (reactive pipelines, framework callbacks) or handed to the body by {@link ObservableMigration#run}.
 * Exactly one of {@link #succeed()}, {@link #fail(Throwable)} or {@link #abort(String)} takes effect; later calls
 * are ignored. {@link #close()} without an outcome records {@code aborted}. Thread-safe.
 */
public final class MigrationRun implements MigrationContext, AutoCloseable {

    private static final int MAX_CACHED_COUNTERS = 1024;

    private final ObservableMigration migration;
    private final ProgressTracker progress;
    private final Instant startedAt;
    private final AtomicReference<MigrationStatus> status = new AtomicReference<>(MigrationStatus.RUNNING);
    private final LongAdder errors = new LongAdder();
    private final java.util.concurrent.atomic.AtomicBoolean lateRowsLogged = new java.util.concurrent.atomic.AtomicBoolean();
    private final Map<String, Counter> errorCounters = new ConcurrentHashMap<>();
    private volatile double dataLagSeconds = Double.NaN;
    private volatile Instant finishedAt;

    MigrationRun(ObservableMigration migration, ProgressTracker progress) {
        this.migration = migration;
        this.progress = progress;
        this.startedAt = progress.startedAt();
    }

    @Override
    public String migrationId() {
        return migration.migrationId();
    }

    /**
     * {@inheritDoc}
     *
     * <p>One table look-up (none when {@code table} is the same String instance as in a recent call) and one
     * atomic add on the table's counter, which both {@code migration_rows_total{table_name}} and this run's progress
     * read; no clock read (the time of the last progress is derived when progress is read, see
     * {@link ProgressSnapshot#lastProgressAt()}).
     *
     * <p><b>After the run ended</b> (a worker of an aborted run still writing, perhaps while the next run has started),
     * the rows are counted in {@code migration_rows_total} but in no run's progress: this run's count is frozen at its
     * end and the next run's progress counts only rows recorded through it (or through a {@link RowCounter} while it is
     * active). This is logged once per run at WARN. Rows recorded while the run is ending may count for either.
     */
    @Override
    public void recordRows(String table, long rows) {
        if (rows <= 0) {
            return;
        }
        try {
            if (status.get() == MigrationStatus.RUNNING) {
                migration.rowCounter(table).add(rows); // the table's counter is also what progress sums
            } else {
                migration.lateRows(this, table, rows);
            }
        } catch (RuntimeException e) {
            migration.meters().recordFailure("migration.rows", e);
        }
    }

    /**
     * Declares rows done <em>before</em> this run started: a job resumed from its checkpoint after a restart (declare
     * the job's whole total with {@link #expectRows(long)} and the checkpoint's rows here, once, before or as the work
     * resumes). They count as done in this run's progress (the ratio, the rows left for the ETA) but not as work of
     * this run: not in {@code migration_rows_total} (this process did not write them; a rate of that counter would
     * show them as a burst) nor in the throughput or the rate the ETA divides by. Recording them through
     * {@link #recordRows} instead makes the ETA count them as the first seconds' work (93% low for the whole run in
     * an attack on a 400,000-of-1,000,000 restart). Zero and negative values are ignored; ignored after the run ended.
     *
     * @param rows rows the job had done before this run started
     */
    public void recordRowsAlreadyDone(long rows) {
        if (rows > 0 && status.get() == MigrationStatus.RUNNING) {
            progress.addDoneBefore(rows);
        }
    }

    /** True the first time only: rows were recorded on this run after it ended. */
    boolean firstLateRows() {
        return !lateRowsLogged.getAndSet(true);
    }

    /**
     * The row counter of {@code table} ({@code migration_rows_total{table_name}}), for a hot loop that wants to skip
     * the table look-up of {@link #recordRows}: {@code counter.add(n)} is one atomic add and counts for the progress of
     * the run active when it is called. The counter belongs to the migration, so it can be kept across runs (it then
     * counts for the next run); unlike {@link #recordRows}, it does not know this run, so rows added through it after
     * this run ended count for the next run's progress if one is active (see {@link RowCounter}).
     *
     * @param table table (or collection) name; null or empty becomes {@code unknown}; capped in cardinality
     */
    public RowCounter rowCounter(String table) {
        return migration.rowCounter(table);
    }

    private volatile Instant resumedAt;

    /**
     * Declares a planned pause or throttle (a maintenance window, a rate limit set on purpose) until
     * {@link #resume()}: the ETA does not count the paused time as a slowdown, progress reads
     * {@link ProgressSnapshot.State#PAUSED}, and anomaly monitors attached as listeners judge nothing meanwhile and show
     * the reason in their health details. Ignored when the run is not running or already paused.
     */
    public void pause(String reason) {
        if (status.get() != MigrationStatus.RUNNING || progress.paused().isPresent()) {
            return;
        }
        progress.pause(reason);
        String r = progress.paused().orElse("planned pause");
        Instant at = progress.time(); // the samples' timeline (a clock set back does not move it back)
        for (MigrationListener l : migration.listeners()) {
            try {
                l.onPause(this, at, r);
            } catch (RuntimeException e) {
                migration.meters().recordFailure("listener", e);
            }
        }
    }

    /** Ends a planned pause declared with {@link #pause(String)}; ignored when not paused. */
    public void resume() {
        if (progress.paused().isEmpty()) {
            return;
        }
        progress.resume();
        Instant at = progress.time();
        resumedAt = at;
        for (MigrationListener l : migration.listeners()) {
            try {
                l.onResume(this, at);
            } catch (RuntimeException e) {
                migration.meters().recordFailure("listener", e);
            }
        }
    }

    /** The reason of the planned pause in force, if any. */
    public Optional<String> paused() {
        return progress.paused();
    }

    /** When the last planned pause of this run ended, if one did (a stall is timed from no earlier than this). */
    public Optional<Instant> lastResumedAt() {
        return Optional.ofNullable(resumedAt);
    }

    @Override
    public void recordError(Throwable error) {
        recordError(errorType(error));
    }

    @Override
    public void recordError(String errorType) {
        String type = errorType == null || errorType.isEmpty() ? "unknown" : errorType;
        try {
            counterFor(errorCounters, type, t -> migration.errorsCounter(t)).increment();
            errors.increment();
        } catch (RuntimeException e) {
            migration.meters().recordFailure("migration.errors", e);
        }
        for (MigrationListener l : migration.listeners()) {
            try {
                l.onError(this, type);
            } catch (RuntimeException e) {
                migration.meters().recordFailure("listener", e);
            }
        }
    }

    @Override
    public void recordDataLag(Duration lag) {
        if (lag != null) {
            dataLagSeconds = Math.max(0, lag.toNanos() / 1e9);
        }
    }

    @Override
    public void expectRows(long totalRows) {
        progress.expectTotal(totalRows);
    }

    @Override
    public ProgressSnapshot progress() {
        return progress.snapshot();
    }

    /**
     * Takes a progress snapshot and hands it to the listeners (anomaly detectors, alerting). Call it on the host's
     * schedule, e.g. every few seconds; migmon starts no thread of its own.
     */
    public ProgressSnapshot sample() {
        ProgressSnapshot s = progress.snapshot();
        for (MigrationListener l : migration.listeners()) {
            try {
                l.onSample(this, s);
            } catch (RuntimeException e) {
                migration.meters().recordFailure("listener", e);
            }
        }
        return s;
    }

    public MigrationStatus status() {
        return status.get();
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** Counters of this run now. */
    public MigrationStats stats() {
        ProgressSnapshot s = progress.snapshot();
        return new MigrationStats(migrationId(), status.get(), startedAt, Optional.ofNullable(finishedAt),
                s.rowsDone(), errors.sum(), dataLagSeconds, s.lastProgressAt());
    }

    double dataLagSeconds() {
        return dataLagSeconds;
    }

    /** Records the run as {@code success}. */
    public void succeed() {
        finish(MigrationStatus.SUCCESS, null);
    }

    /** Records the run as {@code failed}, counting the error. */
    public void fail(Throwable cause) {
        if (status.get() == MigrationStatus.RUNNING && cause != null) {
            recordError(cause);
        }
        finish(MigrationStatus.FAILED, cause);
    }

    /** Records the run as {@code aborted}. */
    public void abort(String reason) {
        finish(MigrationStatus.ABORTED, new MigrationAbortedException(reason == null ? "aborted" : reason));
    }

    /** Records {@code aborted} if no outcome was recorded yet. */
    @Override
    public void close() {
        if (status.get() == MigrationStatus.RUNNING) {
            abort("closed without an outcome");
        }
    }

    void finish(MigrationStatus outcome, Throwable cause) {
        if (!status.compareAndSet(MigrationStatus.RUNNING, outcome)) {
            return;
        }
        progress.finish(outcome == MigrationStatus.SUCCESS);
        Instant end = migration.clock().instant();
        finishedAt = end;
        Duration duration = Duration.between(startedAt, end);
        migration.finished(this, outcome, duration, cause);
    }

    static String errorType(Throwable t) {
        return io.migmon.core.support.ErrorTypes.simpleName(t);
    }

    private static Counter counterFor(Map<String, Counter> cache, String key, java.util.function.Function<String, Counter> f) {
        String k = key == null ? "" : key;
        Counter c = cache.get(k);
        if (c != null) {
            return c;
        }
        c = f.apply(k);
        if (cache.size() < MAX_CACHED_COUNTERS) {
            cache.putIfAbsent(k, c);
        }
        return c;
    }
}
