package io.migmon.mongo.internal;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.client.result.UpdateResult;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.Document;
import io.migmon.mongo.MongoMigrationException;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The migration lock: one document {@code {_id: "migmon", owner, acquiredAt, expiresAt}} in the lock collection.
 * Acquired by inserting it (duplicate key on {@code _id}, error code 11000 whatever the exception class = held) or by a conditional update when the holder's lease expired, extended with a
 * conditional update on {@code owner}, released by deleting it when it is still ours.
 */
public final class MigrationLock {

    public static final String LOCK_ID = "migmon";

    private static final int DUPLICATE_KEY = 11000;

    private static final Logger LOG = LoggerFactory.getLogger("io.migmon.mongo");

    private final MongoCollection<Document> collection;
    private final String owner;
    private final Duration ttl;
    private final Clock clock;
    private final Duration timeout;
    private final AtomicBoolean lost = new AtomicBoolean();
    private final long refreshEveryMillis;
    private volatile long lastRefreshMillis;

    public MigrationLock(MongoCollection<Document> collection, String owner, Duration ttl, Clock clock, Duration opTimeout) {
        this.collection = collection;
        this.owner = owner;
        this.ttl = ttl;
        this.clock = clock;
        this.timeout = opTimeout;
        this.refreshEveryMillis = Math.max(1, ttl.toMillis() / 3);
    }

    /**
     * Takes the lock, waiting up to {@code wait} (polling every {@code poll}) while another runner holds it.
     *
     * @param where the lock's {@code database.collection}, for messages
     * @throws MongoMigrationException with {@code LOCK_TIMEOUT} when the wait is over or the thread is interrupted
     */
    public static MigrationLock acquire(MongoCollection<Document> collection, String owner, Duration ttl, Clock clock,
            Duration opTimeout, Duration wait, Duration poll, String where) {
        MigrationLock lock = new MigrationLock(collection, owner, ttl, clock, opTimeout);
        long deadline = System.nanoTime() + wait.toNanos();
        boolean logged = false;
        while (!lock.tryAcquire()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new MongoMigrationException(MongoMigrationException.Reason.LOCK_TIMEOUT,
                        "MongoDB migration lock " + where + " is held by " + lock.holderText()
                                + "; gave up after waiting " + wait + " (lockWait)", null, null);
            }
            if (!logged) {
                LOG.info("MongoDB migration lock {} is held by {}; waiting up to {}", where, lock.holderText(), wait);
                logged = true;
            }
            try {
                Thread.sleep(Math.min(poll.toMillis(), Math.max(1, wait.toMillis())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new MongoMigrationException(MongoMigrationException.Reason.LOCK_TIMEOUT,
                        "interrupted while waiting for the MongoDB migration lock " + where, null, e);
            }
        }
        return lock;
    }

    /** Who holds the lock and until when, for messages; never throws. */
    public String holderText() {
        try {
            Document h = holder();
            if (h == null) {
                return "nobody (released meanwhile)";
            }
            Object expires = h.get("expiresAt");
            return "'" + h.getString("owner") + "' until " + (expires instanceof Date d ? d.toInstant() : expires);
        } catch (RuntimeException e) {
            return "another runner";
        }
    }

    /** The current holder, or null. */
    public Document holder() {
        return Reactive.first(collection.find(Filters.eq("_id", LOCK_ID)), timeout);
    }

    /**
     * One attempt: true when the lock is now ours. Inserts the lock document; when it exists, takes it over only if
     * it expired or is already ours (a conditional update, so two runners cannot both win).
     */
    public boolean tryAcquire() {
        Instant now = clock.instant();
        Document lock = new Document("_id", LOCK_ID).append("owner", owner).append("acquiredAt", Date.from(now))
                .append("expiresAt", Date.from(now.plus(ttl)));
        try {
            Reactive.first(collection.insertOne(lock), timeout);
            acquired(now);
            return true;
        } catch (MongoException e) {
            if (!isDuplicateKey(e)) {
                throw e;
            }
        }
        Bson filter = Filters.and(Filters.eq("_id", LOCK_ID),
                Filters.or(Filters.lt("expiresAt", Date.from(now)), Filters.eq("owner", owner)));
        Bson update = Updates.combine(Updates.set("owner", owner), Updates.set("acquiredAt", Date.from(now)),
                Updates.set("expiresAt", Date.from(now.plus(ttl))));
        UpdateResult r = Reactive.first(collection.updateOne(filter, update), timeout);
        if (r != null && r.getMatchedCount() == 1) {
            acquired(now);
            return true;
        }
        return false;
    }

    /**
     * Whether {@code e} reports a duplicate key (code 11000), whatever the exception class: MongoDB and
     * mongo-java-server answer an insert with a write error ({@link MongoWriteException}), jongodb with a command
     * error ({@code MongoCommandException}).
     */
    static boolean isDuplicateKey(MongoException e) {
        if (e instanceof MongoWriteException w) {
            return w.getError().getCategory() == ErrorCategory.DUPLICATE_KEY || w.getCode() == DUPLICATE_KEY;
        }
        return e.getCode() == DUPLICATE_KEY
                || ErrorCategory.fromErrorCode(e.getCode()) == ErrorCategory.DUPLICATE_KEY;
    }

    private void acquired(Instant now) {
        lost.set(false);
        lastRefreshMillis = now.toEpochMilli();
    }

    /** Extends the lease; marks the lock lost when it is no longer ours. Blocking. */
    public boolean refresh() {
        Instant now = clock.instant();
        UpdateResult r = Reactive.first(collection.updateOne(Filters.and(Filters.eq("_id", LOCK_ID), Filters.eq("owner", owner)),
                Updates.set("expiresAt", Date.from(now.plus(ttl)))), timeout);
        lastRefreshMillis = now.toEpochMilli();
        if (r == null || r.getMatchedCount() == 0) {
            lost.set(true);
            return false;
        }
        return true;
    }

    /**
     * Extends the lease without waiting when a third of the TTL has passed since the last extension: called from the
     * progress path, so it must never block. A failed or unmatched extension marks the lock lost.
     */
    public void refreshIfDue() {
        long nowMillis = clock.millis();
        if (nowMillis - lastRefreshMillis < refreshEveryMillis) {
            return;
        }
        lastRefreshMillis = nowMillis;
        Instant now = Instant.ofEpochMilli(nowMillis);
        Reactive.collect(collection.updateOne(Filters.and(Filters.eq("_id", LOCK_ID), Filters.eq("owner", owner)),
                Updates.set("expiresAt", Date.from(now.plus(ttl))))).whenComplete((results, error) -> {
                    if (error != null || results.isEmpty() || results.get(0).getMatchedCount() == 0) {
                        lost.set(true);
                    }
                });
    }

    public boolean isLost() {
        return lost.get();
    }

    /** Deletes the lock if it is still ours. */
    public void release() {
        Reactive.first(collection.deleteOne(Filters.and(Filters.eq("_id", LOCK_ID), Filters.eq("owner", owner))), timeout);
    }

    public String owner() {
        return owner;
    }
}
