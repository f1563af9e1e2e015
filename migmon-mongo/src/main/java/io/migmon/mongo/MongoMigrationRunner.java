package io.migmon.mongo;

import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.metrics.Instrumentation;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.core.spi.MigrationListener;
import io.migmon.core.support.Require;
import io.migmon.core.support.MdcScope;
import io.migmon.core.support.RunScope;
import io.migmon.mongo.internal.Changelog;
import io.migmon.mongo.internal.MigrationLock;
import io.migmon.mongo.internal.TransactionDecision;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs versioned {@link MongoMigration}s against one database, observably.
 *
 * <pre>{@code
 * try (MongoMigrationRunner runner = MongoMigrationRunner.builder()
 *         .client(mongoClient).database("shop")
 *         .meterRegistry(registry)
 *         .migrations(new V1CreateOrders(), new V2AddStatus())
 *         .build()) {
 *     MongoRunReport report = runner.run();   // blocks the calling thread
 * }
 * }</pre>
 *
 * <p><b>What a run does.</b> Asks the server ({@code hello}) whether it can do transactions; takes the lock document
 * (waiting up to {@link Builder#lockWait}); reads the changelog; fails if an applied migration's checksum changed;
 * then runs each pending migration in version order, each in its own transaction when the {@link TransactionPolicy}
 * and the server allow, writing its changelog entry in that same transaction. The first failure aborts that
 * migration's transaction, records {@code rolled_back} in the changelog ({@code failed} when it ran without a
 * transaction and its writes so far remain), releases the lock and throws {@link MongoMigrationException} carrying
 * the report. A later run retries failed versions; the changelog keeps every attempt. A run refused before any
 * migration (changed checksum, lock timeout) is counted in {@code mongodb_migration_errors_total} with the reason as
 * {@code error_type}.
 *
 * <p><b>Threads.</b> {@link #run()} blocks the calling thread (the host's): the migrations' {@code up} run on it and
 * wait for the reactive driver. migmon starts no thread; the driver's own threads complete the operations.
 *
 * <p><b>Metrics</b> (in the host's registry): {@code mongodb_migration_duration_seconds{version,status}},
 * {@code mongodb_migration_documents_total{version,collection}}, {@code mongodb_migration_errors_total{version,error_type}},
 * {@code mongodb_migration_validations_total{version,check,status}}, and per migration the core
 * {@link ObservableMigration} meters ({@code migration_id = <migrationIdPrefix><version>}): progress, ETA, status,
 * rows. Logs (logger {@code io.migmon.mongo}) at start, finish and failure of each migration, with
 * {@code migration_id} and {@code version} in the MDC. {@link #close()} removes these meters; the client
 * stays the host's to close. Immutable and thread-safe: runs of one runner instance are serialised by a monitor (they share the lock owner
 * id), runs of different instances by the lock document.
 */
public final class MongoMigrationRunner implements AutoCloseable {

    /** MDC key holding the version of the migration running. */
    public static final String MDC_VERSION = MetricCatalog.VERSION;

    private static final Logger LOG = LoggerFactory.getLogger("io.migmon.mongo");
    private static final Pattern VERSION = Pattern.compile("\\d{1,18}(\\.\\d{1,18})*");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_\\-.]{1,120}");

    private final MongoClient client;
    private final String databaseName;
    private final List<MongoMigration> migrations;
    private final String changelogCollection;
    private final String lockCollection;
    private final Duration lockTtl;
    private final Duration lockWait;
    private final Duration lockPoll;
    private final Duration operationTimeout;
    private final TransactionPolicy transactionPolicy;
    private final MeterRegistry registry;
    private final MetricsOptions metricsOptions;
    private final Clock clock;
    private final String migrationIdPrefix;
    private final String owner;
    private final MigmonMeters meters;
    private final Map<String, ObservableMigration> observables = new ConcurrentHashMap<>();
    private final List<MigrationListener> listeners;
    private final SessionExecutor executor;
    private volatile MigrationRun currentRun;

    private MongoMigrationRunner(Builder b) {
        this.client = b.client;
        this.databaseName = b.database;
        List<MongoMigration> sorted = new ArrayList<>(b.migrations);
        sorted.sort(Comparator.comparing(MongoMigration::version, MongoMigrationRunner::compareVersions));
        this.migrations = List.copyOf(sorted);
        this.changelogCollection = b.changelogCollection;
        this.lockCollection = b.lockCollection;
        this.lockTtl = b.lockTtl;
        this.lockWait = b.lockWait;
        this.lockPoll = b.lockPoll;
        this.operationTimeout = b.operationTimeout;
        this.transactionPolicy = b.transactionPolicy;
        this.registry = b.registry;
        this.metricsOptions = b.metricsOptions;
        this.clock = b.clock;
        this.migrationIdPrefix = b.migrationIdPrefix == null ? defaultPrefix(databaseName) : b.migrationIdPrefix;
        this.owner = b.owner == null ? defaultOwner() : b.owner;
        this.meters = MigmonMeters.create(registry, metricsOptions);
        this.listeners = List.copyOf(b.listeners);
        this.executor = new SessionExecutor(client, operationTimeout, meters);
    }

    /**
     * A builder for the runner of {@code database} (its identity; see {@link Builder#database(String)});
     * {@link Builder#client}, {@link Builder#meterRegistry} (or {@link Builder#instrumentation}) are required.
     */
    public static Builder builder(String database) {
        return new Builder().database(database);
    }

    /** A new builder; {@link Builder#database(String)} must be set. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Versions that a {@link #run()} would apply now: declared, and not successfully applied according to the
     * changelog (failed ones included). Reads the changelog without taking the lock.
     */
    public List<String> pending() {
        Map<String, Document> changelog = changelog(client.getDatabase(databaseName)).byVersion();
        List<String> pending = new ArrayList<>();
        for (MongoMigration m : migrations) {
            if (!Changelog.applied(changelog.get(m.version()))) {
                pending.add(m.version());
            }
        }
        return pending;
    }

    /**
     * The core run of the migration running now, if any: a host's reporter thread can call
     * {@link MigrationRun#sample()} on it to drive listeners (anomaly detectors, alerting) on its own schedule, or
     * read its progress. Empty between migrations.
     */
    public Optional<MigrationRun> currentRun() {
        return Optional.ofNullable(currentRun);
    }

    /**
     * The core migration of {@code version}, once it has run in this runner (for health checks such as
     * {@code MigrationHealthCheck}); empty before.
     */
    public Optional<ObservableMigration> observableMigration(String version) {
        return Optional.ofNullable(observables.get(version));
    }

    /** The migrations in the order they run. */
    public List<MongoMigration> migrations() {
        return migrations;
    }

    /** The lock owner id this runner writes (host, pid and a random suffix unless set). */
    public String owner() {
        return owner;
    }

    /**
     * Runs the pending migrations; blocks until done.
     *
     * @return the report; every migration is applied or skipped
     * @throws MongoMigrationException when a migration failed (with the report), a checksum changed, the lock was not
     *                                 acquired within the lock wait, or transactions were required but unsupported
     */
    public synchronized MongoRunReport run() {
        Instant started = clock.instant();
        MongoDatabase db = client.getDatabase(databaseName);
        TransactionDecision tx;
        MigrationLock lock;
        try {
            tx = TransactionDecision.probe(client, transactionPolicy, databaseName, operationTimeout);
            lock = acquireLock(db);
        } catch (MongoMigrationException e) {
            throw refused(e, nextVersion());
        }
        List<MongoMigrationResult> results = new ArrayList<>();
        try {
            Changelog changelog = changelog(db);
            Map<String, Document> entries = changelog.byVersion();
            checkChecksums(entries);
            for (MongoMigration m : migrations) {
                Document entry = entries.get(m.version());
                if (Changelog.applied(entry)) {
                    results.add(new MongoMigrationResult(m.version(), m.description(), MongoMigrationResult.Outcome.SKIPPED,
                            entry.getBoolean("transactional", false), Duration.ZERO, 0, List.of(), Optional.empty()));
                    continue;
                }
                if (!lock.refresh()) {
                    throw refused(new MongoMigrationException(MongoMigrationException.Reason.LOCK_LOST, "the migration "
                            + "lock of " + databaseName + "." + lockCollection + " was taken by " + lock.holderText()
                            + " before migration " + m.version() + "; stopping", report(tx, results, started), null),
                            m.version());
                }
                Execution e = execute(db, changelog, entry, lock, m, tx.transactional() && m.transactional());
                results.add(e.result);
                if (e.error != null) {
                    MongoRunReport report = report(tx, results, started);
                    throw new MongoMigrationException(e.error instanceof LockLostException
                            ? MongoMigrationException.Reason.LOCK_LOST : MongoMigrationException.Reason.MIGRATION_FAILED,
                            "MongoDB migration " + m.version() + " (" + m.description() + ") failed: " + e.result.error().orElse(""),
                            report, e.error);
                }
            }
            return report(tx, results, started);
        } finally {
            release(lock);
        }
    }

    /**
     * Reverts one applied migration with its {@link MongoMigration#down}, in a transaction when the policy and the
     * server allow, and marks its changelog entry {@code undone} in that same transaction (the entry and its attempts
     * stay, with the undo appended as an attempt), so that the next {@link #run()} applies it again. Takes the lock like {@link #run()}. Undo is logged and a failure counted in
     * {@code mongodb_migration_errors_total}; it records no duration (the duration timer describes forward runs).
     *
     * @throws IllegalArgumentException when no migration of this runner has that version, or it is not applied
     * @throws MongoMigrationException  with {@code MIGRATION_FAILED} when {@code down} throws
     */
    public synchronized void undo(String version) {
        MongoMigration m = migrations.stream().filter(x -> compareVersions(x.version(), version) == 0).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no migration with version " + version));
        MongoDatabase db = client.getDatabase(databaseName);
        boolean transactional = TransactionDecision.probe(client, transactionPolicy, databaseName, operationTimeout)
                .transactional() && m.transactional();
        MigrationLock lock = acquireLock(db);
        ObservableMigration observable = observable(m.version());
        try (MdcScope mdc = SessionExecutor.mdc(observable.migrationId(), m.version())) {
            Changelog changelog = changelog(db);
            if (!Changelog.applied(changelog.byVersion().get(m.version()))) {
                throw new IllegalArgumentException("migration " + m.version() + " is not applied; nothing to undo");
            }
            MigrationRun run = observable.start();
            Instant start = clock.instant();
            Document undoAttempt = new Document(Changelog.ATTEMPT_ID, UUID.randomUUID().toString())
                    .append("owner", owner).append("startedAt", Date.from(start)).append("transactional", transactional);
            SessionExecutor.Outcome outcome = executor.execute(m.version(), transactional, session -> {
                RunContext ctx = new RunContext(meters, operationTimeout, db, session, run, lock, m.version());
                m.down(ctx);
                Duration took = Duration.between(start, clock.instant());
                if (!changelog.undone(session, m, owner, Changelog.attempt(undoAttempt, Changelog.UNDONE, took,
                        ctx.documents(), ctx.documents(), null))) {
                    throw new IllegalStateException("migration " + m.version()
                            + " is no longer applied (another runner changed the changelog)");
                }
            });
            if (outcome.succeeded()) {
                run.succeed();
                LOG.info("MongoDB migration {} undone (transactional={})", m.version(), transactional);
                return;
            }
            RunScope.of(run).end(outcome.error(), outcome.errorType());
            Throwable e = outcome.error();
            LOG.error("undo of MongoDB migration {} failed: {}", m.version(), e.toString(), e);
            throw new MongoMigrationException(MongoMigrationException.Reason.MIGRATION_FAILED,
                    "undo of MongoDB migration " + m.version() + " failed: " + outcome.errorType() + ": " + e.getMessage(),
                    null, e);
        } finally {
            release(lock);
        }
    }

    /** The changelog as stored: one document per version that ran, successful or failed. */
    public List<Document> changelog() {
        return changelog(client.getDatabase(databaseName)).all();
    }

    /** Removes the meters this runner registered (its own and its migrations'); the host's other meters stay. */
    @Override
    public void close() {
        observables.values().forEach(ObservableMigration::close);
        observables.clear();
        meters.close();
    }

    @Override
    public String toString() {
        return "MongoMigrationRunner{database=" + databaseName + ", migrations=" + migrations.size()
                + ", transactions=" + transactionPolicy + "}";
    }

    // ---- steps ------------------------------------------------------------------------------------------------------

    private Changelog changelog(MongoDatabase db) {
        return new Changelog(db.getCollection(changelogCollection), operationTimeout);
    }

    private MigrationLock acquireLock(MongoDatabase db) {
        return MigrationLock.acquire(db.getCollection(lockCollection), owner, lockTtl, clock, operationTimeout, lockWait,
                lockPoll, databaseName + "." + lockCollection);
    }

    private void release(MigrationLock lock) {
        try {
            lock.release();
        } catch (RuntimeException ex) {
            LOG.warn("could not release the migration lock in {}.{}; it expires after {}", databaseName, lockCollection,
                    lockTtl, ex);
        }
    }

    private void checkChecksums(Map<String, Document> changelog) {
        List<String> mismatches = new ArrayList<>();
        for (MongoMigration m : migrations) {
            Document e = changelog.get(m.version());
            if (Changelog.applied(e) && !Objects.equals(e.getString("checksum"), m.checksum())) {
                mismatches.add("version " + m.version() + ": applied " + e.getString("checksum") + ", now " + m.checksum());
            }
        }
        if (!mismatches.isEmpty()) {
            MongoMigrationException e = new MongoMigrationException(MongoMigrationException.Reason.CHECKSUM_MISMATCH,
                    "applied MongoDB migrations changed since they ran (" + String.join("; ", mismatches)
                            + "): restore the original migration or add a new version", null, null);
            for (MongoMigration m : migrations) {
                Document entry = changelog.get(m.version());
                if (Changelog.applied(entry) && !Objects.equals(entry.getString("checksum"), m.checksum())) {
                    countRefusal(e.reason(), m.version());
                }
            }
            LOG.atWarn().addKeyValue("error_type", e.reason().name()).log("MongoDB migrations of {} refused: {}",
                    databaseName, e.getMessage());
            throw e;
        }
        Set<String> known = new HashSet<>();
        migrations.forEach(m -> known.add(m.version()));
        for (String v : changelog.keySet()) {
            if (!known.contains(v)) {
                LOG.warn("changelog {}.{} has version {} that no migration of this runner declares", databaseName,
                        changelogCollection, v);
            }
        }
    }

    private record Execution(MongoMigrationResult result, Throwable error) {
    }

    private Execution execute(MongoDatabase db, Changelog changelog, Document previous, MigrationLock lock,
            MongoMigration m, boolean transactional) {
        String version = m.version();
        ObservableMigration observable = observable(version);
        try (MdcScope mdc = SessionExecutor.mdc(observable.migrationId(), version)) {
            Instant start = clock.instant();
            Document attempt = new Document(Changelog.ATTEMPT_ID, UUID.randomUUID().toString()).append("owner", owner)
                    .append("startedAt", Date.from(start)).append("transactional", transactional);
            // outside any transaction: a runner that dies now leaves a visible 'running' attempt behind
            if (!changelog.start(m, owner, Changelog.attempt(attempt, Changelog.RUNNING, Duration.ZERO, 0, 0, null))) {
                throw refused(new MongoMigrationException(MongoMigrationException.Reason.LOCK_LOST, "migration " + version
                        + " of " + databaseName + " was applied by another runner after this one read the changelog "
                        + "(lock lost: taken over or removed); stopping", null, null), version);
            }
            MigrationRun run = observable.start();
            currentRun = run;
            RunContext[] ctx = new RunContext[1];
            List<ValidationResult> validations = new ArrayList<>();
            LOG.atInfo().addKeyValue("transactional", transactional)
                    .log("MongoDB migration {} ({}) started, transactional={}", version, m.description(), transactional);
            SessionExecutor.Outcome outcome;
            try {
                outcome = executor.execute(version, transactional, session -> {
                    ctx[0] = new RunContext(meters, operationTimeout, db, session, run, lock, version);
                    if (m.expectedDocuments() >= 0) {
                        run.expectRows(m.expectedDocuments());
                    }
                    validations.addAll(up(m, ctx[0]));
                    if (lock.isLost() || !lock.refresh()) {
                        throw lockLost(version);
                    }
                    Duration duration = Duration.between(start, clock.instant());
                    long docs = ctx[0].documents();
                    // owner-aware: written only while this attempt is the entry's current one and nobody applied it
                    if (!changelog.succeed(session, m, owner, Changelog.attempt(attempt, Changelog.SUCCESS, duration, docs,
                            docs, null))) {
                        throw lockLost(version);
                    }
                });
            } finally {
                currentRun = null;
            }
            Duration duration = Duration.between(start, clock.instant());
            long attempted = ctx[0] == null ? 0 : ctx[0].documents();
            if (outcome.succeeded()) {
                ctx[0].committed();
                run.succeed();
                record(version, "success", duration);
                LOG.atInfo().addKeyValue("duration_ms", duration.toMillis())
                        .addKeyValue("documents", attempted).addKeyValue("transactional", transactional)
                        .log("MongoDB migration {} applied in {} ms, {} documents", version, duration.toMillis(), attempted);
                return new Execution(new MongoMigrationResult(version, m.description(), MongoMigrationResult.Outcome.APPLIED,
                        transactional, duration, attempted, validations, Optional.empty()), null);
            }
            Throwable t = outcome.error();
            List<ValidationResult> reported = t instanceof ValidationFailedException v ? v.results() : validations;
            boolean aborted = RunScope.of(run).end(t, outcome.errorType());
            // without a transaction the writes made so far persist (and were counted); with one they are gone
            String status = outcome.rolledBack() ? Changelog.ROLLED_BACK : Changelog.FAILED;
            long persisted = transactional ? 0 : attempted;
            record(version, aborted ? "aborted" : status, duration);
            String error = outcome.errorType() + ": " + t.getMessage();
            try {
                Document failed = Changelog.attempt(attempt, status, duration, persisted, attempted, error);
                if (aborted) {
                    failed.append("aborted", true);
                }
                if (!changelog.fail(m, owner, failed)) {
                    LOG.warn("migration {} of {}: another runner's attempt superseded this one; its failure is kept in "
                            + "the attempts of {} without changing the entry's status", version, databaseName,
                            changelogCollection);
                }
            } catch (RuntimeException e) {
                t.addSuppressed(e);
                LOG.warn("could not record the failure of migration {} in {}.{}", version, databaseName, changelogCollection, e);
            }
            LOG.atError().addKeyValue("error_type", outcome.errorType())
                    .addKeyValue("duration_ms", duration.toMillis()).addKeyValue("transactional", transactional)
                    .addKeyValue("status", status).setCause(t)
                    .log("MongoDB migration {} failed after {} ms: {}{}", version, duration.toMillis(), error,
                            outcome.rolledBack() ? " (transaction aborted: rolled back, " + attempted + " documents discarded)"
                                    : transactional ? " (the transaction could not be aborted cleanly)"
                                    : " (no transaction: the " + attempted + " documents written so far remain)");
            return new Execution(new MongoMigrationResult(version, m.description(), MongoMigrationResult.Outcome.FAILED,
                    transactional, duration, persisted, reported, Optional.of(error)), t);
        }
    }

    /**
     * Counts a run refused before any migration ran ({@code mongodb_migration_errors_total{version, error_type}},
     * the error type being the reason, e.g. {@code LOCK_TIMEOUT}), logs it, and returns {@code e} to throw.
     */
    private MongoMigrationException refused(MongoMigrationException e, String version) {
        countRefusal(e.reason(), version);
        LOG.atWarn().addKeyValue("error_type", e.reason().name()).addKeyValue(MDC_VERSION, version)
                .log("MongoDB migration run of {} refused: {}", databaseName, e.getMessage());
        return e;
    }

    private void countRefusal(MongoMigrationException.Reason reason, String version) {
        try {
            meters.counter(MetricCatalog.MONGODB_MIGRATION_ERRORS, MetricCatalog.VERSION, version,
                    MetricCatalog.ERROR_TYPE, reason.name()).increment();
        } catch (RuntimeException ex) {
            meters.recordFailure("mongodb.errors", ex);
        }
    }

    /** The version a run would apply next (for refused runs); the last declared one when none is pending. */
    private String nextVersion() {
        try {
            List<String> pending = pending();
            if (!pending.isEmpty()) {
                return pending.get(0);
            }
        } catch (RuntimeException e) {
            LOG.debug("could not read the changelog of {}", databaseName, e);
        }
        return migrations.isEmpty() ? "none" : migrations.get(migrations.size() - 1).version();
    }

    /** Runs {@code up} between the validations' {@code before} and {@code verify}; throws when one failed. */
    private List<ValidationResult> up(MongoMigration m, RunContext ctx) throws Exception {
        List<MongoValidation> checks = m.validations();
        List<Object> before = new ArrayList<>();
        for (MongoValidation v : checks) {
            before.add(v.before(ctx));
        }
        m.up(ctx);
        List<ValidationResult> validations = new ArrayList<>();
        for (int i = 0; i < checks.size(); i++) {
            ValidationResult r = checks.get(i).verify(ctx, before.get(i));
            validations.add(r);
            try {
                meters.counter(MetricCatalog.MONGODB_MIGRATION_VALIDATIONS, MetricCatalog.VERSION, m.version(),
                        MetricCatalog.CHECK, r.check(), MetricCatalog.STATUS, r.status()).increment();
            } catch (RuntimeException e) {
                meters.recordFailure("mongodb.validation", e);
            }
        }
        if (validations.stream().anyMatch(r -> !r.passed())) {
            throw new ValidationFailedException(m.version(), validations);
        }
        return validations;
    }

    private ObservableMigration observable(String version) {
        return observables.computeIfAbsent(version, v -> {
            ObservableMigration.Builder b = ObservableMigration.builder(migrationIdPrefix + v).instrumentation(
                    Instrumentation.of(registry).withOptions(metricsOptions).withClock(clock));
            listeners.forEach(b::listener);
            return b.build();
        });
    }

    private void record(String version, String status, Duration duration) {
        try {
            meters.timer(MetricCatalog.MONGODB_MIGRATION_DURATION, MetricCatalog.VERSION, version,
                    MetricCatalog.STATUS, status).record(duration);
        } catch (RuntimeException e) {
            meters.recordFailure("mongodb.duration", e);
        }
    }

    private MongoRunReport report(TransactionDecision tx, List<MongoMigrationResult> results, Instant started) {
        return new MongoRunReport(databaseName, tx.server().topology(), tx.transactional(), results,
                Duration.between(started, clock.instant()));
    }

    /** {@code <database>-v}, with characters a migration id cannot hold replaced by {@code _}. */
    static String defaultPrefix(String database) {
        String cleaned = database.replaceAll("[^A-Za-z0-9_.:\\-]", "_");
        if (!Character.isLetterOrDigit(cleaned.charAt(0)) || cleaned.charAt(0) > 'z') {
            cleaned = "db" + cleaned;
        }
        return (cleaned.length() > 100 ? cleaned.substring(0, 100) : cleaned) + "-v";
    }

    private static String defaultOwner() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "unknown-host";
        }
        return host + ":" + ManagementFactory.getRuntimeMXBean().getPid() + ":" + UUID.randomUUID().toString().substring(0, 8);
    }

    static int compareVersions(String a, String b) {
        String[] x = a.split("\\.");
        String[] y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            long p = i < x.length ? Long.parseLong(x[i]) : 0;
            long q = i < y.length ? Long.parseLong(y[i]) : 0;
            if (p != q) {
                return Long.compare(p, q);
            }
        }
        return 0;
    }

    private LockLostException lockLost(String version) {
        return new LockLostException("lock lost (taken over or removed) during migration " + version
                + "; another runner may apply it (lockTtl " + lockTtl + " may be shorter than the migration)");
    }

    /** The lock expired during a migration. */
    static final class LockLostException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        LockLostException(String message) {
            super(message);
        }
    }

    // ---- builder ----------------------------------------------------------------------------------------------------

    /** Builder for {@link MongoMigrationRunner}; validates eagerly, not thread-safe. */
    public static final class Builder {
        private MongoClient client;
        private String database;
        private final List<MongoMigration> migrations = new ArrayList<>();
        private String changelogCollection = "migmon_changelog";
        private String lockCollection = "migmon_lock";
        private Duration lockTtl = Duration.ofMinutes(10);
        private Duration lockWait = Duration.ofMinutes(1);
        private Duration lockPoll = Duration.ofMillis(200);
        private Duration operationTimeout = Duration.ofMinutes(10);
        private TransactionPolicy transactionPolicy = TransactionPolicy.IF_SUPPORTED;
        private MeterRegistry registry;
        private MetricsOptions metricsOptions = MetricsOptions.defaults();
        private Clock clock = Clock.systemUTC();
        private String migrationIdPrefix;
        private String owner;
        private final List<MigrationListener> listeners = new ArrayList<>();

        private Builder() {
        }

        /**
         * Adds a listener to every migration's core {@link ObservableMigration} (start, samples, errors, finish):
         * anomaly detectors, alerting. Its failures are counted, never thrown into the migration.
         */
        public Builder listener(MigrationListener listener) {
            listeners.add(Require.notNull(listener, "listener"));
            return this;
        }

        /** The host's reactive-streams client (required); the runner never closes it. */
        public Builder client(MongoClient client) {
            this.client = Require.notNull(client, "client");
            return this;
        }

        /** The database to migrate (required). */
        public Builder database(String database) {
            if (database == null || database.isBlank() || database.contains(".") || database.contains(" ")) {
                throw new IllegalArgumentException("database must be a MongoDB database name without '.' or spaces, was '"
                        + database + "'");
            }
            this.database = database;
            return this;
        }

        /** Adds migrations; versions must be unique. */
        public Builder migrations(MongoMigration... migrations) {
            return migrations(List.of(migrations));
        }

        /** Adds migrations; versions must be unique. */
        public Builder migrations(List<? extends MongoMigration> list) {
            for (MongoMigration m : Require.notNull(list, "migrations")) {
                Require.notNull(m, "migrations element");
                String v = m.version();
                if (v == null || !VERSION.matcher(v).matches()) {
                    throw new IllegalArgumentException("migration " + m.getClass().getName() + ": version must be "
                            + "dot-separated numbers like 1 or 1.2, was '" + v + "'");
                }
                if (m.description() == null) {
                    throw new IllegalArgumentException("migration " + v + ": description must not be null");
                }
                for (MongoMigration other : migrations) {
                    if (compareVersions(other.version(), v) == 0) {
                        throw new IllegalArgumentException("migrations: version " + v + " is declared twice ("
                                + other.getClass().getName() + ", " + m.getClass().getName() + ")");
                    }
                }
                migrations.add(m);
            }
            return this;
        }

        /** Collection of the changelog (default {@code migmon_changelog}). */
        public Builder changelogCollection(String name) {
            this.changelogCollection = collectionName("changelogCollection", name);
            return this;
        }

        /** Collection of the lock document (default {@code migmon_lock}). */
        public Builder lockCollection(String name) {
            this.lockCollection = collectionName("lockCollection", name);
            return this;
        }

        /**
         * Lease of the lock (default 10 minutes). The runner extends it before each migration and, without blocking,
         * when a migration reports documents after a third of the lease; a lock older than its lease can be taken by
         * another runner, which makes the first one fail with {@code LOCK_LOST}.
         */
        public Builder lockTtl(Duration ttl) {
            if (ttl == null || ttl.compareTo(Duration.ofSeconds(1)) < 0) {
                throw new IllegalArgumentException("lockTtl must be at least 1 s, was " + ttl);
            }
            this.lockTtl = ttl;
            return this;
        }

        /** How long {@link #run()} waits for a lock held by another runner before failing (default 1 minute; zero = fail at once). */
        public Builder lockWait(Duration wait) {
            if (wait == null || wait.isNegative()) {
                throw new IllegalArgumentException("lockWait must be >= 0, was " + wait);
            }
            this.lockWait = wait;
            return this;
        }

        /** How often a waiting runner retries the lock (default 200 ms). */
        public Builder lockPollInterval(Duration poll) {
            if (poll == null || poll.toMillis() < 1) {
                throw new IllegalArgumentException("lockPollInterval must be at least 1 ms, was " + poll);
            }
            this.lockPoll = poll;
            return this;
        }

        /** Longest wait for one driver operation (default 10 minutes). */
        public Builder operationTimeout(Duration timeout) {
            if (timeout == null || timeout.toMillis() < 1) {
                throw new IllegalArgumentException("operationTimeout must be at least 1 ms, was " + timeout);
            }
            this.operationTimeout = timeout;
            return this;
        }

        /** Whether migrations run in transactions (default {@link TransactionPolicy#IF_SUPPORTED}). */
        public Builder transactionPolicy(TransactionPolicy policy) {
            this.transactionPolicy = Require.notNull(policy, "transactionPolicy");
            return this;
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

        /** Time source for durations, lock expiry and ETA (default system UTC). */
        public Builder clock(Clock clock) {
            this.clock = Require.notNull(clock, "clock");
            return this;
        }

        /** Prefix of the core {@code migration_id} of each migration (default {@code <database>-v}, e.g. {@code shop-v2}). */
        public Builder migrationIdPrefix(String prefix) {
            if (prefix == null || !prefix.matches("[A-Za-z0-9][A-Za-z0-9_.:\\-]{0,100}")) {
                throw new IllegalArgumentException("migrationIdPrefix must be letters, digits and _ . : - (at most 101), was '"
                        + prefix + "'");
            }
            this.migrationIdPrefix = prefix;
            return this;
        }

        /** Lock owner id written to the lock and changelog (default host:pid:random). */
        public Builder owner(String owner) {
            if (owner == null || owner.isBlank()) {
                throw new IllegalArgumentException("owner must not be blank");
            }
            this.owner = owner;
            return this;
        }

        /**
         * Builds the runner.
         *
         * @throws IllegalStateException naming the missing field when client, database or meterRegistry is not set
         */
        public MongoMigrationRunner build() {
            Require.configured(client, "client", "the host's reactive-streams MongoClient");
            Require.configured(database, "database", "builder(database) or database(..)");
            Require.configured(registry, "meterRegistry",
                    "call meterRegistry(..) or instrumentation(..); migmon records into the host's registry");
            if (changelogCollection.equals(lockCollection)) {
                throw new IllegalStateException("changelogCollection and lockCollection must differ, both are '"
                        + lockCollection + "'");
            }
            return new MongoMigrationRunner(this);
        }

        private static String collectionName(String field, String name) {
            if (name == null || !NAME.matcher(name).matches() || name.startsWith("system.")) {
                throw new IllegalArgumentException(field + " must be 1-120 letters, digits, _ - . and not system.*, was '"
                        + name + "'");
            }
            return name;
        }
    }
}
