package io.migmon.verify.cli;

import com.mongodb.ConnectionString;
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

    static VerificationReport verify(VerifyCommand.Options o, MeterRegistry registry) {
        if (!VerifyCommand.isMongo(o.target)) {
            throw new IllegalArgumentException("--source and --target must both be jdbc: or both mongodb: URLs");
        }
        if (!o.keys.isEmpty() && !o.keys.equals(List.of("_id"))) {
            throw new IllegalArgumentException("MongoDB collections are compared by _id; --key must be _id or absent");
        }
        ConnectionString sc = new ConnectionString(o.source);
        ConnectionString tc = new ConnectionString(o.target);
        if (sc.getDatabase() == null || tc.getDatabase() == null) {
            throw new IllegalArgumentException("MongoDB URLs must name the database: mongodb://host/database");
        }
        try (MongoClient s = MongoClients.create(sc); MongoClient t = MongoClients.create(tc)) {
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

}
