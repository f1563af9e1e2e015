package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.core.testing.MutableClock;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Issue 11: the first change after a confirmed idle, while it is being applied (in hand) and the lag probe cannot read
 * the record at the committed offset. The accuracy benchmark of 2026-11-27 03:26 UTC read 26.079 s there (truth
 * 0.431 s): the age of the last change applied before the idle (the end of a 50,000-row transaction), because the
 * arrival of the new change withdrew the confirming heartbeat's bound and the records counted behind the end offset
 * (the batch in hand among them) fell back to the last applied change. Driven through the real poll loop with
 * kafka-clients' MockConsumer and a {@link MutableClock} advanced by the scripted polls themselves (on the poll
 * thread), so every instant is exact. Ground truth: the batch in hand is the oldest change not in the target, so the
 * staleness is now − its source commit time.
 */
class LagAfterIdleTest {

    private static final TopicPartition DATA = new TopicPartition("shop.public.orders", 0);
    private static final TopicPartition HEARTBEATS = new TopicPartition("__debezium-heartbeat.shop", 0);
    private static final TopicPartition TX = new TopicPartition("shop.transaction", 0);
    private static final int BULK_ROWS = 500;
    private static final int IDLE_HEARTBEATS = 80; // 20 s at 250 ms

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-11-27T03:28:37Z");
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    /** The lag probe's peek: every read times out, as 359 times in the benchmark run. */
    private final MockConsumer<byte[], byte[]> peek = new MockConsumer<>("earliest") {
        @Override
        public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            throw new TimeoutException("Failed to get offsets by times in 100ms");
        }
    };
    private final MockKafka kafka = new MockKafka(consumer, peek);
    private CdcEventProcessor processor;

    @AfterEach
    void tearDown() {
        kafka.close();
    }

    private static String change(int id, long sourceTsMs, String txId, int totalOrder) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":" + sourceTsMs
                + ",\"schema\":\"public\",\"table\":\"orders\"},\"op\":\"c\",\"ts_ms\":" + sourceTsMs
                + ",\"transaction\":{\"id\":\"" + txId + "\",\"total_order\":" + totalOrder + "}}";
    }

    private void add(TopicPartition tp, long offset, String key, String value) {
        consumer.addRecord(new ConsumerRecord<>(tp.topic(), tp.partition(), offset,
                key == null ? null : key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)));
    }

    private double overall() {
        return registry.get("cdc.replication.lag.overall").gauge().value();
    }

    @Test
    void theFirstChangeAfterAConfirmedIdleIsMeasuredFromItsOwnCommitTimeWhileInHandAndThePeekFails()
            throws Exception {
        CountDownLatch idleDone = new CountDownLatch(1);
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicLong newChangeCommitMs = new AtomicLong();
        ChangeApplier applier = batch -> {
            if (batch.get(0).record().offset() == BULK_ROWS) {
                entered.countDown();
                assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
            }
        };
        long bulkCommitMs = clock.millis() - 2_000;
        // a bulk transaction (Debezium 3.6.1 ids: xid, then each event's own LSN; the END another), its END first
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(DATA, HEARTBEATS, TX));
            consumer.updateBeginningOffsets(Map.of(DATA, 0L, HEARTBEATS, 0L, TX, 0L));
            consumer.updateEndOffsets(Map.of(DATA, (long) BULK_ROWS, HEARTBEATS, 0L, TX, 1L));
            add(TX, 0, "{\"id\":\"771:90000000\"}", "{\"status\":\"END\",\"id\":\"771:90000000\",\"event_count\":"
                    + BULK_ROWS + ",\"ts_ms\":" + bulkCommitMs + "}");
            for (int i = 0; i < BULK_ROWS; i++) {
                add(DATA, i, null, change(i + 1, bulkCommitMs, "771:" + (80000000 + i), i + 1));
            }
        });
        // 20 s of idle: a heartbeat every 250 ms, each polled as it is emitted
        for (int i = 0; i < IDLE_HEARTBEATS; i++) {
            long offset = i;
            consumer.schedulePollTask(() -> {
                clock.advance(Duration.ofMillis(250));
                add(HEARTBEATS, offset, "{\"serverName\":\"shop\"}", "{\"ts_ms\":" + clock.millis() + "}");
                consumer.updateEndOffsets(Map.of(HEARTBEATS, offset + 1));
                if (offset == IDLE_HEARTBEATS - 1) {
                    idleDone.countDown();
                }
            });
        }
        kafka.start(CdcEventProcessor.builder().meterRegistry(registry).clock(clock)
                .topics(DATA.topic(), HEARTBEATS.topic(), TX.topic()).applier(applier).deadLetterTopic("shop.dlq")
                .heartbeatInterval(Duration.ofMillis(250)).lagRefreshInterval(Duration.ofMillis(250))
                .pollTimeout(Duration.ofMillis(20)).retryBackoff(Duration.ofMillis(1)));
        processor = kafka.processor();

        assertThat(idleDone.await(30, TimeUnit.SECONDS)).isTrue();
        Await.until(Duration.ofSeconds(30), "the bulk transaction committed",
                () -> consumer.committed(java.util.Set.of(DATA)).get(DATA) != null
                        && consumer.committed(java.util.Set.of(DATA)).get(DATA).offset() == BULK_ROWS);
        assertThat(overall()).as("idle, confirmed by heartbeats emitted after the last change").isZero();

        // steady load starts: a change committed 400 ms ago is polled and applied (held in the applier); the next one
        // is already at the broker, noticed behind the end offset, and the peek cannot read either
        consumer.schedulePollTask(() -> {
            newChangeCommitMs.set(clock.millis());
            clock.advance(Duration.ofMillis(400));
            add(DATA, BULK_ROWS, null, change(BULK_ROWS + 1, newChangeCommitMs.get(), "772:91000000", 1));
            consumer.updateEndOffsets(Map.of(DATA, BULK_ROWS + 2L));
        });
        assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
        try {
            assertThat(overall()).as("now - the commit time of the change in hand (the oldest not in the target),"
                    + " not the age of the bulk transaction (%.3f s)", (clock.millis() - bulkCommitMs) / 1000.0)
                    .isEqualTo((clock.millis() - newChangeCommitMs.get()) / 1000.0, within(1e-9));
            clock.advance(Duration.ofMillis(250));
            assertThat(overall()).as("and ages with it while the apply runs").isEqualTo(0.65, within(1e-9));
        } finally {
            release.countDown();
        }
        Await.until(Duration.ofSeconds(30), "the lag probe's peek failed and was contained",
                () -> registry.find("migmon.observability.failures").counters().stream()
                        .mapToDouble(c -> c.count()).sum() > 0);
    }
}
