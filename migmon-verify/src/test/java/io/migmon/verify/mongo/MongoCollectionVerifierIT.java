package io.migmon.verify.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.HealthStatus;
import io.migmon.verify.CheckpointStore;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.VerificationException;
import io.migmon.verify.VerificationHealthCheck;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import io.migmon.verify.internal.Reactive;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bson.BsonBinary;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.Document;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The same cases as the JDBC ITs, on mongo-java-server (in-process) and jongodb (process). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MongoCollectionVerifierIT {

    private static final Duration T = Duration.ofSeconds(60);
    private MongoServers servers;

    @BeforeAll
    void start() throws Exception {
        servers = MongoServers.start("");
    }

    @AfterAll
    void stop() {
        servers.close();
    }

    private MongoFixture server(String kind) {
        return servers.server(kind);
    }

    private MongoDatabase db(MongoFixture f, String side) {
        return servers.db(f, side);
    }

    private static Document doc(int i) {
        return new Document("_id", i).append("name", "name " + i).append("amount", new Decimal128(new java.math.BigDecimal(i + ".50")))
                .append("at", Date.from(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(i)))
                .append("payload", new org.bson.types.Binary(new byte[] {(byte) i, 1, 2}))
                .append("nested", new Document("a", i).append("b", "x" + i)).append("tags", List.of("t" + (i % 3), "u"))
                .append("flag", i % 2 == 0);
    }

    private static void fill(MongoDatabase db, int from, int to) {
        MongoCollection<Document> c = db.getCollection("orders");
        List<Document> batch = new ArrayList<>();
        for (int i = from; i <= to; i++) {
            batch.add(doc(i));
            if (batch.size() == 1000) {
                Reactive.list(c.insertMany(batch), T);
                batch.clear();
            }
        }
        if (!batch.isEmpty()) {
            Reactive.list(c.insertMany(batch), T);
        }
    }

    private MongoCollectionVerifier.Builder verifier(MongoDatabase s, MongoDatabase t) {
        return MongoCollectionVerifier.builder("orders").source(s).target(t).meterRegistry(new SimpleMeterRegistry())
                .chunkDocuments(500);
    }

    @ParameterizedTest
    @ValueSource(strings = {"mongo-java-server", "jongodb"})
    void identicalCollectionsAreIdentical(String kind) {
        MongoFixture f = server(kind);
        MongoDatabase s = db(f, "src");
        MongoDatabase t = db(f, "tgt");
        fill(s, 1, 3000);
        fill(t, 1, 3000);
        VerificationHealthCheck health = VerificationHealthCheck.create();
        try (MongoCollectionVerifier v = verifier(s, t).healthCheck(health).build()) {
            VerificationReport r = v.verify();
            System.out.println(kind + " identical: " + r + " ranges " + r.rangesCompared());
            assertThat(r.status()).isEqualTo(VerificationStatus.IDENTICAL);
            assertThat(r.sourceRows()).isEqualTo(3000);
            assertThat(r.targetRows()).isEqualTo(3000);
            assertThat(health.check().status()).isEqualTo(HealthStatus.UP);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mongo-java-server", "jongodb"})
    void missingExtraAndChangedDocumentsAreReportedWithTheirFields(String kind) {
        MongoFixture f = server(kind);
        MongoDatabase s = db(f, "src");
        MongoDatabase t = db(f, "tgt");
        fill(s, 1, 3000);
        fill(t, 1, 3000);
        MongoCollection<BsonDocument> tc = t.getCollection("orders", BsonDocument.class);
        MongoCollection<BsonDocument> sc = s.getCollection("orders", BsonDocument.class);
        Reactive.list(tc.deleteMany(Filters.in("_id", 17, 2500)), T);
        Reactive.list(tc.insertOne(new BsonDocument("_id", new BsonInt32(9001)).append("name", new BsonString("extra"))), T);
        Reactive.list(tc.updateOne(Filters.eq("_id", 100), Updates.set("name", "")), T);
        Reactive.list(tc.updateOne(Filters.eq("_id", 101), Updates.set("name", BsonNull.VALUE)), T);
        Reactive.list(tc.updateOne(Filters.eq("_id", 102), Updates.set("amount", new BsonDecimal128(new Decimal128(new java.math.BigDecimal("102.51"))))), T);
        Reactive.list(tc.updateOne(Filters.eq("_id", 103), Updates.set("at", new Date(0))), T);
        Reactive.list(tc.updateOne(Filters.eq("_id", 104), Updates.set("payload", new BsonBinary(new byte[] {9}))), T);
        Reactive.list(tc.updateOne(Filters.eq("_id", 105), Updates.set("nested.b", "changed")), T);
        Reactive.list(tc.updateOne(Filters.eq("_id", 106), Updates.unset("flag")), T);
        Reactive.list(sc.updateOne(Filters.eq("_id", 200), Updates.set("name", "")), T);
        Reactive.list(tc.updateOne(Filters.eq("_id", 200), Updates.set("name", BsonNull.VALUE)), T);
        // equal values in other forms: int64 vs int32, decimal 1.50 vs 1.5, top-level field order (an embedded
        // document's field order is part of its value, as in MongoDB: docs/verify.md, MongoVerifyAttack3IT)
        Reactive.list(tc.replaceOne(Filters.eq("_id", 300), new BsonDocument("_id", new BsonInt32(300))
                .append("flag", org.bson.BsonBoolean.TRUE).append("tags", new org.bson.BsonArray(List.of(new BsonString("t0"), new BsonString("u"))))
                .append("nested", new BsonDocument("a", new BsonInt64(300)).append("b", new BsonString("x300")))
                .append("payload", new BsonBinary(new byte[] {(byte) 300, 1, 2}))
                .append("at", new org.bson.BsonDateTime(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(300).toEpochMilli()))
                .append("amount", new BsonDecimal128(new Decimal128(new java.math.BigDecimal("300.500"))))
                .append("name", new BsonString("name 300"))), T);
        VerificationHealthCheck health = VerificationHealthCheck.create();
        try (MongoCollectionVerifier v = verifier(s, t).healthCheck(health).build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).containsExactlyInAnyOrder(
                    d(DifferenceKind.MISSING, 17), d(DifferenceKind.MISSING, 2500), d(DifferenceKind.EXTRA, 9001),
                    d(DifferenceKind.CHANGED, 100, "name"), d(DifferenceKind.CHANGED, 101, "name"),
                    d(DifferenceKind.CHANGED, 102, "amount"), d(DifferenceKind.CHANGED, 103, "at"),
                    d(DifferenceKind.CHANGED, 104, "payload"), d(DifferenceKind.CHANGED, 105, "nested"),
                    d(DifferenceKind.CHANGED, 106, "flag"), d(DifferenceKind.CHANGED, 200, "name"));
            assertThat(r.status()).isEqualTo(VerificationStatus.DIFFERENT);
            assertThat(health.check().status()).isEqualTo(HealthStatus.DOWN);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"mongo-java-server", "jongodb"})
    void tenScatteredDifferencesAreFoundExactlyAndRunsResume(String kind) {
        MongoFixture f = server(kind);
        MongoDatabase s = db(f, "src");
        MongoDatabase t = db(f, "tgt");
        // jongodb inserts about 350 documents/s here: 5,000 documents there, 20,000 in process
        int n = kind.equals("jongodb") ? 5_000 : 20_000;
        fill(s, 1, n);
        fill(t, 1, n);
        MongoCollection<BsonDocument> tc = t.getCollection("orders", BsonDocument.class);
        List<RowDifference> expected = new ArrayList<>();
        for (int id : new int[] {3, n / 4, n / 2 - 1, n * 3 / 4}) {
            Reactive.list(tc.updateOne(Filters.eq("_id", id), Updates.set("flag", "x")), T);
            expected.add(d(DifferenceKind.CHANGED, id, "flag"));
        }
        for (int id : new int[] {1, n * 3 / 5 + 1, n}) {
            Reactive.list(tc.deleteOne(Filters.eq("_id", id)), T);
            expected.add(d(DifferenceKind.MISSING, id));
        }
        for (int id : new int[] {0, n + 10_000, n + 20_000}) {
            Reactive.list(tc.insertOne(new BsonDocument("_id", new BsonInt32(id))), T);
            expected.add(d(DifferenceKind.EXTRA, id));
        }
        CheckpointStore store = CheckpointStore.inMemory();
        try (MongoCollectionVerifier v = verifier(s, t).checkpoints(store).chunkDocuments(n / 10).build()) {
            VerificationReport r = v.verify();
            System.out.println(kind + " " + n + " documents, 10 differences: " + r);
            assertThat(r.differences()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(r.sourceRows()).isEqualTo(n);
            assertThat(r.targetRows()).isEqualTo(n);
            assertThat(store.load(v.id())).isEmpty();
        }
    }

    /**
     * The server-side hash path needs {@code $toHashedIndexKey} over whole documents. Ground truth is the server's own
     * answer to that aggregation on two different documents: neither in-process server gives two different hashes
     * (mongo-java-server refuses the operator, jongodb answers), so on both the default run must take the streaming
     * fallback and still find the difference, and a forced run must fail instead of trusting the server.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mongo-java-server", "jongodb"})
    void serverSideHashesAreUsedOnlyWhereTheServerTellsDocumentsApart(String kind) {
        MongoFixture f = server(kind);
        MongoDatabase s = db(f, "src");
        MongoDatabase t = db(f, "tgt");
        fill(s, 1, 600);
        fill(t, 1, 600);
        MongoCollection<BsonDocument> tc = t.getCollection("orders", BsonDocument.class);
        Reactive.list(tc.updateOne(Filters.eq("_id", 321), Updates.set("nested.b", "changed")), T);
        String answer;
        try {
            List<BsonDocument> r = Reactive.list(s.getCollection("orders", BsonDocument.class).aggregate(List.of(
                    com.mongodb.client.model.Aggregates.limit(2),
                    BsonDocument.parse("{$project: {_id: 0, h: {$toHashedIndexKey: '$$ROOT'}}}"))), T);
            answer = r.size() == 2 && r.get(0).get("h") != null && !r.get(0).get("h").equals(r.get(1).get("h"))
                    ? "different hashes" : "same or no hash: " + r;
        } catch (RuntimeException e) {
            answer = "refused: " + e.getMessage();
        }
        System.out.println(kind + " $toHashedIndexKey of two different documents: " + answer);
        assertThat(answer).as(kind + " would hash documents server-side: test that path here")
                .isNotEqualTo("different hashes");
        if (kind.equals("mongo-java-server")) {
            assertThat(answer).startsWith("refused");
        }
        RowDifference expected = d(DifferenceKind.CHANGED, 321, "nested");
        try (MongoCollectionVerifier v = verifier(s, t).build()) {
            assertThat(v.verify().differences()).containsExactly(expected);
        }
        try (MongoCollectionVerifier v = verifier(s, t).serverSideHash(false).build()) {
            assertThat(v.verify().differences()).containsExactly(expected);
        }
        try (MongoCollectionVerifier v = verifier(s, t).serverSideHash(true).build()) {
            assertThatThrownBy(v::verify).isInstanceOf(VerificationException.class)
                    .hasMessageContaining("$toHashedIndexKey");
        }
    }

    @org.junit.jupiter.api.Test
    void builderRejectsBadValuesNamingTheField() {
        assertThatThrownBy(() -> MongoCollectionVerifier.builder("orders").source(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("source must not be null");
        assertThatThrownBy(() -> MongoCollectionVerifier.builder("orders").instrumentation(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("instrumentation must not be null");
        assertThatThrownBy(() -> MongoCollectionVerifier.builder("orders").maxReportedDifferences(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxReportedDifferences");
        assertThatThrownBy(() -> MongoCollectionVerifier.builder("orders").chunkDocuments(5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("chunkDocuments");
        assertThatThrownBy(() -> MongoCollectionVerifier.builder(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("collection");
        assertThatThrownBy(() -> MongoCollectionVerifier.builder("orders").operationTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("operationTimeout");
    }

    private static RowDifference d(DifferenceKind kind, int id, String... fields) {
        return new RowDifference(kind, Map.of("_id", Integer.toString(id)), List.of(fields));
    }
}
