package io.migmon.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import kafka.server.BrokerServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import io.migmon.testsupport.KafkaTestBroker;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A broker lost while an offset commit is pending: the real in-process KRaft broker is shut down while the applier
 * holds a batch, then the apply returns and the processor commits against the dead broker. The commit is bounded
 * (half the stall timeout: 1 s at 1 s heartbeats, not {@code default.api.timeout.ms}'s 60 s), health turns DOWN
 * with stage {@code broker} and the Kafka exception, and once the broker is back the applied batch's offsets are
 * committed and nothing is lost or counted twice. Ground truth: the target's rows, the group's committed offset as
 * the broker reports it, the topic's end offset. A broker of its own (stopping it disturbs no other test); the source
 * is a test producer writing Debezium-shaped envelopes and heartbeats.
 */
class CommitTimeoutIT {

    private static final Duration HEARTBEAT = Duration.ofSeconds(1);
    private static final String TOPIC = "cto.public.cto";
    private static final String HEARTBEATS = "__debezium-heartbeat.cto";
    private static final String GROUP = "cto-replica";

    private static KafkaClusterTestKit kafka;
    private static RestartableTarget target;
    private static KafkaProducer<byte[], byte[]> producer;
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private static final AtomicLong nextId = new AtomicLong(1);
    private static final ExecutorService threads = Executors.newCachedThreadPool();
    /** When set, the next apply waits on it (the batch is in hand, its offsets not yet committed). */
    private static final AtomicReference<CountDownLatch> gate = new AtomicReference<>();
    private static final CountDownLatch inGate = new CountDownLatch(1);

    @BeforeAll
    static void setUp() throws Exception {
        Path work = Path.of("target", "it-cto-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        Files.createDirectories(work);
        kafka = KafkaTestBroker.start(work.resolve("kafka"));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1), new NewTopic(HEARTBEATS, 1, (short) 1)))
                    .all().get();
        }
        target = new RestartableTarget();
        CdcTestEnvironment.exec(target.dataSource(), "CREATE TABLE public.cto (id bigint PRIMARY KEY, v text)");
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", "0",
                "max.block.ms", "500", "delivery.timeout.ms", "30000", "request.timeout.ms", "1000"),
                new ByteArraySerializer(), new ByteArraySerializer());
        threads.submit(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    producer.send(new ProducerRecord<>(HEARTBEATS, null,
                            ("{\"ts_ms\":" + System.currentTimeMillis() + "}").getBytes(StandardCharsets.UTF_8)));
                } catch (RuntimeException e) {
                    // broker down: the heartbeat is lost, as Debezium's would be
                }
                Thread.sleep(HEARTBEAT.toMillis());
            }
            return null;
        });
    }

    @AfterAll
    static void tearDown() throws Exception {
        CountDownLatch g = gate.getAndSet(null);
        if (g != null) {
            g.countDown();
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

    private static CdcEventProcessor processor() {
        ChangeApplier jdbc = JdbcChangeApplier.builder(target.dataSource()).build();
        ChangeApplier gated = new ChangeApplier() {
            @Override
            public void apply(List<ChangeEvent> batch) throws Exception {
                CountDownLatch g = gate.get();
                if (g != null) {
                    inGate.countDown();
                    if (!g.await(60, TimeUnit.SECONDS)) {
                        throw new IllegalStateException("gate never opened");
                    }
                }
                jdbc.apply(batch);
            }

            @Override
            public String targetTable(ChangeEvent event) {
                return jdbc.targetTable(event);
            }

            @Override
            public void close() {
                jdbc.close();
            }
        };
        Map<String, Object> consumer = new HashMap<>();
        consumer.put("bootstrap.servers", kafka.bootstrapServers());
        consumer.put("group.id", GROUP);
        return CdcEventProcessor.builder("cto").meterRegistry(registry)
                .kafkaConsumer(consumer)
                .topics(TOPIC, HEARTBEATS)
                .applier(gated)
                .heartbeatInterval(HEARTBEAT)
                .lagRefreshInterval(Duration.ofMillis(250))
                .pollTimeout(Duration.ofMillis(100))
                .retryBackoff(Duration.ofMillis(100))
                .build();
    }

    /** {@code n} Debezium-shaped inserts, committed at the source now. */
    private static void changes(int n) {
        for (int i = 0; i < n; i++) {
            long id = nextId.getAndIncrement();
            long ms = System.currentTimeMillis();
            String v = "{\"before\":null,\"after\":{\"id\":" + id + ",\"v\":\"v" + id + "\"},\"source\":{\"version\":"
                    + "\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"cto\",\"ts_ms\":" + ms + ",\"ts_us\":"
                    + ms * 1000 + ",\"snapshot\":\"false\",\"db\":\"postgres\",\"schema\":\"public\",\"table\":\"cto\","
                    + "\"txId\":" + id + ",\"lsn\":" + id + "},\"op\":\"c\",\"ts_ms\":" + ms + "}";
            producer.send(new ProducerRecord<>(TOPIC, ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8),
                    v.getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
    }

    private static long targetRows() throws Exception {
        return LagPipeline.scalarLong(target.dataSource(), "SELECT count(DISTINCT id) FROM public.cto");
    }

    private static long committedOffset() throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS).get(new TopicPartition(TOPIC, 0));
            return o == null ? -1 : o.offset();
        }
    }

    private static double counted(String name) {
        return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void aBrokerLostDuringTheCommitIsReportedWithinTheCommitTimeoutAndNothingIsLost() throws Exception {
        CdcEventProcessor processor = processor();
        threads.submit(processor);
        try {
            changes(20);
            Await.until(Duration.ofSeconds(60), "first 20 rows applied", () -> targetRows() == 20);
            Await.until(Duration.ofSeconds(30), "UP before the outage",
                    () -> processor.healthCheck().check().status() == HealthStatus.UP);

            // the next batch is held in the applier; the broker goes away; then the apply returns and the commit
            // of its offsets is pending against a dead broker
            CountDownLatch g = new CountDownLatch(1);
            gate.set(g);
            changes(50);
            assertThat(inGate.await(30, TimeUnit.SECONDS)).as("a batch is in the applier").isTrue();
            BrokerServer broker = kafka.brokers().values().iterator().next();
            broker.shutdown();
            long released;
            try {
                gate.set(null);
                released = System.nanoTime();
                g.countDown();
                Await.until(Duration.ofSeconds(30), "DOWN naming the failed commit and the broker", () -> {
                    Health h = processor.healthCheck().check();
                    return h.status() == HealthStatus.DOWN && "broker".equals(h.details().get("stage"))
                            && h.reasons().stream().anyMatch(r -> r.contains("offset commit failed")
                            && r.contains("TimeoutException"));
                });
                long ms = (System.nanoTime() - released) / 1_000_000;
                Health h = processor.healthCheck().check();
                System.err.println("commit-timeout-it: DOWN naming the commit " + ms + " ms after the apply returned: "
                        + h.reasons());
                // bounded by the commit timeout (1 s here) plus scheduling slack, far below default.api.timeout.ms
                assertThat(ms).as("commit bounded, not default.api.timeout.ms (60 s)").isLessThan(15_000);
                assertThat(h.reasons()).anySatisfy(r -> assertThat(r)
                        .contains(kafka.bootstrapServers().split(",")[0]).contains("partition " + TOPIC + "-0"));
                // commit-after-apply: the batch is in the target, its offsets are not committed yet
                assertThat(targetRows()).isGreaterThan(20);
                assertThat(h.details().get("lagMessages")).isNotEqualTo(0L);
                // the poll thread is free: it keeps polling (a stalled poll loop would be reported after 2.1 s)
                Thread.sleep(3_000);
                assertThat(processor.healthCheck().check().reasons()).noneMatch(r -> r.contains("poll loop stalled"));
            } finally {
                broker.startup();
            }
            Await.until(Duration.ofSeconds(60), "UP after the broker is back",
                    () -> processor.healthCheck().check().status() == HealthStatus.UP);
            changes(20);
            Await.until(Duration.ofSeconds(60), "all 90 rows applied", () -> targetRows() == 90);
            long end;
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                end = admin.listOffsets(Map.of(new TopicPartition(TOPIC, 0),
                                org.apache.kafka.clients.admin.OffsetSpec.latest())).all().get(10, TimeUnit.SECONDS)
                        .get(new TopicPartition(TOPIC, 0)).offset();
            }
            Await.until(Duration.ofSeconds(30), "group offset committed to the end", () -> committedOffset() == end);
            assertThat(end).isEqualTo(90);
            // each source event counted once; any re-application is a redelivery, counted on its own
            double processed = counted("cdc.events.processed");
            double redelivered = counted("cdc.events.redelivered");
            System.err.println("commit-timeout-it: processed " + processed + ", redelivered " + redelivered);
            assertThat(processed).isEqualTo(90.0);
            assertThat(processor.healthCheck().check().details()).containsEntry("lagMessages", 0L);
        } finally {
            processor.close();
        }
    }
}
