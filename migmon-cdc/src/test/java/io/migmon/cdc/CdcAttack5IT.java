package io.migmon.cdc;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attack 5 (issue 11) on a real {@link CdcEventProcessor} and an own in-process KRaft broker: the side consumer of the
 * heartbeat topics and the revoked-table series (attack 4's fixes). A test producer writes Debezium 3.6.1-shaped
 * envelopes and heartbeats; the applier records what it gets (ground truth: what the producer stamped and sent,
 * what reached the applier). Every finding still open is {@code @Disabled} with its number.
 */
class CdcAttack5IT {

    private static HandMadeKafka kafka;
    private static KafkaProducer<byte[], byte[]> producer;
    private static final ExecutorService threads = Executors.newCachedThreadPool();

    /** Started by the first test that runs (a class whose tests are all disabled starts nothing). */
    static synchronized void setUp() throws Exception {
        if (kafka != null) {
            return;
        }
        kafka = HandMadeKafka.start("att5");
        producer = kafka.producer();
    }

    @AfterAll
    static void tearDown() throws Exception {
        threads.shutdownNow();
        if (kafka != null) {
            kafka.close();
        }
    }

    private static String change(String prefix, String table, long id, long commitMs) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"version\":\"3.6.1.Final\",\"connector\":"
                + "\"postgresql\",\"name\":\"" + prefix + "\",\"ts_ms\":" + commitMs + ",\"ts_us\":" + commitMs * 1000
                + ",\"snapshot\":\"false\",\"db\":\"postgres\",\"schema\":\"public\",\"table\":\"" + table
                + "\"},\"op\":\"c\",\"ts_ms\":" + commitMs + "}";
    }

    /**
     * Heartbeats of connector {@code prefix} every second to {@code partition[0]} of its topic (stamped with the true
     * time), while {@code pause} is false.
     */
    private static Future<?> heartbeats(String prefix, AtomicBoolean stop, AtomicBoolean pause, AtomicInteger partition) {
        return threads.submit(() -> {
            while (!stop.get()) {
                if (!pause.get()) {
                    kafka.send("__debezium-heartbeat." + prefix, partition.get(), "{\"serverName\":\"" + prefix + "\"}",
                            "{\"ts_ms\":" + System.currentTimeMillis() + "}");
                    producer.flush();
                }
                Thread.sleep(1000);
            }
            return null;
        });
    }

    private static double lag(SimpleMeterRegistry r, String table) {
        Gauge g = r.find("cdc.replication.lag").tag("source_table", "public." + table).gauge();
        return g == null ? Double.NaN : g.value();
    }

    private static String verdict(Health h) {
        return h.status() + " " + h.reasons();
    }

    private static void deleteAndRecreate(String topic, int partitions) throws Exception {
        try (Admin admin = kafka.admin()) {
            admin.deleteTopics(List.of(topic)).all().get();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (admin.listTopics().names().get().contains(topic)) {
                assertThat(System.nanoTime()).as("topic deleted").isLessThan(deadline);
                Thread.sleep(100);
            }
            while (true) {
                try {
                    admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
                    return;
                } catch (java.util.concurrent.ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)
                            || System.nanoTime() > deadline) {
                        throw e;
                    }
                    Thread.sleep(200); // deletion still completing
                }
            }
        }
    }

    /**
     * The heartbeat topic is deleted and re-created with 3 partitions (an operator cleaning up topics, a connector
     * re-deployed with {@code topic.creation.default.partitions=3}); Debezium's heartbeats then land on partition 2.
     * One change applied before, nothing since. Truth: heartbeats arrive every second again, nothing waits: lag 0 and
     * health UP. Expected within 15 s of the re-creation (the side consumer looks for topics every 5 s). With
     * {@code consumerReset} as the host's {@code auto.offset.reset} ("none" for a host that never wants a silent
     * reset: its group starts from committed offsets).
     */
    private void heartbeatTopicRecreated(String prefix, String consumerReset) throws Exception {
        setUp();
        String data = prefix + ".public.orders";
        String hbTopic = "__debezium-heartbeat." + prefix;
        kafka.createTopics(1, data, hbTopic);
        String group = prefix + "-g";
        if (consumerReset != null) {
            try (Admin admin = kafka.admin()) { // a host with reset "none" runs from committed offsets
                admin.alterConsumerGroupOffsets(group, Map.of(new TopicPartition(data, 0), new OffsetAndMetadata(0)))
                        .all().get();
            }
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicBoolean pause = new AtomicBoolean();
        AtomicInteger hbPartition = new AtomicInteger();
        Future<?> hb = heartbeats(prefix, stop, pause, hbPartition);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<ChangeEvent> applied = new CopyOnWriteArrayList<>();
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", kafka.bootstrapServers());
        c.put("group.id", group);
        if (consumerReset != null) {
            c.put("auto.offset.reset", consumerReset);
        }
        CdcEventProcessor p = CdcEventProcessor.builder(prefix).meterRegistry(registry).kafkaConsumer(c)
                .topics(data, hbTopic).applier(applied::addAll).heartbeatInterval(Duration.ofSeconds(1))
                .pollTimeout(Duration.ofMillis(100)).lagRefreshInterval(Duration.ofMillis(250)).build();
        Future<?> loop = threads.submit(p);
        try {
            kafka.send(data, 0, "{\"id\":1}", change(prefix, "orders", 1, System.currentTimeMillis()));
            producer.flush();
            Await.until(Duration.ofSeconds(30), "applied", () -> applied.size() == 1);
            Await.until(Duration.ofSeconds(20), "lag 0 and UP before",
                    () -> lag(registry, "orders") == 0.0 && p.healthCheck().check().status() == HealthStatus.UP);
            pause.set(true);
            Thread.sleep(1_100); // no heartbeat in flight
            deleteAndRecreate(hbTopic, 3);
            hbPartition.set(2);
            pause.set(false);
            long recreated = System.currentTimeMillis();
            String last = "";
            long okSince = -1;
            while (System.currentTimeMillis() - recreated < 25_000) {
                Thread.sleep(250);
                Health h = p.healthCheck().check();
                double l = lag(registry, "orders");
                last = String.format("%.2f", l) + " " + verdict(h);
                if (l == 0.0 && h.status() == HealthStatus.UP) {
                    if (okSince < 0) {
                        okSince = System.currentTimeMillis();
                    }
                    if (System.currentTimeMillis() - okSince >= 3_000) {
                        break;
                    }
                } else {
                    okSince = -1;
                }
            }
            String state = "after re-creation: lag(orders) + health = " + last + "; "
                    + (okSince < 0 ? "never" : (okSince - recreated) + " ms") + " to lag 0 and UP (held 3 s)";
            System.out.println("[attack5] " + prefix + ": " + state);
            assertThat(okSince).as(state).isGreaterThan(0);
            assertThat(okSince - recreated).as(state).isLessThanOrEqualTo(15_000);
            assertThat(applied).hasSize(1);
        } finally {
            stop.set(true);
            p.close();
            loop.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
        }
    }

    /** Held expectation with the default {@code auto.offset.reset}: back to lag 0 and UP within 15 s. */
    @Test
    void aHeartbeatTopicRecreatedWithMorePartitionsIsReadAgain() throws Exception {
        heartbeatTopicRecreated("hbre", null);
    }

    /** The same with the host's {@code auto.offset.reset=none} (inherited by the side consumer). */
    @Test
    void aHeartbeatTopicRecreatedIsReadAgainWithResetNone() throws Exception {
        heartbeatTopicRecreated("hbnone", "none");
    }

    /**
     * Two processors in one group (round robin), three single-partition tables; B joins (A's lost tables read NaN at
     * A, attack 4's fix), then B closes: A gets them back. Truth after B left: every change applied (applier
     * records), heartbeats every second: lag 0 per table. Expected: every table's series at A reads a number again
     * (0 within 15 s of B's close), not NaN for good.
     */
    @Test
    void aRevokedTableReadsANumberAgainWhenItComesBack() throws Exception {
        setUp();
        String prefix = "back";
        String[] tables = {"ba", "bb", "bc"};
        for (String t : tables) {
            kafka.createTopics(1, prefix + ".public." + t);
        }
        kafka.createTopics(1, "__debezium-heartbeat." + prefix);
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = heartbeats(prefix, stop, new AtomicBoolean(), new AtomicInteger());
        SimpleMeterRegistry ra = new SimpleMeterRegistry();
        SimpleMeterRegistry rb = new SimpleMeterRegistry();
        List<ChangeEvent> applied = new CopyOnWriteArrayList<>();
        java.util.function.Function<String, CdcEventProcessor> build = name -> {
            Map<String, Object> c = new HashMap<>();
            c.put("bootstrap.servers", kafka.bootstrapServers());
            c.put("group.id", "back-replica");
            c.put("partition.assignment.strategy", "org.apache.kafka.clients.consumer.RoundRobinAssignor");
            return CdcEventProcessor.builder(name).meterRegistry(name.equals("a") ? ra : rb).kafkaConsumer(c)
                    .topicPattern(java.util.regex.Pattern.compile("back\\..*|__debezium-heartbeat\\.back"))
                    .applier(applied::addAll).heartbeatInterval(Duration.ofSeconds(1))
                    .pollTimeout(Duration.ofMillis(100)).lagRefreshInterval(Duration.ofMillis(250)).build();
        };
        CdcEventProcessor pa = build.apply("a");
        Future<?> la = threads.submit(pa);
        CdcEventProcessor pb = null;
        Future<?> lb = null;
        try {
            long now = System.currentTimeMillis();
            for (String t : tables) {
                kafka.send(prefix + ".public." + t, 0, "{\"id\":1}", change(prefix, t, 1, now));
            }
            producer.flush();
            Await.until(Duration.ofSeconds(30), "A applied all", () -> applied.size() == 3);
            Await.until(Duration.ofSeconds(20), "A reads 0", () -> lag(ra, "ba") == 0.0 && lag(ra, "bb") == 0.0
                    && lag(ra, "bc") == 0.0);
            pb = build.apply("b");
            lb = threads.submit(pb);
            Await.until(Duration.ofSeconds(30), "A lost a table", () -> Double.isNaN(lag(ra, "ba"))
                    || Double.isNaN(lag(ra, "bb")) || Double.isNaN(lag(ra, "bc")));
            long t2 = System.currentTimeMillis();
            for (String t : tables) {
                kafka.send(prefix + ".public." + t, 0, "{\"id\":2}", change(prefix, t, 2, t2));
            }
            producer.flush();
            Await.until(Duration.ofSeconds(30), "both applied", () -> applied.size() == 6);
            pb.close();
            lb.get(30, TimeUnit.SECONDS);
            long closed = System.currentTimeMillis();
            String state = "";
            long ok = -1;
            while (System.currentTimeMillis() - closed < 20_000) {
                Thread.sleep(250);
                state = "A: ba=" + lag(ra, "ba") + " bb=" + lag(ra, "bb") + " bc=" + lag(ra, "bc") + " health "
                        + verdict(pa.healthCheck().check());
                if (lag(ra, "ba") == 0.0 && lag(ra, "bb") == 0.0 && lag(ra, "bc") == 0.0) {
                    ok = System.currentTimeMillis() - closed;
                    break;
                }
            }
            System.out.println("[attack5] revoked table back: " + state + ", " + ok + " ms after B closed");
            assertThat(ok).as(state).isBetween(0L, 15_000L);
        } finally {
            stop.set(true);
            pa.close();
            if (pb != null) {
                pb.close();
            }
            la.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Finding 6: a backlog on one table keeps the poll thread busy (heartbeats are read only with nothing in hand);
     * another table is idle. Heartbeats every 250 ms (the setting docs recommend when the gauge's accuracy matters),
     * default lag refresh (1 s), a target taking 300 ms per batch of 50 (max.poll.records), 1,500 rows. Truth for the
     * idle table: 0 all the time (its one change applied before the backlog, no change since, heartbeats every
     * 250 ms). Sampled every 50 ms while the backlog drains. Expected: the idle table's lag ≤ 0.75 s (one heartbeat
     * interval + 0.5 s slack). Actual (2026-11-27 13:37-13:56 UTC, load 9.5-17.5, five runs): 25-33 of 174-185 samples > 0.25 s, max
     * 3.16-3.25 s. The busy table's own lag held: max error 0.16 s against now − commit while rows waited.
     */
    @Test
    void finding6_anIdleTableReadsStaleDuringAnotherTablesBacklog() throws Exception {
        Backlog b = backlog("blog6");
        assertThat(b.maxIdleLag).as(b.state).isLessThanOrEqualTo(0.25 + 0.5);
    }

    /**
     * Finding 7: same scenario. Truth for health: data flows (a batch of 50 applied every ~300 ms), the connector is
     * alive. Expected: UP at every read. Actual (same runs): 108 of 183-185 reads DOWN, e.g. "partition __debezium-heartbeat.blog-0: 1 messages
     * waiting, no applied progress for 526 ms: records not consumed: the poll thread is applying partition
     * blog.public.busy-0" from 429 ms into the backlog: the heartbeat partition, read by the side consumer only
     * between batches (at most once per lag refresh, 1 s, during a backlog; stall timeout 0.5 s), is judged as a
     * stalled partition. Some reads add "poll loop stalled: no poll for 607 ms" (poll timeout + stall timeout = 600 ms
     * vs a 300 ms apply on a machine at load 17: partly the load).
     */
    @Test
    void finding7_healthDownOnTheHeartbeatPartitionDuringABacklog() throws Exception {
        Backlog b = backlog("blog7");
        assertThat(b.downs).as(b.state).isZero();
    }

    /**
     * Finding 7 with the default-like 1 s heartbeats (stall timeout 2 s): a target taking 1.2 s per batch of 50 (below
     * the stall timeout: applied progress every 1.2 s), 600 rows. Same expectation: UP at every read. Actual
     * (2026-11-27 13:58 UTC, load 15.6): 101 of 300 reads DOWN, first "poll loop stalled: no poll for 2133 ms" at
     * 2.1 s (a poll waits for the batch in hand and the refresh's finish, ~2 applies); the idle table (truth 0) read
     * > 0.25 s at 130 of 300 samples, max 7.42 s; the busy table's lag exact (error 0.00 s). After 36b18ab (14:33 UTC,
     * load ~8): DOWN "partition __debezium-heartbeat.blog7s-0: 2 messages waiting, no applied progress for 2033 ms"
     * (the side consumer not read while the poll thread waited for an apply: fixed by reading it in every such wait,
     * and a heartbeat partition is no longer judged by the partition rule), and one busy-table sample read 3.37 s at a
     * truth of 7.28 s (a heartbeat read while rows waited unread at the broker taken as their bound: fixed). Also
     * asserted: the busy table's lag never under-reads now − commit by more than 0.25 s (sampling slack: the truth
     * is taken after the gauge is read, so it is only ever later), and the idle table reads ≤ 1.5 s (one heartbeat
     * interval + 0.5 s; it read 2.2 s at one sample per run while heartbeats read during an apply wait were held
     * until the next poll's records were begun, and up to 3.95 s without side reads in those waits).
     */
    @Test
    void finding7_healthDownDuringABacklogWithOneSecondHeartbeats() throws Exception {
        Backlog b = backlog("blog7s", 1_000, 1_200, 600);
        assertThat(b.downs).as(b.state).isZero();
        assertThat(b.maxBusyUnderRead).as(b.state).isLessThanOrEqualTo(0.25);
        // the idle table (truth 0): as finding 6, one heartbeat interval + 0.5 s slack
        assertThat(b.maxIdleLag).as(b.state).isLessThanOrEqualTo(1.0 + 0.5);
    }

    private record Backlog(double maxIdleLag, int downs, String state, double maxBusyUnderRead) {
    }

    private Backlog backlog(String prefix) throws Exception {
        return backlog(prefix, 250, 300, 1_500);
    }

    private Backlog backlog(String prefix, long heartbeatMs, long applyMs, int rows) throws Exception {
        setUp();
        String busy = prefix + ".public.busy";
        String idle = prefix + ".public.idle";
        String hbTopic = "__debezium-heartbeat." + prefix;
        kafka.createTopics(1, busy, idle, hbTopic);
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = threads.submit(() -> {
            while (!stop.get()) {
                kafka.send(hbTopic, 0, "{\"serverName\":\"" + prefix + "\"}", "{\"ts_ms\":" + System.currentTimeMillis() + "}");
                producer.flush();
                Thread.sleep(heartbeatMs);
            }
            return null;
        });
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<ChangeEvent> applied = new CopyOnWriteArrayList<>();
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", kafka.bootstrapServers());
        c.put("group.id", prefix + "-g");
        c.put("auto.offset.reset", "earliest");
        c.put("max.poll.records", 50);
        CdcEventProcessor p = CdcEventProcessor.builder(prefix).meterRegistry(registry).kafkaConsumer(c)
                .topics(busy, idle, hbTopic).applier(batch -> {
                    applied.addAll(batch);
                    if (batch.stream().anyMatch(e -> e.table().equals("busy"))) {
                        Thread.sleep(applyMs);
                    }
                }).heartbeatInterval(Duration.ofMillis(heartbeatMs)).pollTimeout(Duration.ofMillis(100)).build();
        Future<?> loop = threads.submit(p);
        try {
            kafka.send(idle, 0, "{\"id\":1}", change(prefix, "idle", 1, System.currentTimeMillis()));
            producer.flush();
            Await.until(Duration.ofSeconds(30), "idle applied", () -> applied.size() == 1);
            Await.until(Duration.ofSeconds(20), "idle reads 0", () -> lag(registry, "idle") == 0.0);
            // rows: the backlog
            long commit = System.currentTimeMillis();
            for (int i = 1; i <= rows; i++) {
                kafka.send(busy, 0, "{\"id\":" + i + "}", change(prefix, "busy", i, commit));
            }
            producer.flush();
            int samples = 0;
            int over = 0;
            double max = 0;
            List<String> downs = new ArrayList<>();
            int downCount = 0;
            double maxBusyErr = 0;
            double maxUnder = 0;
            String worstBusy = "";
            long started = System.currentTimeMillis();
            while (applied.size() < rows + 1 && System.currentTimeMillis() - started < 40_000) {
                Thread.sleep(50);
                if (applied.size() <= 1 || applied.size() >= rows + 1) {
                    continue; // backlog not started yet / over
                }
                double l = lag(registry, "idle");
                double busyLag = lag(registry, "busy");
                int done = applied.size() - 1;
                double busyTruth = (System.currentTimeMillis() - commit) / 1000.0;
                double busyErr = Math.abs(busyLag - busyTruth);
                if (!Double.isNaN(busyLag) && done < rows) {
                    maxUnder = Math.max(maxUnder, busyTruth - busyLag);
                }
                if (!Double.isNaN(busyErr) && busyErr > maxBusyErr && done < rows) {
                    maxBusyErr = busyErr;
                    worstBusy = String.format("read %.2f at truth %.2f with %d of %d rows applied", busyLag, busyTruth,
                            done, rows);
                }
                samples++;
                max = Math.max(max, l);
                if (l > 0.25) {
                    over++;
                }
                Health h = p.healthCheck().check();
                if (h.status() != HealthStatus.UP) {
                    downCount++;
                    if (downs.size() < 3) {
                        downs.add((System.currentTimeMillis() - started) + " ms: " + verdict(h));
                    }
                }
            }
            String state = String.format("backlog of %d rows drained in %d ms; idle table lag (truth 0): %d of %d "
                    + "samples > 0.25 s, max %.2f s; %d of %d reads not UP, first 3: %s; busy table's lag vs truth "
                    + "(now - commit): max error %.2f s (%s), max under-read %.2f s", rows, System.currentTimeMillis() - started, over, samples,
                    max, downCount, samples, downs, maxBusyErr, worstBusy, maxUnder);
            System.out.println("[attack5] " + state);
            assertThat(applied).hasSize(rows + 1);
            return new Backlog(max, downCount, state, maxUnder);
        } finally {
            stop.set(true);
            p.close();
            loop.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Finding 8: the connector goes silent (heartbeats stop, no change), so every table's staleness grows from the last
     * heartbeat (truth: nothing confirmed since; the rule "when heartbeats stop it grows from the last
     * confirmed source time"). Then a second member joins the group: A loses a table, its series reads NaN (attack
     * 4's fix); B owns it, but registers a table's series only when it sees a change of it, and none comes. Expected:
     * for every table, some member's {@code cdc_replication_lag_seconds} reads ≥ the time since the last heartbeat
     * − 1.5 s, so {@code max by (source_table)} and the generated {@code cdc_high_replication_lag} rule still see it.
     * Actual (2026-11-27 13:41 UTC, load 14.5): truth ≥ 9.34 s; sa: A=10.37 B=none, sb: A=NaN B=none/NaN, sc:
     * A=10.37 B=none: the lost table sb is read stale by nobody, the per-table rule goes silent for it (checked with
     * promtool on the generated expression: a firing {@code cdc_high_replication_lag} resolves on the first sample
     * where every member reads NaN, and needs its whole {@code for} again once a number returns). Health is DOWN
     * "connector silent" at both (B: 6.3 s, counted from its own start).
     */
    @Test
    void finding8_aStaleTableMovedByARebalanceVanishesFromThePerTableLag() throws Exception {
        setUp();
        String prefix = "sil";
        String[] tables = {"sa", "sb", "sc"};
        for (String t : tables) {
            kafka.createTopics(1, prefix + ".public." + t);
        }
        kafka.createTopics(1, "__debezium-heartbeat." + prefix);
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = heartbeats(prefix, stop, new AtomicBoolean(), new AtomicInteger());
        SimpleMeterRegistry ra = new SimpleMeterRegistry();
        SimpleMeterRegistry rb = new SimpleMeterRegistry();
        List<ChangeEvent> applied = new CopyOnWriteArrayList<>();
        java.util.function.Function<String, CdcEventProcessor> build = name -> {
            Map<String, Object> c = new HashMap<>();
            c.put("bootstrap.servers", kafka.bootstrapServers());
            c.put("group.id", "sil-replica");
            c.put("partition.assignment.strategy", "org.apache.kafka.clients.consumer.RoundRobinAssignor");
            return CdcEventProcessor.builder(name).meterRegistry(name.equals("a") ? ra : rb).kafkaConsumer(c)
                    .topicPattern(java.util.regex.Pattern.compile("sil\\..*|__debezium-heartbeat\\.sil"))
                    .applier(applied::addAll).heartbeatInterval(Duration.ofSeconds(1))
                    .pollTimeout(Duration.ofMillis(100)).lagRefreshInterval(Duration.ofMillis(250)).build();
        };
        CdcEventProcessor pa = build.apply("a");
        Future<?> la = threads.submit(pa);
        CdcEventProcessor pb = null;
        Future<?> lb = null;
        try {
            long now = System.currentTimeMillis();
            for (String t : tables) {
                kafka.send(prefix + ".public." + t, 0, "{\"id\":1}", change(prefix, t, 1, now));
            }
            producer.flush();
            Await.until(Duration.ofSeconds(30), "A applied all", () -> applied.size() == 3);
            Await.until(Duration.ofSeconds(20), "A reads 0", () -> lag(ra, "sa") == 0.0 && lag(ra, "sb") == 0.0
                    && lag(ra, "sc") == 0.0);
            stop.set(true); // the connector goes silent
            hb.get(10, TimeUnit.SECONDS);
            long lastHeartbeat = System.currentTimeMillis(); // upper bound of the last heartbeat's stamp
            Thread.sleep(3_000);
            pb = build.apply("b");
            lb = threads.submit(pb);
            Await.until(Duration.ofSeconds(30), "A lost a table", () -> Double.isNaN(lag(ra, "sa"))
                    || Double.isNaN(lag(ra, "sb")) || Double.isNaN(lag(ra, "sc")));
            Thread.sleep(5_000);
            double truth = (System.currentTimeMillis() - lastHeartbeat) / 1000.0;
            StringBuilder state = new StringBuilder(String.format("truth >= %.2f s (no heartbeat since);", truth));
            List<String> unseen = new ArrayList<>();
            for (String t : tables) {
                double a = lag(ra, t);
                double b = lag(rb, t);
                state.append(' ').append(t).append(": A=").append(a).append(" B=").append(b);
                double max = Double.isNaN(a) ? b : Double.isNaN(b) ? a : Math.max(a, b);
                if (!(max >= truth - 1.5)) {
                    unseen.add(t);
                }
            }
            state.append("; health A ").append(verdict(pa.healthCheck().check())).append(" B ")
                    .append(verdict(pb.healthCheck().check()));
            System.out.println("[attack5] silent connector + rebalance: " + state);
            System.out.println("[attack5] A: " + pa.progress().explainOverall());
            System.out.println("[attack5] B: " + pb.progress().explainOverall());
            assertThat(unseen).as("tables no member reads stale: " + state).isEmpty();
        } finally {
            stop.set(true);
            pa.close();
            if (pb != null) {
                pb.close();
                lb.get(30, TimeUnit.SECONDS);
            }
            la.get(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Finding 9: the side consumer (heartbeat topics) cannot reach the broker while the group consumer can (here: its
     * bootstrap list points at a closed port, the seam {@code KafkaClientFactory.sideConsumer} with real clients; in
     * production: a listener/ACL/quota that differs for {@code client.id}-suffixed clients, a network path lost).
     * The connector is alive: heartbeats reach the broker every second (the test writes them). Expected: DOWN is fine
     * (nothing can confirm the target current), but its stage is not {@code connector} and the reason does not say
     * "no heartbeat or change event from the source": the heartbeats exist; reading them fails. Actual: stage
     * connector, "connector silent ... by the source's own timestamps".
     */
    @Test
    void finding9_aFailingSideConsumerBlamesTheConnector() throws Exception {
        setUp();
        String prefix = "side";
        String data = prefix + ".public.orders";
        String hbTopic = "__debezium-heartbeat." + prefix;
        kafka.createTopics(1, data, hbTopic);
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = heartbeats(prefix, stop, new AtomicBoolean(), new AtomicInteger());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<ChangeEvent> applied = new CopyOnWriteArrayList<>();
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", kafka.bootstrapServers());
        c.put("group.id", prefix + "-g");
        c.put("auto.offset.reset", "earliest");
        KafkaClientFactory clients = new KafkaClientFactory() {
            @Override
            public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer(Map<String, Object> props) {
                return KafkaClientFactory.DEFAULT.consumer(props);
            }

            @Override
            public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> peekConsumer(Map<String, Object> props) {
                return KafkaClientFactory.DEFAULT.peekConsumer(props);
            }

            @Override
            public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> sideConsumer(Map<String, Object> props) {
                Map<String, Object> broken = new HashMap<>(props);
                broken.put("bootstrap.servers", "127.0.0.1:1");
                return KafkaClientFactory.DEFAULT.sideConsumer(broken);
            }

            @Override
            public org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer(Map<String, Object> props) {
                return KafkaClientFactory.DEFAULT.producer(props);
            }
        };
        CdcEventProcessor p = CdcEventProcessor.builder(prefix).meterRegistry(registry).kafkaConsumer(c)
                .kafkaClients(clients).topics(data, hbTopic).applier(applied::addAll)
                .heartbeatInterval(Duration.ofSeconds(1)).pollTimeout(Duration.ofMillis(100))
                .lagRefreshInterval(Duration.ofMillis(250)).build();
        Future<?> loop = threads.submit(p);
        try {
            kafka.send(data, 0, "{\"id\":1}", change(prefix, "orders", 1, System.currentTimeMillis()));
            producer.flush();
            Await.until(Duration.ofSeconds(30), "applied", () -> applied.size() == 1);
            Thread.sleep(6_000);
            Health h = p.healthCheck().check();
            String state = verdict(h) + " stage=" + h.details().get("stage") + "; lag(orders)="
                    + lag(registry, "orders") + "; heartbeats on the broker: every 1 s";
            System.out.println("[attack5] side consumer broken: " + state);
            assertThat(h.details().get("stage")).as(state).isNotEqualTo("connector");
            assertThat(h.reasons().toString()).as(state).doesNotContain("no heartbeat or change event from the source");
        } finally {
            stop.set(true);
            p.close();
            loop.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
        }
    }

    private static String end(String id, long commitMs, String table) {
        return "{\"status\":\"END\",\"id\":\"" + id + "\",\"event_count\":1,\"data_collections\":[{\"data_collection\":"
                + "\"public." + table + "\",\"event_count\":1}],\"ts_ms\":" + commitMs + "}";
    }

    private static String txChange(String prefix, String table, long id, long commitMs, long xid) {
        String c = change(prefix, table, id, commitMs);
        return c.substring(0, c.length() - 1) + ",\"transaction\":{\"id\":\"" + xid + ":" + (26_000_000 + id)
                + "\",\"total_order\":1,\"data_collection_order\":1}}";
    }

    private static boolean owns(SimpleMeterRegistry r, String topic) {
        return r.find("cdc.consumer.lag").tag("topic", topic).gauges().stream().anyMatch(g -> !Double.isNaN(g.value()));
    }

    /**
     * Finding 10: scale-out with transaction metadata. Two members, round robin: one owns the transaction topic (and
     * table ea), the other owns table eb. A transaction on eb every 300 ms (its change, then its END), for 6 s; the
     * eb owner applies each at once (applier records). The transaction-topic owner holds every END of eb (a table it
     * "consumes" by its pattern, though none of eb's partitions is assigned to it): its overall lag reads now − the
     * commit until the hold is given up (stall timeout 2 s), and each give-up counts
     * {@code cdc_transactions_evicted_total{reason="unseen"}}. Truth at that member: its one table ea is idle and
     * current (0); nothing is unseen (the other member applied every change). Expected: its overall lag ≤ 0.5 s at
     * every sample, no unseen eviction. Actual (2026-11-27 13:46 UTC, load 15.2): 20 transactions, all applied by
     * the other member; the owner's overall lag > 0.5 s at 70 of 78 samples, max 2.01 s; 18 unseen evictions (and
     * the WARN "Its changes go to another topic, or were applied before a restart"). Cause:
     * {@code ChangePipeline.consumes} is the subscription (pattern/topics), not the assignment.
     */
    @Test
    void finding10_theTransactionTopicOwnerHoldsEndsOfTablesAnotherMemberApplies() throws Exception {
        setUp();
        String prefix = "ends";
        String ea = prefix + ".public.ea";
        String eb = prefix + ".public.eb";
        String tx = prefix + ".transaction";
        kafka.createTopics(1, ea, eb, tx, "__debezium-heartbeat." + prefix);
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = heartbeats(prefix, stop, new AtomicBoolean(), new AtomicInteger());
        SimpleMeterRegistry r1 = new SimpleMeterRegistry();
        SimpleMeterRegistry r2 = new SimpleMeterRegistry();
        List<ChangeEvent> applied = new CopyOnWriteArrayList<>();
        java.util.function.Function<String, CdcEventProcessor> build = name -> {
            Map<String, Object> c = new HashMap<>();
            c.put("bootstrap.servers", kafka.bootstrapServers());
            c.put("group.id", "ends-replica");
            c.put("auto.offset.reset", "earliest");
            c.put("partition.assignment.strategy", "org.apache.kafka.clients.consumer.RoundRobinAssignor");
            return CdcEventProcessor.builder(name).meterRegistry(name.equals("m1") ? r1 : r2).kafkaConsumer(c)
                    .topicPattern(java.util.regex.Pattern.compile("ends\\..*|__debezium-heartbeat\\.ends"))
                    .applier(applied::addAll).heartbeatInterval(Duration.ofSeconds(1))
                    .pollTimeout(Duration.ofMillis(100)).lagRefreshInterval(Duration.ofMillis(250)).build();
        };
        CdcEventProcessor p1 = build.apply("m1");
        CdcEventProcessor p2 = build.apply("m2");
        Future<?> l1 = threads.submit(p1);
        Future<?> l2 = threads.submit(p2);
        try {
            long now = System.currentTimeMillis();
            kafka.send(ea, 0, "{\"id\":1}", txChange(prefix, "ea", 1, now, 100));
            kafka.send(tx, 0, "{\"id\":\"100\"}", end("100:99", now, "ea"));
            kafka.send(eb, 0, "{\"id\":1}", txChange(prefix, "eb", 1, now, 101));
            kafka.send(tx, 0, "{\"id\":\"101\"}", end("101:99", now, "eb"));
            producer.flush();
            Await.until(Duration.ofSeconds(30), "both applied and split", () -> applied.size() == 2
                    && (owns(r1, tx) && owns(r2, eb) && !owns(r1, eb) || owns(r2, tx) && owns(r1, eb) && !owns(r2, eb)));
            SimpleMeterRegistry txOwner = owns(r1, tx) ? r1 : r2;
            Thread.sleep(3_000); // let the first ones settle
            java.util.function.Supplier<Double> unseen = () -> txOwner.find("cdc.transactions.evicted")
                    .tag("reason", "unseen").counters().stream().mapToDouble(x -> x.count()).sum();
            double unseenBefore = unseen.get();
            double max = 0;
            int over = 0;
            int samples = 0;
            long started = System.currentTimeMillis();
            int sent = 0;
            long nextSend = started;
            while (System.currentTimeMillis() - started < 8_000) {
                if (System.currentTimeMillis() >= nextSend && System.currentTimeMillis() - started < 6_000) {
                    long commit = System.currentTimeMillis();
                    sent++;
                    kafka.send(eb, 0, "{\"id\":" + (1 + sent) + "}", txChange(prefix, "eb", 1 + sent, commit, 200 + sent));
                    kafka.send(tx, 0, "{\"id\":\"" + (200 + sent) + "\"}", end((200 + sent) + ":99", commit, "eb"));
                    producer.flush();
                    nextSend += 300;
                }
                Thread.sleep(100);
                double o = txOwner.get("cdc.replication.lag.overall").gauge().value();
                samples++;
                max = Math.max(max, o);
                if (o > 0.5) {
                    over++;
                }
            }
            int expected = 2 + sent;
            Await.until(Duration.ofSeconds(20), "all applied", () -> applied.size() == expected);
            double unseenCount = unseen.get() - unseenBefore;
            String state = String.format("%d transactions on eb, all applied by the other member; tx-topic owner: "
                    + "overall lag > 0.5 s at %d of %d samples, max %.2f s (truth 0); unseen evictions %.0f", sent,
                    over, samples, max, unseenCount);
            System.out.println("[attack5] " + state);
            assertThat(max).as(state).isLessThanOrEqualTo(0.5);
            assertThat(unseenCount).as(state).isZero();
        } finally {
            stop.set(true);
            p1.close();
            p2.close();
            l1.get(30, TimeUnit.SECONDS);
            l2.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Finding 11: same scale-out as finding 10. The transaction topic is in the group, so its ENDs reach only the
     * member owning it; the changes of eb reach only the other. Truth: 6 transactions (1 on ea, 5 on eb), each fully
     * applied (applier records). Expected: {@code cdc_transaction_apply_lag_seconds} counts 6 across both members
     * (each transaction once, by whichever member). Actual (2026-11-27 13:48 UTC, load 13.1): m1=0, m2=1 (m2 owns
     * the transaction topic and ea): the 5 eb transactions are completed by no member (one has the END without the
     * changes, the other the changes without the END; they expire after the transaction timeout, 5 min).
     */
    @Test
    @Disabled("finding 11: with two members, transactions on a table the transaction-topic owner does not own never reach cdc_transaction_apply_lag_seconds")
    void finding11_transactionsOfTablesAnotherMemberAppliesGetNoApplyLag() throws Exception {
        setUp();
        String prefix = "txl";
        String ea = prefix + ".public.ea";
        String eb = prefix + ".public.eb";
        String tx = prefix + ".transaction";
        kafka.createTopics(1, ea, eb, tx, "__debezium-heartbeat." + prefix);
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = heartbeats(prefix, stop, new AtomicBoolean(), new AtomicInteger());
        SimpleMeterRegistry r1 = new SimpleMeterRegistry();
        SimpleMeterRegistry r2 = new SimpleMeterRegistry();
        List<ChangeEvent> applied = new CopyOnWriteArrayList<>();
        java.util.function.Function<String, CdcEventProcessor> build = name -> {
            Map<String, Object> c = new HashMap<>();
            c.put("bootstrap.servers", kafka.bootstrapServers());
            c.put("group.id", "txl-replica");
            c.put("auto.offset.reset", "earliest");
            c.put("partition.assignment.strategy", "org.apache.kafka.clients.consumer.RoundRobinAssignor");
            return CdcEventProcessor.builder(name).meterRegistry(name.equals("n1") ? r1 : r2).kafkaConsumer(c)
                    .topicPattern(java.util.regex.Pattern.compile("txl\\..*|__debezium-heartbeat\\.txl"))
                    .applier(applied::addAll).heartbeatInterval(Duration.ofSeconds(1))
                    .pollTimeout(Duration.ofMillis(100)).lagRefreshInterval(Duration.ofMillis(250)).build();
        };
        CdcEventProcessor p1 = build.apply("n1");
        CdcEventProcessor p2 = build.apply("n2");
        Future<?> l1 = threads.submit(p1);
        Future<?> l2 = threads.submit(p2);
        try {
            Await.until(Duration.ofSeconds(30), "split", () -> owns(r1, tx) && owns(r2, eb) && !owns(r1, eb)
                    || owns(r2, tx) && owns(r1, eb) && !owns(r2, eb));
            long now = System.currentTimeMillis();
            kafka.send(ea, 0, "{\"id\":1}", txChange(prefix, "ea", 1, now, 300));
            kafka.send(tx, 0, "{\"id\":\"300\"}", end("300:99", now, "ea"));
            for (int i = 1; i <= 5; i++) {
                kafka.send(eb, 0, "{\"id\":" + i + "}", txChange(prefix, "eb", i, now, 300 + i));
                kafka.send(tx, 0, "{\"id\":\"" + (300 + i) + "\"}", end((300 + i) + ":99", now, "eb"));
            }
            producer.flush();
            Await.until(Duration.ofSeconds(30), "all applied", () -> applied.size() == 6);
            Thread.sleep(4_000);
            java.util.function.ToLongFunction<SimpleMeterRegistry> count = r -> r.find("cdc.transaction.apply.lag")
                    .timers().stream().mapToLong(io.micrometer.core.instrument.Timer::count).sum();
            String state = "6 transactions applied; apply-lag count m1=" + count.applyAsLong(r1) + " m2="
                    + count.applyAsLong(r2) + " (tx topic at " + (owns(r1, tx) ? "m1" : "m2") + ")";
            System.out.println("[attack5] " + state);
            assertThat(count.applyAsLong(r1) + count.applyAsLong(r2)).as(state).isEqualTo(6);
        } finally {
            stop.set(true);
            p1.close();
            p2.close();
            l1.get(30, TimeUnit.SECONDS);
            l2.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Finding 12: a new table appears (a migration creates it) under the processor's pattern: Debezium writes
     * its first change (the topic is created) and then the transaction's END. The END is read at once; the new topic
     * is found by the pattern subscription only at the next metadata refresh (up to 5 s). Truth until its change is
     * applied: the target is stale by now − its commit. Expected: the overall lag ≥ truth − 1 s at every sample
     * before the change is applied (the END holds it; a give-up after the 2 s stall timeout must not read 0 while the
     * change waits in a topic not yet subscribed). Actual (2026-11-27 13:50 UTC, load ~15, two runs): the change was
     * applied 3.7-4.1 s after its commit; the hold was given up (1 unseen eviction for a change that did arrive) and
     * the overall lag read under truth − 1 s at 16 of 40 samples, worst 0.00 at truth 3.54 s (then NaN at 4 samples
     * while the new partition was assigned and unread: documented "not known").
     */
    @Test
    void finding12_anEndOfANewTablesFirstChangeIsGivenUpBeforeItsTopicIsFound() throws Exception {
        setUp();
        String prefix = "nt";
        String na = prefix + ".public.na";
        String nb = prefix + ".public.nb";
        String tx = prefix + ".transaction";
        kafka.createTopics(1, na, tx, "__debezium-heartbeat." + prefix);
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = heartbeats(prefix, stop, new AtomicBoolean(), new AtomicInteger());
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<ChangeEvent> applied = new CopyOnWriteArrayList<>();
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", kafka.bootstrapServers());
        c.put("group.id", "nt-g");
        c.put("auto.offset.reset", "earliest");
        CdcEventProcessor p = CdcEventProcessor.builder(prefix).meterRegistry(registry).kafkaConsumer(c)
                .topicPattern(java.util.regex.Pattern.compile("nt\\..*|__debezium-heartbeat\\.nt"))
                .applier(applied::addAll).heartbeatInterval(Duration.ofSeconds(1))
                .pollTimeout(Duration.ofMillis(100)).lagRefreshInterval(Duration.ofMillis(250)).build();
        Future<?> loop = threads.submit(p);
        try {
            long now = System.currentTimeMillis();
            kafka.send(na, 0, "{\"id\":1}", txChange(prefix, "na", 1, now, 400));
            kafka.send(tx, 0, "{\"id\":\"400\"}", end("400:99", now, "na"));
            producer.flush();
            Await.until(Duration.ofSeconds(30), "na applied", () -> applied.size() == 1);
            Await.until(Duration.ofSeconds(20), "0", () -> registry.get("cdc.replication.lag.overall").gauge().value() == 0.0);
            Thread.sleep(2_000);
            kafka.createTopics(1, nb);
            long commit = System.currentTimeMillis();
            kafka.send(nb, 0, "{\"id\":1}", txChange(prefix, "nb", 1, commit, 401));
            kafka.send(tx, 0, "{\"id\":\"401\"}", end("401:99", commit, "nb"));
            producer.flush();
            int samples = 0;
            int under = 0;
            int nan = 0;
            String worst = "";
            double worstGap = 0;
            while (applied.size() < 2 && System.currentTimeMillis() - commit < 30_000) {
                Thread.sleep(100);
                double o = registry.get("cdc.replication.lag.overall").gauge().value();
                long t = System.currentTimeMillis();
                if (applied.size() >= 2) {
                    break;
                }
                double truth = (t - commit) / 1000.0;
                samples++;
                if (Double.isNaN(o)) {
                    nan++;
                } else if (o < truth - 1.0) {
                    under++;
                    if (truth - o > worstGap) {
                        worstGap = truth - o;
                        worst = String.format("read %.2f at truth %.2f", o, truth);
                    }
                }
            }
            double unseen = registry.find("cdc.transactions.evicted").tag("reason", "unseen").counters().stream()
                    .mapToDouble(x -> x.count()).sum();
            String state = String.format("new table's change applied %d ms after its commit; overall lag under truth "
                    + "- 1 s at %d of %d samples (worst: %s), NaN (not known: the new partition assigned, nothing read "
                    + "yet) at %d; unseen evictions %.0f", System.currentTimeMillis() - commit, under, samples, worst,
                    nan, unseen);
            System.out.println("[attack5] " + state);
            assertThat(applied).hasSize(2);
            assertThat(under).as(state).isZero();
        } finally {
            stop.set(true);
            p.close();
            loop.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
        }
    }
}
