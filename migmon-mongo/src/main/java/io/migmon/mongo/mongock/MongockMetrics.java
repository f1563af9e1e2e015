package io.migmon.mongo.mongock;

import com.mongodb.client.model.Filters;
import com.mongodb.reactivestreams.client.MongoClient;
import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.metrics.Instrumentation;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.core.support.ErrorTypes;
import io.migmon.core.support.Require;
import io.migmon.core.support.RunScope;
import io.migmon.mongo.internal.Reactive;
import io.mongock.runner.core.event.MigrationFailureEvent;
import io.mongock.runner.core.event.MigrationStartedEvent;
import io.mongock.runner.core.event.MigrationSuccessEvent;
import io.mongock.runner.standalone.base.migration.RunnerStandaloneBuilderBase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records migmon's metrics for Mongock users, through Mongock's run listeners.
 *
 * <pre>{@code
 * MongockMetrics metrics = MongockMetrics.builder()
 *         .meterRegistry(registry)
 *         .client(mongoClient).database("shop")   // to read per-ChangeUnit results from Mongock's changelog
 *         .build();
 * metrics.attachTo(MongockStandalone.builder()
 *                 .setDriver(MongoReactiveDriver.withDefaultLock(mongoClient, "shop"))
 *                 .addMigrationScanPackage("com.example.changes"))
 *         .buildRunner()
 *         .execute();
 * }</pre>
 *
 * <p>The whole Mongock run is one core {@link ObservableMigration} ({@code migration_id}, default {@code mongock}):
 * {@code migration_duration_seconds{status}}, {@code migration_status}, {@code migration_errors_total}, progress.
 * When the run ends (success or failure), the ChangeUnits Mongock executed during it are read from Mongock's changelog
 * collection (entries with a timestamp at or after the run's start) and each is recorded as
 * {@code mongodb_migration_duration_seconds{version=<changeId>, status}} with Mongock's {@code executionMillis}
 * ({@code EXECUTED} → success; {@code FAILED}, or any state with an error trace such as a rolled-back failing unit
 * → failed; other states lowercased), and each failed one in
 * {@code mongodb_migration_errors_total{version, error_type}} with the simple name of the innermost cause of the
 * failure event's exception (Mongock wraps it). ChangeUnits report documents through
 * {@link MongockProgress} ({@code mongodb_migration_documents_total}; with {@link Builder#transactional(boolean)}
 * only those of committed units, at the end of the run).
 *
 * <p>The listeners run on Mongock's thread; reading the changelog waits for the driver there (bounded by the
 * operation timeout). Nothing here throws into Mongock: failures are counted in
 * {@code migmon_observability_failures_total{component="mongock"}} and logged once. {@link #close()} removes the meters.
 */
public final class MongockMetrics implements MongockProgress, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("io.migmon.mongo.mongock");

    private final MigmonMeters meters;
    private final boolean transactional;
    private final Map<String, Map<String, LongAdder>> uncommitted = new ConcurrentHashMap<>();
    private final ObservableMigration migration;
    private final MongoClient client;
    private final String database;
    private final String changelogCollection;
    private final Clock clock;
    private final Duration operationTimeout;
    private final AtomicReference<MigrationRun> current = new AtomicReference<>();
    private volatile Instant startedAt;

    private MongockMetrics(Builder b) {
        this.meters = MigmonMeters.create(b.registry, b.metricsOptions);
        this.migration = ObservableMigration.builder(b.migrationId).meterRegistry(b.registry)
                .metricsOptions(b.metricsOptions).clock(b.clock).build();
        this.client = b.client;
        this.database = b.database;
        this.changelogCollection = b.changelogCollection;
        this.clock = b.clock;
        this.operationTimeout = b.operationTimeout;
        this.transactional = b.transactional;
    }

    /** A builder for the Mongock run of migration id {@code migrationId} (see {@link Builder#migrationId}). */
    public static Builder builder(String migrationId) {
        return new Builder().migrationId(migrationId);
    }

    /** A new builder with the default migration id {@code mongock}. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Sets the three listeners on a Mongock standalone builder and registers this object as the
     * {@link MongockProgress} dependency. Replaces listeners set before; set your own after, through
     * {@link #onStarted}, {@link #onSuccess} and {@link #onFailure}, if you need both.
     */
    public <B extends RunnerStandaloneBuilderBase<B, ?>> B attachTo(B builder) {
        return builder.setMigrationStartedListener(this::onStarted)
                .setMigrationSuccessListener(this::onSuccess)
                .setMigrationFailureListener(this::onFailure)
                .addDependency(MongockProgress.class, this);
    }

    /** Mongock's started listener. */
    public void onStarted(MigrationStartedEvent event) {
        try {
            startedAt = clock.instant();
            MigrationRun previous = current.getAndSet(migration.start());
            if (previous != null) {
                previous.close();
            }
        } catch (RuntimeException e) {
            meters.recordFailure("mongock", e);
        }
    }

    /** Mongock's success listener. */
    public void onSuccess(MigrationSuccessEvent event) {
        recordChangeUnits(null);
        MigrationRun run = current.getAndSet(null);
        if (run != null) {
            run.succeed();
        }
    }

    /** Mongock's failure listener. */
    public void onFailure(MigrationFailureEvent event) {
        Exception e = event == null ? null : event.getException();
        Throwable root = e == null ? new IllegalStateException("Mongock migration failed") : rootCause(e);
        String type = ErrorTypes.simpleName(root);
        recordChangeUnits(type);
        RunScope.of(current.getAndSet(null)).end(root, type);
    }

    /**
     * The innermost cause: Mongock wraps a ChangeUnit's exception in {@code MongockException} and
     * {@code InvocationTargetException}, and stores only the wrapper's trace in its changelog.
     */
    static Throwable rootCause(Throwable t) {
        Throwable c = t;
        for (int i = 0; i < 20 && c.getCause() != null && c.getCause() != c; i++) {
            c = c.getCause();
        }
        return c;
    }

    @Override
    public void documents(String changeId, String collection, long count) {
        if (count <= 0) {
            return;
        }
        String c = collection == null || collection.isEmpty() ? "unknown" : collection;
        try {
            if (transactional) {
                // counted once Mongock's changelog shows the unit EXECUTED (committed); see flushDocuments
                uncommitted.computeIfAbsent(String.valueOf(changeId), k -> new ConcurrentHashMap<>())
                        .computeIfAbsent(c, k -> new LongAdder()).add(count);
            } else {
                countDocuments(String.valueOf(changeId), c, count);
            }
        } catch (RuntimeException e) {
            meters.recordFailure("mongock", e);
        }
        MigrationRun run = current.get();
        if (run != null) {
            run.recordRows(c, count);
        }
    }

    /** The core migration recording the whole Mongock run. */
    public ObservableMigration migration() {
        return migration;
    }

    @Override
    public void close() {
        migration.close();
        meters.close();
    }

    private void recordChangeUnits(String failureType) {
        Set<String> committed = new HashSet<>();
        try {
            if (client == null || startedAt == null) {
                return;
            }
            List<Document> entries = Reactive.all(client.getDatabase(database).getCollection(changelogCollection)
                    .find(Filters.gte("timestamp", Date.from(startedAt.minusMillis(1000)))), operationTimeout);
            for (Document e : entries) {
                try {
                    if ("EXECUTED".equals(String.valueOf(e.get("state")))) {
                        committed.add(String.valueOf(e.get("changeId")));
                    }
                    record(e, failureType);
                } catch (RuntimeException ex) {
                    meters.recordFailure("mongock", ex);
                }
            }
        } catch (RuntimeException e) {
            meters.recordFailure("mongock", e);
        } finally {
            flushDocuments(committed, failureType == null);
        }
    }

    /**
     * Transactional runs: counts the buffered documents of the units that committed (EXECUTED in Mongock's changelog;
     * without a client, all of them when the run succeeded) and drops the others (rolled back with their transaction).
     */
    private void flushDocuments(Set<String> committed, boolean runSucceeded) {
        uncommitted.forEach((changeId, byCollection) -> {
            boolean keep = client == null ? runSucceeded : committed.contains(changeId);
            byCollection.forEach((collection, n) -> {
                long count = n.sumThenReset();
                if (keep && count > 0) {
                    countDocuments(changeId, collection, count);
                }
            });
        });
        uncommitted.clear();
    }

    private void countDocuments(String changeId, String collection, long count) {
        try {
            meters.counter(MetricCatalog.MONGODB_MIGRATION_DOCUMENTS, MetricCatalog.VERSION, changeId,
                    MetricCatalog.COLLECTION, collection).increment(count);
        } catch (RuntimeException e) {
            meters.recordFailure("mongock", e);
        }
    }

    private void record(Document e, String failureType) {
        if (Boolean.TRUE.equals(e.getBoolean("systemChange"))) {
            return;
        }
        String changeId = String.valueOf(e.get("changeId"));
        String state = String.valueOf(e.get("state"));
        Object trace = e.get("errorTrace");
        boolean hasError = trace instanceof String t ? !t.isBlank() : trace instanceof Document d && !d.isEmpty();
        // Mongock rewrites a failed unit's entry as ROLLED_BACK after its @RollbackExecution; the error trace stays
        String status = "EXECUTED".equals(state) ? "success"
                : "FAILED".equals(state) || hasError ? "failed" : state.toLowerCase(Locale.ROOT);
        Number n = e.get("executionMillis", Number.class);
        long millis = n == null ? 0 : Math.max(0, n.longValue());
        meters.timer(MetricCatalog.MONGODB_MIGRATION_DURATION, MetricCatalog.VERSION, changeId,
                MetricCatalog.STATUS, status).record(Duration.ofMillis(millis));
        if ("failed".equals(status)) {
            meters.counter(MetricCatalog.MONGODB_MIGRATION_ERRORS, MetricCatalog.VERSION, changeId,
                    MetricCatalog.ERROR_TYPE, failureType != null ? failureType : errorType(trace)).increment();
        }
        LOG.atInfo().addKeyValue(io.migmon.mongo.MongoMigrationRunner.MDC_VERSION, changeId).addKeyValue("status", status)
                .addKeyValue("duration_ms", millis).log("Mongock ChangeUnit {} {} in {} ms", changeId, status, millis);
    }

    /** The exception's simple class name from Mongock's error trace ({@code "java.lang.IllegalStateException: ..."}). */
    static String errorType(Object errorTrace) {
        if (errorTrace instanceof Document d && !d.isEmpty()) {
            errorTrace = d.values().iterator().next();
        }
        if (!(errorTrace instanceof String s) || s.isBlank()) {
            return "unknown";
        }
        String head = s.strip();
        int colon = head.indexOf(':');
        int space = head.indexOf(' ');
        int end = colon < 0 ? (space < 0 ? head.length() : space) : (space < 0 ? colon : Math.min(colon, space));
        String cls = head.substring(0, end);
        int dot = cls.lastIndexOf('.');
        String simple = dot < 0 ? cls : cls.substring(dot + 1);
        return simple.matches("[A-Za-z_$][A-Za-z0-9_$]*") ? simple : "unknown";
    }

    /** Builder for {@link MongockMetrics}; validates eagerly, not thread-safe. */
    public static final class Builder {
        private MeterRegistry registry;
        private MetricsOptions metricsOptions = MetricsOptions.defaults();
        private String migrationId = "mongock";
        private MongoClient client;
        private String database;
        private String changelogCollection = "mongockChangeLog";
        private boolean transactional;
        private Clock clock = Clock.systemUTC();
        private Duration operationTimeout = Duration.ofSeconds(30);

        private Builder() {
        }

        /**
         * Registry, metric options and clock in one value (required unless {@link #meterRegistry} is called).
         * Replaces all three; the single setters can still change one part afterwards.
         */
        public Builder instrumentation(Instrumentation instrumentation) {
            Require.notNull(instrumentation, "instrumentation");
            this.registry = instrumentation.registry();
            this.metricsOptions = instrumentation.options();
            this.clock = instrumentation.clock();
            return this;
        }

        /** The host's registry (required). */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Require.notNull(registry, "meterRegistry");
            return this;
        }

        /** Prefix and tag cap of the meters (default {@link MetricsOptions#defaults()}). */
        public Builder metricsOptions(MetricsOptions options) {
            this.metricsOptions = Require.notNull(options, "metricsOptions");
            return this;
        }

        /** The core {@code migration_id} of the Mongock run (default {@code mongock}). */
        public Builder migrationId(String id) {
            this.migrationId = Require.notNull(id, "migrationId");
            return this;
        }

        /**
         * The client Mongock uses, to read per-ChangeUnit results from its changelog. Optional: without it only the
         * run-level meters and {@link MongockProgress} documents are recorded.
         */
        public Builder client(MongoClient client) {
            this.client = Require.notNull(client, "client");
            return this;
        }

        /** The database Mongock migrates (required with {@link #client}). */
        public Builder database(String database) {
            if (database == null || database.isBlank()) {
                throw new IllegalArgumentException("database must not be blank");
            }
            this.database = database;
            return this;
        }

        /**
         * Mongock's changelog collection (default {@code mongockChangeLog}, Mongock's default). Spelled like
         * {@code MongoMigrationRunner.Builder#changelogCollection}.
         */
        public Builder changelogCollection(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("changelogCollection must not be blank");
            }
            this.changelogCollection = name;
            return this;
        }

        /**
         * Set it like Mongock's {@code setTransactional(..)} (default {@code false}). When {@code true}, documents
         * reported through {@link MongockProgress} count in {@code mongodb_migration_documents_total} only once the
         * run ended and Mongock's changelog shows their ChangeUnit {@code EXECUTED} (committed); a unit rolled back
         * with its transaction adds nothing. Without {@link #client}, all of them on success, none on failure.
         */
        public Builder transactional(boolean transactional) {
            this.transactional = transactional;
            return this;
        }

        /** Time source of the run-level migration (default system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Require.notNull(clock, "clock");
            return this;
        }

        /** Longest wait for reading the changelog in a listener (default 30 s). */
        public Builder operationTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 1) {
                throw new IllegalArgumentException("operationTimeout must be at least 1 ms, was " + timeout);
            }
            this.operationTimeout = timeout;
            return this;
        }

        /**
         * Builds the adapter and registers the run-level gauges.
         *
         * @throws IllegalStateException naming the field when meterRegistry is missing, or client is set without database
         */
        public MongockMetrics build() {
            Require.configured(registry, "meterRegistry",
                    "call meterRegistry(..) or instrumentation(..); migmon records into the host's registry");
            if (client != null && database == null) {
                throw new IllegalStateException("database must be set when client is set");
            }
            return new MongockMetrics(this);
        }
    }
}
