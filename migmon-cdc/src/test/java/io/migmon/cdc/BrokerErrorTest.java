package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** The broker's root cause as the health reason shows it: the call, the brokers (host:port only), the Kafka error. */
class BrokerErrorTest {

    @Test
    void namesTheCallTheBrokersAndTheKafkaException() {
        assertThat(LagProbe.brokerError("kafka-1:9092,kafka-2:9092", "end offsets",
                new TimeoutException("Failed to get offsets by times in 500ms")))
                .isEqualTo("Kafka end offsets request to kafka-1:9092,kafka-2:9092 failed: TimeoutException: "
                        + "Failed to get offsets by times in 500ms");
        assertThat(LagProbe.brokerError(List.of("a:1", "b:2"), "metadata",
                new TimeoutException("Timeout expired while fetching topic metadata", new IllegalStateException("x"))))
                .isEqualTo("Kafka metadata request to a:1,b:2 failed: TimeoutException: Timeout expired while fetching"
                        + " topic metadata (cause IllegalStateException: x)");
    }

    @Test
    void carriesNoUserInfoAndIsBounded() {
        String reason = LagProbe.brokerError("SASL_SSL://svc:s3cret@kafka:9093", "position",
                new SaslAuthenticationException("Authentication failed: Invalid username or password"));
        assertThat(reason).doesNotContain("s3cret").doesNotContain("svc:").contains("kafka:9093")
                .contains("SaslAuthenticationException");
        assertThat(LagProbe.brokerError(null, "peek", new TimeoutException("y".repeat(1_000)))).hasSize(400)
                .startsWith("Kafka peek request to the broker failed: TimeoutException: yyy");
    }

    @Test
    void aPollThatThrowsIsDownWithTheKafkaException() throws Exception {
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        MockConsumer<byte[], byte[]> peek = new MockConsumer<>("earliest");
        consumer.setPollException(new KafkaException("Failed to construct kafka consumer: no resolvable bootstrap urls"));
        KafkaClientFactory clients = new KafkaClientFactory() {
            @Override
            public Consumer<byte[], byte[]> consumer(Map<String, Object> properties) {
                return consumer;
            }

            @Override
            public Consumer<byte[], byte[]> peekConsumer(Map<String, Object> properties) {
                return peek;
            }

            @Override
            public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
                throw new UnsupportedOperationException();
            }
        };
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(new SimpleMeterRegistry())
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g", "sasl.jaas.config", "pw=s3cret"))
                .topics("shop.public.orders").pollTimeout(Duration.ofMillis(20)).kafkaClients(clients).build()) {
            Future<?> loop = executor.submit(p);
            Await.until(Duration.ofSeconds(10), "loop ended", loop::isDone);
            Health h = p.healthCheck().check();
            assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(h.reasons()).containsExactly("poll loop failed: KafkaException: Failed to construct kafka consumer:"
                    + " no resolvable bootstrap urls");
            assertThat(h.details()).containsEntry("stage", "poll_loop");
            assertThat(h.toString()).doesNotContain("s3cret");
        } finally {
            executor.shutdownNow();
        }
    }

    /**
     * A paused connector (heartbeats stop) while one lag-probe request fails (on a loaded machine a request bounded
     * by the 100 ms poll timeout timed out: "Failed to get offsets by times in 101ms"), and the next refresh is far
     * off. One failed request does not make the broker unreachable: the verdict must be {@code connector}, with the
     * failed request mentioned, not {@code broker}. The probe fails its first request on both clients (whichever
     * makes it); every later one succeeds.
     */
    @Test
    void oneFailedLagRefreshDoesNotTurnAPausedConnectorIntoABrokerFault() throws Exception {
        String hbTopic = "__debezium-heartbeat.shop";
        org.apache.kafka.common.TopicPartition hb = new org.apache.kafka.common.TopicPartition(hbTopic, 0);
        MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
        MockConsumer<byte[], byte[]> peek = new MockConsumer<>("earliest");
        TimeoutException timeout = new TimeoutException("Failed to get offsets by times in 101ms");
        consumer.setOffsetsException(timeout);
        peek.setOffsetsException(timeout);
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(hb));
            consumer.updateBeginningOffsets(Map.of(hb, 0L));
            consumer.updateEndOffsets(Map.of(hb, 3L));
        });
        peek.updateBeginningOffsets(Map.of(hb, 0L));
        peek.updateEndOffsets(Map.of(hb, 3L));
        for (int i = 0; i < 3; i++) {
            long offset = i;
            consumer.schedulePollTask(() -> consumer.addRecord(new org.apache.kafka.clients.consumer.ConsumerRecord<>(
                    hbTopic, 0, offset, "{\"serverName\":\"shop\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    ("{\"ts_ms\":" + System.currentTimeMillis() + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        }
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(new SimpleMeterRegistry())
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g")).topics(hbTopic)
                .heartbeatInterval(Duration.ofMillis(500)).pollTimeout(Duration.ofMillis(20))
                .lagRefreshInterval(Duration.ofSeconds(60))
                .kafkaClients(new FixedKafkaClients(consumer, peek, null)).build()) {
            executor.submit(p);
            Await.until(Duration.ofSeconds(30), "DOWN: heartbeats stopped",
                    () -> p.healthCheck().check().status() == HealthStatus.DOWN);
            Thread.sleep(1_500); // well past the stall timeout (1 s): the verdict as it stays
            Health h = p.healthCheck().check();
            assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(h.details()).as(h.reasons().toString()).containsEntry("stage", "connector");
            assertThat(h.reasons()).anySatisfy(r -> assertThat(r).contains("connector silent"));
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void theLagProbeTimeoutIsItsOwnAndMustBeShorterThanTheStallTimeout() {
        assertThat(ProcessorConfig.commitTimeout(Duration.ofSeconds(2), Duration.ofMillis(100), Map.of()))
                .as("default: half the stall timeout, at least 1 s").isEqualTo(Duration.ofSeconds(1));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CdcEventProcessor.builder()
                        .meterRegistry(new SimpleMeterRegistry())
                        .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g")).topics("t")
                        .stallTimeout(Duration.ofSeconds(2)).lagProbeTimeout(Duration.ofSeconds(2)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lagProbeTimeout");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> CdcEventProcessor.builder()
                        .lagProbeTimeout(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lagProbeTimeout");
    }
}
