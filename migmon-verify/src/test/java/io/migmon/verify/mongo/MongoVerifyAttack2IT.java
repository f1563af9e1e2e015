package io.migmon.verify.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.reactivestreams.client.MongoDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import io.migmon.verify.internal.Reactive;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Second independent review of issue 17 (MongoDB), on both in-process servers. Ground truth: the inserted documents. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MongoVerifyAttack2IT {

    private static final Duration T = Duration.ofSeconds(60);
    private MongoServers servers;

    @BeforeAll
    void start() throws Exception {
        servers = MongoServers.start("att2_");
    }

    @AfterAll
    void stop() {
        servers.close();
    }

    /**
     * Finding 6. The source's {@code _id}s are int32, the target's the same numbers as int64 (a Java writer with
     * {@code Long} ids: the usual outcome of a re-platforming). For MongoDB these are the same {@code _id} (a
     * unique index rejects both, {@code find({_id: 1})} finds {@code NumberLong(1)}), and the docs say numbers
     * compare by value (int32 1 = int64 1). The streamed compare keys documents by the extended JSON of {@code _id}
     * ({@code $numberInt} vs {@code $numberLong}) and reports every document missing and extra; with an applied
     * watermark the same data is then re-checked by {@code _id} equality and comes out identical: the exit code
     * depends on whether a watermark was given.
     */
    @ParameterizedTest
    @ValueSource(strings = {"mongo-java-server", "jongodb"})
    void anIdWidenedFromInt32ToInt64IsTheSameDocument(String kind) {
        MongoFixture f = servers.server(kind);
        MongoDatabase s = servers.db(f, "src");
        MongoDatabase t = servers.db(f, "tgt");
        List<Document> src = new ArrayList<>();
        List<Document> tgt = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            src.add(new Document("_id", i).append("v", "doc " + i).append("n", i));
            tgt.add(new Document("_id", (long) i).append("v", "doc " + i).append("n", (long) i));
        }
        Reactive.list(s.getCollection("wide").insertMany(src), T);
        Reactive.list(t.getCollection("wide").insertMany(tgt), T);
        VerificationReport plain;
        try (MongoCollectionVerifier v = MongoCollectionVerifier.builder("wide").source(s).target(t)
                .meterRegistry(new SimpleMeterRegistry()).build()) {
            plain = v.verify();
        }
        VerificationReport withWatermark;
        try (MongoCollectionVerifier v = MongoCollectionVerifier.builder("wide").source(s).target(t)
                .appliedWatermark(() -> Optional.of(Instant.now().plusSeconds(3600)))
                .pollInterval(Duration.ofMillis(50)).inFlightTimeout(Duration.ofSeconds(20))
                .meterRegistry(new SimpleMeterRegistry()).build()) {
            withWatermark = v.verify();
        }
        assertThat(plain.status()).as("same verdict with and without a watermark").isEqualTo(withWatermark.status());
        assertThat(plain.status()).as(plain.toJson()).isEqualTo(VerificationStatus.IDENTICAL);
    }
}
