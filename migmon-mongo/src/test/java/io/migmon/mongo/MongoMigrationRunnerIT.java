package io.migmon.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.mongodb.client.model.Accumulators;
import com.mongodb.client.model.Aggregates;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.DeleteManyModel;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.UpdateManyModel;
import com.mongodb.client.model.Updates;
import com.mongodb.bulk.BulkWriteResult;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.testing.ExternalTools;
import io.migmon.core.testing.MutableClock;
import io.migmon.mongo.internal.Reactive;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The runner against a real wire-protocol server (mongo-java-server in-process: standalone, no transactions). */
class MongoMigrationRunnerIT {

    private static final Duration T = Duration.ofSeconds(30);

    private MongoClient client;
    private String db;
    private PrometheusMeterRegistry registry;

    @BeforeEach
    void setUp() {
        client = MongoServers.inProcessClient();
        db = MongoServers.uniqueDb("runner");
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    }

    @AfterEach
    void tearDown() {
        client.close();
    }

    private MongoMigrationRunner.Builder runner(MongoMigration... migrations) {
        return MongoMigrationRunner.builder().client(client).database(db).meterRegistry(registry)
                .lockWait(Duration.ofSeconds(20)).lockPollInterval(Duration.ofMillis(20)).migrations(migrations);
    }

    private MongoCollection<Document> coll(String name) {
        return client.getDatabase(db).getCollection(name);
    }

    private long count(String name) {
        return Reactive.first(coll(name).countDocuments(), T);
    }

    static TestMigration insertOrders(String version, int n) {
        return TestMigration.of(version, "insert " + n + " orders", ctx -> {
            MongoCollection<Document> orders = ctx.collection("orders");
            for (int start = 0; start < n; start += 250) {
                List<Document> batch = new ArrayList<>();
                for (int i = start; i < Math.min(n, start + 250); i++) {
                    batch.add(new Document("_id", i).append("customer", "c" + (i % 10)).append("amount", i % 100));
                }
                ctx.await(s -> orders.insertMany(s, batch), () -> orders.insertMany(batch));
                ctx.documents("orders", batch.size());
            }
        }).expecting(n);
    }

    static TestMigration bulkStatus(String version) {
        return TestMigration.of(version, "bulk: status by amount, drop zero orders", ctx -> {
            MongoCollection<Document> orders = ctx.collection("orders");
            var models = List.of(
                    new UpdateManyModel<Document>(Filters.lt("amount", 50), Updates.set("status", "small")),
                    new UpdateManyModel<Document>(Filters.gte("amount", 50), Updates.set("status", "large")),
                    new DeleteManyModel<Document>(Filters.eq("amount", 0)));
            BulkWriteResult r = ctx.await(s -> orders.bulkWrite(s, models, new BulkWriteOptions().ordered(true)),
                    () -> orders.bulkWrite(models, new BulkWriteOptions().ordered(true)));
            ctx.documents("orders", r.getModifiedCount() + r.getDeletedCount());
        });
    }

    static TestMigration totalsByCustomer(String version) {
        return TestMigration.of(version, "aggregate totals per customer into order_totals", ctx -> {
            var pipeline = List.of(Aggregates.group("$customer", Accumulators.sum("total", "$amount"),
                    Accumulators.sum("orders", 1)), Aggregates.sort(new Document("_id", 1)), Aggregates.out("order_totals"));
            ctx.awaitAll(ctx.collection("orders").aggregate(pipeline));
            ctx.documents("order_totals", ctx.await(ctx.collection("order_totals").countDocuments()));
        });
    }

    @Test
    void appliesCrudBulkAndAggregationMigrationsInVersionOrderAndRecordsThem() {
        TestMigration index = TestMigration.of("10", "index on customer", ctx ->
                ctx.await(ctx.collection("orders").createIndex(Indexes.ascending("customer")))).nonTransactional()
                .validatedBy(MongoValidations.indexExists("orders", "customer_1"));
        try (MongoMigrationRunner r = runner(index, totalsByCustomer("2.1"), bulkStatus("2"), insertOrders("1", 1000)).build()) {
            MongoRunReport report = r.run();

            assertThat(report.applied()).containsExactly("1", "2", "2.1", "10");
            assertThat(report.transactional()).isFalse();
            assertThat(report.topology()).isEqualTo("standalone");
            assertThat(report.migrations()).allSatisfy(m -> assertThat(m.transactional()).isFalse());
            assertThat(report.migrations().get(0).documents()).isEqualTo(1000);
            assertThat(report.migrations().get(3).validations()).singleElement()
                    .satisfies(v -> assertThat(v.passed()).isTrue());

            assertThat(count("orders")).isEqualTo(990);
            assertThat(Reactive.first(coll("orders").countDocuments(Filters.eq("status", "large")), T)).isEqualTo(500);
            Document c3 = Reactive.first(coll("order_totals").find(Filters.eq("_id", "c3")), T);
            assertThat(c3.get("orders", Number.class).intValue()).isEqualTo(100);

            List<Document> log = r.changelog();
            assertThat(log).extracting(d -> d.getString("version")).containsExactlyInAnyOrder("1", "2", "2.1", "10");
            assertThat(log).allSatisfy(d -> {
                assertThat(d.getString("status")).isEqualTo("success");
                assertThat(d.getString("checksum")).hasSize(32);
                assertThat(d.getBoolean("transactional")).isFalse();
                assertThat(d.get("durationMillis", Number.class).longValue()).isGreaterThanOrEqualTo(0);
            });
            assertThat(log.stream().filter(d -> d.getString("version").equals("1")).findFirst().orElseThrow()
                    .get("documents", Number.class).longValue()).isEqualTo(1000);

            assertThat(registry.get("mongodb.migration.documents").tag("version", "1").tag("collection", "orders")
                    .counter().count()).isEqualTo(1000);
            assertThat(registry.get("mongodb.migration.duration").tag("version", "2.1").tag("status", "success")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get("mongodb.migration.validations").tag("version", "10").tag("check", "index:orders.customer_1")
                    .tag("status", "passed").counter().count()).isEqualTo(1);
            assertThat(registry.get("migration.rows").tag("migration_id", db + "-v1").tag("table_name", "orders")
                    .functionCounter().count()).isEqualTo(1000);
            assertThat(registry.get("migration.progress").tag("migration_id", db + "-v1").gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("migration.status").tag("migration_id", db + "-v2").tag("status", "success")
                    .gauge().value()).isEqualTo(1.0);
            assertThat(count("migmon_lock")).isZero();

            String scrape = registry.scrape();
            assertThat(scrape).contains("mongodb_migration_documents_total{collection=\"orders\",version=\"1\"} 1000.0")
                    .contains("mongodb_migration_duration_seconds_count{status=\"success\",version=\"10\"} 1");
            ExternalTools.assertPromtoolAcceptsMetrics(scrape);
        }
    }

    @Test
    void secondRunSkipsAppliedVersionsAndRunsOnlyNewOnes() {
        AtomicInteger runs = new AtomicInteger();
        TestMigration counted = TestMigration.of("1", "counted", ctx -> runs.incrementAndGet());
        try (MongoMigrationRunner r = runner(counted).build()) {
            assertThat(r.run().applied()).containsExactly("1");
        }
        try (MongoMigrationRunner r = runner(counted, insertOrders("2", 10)).build()) {
            MongoRunReport report = r.run();
            assertThat(report.skipped()).containsExactly("1");
            assertThat(report.applied()).containsExactly("2");
        }
        assertThat(runs).hasValue(1);
        assertThat(registry.find("mongodb.migration.duration").tag("version", "1").timers()).allSatisfy(t ->
                assertThat(t.count()).isZero());
    }

    @Test
    void changedChecksumOfAnAppliedMigrationFailsBeforeRunningAnything() {
        try (MongoMigrationRunner r = runner(TestMigration.of("1", "original", ctx -> { })).build()) {
            r.run();
        }
        AtomicInteger ran = new AtomicInteger();
        try (MongoMigrationRunner r = runner(TestMigration.of("1", "edited afterwards", ctx -> { }),
                TestMigration.of("2", "new", ctx -> ran.incrementAndGet())).build()) {
            MongoMigrationException e = catchThrowableOfType(MongoMigrationException.class, r::run);
            assertThat(e.reason()).isEqualTo(MongoMigrationException.Reason.CHECKSUM_MISMATCH);
            assertThat(e).hasMessageContaining("version 1: applied");
        }
        assertThat(ran).hasValue(0);
        assertThat(count("migmon_lock")).isZero();
    }

    @Test
    void failingMigrationIsRecordedCountedAndReleasesTheLockAndALaterRunRetriesIt() {
        AtomicInteger attempts = new AtomicInteger();
        TestMigration flaky = TestMigration.of("2", "fails the first time", ctx -> {
            ctx.await(ctx.collection("audit").deleteMany(new Document()));
            var docs = IntStream.range(0, 10).mapToObj(i -> new Document("_id", i)).toList();
            ctx.await(s -> ctx.collection("audit").insertMany(s, docs), () -> ctx.collection("audit").insertMany(docs));
            ctx.documents("audit", 10);
            if (attempts.incrementAndGet() == 1) {
                throw new IllegalStateException("source format not recognised");
            }
        });
        AtomicInteger third = new AtomicInteger();
        TestMigration v3 = TestMigration.of("3", "after", ctx -> third.incrementAndGet());
        ListAppender<ILoggingEvent> logs = capture("io.migmon.mongo");
        try (MongoMigrationRunner r = runner(insertOrders("1", 5), flaky, v3).build()) {
            MongoMigrationException e = catchThrowableOfType(MongoMigrationException.class, r::run);

            assertThat(e.reason()).isEqualTo(MongoMigrationException.Reason.MIGRATION_FAILED);
            assertThat(e).hasCauseInstanceOf(IllegalStateException.class).hasMessageContaining("migration 2");
            MongoRunReport report = e.report().orElseThrow();
            assertThat(report.applied()).containsExactly("1");
            assertThat(report.failure()).hasValueSatisfying(f -> {
                assertThat(f.version()).isEqualTo("2");
                assertThat(f.error()).hasValue("IllegalStateException: source format not recognised");
                assertThat(f.documents()).isEqualTo(10);
            });
            assertThat(report.migrations()).hasSize(2);
            assertThat(third).hasValue(0);

            assertThat(registry.get("mongodb.migration.errors").tag("version", "2").tag("error_type", "IllegalStateException")
                    .counter().count()).isEqualTo(1);
            assertThat(registry.get("mongodb.migration.duration").tag("version", "2").tag("status", "failed")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.get("migration.status").tag("migration_id", db + "-v2").tag("status", "failed")
                    .gauge().value()).isEqualTo(1.0);
            assertThat(count("migmon_lock")).isZero();
            Document entry = Reactive.first(coll("migmon_changelog").find(Filters.eq("_id", "2")), T);
            assertThat(entry.getString("status")).isEqualTo("failed");
            assertThat(entry.getString("error")).contains("source format not recognised");
            assertThat(count("audit")).as("no transaction on a standalone server: partial writes remain").isEqualTo(10);

            ILoggingEvent failed = logs.list.stream().filter(ev -> ev.getFormattedMessage().contains("failed after"))
                    .findFirst().orElseThrow();
            assertThat(failed.getMDCPropertyMap()).containsEntry("version", "2").containsEntry("migration_id", db + "-v2");
            assertThat(logs.list).anySatisfy(ev -> assertThat(ev.getFormattedMessage()).contains("WITHOUT transactions"));

            assertThat(r.pending()).containsExactly("2", "3");
            MongoRunReport retry = r.run();
            assertThat(retry.skipped()).containsExactly("1");
            assertThat(retry.applied()).containsExactly("2", "3");
            assertThat(registry.get("migration.status").tag("migration_id", db + "-v2").tag("status", "success")
                    .gauge().value()).isEqualTo(1.0);
            assertThat(r.pending()).isEmpty();
        } finally {
            ((Logger) LoggerFactory.getLogger("io.migmon.mongo")).detachAppender(logs);
        }
    }

    @Test
    void twoRunnersInParallelNeverRunAMigrationTwiceAndTheSecondWaitsForTheLock() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger running = new AtomicInteger();
        AtomicInteger maxRunning = new AtomicInteger();
        AtomicInteger executions = new AtomicInteger();
        TestMigration slow = TestMigration.of("1", "slow", ctx -> {
            maxRunning.accumulateAndGet(running.incrementAndGet(), Math::max);
            executions.incrementAndGet();
            inside.countDown();
            release.await(30, TimeUnit.SECONDS);
            running.decrementAndGet();
        });
        try (MongoMigrationRunner a = runner(slow).owner("runner-a").build();
             MongoMigrationRunner b = runner(slow).owner("runner-b").build();
             MongoMigrationRunner impatient = runner(slow).owner("runner-c").lockWait(Duration.ZERO).build()) {
            CompletableFuture<MongoRunReport> first = CompletableFuture.supplyAsync(a::run);
            assertThat(inside.await(30, TimeUnit.SECONDS)).isTrue();
            CompletableFuture<MongoRunReport> second = CompletableFuture.supplyAsync(b::run);

            MongoMigrationException e = catchThrowableOfType(MongoMigrationException.class, impatient::run);
            assertThat(e.reason()).isEqualTo(MongoMigrationException.Reason.LOCK_TIMEOUT);
            assertThat(e).hasMessageContaining("held by 'runner-a'").hasMessageContaining("lockWait");
            assertThat(second).isNotDone();

            release.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS).applied()).containsExactly("1");
            assertThat(second.get(30, TimeUnit.SECONDS).skipped()).containsExactly("1");
        }
        assertThat(executions).hasValue(1);
        assertThat(maxRunning).hasValue(1);
        assertThat(count("migmon_lock")).isZero();
    }

    @Test
    void anExpiredLockOfACrashedRunnerIsTakenOver() {
        Reactive.first(coll("migmon_lock").insertOne(new Document("_id", "migmon").append("owner", "crashed")
                .append("expiresAt", Date.from(Instant.now().minusSeconds(60)))), T);
        try (MongoMigrationRunner r = runner(insertOrders("1", 3)).lockWait(Duration.ZERO).build()) {
            assertThat(r.run().applied()).containsExactly("1");
        }
        assertThat(count("migmon_lock")).isZero();
    }

    @Test
    void aMigrationOutlivingItsLockFailsWithLockLostInsteadOfRecordingSuccess() {
        MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
        MutableClock later = MutableClock.at("2026-01-01T01:00:00Z");
        try (MongoMigrationRunner other = runner().owner("other").clock(later).lockWait(Duration.ZERO).build();
             MongoMigrationRunner r = runner(TestMigration.of("1", "outlives its lease", ctx -> {
                 // another instance sees the lease expired (its clock is an hour later), takes the lock and releases it
                 other.run();
             })).owner("slow").clock(clock).lockTtl(Duration.ofMinutes(1)).build()) {
            MongoMigrationException e = catchThrowableOfType(MongoMigrationException.class, r::run);
            assertThat(e.reason()).isEqualTo(MongoMigrationException.Reason.LOCK_LOST);
            assertThat(e.report().orElseThrow().failure()).isPresent();
            Document entry = Reactive.first(coll("migmon_changelog").find(Filters.eq("_id", "1")), T);
            assertThat(entry.getString("status")).isEqualTo("failed");
        }
    }

    @Test
    void validationsReportCountsSamplesAndFailTheMigration() {
        TestMigration good = insertOrders("1", 200).validatedBy(
                MongoValidations.countDelta("orders", 200),
                MongoValidations.sample("orders", 50, "amount below 100", d -> d.getInteger("amount") < 100));
        TestMigration bad = TestMigration.of("2", "loses documents", ctx -> ctx.await(ctx.collection("orders")
                .deleteMany(Filters.lt("_id", 5)))).validatedBy(MongoValidations.countUnchanged("orders"),
                MongoValidations.sample("orders", 20, "has a status", d -> d.containsKey("status")));
        try (MongoMigrationRunner r = runner(good, bad).build()) {
            MongoMigrationException e = catchThrowableOfType(MongoMigrationException.class, r::run);
            assertThat(e).hasCauseInstanceOf(ValidationFailedException.class);
            MongoRunReport report = e.report().orElseThrow();
            assertThat(report.migrations().get(0).validations()).extracting(ValidationResult::passed).containsExactly(true, true);
            assertThat(report.migrations().get(0).validations().get(0).detail()).contains("orders: 0 -> 200");
            List<ValidationResult> failed = report.failure().orElseThrow().validations();
            assertThat(failed).extracting(ValidationResult::check).containsExactly("count:orders", "sample:orders");
            assertThat(failed).extracting(ValidationResult::passed).containsExactly(false, false);
            assertThat(failed.get(0).detail()).contains("orders: 200 -> 195");
            assertThat(failed.get(1).detail()).contains("does not satisfy 'has a status'");
            assertThat(registry.get("mongodb.migration.validations").tag("version", "2").tag("check", "count:orders")
                    .tag("status", "failed").counter().count()).isEqualTo(1);
            assertThat(registry.get("mongodb.migration.errors").tag("version", "2").tag("error_type", "ValidationFailedException")
                    .counter().count()).isEqualTo(1);
        }
    }

    @Test
    void requiredTransactionsFailClearlyOnAStandaloneServer() {
        AtomicInteger ran = new AtomicInteger();
        try (MongoMigrationRunner r = runner(TestMigration.of("1", "x", ctx -> ran.incrementAndGet()))
                .transactionPolicy(TransactionPolicy.REQUIRED).build()) {
            assertThatThrownBy(r::run).isInstanceOfSatisfying(MongoMigrationException.class, e ->
                    assertThat(e.reason()).isEqualTo(MongoMigrationException.Reason.TRANSACTIONS_UNSUPPORTED))
                    .hasMessageContaining("transactionPolicy=REQUIRED").hasMessageContaining("standalone");
        }
        assertThat(ran).hasValue(0);
    }

    @Test
    void undoRunsDownAndKeepsTheHistory() {
        TestMigration v1 = insertOrders("1", 20).withDown(ctx -> ctx.await(ctx.collection("orders").deleteMany(new Document())));
        try (MongoMigrationRunner r = runner(v1).build()) {
            r.run();
            r.undo("1");
            assertThat(count("orders")).isZero();
            // the entry stays: status undone, the successful attempt and the undo in its history
            assertThat(r.changelog()).singleElement().satisfies(e -> {
                assertThat(e.getString("status")).isEqualTo("undone");
                assertThat(e.getList("attempts", Document.class)).extracting(a -> a.getString("status"))
                        .containsExactly("success", "undone");
            });
            assertThat(r.pending()).containsExactly("1");
            assertThatThrownBy(() -> r.undo("1")).hasMessageContaining("not applied");
            assertThat(r.run().applied()).containsExactly("1");
            assertThat(count("orders")).isEqualTo(20);
            assertThat(r.changelog()).singleElement().satisfies(e -> {
                assertThat(e.getString("status")).isEqualTo("success");
                assertThat(e.getList("attempts", Document.class)).extracting(a -> a.getString("status"))
                        .containsExactly("success", "undone", "success");
            });
            assertThatThrownBy(() -> r.undo("7")).hasMessageContaining("no migration with version 7");
        }
    }

    @Test
    void listenersSeeEveryMigrationAndTheCurrentRunIsExposedWhileItRuns() {
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        io.migmon.core.spi.MigrationListener listener = new io.migmon.core.spi.MigrationListener() {
            @Override
            public void onStart(io.migmon.core.MigrationRun run) {
                events.add("start " + run.migrationId());
            }

            @Override
            public void onFinish(io.migmon.core.MigrationRun run, io.migmon.core.MigrationStatus status, Duration d, Throwable t) {
                events.add("finish " + run.migrationId() + " " + status.tagValue());
            }
        };
        MongoMigrationRunner[] self = new MongoMigrationRunner[1];
        List<Long> seen = new ArrayList<>();
        TestMigration sampling = TestMigration.of("2", "samples itself", ctx -> {
            ctx.documents("x", 7);
            seen.add(self[0].currentRun().orElseThrow().sample().rowsDone());
        });
        try (MongoMigrationRunner r = runner(insertOrders("1", 10), sampling).listener(listener).build()) {
            self[0] = r;
            r.run();
            assertThat(r.currentRun()).isEmpty();
            assertThat(r.observableMigration("1")).hasValueSatisfying(m -> assertThat(m.migrationId()).isEqualTo(db + "-v1"));
        }
        assertThat(seen).containsExactly(7L);
        assertThat(events).containsExactly("start " + db + "-v1", "finish " + db + "-v1 success",
                "start " + db + "-v2", "finish " + db + "-v2 success");
    }

    @Test
    void anAbortedMigrationIsRecordedAsAbortedNotAsAnError() {
        try (MongoMigrationRunner r = runner(TestMigration.of("1", "stopped by the host", ctx -> {
            throw new io.migmon.core.MigrationAbortedException("maintenance window over");
        })).build()) {
            MongoMigrationException e = catchThrowableOfType(MongoMigrationException.class, r::run);
            assertThat(e.report().orElseThrow().failure()).isPresent();
            assertThat(registry.get("mongodb.migration.duration").tag("version", "1").tag("status", "aborted")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.find("mongodb.migration.errors").counters()).isEmpty();
            assertThat(registry.get("migration.status").tag("migration_id", db + "-v1").tag("status", "aborted")
                    .gauge().value()).isEqualTo(1.0);
            assertThat(r.pending()).containsExactly("1");
        }
    }

    @Test
    void closeRemovesOnlyTheRunnersMeters() {
        registry.counter("host.own.counter").increment();
        try (MongoMigrationRunner r = runner(insertOrders("1", 3)).build()) {
            r.run();
            assertThat(registry.find("mongodb.migration.documents").counters()).isNotEmpty();
        }
        assertThat(registry.getMeters()).extracting(m -> m.getId().getName())
                .containsOnly("host.own.counter");
    }

    static ListAppender<ILoggingEvent> capture(String logger) {
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        ((Logger) LoggerFactory.getLogger(logger)).addAppender(appender);
        return appender;
    }
}
