package io.migmon.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.connect.ConnectorConfig;
import io.migmon.cdc.connect.KafkaConnectClient;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finding 8 on the Kafka path: source PostgreSQL ({@code track_commit_timestamp=on}) → Debezium's PostgreSQL
 * connector on the Connect worker ({@code provide.transaction.metadata=true}, heartbeats every second) → Kafka →
 * {@link CdcEventProcessor#run()} → JDBC applier. The connector's data topics are routed (Connect's
 * {@code RegexRouter}) to {@code raw.<topic>}; a relay copies them to the topics Debezium would have used, and can
 * hold a table's records back: the transaction's {@code END} (its own topic, written straight) then reaches the
 * processor before its data, as when the data is not yet visible in the data topic. Ground truth: the source commit
 * time of the held rows ({@code pg_xact_commit_timestamp(xmin)}) and the rows in the target.
 *
 * <p>Debezium writes a transaction's data before its {@code END}, so on a healthy worker the data is in its topic
 * within the producer's flush; data still absent from its topic (all partitions caught up) one lag refresh interval
 * after the {@code END} was consumed is taken as applied before a restart (the redelivered-{@code END} case, test
 * 2). The first test therefore holds the data back 3 s with a 5 s lag refresh interval.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndBeforeDataKafkaIT {

    private static final String NAME = "ebk";
    private static final String ORDERS = "public.ebk_orders";
    private static final String ITEMS = "public.ebk_items";
    private static final long MARGIN_MS = 500;

    private static CdcTestEnvironment env;
    private static KafkaConnectClient client;
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private static final ExecutorService threads = Executors.newCachedThreadPool();
    private static final AtomicBoolean relaying = new AtomicBoolean(true);
    /** Topics (destination names) whose records the relay holds back. */
    private static final java.util.Set<String> holdBack = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private static final List<ProducerRecord<byte[], byte[]>> held = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static KafkaProducer<byte[], byte[]> producer;
    private static CdcEventProcessor processor;
    private static Future<?> running;

    @BeforeAll
    static void setUp() throws Exception {
        env = CdcTestEnvironment.get();
        for (String t : List.of(ORDERS, ITEMS)) {
            String ddl = "CREATE TABLE " + t + " (id bigint PRIMARY KEY, v text)";
            CdcTestEnvironment.exec(env.source(), ddl);
            CdcTestEnvironment.exec(env.target(), ddl);
        }
        env.createTopics("raw." + NAME + "." + ORDERS, "raw." + NAME + "." + ITEMS, NAME + "." + ORDERS,
                NAME + "." + ITEMS, NAME + ".transaction", "__debezium-heartbeat." + NAME);
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", env.bootstrapServers(), "linger.ms", "0"),
                new ByteArraySerializer(), new ByteArraySerializer());
        threads.submit(EndBeforeDataKafkaIT::relay);
        client = KafkaConnectClient.builder(env.connectUri()).build();
        client.createOrUpdate(ConnectorConfig.debeziumPostgres(NAME)
                .put("database.hostname", "127.0.0.1")
                .put("database.port", Integer.toString(env.postgresPort()))
                .put("database.user", "postgres").put("database.password", "postgres")
                .put("database.dbname", "postgres")
                .put("topic.prefix", NAME)
                .put("table.include.list", ORDERS + "," + ITEMS)
                .put("slot.name", "migmon_" + NAME).put("publication.name", "migmon_" + NAME)
                .put("heartbeat.interval.ms", "1000")
                .put("poll.interval.ms", "50")
                .put("provide.transaction.metadata", "true")
                .put("transforms", "raw")
                .put("transforms.raw.type", "org.apache.kafka.connect.transforms.RegexRouter")
                .put("transforms.raw.regex", NAME + "\\.public\\.(.*)")
                .put("transforms.raw.replacement", "raw." + NAME + ".public.$1")
                .build());
        Await.until(Duration.ofSeconds(60), "connector RUNNING", () -> client.status(NAME).isRunning());
        // the hold-back (3 s) is shorter than the stall timeout (10 s; a hold is given up after it when nothing
        // waits in Kafka) and than the lag refresh interval (5 s): data not in its topic one refresh after its END
        // was consumed is taken as applied before (a redelivered END), see the class documentation
        start(Duration.ofSeconds(10), Duration.ofSeconds(5), true);
        CdcTestEnvironment.exec(env.source(), "BEGIN", "INSERT INTO " + ORDERS + " VALUES (1, 'a')",
                "INSERT INTO " + ITEMS + " VALUES (1, 'a')", "COMMIT");
        Await.until(Duration.ofSeconds(90), "warm-up applied and current", () -> targetRows(ITEMS) == 1
                && targetRows(ORDERS) == 1 && overall() == 0);
    }

    private static void start(Duration stallTimeout, Duration lagRefresh, boolean transactionTopic) {
        Map<String, Object> consumer = new HashMap<>();
        consumer.put("bootstrap.servers", env.bootstrapServers());
        consumer.put("group.id", NAME + "-replica");
        List<String> topics = new ArrayList<>(List.of(NAME + "." + ORDERS, NAME + "." + ITEMS,
                "__debezium-heartbeat." + NAME));
        if (transactionTopic) {
            topics.add(NAME + ".transaction");
        }
        processor = CdcEventProcessor.builder(NAME).meterRegistry(registry).kafkaConsumer(consumer).topics(topics)
                .applier(JdbcChangeApplier.builder(env.target()).build())
                .heartbeatInterval(Duration.ofSeconds(1)).stallTimeout(stallTimeout).lagRefreshInterval(lagRefresh)
                .pollTimeout(Duration.ofMillis(100)).build();
        running = threads.submit(processor);
    }

    /** Copies {@code raw.<topic>} to {@code <topic>} (key, value, Kafka timestamp), holding back chosen topics. */
    private static void relay() {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", env.bootstrapServers(),
                "group.id", NAME + "-relay", "auto.offset.reset", "earliest"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of("raw." + NAME + "." + ORDERS, "raw." + NAME + "." + ITEMS));
            while (relaying.get()) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(50))) {
                    String to = r.topic().substring("raw.".length());
                    ProducerRecord<byte[], byte[]> out = new ProducerRecord<>(to, null, r.timestamp(), r.key(), r.value());
                    synchronized (held) {
                        if (holdBack.contains(to)) {
                            held.add(out);
                            continue;
                        }
                    }
                    producer.send(out);
                }
                producer.flush();
                c.commitSync();
            }
        }
    }

    private static void release() {
        synchronized (held) {
            holdBack.clear();
            held.forEach(producer::send);
            held.clear();
        }
        producer.flush();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (processor != null) {
            processor.close();
        }
        relaying.set(false);
        threads.shutdown();
        threads.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
        if (producer != null) {
            producer.close();
        }
        if (client != null) {
            try {
                client.delete(NAME);
            } catch (RuntimeException ignored) {
                // best effort
            }
            client.close();
        }
        env.dropSlot(NAME);
        env.stopConnect();
    }

    /** The group's committed offset of the transaction topic; 0 none. */
    private static long transactionTopicCommitted() throws Exception {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", env.bootstrapServers()))) {
            var offsets = admin.listConsumerGroupOffsets(NAME + "-replica").partitionsToOffsetAndMetadata().get();
            var o = offsets.get(new org.apache.kafka.common.TopicPartition(NAME + ".transaction", 0));
            return o == null ? 0 : o.offset();
        }
    }

    private static long targetRows(String table) throws Exception {
        return LagPipeline.scalarLong(env.target(), "SELECT count(*) FROM " + table);
    }

    private static double overall() {
        return registry.get("cdc.replication.lag.overall").gauge().value();
    }

    private static double lag(String table) {
        return registry.get("cdc.replication.lag").tags("source_table", table, "target_table", table).gauge().value();
    }

    private static double unseen() {
        Counter c = registry.find("cdc.transactions.evicted").tag("reason", TransactionEnds.UNSEEN).counter();
        return c == null ? 0 : c.count();
    }

    /** Source commit time of the row, epoch ms (µs precision). */
    private static double commitMs(String table, long id) throws Exception {
        return LagPipeline.scalarLong(env.source(), "SELECT (extract(epoch FROM pg_xact_commit_timestamp(xmin))"
                + " * 1000000)::bigint FROM " + table + " WHERE id = " + id) / 1000.0;
    }

    private static void assertTruth(String what, java.util.function.DoubleSupplier gauge, double commitMs) {
        double before = System.currentTimeMillis() - commitMs;
        double g = gauge.getAsDouble() * 1000;
        double after = System.currentTimeMillis() - commitMs;
        System.err.printf("end-before-data kafka %s: gauge %.0f ms, truth %.0f..%.0f ms%n", what, g, before, after);
        assertThat(g).as(what + ": truth %.0f..%.0f ms", before, after)
                .isBetween(before - MARGIN_MS, after + MARGIN_MS);
    }

    /**
     * A transaction over two tables whose items records are held back 3 s: its END and its orders change are
     * consumed, heartbeats flow. Items and overall read now − commit; orders reads 0 once confirmed.
     */
    @Test
    @Order(1)
    void anEndConsumedBeforeItsDataHoldsTheTableWhoseDataIsMissing() throws Exception {
        holdBack.add(NAME + "." + ITEMS);
        CdcTestEnvironment.exec(env.source(), "BEGIN", "INSERT INTO " + ORDERS + " VALUES (10, 'x')",
                "INSERT INTO " + ITEMS + " VALUES (10, 'x')", "INSERT INTO " + ITEMS + " VALUES (11, 'y')", "COMMIT");
        Await.until(Duration.ofSeconds(30), "orders applied, items held",
                () -> targetRows(ORDERS) == 2 && held.size() == 2);
        double commit = commitMs(ITEMS, 10);
        Await.until(Duration.ofSeconds(10), "orders confirmed current", () -> lag(ORDERS) == 0);
        for (int i = 0; i < 6; i++) {
            Thread.sleep(500);
            assertTruth("items, its data held", () -> lag(ITEMS), commit);
            assertTruth("overall, items held", EndBeforeDataKafkaIT::overall, commit);
        }
        assertThat(targetRows(ITEMS)).as("the held rows are not in the target").isEqualTo(1);
        release();
        Await.until(Duration.ofSeconds(30), "current again once applied",
                () -> targetRows(ITEMS) == 3 && overall() == 0 && lag(ITEMS) == 0);
        assertThat(unseen()).isZero();
    }

    /**
     * A restart that redelivers an END: processor 1 (no transaction topic) applies and commits a transaction;
     * processor 2 of the same group and name reads the transaction topic from the group's offset, before that END;
     * the END's data was committed before. The data partitions are caught up: the ENDs are let go once the
     * lag thread read their end offsets (no give-up counted), well before the 10 s stall timeout.
     */
    @Test
    @Order(2)
    void endsRedeliveredAfterARestartAreLetGoWhenTheDataPartitionsAreCaughtUp() throws Exception {
        release(); // whatever an earlier test left held
        processor.close();
        running.get(30, java.util.concurrent.TimeUnit.SECONDS);
        start(Duration.ofSeconds(10), Duration.ofSeconds(1), false);
        long items = LagPipeline.scalarLong(env.source(), "SELECT count(*) FROM " + ITEMS) + 1;
        CdcTestEnvironment.exec(env.source(), "BEGIN", "INSERT INTO " + ITEMS + " VALUES (20, 'x')", "COMMIT");
        Await.until(Duration.ofSeconds(30), "applied without the transaction topic", () -> targetRows(ITEMS) == items);
        Thread.sleep(1_500); // committed
        processor.close();
        running.get(30, java.util.concurrent.TimeUnit.SECONDS);
        // the group's transaction-topic offset is from before that transaction: its END is delivered now, its
        // change (committed by processor 1) does not come again
        long committedBefore = transactionTopicCommitted();
        long t0 = System.nanoTime();
        start(Duration.ofSeconds(10), Duration.ofSeconds(1), true);
        Await.until(Duration.ofSeconds(30), "the END not consumed before the restart consumed and committed",
                () -> transactionTopicCommitted() > committedBefore);
        Await.until(Duration.ofSeconds(30), "current", () -> overall() == 0);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.err.printf("end-before-data kafka restart: ENDs consumed, lag 0 after %d ms (stall timeout 10 s)%n", ms);
        Thread.sleep(3_000);
        assertThat(overall()).as("stays current").isZero();
        assertThat(unseen()).as("let go as caught up, not given up").isZero();
        assertThat(CdcTestEnvironment.rows(env.target(), ITEMS)).isEqualTo(CdcTestEnvironment.rows(env.source(), ITEMS));
    }
}
