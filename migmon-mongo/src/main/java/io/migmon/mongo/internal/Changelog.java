package io.migmon.mongo.internal;

import com.mongodb.MongoException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.result.UpdateResult;
import com.mongodb.reactivestreams.client.ClientSession;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.migmon.mongo.MongoMigration;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;
import org.bson.Document;
import org.bson.conversions.Bson;

/**
 * The changelog collection: one document per version ({@code _id} = version) with its checksum, the outcome of its
 * current attempt and every attempt (each with its {@code attemptId}). Reads it, writes entries (the success in the
 * migration's transaction when there is one); an undo marks the entry {@link #UNDONE}, nothing deletes one. Every
 * write is a compare-and-set on the entry's revision and is owner-aware: an attempt sets the entry's status only
 * while it is the entry's current attempt, and nothing but an undo downgrades an applied version.
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
    /**
     * Status of a version reverted by {@code MongoMigrationRunner.undo}: not applied (the next run applies it again),
     * its earlier attempts and the undo itself kept in {@code attempts}.
     */
    public static final String UNDONE = "undone";
    /** Attempts kept per version (the oldest are dropped beyond). */
    public static final int MAX_ATTEMPTS = 20;
    /** Field of an attempt holding its unique id. */
    public static final String ATTEMPT_ID = "attemptId";
    /** Field of the entry holding the id of the attempt its status describes (the latest started). */
    public static final String CURRENT_ATTEMPT = "currentAttempt";
    /** Field of the entry counting its writes (optimistic concurrency). */
    static final String REVISION = "revision";
    private static final int CAS_ATTEMPTS = 20;

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

    /**
     * Records the start of {@code attempt} (status {@link #RUNNING}, carrying its {@code attemptId}) outside any
     * transaction: earlier attempts still running become {@link #ABANDONED}, this one is appended and becomes the
     * entry's current attempt ({@code currentAttempt}). Writes nothing and returns false when the version is already
     * applied: another runner applied it since this one read the changelog (its lock was lost).
     */
    public boolean start(MongoMigration m, String owner, Document attempt) {
        boolean[] started = {false};
        compareAndSet(null, m.version(), current -> {
            if (applied(current)) {
                return null;
            }
            List<Document> attempts = previousAttempts(current);
            attempts.add(attempt);
            started[0] = true;
            return withAttempts(m, owner, attempt, attempts);
        });
        return started[0];
    }

    /**
     * Records the success of {@code attempt}, inside {@code session}'s transaction when not null, only when it is still
     * the entry's current attempt and the version is not applied yet. Returns false (writing nothing) when another
     * runner started a later attempt or applied the version meanwhile: the caller must then not commit.
     */
    public boolean succeed(ClientSession session, MongoMigration m, String owner, Document attempt) {
        boolean[] written = {false};
        compareAndSet(session, m.version(), current -> {
            if (current == null || applied(current) || !isCurrent(current, attempt)) {
                return null;
            }
            written[0] = true;
            return withAttempts(m, owner, attempt, replaceAttempt(current, attempt));
        });
        return written[0];
    }

    /**
     * Records the failed {@code attempt} outside any transaction: its entry in {@code attempts} (matched by
     * {@code attemptId}) gets the outcome; the entry's own status, documents and error are set only when this attempt
     * is still the current one and the version is not applied. A late failure of a runner whose lock was taken over
     * therefore appears in the history but never hides the other runner's success. Returns whether the entry's status
     * was set.
     */
    public boolean fail(MongoMigration m, String owner, Document attempt) {
        boolean[] current = {false};
        compareAndSet(null, m.version(), stored -> {
            List<Document> attempts = replaceAttempt(stored, attempt);
            if (stored != null && (applied(stored) || !isCurrent(stored, attempt))) {
                current[0] = false;
                return new Document(stored).append("attempts", attempts);
            }
            current[0] = true;
            return withAttempts(m, owner, attempt, attempts);
        });
        return current[0];
    }

    private static boolean isCurrent(Document entry, Document attempt) {
        return Objects.equals(entry.get(CURRENT_ATTEMPT), attempt.get(ATTEMPT_ID));
    }

    /** The stored attempts with the one of {@code attempt}'s id replaced by it (appended when absent). */
    private static List<Document> replaceAttempt(Document entry, Document attempt) {
        List<Document> attempts = new ArrayList<>();
        boolean replaced = false;
        if (entry != null && entry.get("attempts") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Document d) {
                    if (!replaced && Objects.equals(d.get(ATTEMPT_ID), attempt.get(ATTEMPT_ID))) {
                        attempts.add(attempt);
                        replaced = true;
                    } else {
                        attempts.add(d);
                    }
                }
            }
        }
        if (!replaced) {
            while (attempts.size() >= MAX_ATTEMPTS) {
                attempts.remove(0);
            }
            attempts.add(attempt);
        }
        return attempts;
    }

    /**
     * Optimistic read-modify-write of one entry: reads it (in {@code session} when not null), computes the new
     * document ({@code null} = write nothing) and writes it only if the entry's revision is still the one read
     * (insert when absent); retries on a concurrent change. Works on every server (no array filters needed).
     */
    private void compareAndSet(ClientSession session, String version, UnaryOperator<Document> change) {
        for (int i = 0; i < CAS_ATTEMPTS; i++) {
            Document current = Reactive.first(session == null ? collection.find(Filters.eq("_id", version)).first()
                    : collection.find(session, Filters.eq("_id", version)).first(), timeout);
            Document next = change.apply(current == null ? null : new Document(current));
            if (next == null) {
                return;
            }
            long revision = current == null ? 0 : current.get(REVISION) instanceof Number n ? n.longValue() : 0;
            next.put("_id", version);
            next.put(REVISION, revision + 1);
            if (current == null) {
                try {
                    Reactive.first(session == null ? collection.insertOne(next) : collection.insertOne(session, next),
                            timeout);
                    return;
                } catch (MongoException e) {
                    if (!MigrationLock.isDuplicateKey(e) || session != null) {
                        throw e;
                    }
                    continue;
                }
            }
            Bson sameRevision = Filters.and(Filters.eq("_id", version), current.get(REVISION) == null
                    ? Filters.exists(REVISION, false) : Filters.eq(REVISION, current.get(REVISION)));
            UpdateResult r = Reactive.first(session == null ? collection.replaceOne(sameRevision, next)
                    : collection.replaceOne(session, sameRevision, next), timeout);
            if (r != null && r.getMatchedCount() == 1) {
                return;
            }
        }
        throw new IllegalStateException("changelog entry " + version + " of " + name() + " kept changing during "
                + CAS_ATTEMPTS + " write attempts");
    }

    /**
     * Records that the applied version was reverted, inside {@code session}'s transaction when not null: the entry's
     * status becomes {@link #UNDONE} (so the version is no longer applied) and {@code undo} (an attempt document with
     * status {@link #UNDONE}) is appended to its attempts; the history of the version stays. Returns false, writing
     * nothing, when the version is not applied (any more).
     */
    public boolean undone(ClientSession session, MongoMigration m, String owner, Document undo) {
        boolean[] written = {false};
        compareAndSet(session, m.version(), current -> {
            if (!applied(current)) {
                return null;
            }
            List<Document> attempts = previousAttempts(current);
            attempts.add(undo);
            written[0] = true;
            return withAttempts(m, owner, undo, attempts);
        });
        return written[0];
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
        return withAttempts(m, owner, last, attempts);
    }

    /** The version's changelog document with {@code last} as its current attempt and exactly {@code attempts}. */
    private static Document withAttempts(MongoMigration m, String owner, Document last, List<Document> attempts) {
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
                .append(CURRENT_ATTEMPT, last.get(ATTEMPT_ID))
                .append("attempts", attempts);
        if (last.get("error") != null) {
            d.append("error", last.get("error"));
        }
        return d;
    }

}
