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

/** Fourth review of issue 17 (MongoDB). Ground truth: the inserted documents. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MongoVerifyAttack4IT {

    private static final Duration T = Duration.ofSeconds(60);
    private MongoServers servers;

    @BeforeAll
    void start() throws Exception {
        servers = MongoServers.start("att4_");
    }

    @AfterAll
    void stop() {
        servers.close();
    }

    /**
     * {@code _id} int32 on the source, double on the target (a JavaScript tool or mongoimport writes numbers as
     * doubles): docs/verify.md says {@code _id} numbers match by value ("int32 1, int64 1 and 1.0 are one
     * document"). Ground truth: the same 300 documents but one changed field and one missing document.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mongo-java-server", "jongodb"})
    void numericIdsOfAnotherNumberTypeAreTheSameDocuments(String kind) {
        MongoFixture f = servers.server(kind);
        MongoDatabase s = servers.db(f, "src");
        MongoDatabase t = servers.db(f, "tgt");
        for (int i = 1; i <= 300; i++) {
            Reactive.list(s.getCollection("n").insertOne(new Document("_id", i).append("v", "v" + i)), T);
            if (i != 200) {
                Reactive.list(t.getCollection("n").insertOne(new Document("_id", (double) i)
                        .append("v", i == 100 ? "x" : "v" + i)), T);
            }
        }
        try (MongoCollectionVerifier v = MongoCollectionVerifier.builder("n").source(s).target(t).chunkDocuments(50)
                .meterRegistry(new SimpleMeterRegistry()).build()) {
            VerificationReport r = v.verify();
            // the changed document's key is printed in the target's form (100.0): the same _id by value
            assertThat(r.differences()).as(r.toString()).hasSize(2)
                    .contains(new RowDifference(DifferenceKind.MISSING, Map.of("_id", "200"), List.of()))
                    .anySatisfy(d -> {
                        assertThat(d.kind()).isEqualTo(DifferenceKind.CHANGED);
                        assertThat(Double.parseDouble(d.key().get("_id"))).isEqualTo(100.0);
                        assertThat(d.columns()).containsExactly("v");
                    });
        }
    }

    /** Decimal -0, double -0.0 and int 0 in an embedded document inside an array: equal; the array order is not. */
    @ParameterizedTest
    @ValueSource(strings = {"mongo-java-server", "jongodb"})
    void negativeZerosInsideArraysOfDocuments(String kind) {
        MongoFixture f = servers.server(kind);
        MongoDatabase s = servers.db(f, "src");
        MongoDatabase t = servers.db(f, "tgt");
        Reactive.list(s.getCollection("z").insertOne(new Document("_id", 1).append("a",
                List.of(new Document("x", Decimal128.NEGATIVE_ZERO).append("y", -0.0)))), T);
        Reactive.list(t.getCollection("z").insertOne(new Document("_id", 1).append("a",
                List.of(new Document("x", 0).append("y", 0L)))), T);
        Reactive.list(s.getCollection("z").insertOne(new Document("_id", 2).append("a", List.of(1, 2))), T);
        Reactive.list(t.getCollection("z").insertOne(new Document("_id", 2).append("a", List.of(2, 1))), T);
        try (MongoCollectionVerifier v = MongoCollectionVerifier.builder("z").source(s).target(t)
                .meterRegistry(new SimpleMeterRegistry()).build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).as(r.toString()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "2"), List.of("a")));
        }
    }
}
