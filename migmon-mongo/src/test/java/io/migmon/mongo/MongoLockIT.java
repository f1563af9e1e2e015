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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The migration lock on both wire servers the project runs: mongo-java-server (standalone, answers a duplicate key
 * with a write error) and jongodb (replica set with transactions, answers it with a command error), with runners in
 * two threads and in two JVMs, and a lock holder killed with SIGKILL.
 */
class MongoLockIT {

    private static final Duration T = Duration.ofSeconds(60);
    private static final Map<String, String> URIS = new ConcurrentHashMap<>();
    private static MongoServers.Jongodb jongodb;

    @BeforeAll
    static void start() throws Exception {
        URIS.put("mongo-java-server", MongoServers.inProcessUri());
        jongodb = MongoServers.Jongodb.start();
        URIS.put("jongodb", jongodb.uri());
    }

    @AfterAll
    static void stop() {
        if (jongodb != null) {
            jongodb.close();
        }
    }

    static Stream<String> servers() {
        return Stream.of("mongo-java-server", "jongodb");
    }

    private static MongoMigrationRunner.Builder runner(MongoClient client, String db, String owner) {
        return MongoMigrationRunner.builder().client(client).database(db).meterRegistry(new SimpleMeterRegistry())
                .owner(owner).lockWait(Duration.ofSeconds(60)).lockPollInterval(Duration.ofMillis(50));
    }

    private static long markers(MongoClient client, String db, String version) {
        return Reactive.first(client.getDatabase(db).getCollection("executions").countDocuments(Filters.eq("version", version)), T);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void twoRunnersInTwoThreadsApplyEachVersionOnceAndTheSecondWaits(String server) throws Exception {
        String db = MongoServers.uniqueDb("lock2t");
        try (MongoClient client = MongoServers.client(URIS.get(server));
             MongoMigrationRunner a = runner(client, db, "thread-a").migrations(LockHolderMain.markerMigrations(Duration.ofMillis(800), false)).build();
             MongoMigrationRunner b = runner(client, db, "thread-b").migrations(LockHolderMain.markerMigrations(Duration.ofMillis(800), false)).build()) {
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<MongoRunReport> ra = CompletableFuture.supplyAsync(() -> await(go, a));
            CompletableFuture<MongoRunReport> rb = CompletableFuture.supplyAsync(() -> await(go, b));
            go.countDown();
            List<MongoRunReport> reports = List.of(ra.get(90, TimeUnit.SECONDS), rb.get(90, TimeUnit.SECONDS));

            assertThat(reports).flatExtracting(MongoRunReport::applied).containsExactlyInAnyOrder("1", "2");
            assertThat(reports).flatExtracting(MongoRunReport::skipped).containsExactlyInAnyOrder("1", "2");
            assertThat(markers(client, db, "1")).isEqualTo(1);
            assertThat(markers(client, db, "2")).isEqualTo(1);
            assertThat(Reactive.first(client.getDatabase(db).getCollection("migmon_lock").countDocuments(), T)).isZero();
        }
    }

    private static MongoRunReport await(CountDownLatch go, MongoMigrationRunner r) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return r.run();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void anExpiredLockIsTakenOverAtOnce(String server) {
        String db = MongoServers.uniqueDb("lockexp");
        try (MongoClient client = MongoServers.client(URIS.get(server));
             MongoMigrationRunner r = runner(client, db, "fresh").lockWait(Duration.ZERO)
                     .migrations(LockHolderMain.markerMigrations(Duration.ZERO, false)).build()) {
            Reactive.first(client.getDatabase(db).getCollection("migmon_lock").insertOne(new Document("_id", "migmon")
                    .append("owner", "crashed").append("expiresAt", Date.from(Instant.now().minusSeconds(60)))), T);
            assertThat(r.run().applied()).containsExactly("1", "2");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void runnersInTwoJvmsApplyEachVersionOnce(String server) throws Exception {
        String db = MongoServers.uniqueDb("lock2j");
        Child child = Child.start(URIS.get(server), db, "jvm-child", 30_000, "run");
        try (MongoClient client = MongoServers.client(URIS.get(server));
             MongoMigrationRunner here = runner(client, db, "jvm-parent")
                     .migrations(LockHolderMain.markerMigrations(Duration.ofMillis(1500), false)).build()) {
            child.awaitLine("STARTED");
            MongoRunReport mine = here.run();
            String childReport = child.awaitLine("REPORT");
            assertThat(child.process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(child.process.exitValue()).as(child.output()).isZero();

            List<String> applied = new ArrayList<>(mine.applied());
            if (childReport.contains("applied=[1, 2]")) {
                applied.addAll(List.of("1", "2"));
            } else if (childReport.contains("applied=[2]")) {
                applied.add("2");
            }
            assertThat(applied).as("mine %s, child %s", mine, childReport).containsExactlyInAnyOrder("1", "2");
            assertThat(markers(client, db, "1")).isEqualTo(1);
            assertThat(markers(client, db, "2")).isEqualTo(1);
        } finally {
            child.process.destroyForcibly();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("servers")
    void aLockHolderKilledWithSigkillIsTakenOverAfterItsLease(String server) throws Exception {
        String db = MongoServers.uniqueDb("lockkill");
        Child child = Child.start(URIS.get(server), db, "doomed", 3_000, "hang");
        try (MongoClient client = MongoServers.client(URIS.get(server));
             MongoMigrationRunner survivor = runner(client, db, "survivor").lockTtl(Duration.ofSeconds(3))
                     .migrations(LockHolderMain.markerMigrations(Duration.ZERO, false)).build()) {
            child.awaitLine("INSIDE");
            Document lock = Reactive.first(client.getDatabase(db).getCollection("migmon_lock").find(), T);
            assertThat(lock.getString("owner")).isEqualTo("doomed");

            child.process.destroyForcibly(); // SIGKILL: no finally block, no lock release
            assertThat(child.process.waitFor(30, TimeUnit.SECONDS)).isTrue();

            MongoRunReport report = survivor.run(); // waits for the lease (3 s) to run out, then takes over
            assertThat(report.applied()).containsExactly("1", "2");
            // ground truth: the killed attempt wrote its marker (no transaction), the survivor its own
            assertThat(markers(client, db, "1")).isEqualTo(2);
            assertThat(Reactive.first(client.getDatabase(db).getCollection("migmon_lock").countDocuments(), T)).isZero();
            // the changelog keeps the killed attempt
            Document entry = Reactive.first(client.getDatabase(db).getCollection("migmon_changelog")
                    .find(Filters.eq("_id", "1")), T);
            assertThat(entry.getString("status")).isEqualTo("success");
            assertThat(entry.getList("attempts", Document.class)).extracting(d -> d.getString("owner") + ":" + d.getString("status"))
                    .containsExactly("doomed:abandoned", "survivor:success");
        } finally {
            child.process.destroyForcibly();
        }
    }

    /** A {@link LockHolderMain} JVM on this test's classpath. */
    private static final class Child {
        final Process process;
        final LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final StringBuffer all = new StringBuffer();

        private Child(Process process) {
            this.process = process;
        }

        static Child start(String uri, String db, String owner, long ttlMillis, String mode) throws Exception {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            Process p = new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                    LockHolderMain.class.getName(), uri, db, owner, Long.toString(ttlMillis), mode)
                    .redirectErrorStream(true).start();
            Child c = new Child(p);
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        c.all.append(line).append('\n');
                        c.lines.add(line);
                    }
                } catch (Exception e) {
                    c.all.append(e);
                }
            }, "lock-child-output");
            reader.setDaemon(true);
            reader.start();
            return c;
        }

        String awaitLine(String prefix) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (System.nanoTime() < deadline) {
                String line = lines.poll(1, TimeUnit.SECONDS);
                if (line != null && line.startsWith(prefix)) {
                    return line;
                }
                if (line == null && !process.isAlive() && lines.isEmpty()) {
                    break;
                }
            }
            throw new AssertionError("child never printed " + prefix + ":\n" + all);
        }

        String output() {
            return all.toString();
        }
    }
}
