package io.migmon.cdc;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.connect.KafkaConnectClient;
import io.migmon.cdc.connect.KafkaConnectException;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import io.migmon.testsupport.KafkaTestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attack 4 (issue 11) on a real {@link CdcEventProcessor}: own in-process KRaft broker, real PostgreSQL target through
 * the JDBC applier, a test producer writing Debezium 3.6.1-shaped envelopes (one transaction's changes, its
 * {@code END}, heartbeats every second). Ground truth: the rows in the target and the commit time the producer
 * stamped. Every finding still open is {@code @Disabled} with its number.
 */
class CdcAttack4IT {

    private static KafkaClusterTestKit kafka;
    private static EmbeddedPostgresFixture pg;
    private static DataSource target;
    private static KafkaProducer<byte[], byte[]> producer;
    private static final ExecutorService threads = Executors.newCachedThreadPool();

    /** Started by the first test that runs (every test here is on demand: a skipped class starts nothing). */
    static synchronized void setUp() throws Exception {
        if (kafka != null) {
            return;
        }
        Path work = Path.of("target", "att4-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        Files.createDirectories(work);
        kafka = KafkaTestBroker.start(work.resolve("kafka"));
        pg = EmbeddedPostgresFixture.builder("att4").baseDirectory(work.resolve("pg")).start();
        target = pg.dataSource();
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", "5"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Whether a test used the shared Connect worker (then this class stops it, as the other Connect ITs do). */
    private static volatile boolean usedConnect;

    @AfterAll
    static void tearDown() throws Exception {
        if (usedConnect) {
            CdcTestEnvironment.get().stopConnect();
        }
        threads.shutdownNow();
        if (producer != null) {
            producer.close(Duration.ofSeconds(2));
        }
        if (kafka != null) {
            kafka.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    private static void createTopics(String... topics) throws Exception {
        createTopics(1, topics);
    }

    private static void createTopics(int partitions, String... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            List<NewTopic> list = new ArrayList<>();
            for (String t : topics) {
                list.add(new NewTopic(t, partitions, (short) 1));
            }
            admin.createTopics(list).all().get();
        }
    }

    private static void send(String topic, String key, String value) {
        send(topic, 0, key, value);
    }

    private static void send(String topic, int partition, String key, String value) {
        producer.send(new ProducerRecord<>(topic, partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8)));
    }

    private static String change(String prefix, String table, long id, long commitMs, long xid, long totalOrder) {
        return "{\"before\":null,\"after\":{\"id\":" + id + ",\"v\":\"v" + id + "\"},\"source\":{\"version\":"
                + "\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"" + prefix + "\",\"ts_ms\":" + commitMs
                + ",\"ts_us\":" + commitMs * 1000 + ",\"snapshot\":\"false\",\"db\":\"postgres\",\"schema\":\"public\","
                + "\"table\":\"" + table + "\",\"txId\":" + xid + ",\"lsn\":" + (26_000_000 + totalOrder * 144)
                + "},\"transaction\":{\"id\":\"" + xid + ":" + (26_000_000 + totalOrder * 144) + "\",\"total_order\":"
                + totalOrder + ",\"data_collection_order\":" + totalOrder + "},\"op\":\"c\",\"ts_ms\":" + commitMs + "}";
    }

    private static String end(long xid, long count, long commitMs, String prefix, String table) {
        return "{\"status\":\"END\",\"id\":\"" + xid + ":99000000\",\"event_count\":" + count
                + ",\"data_collections\":[{\"data_collection\":\"public." + table + "\",\"event_count\":" + count
                + "}],\"ts_ms\":" + commitMs + "}";
    }

    private static long rows(String table) throws Exception {
        return LagPipeline.scalarLong(target, "SELECT count(*) FROM public." + table);
    }

    /** Heartbeats of connector {@code prefix} every second, stamped with the (true) time they are sent. */
    private static Future<?> heartbeats(String prefix, AtomicBoolean stop) {
        return threads.submit(() -> {
            while (!stop.get()) {
                send("__debezium-heartbeat." + prefix, "{\"serverName\":\"" + prefix + "\"}",
                        "{\"ts_ms\":" + System.currentTimeMillis() + "}");
                producer.flush();
                Thread.sleep(1000);
            }
            return null;
        });
    }

    /** Sleeps after every batch it applies: a target that takes ~{@code ms} per 500 rows. */
    static final class Slow implements ChangeApplier {
        final JdbcChangeApplier delegate = JdbcChangeApplier.builder(target).build();
        final long ms;

        Slow(long ms) {
            this.ms = ms;
        }

        @Override
        public void apply(List<ChangeEvent> batch) throws Exception {
            delegate.apply(batch);
            Thread.sleep(ms);
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    /**
     * One source transaction of 20,000 rows (40 polls of {@code max.poll.records}=500), transaction metadata on,
     * heartbeats every second, a target that takes ~150 ms per batch (~6 s for the transaction). Truth while the
     * target holds part of it: now − the commit time (the target is stale by the whole transaction). Expected: the
     * replication lag never reads below truth − 1.5 s while 1..19,999 rows are in the target, the transaction is
     * reported once in {@code cdc_transaction_apply_lag_seconds} at ≈ (time the last row landed) − commit,
     * {@code cdc_events_processed_total} = 20,000.
     */
    @Test
    @org.junit.jupiter.api.Disabled("held up 2026-11-27 10:13 UTC: 58 samples while partly applied, worst under-read"
            + " 0.00 s (lag == truth), tx apply lag 8.66 s vs last row 8.54 s after commit, 20,001 events; run on demand")
    void aTransactionLargerThanMaxPollRecordsReadsItsAgeWhileHalfApplied() throws Exception {
        setUp();
        String prefix = "big";
        String table = "items";
        String topic = prefix + ".public." + table;
        createTopics(topic, prefix + ".transaction", "__debezium-heartbeat." + prefix);
        CdcTestEnvironment.exec(target, "CREATE TABLE public." + table + " (id int PRIMARY KEY, v text)");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", kafka.bootstrapServers());
        c.put("group.id", "big-replica");
        c.put("max.poll.records", "500");
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = heartbeats(prefix, stop);
        CdcEventProcessor processor = CdcEventProcessor.builder("big").meterRegistry(registry).kafkaConsumer(c)
                .topicPattern(java.util.regex.Pattern.compile("big\\..*|__debezium-heartbeat\\.big"))
                .applier(new Slow(150)).heartbeatInterval(Duration.ofSeconds(1))
                .pollTimeout(Duration.ofMillis(100)).lagRefreshInterval(Duration.ofMillis(200)).build();
        Future<?> loop = threads.submit(processor);
        try {
            int n = 20_000;
            long xid = 4242;
            // one row first so the table's series exists, then wait for steady state
            long warm = System.currentTimeMillis();
            send(topic, "{\"id\":0}", change(prefix, table, 0, warm, xid - 1, 1));
            send(prefix + ".transaction", null, end(xid - 1, 1, warm, prefix, table));
            producer.flush();
            Await.until(Duration.ofSeconds(30), "warm row applied", () -> rows(table) == 1);
            Await.until(Duration.ofSeconds(20), "lag 0 with heartbeats",
                    () -> registry.find("cdc.replication.lag.overall").gauge() != null
                            && registry.get("cdc.replication.lag.overall").gauge().value() == 0.0);
            long commit = System.currentTimeMillis();
            for (int i = 1; i <= n; i++) {
                send(topic, "{\"id\":" + i + "}", change(prefix, table, i, commit, xid, i));
            }
            send(prefix + ".transaction", null, end(xid, n, commit, prefix, table));
            producer.flush();
            List<String> samples = new ArrayList<>();
            double worstUnder = 0;
            long lastRowAt = -1;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(45);
            while (System.nanoTime() < deadline) {
                long before = System.currentTimeMillis();
                double lag = registry.get("cdc.replication.lag.overall").gauge().value();
                long r = rows(table) - 1;
                long after = System.currentTimeMillis();
                if (r >= n) {
                    lastRowAt = after;
                    break;
                }
                if (r > 0) {
                    double truth = (before - commit) / 1000.0; // the lower end of the read window
                    samples.add(String.format("rows %d lag %.2f truth %.2f", r, lag, truth));
                    worstUnder = Math.max(worstUnder, truth - lag);
                }
                Thread.sleep(100);
            }
            assertThat(lastRowAt).as("all rows applied within 45 s").isPositive();
            assertThat(samples).as("sampled while partly applied").hasSizeGreaterThan(5);
            assertThat(worstUnder).as("under-read while partly applied: %s", samples).isLessThan(1.5);
            Await.until(Duration.ofSeconds(10), "transaction reported",
                    () -> registry.find("cdc.transaction.apply.lag").tag("source", prefix).timer() != null
                            && registry.get("cdc.transaction.apply.lag").tag("source", prefix).timer().count() == 2);
            Timer t = registry.get("cdc.transaction.apply.lag").tag("source", prefix).timer();
            double maxSeconds = t.max(TimeUnit.MILLISECONDS) / 1000.0;
            assertThat(maxSeconds).as("transaction apply lag vs last row landing %.2f s after commit",
                    (lastRowAt - commit) / 1000.0).isBetween((lastRowAt - commit) / 1000.0 - 1.5,
                    (lastRowAt - commit) / 1000.0 + 0.5);
            assertThat(processor.eventsProcessed()).isEqualTo(n + 1);
            System.out.println("[attack4] big tx: " + samples.size() + " samples, worst under-read " + worstUnder
                    + " s, tx lag " + maxSeconds + " s, last row " + (lastRowAt - commit) + " ms; first "
                    + samples.get(0) + ", last " + samples.get(samples.size() - 1));
        } finally {
            stop.set(true);
            processor.close();
            loop.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
        }
    }

    private static String lags(SimpleMeterRegistry registry) {
        StringBuilder b = new StringBuilder();
        for (io.micrometer.core.instrument.Gauge g : registry.find("cdc.replication.lag").gauges()) {
            b.append(g.getId().getTag("source_table")).append('=')
                    .append(String.format("%.2f", g.value())).append(' ');
        }
        io.micrometer.core.instrument.Gauge o = registry.find("cdc.replication.lag.overall").gauge();
        return b.append("overall=").append(o == null ? "none" : String.format("%.2f", o.value())).toString();
    }

    private static double maxLag(SimpleMeterRegistry registry) {
        double max = 0;
        for (io.micrometer.core.instrument.Gauge g : registry.find("cdc.replication.lag").gauges()) {
            max = Math.max(max, g.value());
        }
        io.micrometer.core.instrument.Gauge o = registry.find("cdc.replication.lag.overall").gauge();
        return o == null ? max : Math.max(max, o.value());
    }

    /**
     * Scale-out as a new user does it: two processors with the same {@code group.id}, the data topics with 2
     * partitions, Debezium's heartbeat topic with 1 (its default), the default assignor. Only one member is assigned
     * the heartbeat partition; the other replicates its data partitions without ever seeing a heartbeat. Truth after
     * the rebalance: every row of both tables is in the target and the source is idle with heartbeats flowing, so
     * the staleness is 0 on both. Expected: both processors' replication-lag gauges at most 2 s and both UP, 8 s
     * after the last change. Actual (2026-11-27 10:15 UTC): A (heartbeat partition) 0.00 s, UP; B (2 data
     * partitions, no heartbeat partition) ta=tb=overall 8.14 s, DOWN "connector silent ... 8138 ms", stage
     * connector; events A 12 + B 4 = 16 (counted once). B's lag grows 1 s/s forever while its tables are idle.
     */
    @Test
    void twoProcessorsInOneGroupBothReadTheirIdleTablesCurrent() throws Exception {
        setUp();
        String prefix = "two";
        String ta = prefix + ".public.ta";
        String tb = prefix + ".public.tb";
        createTopics(2, ta, tb);
        createTopics(1, "__debezium-heartbeat." + prefix);
        CdcTestEnvironment.exec(target, "CREATE TABLE public.ta (id int PRIMARY KEY, v text)",
                "CREATE TABLE public.tb (id int PRIMARY KEY, v text)");
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = heartbeats(prefix, stop);
        SimpleMeterRegistry ra = new SimpleMeterRegistry();
        SimpleMeterRegistry rb = new SimpleMeterRegistry();
        java.util.function.Function<String, CdcEventProcessor> build = name -> {
            Map<String, Object> c = new HashMap<>();
            c.put("bootstrap.servers", kafka.bootstrapServers());
            c.put("group.id", "two-replica");
            return CdcEventProcessor.builder(name).meterRegistry(name.equals("pa") ? ra : rb).kafkaConsumer(c)
                    .topicPattern(java.util.regex.Pattern.compile("two\\..*|__debezium-heartbeat\\.two"))
                    .applier(JdbcChangeApplier.builder(target).build()).heartbeatInterval(Duration.ofSeconds(1))
                    .pollTimeout(Duration.ofMillis(100)).lagRefreshInterval(Duration.ofMillis(250)).build();
        };
        CdcEventProcessor pa = build.apply("pa");
        Future<?> la = threads.submit(pa);
        CdcEventProcessor pb = null;
        Future<?> lb = null;
        try {
            int id = 0;
            for (int i = 0; i < 4; i++) {
                long now = System.currentTimeMillis();
                id++;
                send(ta, i % 2, "{\"id\":" + id + "}", change(prefix, "ta", id, now, 5000 + id, 1));
                send(tb, i % 2, "{\"id\":" + id + "}", change(prefix, "tb", id, now, 6000 + id, 1));
            }
            producer.flush();
            Await.until(Duration.ofSeconds(30), "A applied all",
                    () -> rows("ta") == 4 && rows("tb") == 4);
            Await.until(Duration.ofSeconds(20), "A reads 0", () -> maxLag(ra) == 0.0);
            pb = build.apply("pb");
            lb = threads.submit(pb);
            CdcEventProcessor fb = pb;
            Await.until(Duration.ofSeconds(30), "B assigned", () -> !rb.find("cdc.consumer.lag").gauges().isEmpty());
            // after the rebalance, changes on every partition of both tables (each member applies its own)
            for (int i = 0; i < 4; i++) {
                long now = System.currentTimeMillis();
                id++;
                send(ta, i % 2, "{\"id\":" + id + "}", change(prefix, "ta", id, now, 5000 + id, 1));
                send(tb, i % 2, "{\"id\":" + id + "}", change(prefix, "tb", id, now, 6000 + id, 1));
            }
            producer.flush();
            Await.until(Duration.ofSeconds(30), "all applied", () -> rows("ta") == 8 && rows("tb") == 8);
            long applied = System.currentTimeMillis();
            Thread.sleep(8_000);
            String state = "A: " + lags(ra) + " health " + pa.healthCheck().check() + " | B: " + lags(rb) + " health "
                    + fb.healthCheck().check() + " | events A " + pa.eventsProcessed() + " B " + fb.eventsProcessed()
                    + ", " + (System.currentTimeMillis() - applied) + " ms after the last apply";
            System.out.println("[attack4] two processors: " + state);
            assertThat(pa.eventsProcessed() + fb.eventsProcessed()).as(state).isEqualTo(16);
            assertThat(maxLag(ra)).as(state).isLessThanOrEqualTo(2.0);
            assertThat(maxLag(rb)).as(state).isLessThanOrEqualTo(2.0);
            assertThat(pa.healthCheck().check().status()).as(state).isEqualTo(io.migmon.core.health.HealthStatus.UP);
            assertThat(fb.healthCheck().check().status()).as(state).isEqualTo(io.migmon.core.health.HealthStatus.UP);
        } finally {
            stop.set(true);
            pa.close();
            if (pb != null) {
                pb.close();
                lb.get(30, TimeUnit.SECONDS);
            }
            la.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
        }
    }

    /** Blocks every apply until released: a hung target. */
    static final class Hung implements ChangeApplier {
        final JdbcChangeApplier delegate = JdbcChangeApplier.builder(target).build();
        final java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);

        @Override
        public void apply(List<ChangeEvent> batch) throws Exception {
            release.await();
            delegate.apply(batch);
        }

        @Override
        public void close() {
            release.countDown();
            delegate.close();
        }
    }

    /**
     * Rebalance: processor A replicates three tables alone, then B joins the group (round-robin assignor, so A loses
     * at least one table to B) and B's target hangs. A change on every table after the rebalance; 6 s later the
     * tables A lost are truly ≥ 6 s stale (their rows are not in the target). Expected: A's series for a table it no
     * longer owns is removed or reads NaN (not known here) — not a value that contradicts the truth; B's series
     * read the truth (≥ 5 s). Actual (2026-11-27 10:18 UTC): A kept the heartbeat partition and rb, lost ra and rc;
     * A: ra=rc=rb=overall 0.00; B: ra=rc=overall 6.01 (truth 6.01 s, rows of ra and rc not in the target). A
     * {@code max by (source_table)} still shows 6.01; per-processor views and anything not taking the max read 0.
     */
    @Test
    void aRevokedTablesSeriesIsNotLeftReadingAStaleValue() throws Exception {
        setUp();
        String prefix = "rev";
        String[] tables = {"ra", "rb", "rc"};
        for (String t : tables) {
            createTopics(prefix + ".public." + t);
            CdcTestEnvironment.exec(target, "CREATE TABLE public." + t + " (id int PRIMARY KEY, v text)");
        }
        createTopics("__debezium-heartbeat." + prefix);
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = heartbeats(prefix, stop);
        SimpleMeterRegistry ra = new SimpleMeterRegistry();
        SimpleMeterRegistry rb = new SimpleMeterRegistry();
        Hung hung = new Hung();
        java.util.function.Function<String, CdcEventProcessor> build = name -> {
            Map<String, Object> c = new HashMap<>();
            c.put("bootstrap.servers", kafka.bootstrapServers());
            c.put("group.id", "rev-replica");
            c.put("partition.assignment.strategy", "org.apache.kafka.clients.consumer.RoundRobinAssignor");
            return CdcEventProcessor.builder(name).meterRegistry(name.equals("ra") ? ra : rb).kafkaConsumer(c)
                    .topicPattern(java.util.regex.Pattern.compile("rev\\..*|__debezium-heartbeat\\.rev"))
                    .applier(name.equals("ra") ? JdbcChangeApplier.builder(target).build() : hung)
                    .heartbeatInterval(Duration.ofSeconds(1))
                    .pollTimeout(Duration.ofMillis(100)).lagRefreshInterval(Duration.ofMillis(250)).build();
        };
        CdcEventProcessor pa = build.apply("ra");
        Future<?> la = threads.submit(pa);
        CdcEventProcessor pb = null;
        Future<?> lb = null;
        try {
            long now = System.currentTimeMillis();
            for (String t : tables) {
                send(prefix + ".public." + t, "{\"id\":1}", change(prefix, t, 1, now, 7000, 1));
            }
            producer.flush();
            Await.until(Duration.ofSeconds(30), "A applied all", () -> rows("ra") + rows("rb") + rows("rc") == 3);
            Await.until(Duration.ofSeconds(20), "A reads 0", () -> maxLag(ra) == 0.0);
            pb = build.apply("rb");
            lb = threads.submit(pb);
            Await.until(Duration.ofSeconds(30), "B assigned", () -> !rb.find("cdc.consumer.lag").gauges().isEmpty());
            Thread.sleep(1_000);
            java.util.Set<String> owned = new java.util.TreeSet<>();
            for (io.micrometer.core.instrument.Gauge g : ra.find("cdc.consumer.lag").gauges()) {
                owned.add(g.getId().getTag("topic"));
            }
            List<String> lost = new ArrayList<>();
            for (String t : tables) {
                if (!owned.contains(prefix + ".public." + t)) {
                    lost.add(t);
                }
            }
            long changed = System.currentTimeMillis();
            for (String t : tables) {
                send(prefix + ".public." + t, "{\"id\":2}", change(prefix, t, 2, changed, 7001, 1));
            }
            producer.flush();
            Thread.sleep(6_000);
            double truth = (System.currentTimeMillis() - changed) / 1000.0;
            String state = "A owns " + owned + ", lost " + lost + " | A: " + lags(ra) + " | B: " + lags(rb)
                    + " | rows " + rows("ra") + "/" + rows("rb") + "/" + rows("rc") + ", truth for B's tables "
                    + String.format("%.2f", truth) + " s";
            System.out.println("[attack4] revoked series: " + state);
            assertThat(lost).as(state).isNotEmpty();
            for (String t : lost) {
                assertThat(rows(t)).as("ground truth: the change on %s waits at B (%s)", t, state).isEqualTo(1);
                io.micrometer.core.instrument.Gauge g = ra.find("cdc.replication.lag").tag("source_table", "public." + t)
                        .gauge();
                if (g != null) {
                    assertThat(g.value()).as("A's series for %s, a table it no longer owns (%s)", t, state).isNaN();
                }
            }
        } finally {
            stop.set(true);
            hung.release.countDown();
            pa.close();
            if (pb != null) {
                pb.close();
                lb.get(30, TimeUnit.SECONDS);
            }
            la.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
        }
    }

    private static double state(SimpleMeterRegistry registry, String connector, String state) {
        io.micrometer.core.instrument.Gauge g = registry.find("cdc.connector.state")
                .tags("connector", connector, "state", state).gauge();
        return g == null ? Double.NaN : g.value();
    }

    /**
     * The Kafka Connect REST client against the real worker: a running Debezium connector is monitored through
     * {@code status(name)} and its {@code cdc_connector_state} gauges; then the worker stops (a crash, a deploy). The
     * client's {@code status} call fails (as it should), but the gauges keep the last answer. Expected: the state
     * series do not keep claiming {@code RUNNING} = 1 for a connector nobody can see (an unknown state, or the series
     * removed). Actual (2026-11-27 10:20 UTC): after {@code GET /connectors/att4conn/status failed:
     * ConnectException}, RUNNING=1.0 FAILED=0.0 MISSING=0.0; it stays so until a status() call succeeds again.
     */
    @Test
    void aConnectorStateGaugeDoesNotClaimRunningWhileTheWorkerIsDown() throws Exception {
        setUp();
        CdcTestEnvironment env = CdcTestEnvironment.get();
        usedConnect = true;
        String name = "att4conn";
        CdcTestEnvironment.exec(env.source(), "CREATE TABLE public.att4conn_a (id bigint PRIMARY KEY, v text)");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        java.net.URI uri = env.connectUri();
        KafkaConnectClient client = KafkaConnectClient.builder(uri).meterRegistry(registry)
                .timeout(Duration.ofSeconds(2)).build();
        try {
            // created with the default 30 s timeout: the worker's config validation connects to PostgreSQL and took
            // over 2 s on a loaded 2-core machine; the short timeout is for the status() call with the worker down
            try (KafkaConnectClient setup = KafkaConnectClient.builder(uri).build()) {
                setup.createOrUpdate(CdcAttack2ConnectIT.connector(env, name, "public\\.att4conn_.*"));
            }
            Await.until(Duration.ofSeconds(45), "RUNNING", () -> {
                try {
                    return client.status(name).isRunning();
                } catch (KafkaConnectException e) {
                    return false; // a 2 s timeout under load: ask again
                }
            });
            assertThat(state(registry, name, "RUNNING")).isEqualTo(1.0);
            env.stopConnect(); // the worker is gone
            Throwable failed = null;
            try {
                client.status(name);
            } catch (KafkaConnectException e) {
                failed = e;
            }
            assertThat(failed).as("status() with the worker down").isInstanceOf(KafkaConnectException.class);
            String gauges = "after a failed status(): RUNNING=" + state(registry, name, "RUNNING") + " FAILED="
                    + state(registry, name, "FAILED") + " MISSING=" + state(registry, name, "MISSING") + "; "
                    + failed.getMessage();
            System.out.println("[attack4] connect worker down: " + gauges);
            assertThat(state(registry, name, "RUNNING")).as(gauges).isNotEqualTo(1.0);
        } finally {
            client.close();
            try (KafkaConnectClient again = KafkaConnectClient.builder(env.connectUri()).build()) { // restarts it
                Await.until(Duration.ofSeconds(30), "worker back", () -> {
                    try {
                        again.delete(name);
                        return true;
                    } catch (KafkaConnectException e) {
                        return false;
                    }
                });
            }
            env.dropSlot(name);
        }
    }

    /**
     * The broker restarts while the processor runs (its lag thread probing every 250 ms): down for 6 s, 6x the 1 s
     * heartbeat interval, then back on the same port. Own single-node KRaft broker (restarted through the test kit).
     * Ground truth: the rows in the target and the heartbeats' send times. Expected: during the outage health turns
     * DOWN naming stage {@code broker} (not {@code connector}: the connector never stopped), the replication lag grows
     * (≥ 2 s by the end of the outage); after it UP again with lag back at ≤ 1 s within 20 s, a change made after
     * the restart in the target, nothing thrown into the host. Actual (2026-11-27 10:23 UTC): DOWN from 1.4 s after
     * the shutdown call, but stage=connector ("connector silent ...; last broker request failed: ... end offsets
     * ... TimeoutException") until 3.8 s, stage=broker after; an outage of 2x the heartbeat interval is reported as
     * the connector's for its whole length. Held: lag grew 1 s/s (6.52 s at 5.9 s), no value above the truth's upper
     * bound after the restart (worst +0.61 s before the bound counted the heartbeat period), UP with lag 0.00 0.78 s
     * after the restart (shutdown 0.8 s and startup ~4.3 s on this machine), row 2 applied, run() never threw.
     */
    @Test
    void aBrokerRestartMidProbeIsStageBrokerAndTheLagRecovers() throws Exception {
        setUp();
        Path work = Path.of("target", "att4-restart-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        Files.createDirectories(work);
        KafkaClusterTestKit own = KafkaTestBroker.start(work.resolve("kafka"));
        KafkaProducer<byte[], byte[]> p2 = new KafkaProducer<>(Map.of("bootstrap.servers", own.bootstrapServers(),
                "linger.ms", "0", "delivery.timeout.ms", "120000", "max.block.ms", "1000"),
                new ByteArraySerializer(), new ByteArraySerializer());
        String prefix = "brk";
        String topic = prefix + ".public.bt";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", own.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1),
                    new NewTopic("__debezium-heartbeat." + prefix, 1, (short) 1))).all().get();
        }
        CdcTestEnvironment.exec(target, "CREATE TABLE public.bt (id int PRIMARY KEY, v text)");
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = threads.submit(() -> {
            while (!stop.get()) {
                try {
                    p2.send(new ProducerRecord<>("__debezium-heartbeat." + prefix, 0,
                            ("{\"serverName\":\"" + prefix + "\"}").getBytes(StandardCharsets.UTF_8),
                            ("{\"ts_ms\":" + System.currentTimeMillis() + "}").getBytes(StandardCharsets.UTF_8)));
                } catch (RuntimeException e) {
                    // buffer full / metadata while the broker is down: the connector would retry too
                }
                Thread.sleep(1000);
            }
            return null;
        });
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", own.bootstrapServers());
        c.put("group.id", "brk-replica");
        CdcEventProcessor processor = CdcEventProcessor.builder("brk").meterRegistry(registry).kafkaConsumer(c)
                .topicPattern(java.util.regex.Pattern.compile("brk\\..*|__debezium-heartbeat\\.brk"))
                .applier(JdbcChangeApplier.builder(target).build()).heartbeatInterval(Duration.ofSeconds(1))
                .pollTimeout(Duration.ofMillis(100)).lagRefreshInterval(Duration.ofMillis(250)).build();
        Future<?> loop = threads.submit(processor);
        try {
            p2.send(new ProducerRecord<>(topic, 0, "{\"id\":1}".getBytes(StandardCharsets.UTF_8),
                    change(prefix, "bt", 1, System.currentTimeMillis(), 8001, 1).getBytes(StandardCharsets.UTF_8)));
            p2.flush();
            Await.until(Duration.ofSeconds(30), "applied", () -> rows("bt") == 1);
            Await.until(Duration.ofSeconds(20), "lag 0", () -> maxLag(registry) == 0.0
                    && processor.healthCheck().check().status() == io.migmon.core.health.HealthStatus.UP);
            Thread.sleep(500); // mid-probe: refreshes every 250 ms
            var broker = own.brokers().values().iterator().next();
            long down = System.currentTimeMillis();
            broker.shutdown();
            broker.awaitShutdown();
            List<String> during = new ArrayList<>();
            long firstDown = -1;
            long firstBroker = -1;
            while (System.currentTimeMillis() - down < 6_000) {
                io.migmon.core.health.Health h = processor.healthCheck().check();
                long t = System.currentTimeMillis() - down;
                if (h.status() == io.migmon.core.health.HealthStatus.DOWN && firstDown < 0) {
                    firstDown = t;
                }
                if ("broker".equals(h.details().get("stage")) && firstBroker < 0) {
                    firstBroker = t;
                }
                during.add(String.format("t=%d %s stage=%s lag=%.2f", t, h.status(), h.details().get("stage"),
                        maxLag(registry)));
                Thread.sleep(100);
            }
            double lagAtEnd = maxLag(registry);
            broker.startup();
            long up = System.currentTimeMillis();
            p2.send(new ProducerRecord<>(topic, 0, "{\"id\":2}".getBytes(StandardCharsets.UTF_8),
                    change(prefix, "bt", 2, System.currentTimeMillis(), 8002, 1).getBytes(StandardCharsets.UTF_8)))
                    // awaited: a send lost by the test's own producer around the restart (seen once, 14:28 UTC) must
                    // fail here, not read as the processor losing row 2
                    .get(60, java.util.concurrent.TimeUnit.SECONDS);
            List<String> after = new ArrayList<>();
            boolean recovered = false;
            double worstOver = 0;
            while (System.currentTimeMillis() - up < 25_000) {
                long before = System.currentTimeMillis();
                io.migmon.core.health.Health h = processor.healthCheck().check();
                double lag = maxLag(registry);
                // truth upper bound: the target was confirmed current when the broker went down (lag 0 then);
                // id 2 was committed at `up`: no change has waited longer than since `down`
                double bound = (System.currentTimeMillis() - down) / 1000.0 + 1.0; // + the heartbeat period
                if (!Double.isNaN(lag)) {
                    worstOver = Math.max(worstOver, lag - bound);
                }
                after.add(String.format("t=%d %s stage=%s lag=%.2f bound=%.2f", before - up, h.status(),
                        h.details().get("stage"), lag, bound));
                if (h.status() == io.migmon.core.health.HealthStatus.UP && lag <= 1.0 && rows("bt") == 2) {
                    recovered = true;
                    break;
                }
                Thread.sleep(50);
            }
            String state = "first DOWN at " + firstDown + " ms, first stage=broker at " + firstBroker + " ms, lag at end "
                    + lagAtEnd + ", worst over the bound after restart " + String.format("%.2f", worstOver)
                    + " s; during " + during + "; after " + after;
            System.out.println("[attack4] broker restart: " + state);
            assertThat(recovered).as(state).isTrue();
            assertThat(loop).as("run() still running").isNotDone();
            assertThat(lagAtEnd).as(state).isGreaterThanOrEqualTo(4.0);
            assertThat(worstOver).as("lag above the truth's upper bound after the restart: " + state).isLessThan(1.0);
            // stage: the connector never stopped; DOWN is right, and every DOWN verdict of the outage must name the
            // broker (the lag probe's requests were failing since the shutdown)
            assertThat(during).as(state).filteredOn(v -> v.contains("DOWN")).isNotEmpty()
                    .allMatch(v -> v.contains("stage=broker"));
        } finally {
            stop.set(true);
            processor.close();
            loop.get(30, TimeUnit.SECONDS);
            hb.get(10, TimeUnit.SECONDS);
            p2.close(Duration.ofSeconds(2));
            own.close();
        }
    }

    /**
     * PublicationAudit against the catalog of a publication shaped as Debezium's {@code filtered} mode creates it
     * ({@code FOR TABLE} the included tables): the classic migration swap (build {@code orders_new}, rename
     * {@code orders} out, rename {@code orders_new} in) leaves the new {@code orders} unpublished, its changes never
     * reach Kafka; the audit must say so. Then a table renamed within the include list's regex stays published
     * (PostgreSQL tracks publication membership by OID), and a table dropped from the publication is reported.
     */
    @Test
    @org.junit.jupiter.api.Disabled("held up 2026-11-27 10:26 UTC: swap reported (public.sw_orders), rename inside the"
            + " regex UP, DROP TABLE from the publication reported; run on demand")
    void publicationAuditSeesTheRenameSwapOfAMigration() throws Exception {
        setUp();
        CdcTestEnvironment.exec(target, "CREATE TABLE public.sw_orders (id int PRIMARY KEY)",
                "CREATE TABLE public.sw_items (id int PRIMARY KEY)",
                "CREATE PUBLICATION att4_pub FOR TABLE public.sw_orders, public.sw_items");
        PublicationAudit audit = PublicationAudit.of(target, io.migmon.cdc.connect.ConnectorConfig
                .debeziumPostgres("att4pub").put("publication.name", "att4_pub")
                .put("table.include.list", "public\\.sw_orders,public\\.sw_item.*").build());
        assertThat(audit.healthCheck().check().status()).isEqualTo(io.migmon.core.health.HealthStatus.UP);
        CdcTestEnvironment.exec(target, "CREATE TABLE public.sw_orders_new (id int PRIMARY KEY)",
                "ALTER TABLE public.sw_orders RENAME TO sw_orders_old",
                "ALTER TABLE public.sw_orders_new RENAME TO sw_orders");
        io.migmon.core.health.Health swapped = audit.healthCheck().check();
        assertThat(swapped.status()).as(swapped.toString()).isEqualTo(io.migmon.core.health.HealthStatus.DOWN);
        assertThat(audit.unpublishedTables()).containsExactly("public.sw_orders");
        CdcTestEnvironment.exec(target, "ALTER PUBLICATION att4_pub ADD TABLE public.sw_orders",
                "ALTER TABLE public.sw_items RENAME TO sw_items2");
        assertThat(audit.healthCheck().check().status()).isEqualTo(io.migmon.core.health.HealthStatus.UP);
        CdcTestEnvironment.exec(target, "ALTER PUBLICATION att4_pub DROP TABLE public.sw_items2");
        assertThat(audit.unpublishedTables()).containsExactly("public.sw_items2");
    }

    /**
     * Processor restart from committed offsets, per table: tables rs1 and rs2 of one connector, heartbeats every
     * second. The processor is closed; 400 changes of rs1 are committed over 4 s while it is down (rs2 idle); a new
     * processor in the same group starts with a target that takes 100 ms per batch of 50. Truth for rs1: now − the
     * commit time of the oldest rs1 row not in the target (rows are applied in id order, one partition). Expected:
     * rs1's series never more than 1 s below the truth while rows wait (no 0 blip), NaN allowed before it is known;
     * rs2's series (idle, caught up) never above 2 s.
     */
    @Test
    @org.junit.jupiter.api.Disabled("held up 2026-11-27 10:28 UTC: rs1 NaN before known, then 5.53/5.21/5.32/4.90 s vs"
            + " truth 5.09/5.21/4.79/4.22 s, never > 1 s below; idle rs2 has no series until its first change"
            + " (documented); run on demand")
    void aRestartOverABacklogKeepsEachTablesLagContinuous() throws Exception {
        setUp();
        String prefix = "rst";
        createTopics(prefix + ".public.rs1", prefix + ".public.rs2", "__debezium-heartbeat." + prefix);
        CdcTestEnvironment.exec(target, "CREATE TABLE public.rs1 (id int PRIMARY KEY, v text)",
                "CREATE TABLE public.rs2 (id int PRIMARY KEY, v text)");
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> hb = heartbeats(prefix, stop);
        java.util.function.Function<SimpleMeterRegistry, CdcEventProcessor> build = r -> {
            Map<String, Object> c = new HashMap<>();
            c.put("bootstrap.servers", kafka.bootstrapServers());
            c.put("group.id", "rst-replica");
            c.put("max.poll.records", "50");
            return CdcEventProcessor.builder("rst").meterRegistry(r).kafkaConsumer(c)
                    .topicPattern(java.util.regex.Pattern.compile("rst\\..*|__debezium-heartbeat\\.rst"))
                    .applier(new Slow(100)).heartbeatInterval(Duration.ofSeconds(1))
                    .pollTimeout(Duration.ofMillis(100)).lagRefreshInterval(Duration.ofMillis(250)).build();
        };
        SimpleMeterRegistry r1 = new SimpleMeterRegistry();
        CdcEventProcessor first = build.apply(r1);
        Future<?> l1 = threads.submit(first);
        CdcEventProcessor second = null;
        Future<?> l2 = null;
        Map<Integer, Long> commits = new java.util.concurrent.ConcurrentHashMap<>();
        try {
            long now = System.currentTimeMillis();
            send(prefix + ".public.rs1", "{\"id\":0}", change(prefix, "rs1", 0, now, 9000, 1));
            send(prefix + ".public.rs2", "{\"id\":0}", change(prefix, "rs2", 0, now, 9001, 1));
            producer.flush();
            Await.until(Duration.ofSeconds(30), "seed applied", () -> rows("rs1") == 1 && rows("rs2") == 1);
            Await.until(Duration.ofSeconds(20), "lag 0", () -> maxLag(r1) == 0.0);
            first.close();
            l1.get(30, TimeUnit.SECONDS);
            for (int id = 1; id <= 400; id++) {
                long commit = System.currentTimeMillis();
                commits.put(id, commit);
                send(prefix + ".public.rs1", "{\"id\":" + id + "}", change(prefix, "rs1", id, commit, 9100 + id, 1));
                if (id % 10 == 0) {
                    producer.flush();
                    Thread.sleep(100);
                }
            }
            producer.flush();
            Thread.sleep(1_000);
            SimpleMeterRegistry r2 = new SimpleMeterRegistry();
            second = build.apply(r2);
            l2 = threads.submit(second);
            List<String> bad = new ArrayList<>();
            List<String> all = new ArrayList<>();
            long deadline = System.currentTimeMillis() + 40_000;
            while (System.currentTimeMillis() < deadline) {
                long maxId = LagPipeline.scalarLong(target, "SELECT coalesce(max(id), 0) FROM public.rs1");
                long t = System.currentTimeMillis();
                io.micrometer.core.instrument.Gauge g1 = r2.find("cdc.replication.lag").tag("source_table", "public.rs1")
                        .gauge();
                io.micrometer.core.instrument.Gauge g2 = r2.find("cdc.replication.lag").tag("source_table", "public.rs2")
                        .gauge();
                double v1 = g1 == null ? Double.NaN : g1.value();
                double v2 = g2 == null ? Double.NaN : g2.value();
                if (maxId >= 400) {
                    break;
                }
                double truth = (t - commits.get((int) maxId + 1)) / 1000.0;
                String sample = String.format("rows<=%d rs1 %.2f truth %.2f rs2 %.2f", maxId, v1, truth, v2);
                all.add(sample);
                if ((!Double.isNaN(v1) && v1 < truth - 1.0) || (!Double.isNaN(v2) && v2 > 2.0)) {
                    bad.add(sample);
                }
                Thread.sleep(100);
            }
            String state = all.size() + " samples, first " + all.subList(0, Math.min(5, all.size())) + " bad "
                    + bad.subList(0, Math.min(10, bad.size())) + " (" + bad.size() + ")";
            System.out.println("[attack4] restart per table: " + state);
            assertThat(rows("rs1")).as(state).isEqualTo(401);
            assertThat(all).as(state).hasSizeGreaterThan(5);
            assertThat(bad).as(state).isEmpty();
        } finally {
            stop.set(true);
            if (second != null) {
                second.close();
                l2.get(30, TimeUnit.SECONDS);
            }
            hb.get(10, TimeUnit.SECONDS);
        }
    }
}
