package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.core.anomaly.Anomaly;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.anomaly.ErrorRateDetector;
import io.migmon.core.anomaly.StallDetector;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import io.migmon.testsupport.KafkaTestBroker;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A real {@link CdcEventProcessor} on its own in-process KRaft broker, applying to a restartable target PostgreSQL,
 * feeding an {@link AnomalyMonitor}: a stopped target raises {@code stall}, a burst of dead letters raises
 * {@code high_error_rate}, an idle pipeline with heartbeats raises nothing; and a stopped broker turns the health DOWN
 * naming the broker and the Kafka error, UP again once it is back. The source is a test producer writing
 * Debezium-shaped change envelopes and heartbeats (a broker of its own, so stopping it disturbs no other test).
 * Ground truth: the producer's own counts, the target's row count, the dead-letter topic read back.
 * Heartbeats every second (2 heartbeat intervals = 2 s), margins for a loaded 2-core machine.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CdcAnomalyIT {

    private static final Duration HEARTBEAT = Duration.ofSeconds(1);
    private static final Duration STALL_AFTER = Duration.ofSeconds(4);
    private static final String TOPIC = "anom.public.anom";
    private static final String HEARTBEATS = "__debezium-heartbeat.anom";
    private static final String DLQ = "anom.dlq";

    private static KafkaClusterTestKit kafka;
    private static RestartableTarget target;
    private static KafkaProducer<byte[], byte[]> producer;
    private static CdcEventProcessor processor;
    private static AnomalyMonitor monitor;
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private static final List<Anomaly> events = new CopyOnWriteArrayList<>();
    private static final AtomicLong nextId = new AtomicLong(1);
    private static final AtomicLong produced = new AtomicLong();
    private static final AtomicBoolean heartbeating = new AtomicBoolean(true);
    private static final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeAll
    static void setUp() throws Exception {
        Path work = Path.of("target", "it-anom-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        Files.createDirectories(work);
        kafka = KafkaTestBroker.start(work.resolve("kafka"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1), new NewTopic(HEARTBEATS, 1, (short) 1),
                    new NewTopic(DLQ, 1, (short) 1))).all().get();
        }
        target = new RestartableTarget();
        CdcTestEnvironment.exec(target.dataSource(), "CREATE TABLE public.anom (id bigint PRIMARY KEY, v text)");
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", "0",
                "max.block.ms", "500", "delivery.timeout.ms", "30000", "request.timeout.ms", "1000"),
                new ByteArraySerializer(), new ByteArraySerializer());
        threads.submit(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                if (heartbeating.get()) {
                    send(HEARTBEATS, "{\"ts_ms\":" + System.currentTimeMillis() + "}");
                }
                Thread.sleep(HEARTBEAT.toMillis());
            }
            return null;
        });
        monitor = AnomalyMonitor.builder("anom").meterRegistry(registry)
                .detector(StallDetector.builder().after(STALL_AFTER).idleAtZeroLag(true).build())
                .detector(ErrorRateDetector.builder().window(Duration.ofSeconds(10)).minEvents(20)
                        .fireAfter(Duration.ofSeconds(1)).clearAfter(Duration.ofSeconds(2)).build())
                .listener(events::add)
                .build();
        Map<String, Object> consumer = new HashMap<>();
        consumer.put("bootstrap.servers", kafka.bootstrapServers());
        consumer.put("group.id", "anom-replica");
        processor = CdcEventProcessor.builder("anom").meterRegistry(registry)
                .kafkaConsumer(consumer)
                .topics(TOPIC, HEARTBEATS)
                .applier(JdbcChangeApplier.builder(target.dataSource()).build())
                .deadLetterTopic(DLQ)
                .heartbeatInterval(HEARTBEAT)
                .lagRefreshInterval(Duration.ofMillis(250))
                .pollTimeout(Duration.ofMillis(100))
                .retryBackoff(Duration.ofMillis(100))
                .anomalyMonitor(monitor)
                .anomalySampleInterval(Duration.ofMillis(250))
                .build();
        threads.submit(processor);
        Await.until(Duration.ofSeconds(60), "first heartbeat through the processor",
                () -> processor.healthCheck().check().details().containsKey("lastHeartbeatAgeMs"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (processor != null) {
            processor.close();
        }
        threads.shutdownNow();
        if (producer != null) {
            producer.close(Duration.ofSeconds(2));
        }
        if (target != null) {
            target.close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private static void send(String topic, String value) {
        try {
            producer.send(new ProducerRecord<>(topic, null, value.getBytes(StandardCharsets.UTF_8)));
        } catch (RuntimeException e) {
            // broker down: the heartbeat is lost, as Debezium's would be
        }
    }

    /** One Debezium-shaped insert, committed at the source now. */
    private static void change() {
        long id = nextId.getAndIncrement();
        long ms = System.currentTimeMillis();
        String v = "{\"before\":null,\"after\":{\"id\":" + id + ",\"v\":\"v" + id + "\"},\"source\":{\"version\":\"3.6.1.Final\","
                + "\"connector\":\"postgresql\",\"name\":\"anom\",\"ts_ms\":" + ms + ",\"ts_us\":" + ms * 1000
                + ",\"snapshot\":\"false\",\"db\":\"postgres\",\"schema\":\"public\",\"table\":\"anom\",\"txId\":" + id
                + ",\"lsn\":" + id + "},\"op\":\"c\",\"ts_ms\":" + ms + "}";
        producer.send(new ProducerRecord<>(TOPIC, ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8),
                v.getBytes(StandardCharsets.UTF_8)));
        produced.incrementAndGet();
    }

    private static Future<?> steadyWriter(AtomicBoolean stop, long everyMs) {
        return threads.submit(() -> {
            while (!stop.get()) {
                change();
                Thread.sleep(everyMs);
            }
            producer.flush();
            return null;
        });
    }

    private static long targetRows() throws Exception {
        return LagPipeline.scalarLong(target.dataSource(), "SELECT count(*) FROM public.anom");
    }

    private static void awaitCaughtUp() throws Exception {
        Await.until(Duration.ofSeconds(60), "target rows == produced changes", () -> targetRows() == produced.get());
    }

    private static List<Anomaly> firing(String type) {
        return events.stream().filter(a -> a.type().equals(type) && a.firing()).toList();
    }

    private static double anomalies(String type) {
        return registry.get("migration.anomalies").tag("type", type).counter().count();
    }

    @Test
    @Order(1)
    void anIdlePipelineWithHeartbeatsRaisesNothing() throws Exception {
        for (int i = 0; i < 100; i++) {
            change();
        }
        producer.flush();
        awaitCaughtUp();
        // idle for more than twice the stall limit; heartbeats keep confirming the target is current
        Thread.sleep(STALL_AFTER.toMillis() * 2 + 1_000);
        assertThat(events).isEmpty();
        assertThat(monitor.active()).isEmpty();
        assertThat(processor.eventsProcessed()).isEqualTo(produced.get());
        Health h = processor.healthCheck().check();
        assertThat(h.status()).isEqualTo(HealthStatus.UP);
        assertThat(h.details()).containsEntry("state", "idle");
    }

    @Test
    @Order(2)
    void aStoppedTargetRaisesStallAndItResolvesOnceCaughtUp() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        Future<?> writer = steadyWriter(stop, 50);
        Await.until(Duration.ofSeconds(30), "streaming", () -> processor.eventsProcessed() > produced.get() - 200
                && targetRows() > 150);
        assertThat(firing(StallDetector.TYPE)).isEmpty();
        long stoppedAt = System.nanoTime();
        target.stop();
        try {
            Await.until(Duration.ofSeconds(30), "stall firing", () -> !firing(StallDetector.TYPE).isEmpty());
            long ms = (System.nanoTime() - stoppedAt) / 1_000_000;
            System.err.println("cdc-anomaly-it: stall " + ms + " ms after the target stopped: "
                    + firing(StallDetector.TYPE).get(0).message());
            // the limit, plus the JDBC driver's 2 s connect timeout for the apply in hand, plus slack
            assertThat(ms).as("stall within the limit + connect timeout + slack").isLessThan(STALL_AFTER.toMillis() + 8_000);
            Anomaly stall = firing(StallDetector.TYPE).get(0);
            assertThat(stall.value()).isGreaterThanOrEqualTo(STALL_AFTER.toSeconds());
            assertThat(stall.metric()).isNotBlank();
            assertThat(monitor.active()).extracting(Anomaly::type).contains(StallDetector.TYPE);
            // truth: nothing is applied while the target is down, and the source keeps writing
            long applied = processor.eventsProcessed();
            Thread.sleep(1_000);
            assertThat(processor.eventsProcessed()).isEqualTo(applied);
            assertThat(produced.get()).isGreaterThan(applied);
        } finally {
            stop.set(true);
            writer.get();
            target.start();
        }
        awaitCaughtUp();
        Await.until(Duration.ofSeconds(30), "stall resolved", () -> events.stream()
                .anyMatch(a -> a.type().equals(StallDetector.TYPE) && !a.firing()));
        assertThat(anomalies(StallDetector.TYPE)).isEqualTo(1.0);
        assertThat(processor.eventsProcessed()).as("each event counted once").isEqualTo(produced.get());
    }

    @Test
    @Order(3)
    void aBurstOfDeadLettersRaisesHighErrorRate() throws Exception {
        long deadBefore = processor.deadLettered();
        int poison = 60;
        for (int i = 0; i < poison; i++) {
            change();
            send(TOPIC, "not json " + i);
        }
        producer.flush();
        long t0 = System.nanoTime();
        Await.until(Duration.ofSeconds(30), "high_error_rate firing", () -> !firing(ErrorRateDetector.TYPE).isEmpty());
        Anomaly a = firing(ErrorRateDetector.TYPE).get(0);
        System.err.println("cdc-anomaly-it: high_error_rate " + (System.nanoTime() - t0) / 1_000_000
                + " ms after the burst was flushed: " + a.message());
        assertThat(a.value()).as("dead letters / (events + dead letters)").isGreaterThan(0.2);
        awaitCaughtUp();
        // truth: the dead-letter topic holds every poison record
        Await.until(Duration.ofSeconds(30), "all dead-lettered", () -> processor.deadLettered() - deadBefore == poison);
        assertThat(dlqRecords()).isEqualTo(poison);
        assertThat(anomalies(ErrorRateDetector.TYPE)).isEqualTo(1.0);
    }

    private static long dlqRecords() throws Exception {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "group.id", "anom-dlq-reader", "auto.offset.reset", "earliest"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(DLQ));
            AtomicLong n = new AtomicLong();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            long idleSince = -1;
            while (System.nanoTime() < deadline) {
                int got = c.poll(Duration.ofMillis(200)).count();
                n.addAndGet(got);
                if (got == 0 && n.get() > 0) {
                    idleSince = idleSince < 0 ? System.nanoTime() : idleSince;
                    if (System.nanoTime() - idleSince > 1_000_000_000L) {
                        break;
                    }
                } else {
                    idleSince = -1;
                }
            }
            return n.get();
        }
    }

    @Test
    @Order(4)
    void aStoppedBrokerIsDownNamingTheBrokerAndUpAgainOnceItIsBack() throws Exception {
        awaitCaughtUp();
        Await.until(Duration.ofSeconds(30), "UP before the outage", () -> processor.healthCheck().check().status() == HealthStatus.UP);
        BrokerServer broker = kafka.brokers().values().iterator().next();
        long t0 = System.nanoTime();
        broker.shutdown();
        try {
            Await.until(Duration.ofSeconds(30), "DOWN naming the broker", () -> {
                Health h = processor.healthCheck().check();
                return h.status() == HealthStatus.DOWN
                        && h.reasons().stream().anyMatch(r -> r.contains("broker unreachable") && r.contains("Kafka"));
            });
            long ms = (System.nanoTime() - t0) / 1_000_000;
            Health h = processor.healthCheck().check();
            System.err.println("cdc-anomaly-it: DOWN after " + ms + " ms: " + h.reasons());
            assertThat(ms).as("DOWN within 2 heartbeat intervals + slack").isLessThan(2 * HEARTBEAT.toMillis() + 5_000);
            assertThat(h.details()).containsEntry("stage", "broker");
            String address = kafka.bootstrapServers().split(",")[0];
            assertThat(h.reasons()).anySatisfy(r -> assertThat(r).contains(address));
            // the failure's exception once the probe's request has failed (the first DOWN may come while it is still
            // in flight: "unanswered for N ms" with the address and no error yet)
            Await.until(Duration.ofSeconds(20), "DOWN naming the broker's exception", () ->
                    processor.healthCheck().check().reasons().stream().anyMatch(r -> r.contains(address)
                            && java.util.regex.Pattern.compile("[A-Z][A-Za-z]*Exception").matcher(r).find()));
        } finally {
            broker.startup();
        }
        Await.until(Duration.ofSeconds(60), "UP after the broker is back", () -> processor.healthCheck().check().status() == HealthStatus.UP);
        for (int i = 0; i < 20; i++) {
            change();
        }
        producer.flush();
        awaitCaughtUp();
    }
}
