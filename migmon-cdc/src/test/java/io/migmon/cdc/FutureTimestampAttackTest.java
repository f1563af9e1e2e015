package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One change whose {@code source.ts} lies far in the future (a source host with a wrong clock, a connector that
 * writes another unit into the field) must not blind the processor for good: once heartbeats stop, the connector
 * stall must still be detected within 2 heartbeat intervals and the replication lag must grow, not read 0 until the
 * wall clock reaches that future time. {@code process(...)} with a {@link MutableClock}, exact to the ms.
 */
class FutureTimestampAttackTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-01-10T10:00:00Z");

    private static String change(int id, long sourceTsMs) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":" + sourceTsMs
                + ",\"schema\":\"public\",\"table\":\"orders\"},\"op\":\"c\",\"ts_ms\":" + sourceTsMs + "}";
    }

    private CdcRecord heartbeat(long tsMs) {
        return CdcRecord.of("__debezium-heartbeat.shop", "{\"serverName\":\"shop\"}", "{\"ts_ms\":" + tsMs + "}");
    }

    @Test
    void aChangeFromTheFutureDoesNotHideAStalledConnectorNorFreezeTheLagAtZero() {
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock)
                .applier(batch -> { }).heartbeatInterval(Duration.ofSeconds(2)).build()) {
            p.process(List.of(CdcRecord.of("shop.public.orders", null, change(1, clock.millis() - 500))));
            p.process(List.of(CdcRecord.of("shop.public.orders", null,
                    change(2, clock.millis() + Duration.ofDays(365).toMillis()))));
            for (int i = 0; i < 3; i++) {
                clock.advance(Duration.ofSeconds(2));
                p.process(List.of(heartbeat(clock.millis())));
            }
            // heartbeats stop (connector paused): DOWN within 2 intervals (4 s) plus the 1 s tolerance
            clock.advance(Duration.ofSeconds(5));
            Health h = p.healthCheck().check();
            assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(h.details()).containsEntry("stage", "connector");
            assertThat(registry.get("cdc.replication.lag.overall").gauge().value()).as("ages once heartbeats stop")
                    .isGreaterThanOrEqualTo(4.0);
        }
    }

    /**
     * The lag probe reads the record at the committed offset of a partition that waits (the poll loop has not
     * consumed it) and takes its {@code source.ts} as the oldest unapplied change's commit time. A {@code source.ts}
     * a year ahead must be capped at the time it was read, like every other source time: uncapped, the replication
     * lag reads 0 (and the applied watermark lies in the future) while the record waits. Mock Kafka clients, real
     * clock; the margins are seconds.
     */
    @Test
    void aPeekedChangeFromTheFutureIsCappedAtTheTimeItWasRead() throws Exception {
        String topic = "shop.public.orders";
        org.apache.kafka.common.TopicPartition tp = new org.apache.kafka.common.TopicPartition(topic, 0);
        org.apache.kafka.clients.consumer.MockConsumer<byte[], byte[]> consumer =
                new org.apache.kafka.clients.consumer.MockConsumer<>("earliest");
        org.apache.kafka.clients.consumer.MockConsumer<byte[], byte[]> peek =
                new org.apache.kafka.clients.consumer.MockConsumer<>("earliest");
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(tp));
            consumer.updateBeginningOffsets(java.util.Map.of(tp, 0L));
            consumer.updateEndOffsets(java.util.Map.of(tp, 1L)); // one record waits; the poll never returns it
        });
        peek.updateBeginningOffsets(java.util.Map.of(tp, 0L));
        peek.updateEndOffsets(java.util.Map.of(tp, 1L));
        long now = System.currentTimeMillis();
        byte[] value = change(1, now + Duration.ofDays(365).toMillis()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Runnable addRecord = () -> peek.addRecord(new org.apache.kafka.clients.consumer.ConsumerRecord<>(topic, 0, 0L,
                now, org.apache.kafka.common.record.TimestampType.CREATE_TIME, -1, value.length, null, value,
                new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty()));
        for (int i = 0; i < 50; i++) {
            peek.schedulePollTask(addRecord); // one per peek: a peek that misses it tries again
        }
        SimpleMeterRegistry real = new SimpleMeterRegistry();
        java.util.concurrent.ExecutorService host = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (CdcEventProcessor p = CdcEventProcessor.builder("future-peek").meterRegistry(real)
                .kafkaConsumer(java.util.Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g"))
                .topics(topic).applier(batch -> { }).pollTimeout(Duration.ofMillis(20))
                .lagRefreshInterval(Duration.ofMillis(100))
                .kafkaClients(new FixedKafkaClients(consumer, peek, null)).build()) {
            host.submit(p);
            Await.until(Duration.ofSeconds(30), "replication lag ageing from the time the record was read",
                    () -> real.find("cdc.replication.lag.overall").gauge() != null
                            && real.get("cdc.replication.lag.overall").gauge().value() >= 1.0);
            assertThat(p.appliedWatermark()).hasValueSatisfying(w -> assertThat(w)
                    .isBefore(java.time.Instant.now()));
            assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
                    .contains("migmon-cdc-lag-future-peek");
        } finally {
            host.shutdownNow();
        }
        // the lag thread is the processor's: gone once run() returned
        Await.until(Duration.ofSeconds(30), "lag thread stopped", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().equals("migmon-cdc-lag-future-peek") && t.isAlive()));
    }
}
