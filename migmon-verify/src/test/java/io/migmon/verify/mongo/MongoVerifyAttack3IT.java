package io.migmon.verify.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.reactivestreams.client.MongoDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.internal.Reactive;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Third independent review of issue 17 (MongoDB), on both in-process servers. Ground truth: the inserted documents. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MongoVerifyAttack3IT {

    private static final Duration T = Duration.ofSeconds(60);
    private MongoServers servers;

    @BeforeAll
    void start() throws Exception {
        servers = MongoServers.start("att3_");
    }

    @AfterAll
    void stop() {
        servers.close();
    }

    /**
     * Finding 4, end to end. Source and target hold the same 20 documents, except that document 7's {@code d}
     * is {@code NumberDecimal("-0")} on the source and {@code NumberDecimal("1")} on the target. Expected: one
     * changed document (field d). Actual: the run throws ArithmeticException ("Negative zero can not be converted
     * to a BigDecimal") from CanonicalBson, CLI exit 2; a collection holding decimal -0 can never be verified.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mongo-java-server", "jongodb"})
    void aDecimalNegativeZeroDoesNotFailTheRun(String kind) {
        MongoFixture f = servers.server(kind);
        MongoDatabase s = servers.db(f, "src");
        MongoDatabase t = servers.db(f, "tgt");
        for (int i = 1; i <= 20; i++) {
            Decimal128 d = i == 7 ? Decimal128.NEGATIVE_ZERO : new Decimal128(i);
            Reactive.list(s.getCollection("dec").insertOne(new Document("_id", i).append("d", d)), T);
            Reactive.list(t.getCollection("dec").insertOne(new Document("_id", i).append("d", new Decimal128(i == 7 ? 1 : i))), T);
        }
        try (MongoCollectionVerifier v = MongoCollectionVerifier.builder("dec").source(s).target(t)
                .meterRegistry(new SimpleMeterRegistry()).build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "7"), List.of("d")));
        }
    }

    /**
     * Finding 5 (design question). The target's embedded document has the same fields in another order
     * ({@code {city, zip}} became {@code {zip, city}}, as a writer that goes through a sorted map produces). For
     * MongoDB these are different values: an exact sub-document match {@code find({addr: {city: 'X', zip: '1'}})}
     * no longer finds the migrated document, and the verifier itself treats {@code _id} sub-documents of another
     * order as different documents. The canonical hash sorts fields at every level, so the run says IDENTICAL.
     * Ground truth: the target document's {@code addr} field order, checked with the exact-match query (on
     * mongo-java-server only: jongodb 0.1.6 matches sub-documents whatever their field order, unlike MongoDB).
     */
    @ParameterizedTest
    @ValueSource(strings = {"mongo-java-server"})
    void anEmbeddedDocumentInAnotherFieldOrderIsADifference(String kind) {
        MongoFixture f = servers.server(kind);
        MongoDatabase s = servers.db(f, "src");
        MongoDatabase t = servers.db(f, "tgt");
        Reactive.list(s.getCollection("addr").insertOne(new Document("_id", 1)
                .append("addr", new Document("city", "X").append("zip", "1"))), T);
        Reactive.list(t.getCollection("addr").insertOne(new Document("_id", 1)
                .append("addr", new Document("zip", "1").append("city", "X"))), T);
        Document exact = new Document("addr", new Document("city", "X").append("zip", "1"));
        assertThat(Reactive.list(s.getCollection("addr").find(exact), T)).as("source matches").hasSize(1);
        assertThat(Reactive.list(t.getCollection("addr").find(exact), T)).as("target does not").isEmpty();
        try (MongoCollectionVerifier v = MongoCollectionVerifier.builder("addr").source(s).target(t)
                .meterRegistry(new SimpleMeterRegistry()).build()) {
            assertThat(v.verify().differences()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "1"), List.of("addr")));
        }
    }
}
