package io.migmon.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import io.migmon.testsupport.KafkaTestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks on a real {@link CdcEventProcessor} on its own in-process KRaft broker, applying to a real PostgreSQL target
 * through the JDBC applier; the source is a test producer writing Debezium 3.6.1-shaped envelopes. Ground truth: the
 * producer's own counts, the target's rows, the dead-letter topic read back. Each test uses its own topics and group.
 */
class CdcKafkaAttackIT {

    private static KafkaClusterTestKit kafka;
    private static EmbeddedPostgresFixture pg;
    private static DataSource target;
    private static KafkaProducer<byte[], byte[]> producer;
    private static final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeAll
    static void setUp() throws Exception {
        Path work = Path.of("target", "att11-kafka-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        Files.createDirectories(work);
        kafka = KafkaTestBroker.start(work.resolve("kafka"),
                // as in many production clusters: a dead-letter topic must exist before it is written
                Map.of("auto.create.topics.enable", "false"));
        pg = EmbeddedPostgresFixture.builder("att11-kafka").baseDirectory(work.resolve("pg")).start();
        target = pg.dataSource();
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", "0",
                "max.request.size", String.valueOf(8 << 20)), new ByteArraySerializer(), new ByteArraySerializer());
    }

    @AfterAll
    static void tearDown() throws Exception {
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

    private static void createTopics(int partitions, String... topics) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            List<NewTopic> list = new ArrayList<>();
            for (String t : topics) {
                list.add(new NewTopic(t, partitions, (short) 1).configs(Map.of("max.message.bytes", "10485760")));
            }
            admin.createTopics(list).all().get();
        }
    }

    static String envelope(String table, long id, long xid, long totalOrder) {
        long ms = System.currentTimeMillis();
        String tx = xid <= 0 ? "null" : "{\"id\":\"" + xid + ":" + (26_000_000 + totalOrder * 144) + "\",\"total_order\":"
                + totalOrder + ",\"data_collection_order\":" + totalOrder + "}";
        return "{\"before\":null,\"after\":{\"id\":" + id + ",\"v\":\"v" + id + "\"},\"source\":{\"version\":"
                + "\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"att\",\"ts_ms\":" + ms + ",\"ts_us\":"
                + ms * 1000 + ",\"snapshot\":\"false\",\"db\":\"postgres\",\"schema\":\"public\",\"table\":\"" + table
                + "\",\"txId\":" + Math.max(xid, id) + ",\"lsn\":" + id + "},\"transaction\":" + tx
                + ",\"op\":\"c\",\"ts_ms\":" + ms + "}";
    }

    static void send(String topic, int partition, String key, String value) {
        producer.send(new ProducerRecord<>(topic, partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
    }

    static void send(String topic, int partition, byte[] value) {
        producer.send(new ProducerRecord<>(topic, partition, null, value));
    }

    static long count(String sql) throws Exception {
        return LagPipeline.scalarLong(target, sql);
    }

    static double counter(SimpleMeterRegistry registry, String name, String... tags) {
        Counter c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    static Map<String, Object> consumer(String group) {
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", kafka.bootstrapServers());
        c.put("group.id", group);
        return c;
    }

    /** A JDBC applier whose first {@code slowCalls} calls take {@code slowMs} longer. */
    static final class SlowFirst implements ChangeApplier {
        final JdbcChangeApplier delegate;
        final AtomicInteger calls = new AtomicInteger();
        final int slowCalls;
        final long slowMs;

        SlowFirst(int slowCalls, long slowMs) {
            this.delegate = JdbcChangeApplier.builder(target).build();
            this.slowCalls = slowCalls;
            this.slowMs = slowMs;
        }

        @Override
        public void apply(List<ChangeEvent> batch) throws Exception {
            delegate.apply(batch);
            if (calls.incrementAndGet() <= slowCalls) {
                Thread.sleep(slowMs);
            }
        }

        @Override
        public void close() {
            delegate.close();
        }
    }

    /**
     * A slow apply overruns {@code max.poll.interval.ms}: the member is dropped from the group, the commit of the
     * applied batch fails, and the same processor gets its partition back and is handed the batch again. The target
     * is right (idempotent), and each event must be counted once in {@code cdc_events_processed_total}, the second
     * delivery in {@code cdc_events_redelivered_total}.
     */
    @Test
    void aBatchRedeliveredToTheSameProcessorAfterItLostItsPartitionIsCountedOnce() throws Exception {
        String topic = "reb.public.reb";
        createTopics(1, topic);
        CdcTestEnvironment.exec(target, "CREATE TABLE public.reb (id bigint PRIMARY KEY, v text)");
        int n = 20;
        for (int i = 1; i <= n; i++) {
            send(topic, 0, "{\"id\":" + i + "}", envelope("reb", i, 0, 0));
        }
        producer.flush();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Object> c = consumer("reb-replica");
        c.put("max.poll.interval.ms", "2000");
        c.put("session.timeout.ms", "6000");
        c.put("heartbeat.interval.ms", "300");
        SlowFirst applier = new SlowFirst(1, 4_000);
        CdcEventProcessor processor = CdcEventProcessor.builder("reb").meterRegistry(registry)
                .kafkaConsumer(c).topics(topic).applier(applier)
                .pollTimeout(Duration.ofMillis(100)).retryBackoff(Duration.ofMillis(50)).build();
        Future<?> loop = threads.submit(processor);
        try {
            Await.until(Duration.ofSeconds(60), "all rows in the target and a second delivery",
                    () -> count("SELECT count(*) FROM public.reb") == n && applier.calls.get() >= 2);
            // let any further redelivery run its course
            Await.until(Duration.ofSeconds(30), "consumer lag 0", () -> {
                Double lag = registry.find("cdc.consumer.lag").tag("topic", topic).gauge() == null ? null
                        : registry.find("cdc.consumer.lag").tag("topic", topic).gauge().value();
                return lag != null && lag == 0;
            });
            double redelivered = counter(registry, "cdc.events.redelivered", "table", "public.reb");
            System.err.println("att11 rebalance: apply calls " + applier.calls.get() + ", processed "
                    + processor.eventsProcessed() + ", redelivered " + redelivered);
            assertThat(count("SELECT count(*) FROM public.reb")).isEqualTo(n);
            assertThat(redelivered).as("the second delivery, counted as such").isGreaterThanOrEqualTo(n);
            assertThat(processor.eventsProcessed()).as("each distinct source event once").isEqualTo(n);
            assertThat(counter(registry, "cdc.events.processed", "table", "public.reb")).isEqualTo(n);
        } finally {
            processor.close();
            loop.get();
        }
    }

    /** Every record of the dead-letter topic, read from the beginning until it has been quiet for a second. */
    static List<ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers",
                kafka.bootstrapServers(), "group.id", "reader-" + UUID.randomUUID(), "auto.offset.reset", "earliest",
                "max.partition.fetch.bytes", String.valueOf(10 << 20)), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            long quietSince = -1;
            while (System.nanoTime() < deadline) {
                int before = out.size();
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                if (out.size() == before && !c.assignment().isEmpty()) {
                    quietSince = quietSince < 0 ? System.nanoTime() : quietSince;
                    if (System.nanoTime() - quietSince > 1_500_000_000L) {
                        break;
                    }
                } else {
                    quietSince = -1;
                }
            }
        }
        return out;
    }

    static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    /**
     * Poison of every shape among valid changes on one partition: a transaction-shaped record on a data topic, JSON
     * that is not an envelope, a JSON array, an empty value, a 2 MB non-JSON value. Truth: the dead-letter topic holds
     * each exactly once with its reason and origin, the target every valid row, the partition caught up.
     */
    @Test
    void poisonOfEveryShapeIsDeadLetteredOnceAndThePartitionMovesOn() throws Exception {
        String topic = "poi.public.poi";
        String dlq = "poi.dlq";
        createTopics(1, topic, dlq);
        CdcTestEnvironment.exec(target, "CREATE TABLE public.poi (id bigint PRIMARY KEY, v text)");
        byte[] big = new byte[2 << 20];
        java.util.Arrays.fill(big, (byte) 'x');
        List<byte[]> poison = List.of(
                "{\"status\":\"END\",\"id\":\"571:34210904\",\"event_count\":3,\"data_collections\":[],\"ts_ms\":1}"
                        .getBytes(StandardCharsets.UTF_8),
                "{\"id\":5,\"name\":\"not an envelope\"}".getBytes(StandardCharsets.UTF_8),
                "[1,2,3]".getBytes(StandardCharsets.UTF_8),
                new byte[0],
                big);
        int valid = 0;
        for (int i = 0; i < poison.size(); i++) {
            for (int k = 0; k < 3; k++) {
                valid++;
                send(topic, 0, "{\"id\":" + valid + "}", envelope("poi", valid, 0, 0));
            }
            send(topic, 0, poison.get(i));
        }
        valid++;
        send(topic, 0, "{\"id\":" + valid + "}", envelope("poi", valid, 0, 0));
        producer.flush();
        int validRows = valid;
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor processor = CdcEventProcessor.builder("poi").meterRegistry(registry)
                .kafkaConsumer(consumer("poi-replica")).topics(topic)
                .applier(JdbcChangeApplier.builder(target).build()).deadLetterTopic(dlq)
                .stallTimeout(Duration.ofSeconds(2))
                .pollTimeout(Duration.ofMillis(100)).retryBackoff(Duration.ofMillis(50)).build();
        Future<?> loop = threads.submit(processor);
        try {
            Await.until(Duration.ofSeconds(60), "all valid rows", () -> count("SELECT count(*) FROM public.poi") == validRows);
            Await.until(Duration.ofSeconds(30), "all dead-lettered", () -> processor.deadLettered() == poison.size());
            Await.until(Duration.ofSeconds(30), "UP, caught up", () -> {
                Health h = processor.healthCheck().check();
                return h.status() == HealthStatus.UP && Long.valueOf(0).equals(h.details().get("lagMessages"));
            });
            List<ConsumerRecord<byte[], byte[]>> dead = readAll(dlq);
            assertThat(dead).hasSize(poison.size());
            assertThat(dead).extracting(r -> header(r, "migmon.dlq.reason")).containsExactly("not_an_envelope",
                    "not_an_envelope", "unparseable", "unparseable", "record_too_large");
            assertThat(dead).extracting(r -> header(r, "migmon.dlq.offset"))
                    .containsExactly("3", "7", "11", "15", "19");
            for (int i = 0; i < 4; i++) {
                assertThat(dead.get(i).value()).as("original value").isEqualTo(poison.get(i));
            }
            assertThat(processor.eventsProcessed()).isEqualTo(validRows);
            assertThat(counter(registry, "cdc.events.redelivered")).isZero();
        } finally {
            processor.close();
            loop.get();
        }
    }

    /**
     * The dead-letter topic does not exist (auto-creation off, as in many clusters): the poison record cannot be
     * written and its partition waits. Health must be DOWN naming that partition and the poison stage within the
     * stall timeout (plus slack), not blame the poll loop; once the topic exists the partition moves on and the
     * dead-letter topic holds the record once.
     */
    @Test
    void aMissingDeadLetterTopicIsDownAsPoisonRecordOnItsPartitionAndRecovers() throws Exception {
        String topic = "nodlq.public.nodlq";
        String dlq = "nodlq.dlq";
        createTopics(1, topic);
        CdcTestEnvironment.exec(target, "CREATE TABLE public.nodlq (id bigint PRIMARY KEY, v text)");
        send(topic, 0, "{\"id\":1}", envelope("nodlq", 1, 0, 0));
        send(topic, 0, null, "not json");
        send(topic, 0, "{\"id\":2}", envelope("nodlq", 2, 0, 0));
        producer.flush();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor processor = CdcEventProcessor.builder("nodlq").meterRegistry(registry)
                .kafkaConsumer(consumer("nodlq-replica")).topics(topic)
                .applier(JdbcChangeApplier.builder(target).build()).deadLetterTopic(dlq)
                .stallTimeout(Duration.ofSeconds(2))
                .pollTimeout(Duration.ofMillis(100)).retryBackoff(Duration.ofMillis(50)).build();
        Future<?> loop = threads.submit(processor);
        try {
            long t0 = System.nanoTime();
            Await.until(Duration.ofSeconds(90), "DOWN", () -> processor.healthCheck().check().status() == HealthStatus.DOWN);
            Thread.sleep(4_000); // the verdict after the stall timeout plus slack
            Health h = processor.healthCheck().check();
            System.err.println("att11 missing dlq: " + (System.nanoTime() - t0) / 1_000_000 + " ms " + h.reasons()
                    + " " + h.details());
            assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(h.details()).containsEntry("stage", "poison_record");
            assertThat(h.reasons()).anySatisfy(r -> assertThat(r).contains(topic + "-0").contains(dlq));
            createTopics(1, dlq);
            Await.until(Duration.ofSeconds(120), "both rows", () -> count("SELECT count(*) FROM public.nodlq") == 2);
            Await.until(Duration.ofSeconds(120), "UP", () -> processor.healthCheck().check().status() == HealthStatus.UP);
            assertThat(readAll(dlq)).hasSize(1);
            assertThat(processor.deadLettered()).isEqualTo(1);
        } finally {
            processor.close();
            loop.get();
        }
    }

    /**
     * The dead-letter topic accepts the first poison record of a batch and rejects the second (a compacted topic
     * refuses a record without a key: a permanent error). The partition waits for the operator; while it retries,
     * the first record must not be dead-lettered again on every redelivery (the dead-letter topic would grow without
     * bound and the dead-letter count with it). After the operator fixes the topic, each poison record is there once.
     */
    @Test
    void aDeadLetterSendThatFailsMidBatchDoesNotDuplicateTheOnesAlreadyWritten() throws Exception {
        String topic = "dup.public.dup";
        String dlq = "dup.dlq";
        createTopics(1, topic);
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(dlq, 1, (short) 1).configs(Map.of("cleanup.policy", "compact"))))
                    .all().get();
        }
        CdcTestEnvironment.exec(target, "CREATE TABLE public.dup (id bigint PRIMARY KEY, v text)");
        send(topic, 0, "{\"id\":1}", envelope("dup", 1, 0, 0));
        send(topic, 0, "{\"id\":99}", "not json, keyed");
        send(topic, 0, "{\"id\":2}", envelope("dup", 2, 0, 0));
        send(topic, 0, null, "not json, no key");
        send(topic, 0, "{\"id\":3}", envelope("dup", 3, 0, 0));
        producer.flush();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor processor = CdcEventProcessor.builder("dup").meterRegistry(registry)
                .kafkaConsumer(consumer("dup-replica")).topics(topic)
                .applier(JdbcChangeApplier.builder(target).build()).deadLetterTopic(dlq)
                .stallTimeout(Duration.ofSeconds(2))
                .pollTimeout(Duration.ofMillis(100)).retryBackoff(Duration.ofMillis(50)).build();
        Future<?> loop = threads.submit(processor);
        try {
            Await.until(Duration.ofSeconds(60), "DOWN on the poison record", () -> {
                Health h = processor.healthCheck().check();
                return h.status() == HealthStatus.DOWN && "poison_record".equals(h.details().get("stage"));
            });
            Thread.sleep(3_000); // many redeliveries
            Health h = processor.healthCheck().check();
            System.err.println("att11 dlq mid-batch: " + h.reasons() + " deadLettered=" + processor.deadLettered());
            assertThat(h.reasons()).anySatisfy(r -> assertThat(r).contains(topic + "-0@3"));
            assertThat(readAll(dlq)).as("the first poison record, once").hasSize(1);
            assertThat(processor.deadLettered()).isEqualTo(1);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.incrementalAlterConfigs(Map.of(new org.apache.kafka.common.config.ConfigResource(
                        org.apache.kafka.common.config.ConfigResource.Type.TOPIC, dlq), List.of(
                        new org.apache.kafka.clients.admin.AlterConfigOp(new org.apache.kafka.clients.admin.ConfigEntry(
                                "cleanup.policy", "delete"), org.apache.kafka.clients.admin.AlterConfigOp.OpType.SET))))
                        .all().get();
            }
            Await.until(Duration.ofSeconds(60), "all rows", () -> count("SELECT count(*) FROM public.dup") == 3);
            Await.until(Duration.ofSeconds(60), "UP", () -> processor.healthCheck().check().status() == HealthStatus.UP);
            List<ConsumerRecord<byte[], byte[]>> dead = readAll(dlq);
            assertThat(dead).extracting(r -> header(r, "migmon.dlq.offset")).containsExactly("1", "3");
            assertThat(processor.deadLettered()).isEqualTo(2);
            assertThat(counter(registry, "cdc.dead.letters")).isEqualTo(2.0);
            assertThat(processor.eventsProcessed()).isEqualTo(3);
        } finally {
            processor.close();
            loop.get();
        }
    }

    /**
     * The connector sends transaction metadata (each change carries its {@code transaction} block) but the processor
     * does not read the transaction topic, so no {@code END} can ever arrive: as the documentation says, changes are
     * then not grouped. Before, every transaction stayed open until the 10,000-transaction bound evicted it, and each
     * was counted in {@code cdc_transactions_evicted_total{reason="capacity"}}.
     */
    @Test
    void withoutTheTransactionTopicNoTransactionIsOpenedNorEvicted() throws Exception {
        String topic = "notx.public.notx";
        createTopics(1, topic);
        int n = TransactionTracker.MAX_OPEN + 50;
        for (int i = 1; i <= n; i++) {
            send(topic, 0, null, envelope("notx", i, 10_000 + i, 1));
        }
        producer.flush();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor processor = CdcEventProcessor.builder("notx").meterRegistry(registry)
                .kafkaConsumer(consumer("notx-observer")).topics(topic)
                .pollTimeout(Duration.ofMillis(100)).build();
        Future<?> loop = threads.submit(processor);
        try {
            Await.until(Duration.ofSeconds(90), "all observed", () -> processor.eventsProcessed() == n);
            assertThat(counter(registry, "cdc.transactions.evicted")).isZero();
        } finally {
            processor.close();
            loop.get();
        }
    }

    /**
     * A table added to the capture (its topic appears while the processor runs, matching its {@code topicPattern}):
     * with schema evolution its rows must reach the target (table created) within seconds, not after the consumer's
     * metadata age (5 minutes by default) — until the topic is seen, neither lag nor health know its changes wait.
     */
    @Test
    void aNewTableInTheTopicPatternIsPickedUpWithinSeconds() throws Exception {
        createTopics(1, "pat.public.pa");
        CdcTestEnvironment.exec(target, "CREATE TABLE public.pa (id bigint PRIMARY KEY, v text)");
        send("pat.public.pa", 0, "{\"id\":1}", envelope("pa", 1, 0, 0));
        producer.flush();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor processor = CdcEventProcessor.builder("pat").meterRegistry(registry)
                .kafkaConsumer(consumer("pat-replica")).topicPattern(java.util.regex.Pattern.compile("pat\\.public\\..*"))
                .applier(JdbcChangeApplier.builder(target).schemaEvolution(true).build())
                .pollTimeout(Duration.ofMillis(100)).build();
        Future<?> loop = threads.submit(processor);
        try {
            Await.until(Duration.ofSeconds(60), "first table", () -> count("SELECT count(*) FROM public.pa") == 1);
            createTopics(1, "pat.public.pb");
            send("pat.public.pb", 0, "{\"id\":7}", envelope("pb", 7, 0, 0));
            producer.flush();
            long t0 = System.nanoTime();
            Await.until(Duration.ofSeconds(45), "the new table's row in the target", () -> {
                try {
                    return count("SELECT count(*) FROM public.pb") == 1;
                } catch (java.sql.SQLException e) {
                    return false; // not created yet
                }
            });
            System.err.println("att11 new topic picked up after " + (System.nanoTime() - t0) / 1_000_000 + " ms");
        } finally {
            processor.close();
            loop.get();
        }
    }

    /**
     * {@code close()} while the poll thread is blocked in a dead-letter send (the topic does not exist: the producer
     * waits up to {@code max.block.ms}, 60 s) must stop the processor promptly, not wait out its close timeout and
     * return with the poll thread still running.
     */
    @Test
    void closeDuringABlockedDeadLetterSendStopsThePollThreadPromptly() throws Exception {
        String topic = "cls.public.cls";
        createTopics(1, topic);
        send(topic, 0, null, "not json");
        producer.flush();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor processor = CdcEventProcessor.builder("cls").meterRegistry(registry)
                .kafkaConsumer(consumer("cls-replica")).topics(topic)
                .applier(JdbcChangeApplier.builder(target).build()).deadLetterTopic("cls.dlq.missing")
                .stallTimeout(Duration.ofSeconds(2)).closeTimeout(Duration.ofSeconds(20))
                .pollTimeout(Duration.ofMillis(100)).build();
        Future<?> loop = threads.submit(processor);
        Await.until(Duration.ofSeconds(60), "blocked in the dead-letter send", () -> processor.healthCheck().check()
                .reasons().stream().anyMatch(r -> r.contains("send in progress")));
        long t0 = System.nanoTime();
        processor.close();
        long closeMs = (System.nanoTime() - t0) / 1_000_000;
        System.err.println("att11 close during blocked DLQ send: " + closeMs + " ms, loop done " + loop.isDone());
        assertThat(closeMs).as("close() returned before its 20 s timeout").isLessThan(10_000);
        loop.get(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    static double gauge(SimpleMeterRegistry registry, String name, String... tags) {
        io.micrometer.core.instrument.Gauge g = registry.find(name).tags(tags).gauge();
        return g == null ? Double.NaN : g.value();
    }

    /**
     * The poll thread hangs in a long apply of partition 0 (a target that does not answer); records keep arriving on
     * partition 1. End offsets are refreshed independently of the poll thread: partition 1's consumer lag must count
     * every record that arrived after the poll thread hung, and its replication lag must age. Ground truth: the
     * producer's counts per partition; the rows in the target once the apply returns.
     */
    @Test
    void recordsOnAnotherPartitionAreCountedWhileThePollThreadHangsInAnApply() throws Exception {
        String topic = "hng.public.hng";
        createTopics(2, topic);
        CdcTestEnvironment.exec(target, "CREATE TABLE public.hnga (id bigint PRIMARY KEY, v text)",
                "CREATE TABLE public.hngb (id bigint PRIMARY KEY, v text)");
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        JdbcChangeApplier jdbc = JdbcChangeApplier.builder(target).build();
        ChangeApplier hanging = new ChangeApplier() {
            @Override
            public void apply(List<ChangeEvent> batch) throws Exception {
                if (batch.stream().anyMatch(e -> "hnga".equals(e.table()))) {
                    entered.countDown();
                    release.await();
                }
                jdbc.apply(batch);
            }

            @Override
            public void close() {
                jdbc.close();
            }
        };
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor processor = CdcEventProcessor.builder("hng").meterRegistry(registry)
                .kafkaConsumer(consumer("hng-replica")).topics(topic).applier(hanging)
                .lagRefreshInterval(Duration.ofMillis(200)).closeTimeout(Duration.ofSeconds(20))
                .pollTimeout(Duration.ofMillis(100)).retryBackoff(Duration.ofMillis(50)).build();
        Future<?> loop = threads.submit(processor);
        try {
            send(topic, 1, "{\"id\":1}", envelope("hngb", 1, 0, 0));
            producer.flush();
            Await.until(Duration.ofSeconds(60), "partition 1's first row applied",
                    () -> count("SELECT count(*) FROM public.hngb") == 1);
            send(topic, 0, "{\"id\":1}", envelope("hnga", 1, 0, 0));
            producer.flush();
            assertThat(entered.await(60, java.util.concurrent.TimeUnit.SECONDS)).as("apply of partition 0 hung").isTrue();
            long firstWaiting = System.currentTimeMillis();
            send(topic, 1, "{\"id\":2}", envelope("hngb", 2, 0, 0)); // polled: the poll thread then waits for the apply
            producer.flush();
            Thread.sleep(1_500);
            for (int id = 3; id <= 7; id++) {
                send(topic, 1, "{\"id\":" + id + "}", envelope("hngb", id, 0, 0));
            }
            producer.flush();
            Await.until(Duration.ofSeconds(30), "partition 1's consumer lag counts the 6 records",
                    () -> gauge(registry, "cdc.consumer.lag", "topic", topic, "partition", "1") == 6.0);
            double lagB = gauge(registry, "cdc.replication.lag", "source_table", "public.hngb");
            Thread.sleep(1_000);
            double lagBLater = gauge(registry, "cdc.replication.lag", "source_table", "public.hngb");
            double ageOfFirstWaiting = (System.currentTimeMillis() - firstWaiting) / 1000.0;
            System.err.println("att11 hung apply: partition 1 replication lag " + lagB + " -> " + lagBLater
                    + " s, its oldest waiting change is " + ageOfFirstWaiting + " s old");
            assertThat(lagBLater).as("ageing").isGreaterThan(lagB);
            assertThat(lagBLater).as("at least the age of its oldest waiting change")
                    .isGreaterThanOrEqualTo(ageOfFirstWaiting - 0.5);
            assertThat(gauge(registry, "cdc.consumer.lag.seconds", "topic", topic, "partition", "1"))
                    .isGreaterThanOrEqualTo(ageOfFirstWaiting - 0.5);
            release.countDown();
            Await.until(Duration.ofSeconds(60), "every row once the apply returns",
                    () -> count("SELECT count(*) FROM public.hngb") == 7 && count("SELECT count(*) FROM public.hnga") == 1);
            Await.until(Duration.ofSeconds(30), "caught up",
                    () -> gauge(registry, "cdc.consumer.lag", "topic", topic, "partition", "1") == 0.0
                            && gauge(registry, "cdc.consumer.lag", "topic", topic, "partition", "0") == 0.0);
        } finally {
            release.countDown();
            processor.close();
            loop.get();
        }
    }

    /**
     * A poison record blocks its partition (the dead-letter topic does not exist yet) while the connector's
     * heartbeats flow. Honest semantics: the target is stale for that partition while it is blocked, so its
     * replication lag ages and health names {@code poison_record}; once the record is dead-lettered the partition
     * moves on and the lag returns to steady (0: nothing waits, heartbeats confirm the target current) and stays
     * there. Ground truth: the rows in the target, the dead-letter topic read back.
     */
    @Test
    void aBlockingPoisonRecordAgesTheLagUntilItIsDeadLetteredThenTheLagIsSteady() throws Exception {
        String topic = "pbl.public.pbl";
        String hbTopic = "__debezium-heartbeat.pbl";
        String dlq = "pbl.dlq";
        createTopics(1, topic, hbTopic);
        CdcTestEnvironment.exec(target, "CREATE TABLE public.pbl (id bigint PRIMARY KEY, v text)");
        java.util.concurrent.atomic.AtomicBoolean beating = new java.util.concurrent.atomic.AtomicBoolean(true);
        Future<?> heartbeats = threads.submit(() -> {
            while (beating.get()) {
                send(hbTopic, 0, "{\"serverName\":\"pbl\"}", "{\"ts_ms\":" + System.currentTimeMillis() + "}");
                producer.flush();
                Thread.sleep(250);
            }
            return null;
        });
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor processor = CdcEventProcessor.builder("pbl").meterRegistry(registry)
                .kafkaConsumer(consumer("pbl-replica")).topics(topic, hbTopic)
                .kafkaProducer(Map.of("max.block.ms", "2000"))
                .applier(JdbcChangeApplier.builder(target).build()).deadLetterTopic(dlq)
                .heartbeatInterval(Duration.ofSeconds(1))
                .lagRefreshInterval(Duration.ofMillis(250))
                .pollTimeout(Duration.ofMillis(100)).retryBackoff(Duration.ofMillis(50)).build();
        Future<?> loop = threads.submit(processor);
        try {
            send(topic, 0, "{\"id\":1}", envelope("pbl", 1, 0, 0));
            producer.flush();
            Await.until(Duration.ofSeconds(60), "first row", () -> count("SELECT count(*) FROM public.pbl") == 1);
            Await.until(Duration.ofSeconds(30), "steady before the poison",
                    () -> gauge(registry, "cdc.replication.lag.overall") == 0.0);
            long blockedAt = System.currentTimeMillis();
            send(topic, 0, null, "not json");
            send(topic, 0, "{\"id\":2}", envelope("pbl", 2, 0, 0));
            producer.flush();
            Await.until(Duration.ofSeconds(60), "DOWN naming the poison record", () -> {
                Health h = processor.healthCheck().check();
                return h.status() == HealthStatus.DOWN && "poison_record".equals(h.details().get("stage"));
            });
            Thread.sleep(1_000);
            double blockedLag = gauge(registry, "cdc.replication.lag.overall");
            double blockedFor = (System.currentTimeMillis() - blockedAt) / 1000.0;
            System.err.println("att11 poison blocks: replication lag " + blockedLag + " s after " + blockedFor + " s");
            assertThat(blockedLag).as("the target is stale while the poison blocks").isGreaterThanOrEqualTo(2.0);
            assertThat(blockedLag).isLessThanOrEqualTo(blockedFor + 1.0);
            assertThat(processor.healthCheck().check().reasons())
                    .anySatisfy(r -> assertThat(r).contains(topic + "-0").contains("poison record"));
            createTopics(1, dlq);
            Await.until(Duration.ofSeconds(60), "second row", () -> count("SELECT count(*) FROM public.pbl") == 2);
            Await.until(Duration.ofSeconds(30), "lag back to steady",
                    () -> gauge(registry, "cdc.replication.lag.overall") == 0.0);
            Await.until(Duration.ofSeconds(30), "UP", () -> processor.healthCheck().check().status() == HealthStatus.UP);
            double max = 0;
            for (int i = 0; i < 12; i++) {
                Thread.sleep(250);
                max = Math.max(max, gauge(registry, "cdc.replication.lag.overall"));
            }
            assertThat(max).as("stays steady (heartbeats every 250 ms)").isLessThan(1.0);
            assertThat(readAll(dlq)).hasSize(1);
            assertThat(processor.deadLettered()).isEqualTo(1);
        } finally {
            beating.set(false);
            processor.close();
            loop.get();
            heartbeats.get();
        }
    }
}
