package io.migmon.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.mongodb.client.model.Filters;
import com.mongodb.reactivestreams.client.MongoClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.mongo.internal.Reactive;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What failed, rolled-back and refused runs look like in the database, the changelog and the meters. Ground truth is
 * the documents in the database; the transactional cases run on jongodb, the non-transactional ones on
 * mongo-java-server.
 */
class MongoUnhappyPathsIT {

    private static final Duration T = Duration.ofSeconds(30);
    private static MongoServers.Jongodb jongodb;
    private static MongoClient tx;
    private static MongoClient standalone;

    @BeforeAll
    static void start() throws Exception {
        standalone = MongoServers.inProcessClient();
        jongodb = MongoServers.Jongodb.start();
        tx = MongoServers.client(jongodb.uri());
    }

    @AfterAll
    static void stop() {
        if (tx != null) {
            tx.close();
        }
        if (jongodb != null) {
            jongodb.close();
        }
        if (standalone != null) {
            standalone.close();
        }
    }

    private static MongoMigrationRunner.Builder runner(MongoClient client, String db, SimpleMeterRegistry registry) {
        return MongoMigrationRunner.builder().client(client).database(db).meterRegistry(registry)
                .lockWait(Duration.ofSeconds(10)).lockPollInterval(Duration.ofMillis(20));
    }

    /** Inserts {@code n} documents in batches of 100, reporting each batch; fails afterwards while {@code fail}. */
    private static TestMigration insertThenMaybeFail(int n, AtomicBoolean fail) {
        return TestMigration.of("1", "insert items", ctx -> {
            for (int start = 0; start < n; start += 100) {
                List<Document> batch = new ArrayList<>();
                for (int i = start; i < Math.min(n, start + 100); i++) {
                    batch.add(new Document("_id", i));
                }
                ctx.await(s -> ctx.collection("items").insertMany(s, batch), () -> ctx.collection("items").insertMany(batch));
                ctx.documents("items", batch.size());
            }
            if (fail.get()) {
                throw new IllegalStateException("bad source row");
            }
        });
    }

    private static long count(MongoClient client, String db, String collection) {
        return Reactive.first(client.getDatabase(db).getCollection(collection).countDocuments(), T);
    }

    private static double documents(SimpleMeterRegistry registry) {
        Counter c = registry.find("mongodb.migration.documents").tag("version", "1").tag("collection", "items").counter();
        return c == null ? 0 : c.count();
    }

    private static Document entry(MongoClient client, String db) {
        return Reactive.first(client.getDatabase(db).getCollection("migmon_changelog").find(Filters.eq("_id", "1")), T);
    }

    @Test
    void rolledBackWritesAreNotCountedAndARetryCountsOnlyWhatItCommitted() {
        String db = MongoServers.uniqueDb("rb");
        // the collection exists before the transactions (creating one inside a transaction needs MongoDB 4.4+)
        Reactive.first(tx.getDatabase(db).getCollection("items").insertOne(new Document("_id", "seed")), T);
        Reactive.first(tx.getDatabase(db).getCollection("items").deleteOne(Filters.eq("_id", "seed")), T);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicBoolean fail = new AtomicBoolean(true);
        try (MongoMigrationRunner r = runner(tx, db, registry).transactionPolicy(TransactionPolicy.REQUIRED)
                .migrations(insertThenMaybeFail(310, fail)).build()) {
            MongoMigrationException e = catchThrowableOfType(MongoMigrationException.class, r::run);
            assertThat(e.reason()).isEqualTo(MongoMigrationException.Reason.MIGRATION_FAILED);

            assertThat(count(tx, db, "items")).as("ground truth: the transaction was aborted").isZero();
            assertThat(documents(registry)).isEqualTo(count(tx, db, "items"));
            assertThat(registry.get("mongodb.migration.duration").tag("version", "1").tag("status", "rolled_back")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.find("mongodb.migration.duration").tag("version", "1").tag("status", "failed").timer())
                    .isNull();
            Document rolledBack = entry(tx, db);
            assertThat(rolledBack.getString("status")).isEqualTo("rolled_back");
            assertThat(rolledBack.get("documents", Number.class).longValue()).isZero();
            assertThat(rolledBack.get("attemptedDocuments", Number.class).longValue()).isEqualTo(310);
            assertThat(e.report().orElseThrow().failure().orElseThrow().documents()).isZero();

            fail.set(false);
            MongoRunReport retry = r.run();
            assertThat(retry.applied()).containsExactly("1");
            assertThat(count(tx, db, "items")).isEqualTo(310);
            assertThat(documents(registry)).as("committed work only").isEqualTo(310);
            Document applied = entry(tx, db);
            assertThat(applied.getString("status")).isEqualTo("success");
            assertThat(applied.getList("attempts", Document.class)).extracting(d -> d.getString("status"))
                    .containsExactly("rolled_back", "success");
        }
    }

    @Test
    void aNonTransactionalFailureKeepsAndCountsItsPartialWrites() {
        String db = MongoServers.uniqueDb("partial");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AtomicBoolean fail = new AtomicBoolean(true);
        try (MongoMigrationRunner r = runner(standalone, db, registry).migrations(insertThenMaybeFail(250, fail)).build()) {
            catchThrowableOfType(MongoMigrationException.class, r::run);

            assertThat(count(standalone, db, "items")).as("no transaction: partial writes remain").isEqualTo(250);
            assertThat(documents(registry)).isEqualTo(250);
            assertThat(registry.get("mongodb.migration.duration").tag("version", "1").tag("status", "failed")
                    .timer().count()).isEqualTo(1);
            Document failed = entry(standalone, db);
            assertThat(failed.getString("status")).isEqualTo("failed");
            assertThat(failed.get("documents", Number.class).longValue()).isEqualTo(250);
            assertThat(failed.getList("attempts", Document.class)).hasSize(1)
                    .allSatisfy(a -> assertThat(a.getString("error")).contains("bad source row"));
        }
    }

    @Test
    void refusedRunsAreCountedByReason() {
        String db = MongoServers.uniqueDb("refused");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MongoMigrationRunner r = runner(standalone, db, registry)
                .migrations(insertThenMaybeFail(5, new AtomicBoolean(false))).build()) {
            r.run();
        }
        // the same version, changed since it ran
        TestMigration changed = TestMigration.of("1", "insert items, edited", ctx -> { });
        try (MongoMigrationRunner r = runner(standalone, db, registry).migrations(changed,
                TestMigration.of("2", "next", ctx -> { })).build()) {
            MongoMigrationException e = catchThrowableOfType(MongoMigrationException.class, r::run);
            assertThat(e.reason()).isEqualTo(MongoMigrationException.Reason.CHECKSUM_MISMATCH);
            assertThat(registry.get("mongodb.migration.errors").tag("version", "1").tag("error_type", "CHECKSUM_MISMATCH")
                    .counter().count()).isEqualTo(1);
        }
        // a lock another runner holds (not expired), no wait
        Reactive.first(standalone.getDatabase(db).getCollection("migmon_lock").insertOne(new Document("_id", "migmon")
                .append("owner", "someone-else").append("expiresAt", Date.from(Instant.now().plusSeconds(600)))), T);
        try (MongoMigrationRunner r = runner(standalone, db, registry).lockWait(Duration.ZERO)
                .migrations(insertThenMaybeFail(5, new AtomicBoolean(false)), TestMigration.of("2", "next", ctx -> { }))
                .build()) {
            MongoMigrationException e = catchThrowableOfType(MongoMigrationException.class, r::run);
            assertThat(e.reason()).isEqualTo(MongoMigrationException.Reason.LOCK_TIMEOUT);
            // the version the run would have applied next
            assertThat(registry.get("mongodb.migration.errors").tag("version", "2").tag("error_type", "LOCK_TIMEOUT")
                    .counter().count()).isEqualTo(1);
        }
        assertThat(count(standalone, db, "items")).isEqualTo(5);
    }
}
