package io.migmon.mongo;

import com.mongodb.reactivestreams.client.ClientSession;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.micrometer.core.instrument.Counter;
import io.migmon.core.MigrationRun;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.core.progress.ProgressSnapshot;
import io.migmon.mongo.internal.MigrationLock;
import io.migmon.mongo.internal.Reactive;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.reactivestreams.Publisher;

/** The {@link MongoMigrationContext} of one migration run: progress into the core run, documents into the meters. */
final class RunContext implements MongoMigrationContext {

    private static final int MAX_CACHED_COLLECTIONS = 256;

    private final MigmonMeters meters;
    private final Duration operationTimeout;
    private final MongoDatabase db;
    private final Optional<ClientSession> session;
    private final MigrationRun run;
    private final MigrationLock lock;
    private final String version;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    /** Documents reported in a transaction, by collection: counted in the meter only once the transaction commits. */
    private final Map<String, LongAdder> uncommitted = new ConcurrentHashMap<>();
    private final LongAdder documents = new LongAdder();

    RunContext(MigmonMeters meters, Duration operationTimeout, MongoDatabase db, ClientSession session, MigrationRun run,
            MigrationLock lock, String version) {
        this.meters = meters;
        this.operationTimeout = operationTimeout;
        this.db = db;
        this.session = Optional.ofNullable(session);
        this.run = run;
        this.lock = lock;
        this.version = version;
    }

    /** Documents reported so far (in a transaction: written, not necessarily committed). */
    long documents() {
        return documents.sum();
    }

    /**
     * Counts the documents reported in the transaction once it committed: {@code mongodb_migration_documents_total}
     * counts persisted work only. Without a transaction every report is counted at once (the writes persist even if
     * the migration fails later).
     */
    void committed() {
        uncommitted.forEach((collection, count) -> {
            long n = count.sumThenReset();
            if (n > 0) {
                try {
                    counter(collection).increment(n);
                } catch (RuntimeException e) {
                    meters.recordFailure("mongodb.documents", e);
                }
            }
        });
    }

    @Override
    public String version() {
        return version;
    }

    @Override
    public MongoDatabase database() {
        return db;
    }

    @Override
    public Optional<ClientSession> session() {
        return session;
    }

    @Override
    public void documents(String collection, long count) {
        if (count <= 0) {
            return;
        }
        String c = collection == null || collection.isEmpty() ? "unknown" : collection;
        documents.add(count);
        try {
            if (session.isPresent()) {
                uncommitted.computeIfAbsent(c, k -> new LongAdder()).add(count);
            } else {
                counter(c).increment(count);
            }
        } catch (RuntimeException e) {
            meters.recordFailure("mongodb.documents", e);
        }
        run.recordRows(c, count);
        try {
            lock.refreshIfDue();
        } catch (RuntimeException e) {
            meters.recordFailure("mongodb.lock", e);
        }
    }

    private Counter counter(String collection) {
        Counter counter = counters.get(collection);
        if (counter == null) {
            counter = meters.counter(MetricCatalog.MONGODB_MIGRATION_DOCUMENTS, MetricCatalog.VERSION, version,
                    MetricCatalog.COLLECTION, collection);
            if (counters.size() < MAX_CACHED_COLLECTIONS) {
                counters.put(collection, counter);
            }
        }
        return counter;
    }

    @Override
    public void expectDocuments(long total) {
        run.expectRows(total);
    }

    @Override
    public ProgressSnapshot progress() {
        return run.progress();
    }

    @Override
    public <T> T await(Publisher<T> publisher) {
        return Reactive.first(publisher, operationTimeout);
    }

    @Override
    public <T> List<T> awaitAll(Publisher<T> publisher) {
        return Reactive.all(publisher, operationTimeout);
    }
}
