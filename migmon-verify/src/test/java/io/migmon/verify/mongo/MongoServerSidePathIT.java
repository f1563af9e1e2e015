package io.migmon.verify.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.internal.Reactive;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/**
 * Which path each in-process server takes (server-side range hashes or streamed documents) and that the probe
 * deciding it does not depend on the collection's contents. Ground truth: the documents the test wrote.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MongoServerSidePathIT {

    private static final Duration T = Duration.ofSeconds(60);
    private MongoServers servers;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger(MongoCollectionVerifier.class);

    @BeforeAll
    void start() throws Exception {
        servers = MongoServers.start("path");
    }

    @AfterAll
    void stop() {
        servers.close();
    }

    @BeforeEach
    void attach() {
        log.list.clear();
        log.start();
        logger.addAppender(log);
    }

    @AfterEach
    void detach() {
        logger.detachAppender(log);
    }

    private static void insert(MongoDatabase db, String... docs) {
        MongoCollection<BsonDocument> c = db.getCollection("one", BsonDocument.class);
        Reactive.list(c.insertMany(java.util.Arrays.stream(docs).map(BsonDocument::parse).toList()), T);
    }

    private String path() {
        return log.list.stream().map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("streaming documents")).findFirst().orElse("server-side range hashes");
    }

    /**
     * One document per side, differing in a fractional number (2.3 vs 2.9: the values MongoDB's hashed-index hash,
     * which {@code $toHashedIndexKey} computes, documents as colliding) and in a nested field: the probe must not
     * pass on a collection too small to show that the server cannot hash (jongodb answers with the unevaluated
     * expression; with one document the old probe had no two documents to compare).
     */
    @ParameterizedTest
    @ValueSource(strings = {"mongo-java-server", "jongodb"})
    void oneDocumentCollectionsThatDifferAreDifferent(String kind) {
        MongoFixture f = servers.server(kind);
        MongoDatabase s = servers.db(f, "s");
        MongoDatabase t = servers.db(f, "t");
        insert(s, "{_id: 1, price: 2.3, nested: {a: 1}}");
        insert(t, "{_id: 1, price: 2.9, nested: {a: 2}}");
        VerificationReport r;
        try (MongoCollectionVerifier v = MongoCollectionVerifier.builder("one").source(s).target(t)
                .meterRegistry(new SimpleMeterRegistry()).build()) {
            r = v.verify();
        }
        System.out.println(kind + " path: " + path());
        assertThat(r.differences()).as(r.toJson()).containsExactly(
                new RowDifference(DifferenceKind.CHANGED, Map.of("_id", "1"), List.of("nested", "price")));
        assertThat(path()).as(kind + " streams (no server-side document hash)").contains("streaming documents");
    }
}
