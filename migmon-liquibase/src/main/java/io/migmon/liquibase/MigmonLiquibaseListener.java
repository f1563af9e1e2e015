package io.migmon.liquibase;

import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.core.MigrationRun;
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
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import liquibase.change.Change;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.changelog.visitor.ChangeExecListener;
import liquibase.database.Database;
import liquibase.exception.CommandExecutionException;
import liquibase.exception.LiquibaseException;
import liquibase.exception.MigrationFailedException;
import liquibase.exception.PreconditionErrorException;
import liquibase.exception.PreconditionFailedException;
import liquibase.precondition.core.PreconditionContainer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Liquibase {@link ChangeExecListener} that records every changeset Liquibase runs, and every update wrapped in
 * {@link #observe(LiquibaseAction)}, through migmon's {@link ObservableMigration}:
 *
 * <pre>{@code
 * MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
 *         .meterRegistry(registry)
 *         .migrationId("orders-db")
 *         .build();
 * migmon.observe(() -> new CommandScope(UpdateCommandStep.COMMAND_NAME)
 *         .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
 *         .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, "db/changelog.sql")
 *         .addArgumentValue(ChangeExecListenerCommandStep.CHANGE_EXEC_LISTENER_ARG, migmon)
 *         .execute());
 * }</pre>
 *
 * <p>What it records, all with catalog meters:
 * <ul>
 *   <li><b>One run per changeset</b> that Liquibase runs ({@code willRun} → {@code ran} / {@code runFailed}) under
 *   {@code <migration id>:<changeset id>}, e.g. {@code migration_duration_seconds{migration_id="orders-db:2",
 *   status="success"}} and {@code migration_status{migration_id="orders-db:2",status=...}}. Changesets already
 *   applied are not recorded; {@code runAlways} / {@code runOnChange} changesets are recorded each time they run.
 *   A changeset whose precondition marks it ran ({@code MARK_RAN}) or skips it ({@code CONTINUE}) is no run. At most {@link Builder#maxTrackedChangeSets(int)} changesets keep their meters
 *   (least recently used go first).</li>
 *   <li><b>One run per update</b> when the host wraps the update in {@link #observe(LiquibaseAction)} (Liquibase's
 *   listener has no update start/end event), under the migration id.</li>
 *   <li>{@code migration_errors_total{error_type}}: {@code sqlstate_<SQLSTATE>} when a {@link java.sql.SQLException}
 *   with a SQL state is in the cause chain (e.g. {@code sqlstate_42P01}, undefined table), else the exception's
 *   simple class name. Counted on the changeset and on the update.</li>
 * </ul>
 *
 * <p>Logging: while a changeset runs the SLF4J MDC carries {@code migration_id} and {@code version} (the changeset
 * label), and during {@link #observe} {@code migration_id}; previous MDC values are restored afterwards. Core logs
 * start and finish of every run (logger {@code io.migmon.migration}); this listener adds a WARN with changeset,
 * author, file and error type when a changeset fails (logger {@code io.migmon.liquibase}). Changeset SQL and error
 * messages are never logged by migmon (they can carry data).
 *
 * <p>Threads: Liquibase calls the listener on the thread running the update; state is kept per thread, so one
 * instance may serve updates on several threads. Each changeset a rollback command reverts is recorded as
 * {@code <migration id>:rollback:<label>}; precondition failures are logged at INFO.
 *
 * <p>Observability never breaks Liquibase: every failure inside this listener is contained, counted in
 * {@code migmon_observability_failures_total{component="liquibase.listener"}} and logged once; {@link #observe}
 * rethrows the host's exception unchanged. Thread-safe. {@link #close()} removes exactly the meters this listener
 * registered.
 */
public final class MigmonLiquibaseListener implements ChangeExecListener, AutoCloseable {

    /** MDC key of the changeset being run. */
    public static final String MDC_VERSION = MetricCatalog.VERSION;
    /** Migration id used when none is configured. */
    public static final String DEFAULT_MIGRATION_ID = "liquibase";
    /** Default of {@link Builder#maxTrackedChangeSets(int)}. */
    public static final int DEFAULT_MAX_TRACKED_CHANGESETS = 20;

    /**
     * {@code error_type} of a changeset that failed with {@code failOnError:false}: Liquibase swallows the exception
     * and reports only {@code ExecType.FAILED}, so the type is the one Liquibase throws otherwise.
     */
    public static final String TOLERATED_FAILURE_TYPE = "MigrationFailedException";

    static final String COMPONENT = "liquibase.listener";

    /** Prefix of the label of a rollback run: {@code <migration id>:rollback:<label>}. */
    static final String ROLLBACK_PREFIX = "rollback:";

    /** Exceptions that only carry another: Liquibase's command wrapper, its generic base and the changeset wrapper. */
    private static final Set<Class<? extends Throwable>> WRAPPERS = Set.of(CommandExecutionException.class,
            LiquibaseException.class, MigrationFailedException.class);

    private static final Logger LOG = LoggerFactory.getLogger("io.migmon.liquibase");

    private final String migrationId;
    private final Function<ChangeSet, String> changeSetLabel;
    private final boolean perChangeSet;
    private final MigrationRegistry migrations;
    private final ThreadLocal<ActiveChangeSet> activeChangeSet = new ThreadLocal<>();

    private MigmonLiquibaseListener(Builder b) {
        this.migrationId = b.migrationId;
        this.changeSetLabel = b.changeSetLabel;
        this.perChangeSet = b.perChangeSet;
        this.migrations = new MigrationRegistry(
                Instrumentation.of(b.registry).withOptions(b.metricsOptions).withClock(b.clock), b.listeners,
                b.maxTrackedChangeSets);
        // registered now so that migration_status{status="pending"} and health checks exist before the update
        migrations.run(migrationId);
    }

    /**
     * A builder for the listener of migration id {@code migrationId} (see {@link Builder#migrationId(String)});
     * {@link Builder#meterRegistry(MeterRegistry)} or {@link Builder#instrumentation} is required.
     */
    public static Builder builder(String migrationId) {
        return new Builder().migrationId(migrationId);
    }

    /** A builder with the default migration id {@value #DEFAULT_MIGRATION_ID} (or an id set later). */
    public static Builder builder() {
        return new Builder();
    }

    /** The id of update runs and the prefix of changeset runs. */
    public String migrationId() {
        return migrationId;
    }

    /**
     * Runs the host's Liquibase update on the calling thread as one migmon run: {@code success} when it returns,
     * {@code failed} (error counted by type) when it throws. The exception is rethrown unchanged. Without this
     * wrapper, changesets are still recorded but there is no update-level run.
     *
     * @throws LiquibaseException whatever {@code action} throws, unchanged
     */
    public void observe(LiquibaseAction action) throws LiquibaseException {
        Require.notNull(action, "action");
        MigrationRun run = startUpdate();
        boolean completed = false;
        try (MdcScope mdc = MdcScope.put(ObservableMigration.MDC_MIGRATION_ID, migrationId)) {
            try {
                action.run();
                completed = true;
            } catch (Throwable t) {
                endUpdate(run, t);
                throw t;
            } finally {
                if (completed) {
                    endUpdate(run, null);
                }
            }
        }
    }

    /**
     * A changeset is about to be considered: sets the MDC. Liquibase calls this for every changeset it will execute,
     * including {@code runAlways} / {@code runOnChange} changesets that ran before (status {@code ALREADY_RAN}), so
     * those are recorded on every run. The run itself starts with the changeset's first change, after its
     * preconditions passed: a changeset that preconditions mark ran ({@code onFail:MARK_RAN}) or skip
     * ({@code onFail:CONTINUE}) is no run at all.
     */
    @Override
    public void willRun(ChangeSet changeSet, DatabaseChangeLog databaseChangeLog, Database database,
            ChangeSet.RunStatus runStatus) {
        try {
            if (migrations.isClosed()) {
                return;
            }
            abandonChangeSet(); // a previous changeset that got no ran/runFailed
            String label = label(changeSet);
            activeChangeSet.set(new ActiveChangeSet(changeSet, label, label,
                    MdcScope.put(ObservableMigration.MDC_MIGRATION_ID, migrationId).and(MDC_VERSION, label)));
        } catch (RuntimeException | LinkageError e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
        }
    }

    /** Starts the changeset's run at its first change (preconditions have passed). */
    @Override
    public void willRun(Change change, ChangeSet changeSet, DatabaseChangeLog changeLog, Database database) {
        try {
            ActiveChangeSet a = activeChangeSet.get();
            if (a != null && a.changeSet == changeSet) {
                ensureRun(a);
            }
        } catch (RuntimeException | LinkageError e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
        }
    }

    /** Not recorded (changes are recorded as part of their changeset). */
    @Override
    public void ran(Change change, ChangeSet changeSet, DatabaseChangeLog changeLog, Database database) {
        // recorded per changeset
    }

    @Override
    public void ran(ChangeSet changeSet, DatabaseChangeLog databaseChangeLog, Database database,
            ChangeSet.ExecType execType) {
        try {
            if (execType == ChangeSet.ExecType.FAILED) {
                finishChangeSet(changeSet, TOLERATED_FAILURE_TYPE); // failOnError:false, no runFailed
            } else if (execType == ChangeSet.ExecType.MARK_RAN || execType == ChangeSet.ExecType.SKIPPED) {
                discardChangeSet(changeSet); // nothing ran: no run, no duration
            } else {
                finishChangeSet(changeSet, null);
            }
        } catch (RuntimeException | LinkageError e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
        }
    }

    @Override
    public void runFailed(ChangeSet changeSet, DatabaseChangeLog databaseChangeLog, Database database,
            Exception exception) {
        try {
            finishChangeSet(changeSet, errorType(exception));
        } catch (RuntimeException | LinkageError e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
        }
    }

    /**
     * Starts a rollback run of the changeset, {@code <migration id>:rollback:<label>} (its forward run keeps its
     * status), e.g. for each changeset {@code rollbackCount} reverts.
     */
    @Override
    public void willRollback(ChangeSet changeSet, DatabaseChangeLog databaseChangeLog, Database database) {
        try {
            if (migrations.isClosed()) {
                return;
            }
            abandonChangeSet();
            String label = label(changeSet);
            ActiveChangeSet a = new ActiveChangeSet(changeSet, label, ROLLBACK_PREFIX + label,
                    MdcScope.put(ObservableMigration.MDC_MIGRATION_ID, migrationId).and(MDC_VERSION, label));
            activeChangeSet.set(a);
            ensureRun(a);
        } catch (RuntimeException | LinkageError e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
        }
    }

    /** Ends the rollback run as {@code success}. */
    @Override
    public void rolledBack(ChangeSet changeSet, DatabaseChangeLog databaseChangeLog, Database database) {
        try {
            finishChangeSet(changeSet, null);
        } catch (RuntimeException | LinkageError e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
        }
    }

    /** Ends the rollback run as {@code failed}, counting the error type. */
    @Override
    public void rollbackFailed(ChangeSet changeSet, DatabaseChangeLog databaseChangeLog, Database database,
            Exception exception) {
        try {
            finishChangeSet(changeSet, errorType(exception));
        } catch (RuntimeException | LinkageError e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
        }
    }

    /**
     * Logged at INFO (changeset, {@code onFail}); recorded through what follows: {@code MARK_RAN} and
     * {@code CONTINUE} are no run, {@code HALT} fails the changeset and the update with
     * {@code error_type="PreconditionFailedException"}, {@code WARN} runs the changeset.
     */
    @Override
    public void preconditionFailed(PreconditionFailedException error, PreconditionContainer.FailOption onFail) {
        logPrecondition("failed", String.valueOf(onFail));
    }

    /** Logged at INFO like {@link #preconditionFailed}. */
    @Override
    public void preconditionErrored(PreconditionErrorException error, PreconditionContainer.ErrorOption onError) {
        logPrecondition("errored", String.valueOf(onError));
    }

    private void logPrecondition(String what, String option) {
        try {
            ActiveChangeSet a = activeChangeSet.get();
            LOG.atInfo().addKeyValue(ObservableMigration.MDC_MIGRATION_ID, migrationId)
                    .addKeyValue("on_fail", option)
                    .log("liquibase precondition of changeset {} of {} {}: {}", a == null ? "(changelog)" : a.label,
                            migrationId, what, option);
        } catch (RuntimeException | LinkageError e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
        }
    }

    /**
     * The tracked migration with this id: the update-level one (e.g. {@code orders-db}, registered at build time)
     * or a changeset (e.g. {@code orders-db:2}, once run). For health checks
     * ({@code MigrationHealthCheck.builder(migration)}) and tests.
     */
    public Optional<ObservableMigration> migration(String migrationId) {
        return migrations.find(migrationId);
    }

    /** Every migration this listener tracks now: the update run first, then per-changeset ones. */
    public List<ObservableMigration> migrations() {
        return migrations.all();
    }

    /** Removes every meter this listener registered (the host's other meters stay); later events are ignored. */
    @Override
    public void close() {
        migrations.close();
    }

    @Override
    public String toString() {
        return "MigmonLiquibaseListener{" + migrationId + ", tracked=" + migrations.all().size() + "}";
    }

    // ---- internals -------------------------------------------------------------------------------------------

    private MigrationRun startUpdate() {
        try {
            return migrations.run(migrationId).map(ObservableMigration::start).orElse(null);
        } catch (RuntimeException | LinkageError e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
            return null;
        }
    }

    private void endUpdate(MigrationRun run, Throwable failure) {
        try {
            if (failure == null) {
                abandonChangeSet();
            } else {
                finishChangeSet(null, errorType(failure));
            }
            if (run == null || migrations.isClosed()) {
                return;
            }
            RunScope.of(run).finish(failure == null ? null : errorType(failure));
        } catch (RuntimeException | LinkageError e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
        }
    }

    /** Ends the active changeset run: success when {@code errorType} is null, else failed with that type. */
    private void finishChangeSet(ChangeSet expected, String errorType) {
        ActiveChangeSet a = activeChangeSet.get();
        if (a == null || (expected != null && a.changeSet != expected)) {
            return;
        }
        activeChangeSet.remove();
        try {
            if (migrations.isClosed()) {
                return; // closed during the update: record nothing more, re-register no meter
            }
            ensureRun(a); // a changeset without change events (or failing before its first change) still ran
            RunScope.of(a.run).finish(errorType);
            if (errorType != null) {
                LOG.atWarn().addKeyValue(ObservableMigration.MDC_MIGRATION_ID, migrationId)
                        .addKeyValue(MDC_VERSION, a.label)
                        .addKeyValue("author", a.changeSet.getAuthor())
                        .addKeyValue("file", a.changeSet.getFilePath())
                        .addKeyValue("error_type", errorType)
                        .log("liquibase changeset {} of {} ({}) failed: {}", a.label, migrationId,
                                a.changeSet.getFilePath(), errorType);
            }
        } finally {
            a.mdc.close();
        }
    }

    /** Starts the run of {@code a} once (per-changeset runs only). */
    private void ensureRun(ActiveChangeSet a) {
        if (a.started || migrations.isClosed()) {
            return;
        }
        a.started = true;
        if (perChangeSet) {
            a.run = migrations.version(migrationId, a.version).map(ObservableMigration::start).orElse(null);
        }
    }

    /** Forgets the active changeset without recording a run (nothing ran). */
    private void discardChangeSet(ChangeSet expected) {
        ActiveChangeSet a = activeChangeSet.get();
        if (a == null || a.changeSet != expected) {
            return;
        }
        activeChangeSet.remove();
        try {
            if (a.run != null && !migrations.isClosed()) {
                RunScope.of(a.run).abandon(); // a change started, yet Liquibase reports nothing ran
            }
        } finally {
            a.mdc.close();
        }
    }

    /** Ends a changeset run whose outcome Liquibase never reported, as {@code aborted}. */
    private void abandonChangeSet() {
        ActiveChangeSet a = activeChangeSet.get();
        if (a == null) {
            return;
        }
        activeChangeSet.remove();
        try {
            if (!migrations.isClosed()) {
                RunScope.of(a.run).abandon();
            }
        } finally {
            a.mdc.close();
        }
    }

    private String label(ChangeSet changeSet) {
        try {
            String l = changeSetLabel.apply(changeSet);
            return l == null || l.isBlank() ? "unknown" : l;
        } catch (RuntimeException e) {
            migrations.ownMeters().recordFailure(COMPONENT, e);
            return String.valueOf(changeSet.getId());
        }
    }

    /**
     * {@code sqlstate_<SQLSTATE>} when an SQLException with a state is in the chain, else the simple class name of
     * the first exception that is not one of Liquibase's wrappers ({@link CommandExecutionException}, a plain
     * {@link LiquibaseException}, {@link MigrationFailedException}), e.g. {@code PreconditionFailedException} or
     * {@code ValidationFailedException}).
     */
    static String errorType(Throwable t) {
        return ErrorTypes.of(t, WRAPPERS);
    }

    /** A Liquibase update run by {@link #observe(LiquibaseAction)}. */
    @FunctionalInterface
    public interface LiquibaseAction {
        /**
         * Runs the update, e.g. {@code commandScope.execute()} or {@code liquibase.update()}.
         *
         * @throws LiquibaseException as Liquibase throws it
         */
        void run() throws LiquibaseException;
    }

    /** State of the changeset running on one thread. */
    private static final class ActiveChangeSet {
        final ChangeSet changeSet;
        final String label;
        final String version;
        final MdcScope mdc;
        MigrationRun run;
        boolean started;

        ActiveChangeSet(ChangeSet changeSet, String label, String version, MdcScope mdc) {
            this.changeSet = changeSet;
            this.label = label;
            this.version = version;
            this.mdc = mdc;
        }
    }

    /** Builder for {@link MigmonLiquibaseListener}; validates eagerly, not thread-safe. */
    public static final class Builder {
        private MeterRegistry registry;
        private String migrationId = DEFAULT_MIGRATION_ID;
        private Function<ChangeSet, String> changeSetLabel = ChangeSet::getId;
        private MetricsOptions metricsOptions = MetricsOptions.defaults();
        private Clock clock = Clock.systemUTC();
        private int maxTrackedChangeSets = DEFAULT_MAX_TRACKED_CHANGESETS;
        private boolean perChangeSet = true;
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
         * The id of update runs and prefix of changeset runs (default
         * {@value MigmonLiquibaseListener#DEFAULT_MIGRATION_ID}): letters, digits and {@code _ . : -}, at most 128
         * characters, starting with a letter or digit.
         *
         * @throws IllegalArgumentException if the id is not valid
         */
        public Builder migrationId(String migrationId) {
            this.migrationId = MigrationRegistry.requireValidId(migrationId);
            return this;
        }

        /**
         * How a changeset is named in its migration id {@code <migration id>:<label>} and in the {@code version}
         * MDC key (default: the changeset id). Characters migration ids do not allow become {@code _}. Use e.g.
         * {@code cs -> cs.getAuthor() + ":" + cs.getId()} when ids repeat across authors.
         */
        public Builder changeSetLabel(Function<ChangeSet, String> label) {
            this.changeSetLabel = Require.notNull(label, "changeSetLabel");
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

        /**
         * Whether each changeset that runs gets its own {@code <id>:<label>} run (default {@code true}). Without,
         * only updates wrapped in {@link MigmonLiquibaseListener#observe(LiquibaseAction)} are recorded (the MDC is
         * still set per changeset).
         */
        public Builder perChangeSet(boolean perChangeSet) {
            this.perChangeSet = perChangeSet;
            return this;
        }

        /**
         * How many changesets keep their meters (default
         * {@value MigmonLiquibaseListener#DEFAULT_MAX_TRACKED_CHANGESETS}); the least recently used one is removed
         * beyond that. Bounds the series a long changelog creates.
         *
         * @throws IllegalArgumentException if {@code max < 1}
         */
        public Builder maxTrackedChangeSets(int max) {
            this.maxTrackedChangeSets = Require.atLeast(max, 1, "maxTrackedChangeSets");
            return this;
        }

        /** Adds a listener (health, alerting, anomaly detectors) to the update-level migration. */
        public Builder listener(MigrationListener listener) {
            listeners.add(Require.notNull(listener, "listener"));
            return this;
        }

        /**
         * Builds the listener.
         *
         * @throws IllegalStateException if {@code meterRegistry} was not set
         */
        public MigmonLiquibaseListener build() {
            Require.configured(registry, "meterRegistry",
                    "call meterRegistry(..) or instrumentation(..); migmon records into the host's registry");
            return new MigmonLiquibaseListener(this);
        }
    }
}
