package io.migmon.verify.cli;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoCredential;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.verify.CheckpointStore;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.mongo.MongoCollectionVerifier;
import java.util.List;
import org.bson.BsonDocument;

/** The MongoDB half of {@link VerifyCommand}, in its own class so that only MongoDB users need the driver. */
final class MongoCommand {

    private MongoCommand() {
    }

    static VerificationReport verify(VerifyCommand.Options o, MeterRegistry registry,
            java.util.function.Function<String, String> env) {
        if (!VerifyCommand.isMongo(o.target)) {
            throw new IllegalArgumentException("--source and --target must both be jdbc: or both mongodb: URLs");
        }
        if (!o.keys.isEmpty() && !o.keys.equals(List.of("_id"))) {
            throw new IllegalArgumentException("MongoDB collections are compared by _id; --key must be _id or absent");
        }
        // options the MongoDB verifier does not have are refused, not ignored
        if (!o.exclude.isEmpty()) {
            throw new IllegalArgumentException("--exclude is not supported for MongoDB collections (every field is "
                    + "compared); verify with a --where filter or a view without the field");
        }
        if (o.strictNumericScale) {
            throw new IllegalArgumentException("--strict-numeric-scale is not supported for MongoDB collections "
                    + "(numbers compare by value)");
        }
        ConnectionString sc = new ConnectionString(o.source);
        ConnectionString tc = new ConnectionString(o.target);
        if (sc.getDatabase() == null || tc.getDatabase() == null) {
            throw new IllegalArgumentException("MongoDB URLs must name the database: mongodb://host/database");
        }
        try (MongoClient s = MongoClients.create(settings(sc, env.apply("MIGMON_SOURCE_USER"),
                env.apply("MIGMON_SOURCE_PASSWORD"))); MongoClient t = MongoClients.create(settings(tc,
                env.apply("MIGMON_TARGET_USER"), env.apply("MIGMON_TARGET_PASSWORD")))) {
            MongoCollectionVerifier.Builder b = MongoCollectionVerifier.builder(o.table)
                    .source(s.getDatabase(sc.getDatabase())).target(t.getDatabase(tc.getDatabase()))
                    .meterRegistry(registry);
            if (o.name != null) {
                b.name(o.name);
            }
            if (o.targetTable != null) {
                b.targetCollection(o.targetTable);
            }
            if (o.where != null) {
                b.filter(BsonDocument.parse(o.where));
            }
            if (o.maxRowsPerSecond != null) {
                b.maxRowsPerSecond(o.maxRowsPerSecond);
            }
            if (o.chunkRows != null) {
                b.chunkDocuments(o.chunkRows);
            }
            if (o.maxReported != null) {
                b.maxReportedDifferences(o.maxReported);
            }
            if (o.checkpointDir != null) {
                b.checkpoints(CheckpointStore.directory(o.checkpointDir));
            }
            try (MongoCollectionVerifier v = b.build()) {
                return v.verify();
            }
        }
    }

    /**
     * Client settings of a URL, with the user and password of the environment (as for JDBC URLs) when the URL has
     * no credentials of its own; they authenticate against the URL's {@code authSource}, else its database.
     */
    static MongoClientSettings settings(ConnectionString url, String user, String password) {
        MongoClientSettings.Builder b = MongoClientSettings.builder().applyConnectionString(url);
        if (url.getCredential() == null && user != null && !user.isEmpty()) {
            String authSource = url.getDatabase();
            for (String option : url.getConnectionString().replaceFirst("^[^?]*\\??", "").split("&")) {
                if (option.regionMatches(true, 0, "authSource=", 0, 11)) {
                    authSource = java.net.URLDecoder.decode(option.substring(11), java.nio.charset.StandardCharsets.UTF_8);
                }
            }
            b.credential(MongoCredential.createCredential(user, authSource,
                    password == null ? new char[0] : password.toCharArray()));
        }
        return b.build();
    }
}
