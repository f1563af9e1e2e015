package io.migmon.cdc;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
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
 *
 * <p>Findings (2026-11-28, main f594882), each {@code @Disabled} with its numbers. Under-reads: 1 an eager rebalance
 * giving the same partitions back drops every hold; 2 a cooperative revoke of one partition drops the holds of the
 * whole topic; 6 (SQL Server, two databases) a later change of the other database's table of the same schema.table
 * releases a hold; 7 / 7b a live END taken for a redelivery (worker clock 3 s behind; written 100 ms before an eager
 * rebalance) is released by the caught-up rule; 8b a change of {@code my.orders} counts for the END's
 * {@code public."my.orders"}; 10 a dead letter naming T ends the trailing of T's hold with 3 of 5 changes still on
 * their way. Over-reads: 3 / 3b past the bound, for good, on a table with a steady backlog and an assigned partition
 * it never uses (the bound's "while nothing of its topic waits" never holds); 5 transformationsDropChanges does
 * nothing in a consumer group (38.9 s, its Javadoc promises the stall timeout); 8 a dotted table's hold read by
 * another schema's table; 9 a transaction split between two group members holds the table at the member reading the
 * transaction topic until the 40 s give-up (within the bound, a cause the docs do not list). Counting: 4 / 4b one
 * transaction counted once per table hold and once per re-open. Held (passing): a live END holds in a group without
 * rebalance and while caught up; equal commit times; the option through {@code process(...)}; another table's
 * backlog does not keep an idle table's hold; give-ups each counted, one WARN then DEBUG; a due hold not read between
 * the 50 ms expire passes; a 60 s wall step neither gives up nor prolongs a hold; another connector's table of the
 * same name neither counts nor releases.
 */
class CdcAttack10Test extends ShopProcessorHarness {

    private static final long S = 1_000_000_000L;
    static final String ORDERS = "shop.public.orders";
    static final String TX = "shop.transaction";
    static final String BEATS = "__debezium-heartbeat.shop";

    /**
     * A group member's processor (never started), with {@code assigned} assigned as the rebalance callback does
     * (with the transaction topic's log end offset at the assignment, {@link #txEnds}).
     */
    CdcEventProcessor groupProcessor(List<TopicPartition> assigned) {
        return groupProcessor(assigned, List.of(ORDERS, BEATS, TX));
    }

    CdcEventProcessor groupProcessor(List<TopicPartition> assigned, List<String> topics) {
        CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(batch -> { })
                .heartbeatInterval(HEARTBEAT).monotonicClock(this::monotonicNanos)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:9", "group.id", "attack10"))
                .topics(topics).build();
        p.pipeline().assigned(assigned, Set.copyOf(topics), txEnds(assigned));
        return p;
    }

    /**
     * What the poll loop's rebalance callback reads (attack 10 finding 7's fix): the log end offset of each
     * transaction topic partition among {@code tps} at the assignment. The harness numbers every record from one
     * counter ({@code offsets}), so the next number is past everything written before the assignment.
     */
    Map<TopicPartition, Long> txEnds(Collection<TopicPartition> tps) {
        Map<TopicPartition, Long> ends = new HashMap<>();
        for (TopicPartition tp : tps) {
            if (tp.topic().equals(TX)) {
                ends.put(tp, offsets.get() + 1);
            }
        }
        return ends;
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
        p.pipeline().assigned(new ArrayList<>(committed.keySet()), Set.of(ORDERS, BEATS, TX),
                txEnds(committed.keySet()));
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

    // ---------------------------------------------------------------------------------------------------------------
    // The give-up's counting: cdc_transactions_evicted_total counts transactions given up (docs/cdc.md)

    /** A processor-less TransactionEnds as through {@code process(...)} (every topic consumed, partitions unknown). */
    private TransactionEnds processEnds(AtomicReference<TransactionEnds.TopicState> state) {
        return new TransactionEnds(t -> true, (topic, since) -> state.get(), sink, Duration.ofSeconds(4),
                Duration.ofMillis(250));
    }

    /**
     * T (commit t0) changes orders, customers and items, one row each; a Filter transformation dropped all three (or
     * they went to a topic not read): nothing of T ever arrives, its END does. One transaction given up.
     * Expected: {@code cdc_transactions_evicted_total} (documented: "transactions given up before all their events
     * were applied") +1.
     */
    @Test
    void finding4_oneTransactionGivenUpOnThreeTablesIsCountedOnce() {
        AtomicReference<TransactionEnds.TopicState> state = new AtomicReference<>(TransactionEnds.TopicState.UNKNOWN);
        TransactionEnds ends = processEnds(state);
        long t0 = 1_000 * S;
        long now = t0 + S;
        ends.end("shop", "70:1", t0, Map.of("public.orders", 1L, "public.customers", 1L, "public.items", 1L), now);
        now += TRAILING_BOUND.toNanos() + S;
        ends.expireIfHeld(now);
        assertThat(ends.oldestHeldNanos(null, now)).as("given up").isEqualTo(-1);
        assertThat(evictions).as("evictions of one transaction").hasSize(1);
    }

    /**
     * T (commit t0) inserts 3 orders rows; change 1 and the END arrive, changes 2 and 3 are late (a slow partition):
     * given up 40 s after change 1, change 2 arrives 50 s after (re-opened, as designed), given up again 40 s later,
     * change 3 arrives at last (T complete, applied). Expected: T counted once (the give-up), not once per give-up.
     */
    @Test
    void finding4b_aReopenedHoldGivenUpAgainIsTheSameTransaction() {
        AtomicReference<TransactionEnds.TopicState> state = new AtomicReference<>(TransactionEnds.TopicState.UNKNOWN);
        TransactionEnds ends = processEnds(state);
        long t0 = 1_000 * S;
        long now = t0 + S;
        ends.change("shop", "public.orders", 0, "71:1", 1, 1, t0, now);
        ends.end("shop", "71:1", t0, Map.of("public.orders", 3L), now);
        now += TRAILING_BOUND.toNanos() + S;
        ends.expireIfHeld(now);
        assertThat(ends.oldestHeldNanos("public.orders", now)).as("given up once").isEqualTo(-1);
        now += 9 * S;
        ends.change("shop", "public.orders", 1, "71:1", 2, 2, t0, now);
        assertThat(ends.oldestHeldNanos("public.orders", now)).as("re-opened by change 2").isEqualTo(t0);
        now += TRAILING_BOUND.toNanos() + S;
        ends.expireIfHeld(now);
        assertThat(ends.oldestHeldNanos("public.orders", now)).as("given up twice").isEqualTo(-1);
        ends.change("shop", "public.orders", 1, "71:1", 3, 3, t0, now + S);
        assertThat(evictions).as("evictions of one transaction").hasSize(1);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // transformationsDropChanges in a consumer group

    /**
     * A Filter transformation drops 1 of T's 3 orders rows (the END counts 3); rows 1 and 2 arrive on partition 0,
     * then a later transaction U's row on partition 0 (committed 0.5 s after T). The topic has partitions 0 and 1
     * assigned here; partition 1 gets no orders row meanwhile. {@code transformationsDropChanges(true)} promises (its
     * Javadoc): "a hold some of whose changes arrived also ends, after the stall timeout, once a change of the table
     * from a later transaction arrived on every partition its changes came on" (here: partition 0). Truth: 0 once U
     * is applied. Returns the seconds after U's arrival the hold still reads (the last read that held), reading every
     * 100 ms for 60 s.
     */
    private double optionRun(Set<Integer> assigned) {
        AtomicReference<TransactionEnds.TopicState> state = new AtomicReference<>(TransactionEnds.TopicState.UNKNOWN);
        TransactionEnds ends = assigned == null ? new TransactionEnds(t -> 0, (topic, since) -> state.get(), sink,
                Duration.ofSeconds(4), Duration.ofMillis(250), Duration.ZERO, true) : groupEnds(assigned, state, true);
        long t0 = 1_000 * S;
        long now = t0 + S;
        ends.change("shop", "public.orders", 0, "80:1", 1, 1, t0, now);
        ends.change("shop", "public.orders", 0, "80:1", 2, 2, t0, now);
        ends.end("shop", "80:1", t0, Map.of("public.orders", 3L), now);
        now += S;
        long u = now;
        ends.change("shop", "public.orders", 0, "81:1", 1, 1, t0 + S / 2, now);
        ends.end("shop", "81:1", t0 + S / 2, Map.of("public.orders", 1L), now);
        long last = u;
        for (int i = 0; i < 600; i++) {
            now += S / 10;
            ends.expireIfHeld(now);
            if (ends.oldestHeldNanos("public.orders", now) >= 0) {
                last = now;
            }
        }
        return (last - u) / 1e9;
    }

    /** Held: through process(...) (partitions not known) the option ends the hold one stall timeout after. */
    @Test
    void transformationsDropChangesEndsThePassedHoldAfterTheStallTimeoutThroughProcess() {
        assertThat(optionRun(null)).isLessThanOrEqualTo(4.5);
    }

    /**
     * Actual (2026-11-28, main f594882): see the @Disabled text (the trailing give-up, 40 s after the last row of T).
     * Expected: the same in a consumer group (the option's validation even requires a Kafka transaction topic among
     * the consumed topics: it is meant for group consumers). Suspected cause: {@code TransactionEnds.trails} applies
     * the option's rule only when {@code owner.partitions(topic) == null} (partitions not known), i.e. never in a
     * group after the first assignment; the group falls back to "a later change on every assigned partition", which
     * an assigned partition without traffic of the table never gives. Neither the option's Javadoc nor docs/cdc.md
     * says so.
     */
    @Test
    void finding5_transformationsDropChangesEndsThePassedHoldAfterTheStallTimeoutInAGroup() {
        assertThat(optionRun(Set.of(0, 1))).isLessThanOrEqualTo(4.5);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // HoldIndex and names

    /** Two transactions committed in the same millisecond both hold; the table reads the commit until both complete. */
    @Test
    void twoTransactionsWithEqualCommitTimesEachHoldUntilTheirOwnChangesArrive() {
        AtomicReference<TransactionEnds.TopicState> state = new AtomicReference<>(TransactionEnds.TopicState.UNKNOWN);
        TransactionEnds ends = processEnds(state);
        long t0 = 1_000 * S;
        long now = t0 + S;
        ends.end("shop", "90:1", t0, Map.of("public.orders", 1L), now);
        ends.end("shop", "91:1", t0, Map.of("public.orders", 1L), now);
        ends.end("shop", "92:1", t0, Map.of("public.orders", 1L), now);
        assertThat(ends.holds()).isEqualTo(3);
        ends.change("shop", "public.orders", 0, "91:1", 1, 1, t0, now);
        assertThat(ends.oldestHeldNanos("public.orders", now)).isEqualTo(t0);
        ends.change("shop", "public.orders", 0, "90:1", 1, 1, t0, now);
        assertThat(ends.oldestHeldNanos("public.orders", now)).isEqualTo(t0);
        assertThat(ends.holds()).isEqualTo(1);
        ends.change("shop", "public.orders", 0, "92:1", 1, 1, t0, now);
        assertThat(ends.oldestHeldNanos("public.orders", now)).isEqualTo(-1);
        assertThat(evictions).isEmpty();
    }

    /**
     * A SQL Server connector {@code inv} capturing two databases ({@code database.names=inv1,inv2}): topics
     * {@code inv.inv1.dbo.orders} and {@code inv.inv2.dbo.orders} (one partition each, assigned here), changes named
     * {@code dbo.orders} (schema.table: the change's {@code source.db} is not in it), ENDs naming
     * {@code inv1.dbo.orders} / {@code inv2.dbo.orders}. T (commit t0) inserts a row into inv1's orders: its END
     * arrives, its change is still in the producer. U (commit t0 + 0.5 s) inserts into inv2's orders: its change
     * arrives. Truth: inv1's orders change is committed and not applied: now − t0 until it arrives.
     */
    /**
     * Suspected cause: {@code TransactionEnds.Newest} is kept per connector and change table name ({@code dbo.orders},
     * without the database), and {@code changed}/{@code end} match it to a hold's {@code data_collection} by
     * {@code sameTable} (last parts): inv2's partition 0 counts as "every assigned partition" of inv1's topic (also
     * partition 0). Only a connector whose change names lack the database (SQL Server's schema.table) with several
     * databases; in a group (partitions known).
     */
    @Test
    void finding6_aLaterChangeOfTheSameTableInAnotherDatabaseDoesNotReleaseTheHold() {
        AtomicReference<TransactionEnds.TopicState> state = new AtomicReference<>(TransactionEnds.TopicState.UNKNOWN);
        TransactionEnds ends = groupEnds(Set.of(0), state, false);
        long t0 = 1_000 * S;
        long now = t0 + S;
        ends.end("inv", "0000002a:0000001:0001", t0, Map.of("inv1.dbo.orders", 1L), now);
        assertThat(ends.oldestHeldNanos("dbo.orders", now)).as("T holds").isEqualTo(t0);
        ends.change("inv", "dbo.orders", 0, "0000002b:0000001:0001", 1, 1, t0 + S / 2, now);
        ends.end("inv", "0000002b:0000001:0001", t0 + S / 2, Map.of("inv2.dbo.orders", 1L), now);
        long afterU = ends.oldestHeldNanos("dbo.orders", now);
        // the mirror order: T2's END (inv1, commit t0 + 0.2 s) arrives after U's change (inv2)
        ends.end("inv", "0000002c:0000001:0001", t0 + S / 5, Map.of("inv1.dbo.orders", 1L), now);
        long t2 = ends.oldestHeldNanos("dbo.orders", now);
        assertThat(List.of(afterU, t2)).as("oldest held after U's change, after T2's END")
                .containsExactly(t0, t0);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The caught-up rule: a live END taken for a redelivery

    /**
     * A group member, orders partition 0 and the transaction topic assigned at A. 2 s later T (commit t1) inserts two
     * orders rows: change 1 and T's END arrive, change 2 is in the producer (retried batch, arrives 12 s after T).
     * The lag probe reads the end offsets every second: orders is caught up (change 2 is not at the broker). The
     * Connect worker's clock is {@code skewMs} behind the processor's (the END's Kafka CreateTime is the worker's):
     * the END is live (written after A), its timestamp reads before A when the skew exceeds 2 s. Truth: now − t1
     * until change 2 arrives.
     */
    private String skewRun(long skewMs) {
        TopicPartition o0 = new TopicPartition(ORDERS, 0);
        List<TopicPartition> all = List.of(o0, new TopicPartition(TX, 0), new TopicPartition(BEATS, 0));
        try (CdcEventProcessor p = groupProcessor(all)) {
            settle(p);
            clock.advance(Duration.ofSeconds(1));
            long t1 = clock.millis() - 100;
            CdcRecord end = end("50:1", t1, Map.of("public.orders", 2));
            end = CdcRecord.of(end.topic(), end.partition(), end.offset(), clock.millis() - skewMs, end.key(),
                    end.value());
            p.process(List.of(data("orders", 0, 101, t1, "50:1", 1), end));
            List<String> under = new ArrayList<>();
            for (int s = 0; s < 10; s++) {
                PartitionProgress pp = p.progress().get(o0);
                pp.end(pp.committed, clock.millis());
                pp.endReadMs = clock.millis();
                read(p, 1, now -> now - t1, under);
            }
            p.process(List.of(data("orders", 0, 102, t1, "50:1", 2)));
            read(p, 2, now -> 0, under);
            return report(under, 12);
        }
    }

    /** Held: worker and processor clocks agree, the live END holds orders while orders is caught up. */
    @Test
    void aLiveEndHoldsWhileItsTopicIsCaughtUpInAGroup() {
        assertThat(skewRun(0)).isEmpty();
    }

    /**
     * Expected: the same with the worker's clock 3 s behind. Cause: {@code ChangePipeline.writtenBeforeAssigned}
     * compared the END's Kafka timestamp (the producer's CreateTime: the Connect worker's clock) with the processor's
     * wall clock at the assignment; a skew larger than the time since the assignment made a live END "redeliverable",
     * and the caught-up rule then released it (attack 6 finding 6's shape): lag(orders) 0.0 at truths of 2.1-10.1 s
     * (9 of 12 reads, main f594882; 8 of 12 on cdc-fix17 before the fix). Fixed (2026-11-28, cdc-fix17): the poll
     * loop's rebalance callback reads the transaction topic's log end offset at the assignment, and an END at or past
     * it is live whatever its timestamp ({@link #txEnds} plays that read; {@code PollLoopTest} pins the callback's).
     */
    @Test
    void finding7_aConnectWorkerClockBehindDoesNotMakeALiveEndARedelivery() {
        assertThat(skewRun(3_000)).isEmpty();
    }

    /**
     * Finding 3 through the pipeline (a group member, orders partitions 0 and 1 assigned, 1 never used by the table):
     * a Filter transformation drops T's only orders row (its END counts 1), then orders streams on partition 0, one
     * single-row transaction every 100 ms, the consumer one record behind at every read of the end offsets when
     * {@code backlog} (a steady consumer lag of 1 record), caught up otherwise. Each row is applied when processed;
     * truth: the age of the record not fetched yet (at most 0.1 s) with the backlog, 0 without. Returns the reads
     * past the bound (40 s after T's END arrived), every 10 s, as read/truth.
     */
    private double busyEvicted;

    private List<String> busyRun(boolean backlog) {
        TopicPartition o0 = new TopicPartition(ORDERS, 0);
        TopicPartition o1 = new TopicPartition(ORDERS, 1);
        List<TopicPartition> all = List.of(o0, o1, new TopicPartition(TX, 0), new TopicPartition(BEATS, 0));
        List<String> over = new ArrayList<>();
        try (CdcEventProcessor p = groupProcessor(all)) {
            settle(p);
            PartitionProgress idle = p.progress().partition(o1);
            idle.position(0, clock.millis());
            idle.end(0, clock.millis());
            long t0 = clock.millis() - 100;
            p.process(List.of(end("60:1", t0, Map.of("public.orders", 1))));
            long endArrived = clock.millis();
            for (int i = 1; i <= 1_200; i++) { // 120 s
                clock.advance(Duration.ofMillis(100));
                long commit = clock.millis() - 100; // the row written 100 ms ago, fetched now
                p.process(List.of(data("orders", 0, 1000 + i, commit, (1000 + i) + ":1", 1),
                        end((1000 + i) + ":1", commit, Map.of("public.orders", 1))));
                if (clock.millis() / 100 % 20 == 0) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                PartitionProgress pp = p.progress().get(o0);
                pp.end(pp.committed + (backlog ? 1 : 0), clock.millis()); // the next row, written, not fetched
                pp.endReadMs = clock.millis();
                idle.endReadMs = clock.millis();
                double truth = backlog ? 0.1 : 0;
                double read = lag("orders");

                if (i % 100 == 0 && clock.millis() - endArrived > TRAILING_BOUND.toMillis() + 500
                        && read > truth + 1) {
                    over.add(String.format("%.1f/%.1f", read, truth));
                }
            }
            busyEvicted = evicted(TransactionEnds.UNSEEN);
        }
        return over;
    }

    /** Held: caught up at every read, the filtered row's hold is given up within the bound. */
    @Test
    void aFilteredRowOnACaughtUpBusyTableIsGivenUpWithinTheBound() {
        assertThat(busyRun(false)).isEmpty();
        assertThat(busyEvicted).isEqualTo(1);
    }

    @Test
    void finding3b_aFilteredRowOnABusyTableWithASteadyBacklogIsGivenUpWithinTheBound() {
        assertThat(busyRun(true)).isEmpty();
        assertThat(busyEvicted).isEqualTo(1);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Odd table names: a PostgreSQL table whose name has a dot

    /** A create of {@code shop}'s {@code <schema>.<table>} in {@code txId} at {@code order}, partition 0. */
    CdcRecord dataIn(String schema, String table, int id, long commitMs, String txId, int order) {
        String json = "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":"
                + commitMs + ",\"ts_us\":" + commitMs * 1000 + ",\"schema\":\"" + schema + "\",\"table\":\"" + table
                + "\"},\"op\":\"c\",\"ts_ms\":" + commitMs + ",\"transaction\":{\"id\":\"" + txId
                + "\",\"total_order\":" + order + ",\"data_collection_order\":" + order + "}}";
        return CdcRecord.of("shop." + schema + "." + table, 0, offsets.incrementAndGet(), clock.millis(),
                ("{\"id\":" + id + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8),
                json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    double pairLag(String qualified) {
        return registry.get("cdc.replication.lag").tags("source_table", qualified, "target_table", qualified).gauge()
                .value();
    }

    /**
     * PostgreSQL allows {@code "public"."my.orders"} (a quoted name with a dot) beside {@code "my"."orders"}: two
     * tables, qualified {@code public.my.orders} and {@code my.orders}. Both were written and applied (lag 0). T
     * (commit t1) inserts into public."my.orders": its END arrives, its change is in transit. my.orders (schema my)
     * keeps streaming, each change applied at once. Truth: public."my.orders" now − t1 until T's change arrives;
     * my.orders (schema my) at most 0.1 s (each row fetched 100 ms after its commit).
     * Suspected cause: {@code TransactionEnds.oldestHeldNanos} (and {@code HoldIndex.matching}) match a hold's
     * {@code data_collection} to a table by {@code sameTable}, whose "last parts" rule (for SQL Server's
     * {@code db.schema.table}) takes {@code public.my.orders} as naming {@code my.orders}: the hold's over-read lands
     * on another table (up to the 40 s bound). The same rule lets a later change of {@code my.orders} count as a
     * change of the dotted table's topic in a group (finding 6's shape).
     */
    @Test
    void finding8_aHoldOfATableWithADotInItsNameIsNotReadByAnotherSchemasTable() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long c = clock.millis() - 100;
            p.process(List.of(dataIn("public", "my.orders", 1, c, "5:1", 1), dataIn("my", "orders", 1, c, "5:1", 2),
                    end("5:1", c, Map.of("public.my.orders", 1, "my.orders", 1)), heartbeat(clock.millis())));
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(heartbeat(clock.millis() - 50)));
            assertThat(pairLag("public.my.orders")).as("settled").isZero();
            assertThat(pairLag("my.orders")).as("settled").isZero();
            long t1 = clock.millis() - 100;
            p.process(List.of(end("50:1", t1, Map.of("public.my.orders", 1))));
            List<String> wrong = new ArrayList<>();
            for (int i = 1; i <= 50; i++) { // 5 s
                clock.advance(Duration.ofMillis(100));
                long commit = clock.millis() - 100;
                p.process(List.of(dataIn("my", "orders", 100 + i, commit, (100 + i) + ":1", 1),
                        end((100 + i) + ":1", commit, Map.of("my.orders", 1))));
                if (clock.millis() / 100 % 20 == 0) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                if (i % 10 == 0) {
                    double truthDotted = (clock.millis() - t1) / 1e3;
                    if (pairLag("public.my.orders") < truthDotted - 0.001) {
                        wrong.add(String.format("public.my.orders %.1f/%.1f", pairLag("public.my.orders"),
                                truthDotted));
                    }
                    if (pairLag("my.orders") > 0.1 + 0.001) {
                        wrong.add(String.format("my.orders %.1f/0.1", pairLag("my.orders")));
                    }
                }
            }
            assertThat(wrong).as("read/truth").isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // "Nothing of its topic waits" while another table streams; the give-up's WARN; the 50 ms expire throttle

    /**
     * A group member (orders, customers: one partition each). A Filter drops T's only orders row (its END counts 1);
     * orders is idle after; customers streams a row every 100 ms with a steady 1-record backlog (its topic waits at
     * every read). Truth of orders: 0 (nothing of it is on its way). The orders hold is given up within the bound
     * (customers waiting is not orders waiting) and counted once.
     */
    @Test
    void anotherTablesBacklogDoesNotKeepAHoldPastTheBound() {
        String customers = "shop.public.customers";
        TopicPartition o0 = new TopicPartition(ORDERS, 0);
        TopicPartition c0 = new TopicPartition(customers, 0);
        List<TopicPartition> all = List.of(o0, c0, new TopicPartition(TX, 0), new TopicPartition(BEATS, 0));
        try (CdcEventProcessor p = groupProcessor(all, List.of(ORDERS, customers, BEATS, TX))) {
            settle(p);
            long t0 = clock.millis() - 100;
            p.process(List.of(end("60:1", t0, Map.of("public.orders", 1))));
            long endArrived = clock.millis();
            long lastHeld = -1;
            for (int i = 1; i <= 600; i++) { // 60 s
                clock.advance(Duration.ofMillis(100));
                long commit = clock.millis() - 100;
                p.process(List.of(data("customers", 0, 1000 + i, commit, (1000 + i) + ":1", 1),
                        end((1000 + i) + ":1", commit, Map.of("public.customers", 1))));
                if (clock.millis() / 100 % 20 == 0) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                PartitionProgress pc = p.progress().get(c0);
                pc.end(pc.committed + 1, clock.millis());
                pc.endReadMs = clock.millis();
                PartitionProgress po = p.progress().get(o0);
                po.end(po.committed, clock.millis());
                po.endReadMs = clock.millis();
                if (lag("orders") > 1) {
                    lastHeld = clock.millis();
                }
            }
            assertThat((lastHeld - endArrived) / 1e3).as("orders held after its END, s")
                    .isBetween(TRAILING_BOUND.toSeconds() - 1.0, TRAILING_BOUND.toSeconds() + 0.5);
            assertThat(evicted(TransactionEnds.UNSEEN)).isEqualTo(1);
        }
    }

    /**
     * Two holds given up 10 s apart: each counted, one WARN (naming the transaction, the table, how long nothing
     * arrived and the option), DEBUG after. A gauge read 1 ms after a hold is due, with the last expire pass 1 ms
     * before it (the 50 ms throttle: no pass in between), does not read it.
     */
    @Test
    void giveUpsAreCountedEachWarnedOnceAndADueHoldIsNotReadBetweenExpirePasses() {
        ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory
                .getLogger(TransactionEnds.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> captured =
                new ch.qos.logback.core.read.ListAppender<>();
        captured.start();
        log.addAppender(captured);
        ch.qos.logback.classic.Level level = log.getLevel();
        log.setLevel(ch.qos.logback.classic.Level.DEBUG);
        try {
            AtomicReference<TransactionEnds.TopicState> state =
                    new AtomicReference<>(TransactionEnds.TopicState.UNKNOWN);
            TransactionEnds ends = processEnds(state);
            long t0 = 1_000 * S;
            long now = t0 + S;
            ends.end("shop", "72:1", t0, Map.of("public.orders", 1L), now);
            ends.end("shop", "73:1", t0 + 10 * S, Map.of("public.orders", 1L), now + 10 * S);
            long due = now + TRAILING_BOUND.toNanos();
            ends.expireIfHeld(due - 1_000_000L);
            assertThat(ends.oldestHeldNanos("public.orders", due - 1_000_000L)).isEqualTo(t0);
            assertThat(ends.oldestHeldNanos("public.orders", due + 1_000_000L)).as("due, no pass since")
                    .isEqualTo(t0 + 10 * S);
            ends.expireIfHeld(due + 60_000_000L);
            ends.expireIfHeld(due + 10 * S + 60_000_000L);
            assertThat(ends.oldestHeldNanos(null, due + 10 * S + 60_000_000L)).isEqualTo(-1);
            assertThat(evictions).containsExactly(TransactionEnds.UNSEEN, TransactionEnds.UNSEEN);
            List<String> warns = captured.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.WARN)
                    .map(e -> e.getFormattedMessage()).toList();
            assertThat(warns).hasSize(1);
            assertThat(warns.get(0)).contains("transaction 72 ", "public.orders", "transformationsDropChanges", "PT40S");
            assertThat(captured.list.stream().filter(e -> e.getLevel() == ch.qos.logback.classic.Level.DEBUG)
                    .map(e -> e.getFormattedMessage())).anyMatch(m -> m.startsWith("transaction 73:"));
        } finally {
            log.detachAppender(captured);
            log.setLevel(level);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A transaction split between two members of the group

    /**
     * Two members share orders: partition 0 is assigned here (with the transaction and heartbeat topics), partition 1
     * to the other member. T (commit t1) inserts two orders rows, one keyed to each partition; here change 1
     * (partition 0) and T's END arrive, change 2 is the other member's (applied there). orders is quiet after;
     * heartbeats flow. Truth for this member (docs: "a partition assigned elsewhere is another member's staleness"):
     * 0 once change 1 is applied. Reads 1 s apart for 45 s; none may be over the truth by more than 1 s.
     * Suspected cause: the END's {@code event_count} counts the table's rows on every partition; this member counts
     * those on its own partitions and drops a table only when no partition of its topic is assigned here
     * ({@code Owner.since} is per topic), so the other member's row is waited for here. Its release needs a later
     * change on partition 0 (a quiet table gives none) or the caught-up rule (a live END: no), so the trailing
     * give-up (40 s) ends it: within the bound, but in an ordinary multi-member group, which none of the causes the
     * WARN and docs/cdc.md list (another topic, a Filter, a dead letter, a restart) covers.
     */
    @Disabled("finding 9: a transaction whose rows of orders are split between two members (partition 0 here, 1"
            + " elsewhere) holds orders here until the trailing give-up: lag(orders) 1.1, 2.1 ... 39.1 s at a truth of 0,"
            + " counted unseen - an ordinary multi-member group, not one of the causes the docs give")
    @Test
    void finding9_aTransactionSplitBetweenTwoMembersIsNotHeldForTheOtherMembersPartition() {
        TopicPartition o0 = new TopicPartition(ORDERS, 0);
        List<TopicPartition> mine = List.of(o0, new TopicPartition(TX, 0), new TopicPartition(BEATS, 0));
        try (CdcEventProcessor p = groupProcessor(mine)) {
            settle(p);
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 0, 101, t1, "50:1", 1), end("50:1", t1, Map.of("public.orders", 2))));
            List<String> over = new ArrayList<>();
            for (int s = 0; s < 45; s++) {
                clock.advance(Duration.ofSeconds(1));
                if (clock.millis() / 1000 % 2 == 0) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                PartitionProgress pp = p.progress().get(o0);
                pp.end(pp.committed, clock.millis());
                pp.endReadMs = clock.millis();
                double read = lag("orders");
                if (read > 1) {
                    over.add(String.format("%.1f/0", read));
                }
            }
            assertThat(over).as("read/truth; evicted unseen " + evicted(TransactionEnds.UNSEEN)).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The bound's clock

    /**
     * T's change 1 and END arrive, change 2 is late. The processor host's wall clock steps 60 s ahead (NTP): the
     * monotonic clock did not move, so the hold is not given up (the bound counts on the monotonic clock); it is,
     * once 40 s of the monotonic clock passed without a change of T, and counted once.
     */
    @Test
    void aWallStepNeitherGivesUpNorProlongsAHold() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 0, 101, t1, "50:1", 1), end("50:1", t1, Map.of("public.orders", 2))));
            stepClock(Duration.ofSeconds(60));
            p.process(List.of(heartbeat(clock.millis() - 50)));
            assertThat(p.pipeline().ends.holds()).as("after a 60 s wall step").isEqualTo(1);
            assertThat(lag("orders")).isGreaterThanOrEqualTo((clock.millis() - t1) / 1e3 - 0.001);
            for (int s = 0; s < 39; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat(clock.millis() - 50)));
            }
            assertThat(p.pipeline().ends.holds()).as("39 s monotonic after").isEqualTo(1);
            clock.advance(Duration.ofSeconds(2));
            p.process(List.of(heartbeat(clock.millis() - 50)));
            assertThat(p.pipeline().ends.holds()).as("41 s monotonic after").isZero();
            assertThat(evicted(TransactionEnds.UNSEEN)).isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A dead letter naming the transaction: positive evidence for one change, not for the rest

    /**
     * The END overtakes a large transaction's data: T (commit t1) changes orders 5 times on partition 0; change 1
     * arrives, then T's END, then 0.5 s later change 2, broken (an unknown op; its transaction block names T), is
     * dead-lettered; changes 3-5 arrive one per 6 s after. Heartbeats every 2 s on time. Truth: changes 3-5,
     * committed at t1, are not applied until they arrive: now − t1 until change 5 (the dead-lettered change 2 is
     * counted in cdc_dead_letters, not waited for). Reads every 0.5 s.
     * Suspected cause: {@code TransactionEnds.trails} returns false for any hold whose (transaction, topic) is in
     * {@code deadLetteredOf}, whatever the count: the dead letter accounts for one missing change (seen 1 + dead 1 of
     * 5), yet the hold drops to the stall-timeout give-up (4 s) and each later change re-opens it for 4 s more
     * (counted each time: finding 4b). Positive evidence would be seen + dead-lettered of the transaction's table
     * reaching its {@code event_count}.
     */
    @Test
    void finding10_aDeadLetterNamingTheTransactionEndsOnlyWhatItAccountsFor() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(data("orders", 0, 301, t1, "90:1", 1)));
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(end("90:1", t1, Map.of("public.orders", 5))));
            clock.advance(Duration.ofMillis(500));
            String bad = change("orders", 302, t1, "90:1", 2).replace("\"op\":\"c\"", "\"op\":\"x\"");
            p.process(List.of(CdcRecord.of(ORDERS, 0, offsets.incrementAndGet(), clock.millis(),
                    "{\"id\":302}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                    bad.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
            assertThat(p.deadLettered()).isEqualTo(1);
            List<String> under = new ArrayList<>();
            int total = 0;
            long nextHeartbeat = clock.millis() + 2_000;
            for (int order = 3; order <= 5; order++) {
                for (long ms = 0; ms < 6_000; ms += 500) {
                    clock.advance(Duration.ofMillis(500));
                    if (clock.millis() >= nextHeartbeat) {
                        p.process(List.of(heartbeat(clock.millis() - 50)));
                        nextHeartbeat += 2_000;
                    }
                    double truth = (clock.millis() - t1) / 1e3;
                    double read = Math.min(lag("orders"), overall());
                    total++;
                    if (read < truth - 0.001) {
                        under.add(String.format("%.1f/%.1f", read, truth));
                    }
                }
                p.process(List.of(data("orders", 0, 300 + order, t1, "90:1", order)));
            }
            assertThat(under).as("read/truth of " + total + " reads; evicted unseen "
                    + evicted(TransactionEnds.UNSEEN)).isEmpty();
        }
    }

    /**
     * Finding 7's shape without a skew: T (commit t1) inserts two orders rows; change 1 arrives; T's END is written
     * (its record at the broker) and, 100 ms later, before this member fetched it, the group rebalances with the eager
     * protocol, giving every partition back; the END is fetched 200 ms after. Change 2 is in the producer (retried
     * batch, arrives 10 s later). The lag probe reads every second: orders caught up. The END is live (this member
     * read the transaction topic continuously; nobody processed it before), yet written before the re-assignment.
     * Truth: now − t1 until change 2 arrives.
     * Suspected cause: {@code ChangePipeline.writtenBeforeAssigned} takes "written before its partition was assigned
     * here" as "may be a redelivery"; an eager rebalance re-stamps the assignment ({@code revoked} removes the
     * partition's time, {@code assigned} puts a new one) although this member kept reading the partition and knows
     * it never processed the record (its offset is past the position it had reached before the revoke).
     */
    @Test
    void finding7b_anEndWrittenJustBeforeAnEagerRebalanceIsNotARedelivery() {
        TopicPartition o0 = new TopicPartition(ORDERS, 0);
        List<TopicPartition> all = List.of(o0, new TopicPartition(TX, 0), new TopicPartition(BEATS, 0));
        try (CdcEventProcessor p = groupProcessor(all)) {
            settle(p);
            clock.advance(Duration.ofSeconds(1));
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 0, 101, t1, "50:1", 1)));
            CdcRecord end = end("50:1", t1, Map.of("public.orders", 2));
            clock.advance(Duration.ofMillis(100));
            assign(p, revoke(p, all));
            clock.advance(Duration.ofMillis(200));
            p.process(List.of(end));
            List<String> under = new ArrayList<>();
            for (int s = 0; s < 10; s++) {
                PartitionProgress pp = p.progress().get(o0);
                pp.end(pp.committed, clock.millis());
                pp.endReadMs = clock.millis();
                read(p, 1, now -> now - t1, under);
            }
            p.process(List.of(data("orders", 0, 102, t1, "50:1", 2)));
            read(p, 2, now -> 0, under);
            assertThat(report(under, 12)).isEmpty();
        }
    }

    /**
     * Finding 8's under-read side: T (commit t1) inserts one row into {@code "my"."orders"} and one into
     * {@code "public"."my.orders"}; its END counts 1 of each. The my.orders row arrives; the public."my.orders" row is
     * in transit (12 s late). Truth for public.my.orders: now − t1 until its row arrives.
     * Suspected cause: {@code TransactionEnds.Seen.count} sums, for the END's {@code public.my.orders}, every table
     * seen that {@code sameTable} matches by its last parts: {@code my.orders} (schema my) included, so the END finds
     * its 1 row "seen" and holds nothing.
     */
    @Test
    void finding8b_aChangeOfAnotherSchemasTableDoesNotCountForTheDottedTable() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long c = clock.millis() - 100;
            p.process(List.of(dataIn("public", "my.orders", 1, c, "5:1", 1), dataIn("my", "orders", 1, c, "5:1", 2),
                    end("5:1", c, Map.of("public.my.orders", 1, "my.orders", 1)), heartbeat(clock.millis())));
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(heartbeat(clock.millis() - 50)));
            long t1 = clock.millis() - 100;
            p.process(List.of(dataIn("my", "orders", 2, t1, "50:1", 1),
                    end("50:1", t1, Map.of("public.my.orders", 1, "my.orders", 1))));
            List<String> under = new ArrayList<>();
            for (int s = 0; s < 13; s++) {
                clock.advance(Duration.ofSeconds(1));
                if (clock.millis() / 1000 % 2 == 0) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                if (s == 11) {
                    p.process(List.of(dataIn("public", "my.orders", 2, t1, "50:1", 2)));
                }
                double truth = s < 11 ? (clock.millis() - t1) / 1e3 : 0;
                double read = pairLag("public.my.orders");
                if (read < truth - 0.001) {
                    under.add(String.format("%.1f/%.1f", read, truth));
                }
            }
            assertThat(report(under, 13)).isEmpty();
        }
    }

    /**
     * Two connectors (two PostgreSQL clusters: independent xids) capture a table of the same name. shop's T (xid 50,
     * commit t0) holds public.orders; shop2's transaction with the same xid 50 and a later one (xid 51) change their
     * public.orders on partition 0 of their own topic: neither counts for, nor releases, shop's hold (group member,
     * partition 0 of each topic assigned).
     */
    @Test
    void anotherConnectorsTableOfTheSameNameNeitherCountsNorReleases() {
        AtomicReference<TransactionEnds.TopicState> state = new AtomicReference<>(TransactionEnds.TopicState.UNKNOWN);
        TransactionEnds ends = groupEnds(Set.of(0), state, false);
        long t0 = 1_000 * S;
        long now = t0 + S;
        ends.end("shop", "50:100", t0, Map.of("public.orders", 1L), now);
        ends.change("shop2", "public.orders", 0, "50:200", 1, 1, t0, now);
        ends.change("shop2", "public.orders", 0, "51:300", 1, 1, t0 + S / 2, now);
        ends.end("shop2", "50:200", t0, Map.of("public.orders", 1L), now);
        ends.end("shop2", "51:300", t0 + S / 2, Map.of("public.orders", 1L), now);
        assertThat(ends.oldestHeldNanos("public.orders", now + S)).isEqualTo(t0);
        ends.change("shop", "public.orders", 0, "50:100", 1, 1, t0, now + S);
        assertThat(ends.oldestHeldNanos("public.orders", now + S)).isEqualTo(-1);
        assertThat(evictions).isEmpty();
    }
}
