package io.migmon.mongo;

import com.mongodb.reactivestreams.client.ClientSession;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.migmon.core.progress.ProgressSnapshot;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bson.Document;
import org.reactivestreams.Publisher;

/**
 * What a {@link MongoMigration} gets: the database, the transaction's session when there is one, progress reporting
 * and blocking helpers for the reactive driver. {@link #documents}, {@link #expectDocuments} and {@link #progress} are
 * thread-safe (they may be called from driver callbacks in a reactive pipeline) and never throw; the {@code await}
 * helpers block the calling thread and must not be called on a driver thread.
 */
public interface MongoMigrationContext {

    /** The migration's version. */
    String version();

    /** The database the runner migrates. */
    MongoDatabase database();

    /** {@code database().getCollection(name)}. */
    default MongoCollection<Document> collection(String name) {
        return database().getCollection(name);
    }

    /**
     * The session of the transaction this migration runs in; empty when it runs without one (standalone server,
     * {@link TransactionPolicy#NEVER}). Pass it to every operation so that they belong to the transaction.
     */
    Optional<ClientSession> session();

    /** Whether this migration runs inside a transaction. */
    default boolean transactional() {
        return session().isPresent();
    }

    /**
     * Records {@code count} documents written to {@code collection}: {@code mongodb_migration_documents_total} and the
     * core progress ({@code migration_rows_total}, ratio, ETA). Call it per batch. Zero or negative is ignored.
     */
    void documents(String collection, long count);

    /** Declares or corrects the documents expected in total (progress ratio and ETA). */
    void expectDocuments(long total);

    /** Current progress of this migration. */
    ProgressSnapshot progress();

    /**
     * Subscribes to {@code publisher} and waits for it: the first item, or {@code null} when it completes empty.
     * Waits at most the runner's operation timeout; driver errors are rethrown unchanged.
     */
    <T> T await(Publisher<T> publisher);

    /** Subscribes to {@code publisher} and collects every item. */
    <T> List<T> awaitAll(Publisher<T> publisher);

    /**
     * Runs the operation with the transaction's session if there is one, else without: {@code inSession} gets the
     * session, {@code withoutSession} is used on a non-transactional run. Returns the first item.
     */
    default <T> T await(Function<ClientSession, Publisher<T>> inSession, Supplier<Publisher<T>> withoutSession) {
        Optional<ClientSession> s = session();
        return await(s.isPresent() ? inSession.apply(s.get()) : withoutSession.get());
    }
}
