package io.migmon.cdc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The proven-confirmation rule (CdcOverreadTest finding 4: where end offsets are read, a heartbeat confirms a data
 * partition current only through an end offset requested after its arrival showing it caught up) across a
 * rebalance, at unit level: a group member's processor (never started), the poll loop's rebalance callback and lag
 * probe played by the test as {@code CdcAttack10Test} does (the lag probe drops a revoked partition's progress; an
 * assigned one is positioned at its committed offset and its end offset read at once), records through
 * {@code process(...)}, on a {@code MutableClock}. A partition that has not received a heartbeat since it was
 * assigned to this member is not confirmed current; the connector's newest confirmation still bounds its watermark.
 *
 * <p>The integration form is {@code CdcAttack5IT} finding 8 (a real broker, two members, eager rebalance after the
 * connector went silent): with cdc-fix15's rule alone a member that kept two tables read 0.0 for them at a truth of
 * 10.1 s (2026-11-28, cdc-fix17 before the fix).
 */
class RebalanceConfirmationTest extends ShopProcessorHarness {

    static final String ORDERS = "shop.public.orders";
    static final String TX = "shop.transaction";
    static final String BEATS = "__debezium-heartbeat.shop";
    final TopicPartition o0 = new TopicPartition(ORDERS, 0);
    final List<TopicPartition> all = List.of(o0, new TopicPartition(TX, 0), new TopicPartition(BEATS, 0));

    CdcEventProcessor groupProcessor() {
        CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(batch -> { })
                .heartbeatInterval(HEARTBEAT).monotonicClock(this::monotonicNanos)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:9", "group.id", "rebalance-confirmation"))
                .topics(ORDERS, BEATS, TX).build();
        p.pipeline().assigned(all, Set.of(ORDERS, BEATS, TX));
        return p;
    }

    /** The lag probe's read of orders-0: everything the test wrote is applied and committed (caught up). */
    void probe(CdcEventProcessor p) {
        PartitionProgress pp = p.progress().partition(o0);
        long through = offsets.get() + 1;
        pp.position(through, clock.millis());
        pp.end(through, clock.millis());
        pp.endReadMs = clock.millis();
    }

    /**
     * An eager rebalance giving every partition back to this member (another member joined): onPartitionsRevoked
     * (the lag probe drops the progress, then the pipeline), onPartitionsAssigned, the probe's first read.
     */
    void rebalance(CdcEventProcessor p) {
        Map<TopicPartition, Long> committed = new HashMap<>();
        for (TopicPartition tp : all) {
            PartitionProgress pp = p.progress().get(tp);
            committed.put(tp, pp == null ? 0 : Math.max(0, pp.committed));
            p.progress().remove(tp);
        }
        p.pipeline().revoked(all);
        for (Map.Entry<TopicPartition, Long> e : committed.entrySet()) {
            PartitionProgress pp = p.progress().partition(e.getKey());
            pp.position(e.getValue(), clock.millis());
            pp.end(e.getValue(), clock.millis());
            pp.endReadMs = clock.millis();
        }
        p.pipeline().assigned(all, Set.of(ORDERS, BEATS, TX));
    }

    /** Settled: a complete transaction applied, a heartbeat after it proven by a probe read after its arrival. */
    long settleProven(CdcEventProcessor p) {
        long t1 = clock.millis() - 100;
        p.process(List.of(data("orders", 0, 1, t1, "3:1", 1), end("3:1", t1, Map.of("public.orders", 1))));
        clock.advance(Duration.ofMillis(500));
        long beat = clock.millis() - 50;
        p.process(List.of(heartbeat(beat)));
        clock.advance(Duration.ofMillis(10));
        probe(p);
        assertThat(lag("orders")).as("settled, the heartbeat proven").isZero();
        return beat;
    }

    /**
     * CdcAttack5IT finding 8's shape: the connector goes silent (its last heartbeat at {@code beat}), 3 s later the
     * group rebalances and this member keeps orders (its progress made anew, no confirmation since), 5 s later the
     * truth is at least now − beat. Before the fix: 0.0 (no applied change known, no proven confirmation: the idle
     * rule's "nothing confirmed" read 0).
     */
    @Test
    void aSilentConnectorStaysStaleForATableKeptThroughARebalance() {
        try (CdcEventProcessor p = groupProcessor()) {
            long beat = settleProven(p);
            clock.advance(Duration.ofSeconds(3));
            rebalance(p);
            clock.advance(Duration.ofSeconds(5));
            probe(p);
            double truth = (clock.millis() - beat) / 1e3;
            assertThat(lag("orders")).as("orders, no heartbeat since %.2f s", truth).isCloseTo(truth, within(0.001));
            assertThat(overall()).as("overall").isCloseTo(truth, within(0.001));
        }
    }

    /**
     * Heartbeats flow: right after the rebalance the partition has no heartbeat since it was assigned, so it is not
     * current but as old as the connector's newest heartbeat; the next heartbeat, proven by an end offset read after
     * its arrival, confirms it current again.
     */
    @Test
    void aPartitionIsNotCurrentUntilAHeartbeatSinceItsAssignmentIsProven() {
        try (CdcEventProcessor p = groupProcessor()) {
            long beat = settleProven(p);
            clock.advance(Duration.ofMillis(300));
            rebalance(p);
            double read = lag("orders");
            assertThat(read).as("no heartbeat since the assignment").isGreaterThan(0)
                    .isCloseTo((clock.millis() - beat) / 1e3, within(0.001));
            clock.advance(Duration.ofMillis(1_000));
            long next = clock.millis() - 50;
            p.process(List.of(heartbeat(next)));
            assertThat(lag("orders")).as("a heartbeat since the assignment, not proven yet")
                    .isCloseTo((clock.millis() - beat) / 1e3, within(0.001));
            clock.advance(Duration.ofMillis(10));
            probe(p);
            assertThat(lag("orders")).as("proven by an end offset read after its arrival").isZero();
        }
    }
}
