package io.migmon.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.reactivestreams.client.MongoClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.mongo.internal.Reactive;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The transactional path against a real server with sessions and transactions: a jongodb process (single-node
 * replica-set profile) started by this class. Skipped locally with a reason when jongodb is absent; fails under CI.
 */
class MongoTransactionsIT {

    private static final Duration T = Duration.ofSeconds(30);
    private static MongoServers.Jongodb jongodb;
    private static MongoClient client;

    private String db;
    private SimpleMeterRegistry registry;

    @BeforeAll
    static void start() throws Exception {
        jongodb = MongoServers.Jongodb.start();
        client = MongoServers.client(jongodb.uri());
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.close();
        }
        if (jongodb != null) {
            jongodb.close();
        }
    }

    @BeforeEach
    void setUp() {
        db = MongoServers.uniqueDb("tx");
        registry = new SimpleMeterRegistry();
    }

    private MongoMigrationRunner.Builder runner(MongoMigration... migrations) {
        return MongoMigrationRunner.builder().client(client).database(db).meterRegistry(registry)
                .lockWait(Duration.ofSeconds(10)).migrations(migrations);
    }

    private long count(String collection, org.bson.conversions.Bson filter) {
        return Reactive.first(client.getDatabase(db).getCollection(collection).countDocuments(filter), T);
    }

    private static TestMigration insert(String version, String collection, int n) {
        return TestMigration.of(version, "insert " + n + " into " + collection, ctx -> {
            var docs = IntStream.range(0, n).mapToObj(i -> new Document("_id", version + "-" + i).append("n", i)).toList();
            ctx.await(s -> ctx.collection(collection).insertMany(s, docs), () -> ctx.collection(collection).insertMany(docs));
            ctx.documents(collection, n);
        });
    }

    @Test
    void eachMigrationCommitsInItsOwnTransactionWithItsChangelogEntry() {
        // the collection exists before the transactions (creating collections inside one needs MongoDB 4.4+)
        Reactive.first(client.getDatabase(db).getCollection("items").insertOne(new Document("_id", "seed")), T);
        try (MongoMigrationRunner r = runner(insert("1", "items", 100).validatedBy(MongoValidations.countDelta("items", 100),
                MongoValidations.sample("items", 10, "has n", d -> d.containsKey("n") || "seed".equals(d.get("_id")))),
                TestMigration.of("2", "flag items", ctx -> {
            assertThat(ctx.transactional()).isTrue();
            var result = ctx.await(s -> ctx.collection("items").updateMany(s, Filters.gte("n", 50), Updates.set("big", true)),
                    () -> { throw new AssertionError("must run in a transaction"); });
            ctx.documents("items", result.getModifiedCount());
        })).transactionPolicy(TransactionPolicy.REQUIRED).build()) {
            MongoRunReport report = r.run();
            assertThat(report.topology()).isEqualTo("replicaSet");
            assertThat(report.transactional()).isTrue();
            assertThat(report.applied()).containsExactly("1", "2");
            assertThat(report.migrations()).allSatisfy(m -> assertThat(m.transactional()).isTrue());
            assertThat(report.migrations().get(0).validations()).extracting(ValidationResult::passed).containsExactly(true, true);
            assertThat(r.changelog()).allSatisfy(d -> assertThat(d.getBoolean("transactional")).isTrue());
            assertThat(registry.get("mongodb.migration.documents").tag("version", "2").counter().count()).isEqualTo(50);
        }
        assertThat(count("items", Filters.eq("big", true))).isEqualTo(50);
    }

    @Test
    void aFailingMigrationIsAbortedAndLeavesNoPartialWrites() {
        Reactive.first(client.getDatabase(db).getCollection("items").insertOne(new Document("_id", "seed")), T);
        TestMigration failing = TestMigration.of("2", "writes then fails", ctx -> {
            var docs = IntStream.range(0, 200).mapToObj(i -> new Document("_id", "partial-" + i)).toList();
            ctx.await(s -> ctx.collection("items").insertMany(s, docs), () -> ctx.collection("items").insertMany(docs));
            ctx.documents("items", 200);
            ctx.await(s -> ctx.collection("items").updateOne(s, Filters.eq("_id", "seed"), Updates.set("touched", true)),
                    () -> ctx.collection("items").updateOne(Filters.eq("_id", "seed"), Updates.set("touched", true)));
            throw new IllegalArgumentException("bad mapping for field 'price'");
        });
        try (MongoMigrationRunner r = runner(insert("1", "items", 10), failing, insert("3", "items", 5)).build()) {
            MongoMigrationException e = catchThrowableOfType(MongoMigrationException.class, r::run);
            assertThat(e.reason()).isEqualTo(MongoMigrationException.Reason.MIGRATION_FAILED);
            MongoRunReport report = e.report().orElseThrow();
            assertThat(report.transactional()).isTrue();
            assertThat(report.applied()).containsExactly("1");
            assertThat(report.failure().orElseThrow().transactional()).isTrue();

            assertThat(count("items", Filters.regex("_id", "^partial-"))).as("aborted inserts").isZero();
            assertThat(count("items", Filters.eq("touched", true))).as("aborted update").isZero();
            assertThat(count("items", Filters.regex("_id", "^1-"))).as("committed migration 1").isEqualTo(10);
            assertThat(count("items", Filters.regex("_id", "^3-"))).as("not run after the failure").isZero();
            assertThat(count("migmon_lock", new Document())).isZero();
            Document entry = Reactive.first(client.getDatabase(db).getCollection("migmon_changelog").find(Filters.eq("_id", "2")), T);
            // issue 18: an aborted transaction is "rolled_back" (nothing persisted), not "failed" (partial writes remain)
            assertThat(entry.getString("status")).isEqualTo("rolled_back");
            assertThat(entry.getString("error")).startsWith("IllegalArgumentException: bad mapping");
            assertThat(registry.get("mongodb.migration.errors").tag("version", "2").tag("error_type", "IllegalArgumentException")
                    .counter().count()).isEqualTo(1);
        }
    }

    @Test
    void aMigrationCanOptOutAndNeverPolicyRunsWithoutTransactions() {
        TestMigration createIndex = TestMigration.of("1", "index", ctx -> {
            assertThat(ctx.session()).isEmpty();
            ctx.await(ctx.collection("things").insertOne(new Document("k", 1)));
        }).nonTransactional();
        try (MongoMigrationRunner r = runner(createIndex, insert("2", "things", 3)).build()) {
            MongoRunReport report = r.run();
            assertThat(report.transactional()).isTrue();
            assertThat(report.migrations()).extracting(MongoMigrationResult::transactional).containsExactly(false, true);
        }
        db = MongoServers.uniqueDb("tx");
        try (MongoMigrationRunner r = runner(insert("1", "things", 3)).transactionPolicy(TransactionPolicy.NEVER).build()) {
            MongoRunReport report = r.run();
            assertThat(report.transactional()).isFalse();
            assertThat(report.migrations()).extracting(MongoMigrationResult::transactional).containsExactly(false);
        }
        assertThat(List.of(count("things", new Document()))).containsExactly(3L);
    }
}
