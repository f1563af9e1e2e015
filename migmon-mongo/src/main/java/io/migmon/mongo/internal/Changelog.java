package io.migmon.mongo.internal;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.reactivestreams.client.ClientSession;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.migmon.mongo.MongoMigration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * The changelog collection: one document per version ({@code _id} = version) with its checksum and the outcome of
 * its last attempt. Reads it, writes entries (in the migration's transaction when there is one) and deletes them.
 */
public final class Changelog {

    /** Status of a version whose last attempt succeeded. */
    public static final String SUCCESS = "success";
    /** Status while an attempt runs; left behind by a runner that died (its lock expires, a later run retries). */
    public static final String RUNNING = "running";
    /** Status of a failed attempt without a transaction: the writes it made before failing remain. */
    public static final String FAILED = "failed";
    /** Status of a failed attempt whose transaction was aborted: none of its writes persisted. */
    public static final String ROLLED_BACK = "rolled_back";
    /** Status of an earlier attempt found still {@link #RUNNING} by a later run: its runner died or lost the lock. */
    public static final String ABANDONED = "abandoned";
    /** Attempts kept per version (the oldest are dropped beyond). */
    public static final int MAX_ATTEMPTS = 20;

    private final MongoCollection<Document> collection;
    private final Duration timeout;

    public Changelog(MongoCollection<Document> collection, Duration timeout) {
        this.collection = collection;
        this.timeout = timeout;
    }

    /** The collection's name. */
    public String name() {
        return collection.getNamespace().getCollectionName();
    }

    /** The stored entries by version. */
    public Map<String, Document> byVersion() {
        Map<String, Document> byVersion = new HashMap<>();
        for (Document d : Reactive.all(collection.find(), timeout)) {
            byVersion.put(String.valueOf(d.get("_id")), d);
        }
        return byVersion;
    }

    /** The stored entries, oldest first. */
    public List<Document> all() {
        return Reactive.all(collection.find().sort(new Document("startedAt", 1)), timeout);
    }

    /** Whether {@code entry} records a successful application. */
    public static boolean applied(Document entry) {
        return entry != null && SUCCESS.equals(entry.getString("status"));
    }

    /**
     * The attempts recorded in {@code entry} (none when null), oldest first, with attempts still marked
     * {@link #RUNNING} turned into {@link #ABANDONED}: a new attempt starts only under the lock, so a running one
     * belongs to a runner that is gone.
     */
    public static List<Document> previousAttempts(Document entry) {
        List<Document> attempts = new ArrayList<>();
        if (entry != null && entry.get("attempts") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Document d) {
                    Document copy = new Document(d);
                    if (RUNNING.equals(copy.getString("status"))) {
                        copy.put("status", ABANDONED);
                    }
                    attempts.add(copy);
                }
            }
        }
        while (attempts.size() >= MAX_ATTEMPTS) {
            attempts.remove(0);
        }
        return attempts;
    }

    /** Writes {@code entry} over the version's entry; inside {@code session}'s transaction when not null. */
    public void upsert(ClientSession session, Document entry) {
        Object id = entry.get("_id");
        ReplaceOptions upsert = new ReplaceOptions().upsert(true);
        Reactive.first(session == null ? collection.replaceOne(Filters.eq("_id", id), entry, upsert)
                : collection.replaceOne(session, Filters.eq("_id", id), entry, upsert), timeout);
    }

    /** Deletes the entry of {@code version}; inside {@code session}'s transaction when not null. */
    public void delete(ClientSession session, String version) {
        Reactive.first(session == null ? collection.deleteOne(Filters.eq("_id", version))
                : collection.deleteOne(session, Filters.eq("_id", version)), timeout);
    }

    /** The attempt document completed with its outcome. */
    public static Document attempt(Document started, String status, Duration duration, long persisted, long attempted,
            String error) {
        Document a = new Document(started).append("status", status).append("durationMillis", duration.toMillis())
                .append("documents", persisted).append("attemptedDocuments", attempted);
        if (error != null) {
            a.append("error", error.length() > 2000 ? error.substring(0, 2000) : error);
        }
        return a;
    }

    /**
     * The version's changelog document: identity and checksum, the outcome of {@code last} (its status, documents,
     * error) at the top level, and every attempt so far in {@code attempts}, oldest first.
     */
    public static Document entry(MongoMigration m, String owner, Document last, List<Document> previousAttempts) {
        List<Document> attempts = new ArrayList<>(previousAttempts);
        attempts.add(last);
        Document d = new Document("_id", m.version())
                .append("version", m.version())
                .append("description", m.description())
                .append("checksum", m.checksum())
                .append("status", last.getString("status"))
                .append("transactional", last.getBoolean("transactional", false))
                .append("startedAt", last.get("startedAt"))
                .append("durationMillis", last.get("durationMillis"))
                .append("documents", last.get("documents"))
                .append("attemptedDocuments", last.get("attemptedDocuments"))
                .append("owner", owner)
                .append("attempts", attempts);
        if (last.get("error") != null) {
            d.append("error", last.get("error"));
        }
        return d;
    }

}
