package io.migmon.mongo.internal;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.reactivestreams.client.ClientSession;
import com.mongodb.reactivestreams.client.MongoCollection;
import java.time.Duration;
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
}
