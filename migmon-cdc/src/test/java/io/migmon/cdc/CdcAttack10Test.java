package io.migmon.cdc;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attack 10 (issue 11), unit level, on the attack 9 fixes (cdc-fix14 merged, main f594882): the {@code END}-hold
 * rules "positive evidence only, else given up 10 stall timeouts after the last arrival". {@code process(...)} with
 * a {@link io.migmon.core.testing.MutableClock} and the monotonic seam of {@link ShopProcessorHarness}; a group
 * member is a processor built with consumer properties and never started, its rebalance callbacks called as the
 * poll loop's {@code Rebalance} does (the lag probe's part: the partition's progress removed on revoke, its position
 * and end offset set on assignment). Ground truth: each change is applied when processed (the applier returns at
 * once) and the test knows every change's commit time: truth = now − commit time of the oldest change committed and
 * not applied yet (0 when none). Heartbeats every 2 s on time, stall timeout 4 s.
 */
class CdcAttack10Test extends ShopProcessorHarness {

    private static final long S = 1_000_000_000L;
    static final String ORDERS = "shop.public.orders";
    static final String TX = "shop.transaction";
    static final String BEATS = "__debezium-heartbeat.shop";

    /** A group member's processor (never started), with {@code assigned} assigned as the rebalance callback does. */
    CdcEventProcessor groupProcessor(List<TopicPartition> assigned) {
        CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(batch -> { })
                .heartbeatInterval(HEARTBEAT).monotonicClock(this::monotonicNanos)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:9", "group.id", "attack10"))
                .topics(ORDERS, BEATS, TX).build();
        p.pipeline().assigned(assigned, Set.of(ORDERS, BEATS, TX));
        return p;
    }

    /** The poll loop's onPartitionsRevoked: the lag probe drops the partitions' progress, then the pipeline. */
    static Map<TopicPartition, Long> revoke(CdcEventProcessor p, List<TopicPartition> tps) {
        Map<TopicPartition, Long> committed = new HashMap<>();
        for (TopicPartition tp : tps) {
            PartitionProgress pp = p.progress().get(tp);
            committed.put(tp, pp == null ? 0 : Math.max(0, pp.committed));
            p.progress().remove(tp);
        }
        p.pipeline().revoked(tps);
        return committed;
    }

    /**
     * The poll loop's onPartitionsAssigned, then the lag probe's first read: each partition positioned at its
     * committed offset, end offset = committed (what the broker has: the changes still in the producer are not).
     */
    void assign(CdcEventProcessor p, Map<TopicPartition, Long> committed) {
        for (Map.Entry<TopicPartition, Long> e : committed.entrySet()) {
            PartitionProgress pp = p.progress().partition(e.getKey());
            pp.position(e.getValue(), clock.millis());
            pp.end(e.getValue(), clock.millis());
            pp.endReadMs = clock.millis();
        }
        p.pipeline().assigned(new ArrayList<>(committed.keySet()), Set.of(ORDERS, BEATS, TX));
    }

    /**
     * Advances the clock 1 s {@code seconds} times, a heartbeat every 2 s, and after each step compares
     * min(lag(orders), overall) with the truth; adds each read under it (NaN counts as unknown, not under) as
     * read/truth.
     */
    private void read(CdcEventProcessor p, int seconds, LongUnaryOperator truthMs, List<String> under) {
        for (int s = 0; s < seconds; s++) {
            clock.advance(Duration.ofSeconds(1));
            if (clock.millis() / 1000 % 2 == 0) {
                p.process(List.of(heartbeat(clock.millis() - 50)));
            }
            double truth = truthMs.applyAsLong(clock.millis()) / 1e3;
            double read = Math.min(lag("orders"), overall());
            if (read < truth - 0.001) {
                under.add(String.format("%.1f/%.1f", read, truth));
            }
        }
    }

    private static String report(List<String> under, int reads) {
        return under.isEmpty() ? "" : under.size() + " of " + reads + " reads under the truth (read/truth): " + under;
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Rebalances mid-transaction

    /**
     * T (commit t1) inserts two orders rows, both keyed to partition 0; change 1 and T's END arrive, change 2 is
     * still in the connector's producer (a retried batch). With {@code rebalance}, 2 s later the group rebalances
     * with the eager protocol (the consumer's default {@code RangeAssignor}: every partition revoked, then the same
     * ones assigned back to this member, e.g. another member joined for an unrelated topic). Nothing of orders
     * changed owner. Truth: now − t1 until change 2 arrives (12 s after T), 0 after.
     */
    private String rebalanceRun(boolean rebalance) {
        TopicPartition o0 = new TopicPartition(ORDERS, 0);
        List<TopicPartition> all = List.of(o0, new TopicPartition(TX, 0), new TopicPartition(BEATS, 0));
        try (CdcEventProcessor p = groupProcessor(all)) {
            settle(p);
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 0, 101, t1, "50:1", 1), end("50:1", t1, Map.of("public.orders", 2))));
            List<String> under = new ArrayList<>();
            read(p, 2, now -> now - t1, under);
            if (rebalance) {
                assign(p, revoke(p, all));
                under.add("holds after the rebalance: " + p.pipeline().ends.holds());
            }
            read(p, 10, now -> now - t1, under);
            p.process(List.of(data("orders", 0, 102, t1, "50:1", 2)));
            read(p, 2, now -> 0, under);
            return report(under.size() == 1 && under.get(0).startsWith("holds") ? List.of() : under, 14);
        }
    }

    /** Held: no rebalance, the END holds orders until change 2 arrives. */
    @Test
    void aLiveEndHoldsItsTableInAGroupWithoutRebalance() {
        assertThat(rebalanceRun(false)).isEmpty();
    }

    /**
     * Expected: no read under the truth. Actual (2026-11-28, main f594882): see the @Disabled text (0 holds right
     * after the rebalance). Suspected cause: {@code ChangePipeline.revoked} calls {@code TransactionEnds.revoked},
     * which drops every hold of a revoked topic (and of a revoked transaction topic's connector) before the
     * assignment that follows is known; with the eager protocol every rebalance revokes everything, so every open
     * hold is lost although the topic never left this member ("a hold whose topic moves to another member at a
     * rebalance is released": it did not move). The END itself was committed before the revoke: never redelivered.
     */
    @Disabled("finding 1: an eager rebalance giving back the same partitions drops every END hold: lag(orders) 0.0"
            + " at truths of 3.1-12.1 s (10 of 14 reads) until the change in transit arrives")
    @Test
    void finding1_anEagerRebalanceThatGivesTheSamePartitionsBackKeepsTheHold() {
        assertThat(rebalanceRun(true)).isEmpty();
    }

    /**
     * T (commit t1) inserts two orders rows: change 1 keyed to partition 1 (arrived), change 2 keyed to partition 0
     * (still in the producer); T's END arrived. Then a cooperative rebalance moves partition 1 to another member;
     * partition 0 stays here. Truth for this member: change 2 on its partition 0 is committed and not applied: now −
     * t1 until it arrives (12 s after T).
     * Suspected cause: {@code TransactionEnds.revoked} removes the holds of every topic with a revoked partition,
     * whole topics, not partitions: {@code Owner.since} still answers for partition 0 (assigned here), but the hold is
     * gone before any verdict asks it. Partition 1's share is another member's now; partition 0's is not.
     */
    @Disabled("finding 2: a cooperative revoke of partition 1 drops the hold whose missing change is on partition 0,"
            + " still assigned here: lag(orders) 0.0 at truths of 3.1-12.1 s (10 of 14 reads)")
    @Test
    void finding2_aCooperativeRevokeOfAnotherPartitionOfTheTopicKeepsTheHoldOfTheOneStillHere() {
        TopicPartition o0 = new TopicPartition(ORDERS, 0);
        TopicPartition o1 = new TopicPartition(ORDERS, 1);
        List<TopicPartition> all = List.of(o0, o1, new TopicPartition(TX, 0), new TopicPartition(BEATS, 0));
        try (CdcEventProcessor p = groupProcessor(all)) {
            settle(p);
            p.process(List.of(data("orders", 1, 2, clock.millis() - 100, "4:1", 1),
                    end("4:1", clock.millis() - 100, Map.of("public.orders", 1)), heartbeat(clock.millis())));
            clock.advance(Duration.ofSeconds(1));
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 1, 101, t1, "50:1", 1), end("50:1", t1, Map.of("public.orders", 2))));
            List<String> under = new ArrayList<>();
            read(p, 2, now -> now - t1, under);
            revoke(p, List.of(o1));
            under.add("holds after the revoke: " + p.pipeline().ends.holds());
            read(p, 10, now -> now - t1, under);
            p.process(List.of(data("orders", 0, 102, t1, "50:1", 2)));
            read(p, 2, now -> 0, under);
            assertThat(report(under.size() == 1 ? List.of() : under, 14)).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // TransactionEnds directly: a group member's owner and the partitions' state given (the seams the pipeline fills)

    private final List<String> evictions = new ArrayList<>();

    private final TransactionTracker.Sink sink = new TransactionTracker.Sink() {
        @Override
        public void completed(String source, long lagNanos) {
        }

        @Override
        public void evicted(String source, String reason) {
            evictions.add(reason);
        }
    };

    /** A group member applying {@code partitions} of every topic, the topics' state given; stall timeout 4 s. */
    private TransactionEnds groupEnds(Set<Integer> partitions, AtomicReference<TransactionEnds.TopicState> state,
                                      boolean transformationsDropChanges) {
        TransactionEnds.Owner owner = new TransactionEnds.Owner() {
            @Override
            public long since(String topic) {
                return 0;
            }

            @Override
            public Set<Integer> partitions(String topic) {
                return partitions;
            }
        };
        return new TransactionEnds(owner, (topic, since) -> state.get(), sink, Duration.ofSeconds(4),
                Duration.ofMillis(250), Duration.ZERO, transformationsDropChanges);
    }

    /**
     * A restart: T (commit t0, one orders row, partition 0) was applied and committed before it; its END is
     * redelivered (the transaction topic's committed offset was behind). orders has two partitions assigned here;
     * every row goes to partition 0 (the table's keys all hash there), partition 1 never receives orders. The table
     * is busy: a later transaction's row arrives on partition 0 every 100 ms, each applied at once, and the consumer
     * keeps a steady backlog of a record or two (its consumer lag never drops to 0 at a judgement: the topic "waits",
     * as with any target that is the pipeline's bottleneck). Truth: orders is at
     * most 0.1 s stale at any read (T was applied before the restart). The decided bound: a hold over-reads at most
     * 10 stall timeouts (40 s) after the last of its changes (or its END) arrived.
     */
    /**
     * Expected: no read past the bound. Actual (2026-11-28, main f594882): see the @Disabled text. Suspected cause:
     * the trailing give-up ({@code TransactionEnds.verdict}) requires {@code topics.state(topic) != WAITING}, and the
     * only release that does not need the topic still is the later change on every assigned partition: partition 1
     * never receives the table ({@code Newest.all} -1), so neither ends it while the table streams; the caught-up rule
     * needs the topic caught up too. The documented bound ("10 stall timeouts after the last of its changes arrived
     * while nothing of its topic waits") has a condition a busy table never meets: the over-read is unbounded and
     * uncounted (no eviction).
     */
    @Disabled("finding 3: a redelivered END on a busy table (rows every 100 ms on partition 0, partition 1 assigned"
            + " and never used) holds orders for good: reads 50, 60, ... 120 s at a truth <= 0.1 s, past the 40 s"
            + " bound, nothing counted")
    @Test
    void finding3_aBusyTableWithAnAssignedPartitionItNeverUsesReadsAHoldPastTheBound() {
        AtomicReference<TransactionEnds.TopicState> state = new AtomicReference<>(TransactionEnds.TopicState.WAITING);
        TransactionEnds ends = groupEnds(Set.of(0, 1), state, false);
        long t0 = 1_000 * S;
        long now = t0 + 200_000_000L;
        ends.end("shop", "40:1", t0, Map.of("public.orders", 1L), now, true);
        List<String> over = new ArrayList<>();
        for (int i = 1; i <= 1_200; i++) { // 120 s
            now += 100_000_000L;
            ends.change("shop", "public.orders", 0, (1000 + i) + ":1", 1, 1, now - 50_000_000L, now);
            ends.end("shop", (1000 + i) + ":1", now - 50_000_000L, Map.of("public.orders", 1L), now, false);
            long held = ends.oldestHeldNanos("public.orders", now);
            if (i % 100 == 0 && held >= 0 && i > 405) { // past the bound: 40 s after the END arrived
                over.add(String.format("%.0f", (now - held) / 1e9));
            }
        }
        assertThat(over).as("reads (s) of orders past the bound at a truth of <= 0.1 s, every 10 s; evictions "
                + evictions).isEmpty();
    }

    /** The same with nothing waiting between the rows (the topic drained at each read): given up within the bound. */
    @Test
    void aQuietTopicGivesTheSameHoldUpWithinTheBound() {
        AtomicReference<TransactionEnds.TopicState> state = new AtomicReference<>(TransactionEnds.TopicState.UNKNOWN);
        TransactionEnds ends = groupEnds(Set.of(0, 1), state, false);
        long t0 = 1_000 * S;
        long now = t0 + 200_000_000L;
        ends.end("shop", "40:1", t0, Map.of("public.orders", 1L), now, true);
        long last = -1;
        for (int i = 1; i <= 600; i++) {
            now += 100_000_000L;
            ends.change("shop", "public.orders", 0, (1000 + i) + ":1", 1, 1, now - 50_000_000L, now);
            ends.end("shop", (1000 + i) + ":1", now - 50_000_000L, Map.of("public.orders", 1L), now, false);
            if (ends.oldestHeldNanos("public.orders", now) >= 0) {
                last = now;
            }
        }
        assertThat((last - t0) / 1e9).isLessThanOrEqualTo(TRAILING_BOUND.toSeconds() + 0.5);
        assertThat(evictions).containsExactly(TransactionEnds.UNSEEN);
    }
}
