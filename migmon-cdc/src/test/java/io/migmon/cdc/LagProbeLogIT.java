package io.migmon.cdc;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.event.ChangeEvent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The lag probe's requests on a real in-process KRaft broker, as the kafka-clients log shows them (issue 16
 * leftover): a multi-partition lag refresh, with the poll thread held in an apply (so the probe peeks the oldest
 * waiting record of some partitions, then asks the end offsets of all), must not make kafka-clients log
 * "Not updating high watermark for partition ... as it is no longer assigned" (logged per partition and request when
 * {@code endOffsets} asks a partition its consumer is not assigned). Ground truth for the lag: the broker's end
 * offsets and the group's committed offsets, read with an Admin client.
 */
class LagProbeLogIT {

    private static final int PARTITIONS = 4;
    private static HandMadeKafka kafka;
    private static KafkaProducer<byte[], byte[]> producer;
    private static final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeAll
    static void setUp() throws Exception {
        kafka = HandMadeKafka.start("lagwarn");
        producer = kafka.producer();
    }

    @AfterAll
    static void tearDown() throws Exception {
        threads.shutdownNow();
        if (kafka != null) {
            kafka.close();
        }
    }

    private static void send(String topic, int partition, long id) {
        long now = System.currentTimeMillis();
        String value = "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"version\":\"3.6.1.Final\","
                + "\"connector\":\"postgresql\",\"name\":\"lw\",\"ts_ms\":" + now + ",\"ts_us\":" + now * 1000
                + ",\"snapshot\":\"false\",\"db\":\"postgres\",\"schema\":\"public\",\"table\":\"t\"},\"op\":\"c\","
                + "\"ts_ms\":" + now + "}";
        producer.send(new ProducerRecord<>(topic, partition, ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8)));
    }

    private static double gauge(SimpleMeterRegistry r, String name, int partition) {
        Gauge g = r.find(name).tag("partition", Integer.toString(partition)).gauge();
        return g == null ? Double.NaN : g.value();
    }

    /** end offset − committed offset of every partition, as the broker has them. */
    private static Map<Integer, Long> trueLag(String topic, String group) throws Exception {
        try (Admin admin = kafka.admin()) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                latest.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            Map<Integer, Long> lag = new HashMap<>();
            for (int p = 0; p < PARTITIONS; p++) {
                TopicPartition tp = new TopicPartition(topic, p);
                OffsetAndMetadata c = committed.get(tp);
                lag.put(p, ends.get(tp).offset() - (c == null ? 0 : c.offset()));
            }
            return lag;
        }
    }

    @Test
    void aMultiPartitionLagRefreshLogsNoHighWatermarkWarning() throws Exception {
        String topic = "lw.public.t";
        String group = "lag-warn";
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
        }
        Logger kafkaLog = (Logger) LoggerFactory.getLogger("org.apache.kafka");
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        kafkaLog.addAppender(captured);
        AtomicBoolean hold = new AtomicBoolean();
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger applied = new AtomicInteger();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", kafka.bootstrapServers());
        c.put("group.id", group);
        c.put("auto.offset.reset", "earliest");
        CdcEventProcessor processor = CdcEventProcessor.builder("lagwarn").meterRegistry(registry).kafkaConsumer(c)
                .topics(List.of(topic)).applier((List<ChangeEvent> batch) -> {
                    if (hold.get()) {
                        holding.countDown();
                        release.await(60, TimeUnit.SECONDS);
                    }
                    applied.addAndGet(batch.size());
                })
                .pollTimeout(Duration.ofMillis(100)).lagRefreshInterval(Duration.ofMillis(100)).build();
        Future<?> loop = threads.submit(processor);
        try {
            long id = 0;
            for (int p = 0; p < PARTITIONS; p++) {
                send(topic, p, ++id);
            }
            producer.flush();
            Await.until(Duration.ofSeconds(60), "first records applied", () -> applied.get() == PARTITIONS);
            hold.set(true);
            send(topic, 0, ++id);
            producer.flush();
            assertThat(holding.await(30, TimeUnit.SECONDS)).as("apply held").isTrue();
            // records arriving on every partition while the poll thread is held
            for (int p = 0; p < PARTITIONS; p++) {
                for (int i = 0; i <= p + 2; i++) {
                    send(topic, p, ++id);
                }
            }
            producer.flush();
            Map<Integer, Long> truth = trueLag(topic, group);
            String[] state = {""};
            Await.until(Duration.ofSeconds(30), "probe's lag = broker's end - committed on every partition", () -> {
                StringBuilder b = new StringBuilder();
                boolean all = true;
                for (int p = 0; p < PARTITIONS; p++) {
                    double messages = gauge(registry, "cdc.consumer.lag", p);
                    double seconds = gauge(registry, "cdc.consumer.lag.seconds", p);
                    b.append(" p").append(p).append('=').append(messages).append('/').append(truth.get(p))
                            .append(" ").append(seconds).append('s');
                    all &= messages == truth.get(p) && seconds > 0;
                }
                state[0] = b.toString();
                return all;
            });
            System.out.println("[lag-warn] held:" + state[0]);
            hold.set(false);
            release.countDown();
            long total = id;
            Await.until(Duration.ofSeconds(60), "all applied", () -> applied.get() == total);
            Await.until(Duration.ofSeconds(30), "lag 0 everywhere", () -> {
                for (int p = 0; p < PARTITIONS; p++) {
                    if (gauge(registry, "cdc.consumer.lag", p) != 0.0) {
                        return false;
                    }
                }
                return true;
            });
            assertThat(trueLag(topic, group).values()).containsOnly(0L);
            Thread.sleep(1_000); // ten more refreshes with every partition idle
        } finally {
            release.countDown();
            processor.close();
            loop.get(30, TimeUnit.SECONDS);
            kafkaLog.detachAppender(captured);
        }
        List<String> warnings = captured.list.stream()
                .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .map(ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("Not updating high watermark") || m.contains("Not updating last stable"))
                .toList();
        assertThat(warnings).as("kafka-clients WARNs of end offsets of unassigned partitions").isEmpty();
    }
}
