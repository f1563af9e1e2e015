package io.migmon.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.core.metrics.Instrumentation;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.core.progress.ProgressSnapshot;
import io.migmon.core.progress.ProgressTracker;
import io.migmon.core.spi.MigrationListener;
import io.migmon.core.support.Require;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Wraps any migration (the host's own code, a framework callback, a reactive pipeline) with metrics, progress,
 * ETA and structured logging. Built once per migration id, reusable for successive runs (retries); at most one run
 * is active at a time.
 *
 * <pre>{@code
 * ObservableMigration migration = ObservableMigration.builder("orders-backfill")
 *         .meterRegistry(registry)
 *         .expectedRows(1_000_000)
 *         .build();
 * long copied = migration.run(ctx -> {
 *     for (Batch b : batches) {
 *         copy(b);
 *         ctx.recordRows("orders", b.size());
 *     }
 *     return ctx.progress().rowsDone();
 * });
 * }</pre>
 *
 * <p>Registers, tagged with {@code migration_id}: {@code migration_duration_seconds{status}},
 * {@code migration_rows_total{table_name}}, {@code migration_errors_total{error_type}},
 * {@code migration_data_lag_seconds}, {@code migration_progress_ratio}, {@code migration_eta_seconds},
 * {@code migration_rows_expected}, {@code migration_throughput_rows_per_second}, {@code migration_status{status}}
 * and {@code migration_last_progress_seconds}. {@link #close()} removes exactly these.
 *
 * <p>Logging: logger {@code io.migmon.migration}, with {@code migration_id} in the MDC and as an SLF4J key-value,
 * at start, finish and failure. The synchronous {@link #run} also sets the MDC for the body's thread.
 *
 * <p><b>One live instance per id and registry.</b> Two live {@code ObservableMigration}s with the same id (and the
 * same metric prefix) on one {@link MeterRegistry} would share meters, and closing one would remove the other's
 * gauges; {@link Builder#build()} therefore fails fast with an {@link IllegalStateException} while another instance
 * with that id is live on that registry. {@link #close()} releases the id (an instance that became unreachable
 * without {@code close()} releases it when garbage-collected, its gauges being gone with it). Build one instance per
 * migration and reuse it for successive runs, e.g. as a singleton bean.
 *
 * <p>Observability never fails the migration: metric and listener failures are counted in
 * {@code migmon_observability_failures_total} and logged once. Immutable and thread-safe.
 */
public final class ObservableMigration implements AutoCloseable {

    /** MDC key and tag key of the migration id. */
    public static final String MDC_MIGRATION_ID = MetricCatalog.MIGRATION_ID;

    private static final Logger LOG = LoggerFactory.getLogger("io.migmon.migration");
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:\\-]{0,127}");

    private final String migrationId;
    private final MigmonMeters meters;
    private final Clock clock;
    private final long expectedRows;
    private final Duration throughputTick;
    private final Duration throughputWindow;
    private final List<MigrationListener> listeners;
    private final AtomicReference<MigrationRun> current = new AtomicReference<>();
    private final LiveIds.Claim claim;
    private static final int MAX_CACHED_ROW_COUNTERS = 1024;
    private final java.util.Map<String, RowCounter> rowCounters = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<io.micrometer.core.instrument.Meter.Id, RowCounter> rowCountersById =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final List<RowCounter> allRowCounters = new java.util.concurrent.CopyOnWriteArrayList<>();
    /**
     * A racy cache of recently used row counters, two ways per set of the table name's (spread) hash: a host that
     * alternates between a few tables (a constant String each, typically) skips the map look-up. Entries are immutable
     * references with final fields, so a stale or lost entry only costs the look-up.
     */
    private final RowCounter[] recentRowCounters = new RowCounter[RECENT_SLOTS];
    private static final int RECENT_SLOTS = 32; // a power of two: 16 sets of two

    private ObservableMigration(Builder b) {
        this.migrationId = b.migrationId;
        this.claim = LiveIds.claim(b.registry, b.metricsOptions.prefix(), b.migrationId, this);
        this.meters = MigmonMeters.create(b.registry, b.metricsOptions);
        this.clock = b.clock;
        this.expectedRows = b.expectedRows;
        this.throughputTick = b.throughputTick;
        this.throughputWindow = b.throughputWindow;
        this.listeners = List.copyOf(b.listeners);
        registerGauges();
    }

    /** A builder for the migration with this id (letters, digits, {@code _ . : -}; at most 128 characters). */
    public static Builder builder(String migrationId) {
        return new Builder(migrationId);
    }

    public String migrationId() {
        return migrationId;
    }

    /** The meters this migration registered (for binders and tests). */
    public MigmonMeters meters() {
        return meters;
    }

    Clock clock() {
        return clock;
    }

    List<MigrationListener> listeners() {
        return listeners;
    }

    /**
     * The active or last run; empty before the first {@link #start()} / {@link #run} (never null, never throws).
     * Status before the first run is {@link MigrationStatus#PENDING} ({@link #status()}).
     */
    public Optional<MigrationRun> currentRun() {
        return Optional.ofNullable(current.get());
    }

    /** Status of the active or last run; {@code PENDING} before the first. */
    public MigrationStatus status() {
        MigrationRun r = current.get();
        return r == null ? MigrationStatus.PENDING : r.status();
    }

    /**
     * Forgets the last finished run, so that {@link #status()} is {@code PENDING} again: for adapters whose framework
     * removed a failed attempt from its own history (e.g. Flyway's {@code repair}), so that the migration is pending
     * there too. Meters keep their counts; a running run is not touched.
     *
     * @return whether the status is now {@code PENDING}
     */
    public boolean resetToPending() {
        MigrationRun r = current.get();
        if (r == null) {
            return true;
        }
        if (r.status() == MigrationStatus.RUNNING) {
            return false;
        }
        return current.compareAndSet(r, null);
    }

    /**
     * Starts a run for manual control. The caller must end it with {@link MigrationRun#succeed()},
     * {@link MigrationRun#fail(Throwable)}, {@link MigrationRun#abort(String)} or {@link MigrationRun#close()}.
     *
     * @throws IllegalStateException if a run of this migration is still active
     */
    public MigrationRun start() {
        ProgressTracker tracker = new ProgressTracker(clock, throughputTick, throughputWindow, this::rowsTotal);
        if (expectedRows >= 0) {
            tracker.expectTotal(expectedRows);
        }
        MigrationRun run = new MigrationRun(this, tracker);
        MigrationRun previous = current.get();
        if (previous != null && previous.status() == MigrationStatus.RUNNING) {
            throw new IllegalStateException("migration '" + migrationId + "' already has a running run");
        }
        if (!current.compareAndSet(previous, run)) {
            throw new IllegalStateException("migration '" + migrationId + "' already has a running run");
        }
        withMdc(() -> {
            var event = LOG.atInfo().addKeyValue(MDC_MIGRATION_ID, migrationId);
            if (expectedRows >= 0) {
                event = event.addKeyValue("expected_rows", expectedRows);
            }
            event.log("migration {} started", migrationId);
        });
        for (MigrationListener l : listeners) {
            try {
                l.onStart(run);
            } catch (RuntimeException e) {
                meters.recordFailure("listener", e);
            }
        }
        return run;
    }

    /**
     * Runs {@code body} on the calling thread and records its outcome: {@code success} when it returns,
     * {@code aborted} for {@link MigrationAbortedException}, {@link InterruptedException} or
     * {@link CancellationException}, {@code failed} otherwise. The body's exception is rethrown unchanged.
     *
     * <p>The body's checked exception type is inferred, so a body that throws none needs no {@code catch}:
     * <pre>{@code
     * long n = migration.run(ctx -> copyAll(ctx));          // copyAll throws nothing checked: no try/catch
     * migration.run(ctx -> { jdbc.copy(ctx); return null; }); // throws SQLException: callers handle SQLException
     * }</pre>
     *
     * @param <T> the body's result
     * @param <E> the checked exception the body may throw ({@code RuntimeException} when it throws none)
     * @throws E whatever the body throws, unchanged
     */
    public <T, E extends Exception> T run(MigrationBody<T, E> body) throws E {
        Objects.requireNonNull(body, "body must not be null");
        MigrationRun run = start();
        String previousMdc = MDC.get(MDC_MIGRATION_ID);
        MDC.put(MDC_MIGRATION_ID, migrationId);
        try {
            T result = body.execute(run);
            run.succeed();
            return result;
        } catch (Throwable t) {
            end(run, t);
            throw t;
        } finally {
            restoreMdc(previousMdc);
        }
    }

    /**
     * Runs an asynchronous body and records its outcome when the returned stage completes. The body is invoked on
     * the calling thread; its stage may complete on any thread. Cancellation of the stage counts as
     * {@code aborted}. A Reactive Streams pipeline can use {@link #start()} directly, or convert with e.g.
     * {@code Mono.toFuture()}.
     */
    public <T> CompletionStage<T> runAsync(Function<MigrationContext, ? extends CompletionStage<T>> body) {
        Objects.requireNonNull(body, "body must not be null");
        MigrationRun run = start();
        CompletionStage<T> stage;
        try {
            stage = Objects.requireNonNull(body.apply(run), "body returned a null stage");
        } catch (Throwable t) {
            end(run, t);
            return CompletableFuture.failedFuture(t);
        }
        return stage.whenComplete((value, error) -> {
            if (error == null) {
                run.succeed();
            } else {
                end(run, error instanceof CompletionException && error.getCause() != null ? error.getCause() : error);
            }
        });
    }

    /**
     * Reactive Streams entry point: returns a publisher that, for each subscription, starts a run, subscribes to
     * the publisher {@code body} builds for it, passes every signal through unchanged, and records the outcome on
     * the terminal signal ({@code onComplete} → success, {@code onError} → failed, {@code cancel} → aborted).
     * Works with any Reactive Streams library (Reactor, RxJava, the MongoDB reactive driver). Needs
     * {@code org.reactivestreams:reactive-streams} on the class path (an optional dependency of migmon-core).
     *
     * <pre>{@code
     * Flux.from(migration.observe(ctx -> collection.insertMany(docs)))...
     * }</pre>
     */
    public <T> org.reactivestreams.Publisher<T> observe(
            Function<MigrationContext, ? extends org.reactivestreams.Publisher<T>> body) {
        Objects.requireNonNull(body, "body must not be null");
        return new io.migmon.core.internal.ObservedPublisher<MigrationRun, T>(this::start, body::apply,
                new io.migmon.core.internal.ObservedPublisher.Outcome<>() {
                    @Override
                    public void success(MigrationRun run) {
                        run.succeed();
                    }

                    @Override
                    public void failure(MigrationRun run, Throwable error) {
                        end(run, error);
                    }

                    @Override
                    public void cancelled(MigrationRun run, Throwable reason) {
                        run.finish(MigrationStatus.ABORTED, reason);
                    }
                });
    }

    /**
     * Removes every meter this migration registered (the host's other meters stay) and releases the id on the
     * registry, so that a new instance with this id can be built. Idempotent.
     */
    @Override
    public void close() {
        meters.close();
        claim.release();
    }

    @Override
    public String toString() {
        return "ObservableMigration{" + migrationId + ", status=" + status() + "}";
    }

    // ---- internals used by MigrationRun -------------------------------------------------------------------

    /** The table's row counter: a cached look-up, created (and registered) on first use. */
    RowCounter rowCounter(String table) {
        int slot = 0;
        if (table != null) {
            int h = table.hashCode();
            slot = (h ^ (h >>> 16)) & (RECENT_SLOTS - 1);
            RowCounter recent = recentRowCounters[slot];
            if (recent != null && recent.table() == table) {
                return recent; // the same String instance as an earlier call (a constant, typically): no map look-up
            }
            recent = recentRowCounters[slot ^ 1];
            if (recent != null && recent.table() == table) {
                return recent;
            }
        }
        String key = table == null ? "" : table;
        RowCounter c = rowCounters.get(key);
        if (c == null) {
            c = createRowCounter(key);
        }
        if (c.table() == table) { // not for a table over the cardinality cap (it shares another's counter)
            if (recentRowCounters[slot] != null && recentRowCounters[slot ^ 1] == null) {
                slot ^= 1;
            }
            recentRowCounters[slot] = c;
        }
        return c;
    }

    private synchronized RowCounter createRowCounter(String key) {
        RowCounter c = rowCounters.get(key);
        if (c != null) {
            return c;
        }
        RowCounter fresh = new RowCounter(key);
        RowCounter counting = fresh;
        try {
            // tables over the tag cardinality cap share one series: its first counter counts for all of them
            io.micrometer.core.instrument.FunctionCounter fc = meters.functionCounter(MetricCatalog.MIGRATION_ROWS,
                    fresh, RowCounter::countAsDouble, MetricCatalog.MIGRATION_ID, migrationId, MetricCatalog.TABLE_NAME, key);
            RowCounter existing = rowCountersById.putIfAbsent(fc.getId(), fresh);
            counting = existing != null ? existing : fresh;
        } catch (RuntimeException e) {
            meters.recordFailure("migration.rows", e); // still counted for progress, not exported
        }
        if (counting == fresh) {
            allRowCounters.add(fresh);
        }
        if (rowCounters.size() < MAX_CACHED_ROW_COUNTERS) {
            rowCounters.put(key, counting);
        }
        return counting;
    }

    /**
     * Rows of every table since the migration was built, except those recorded on ended runs (progress subtracts the
     * value at run start and freezes at run end).
     */
    long rowsTotal() {
        long sum = 0;
        for (RowCounter c : allRowCounters) {
            sum += c.progressCount();
        }
        return sum;
    }

    /**
     * Rows recorded through {@code run} after it ended (a worker that outlived its run): counted in
     * {@code migration_rows_total} (they were written), in no run's progress (the run's count is frozen, and the next
     * run's progress must not gain them); logged once per run at WARN.
     */
    void lateRows(MigrationRun run, String table, long rows) {
        rowCounter(table).addLate(rows);
        if (run.firstLateRows()) {
            withMdc(() -> LOG.atWarn().addKeyValue(MDC_MIGRATION_ID, migrationId)
                    .addKeyValue("status", run.status().tagValue())
                    .log("migration {}: rows recorded on a run that already ended ({}), e.g. {} rows of table '{}': "
                            + "counted in migration_rows_total, not in any run's progress (further ones not logged)",
                            migrationId, run.status().tagValue(), rows, table));
        }
    }

    Counter errorsCounter(String type) {
        return meters.counter(MetricCatalog.MIGRATION_ERRORS,
                MetricCatalog.MIGRATION_ID, migrationId, MetricCatalog.ERROR_TYPE, type);
    }

    void finished(MigrationRun run, MigrationStatus status, Duration duration, Throwable cause) {
        try {
            meters.timer(MetricCatalog.MIGRATION_DURATION,
                    MetricCatalog.MIGRATION_ID, migrationId, MetricCatalog.STATUS, status.tagValue()).record(duration);
        } catch (RuntimeException e) {
            meters.recordFailure("migration.duration", e);
        }
        ProgressSnapshot last = run.progress();
        withMdc(() -> {
            var event = status == MigrationStatus.SUCCESS ? LOG.atInfo() : LOG.atWarn();
            event = event.addKeyValue(MDC_MIGRATION_ID, migrationId)
                    .addKeyValue("status", status.tagValue())
                    .addKeyValue("duration_ms", duration.toMillis())
                    .addKeyValue("rows", last.rowsDone());
            if (cause != null) {
                event = event.addKeyValue("error_type", MigrationRun.errorType(cause)).setCause(cause);
            }
            event.log("migration {} finished: {} in {} ms, {} rows", migrationId, status.tagValue(),
                    duration.toMillis(), last.rowsDone());
        });
        for (MigrationListener l : listeners) {
            try {
                l.onSample(run, last);
                l.onFinish(run, status, duration, cause);
            } catch (RuntimeException e) {
                meters.recordFailure("listener", e);
            }
        }
    }

    private static void end(MigrationRun run, Throwable t) {
        if (io.migmon.core.support.RunScope.isAbort(t)) {
            run.finish(MigrationStatus.ABORTED, t);
        } else {
            run.fail(t);
        }
    }

    private void registerGauges() {
        String id = migrationId;
        meters.gauge(MetricCatalog.MIGRATION_DATA_LAG, this,
                m -> m.currentRun().map(MigrationRun::dataLagSeconds).orElse(Double.NaN), MetricCatalog.MIGRATION_ID, id);
        meters.gauge(MetricCatalog.MIGRATION_PROGRESS, this,
                m -> m.currentRun().map(r -> r.progress().ratio()).orElse(Double.NaN), MetricCatalog.MIGRATION_ID, id);
        meters.gauge(MetricCatalog.MIGRATION_ETA, this,
                m -> m.currentRun().map(r -> r.progress().etaSeconds()).orElse(Double.NaN), MetricCatalog.MIGRATION_ID, id);
        meters.gauge(MetricCatalog.MIGRATION_ROWS_EXPECTED, this,
                m -> m.currentRun().map(r -> r.progress().expectedRows())
                        .map(e -> e.isPresent() ? (double) e.getAsLong() : Double.NaN)
                        .orElse(m.expectedRows >= 0 ? (double) m.expectedRows : Double.NaN), MetricCatalog.MIGRATION_ID, id);
        meters.gauge(MetricCatalog.MIGRATION_THROUGHPUT, this,
                m -> m.currentRun().map(r -> r.progress().throughput()).orElse(0.0), MetricCatalog.MIGRATION_ID, id);
        meters.gauge(MetricCatalog.MIGRATION_LAST_PROGRESS, this,
                m -> m.currentRun().map(r -> r.progress().lastProgressAt().toEpochMilli() / 1000.0).orElse(Double.NaN),
                MetricCatalog.MIGRATION_ID, id);
        for (MigrationStatus s : MigrationStatus.values()) {
            meters.gauge(MetricCatalog.MIGRATION_STATUS, this, m -> m.status() == s ? 1.0 : 0.0,
                    MetricCatalog.MIGRATION_ID, id, MetricCatalog.STATUS, s.tagValue());
        }
        for (MigrationStatus s : new MigrationStatus[] {MigrationStatus.SUCCESS, MigrationStatus.FAILED, MigrationStatus.ABORTED}) {
            meters.timer(MetricCatalog.MIGRATION_DURATION, MetricCatalog.MIGRATION_ID, id, MetricCatalog.STATUS, s.tagValue());
        }
    }

    private void withMdc(Runnable r) {
        String previous = MDC.get(MDC_MIGRATION_ID);
        MDC.put(MDC_MIGRATION_ID, migrationId);
        try {
            r.run();
        } catch (RuntimeException e) {
            meters.recordFailure("logging", e);
        } finally {
            restoreMdc(previous);
        }
    }

    private static void restoreMdc(String previous) {
        if (previous == null) {
            MDC.remove(MDC_MIGRATION_ID);
        } else {
            MDC.put(MDC_MIGRATION_ID, previous);
        }
    }

    /**
     * A synchronous migration body.
     *
     * @param <T> its result
     * @param <E> the checked exception it may throw; {@code RuntimeException} (inferred for lambdas) for none
     */
    @FunctionalInterface
    public interface MigrationBody<T, E extends Exception> {
        T execute(MigrationContext context) throws E;
    }

    /** Builder for {@link ObservableMigration}; validates eagerly, not thread-safe. */
    public static final class Builder {
        private final String migrationId;
        private MeterRegistry registry;
        private MetricsOptions metricsOptions = MetricsOptions.defaults();
        private Clock clock = Clock.systemUTC();
        private long expectedRows = -1;
        private Duration throughputTick = Duration.ofSeconds(1);
        private Duration throughputWindow = Duration.ofSeconds(30);
        private final List<MigrationListener> listeners = new ArrayList<>();

        private Builder(String migrationId) {
            Require.notBlank(migrationId, "migrationId");
            if (!ID.matcher(migrationId).matches()) {
                throw new IllegalArgumentException("migrationId must be 1-128 characters of letters, digits and "
                        + "_ . : - starting with a letter or digit, was '" + migrationId + "'");
            }
            this.migrationId = migrationId;
        }

        /**
         * Registry, metric options and clock in one value (required unless {@link #meterRegistry} is called).
         * Replaces all three; the single setters below can still change one part afterwards.
         */
        public Builder instrumentation(Instrumentation instrumentation) {
            Require.notNull(instrumentation, "instrumentation");
            this.registry = instrumentation.registry();
            this.metricsOptions = instrumentation.options();
            this.clock = instrumentation.clock();
            return this;
        }

        /** The host's registry (required; shortcut for part of {@link #instrumentation}). migmon never uses a global registry. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Require.notNull(registry, "meterRegistry");
            return this;
        }

        /** Prefix and tag cap (default {@link MetricsOptions#defaults()}; shortcut for part of {@link #instrumentation}). */
        public Builder metricsOptions(MetricsOptions options) {
            this.metricsOptions = Require.notNull(options, "metricsOptions");
            return this;
        }

        /** Time source for durations, throughput and ETA (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Require.notNull(clock, "clock");
            return this;
        }

        /** Total rows expected per run; enables progress ratio and ETA. Can also be set later per run. */
        public Builder expectedRows(long rows) {
            this.expectedRows = Require.nonNegative(rows, "expectedRows");
            return this;
        }

        /**
         * Throughput smoothing: the EWMA samples every {@code tick} with time constant {@code window}
         * (defaults 1 s and 30 s). See {@link ProgressTracker}.
         */
        public Builder throughputSmoothing(Duration tick, Duration window) {
            Require.atLeast(tick, Duration.ofMillis(1), "throughputSmoothing tick");
            Require.atLeast(window, tick, "throughputSmoothing window");
            this.throughputTick = tick;
            this.throughputWindow = window;
            return this;
        }

        /** Adds a listener (detectors, alerting). */
        public Builder listener(MigrationListener listener) {
            listeners.add(Require.notNull(listener, "listener"));
            return this;
        }

        /**
         * Builds the migration and registers its gauges in the registry.
         *
         * @throws IllegalStateException if neither {@code meterRegistry} nor {@code instrumentation} was set, or if
         *                               another live {@code ObservableMigration} with this id and metric prefix is
         *                               registered on that registry (close it first)
         */
        public ObservableMigration build() {
            Require.configured(registry, "meterRegistry",
                    "call meterRegistry(..) or instrumentation(..); migmon records into the host's registry");
            return new ObservableMigration(this);
        }
    }
}
