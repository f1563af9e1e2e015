package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bounded offset commit: its timeout, a failed commit reported as a broker fault, and the applied batch's offsets
 * committed once the broker answers again, without new records and without applying twice. The consumer is
 * kafka-clients' MockConsumer whose commit fails like a lost broker's (the real broker: {@code CommitTimeoutIT}).
 */
class CommitTimeoutTest {

    private static final String TOPIC = "shop.public.orders";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Duration> commitTimeouts = new CopyOnWriteArrayList<>();
    private volatile boolean brokerLost;
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest") {
        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets, Duration timeout) {
            commitTimeouts.add(timeout);
            if (brokerLost) {
                throw new TimeoutException("Timeout of " + timeout.toMillis()
                        + "ms expired before successfully committing offsets " + offsets);
            }
            super.commitSync(offsets, timeout);
        }
    };
    private final MockConsumer<byte[], byte[]> peek = new MockConsumer<>("earliest");
    private final MockKafka kafka = new MockKafka(consumer, peek);
    private CdcEventProcessor processor;

    @AfterEach
    void tearDown() {
        kafka.close();
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset) {
        String v = "{\"before\":null,\"after\":{\"id\":" + offset + "},\"source\":{\"name\":\"shop\",\"ts_ms\":1,"
                + "\"schema\":\"public\",\"table\":\"orders\"},\"op\":\"c\",\"ts_ms\":2}";
        return new ConsumerRecord<>(TOPIC, 0, offset, null, v.getBytes(StandardCharsets.UTF_8));
    }

    private long committed() {
        OffsetAndMetadata o = consumer.committed(Set.of(TP)).get(TP);
        return o == null ? -1 : o.offset();
    }

    @Test
    void theCommitTimeoutIsHalfTheStallTimeoutAtLeastThePollTimeoutAndOneSecondAtMostDefaultApiTimeout() {
        assertThat(ProcessorConfig.commitTimeout(Duration.ofSeconds(20), Duration.ofMillis(500), Map.of()))
                .isEqualTo(Duration.ofSeconds(10));
        assertThat(ProcessorConfig.commitTimeout(Duration.ofSeconds(4), Duration.ofMillis(2_500), Map.of()))
                .isEqualTo(Duration.ofMillis(2_500));
        assertThat(ProcessorConfig.commitTimeout(Duration.ofMillis(500), Duration.ofMillis(100), Map.of()))
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(ProcessorConfig.commitTimeout(Duration.ofSeconds(20), Duration.ofMillis(100),
                Map.of("default.api.timeout.ms", "500"))).isEqualTo(Duration.ofMillis(500));
        assertThat(ProcessorConfig.commitTimeout(Duration.ofMinutes(1), Duration.ofMillis(500),
                Map.of("default.api.timeout.ms", "5000"))).isEqualTo(Duration.ofSeconds(5));
        assertThat(ProcessorConfig.commitTimeout(Duration.ofSeconds(2), Duration.ofMillis(100),
                Map.of("default.api.timeout.ms", 60_000))).isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aCommitThatTimesOutIsABrokerFaultAndTheAppliedBatchIsCommittedOnceTheBrokerAnswers() throws Exception {
        List<Long> applied = new CopyOnWriteArrayList<>();
        brokerLost = true;
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(TP));
            consumer.updateBeginningOffsets(Map.of(TP, 0L));
            consumer.updateEndOffsets(Map.of(TP, 3L));
            peek.updateEndOffsets(Map.of(TP, 3L)); // the lag thread asks the probe's own consumer
            for (int i = 0; i < 3; i++) {
                consumer.addRecord(record(i));
            }
        });
        kafka.start(CdcEventProcessor.builder().meterRegistry(registry)
                .topics(TOPIC).applier(batch -> batch.forEach(e -> applied.add(e.record().offset())))
                .stallTimeout(Duration.ofMillis(400))
                .lagRefreshInterval(Duration.ofMillis(50))
                .pollTimeout(Duration.ofMillis(20)).retryBackoff(Duration.ofMillis(1)));
        processor = kafka.processor();

        Await.until(Duration.ofSeconds(30), "DOWN naming the failed commit", () -> {
            Health h = processor.healthCheck().check();
            return h.status() == HealthStatus.DOWN && "broker".equals(h.details().get("stage"));
        });
        Health h = processor.healthCheck().check();
        assertThat(h.reasons()).anySatisfy(r -> assertThat(r).contains("partition " + TP)
                .contains("offset commit failed").contains("TimeoutException").contains("127.0.0.1:1"));
        assertThat(h.details()).containsEntry("lagMessages", 3L);
        assertThat(commitTimeouts).isNotEmpty().allSatisfy(t -> assertThat(t).isEqualTo(Duration.ofSeconds(1)));
        assertThat(applied).containsExactly(0L, 1L, 2L);
        assertThat(committed()).isEqualTo(-1);

        brokerLost = false; // no new record arrives: the pending offsets are committed on their own
        Await.until(Duration.ofSeconds(30), "applied batch committed", () -> committed() == 3);
        Await.until(Duration.ofSeconds(30), "UP with nothing waiting", () -> {
            Health up = processor.healthCheck().check();
            return up.status() == HealthStatus.UP && Long.valueOf(0).equals(up.details().get("lagMessages"));
        });
        assertThat(applied).containsExactly(0L, 1L, 2L);
        assertThat(processor.eventsProcessed()).isEqualTo(3);
    }
}
