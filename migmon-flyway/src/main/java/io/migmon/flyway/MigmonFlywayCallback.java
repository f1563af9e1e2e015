package io.migmon.flyway;

import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.MigrationStatus;
import io.migmon.core.ObservableMigration;
import io.migmon.core.metrics.Instrumentation;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.spi.MigrationListener;
import io.migmon.core.support.ErrorTypes;
import io.migmon.core.support.MdcScope;
import io.migmon.core.support.MigrationRegistry;
import io.migmon.core.support.Require;
import io.migmon.core.support.RunScope;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.callback.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Flyway {@link Callback} that records every {@code migrate} through migmon's {@link ObservableMigration}:
 *
 * <pre>{@code
 * MigmonFlywayCallback migmon = MigmonFlywayCallback.builder()
 *         .meterRegistry(registry)
 *         .migrationId("orders-db")
 *         .build();
 * Flyway.configure().dataSource(dataSource).callbacks(migmon).load().migrate();
 * }</pre>
 *
 * <p>What it records, all with catalog meters:
 * <ul>
 *   <li><b>One run per {@code migrate}</b> ({@code BEFORE_MIGRATE} → {@code AFTER_MIGRATE} /
 *   {@code AFTER_MIGRATE_ERROR}) under the migration id, e.g. {@code migration_duration_seconds{migration_id=
 *   "orders-db",status="success"}} and {@code migration_status{migration_id="orders-db",status=...}}.</li>
 *   <li><b>One run per applied version</b> ({@code BEFORE_EACH_MIGRATE} → {@code AFTER_EACH_MIGRATE} /
 *   {@code AFTER_EACH_MIGRATE_ERROR}) under {@code <migration id>:<version>}, e.g.
 *   {@code migration_id="orders-db:2.1"}; repeatable migrations use {@code <migration id>:R:<description>}.
 *   At most {@link Builder#maxTrackedVersions(int)} versions keep their meters (least recently used go first).</li>
 *   <li>{@code migration_errors_total{error_type}}: {@code sqlstate_<SQLSTATE>} when Flyway reported the failing
 *   statement's SQL state (e.g. {@code sqlstate_42P01}, undefined table), else {@code FlywayMigrateException}.
 *   Counted on the version and on the run.</li>
 * </ul>
 *
 * <p>Logging: while a migrate runs the SLF4J MDC carries {@code migration_id}, and while a version runs also
 * {@code version}, so Flyway's own log lines are correlated; previous MDC values are restored afterwards. Core logs
 * start and finish of every run (logger {@code io.migmon.migration}); this callback adds a WARN with version,
 * script and error type when a version fails (logger {@code io.migmon.flyway}).
 *
 * <p>Threads: Flyway calls callbacks on the thread that called {@code migrate()}; the callback keeps the active run
 * per thread, so one instance may serve several {@code Flyway} instances on different threads (give them
 * different migration ids, see {@link Builder#migrationId(Function)}).
 *
 * <p>Observability never breaks Flyway: every failure inside this callback is contained, counted in
 * {@code migmon_observability_failures_total{component="flyway.callback"}} and logged once. Thread-safe.
 * {@link #close()} removes exactly the meters this callback registered.
 */
public final class MigmonFlywayCallback implements Callback, AutoCloseable {

    /** MDC key of the version being applied. */
    public static final String MDC_VERSION = MetricCatalog.VERSION;
    /** Migration id used when none is configured. */
    public static final String DEFAULT_MIGRATION_ID = "flyway";
    /** Default of {@link Builder#maxTrackedVersions(int)}. */
    public static final int DEFAULT_MAX_TRACKED_VERSIONS = 20;

    static final String COMPONENT = "flyway.callback";

    private static final Logger LOG = LoggerFactory.getLogger("io.migmon.flyway");
    private static final Set<Event> EVENTS = EnumSet.of(Event.BEFORE_MIGRATE, Event.AFTER_MIGRATE,
            Event.AFTER_MIGRATE_ERROR, Event.BEFORE_EACH_MIGRATE, Event.AFTER_EACH_MIGRATE,
            Event.AFTER_EACH_MIGRATE_ERROR, Event.AFTER_EACH_MIGRATE_STATEMENT_ERROR, Event.AFTER_VALIDATE_ERROR,
            Event.AFTER_VALIDATE, Event.AFTER_REPAIR);

    private final Function<Context, String> migrationId;
    private final boolean perVersion;
    private final MigrationRegistry migrations;
    private final ThreadLocal<ActiveMigrate> active = new ThreadLocal<>();
    /** Set while {@link #observe} runs on the thread: holds a failed migrate whose error type awaits the exception. */
    private final ThreadLocal<Observed> observed = new ThreadLocal<>();
    /** Migration ids repaired since their last successful validate. */
    private final Set<String> repaired = ConcurrentHashMap.newKeySet();

    private MigmonFlywayCallback(Builder b) {
        this.migrationId = b.migrationId;
        this.perVersion = b.perVersion;
        this.migrations = new MigrationRegistry(
                Instrumentation.of(b.registry).withOptions(b.metricsOptions).withClock(b.clock), b.listeners,
                b.maxTrackedVersions);
        if (b.fixedId != null) {
            // registered now so that migration_status{status="pending"} and health checks exist before the migrate
            migrations.run(b.fixedId);
        }
        warnIfUnsupported();
    }

    private static void warnIfUnsupported() {
        try {
            Optional<String> version = FlywayVersions.current();
            if (version.isEmpty() || !FlywayVersions.supported(version.get())) {
                LOG.warn("Flyway {} is outside the versions migmon-flyway supports ({}): events may be missing or "
                        + "misreported", version.orElse("(unknown version)"), FlywayVersions.SUPPORTED_RANGE);
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("could not read the Flyway version", e);
        }
    }

    /**
     * Runs the host's Flyway call (typically {@code flyway::migrate}) on the calling thread and returns its result;
     * Flyway's exception is rethrown unchanged. Recording does not need it, but when a migrate fails and Flyway's
     * callbacks carried no SQL state (Flyway 11.7 to 11.13 pass empty error lists) the {@code error_type} is read
     * from the exception's cause chain here ({@code sqlstate_42P01} rather than {@code FlywayMigrateException}).
     */
    public <T> T observe(FlywayAction<T> action) {
        Require.notNull(action, "action");
        Observed outer = observed.get();
        Observed o = new Observed();
        observed.set(o);
        try {
            T result = action.run();
            completeDeferred(o, null);
            return result;
        } catch (RuntimeException | Error t) {
            completeDeferred(o, t);
            throw t;
        } finally {
            if (outer == null) {
                observed.remove();
            } else {
                observed.set(outer);
            }
        }
    }

    /**
     * A builder for the callback of migration id {@code migrationId} (see {@link Builder#migrationId(String)});
     * {@link Builder#meterRegistry(MeterRegistry)} or {@link Builder#instrumentation} is required.
     */
    public static Builder builder(String migrationId) {
        return new Builder().migrationId(migrationId);
    }

    /** A builder with the default migration id {@value #DEFAULT_MIGRATION_ID} (or an id set later). */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean supports(Event event, Context context) {
        return EVENTS.contains(event);
    }

    /**
     * Always {@code true}: the callback does not touch the database.
     */
    @Override
    public boolean canHandleInTransaction(Event event, Context context) {
        return true;
    }

    @Override
    public void handle(Event event, Context context) {
        try {
            if (migrations.isClosed()) {
                discard(); // closed during a migrate: record nothing more, re-register no meter
                return;
            }
            switch (event) {
                case BEFORE_MIGRATE -> beforeMigrate(context);
                case BEFORE_EACH_MIGRATE -> beforeEach(context);
                case AFTER_EACH_MIGRATE_STATEMENT_ERROR -> statementError(context);
                case AFTER_EACH_MIGRATE -> afterEach(null);
                case AFTER_EACH_MIGRATE_ERROR -> afterEach(context);
                case AFTER_MIGRATE -> afterMigrate(false);
                case AFTER_MIGRATE_ERROR -> afterMigrate(true);
                case AFTER_VALIDATE_ERROR -> validateFailed(context);
                case AFTER_VALIDATE -> validated(context);
                case AFTER_REPAIR -> repaired.add(resolveId(context));
                default -> {
                    // not subscribed
                }
            }
        } catch (RuntimeException | LinkageError e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
        }
    }

    @Override
    public String getCallbackName() {
        return "migmon";
    }

    /**
     * The tracked migration with this id: run-level (e.g. {@code orders-db}; registered at build time when the id
     * is fixed, at the first migrate when it comes from a function) or per-version (e.g. {@code orders-db:2}, once
     * applied). For health checks ({@code MigrationHealthCheck.builder(migration)}) and tests.
     */
    public Optional<ObservableMigration> migration(String migrationId) {
        return migrations.find(migrationId);
    }

    /** Every migration this callback tracks now: run-level ones first, then per-version ones. */
    public List<ObservableMigration> migrations() {
        return migrations.all();
    }

    /**
     * Removes every meter this callback registered (the host's other meters stay). Later Flyway events are
     * ignored. Idempotent.
     */
    @Override
    public void close() {
        migrations.close();
    }

    @Override
    public String toString() {
        return "MigmonFlywayCallback{perVersion=" + perVersion + ", tracked=" + migrations.all().size() + "}";
    }

    // ---- events ----------------------------------------------------------------------------------------------

    private void beforeMigrate(Context context) {
        ActiveMigrate stale = active.get();
        if (stale != null) {
            // a previous migrate on this thread ended without AFTER_MIGRATE*: record it as aborted
            stale.abandonVersion();
            stale.run.close();
            stale.restoreMdc();
            active.remove();
        }
        String id = resolveId(context);
        Optional<ObservableMigration> migration = migrations.run(id);
        if (migration.isEmpty()) {
            return;
        }
        ActiveMigrate a = new ActiveMigrate(id, migration.get().start(),
                MdcScope.put(ObservableMigration.MDC_MIGRATION_ID, id));
        active.set(a);
    }

    private void discard() {
        ActiveMigrate a = active.get();
        if (a != null) {
            active.remove();
            a.versionRun = null;
            a.finishVersion(null); // restores the version MDC only
            a.restoreMdc();
        }
    }

    private void beforeEach(Context context) {
        ActiveMigrate a = active.get();
        if (a == null) {
            return;
        }
        a.abandonVersion(); // a previous version that got no AFTER_EACH_* event
        MigrationInfo info = context.getMigrationInfo();
        String version = versionLabel(info);
        a.version = version;
        a.script = info == null ? null : info.getScript();
        a.sqlState = null;
        a.versionMdc = MdcScope.put(MDC_VERSION, version);
        if (perVersion) {
            a.versionRun = migrations.version(a.id, version).map(ObservableMigration::start).orElse(null);
        }
    }

    private void statementError(Context context) {
        ActiveMigrate a = active.get();
        Statement statement = context.getStatement();
        if (a == null || statement == null || statement.getErrors() == null) {
            return;
        }
        for (org.flywaydb.core.api.callback.Error error : statement.getErrors()) {
            String state = error.getState();
            if (state != null && !state.isBlank()) {
                a.sqlState = state;
            }
        }
    }

    private void afterEach(Context failedContext) {
        ActiveMigrate a = active.get();
        if (a == null) {
            return;
        }
        if (failedContext != null) {
            if (a.sqlState == null && observed.get() != null) {
                // no SQL state from Flyway: observe() names the error from the exception chain
                a.deferVersion();
                return;
            }
            String type = a.sqlState != null ? ErrorTypes.sqlState(a.sqlState) : FAILURE_TYPE;
            a.failureType = type;
            LOG.atWarn().addKeyValue(ObservableMigration.MDC_MIGRATION_ID, a.id)
                    .addKeyValue(MDC_VERSION, a.version)
                    .addKeyValue("script", a.script)
                    .addKeyValue("error_type", type)
                    .log("flyway migration {} version {} ({}) failed: {}", a.id, a.version, a.script, type);
            a.finishVersion(type);
        } else {
            a.finishVersion(null);
        }
    }

    private void afterMigrate(boolean failed) {
        ActiveMigrate a = active.get();
        if (a == null) {
            return;
        }
        active.remove();
        try {
            Observed o = observed.get();
            if (failed && a.failureType == null && a.sqlState == null && o != null) {
                // no SQL state from Flyway: observe() ends the runs with the type from the exception chain
                a.deferVersion();
                o.deferred = a;
            } else if (failed) {
                // a version that got no AFTER_EACH_* event failed with the migrate
                String type = a.failureType != null ? a.failureType
                        : a.sqlState != null ? ErrorTypes.sqlState(a.sqlState) : FAILURE_TYPE;
                a.finishVersion(a.versionRun != null ? type : null);
                RunScope.of(a.run).fail(type);
            } else {
                a.abandonVersion();
                a.run.succeed();
            }
        } finally {
            a.restoreMdc();
        }
    }

    /**
     * Flyway validates before {@code BEFORE_MIGRATE}, so a migrate refused by validation (changed checksum,
     * missing migration) would otherwise leave no trace: record it as a failed run of no duration.
     */
    private void validateFailed(Context context) {
        if (active.get() != null) {
            return; // inside a recorded migrate: its own outcome covers it
        }
        if (!insideMigrate()) {
            return; // validate() / validateWithResult() of the host: a check, not a refused migrate
        }
        String id = resolveId(context);
        Optional<ObservableMigration> migration = migrations.run(id);
        if (migration.isEmpty()) {
            return;
        }
        MigrationRun run = migration.get().start();
        LOG.atWarn().addKeyValue(ObservableMigration.MDC_MIGRATION_ID, id)
                .addKeyValue("error_type", VALIDATE_FAILURE_TYPE)
                .log("flyway validation of {} failed: the migrate was refused", id);
        RunScope.of(run).fail(VALIDATE_FAILURE_TYPE);
    }

    /**
     * A successful validate after a repair: Flyway's history holds no failed attempt any more, so this id's failed
     * migrations (the run and its versions) are pending again, as Flyway's {@code info} shows them.
     */
    private void validated(Context context) {
        if (repaired.isEmpty()) {
            return; // the usual case: no repair since the last validate, nothing to resolve
        }
        String id = resolveId(context);
        if (!repaired.remove(id)) {
            return;
        }
        for (ObservableMigration m : migrations.all()) {
            String mid = m.migrationId();
            if ((mid.equals(id) || mid.startsWith(id + ":")) && m.status() == MigrationStatus.FAILED) {
                m.resetToPending();
            }
        }
        LOG.atInfo().addKeyValue(ObservableMigration.MDC_MIGRATION_ID, id)
                .log("flyway repair and validate of {} succeeded: failed migrations are pending again", id);
    }

    /** Whether Flyway's {@code migrate} is on this thread's stack (validation inside a migrate). */
    private static boolean insideMigrate() {
        return StackWalker.getInstance().walk(frames -> frames.anyMatch(f ->
                f.getClassName().equals("org.flywaydb.core.Flyway") && f.getMethodName().contains("migrate")));
    }

    /** Ends a migrate deferred to {@link #observe}: error type from {@code failure}'s chain, else the fallback. */
    private void completeDeferred(Observed o, Throwable failure) {
        ActiveMigrate a = o.deferred;
        if (a == null) {
            return;
        }
        o.deferred = null;
        try {
            if (migrations.isClosed()) {
                return;
            }
            String type = ErrorTypes.sqlState(failure).map(ErrorTypes::sqlState).orElse(FAILURE_TYPE);
            if (a.deferredVersionRun != null) {
                LOG.atWarn().addKeyValue(ObservableMigration.MDC_MIGRATION_ID, a.id)
                        .addKeyValue(MDC_VERSION, a.deferredVersion)
                        .addKeyValue("script", a.script)
                        .addKeyValue("error_type", type)
                        .log("flyway migration {} version {} ({}) failed: {}", a.id, a.deferredVersion, a.script, type);
            }
            RunScope.of(a.deferredVersionRun).fail(type);
            RunScope.of(a.run).fail(type);
        } catch (RuntimeException | LinkageError e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
        }
    }

    private String resolveId(Context context) {
        String id;
        try {
            id = migrationId.apply(context);
        } catch (RuntimeException e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
            return DEFAULT_MIGRATION_ID;
        }
        if (!MigrationRegistry.isValidId(id)) {
            migrations.ownMeters().recordFailure(COMPONENT,
                    new IllegalArgumentException("migrationId function returned an invalid id '" + id + "'"));
            return DEFAULT_MIGRATION_ID;
        }
        return id;
    }

    /** {@code 2.1} for versioned migrations, {@code R:<description>} for repeatable ones. */
    static String versionLabel(MigrationInfo info) {
        if (info == null) {
            return "unknown";
        }
        if (info.getVersion() != null) {
            return info.getVersion().getVersion();
        }
        return "R:" + (info.getDescription() == null ? "unknown" : info.getDescription());
    }

    /** error_type when Flyway reported no SQL state: the exception type the host's {@code migrate()} throws. */
    static final String FAILURE_TYPE = "FlywayMigrateException";

    /** error_type of a failed validation: the exception type Flyway throws then. */
    static final String VALIDATE_FAILURE_TYPE = "FlywayValidateException";

    /** State of one migrate on one thread. */
    private static final class ActiveMigrate {
        final String id;
        final MigrationRun run;
        final MdcScope idMdc;
        String version;
        String script;
        String sqlState;
        String failureType;
        MdcScope versionMdc;
        MigrationRun versionRun;
        MigrationRun deferredVersionRun;
        String deferredVersion;

        ActiveMigrate(String id, MigrationRun run, MdcScope idMdc) {
            this.id = id;
            this.run = run;
            this.idMdc = idMdc;
        }

        /** Ends the version run: success when {@code errorType} is null, else failed with that error type. */
        void finishVersion(String errorType) {
            MigrationRun v = versionRun;
            versionRun = null;
            RunScope.of(v).finish(errorType);
            closeVersionMdc();
        }

        /** Ends a version run whose outcome Flyway never reported as {@code aborted}. */
        void abandonVersion() {
            MigrationRun v = versionRun;
            versionRun = null;
            RunScope.of(v).abandon();
            closeVersionMdc();
        }

        /** Keeps the failed version's run open for {@link #observe}; restores the version MDC. */
        void deferVersion() {
            if (versionRun != null) {
                deferredVersionRun = versionRun;
                deferredVersion = version;
                versionRun = null;
            }
            closeVersionMdc();
        }

        private void closeVersionMdc() {
            if (versionMdc != null) {
                versionMdc.close();
                versionMdc = null;
            }
            version = null;
        }

        void restoreMdc() {
            idMdc.close();
        }
    }

    /** A Flyway call run by {@link #observe(FlywayAction)}, e.g. {@code flyway::migrate}. */
    @FunctionalInterface
    public interface FlywayAction<T> {
        /** Runs the call; Flyway's exceptions are unchecked. */
        T run();
    }

    /** A failed migrate waiting for {@link #observe} to name its error. */
    private static final class Observed {
        ActiveMigrate deferred;
    }

    /** Builder for {@link MigmonFlywayCallback}; validates eagerly, not thread-safe. */
    public static final class Builder {
        private MeterRegistry registry;
        private Function<Context, String> migrationId = c -> DEFAULT_MIGRATION_ID;
        private String fixedId = DEFAULT_MIGRATION_ID;
        private MetricsOptions metricsOptions = MetricsOptions.defaults();
        private Clock clock = Clock.systemUTC();
        private boolean perVersion = true;
        private int maxTrackedVersions = DEFAULT_MAX_TRACKED_VERSIONS;
        private final List<MigrationListener> listeners = new ArrayList<>();

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

        /** The host's registry (required). migmon never uses a global registry. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Require.notNull(registry, "meterRegistry");
            return this;
        }

        /**
         * The migration id of every migrate (default {@value MigmonFlywayCallback#DEFAULT_MIGRATION_ID}): letters,
         * digits and {@code _ . : -}, at most 128 characters, starting with a letter or digit.
         *
         * @throws IllegalArgumentException if the id is not valid
         */
        public Builder migrationId(String migrationId) {
            MigrationRegistry.requireValidId(migrationId);
            this.migrationId = c -> migrationId;
            this.fixedId = migrationId;
            return this;
        }

        /**
         * Computes the migration id per migrate from Flyway's callback context, e.g. from
         * {@code context.getConfiguration().getDefaultSchema()} when one callback serves several schemas. A function
         * that throws or returns an invalid id is counted as an observability failure and
         * {@value MigmonFlywayCallback#DEFAULT_MIGRATION_ID} is used instead.
         */
        public Builder migrationId(Function<Context, String> migrationId) {
            this.migrationId = Require.notNull(migrationId, "migrationId");
            this.fixedId = null;
            return this;
        }

        /** Prefix and tag cap of the meters (default {@link MetricsOptions#defaults()}). */
        public Builder metricsOptions(MetricsOptions options) {
            this.metricsOptions = Require.notNull(options, "metricsOptions");
            return this;
        }

        /** Time source for durations (default: system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Require.notNull(clock, "clock");
            return this;
        }

        /** Whether each applied version gets its own {@code <id>:<version>} run (default {@code true}). */
        public Builder perVersion(boolean perVersion) {
            this.perVersion = perVersion;
            return this;
        }

        /**
         * How many per-version migrations keep their meters (default
         * {@value MigmonFlywayCallback#DEFAULT_MAX_TRACKED_VERSIONS}); the least recently used one is removed beyond
         * that. Bounds the series a long migration history creates (~40 Prometheus series per version).
         *
         * @throws IllegalArgumentException if {@code max < 1}
         */
        public Builder maxTrackedVersions(int max) {
            this.maxTrackedVersions = Require.atLeast(max, 1, "maxTrackedVersions");
            return this;
        }

        /** Adds a listener (health, alerting, anomaly detectors) to the run-level migrations. */
        public Builder listener(MigrationListener listener) {
            listeners.add(Require.notNull(listener, "listener"));
            return this;
        }

        /**
         * Builds the callback.
         *
         * @throws IllegalStateException if {@code meterRegistry} was not set
         */
        public MigmonFlywayCallback build() {
            Require.configured(registry, "meterRegistry",
                    "call meterRegistry(..) or instrumentation(..); migmon records into the host's registry");
            return new MigmonFlywayCallback(this);
        }
    }
}
