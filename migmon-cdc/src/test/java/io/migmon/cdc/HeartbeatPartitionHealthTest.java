package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.testing.MutableClock;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Issue 11 attack 5 finding 7 (1 s heartbeats): the heartbeat topic's partition, read by the side consumer between
 * applies, had heartbeats waiting at the broker with "no applied progress" for the stall timeout, and the partition
 * rule read DOWN "partition __debezium-heartbeat.blog7s-0: 2 messages waiting, no applied progress for 2033 ms" while
 * batches were applied every 1.2 s (the connector rule is not judged while changes wait: the partition rule is). A heartbeat partition has no apply: its stall is the
 * connector's (no heartbeat emitted) or the processor's (heartbeats not read), judged by the connector rule. Driven
 * with the processor's clock seam ({@link MutableClock}) on the health state itself, so every instant is exact.
 */
class HeartbeatPartitionHealthTest {

    private final MutableClock clock = MutableClock.at("2026-11-27T14:33:00Z");
    private final ProcessorConfig config = new ProcessorConfig("t", new SimpleMeterRegistry(), null, null, null,
            List.of(), null, batch -> { }, null, Duration.ofSeconds(1), null, Duration.ofMillis(250),
            Duration.ofMillis(100), null, Duration.ofMillis(100), Duration.ofSeconds(1), 0, "__debezium-heartbeat",
            ".transaction", clock, null);
    private final ProgressTracker tracker = new ProgressTracker(config);
    private final ProcessorHealth health = new ProcessorHealth(config);

    private Health check() {
        return health.check(0, 0, null);
    }

    @Test
    void heartbeatsWaitingBetweenSideReadsAreNotAStalledPartitionButUnreadHeartbeatsAreTheProcessors() {
        health.progress(tracker);
        health.running = true;
        PartitionProgress hb = tracker.partition(new TopicPartition("__debezium-heartbeat.shop", 0));
        PartitionProgress data = tracker.partition(new TopicPartition("shop.public.orders", 0));
        hb.position(0, clock.millis());
        // a backlog of 600 rows, a batch of 50 applied every 1.25 s (below the 2 s stall timeout)
        data.position(0, clock.millis());
        data.end(600, clock.millis());
        // every 250 ms the lag probe sees one more heartbeat at the broker; the side consumer processes them only
        // every 2.5 s (longer than the stall timeout), each emitted 100 ms before it is read
        long offset = 0;
        long applied = 0;
        for (int i = 1; i <= 40; i++) {
            clock.advance(Duration.ofMillis(250));
            health.lastPollMs = clock.millis();
            hb.end(++offset, clock.millis());
            if (i % 5 == 0) {
                data.inHand(applied, clock.millis() - 100, clock.millis());
                applied += 50;
                data.done(applied, clock.millis(), clock.millis());
            }
            if (i % 10 == 0) {
                long now = tracker.nowNanos();
                tracker.heartbeat(hb.tp.topic(), now - 100_000_000L, now);
                hb.inHand(hb.committed, clock.millis(), clock.millis());
                hb.done(offset - 1, clock.millis(), clock.millis()); // the newest heartbeat not read yet
            }
            Health h = check();
            assertThat(h.status()).as("read %d: %s", i, h.reasons()).isEqualTo(HealthStatus.UP);
        }
        // the backlog is drained; then the side consumer stops reading: heartbeats pile up at the broker unread
        data.done(600, clock.millis(), clock.millis());
        Health h = null;
        for (int i = 0; i < 12; i++) {
            clock.advance(Duration.ofMillis(250));
            health.lastPollMs = clock.millis();
            hb.end(++offset, clock.millis());
            h = check();
        }
        assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(h.reasons()).singleElement().asString().startsWith("heartbeats not read: ")
                .contains("__debezium-heartbeat.shop-0");
        assertThat(h.details()).containsEntry("stage", "poll_loop");
    }
}
