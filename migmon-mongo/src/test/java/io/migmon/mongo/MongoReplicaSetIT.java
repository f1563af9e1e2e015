package io.migmon.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.mongodb.client.model.Filters;
import com.mongodb.reactivestreams.client.MongoClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.mongo.internal.Reactive;
import java.time.Duration;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.MongoDBContainer;

/**
 * The transactional path against a real {@code mongod} single-node replica set (Testcontainers), for machines with
 * Docker. Skipped where Docker is absent, also under CI: there the transactional path runs on jongodb
 * ({@link MongoTransactionsIT}).
 */
class MongoReplicaSetIT {

    private static final Duration T = Duration.ofSeconds(30);

    @Test
    void commitsAndAbortsOnARealReplicaSet() {
        boolean docker;
        try {
            docker = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException | LinkageError e) {
            docker = false;
        }
        assumeTrue(docker, "Docker is not available: the real replica-set test is skipped (jongodb covers transactions)");
        try (MongoDBContainer mongo = new MongoDBContainer("mongo:7.0")) {
            mongo.start();
            try (MongoClient client = MongoServers.client(mongo.getReplicaSetUrl())) {
                String db = MongoServers.uniqueDb("rs");
                TestMigration insert = TestMigration.of("1", "insert", ctx -> {
                    var docs = IntStream.range(0, 100).mapToObj(i -> new Document("_id", i)).toList();
                    ctx.await(s -> ctx.collection("items").insertMany(s, docs), () -> ctx.collection("items").insertMany(docs));
                    ctx.documents("items", 100);
                });
                TestMigration failing = TestMigration.of("2", "writes then fails", ctx -> {
                    ctx.await(s -> ctx.collection("items").insertOne(s, new Document("_id", "partial")),
                            () -> ctx.collection("items").insertOne(new Document("_id", "partial")));
                    throw new IllegalStateException("boom");
                });
                try (MongoMigrationRunner r = MongoMigrationRunner.builder().client(client).database(db)
                        .meterRegistry(new SimpleMeterRegistry()).transactionPolicy(TransactionPolicy.REQUIRED)
                        .migrations(insert, failing).build()) {
                    MongoMigrationException e = catchThrowableOfType(MongoMigrationException.class, r::run);
                    MongoRunReport report = e.report().orElseThrow();
                    assertThat(report.topology()).isEqualTo("replicaSet");
                    assertThat(report.applied()).containsExactly("1");
                }
                var items = client.getDatabase(db).getCollection("items");
                assertThat(Reactive.first(items.countDocuments(), T)).isEqualTo(100);
                assertThat(Reactive.first(items.countDocuments(Filters.eq("_id", "partial")), T)).isZero();
            }
        }
    }
}
