package io.migmon.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.model.Filters;
import com.mongodb.reactivestreams.client.MongoClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.mongo.internal.Reactive;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A runner whose lease expires mid-migration (lockTtl 2 s, a migration working 5 s without reporting documents) is
 * taken over by a second runner, on mongo-java-server (standalone, no transactions) and jongodb (transactions). The
 * ground truth is the marker documents each execution of version 1 inserts and the changelog as stored: the late
 * failure of the first runner is kept as an attempt but never hides the second runner's success, a third runner
 * applies nothing, and the lost lock is counted as {@code LOCK_LOST}. Plus: a SIGKILLed holder in another JVM with two
 * waiting runners.
 */
class MongoLockTakeoverIT {
    private static final Duration T = Duration.ofSeconds(30);
    private static MongoServers.Jongodb jongodb;

    @BeforeAll
    static void start() throws Exception {
        MongoServers.inProcessUri();
        jongodb = MongoServers.Jongodb.start();
    }

    @AfterAll
    static void stop() {
        jongodb.close();
    }

    private static String uri(boolean jg) {
        return jg ? jongodb.uri() : MongoServers.inProcessUri();
    }

    private static MongoMigrationRunner.Builder runner(MongoClient c, String db, String owner, Duration ttl,
            SimpleMeterRegistry registry) {
        return MongoMigrationRunner.builder().client(c).database(db).meterRegistry(registry).owner(owner)
                .lockTtl(ttl).lockWait(Duration.ofSeconds(30)).lockPollInterval(Duration.ofMillis(20));
    }

    private static long markers(MongoClient c, String db, String v) {
        return Reactive.first(c.getDatabase(db).getCollection("executions").countDocuments(Filters.eq("version", v)), T);
    }

    private static Document entry(MongoClient c, String db, String v) {
        return Reactive.first(c.getDatabase(db).getCollection("migmon_changelog").find(Filters.eq("_id", v)), T);
    }

    /** Version 1 inserts a marker (in its transaction when there is one) then pauses; version 2 does nothing. */
    private static MongoMigration[] txMarkers(long pauseMs) {
        return new MongoMigration[] {
            TestMigration.of("1", "tx marker then pause", ctx -> {
                ctx.await(s -> ctx.collection("executions").insertOne(s, new Document("version", "1")),
                        () -> ctx.collection("executions").insertOne(new Document("version", "1")));
                Thread.sleep(pauseMs);
            }),
            TestMigration.of("2", "marker", ctx -> { })
        };
    }

    private static Object runQuietly(MongoMigrationRunner r) {
        try {
            return r.run();
        } catch (Throwable t) {
            return t;
        }
    }

    /** A takes the lock, B takes over after A's lease; returns {A's outcome, B's outcome}. */
    private static Object[] takeover(MongoMigrationRunner a, MongoMigrationRunner b) throws Exception {
        CompletableFuture<Object> fa = CompletableFuture.supplyAsync(() -> runQuietly(a));
        Thread.sleep(300);
        Object rb = runQuietly(b);
        return new Object[] {fa.get(60, TimeUnit.SECONDS), rb};
    }

    private void lateFailureKeepsTakeoverSuccess(boolean jg) throws Exception {
        String db = MongoServers.uniqueDb("takeover" + (jg ? "jg" : "sa"));
        SimpleMeterRegistry ra = new SimpleMeterRegistry();
        try (MongoClient c = MongoServers.client(uri(jg))) {
            Reactive.first(c.getDatabase(db).getCollection("executions").insertOne(new Document("_id", "seed")), T);
            Object[] outcomes;
            try (MongoMigrationRunner a = runner(c, db, "A", Duration.ofSeconds(2), ra).migrations(txMarkers(5000)).build();
                 MongoMigrationRunner b = runner(c, db, "B", Duration.ofSeconds(2), new SimpleMeterRegistry())
                         .migrations(txMarkers(10)).build()) {
                outcomes = takeover(a, b);
                // the lost lock is counted by its reason in both error counters
                assertThat(ra.get("mongodb.migration.errors").tag("version", "1").tag("error_type", "LOCK_LOST")
                        .counter().count()).isEqualTo(1.0);
                assertThat(ra.get("migration.errors").tag("error_type", "LOCK_LOST").counter().count()).isEqualTo(1.0);
                assertThat(ra.find("mongodb.migration.errors").tag("error_type", "LockLostException").counter()).isNull();
            }
            assertThat(outcomes[0]).isInstanceOfSatisfying(MongoMigrationException.class,
                    e -> assertThat(e.reason()).isEqualTo(MongoMigrationException.Reason.LOCK_LOST));
            assertThat(outcomes[1]).isInstanceOfSatisfying(MongoRunReport.class,
                    r -> assertThat(r.applied()).containsExactly("1", "2"));
            // with a transaction A's marker was rolled back; without one it remains beside B's
            assertThat(markers(c, db, "1")).isEqualTo(jg ? 1 : 2);
            Document e1 = entry(c, db, "1");
            assertThat(e1.getString("status")).isEqualTo("success");
            assertThat(e1.getString("owner")).isEqualTo("B");
            List<Document> attempts = e1.getList("attempts", Document.class);
            assertThat(attempts).extracting(d -> d.getString("owner") + ":" + d.getString("status"))
                    .containsExactly("A:" + (jg ? "rolled_back" : "failed"), "B:success");
            assertThat(attempts.get(0).getString("error")).startsWith("LOCK_LOST: lock lost (taken over or removed)");
            assertThat(attempts).extracting(d -> d.getString("attemptId")).doesNotHaveDuplicates().doesNotContainNull();

            try (MongoMigrationRunner third = runner(c, db, "C", Duration.ofSeconds(30), new SimpleMeterRegistry())
                    .migrations(txMarkers(10)).build()) {
                MongoRunReport rc = third.run();
                assertThat(rc.applied()).isEmpty();
            }
            assertThat(markers(c, db, "1")).isEqualTo(jg ? 1 : 2);
            assertThat(entry(c, db, "1").getString("status")).isEqualTo("success");
        }
    }

    @Test
    void lateFailureKeepsTakeoverSuccessJongodb() throws Exception {
        lateFailureKeepsTakeoverSuccess(true);
    }

    @Test
    void lateFailureKeepsTakeoverSuccessStandalone() throws Exception {
        lateFailureKeepsTakeoverSuccess(false);
    }

    /** Non-transactional version 1 that stays silent past the lease: B re-executes it (documented), history is whole. */
    private void silent(boolean jg) throws Exception {
        String db = MongoServers.uniqueDb("silent" + (jg ? "jg" : "sa"));
        try (MongoClient c = MongoServers.client(uri(jg))) {
            Object[] outcomes;
            try (MongoMigrationRunner a = runner(c, db, "A", Duration.ofSeconds(2), new SimpleMeterRegistry())
                         .migrations(LockHolderMain.markerMigrations(Duration.ofSeconds(5), false)).build();
                 MongoMigrationRunner b = runner(c, db, "B", Duration.ofSeconds(2), new SimpleMeterRegistry())
                         .migrations(LockHolderMain.markerMigrations(Duration.ofMillis(10), false)).build()) {
                outcomes = takeover(a, b);
            }
            assertThat(outcomes[0]).isInstanceOfSatisfying(MongoMigrationException.class,
                    e -> assertThat(e.reason()).isEqualTo(MongoMigrationException.Reason.LOCK_LOST));
            assertThat(outcomes[1]).isInstanceOfSatisfying(MongoRunReport.class,
                    r -> assertThat(r.applied()).containsExactly("1", "2"));
            // no transaction: A's marker stays, B ran version 1 again (lease shorter than a silent migration)
            assertThat(markers(c, db, "1")).isEqualTo(2);
            assertThat(markers(c, db, "2")).isEqualTo(1);
            Document e1 = entry(c, db, "1");
            assertThat(e1.getString("status")).isEqualTo("success");
            assertThat(e1.getList("attempts", Document.class)).extracting(d -> d.getString("owner") + ":"
                    + d.getString("status") + ":" + d.get("documents")).containsExactly("A:failed:1", "B:success:1");
            try (MongoMigrationRunner third = runner(c, db, "C", Duration.ofSeconds(30), new SimpleMeterRegistry())
                    .migrations(LockHolderMain.markerMigrations(Duration.ZERO, false)).build()) {
                assertThat(third.run().applied()).isEmpty();
            }
            assertThat(markers(c, db, "1")).isEqualTo(2);
        }
    }

    @Test
    void silentLongMigrationStandalone() throws Exception {
        silent(false);
    }

    @Test
    void silentLongMigrationJongodb() throws Exception {
        silent(true);
    }

    /** A holder in another JVM is SIGKILLed while two runners wait: one takes over after the lease, applies once. */
    private void sigkillWithTwoWaiters(boolean jg) throws Exception {
        String db = MongoServers.uniqueDb("kill3" + (jg ? "jg" : "sa"));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                LockHolderMain.class.getName(), uri(jg), db, "doomed", "3000", "hang").redirectErrorStream(true).start();
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        try (MongoClient c = MongoServers.client(uri(jg));
             MongoMigrationRunner s1 = runner(c, db, "s1", Duration.ofSeconds(3), new SimpleMeterRegistry())
                     .migrations(LockHolderMain.markerMigrations(Duration.ZERO, false)).build();
             MongoMigrationRunner s2 = runner(c, db, "s2", Duration.ofSeconds(3), new SimpleMeterRegistry())
                     .migrations(LockHolderMain.markerMigrations(Duration.ZERO, false)).build()) {
            String line;
            while ((line = r.readLine()) != null && !line.startsWith("INSIDE")) {
                // wait until the holder is inside version 1
            }
            CompletableFuture<Object> f1 = CompletableFuture.supplyAsync(() -> runQuietly(s1));
            CompletableFuture<Object> f2 = CompletableFuture.supplyAsync(() -> runQuietly(s2));
            Thread.sleep(200);
            Document lock = Reactive.first(c.getDatabase(db).getCollection("migmon_lock").find(), T);
            Date expires = lock.getDate("expiresAt");
            p.destroyForcibly();
            p.waitFor(30, TimeUnit.SECONDS);
            Object r1 = f1.get(60, TimeUnit.SECONDS);
            Object r2 = f2.get(60, TimeUnit.SECONDS);
            assertThat(r1).isInstanceOf(MongoRunReport.class);
            assertThat(r2).isInstanceOf(MongoRunReport.class);
            assertThat(markers(c, db, "1")).isEqualTo(2);
            assertThat(markers(c, db, "2")).isEqualTo(1);
            List<Document> ex = Reactive.collect(c.getDatabase(db).getCollection("executions")
                    .find(Filters.eq("version", "1"))).join();
            Document survivor = ex.stream().filter(d -> !"doomed".equals(d.getString("owner"))).findFirst().orElseThrow();
            assertThat(survivor.getObjectId("_id").getDate().getTime() / 1000)
                    .isGreaterThanOrEqualTo(expires.getTime() / 1000);
            assertThat(entry(c, db, "1").getList("attempts", Document.class))
                    .extracting(d -> d.getString("owner") + ":" + d.getString("status"))
                    .hasSize(2).first().isEqualTo("doomed:abandoned");
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void sigkillWithTwoWaitersStandalone() throws Exception {
        sigkillWithTwoWaiters(false);
    }

    @Test
    void sigkillWithTwoWaitersJongodb() throws Exception {
        sigkillWithTwoWaiters(true);
    }
}
