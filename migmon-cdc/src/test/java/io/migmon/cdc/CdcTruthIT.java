package io.migmon.cdc;

import io.migmon.cdc.event.DeadLetterReason;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static io.migmon.cdc.CdcTestEnvironment.query;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rows of issue 11's table against real components (source PostgreSQL with track_commit_timestamp, Debezium on
 * a Connect worker, Kafka KRaft, a restartable target PostgreSQL), with margins for a loaded 2-core CI machine:
 * heartbeats every second, so "2 heartbeat intervals" = 2 s, plus 3 s of scheduling slack.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CdcTruthIT {

    private static final Duration HEARTBEAT = Duration.ofSeconds(1);
    private static final long DOWN_WITHIN_MS = 2 * HEARTBEAT.toMillis() + 3_000;
    private static LagPipeline pipe;
    private static final AtomicLong nextId = new AtomicLong(1);
    private static final ExecutorService writers = Executors.newCachedThreadPool();

    @BeforeAll
    static void setUp() throws Exception {
        pipe = new LagPipeline("truth", HEARTBEAT);
        pipe.startProcessor();
    }

    @AfterAll
    static void tearDown() throws Exception {
        writers.shutdownNow();
        if (pipe != null) {
            pipe.close();
            pipe.env.stopConnect();
        }
    }

    private static void insert(int rows) throws Exception {
        long from = nextId.getAndAdd(rows);
        pipe.write("INSERT INTO " + pipe.table + " SELECT g, 'v' || g, (g % 100)::int FROM generate_series(" + from + ", "
                + (from + rows - 1) + ") g");
    }

    /** Inserts one row every {@code everyMs} until stopped. */
    private static Future<?> steadyWriter(AtomicBoolean stop, long everyMs) {
        return writers.submit(() -> {
            while (!stop.get()) {
                insert(1);
                Thread.sleep(everyMs);
            }
            return null;
        });
    }

    private static void awaitCaughtUp() throws Exception {
        Await.until(Duration.ofSeconds(90), "target == source", () -> CdcTestEnvironment.rows(pipe.env.source(), pipe.table)
                .equals(CdcTestEnvironment.rows(pipe.target.dataSource(), pipe.table)));
    }

    private static long awaitDown(String reasonPart) throws Exception {
        long t0 = System.nanoTime();
        Await.until(Duration.ofSeconds(30), "DOWN naming " + reasonPart, () -> {
            Health h = pipe.health();
            return h.status() == HealthStatus.DOWN && h.reasons().stream().anyMatch(r -> r.contains(reasonPart));
        });
        return (System.nanoTime() - t0) / 1_000_000;
    }

    /** Slope of the overall replication lag over {@code seconds}, measured against the JVM's monotonic clock. */
    private static double slope(double seconds) throws Exception {
        long t1 = System.nanoTime();
        double v1 = pipe.overallLag();
        Thread.sleep((long) (seconds * 1000));
        double v2 = pipe.overallLag();
        long t2 = System.nanoTime();
        return (v2 - v1) / ((t2 - t1) / 1e9);
    }

    @Test
    @Order(1)
    void atIdleWithHeartbeatsTheReplicationLagReadsZeroWithinOneHeartbeat() throws Exception {
        insert(20);
        awaitCaughtUp();
        long t0 = System.nanoTime();
        Await.until(Duration.ofSeconds(30), "replication lag 0", () -> pipe.overallLag() == 0 && pipe.tableLag() == 0);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("0 within one heartbeat (+ slack) after catching up").isLessThan(HEARTBEAT.toMillis() + 3_000);
        // and it stays 0 while idle: several heartbeat intervals
        for (int i = 0; i < 30; i++) {
            assertThat(pipe.overallLag()).isZero();
            assertThat(pipe.tableLag()).isZero();
            assertThat(pipe.consumerLagSeconds()).isZero();
            Thread.sleep(100);
        }
        Health h = pipe.health();
        assertThat(h.status()).isEqualTo(HealthStatus.UP);
        assertThat(h.details()).containsEntry("state", "idle");
    }

    @Test
    @Order(2)
    void whileTheProcessorIsPausedTheLagGrowsOneSecondPerSecondAndConsumerLagIsNeverZero() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        pipe.blocked = true; // the processor stops applying (its poll thread hangs in apply), the source keeps writing
        Future<?> writer = steadyWriter(stop, 100);
        try {
            Await.until(Duration.ofSeconds(30), "apply blocked with changes in hand", () -> pipe.inApply);
            long downMs = awaitDown("target not responding");
            assertThat(downMs).as("DOWN within 2 heartbeat intervals + slack").isLessThan(DOWN_WITHIN_MS);
            assertThat(pipe.health().reasons()).noneSatisfy(r -> assertThat(r).contains("connector"));
            double s = slope(4);
            assertThat(s).as("replication lag slope during the pause").isBetween(0.8, 1.2);
            for (int i = 0; i < 10; i++) {
                assertThat(pipe.consumerLagSeconds()).as("consumer lag seconds while records wait").isPositive();
                assertThat(pipe.consumerLagMessages()).isPositive();
                Thread.sleep(100);
            }
        } finally {
            pipe.blocked = false;
        }
        stop.set(true);
        writer.get();
        awaitCaughtUp();
        Await.until(Duration.ofSeconds(30), "back to the steady level (0 at idle)", () -> pipe.overallLag() == 0);
        Await.until(Duration.ofSeconds(30), "UP", () -> pipe.health().status() == HealthStatus.UP);
    }

    @Test
    @Order(3)
    void aPausedConnectorIsDownWithinTwoHeartbeatIntervalsAndTheLagGrows() throws Exception {
        pipe.client.pause(pipe.name);
        Await.until(Duration.ofSeconds(30), "PAUSED", () -> "PAUSED".equals(pipe.client.status(pipe.name).state()));
        long t0 = System.nanoTime();
        insert(5);
        Await.until(Duration.ofSeconds(30), "DOWN: connector silent", () -> pipe.health().reasons().stream()
                .anyMatch(r -> r.contains("connector silent")));
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("DOWN within 2 heartbeat intervals + slack of the pause").isLessThan(DOWN_WITHIN_MS);
        Health h = pipe.health();
        assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(h.details()).containsEntry("state", "stalled");
        Thread.sleep(500); // past the confirmation tolerance (1 interval + 1 s): the lag now ages from the last heartbeat
        assertThat(slope(3)).as("lag grows from the last confirmed source time").isBetween(0.8, 1.2);
        pipe.client.resume(pipe.name);
        awaitCaughtUp();
        Await.until(Duration.ofSeconds(60), "UP after resume", () -> pipe.health().status() == HealthStatus.UP);
        Await.until(Duration.ofSeconds(30), "lag 0 again", () -> pipe.overallLag() == 0);
    }

    @Test
    @Order(4)
    void aStoppedTargetIsDownNamingTheTargetAndEveryEventIsCountedOnce() throws Exception {
        double redeliveredBefore = redelivered();
        pipe.target.stop();
        long t0 = System.nanoTime();
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> writer = steadyWriter(stop, 20);
        try {
            Await.until(Duration.ofSeconds(30), "DOWN: target failing", () -> pipe.health().reasons().stream()
                    .anyMatch(r -> r.contains("target failing")));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ms).as("DOWN within 2 heartbeat intervals + slack (+ the driver's 2 s connect timeout)")
                    .isLessThan(DOWN_WITHIN_MS + 2_000);
            for (int i = 0; i < 10; i++) {
                assertThat(pipe.consumerLagSeconds()).isPositive();
                assertThat(pipe.overallLag()).isPositive();
                Thread.sleep(100);
            }
        } finally {
            stop.set(true);
            writer.get();
            pipe.target.start();
        }
        awaitCaughtUp();
        Await.until(Duration.ofSeconds(60), "UP after the outage", () -> pipe.health().status() == HealthStatus.UP);
        // the target commits on the apply thread before the poll thread counts the batch (at its next poll): the
        // counter converges within a poll; it must reach the distinct source events and never pass them
        Await.until(Duration.ofSeconds(10), "counter caught up", () -> processed() >= pipe.sourceEvents.get());
        Thread.sleep(500);
        assertThat(processed()).as("cdc_events_processed_total == distinct source events").isEqualTo(pipe.sourceEvents.get());
        assertThat(redelivered()).as("redeliveries counted separately").isGreaterThan(redeliveredBefore);
    }

    @Test
    @Order(5)
    void aFiveMegabytePoisonRecordIsDeadLetteredAsAReferenceAndThePartitionCatchesUp() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", pipe.env.bootstrapServers()))) {
            admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, pipe.dataTopic),
                    List.of(new AlterConfigOp(new ConfigEntry("max.message.bytes", "10485760"), AlterConfigOp.OpType.SET))))
                    .all().get();
        }
        byte[] poison = new byte[5 * 1024 * 1024];
        Arrays.fill(poison, (byte) 'x');
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", pipe.env.bootstrapServers(),
                "max.request.size", "10485760"), new ByteArraySerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(pipe.dataTopic, null, poison)).get();
        }
        insert(3);
        awaitCaughtUp();
        Await.until(Duration.ofSeconds(30), "consumer lag 0", () -> pipe.consumerLagMessages() == 0);
        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", pipe.env.bootstrapServers(),
                "group.id", "truth-dlq-reader", "auto.offset.reset", "earliest"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(pipe.dlq));
            Await.until(Duration.ofSeconds(30), "the reference in the DLQ", () -> {
                c.poll(Duration.ofMillis(200)).forEach(dead::add);
                return !dead.isEmpty();
            });
        }
        ConsumerRecord<byte[], byte[]> ref = dead.get(0);
        assertThat(header(ref, DeadLetterReason.HEADER)).isEqualTo("record_too_large");
        assertThat(header(ref, DeadLetterReason.SIZE_HEADER)).isEqualTo(Integer.toString(poison.length));
        assertThat(header(ref, DeadLetterReason.TOPIC_HEADER)).isEqualTo(pipe.dataTopic);
        assertThat(new String(ref.value(), StandardCharsets.UTF_8)).contains("\"original_reason\":\"unparseable\"")
                .contains("\"size\":" + poison.length);
        assertThat(pipe.health().status()).isEqualTo(HealthStatus.UP);
    }

    @Test
    @Order(6)
    void addAndDropColumnMidStreamLeaveZeroWrongRows() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> writer = writers.submit(() -> {
            int i = 0;
            while (!stop.get()) {
                long id = nextId.getAndIncrement();
                pipe.write("INSERT INTO " + pipe.table + " (id, n) VALUES (" + id + ", " + (i % 50) + ")",
                        "UPDATE " + pipe.table + " SET n = n + 1 WHERE id = " + Math.max(1, id - 7));
                i++;
                Thread.sleep(10);
            }
            return null;
        });
        Thread.sleep(1_000);
        CdcTestEnvironment.exec(pipe.env.source(), "ALTER TABLE " + pipe.table + " ADD COLUMN extra text");
        Thread.sleep(1_000);
        CdcTestEnvironment.exec(pipe.env.source(), "ALTER TABLE " + pipe.table + " DROP COLUMN v");
        Thread.sleep(1_000);
        stop.set(true);
        writer.get();
        pipe.write("UPDATE " + pipe.table + " SET extra = 'e' || id WHERE id % 5 = 0");
        String cols = "SELECT id, n, extra FROM " + pipe.table + " ORDER BY id";
        Await.until(Duration.ofSeconds(90), "target == source on the source's columns",
                () -> query(pipe.env.source(), cols).equals(query(pipe.target.dataSource(), cols)));
        List<String> src = query(pipe.env.source(), cols);
        List<String> tgt = query(pipe.target.dataSource(), cols);
        long wrong = 0;
        for (int i = 0; i < src.size(); i++) {
            wrong += src.get(i).equals(tgt.get(i)) ? 0 : 1;
        }
        assertThat(wrong).isZero();
        assertThat(src.size()).isGreaterThan(100);
        Await.until(Duration.ofSeconds(10), "counter caught up", () -> processed() >= pipe.sourceEvents.get());
        Thread.sleep(500);
        assertThat(processed()).isEqualTo(pipe.sourceEvents.get());
    }

    private static double processed() {
        return pipe.registry.find("cdc.events.processed").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static double redelivered() {
        return pipe.registry.find("cdc.events.redelivered").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        return new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }
}
