package io.migmon.mongo.mongock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.mongo.internal.Reactive;
import io.mongock.driver.mongodb.reactive.driver.MongoReactiveDriver;
import io.mongock.runner.standalone.MongockStandalone;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A real Mongock 5 standalone run (reactive driver, non-transactional) on mongo-java-server, observed by migmon. */
class MongockMetricsIT {

    private static MongoServer server;
    private static MongoClient client;

    @BeforeAll
    static void start() {
        server = new MongoServer(new MemoryBackend());
        server.bind("127.0.0.1", 0);
        client = MongoClients.create(MongoClientSettings.builder().applyConnectionString(
                new ConnectionString("mongodb://127.0.0.1:" + server.getLocalAddress().getPort())).build());
    }

    @AfterAll
    static void stop() {
        client.close();
        server.shutdownNow();
    }

    @Test
    void recordsARunAndItsChangeUnits() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MongockMetrics metrics = MongockMetrics.builder().meterRegistry(registry).client(client).database("mongock_ok").build()) {
            metrics.attachTo(MongockStandalone.builder()
                            .setDriver(MongoReactiveDriver.withDefaultLock(client, "mongock_ok"))
                            .addMigrationClass(SeedProductsChange.class)
                            .setTransactional(false))
                    .buildRunner().execute();

            assertThat(Reactive.first(client.getDatabase("mongock_ok").getCollection("products").countDocuments(),
                    Duration.ofSeconds(10))).isEqualTo(100);
            assertThat(registry.get("migration.duration").tag("migration_id", "mongock").tag("status", "success")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get("mongodb.migration.duration").tag("version", "seed-products").tag("status", "success")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get("mongodb.migration.documents").tag("version", "seed-products").tag("collection", "products")
                    .counter().count()).isEqualTo(100);
            assertThat(registry.get("migration.rows").tag("migration_id", "mongock").functionCounter().count()).isEqualTo(100);
        }
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void recordsAFailedRunWithTheFailingChangeUnit() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MongockMetrics metrics = MongockMetrics.builder().meterRegistry(registry).client(client).database("mongock_bad").build()) {
            assertThatThrownBy(() -> metrics.attachTo(MongockStandalone.builder()
                            .setDriver(MongoReactiveDriver.withDefaultLock(client, "mongock_bad"))
                            .addMigrationClass(SeedProductsChange.class)
                            .addMigrationClass(BrokenChange.class)
                            .setTransactional(false))
                    .buildRunner().execute()).hasStackTraceContaining("price field missing");

            assertThat(registry.get("migration.duration").tag("migration_id", "mongock").tag("status", "failed")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get("migration.status").tag("migration_id", "mongock").tag("status", "failed")
                    .gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("mongodb.migration.duration").tag("version", "seed-products").tag("status", "success")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get("mongodb.migration.duration").tag("version", "broken-prices").tag("status", "failed")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get("mongodb.migration.errors").tag("version", "broken-prices")
                    .tag("error_type", "IllegalStateException").counter().count()).isEqualTo(1);
        }
    }

    @Test
    void errorTypeIsTheSimpleClassNameOfMongocksErrorTrace() {
        assertThat(MongockMetrics.errorType("java.lang.IllegalStateException: price field missing")).isEqualTo("IllegalStateException");
        assertThat(MongockMetrics.errorType("io.mongock.api.exception.MongockException")).isEqualTo("MongockException");
        assertThat(MongockMetrics.errorType(null)).isEqualTo("unknown");
        assertThat(MongockMetrics.errorType("<< weird >>")).isEqualTo("unknown");
        assertThat(MongockMetrics.errorType(new org.bson.Document("execution-error", "java.lang.IllegalArgumentException: x\nat ...")))
                .isEqualTo("IllegalArgumentException");
        Exception wrapped = new RuntimeException("Error in method", new java.lang.reflect.InvocationTargetException(
                new IllegalStateException("price field missing")));
        assertThat(MongockMetrics.rootCause(wrapped)).isInstanceOf(IllegalStateException.class);
    }
}
