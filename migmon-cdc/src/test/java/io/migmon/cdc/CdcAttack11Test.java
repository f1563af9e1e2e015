package io.migmon.cdc;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attack 11 (issue 11), unit level, on the attack 10 fixes (cdc-fix16 merged, main 0688a5d): holds kept across a
 * revoke until the following assignment, {@code ChangePipeline.lost}, assignment times kept for partitions given back
 * in the same rebalance, dead letters counted once toward an {@code END}'s count, give-ups counted once per
 * transaction, exact table names. Set-up as {@link CdcAttack10Test}: {@code process(...)} with a
 * {@link io.migmon.core.testing.MutableClock} and the monotonic seam of {@link ShopProcessorHarness}; a group member
 * is a processor built with consumer properties and never started, its rebalance callbacks called as the poll loop's
 * {@code Rebalance} does (the lag probe's part: the partition's progress removed on revoke or loss, its position and
 * end offset set on assignment; then {@code ChangePipeline.revoked} / {@code lost} / {@code assigned}). Ground truth:
 * each change is applied when processed (the applier returns at once) and the test knows every change's commit time:
 * truth = now − commit time of the oldest change committed and not applied yet (0 when none); a change applied by
 * another member of the group is applied. Heartbeats every 2 s on time, stall timeout 4 s, bound 40 s.
 *
 * <p>Findings (2026-11-28, main 0688a5d; the same on main 217ed4d), each {@code @Disabled} with its numbers; see
 * each test's Javadoc.
 * Under-reads: 1 / 1b a table moved to another member and given back (a member joining then leaving, 5 s or 0 s
 * apart) loses its {@code END} holds for good (0.0 at truths 3.1-14.1 s; 1c the same through the processor's own
 * poll loop and a {@code MockConsumer}); 3 in the first transaction after a
 * processor start, a row of {@code my.orders} counts for the {@code END}'s {@code public."my.orders"} (0.0 at
 * 1.1-11.1 s); 4 a dead letter re-sent by the connector (same change, new offset) counts twice toward the
 * {@code END}'s count (0.0 at 4.3-13.8 s); 5 after a lost partition comes back, a live {@code END} written while the
 * member was out is taken for a redelivery and released by the caught-up rule (0.0 at 3.7-11.7 s). Over-read: 2 a
 * member dropped and re-admitted every 30 s never gives a hold up (42-130 s at truth 0, uncounted). Counting
 * ({@code cdc_transactions_evicted_total}): 6 one transaction with a dead letter and a hold given up counts 2
 * ({@code dead_lettered} + {@code unseen}); 6b every transaction given up {@code unseen} is counted again
 * {@code expired} 5 minutes later by {@code TransactionTracker}; 7 an eager rebalance giving the same partitions back evicts an open
 * transaction {@code rebalance} though it completes here (its apply lag never recorded). Under-read and counting: 8 a
 * transaction streaming another table for over 40 s loses its hold on the table whose rows come last (lag 0.0 at
 * 40.1-60.1 s, counted {@code unseen}). Held (passing):
 * two eager rebalances in a row keep the hold and the {@code END}'s live status; a cooperative revoke repeated before
 * a poll; a lost partition's redelivered change and dead letter count once; a long transaction's redeliveries across
 * a lost partition count once; an {@code END} redelivered after its transaction completed holds nothing; an
 * {@code END} redelivered after its give-up is neither held another bound nor counted again; a change re-sent by the
 * connector counts once (finding 4's control); close() during a hold counts and throws nothing; a revoke that
 * begins with an apply in flight waits for it and commits the batch first (the poll loop, {@code MockConsumer}).
 */
class CdcAttack11Test extends ShopProcessorHarness {

    static final String ORDERS = "shop.public.orders";
    static final String TX = "shop.transaction";
    static final String BEATS = "__debezium-heartbeat.shop";
    static final TopicPartition O0 = new TopicPartition(ORDERS, 0);
    static final TopicPartition O1 = new TopicPartition(ORDERS, 1);
    static final TopicPartition TX0 = new TopicPartition(TX, 0);
    static final TopicPartition HB0 = new TopicPartition(BEATS, 0);

    /** A group member's processor (never started), with {@code assigned} assigned as the rebalance callback does. */
    CdcEventProcessor groupProcessor(List<TopicPartition> assigned) {
        List<String> topics = List.of(ORDERS, BEATS, TX);
        CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(batch -> { })
                .heartbeatInterval(HEARTBEAT).monotonicClock(this::monotonicNanos)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:9", "group.id", "attack11"))
                .topics(topics).build();
        p.pipeline().assigned(assigned, Set.copyOf(topics));
        return p;
    }

    /** The poll loop's onPartitionsRevoked: the lag probe drops the partitions' progress, then the pipeline. */
    static Map<TopicPartition, Long> revoke(CdcEventProcessor p, List<TopicPartition> tps) {
        Map<TopicPartition, Long> committed = committedOf(p, tps);
        tps.forEach(p.progress()::remove);
        p.pipeline().revoked(tps);
        return committed;
    }

    /**
     * The poll loop's onPartitionsLost (the member was dropped from the group: a session timeout, a poll interval
     * missed): nothing could be committed since {@code committed} (given), the progress dropped, then the pipeline.
     */
    static void lose(CdcEventProcessor p, List<TopicPartition> tps) {
        tps.forEach(p.progress()::remove);
        p.pipeline().lost(tps);
    }

    static Map<TopicPartition, Long> committedOf(CdcEventProcessor p, List<TopicPartition> tps) {
        Map<TopicPartition, Long> committed = new HashMap<>();
        for (TopicPartition tp : tps) {
            PartitionProgress pp = p.progress().get(tp);
            committed.put(tp, pp == null ? 0 : Math.max(0, pp.committed));
        }
        return committed;
    }

    /**
     * The poll loop's onPartitionsAssigned, then the lag probe's first read: each partition positioned at its
     * committed offset, end offset = {@code ends} (default: the committed one, nothing waits at the broker).
     */
    void assign(CdcEventProcessor p, Map<TopicPartition, Long> committed) {
        assign(p, committed, committed);
    }

    void assign(CdcEventProcessor p, Map<TopicPartition, Long> committed, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> e : committed.entrySet()) {
            PartitionProgress pp = p.progress().partition(e.getKey());
            pp.position(e.getValue(), clock.millis());
            pp.end(ends.getOrDefault(e.getKey(), e.getValue()), clock.millis());
            pp.endReadMs = clock.millis();
        }
        p.pipeline().assigned(new ArrayList<>(committed.keySet()), Set.of(ORDERS, BEATS, TX));
    }

    /** The lag probe reads {@code tp} caught up (end offset = committed) now. */
    void caughtUp(CdcEventProcessor p, TopicPartition tp) {
        PartitionProgress pp = p.progress().get(tp);
        if (pp != null) {
            pp.end(pp.committed, clock.millis());
            pp.endReadMs = clock.millis();
        }
    }

    /** A create of orders at an explicit {@code partition} and {@code offset} (a redelivery reuses the offset). */
    CdcRecord dataAt(int partition, long offset, int id, long commitMs, String txId, int order) {
        return CdcRecord.of(ORDERS, partition, offset, clock.millis(),
                ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8),
                change("orders", id, commitMs, txId, order).getBytes(StandardCharsets.UTF_8));
    }

    /** A broken orders change (unknown op) of {@code txId}: dead-lettered, its transaction block naming txId. */
    CdcRecord brokenAt(int partition, long offset, int id, long commitMs, String txId, int order) {
        String bad = change("orders", id, commitMs, txId, order).replace("\"op\":\"c\"", "\"op\":\"x\"");
        return CdcRecord.of(ORDERS, partition, offset, clock.millis(),
                ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8), bad.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code end} re-sent at {@code offset} (the same record redelivered). */
    CdcRecord endAt(long offset, String id, long commitMs, Map<String, Integer> collections) {
        CdcRecord e = end(id, commitMs, collections);
        return CdcRecord.of(TX, 0, offset, e.timestampMs(), null, e.value());
    }

    /** Advances the clock 1 s {@code seconds} times, a heartbeat every 2 s, reading nothing. */
    void pass(CdcEventProcessor p, int seconds) {
        for (int s = 0; s < seconds; s++) {
            clock.advance(Duration.ofSeconds(1));
            if (clock.millis() / 1000 % 2 == 0) {
                p.process(List.of(heartbeat(clock.millis() - 50)));
            }
        }
    }

    /**
     * Advances the clock 1 s {@code seconds} times, a heartbeat every 2 s, and after each step compares
     * min(lag(orders), overall) with the truth; adds each read under it as read/truth.
     */
    void read(CdcEventProcessor p, int seconds, LongUnaryOperator truthMs, List<String> under) {
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

    // ---------------------------------------------------------------------------------------------------------------
    // Repeated rebalances

    /**
     * T (commit t1) inserts two orders rows keyed to partition 0: change 1 and T's END arrive here, change 2 is still
     * in the connector's producer (a retried batch, arrives 14 s after T). 2 s after T, member B joins (eager
     * rebalance: everything revoked, orders-0 assigned to B, the transaction and heartbeat topics back here); B leaves
     * again {@code awayS} seconds later (everything revoked, all three assigned here again), before change 2 reached
     * the broker: B fetched nothing of T, applied nothing. Truth here from the moment orders-0 is back: change 2 is
     * committed (t1) and applied by nobody: now − t1 until it arrives; 0 after. While orders-0 was B's the reads here
     * are not judged (B's staleness; B never saw T's END).
     */
    private String awayAndBack(int awayS) {
        List<TopicPartition> all = List.of(O0, TX0, HB0);
        try (CdcEventProcessor p = groupProcessor(all)) {
            settle(p);
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 0, 101, t1, "50:1", 1), end("50:1", t1, Map.of("public.orders", 2))));
            List<String> under = new ArrayList<>();
            read(p, 2, now -> now - t1, under);
            Map<TopicPartition, Long> committed = revoke(p, all);
            Map<TopicPartition, Long> mine = new HashMap<>(committed);
            mine.remove(O0);
            assign(p, mine); // orders-0 to B
            pass(p, awayS);
            Map<TopicPartition, Long> back = revoke(p, List.of(TX0, HB0));
            back.put(O0, committed.get(O0)); // B committed nothing of orders-0
            assign(p, back);
            String holds = "holds once orders-0 is back: " + p.pipeline().ends.holds();
            read(p, 12 - awayS, now -> now - t1, under);
            p.process(List.of(data("orders", 0, 102, t1, "50:1", 2)));
            read(p, 2, now -> 0, under);
            return under.isEmpty() ? "" : under.size() + " reads under the truth (read/truth): " + under + "; " + holds;
        }
    }

    /**
     * Expected: no read under the truth once orders-0 is back. Actual (2026-11-28, main 0688a5d): see the
     * {@code @Disabled} text. Suspected cause: {@code TransactionEnds.assigned} releases, uncounted and for good, every
     * hold whose topic has no partition here at the assignment that follows a revoke ({@code verdict}: since
     * ELSEWHERE, no revoke pending → RELEASE); when the topic comes back in a later rebalance nothing restores it,
     * and T's change 2, committed and never applied by anyone, is read by no member (B never saw T's END; it never
     * saw change 2 either). A rolling restart of another member (join, then leave within the time a change is in
     * transit) is enough.
     */
    @Test
    void finding1_aTableMovedAwayAndBackBeforeItsChangeArrivedIsHeldAgain() {
        assertThat(awayAndBack(5)).isEmpty();
    }

    /**
     * Finding 1 in the brief's "revoke/assign/revoke before the next poll" shape: B joins and leaves in two
     * rebalances back to back (no poll, no record, in between): orders-0 was B's for no time at all, yet the first
     * assignment released T's hold. Same cause.
     */
    @Test
    void finding1b_twoRebalancesBackToBackBeforeAPollKeepTheHold() {
        assertThat(awayAndBack(0)).isEmpty();
    }

    /**
     * Held: an eager rebalance twice in a row (revoke all / assign the same / revoke all / assign the same, before
     * the next poll), 100 ms after T's {@code END} was written and before it was fetched (finding 7b's shape,
     * doubled). The partitions never left: T's hold stays through both, the {@code END} keeps its live status (each
     * partition keeps its first assignment time), so the caught-up rule does not take it for a redelivery. Truth:
     * now − t1 until change 2 arrives (10 s later).
     */
    @Test
    void twoEagerRebalancesInARowKeepTheHoldAndTheEndLive() {
        List<TopicPartition> all = List.of(O0, TX0, HB0);
        try (CdcEventProcessor p = groupProcessor(all)) {
            settle(p);
            clock.advance(Duration.ofSeconds(1));
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 0, 101, t1, "50:1", 1)));
            CdcRecord end = end("50:1", t1, Map.of("public.orders", 2));
            clock.advance(Duration.ofMillis(100));
            assign(p, revoke(p, all));
            clock.advance(Duration.ofMillis(50));
            assign(p, revoke(p, all));
            clock.advance(Duration.ofMillis(150));
            p.process(List.of(end));
            List<String> under = new ArrayList<>();
            for (int s = 0; s < 10; s++) {
                caughtUp(p, O0);
                read(p, 1, now -> now - t1, under);
            }
            p.process(List.of(data("orders", 0, 102, t1, "50:1", 2)));
            read(p, 2, now -> 0, under);
            assertThat(under).as("read/truth").isEmpty();
            assertThat(evicted(TransactionEnds.UNSEEN)).isZero();
        }
    }

    /**
     * Held: with the cooperative protocol, orders-1 is revoked, an assignment adds nothing, and orders-1 is revoked
     * again in the next rebalance callback before a poll (a revoke of a partition no longer here): T's change 2 is on
     * orders-0, still here. The hold stays; truth now − t1 until change 2 arrives.
     */
    @Test
    void aCooperativeRevokeRepeatedBeforeAPollKeepsTheHoldOfThePartitionStillHere() {
        List<TopicPartition> all = List.of(O0, O1, TX0, HB0);
        try (CdcEventProcessor p = groupProcessor(all)) {
            settle(p);
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 1, 101, t1, "50:1", 1), end("50:1", t1, Map.of("public.orders", 2))));
            List<String> under = new ArrayList<>();
            read(p, 2, now -> now - t1, under);
            revoke(p, List.of(O1));
            assign(p, Map.of());
            revoke(p, List.of(O1));
            assign(p, Map.of());
            read(p, 10, now -> now - t1, under);
            p.process(List.of(data("orders", 0, 102, t1, "50:1", 2)));
            read(p, 2, now -> 0, under);
            assertThat(under).as("read/truth").isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Lost partitions

    /**
     * T (commit t1) changes orders 3 times on partition 0: change 1 and T's END arrive, change 2 is broken (dead-
     * lettered, naming T), change 3 is 14 s late. Then the member is dropped from the group (partitions lost: nothing
     * committed since before change 1) and rejoins with the same partitions: change 1, the dead letter and the END are
     * redelivered from the committed offsets. Truth: now − t1 until change 3 arrives (seen 1 + dead 1 of 3: the
     * hold must keep trailing; counting the redelivered dead letter again would make 3 of 3 and give it up after
     * the stall timeout).
     */
    @Test
    void aLostPartitionsRedeliveredDeadLetterAndChangeCountOnce() {
        List<TopicPartition> all = List.of(O0, TX0, HB0);
        try (CdcEventProcessor p = groupProcessor(all)) {
            settle(p);
            Map<TopicPartition, Long> committed = committedOf(p, all);
            long t1 = clock.millis() - 100;
            long c1 = offsets.incrementAndGet();
            long endOffset = offsets.incrementAndGet();
            long bad = offsets.incrementAndGet();
            Map<String, Integer> counts = Map.of("public.orders", 3);
            CdcRecord change1 = dataAt(0, c1, 301, t1, "90:1", 1);
            CdcRecord endRecord = endAt(endOffset, "90:1", t1, counts);
            p.process(List.of(change1, endRecord));
            clock.advance(Duration.ofMillis(200));
            CdcRecord broken = brokenAt(0, bad, 302, t1, "90:1", 2);
            p.process(List.of(broken));
            assertThat(p.deadLettered()).isEqualTo(1);
            List<String> under = new ArrayList<>();
            read(p, 2, now -> now - t1, under);
            lose(p, all);
            assign(p, committed, Map.of(O0, bad + 1, TX0, endOffset + 1));
            p.process(List.of(endRecord)); // the same records: their Kafka timestamps are from before the loss
            p.process(List.of(change1, broken));
            for (int s = 0; s < 10; s++) {
                caughtUp(p, O0);
                caughtUp(p, TX0);
                read(p, 1, now -> now - t1, under);
            }
            assertThat(evicted(TransactionEnds.UNSEEN)).as("given up while trailing").isZero();
            p.process(List.of(data("orders", 0, 303, t1, "90:1", 3)));
            read(p, 2, now -> 0, under);
            assertThat(under).as("read/truth").isEmpty();
        }
    }

    /**
     * A very long transaction across a lost partition: T (commit t1) changes orders 8 times on partition 0; changes
     * 1-4 and T's END arrive, the member is dropped (nothing committed since before change 1) and rejoins with the
     * same partitions: changes 1-4 redelivered, then 5-7 arrive, change 8 is 12 s late. Truth: now − t1 until change
     * 8 arrives (4 redeliveries must not count as changes 5-8).
     */
    @Test
    void aLongTransactionAcrossALostPartitionCountsItsRedeliveriesOnce() {
        List<TopicPartition> all = List.of(O0, TX0, HB0);
        try (CdcEventProcessor p = groupProcessor(all)) {
            settle(p);
            Map<TopicPartition, Long> committed = committedOf(p, all);
            long t1 = clock.millis() - 100;
            long[] at = new long[5];
            List<CdcRecord> first = new ArrayList<>();
            for (int i = 1; i <= 4; i++) {
                at[i] = offsets.incrementAndGet();
                first.add(dataAt(0, at[i], 400 + i, t1, "91:1", i));
            }
            p.process(first);
            p.process(List.of(end("91:1", t1, Map.of("public.orders", 8))));
            List<String> under = new ArrayList<>();
            read(p, 2, now -> now - t1, under);
            lose(p, all);
            assign(p, committed, Map.of(O0, at[4] + 1));
            p.process(first); // redelivered: the same records

            for (int i = 5; i <= 7; i++) {
                p.process(List.of(data("orders", 0, 400 + i, t1, "91:1", i)));
            }
            for (int s = 0; s < 12; s++) {
                caughtUp(p, O0);
                read(p, 1, now -> now - t1, under);
            }
            p.process(List.of(data("orders", 0, 408, t1, "91:1", 8)));
            read(p, 2, now -> 0, under);
            assertThat(under).as("read/truth").isEmpty();
        }
    }

    /**
     * The bound under a flapping member. Two members share orders (finding 9 of attack 10, now a documented cause of
     * the give-up): T (commit t1) inserts two rows, change 1 on orders-0 here, change 2 on orders-1, B's, applied
     * there at once. Truth here: 0 once change 1 is applied. This member is slow (an applier pause past
     * {@code max.poll.interval.ms}, a GC pause past the session timeout): dropped from the group every 30 s and
     * given the same partitions back at once. Nothing of T arrives after change 1 and its END. The documented bound:
     * given up 10 stall timeouts (40 s) after the hold's own last arrival, counted once. Reads every second for 130 s
     * (each lost re-assignment stamps the topic's assignment time anew, from which the trailing give-up counts).
     * Expected: from 41 s after T's END on, lag(orders) at most 1 s (the truth, 0, plus a read's granularity), and T
     * counted {@code unseen} once. Actual: see the {@code @Disabled} text. Suspected cause: the trailing give-up counts
     * from {@code max(lastArrivalNanos, Owner.since(topic))} ({@code TransactionEnds.verdict}), and
     * {@code ChangePipeline.lost} makes the given-back partitions count as newly assigned (attack 10 fixes, by design
     * for the redelivery check), so every loss re-arms the 40 s: the documented bound ("10 stall timeouts after the
     * last of its changes (or its END, or its topic's assignment) arrived") has no upper limit while a member flaps
     * at a period under 40 s (a {@code session.timeout.ms} of 10-30 s and a recurring pause), and one loss at 39 s
     * stretches a single over-read to ~79 s. The re-assignment brings nothing of T: it is evidence of nothing.
     */
    @Disabled("finding 2: a member dropped and re-admitted every 30 s never gives a hold up: lag(orders) 42.1 ..."
            + " 130.1 s at a truth of 0 (89 reads past the 40 s bound), 0 evictions. cdc-fix18: the hold part fixed"
            + " (given up 41 s after T's END, T counted once: CdcAttack11FixesTest); left: 3 reads of 1.05 s at a truth"
            + " of 0, each the first read after a lost re-assignment: main's rebalance rule (cdc-fix17: a partition"
            + " with no confirmation proven since its assignment is not current), a documented over-read this 1 s"
            + " tolerance predates")
    @Test
    void finding2_aFlappingMemberStillGivesAHoldUpWithinTheBound() {
        List<TopicPartition> mine = List.of(O0, TX0, HB0);
        try (CdcEventProcessor p = groupProcessor(mine)) {
            settle(p);
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 0, 101, t1, "50:1", 1), end("50:1", t1, Map.of("public.orders", 2))));
            long arrived = clock.millis();
            List<String> over = new ArrayList<>();
            for (int s = 1; s <= 130; s++) {
                if (s % 30 == 0) {
                    Map<TopicPartition, Long> committed = committedOf(p, mine);
                    lose(p, mine);
                    assign(p, committed);
                }
                clock.advance(Duration.ofSeconds(1));
                if (clock.millis() / 1000 % 2 == 0) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                caughtUp(p, O0);
                double read = lag("orders");
                if (clock.millis() - arrived > TRAILING_BOUND.toMillis() + 1_000 && read > 1) {
                    over.add(String.format("%.1f/0", read));
                }
            }
            assertThat(over).as("read/truth past the bound; evicted unseen " + evicted(TransactionEnds.UNSEEN))
                    .isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // An END delivered twice

    /**
     * T (commit t1) inserts two orders rows; change 1 and T's END arrive, change 2 arrives 6 s later: T complete, its
     * hold released. Then the transaction topic's partition is lost and given back (nothing committed since before
     * the END): T's END is redelivered, now after both its changes. Truth: 0 after change 2. The redelivered END
     * must not hold orders again (both changes are remembered as seen), nor count an eviction.
     */
    @Test
    void anEndRedeliveredAfterItsTransactionCompletedHoldsNothing() {
        List<TopicPartition> all = List.of(O0, TX0, HB0);
        try (CdcEventProcessor p = groupProcessor(all)) {
            settle(p);
            Map<TopicPartition, Long> committed = committedOf(p, List.of(TX0));
            long t1 = clock.millis() - 100;
            long endOffset = offsets.incrementAndGet();
            Map<String, Integer> counts = Map.of("public.orders", 2);
            CdcRecord endRecord = endAt(endOffset, "50:1", t1, counts);
            p.process(List.of(data("orders", 0, 101, t1, "50:1", 1), endRecord));
            List<String> under = new ArrayList<>();
            read(p, 6, now -> now - t1, under);
            p.process(List.of(data("orders", 0, 102, t1, "50:1", 2)));
            lose(p, List.of(TX0));
            assign(p, committed, Map.of(TX0, endOffset + 1));
            p.process(List.of(endRecord)); // the same record, written before the re-assignment
            assertThat(p.pipeline().ends.holds()).as("holds after the redelivered END").isZero();
            List<String> over = new ArrayList<>();
            for (int s = 0; s < 10; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat(clock.millis() - 50)));
                if (lag("orders") > 1.0) {
                    over.add(String.format("%.1f/0", lag("orders")));
                }
            }
            assertThat(under).as("read/truth before change 2").isEmpty();
            assertThat(over).as("read/truth after the redelivered END").isEmpty();
            assertThat(evicted(TransactionEnds.UNSEEN)).isZero();
        }
    }

    /**
     * T's rows split between two members (change 1 here on orders-0, change 2 on B's orders-1, applied there): truth
     * here 0 after change 1. T's hold is given up at the bound (40 s after its END, counted once). 45 s after the
     * END, the transaction topic's partition is lost and given back (its commits had failed: nothing committed since
     * before the END), and T's END is redelivered. Expected: the redelivered END does not hold orders for another
     * 40 s (it is the same END, not a new arrival of T; and written before the re-assignment, the caught-up rule may
     * release it), and T stays counted once. Observed: the redelivered END opens a hold again, read right after it
     * at T's full age (45.1 s at truth 0) until the lag probe's caught-up read a lag-refresh interval later releases
     * it (the caught-up rule's documented grace); the reads 1 s apart never see it.
     */
    @Test
    void anEndRedeliveredAfterItsGiveUpIsNotHeldAnotherBoundNorCountedAgain() {
        List<TopicPartition> mine = List.of(O0, TX0, HB0);
        try (CdcEventProcessor p = groupProcessor(mine)) {
            settle(p);
            Map<TopicPartition, Long> committed = committedOf(p, List.of(TX0));
            long t1 = clock.millis() - 100;
            long endOffset = offsets.incrementAndGet();
            Map<String, Integer> counts = Map.of("public.orders", 2);
            CdcRecord endRecord = endAt(endOffset, "50:1", t1, counts);
            p.process(List.of(data("orders", 0, 101, t1, "50:1", 1), endRecord));
            for (int s = 0; s < 45; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat(clock.millis() - 50)));
                caughtUp(p, O0);
            }
            assertThat(p.pipeline().ends.holds()).as("given up at the bound").isZero();
            assertThat(evicted(TransactionEnds.UNSEEN)).isEqualTo(1);
            lose(p, List.of(TX0));
            assign(p, committed, Map.of(TX0, endOffset + 1));
            p.process(List.of(endRecord)); // the same record, written before the re-assignment
            List<String> over = new ArrayList<>();
            for (int s = 0; s < 45; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat(clock.millis() - 50)));
                caughtUp(p, O0);
                caughtUp(p, TX0);
                if (lag("orders") > 1.0) {
                    over.add(String.format("%.1f/0", lag("orders")));
                }
            }
            assertThat(over).as("read/truth after the redelivered END").isEmpty();
            assertThat(evicted(TransactionEnds.UNSEEN)).as("T counted once").isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Names colliding across schemas, before the connector's first END named a table

    /** A create of {@code shop}'s {@code <schema>.<table>} in {@code txId} at {@code order} (null: none). */
    CdcRecord dataIn(String schema, String table, int id, long commitMs, String txId, int order) {
        String json = "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":"
                + commitMs + ",\"ts_us\":" + commitMs * 1000 + ",\"schema\":\"" + schema + "\",\"table\":\"" + table
                + "\"},\"op\":\"c\",\"ts_ms\":" + commitMs + (txId == null ? "" : ",\"transaction\":{\"id\":\""
                + txId + "\",\"total_order\":" + order + ",\"data_collection_order\":" + order + "}") + "}";
        return CdcRecord.of("shop." + schema + "." + table, 0, offsets.incrementAndGet(), clock.millis(),
                ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Attack 10 finding 8b's shape in the connector's first transaction after a (re)start of the processor, before
     * any of its {@code END}s named a table: PostgreSQL tables {@code "my"."orders"} and {@code "public"."my.orders"}.
     * The processor starts (fresh state), reads a heartbeat and a change without transaction metadata (lag 0), then T
     * (commit t1): its {@code my.orders} row arrives, its {@code END} (1 row of each table) arrives, its
     * {@code public."my.orders"} row is 12 s late. Truth (overall): now − t1 until that row arrives.
     * Suspected cause: {@code TransactionEnds.end} marks the connector exact ({@code exactConnectors}) when this very
     * {@code END} names {@code my.orders}, but the {@code my.orders} row was counted before that, not exact
     * ({@code TableSeen.exact} false), so {@code Seen.count} still sums it for {@code public.my.orders} by the last
     * parts: the {@code END} finds its row "seen" and holds nothing.
     */
    @Test
    void finding3_theFirstTransactionAfterAStartDoesNotCountAnotherSchemasTableForTheDottedOne() {
        try (CdcEventProcessor p = processor()) {
            p.process(List.of(heartbeat(clock.millis()), dataIn("public", "customers", 1, clock.millis() - 100,
                    null, 0)));
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(heartbeat(clock.millis() - 50)));
            assertThat(overall()).as("settled").isLessThan(0.2);
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
                if (overall() < truth - 0.001) {
                    under.add(String.format("%.1f/%.1f", overall(), truth));
                }
            }
            assertThat(under).as("read/truth").isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A dead letter sent again by the connector

    /**
     * T (commit t1) changes orders 3 times: changes 1 and 2 keyed to partition 0, change 3 to partition 1. Change 1
     * and T's END arrive; change 2 is broken (an unknown op; its transaction block names T) and dead-lettered. The
     * Connect task then restarts before its source offset was flushed and sends T's changes 1 and 2 again (Debezium
     * is at-least-once: the same changes, same {@code total_order}s, at new Kafka offsets): change 1 is a duplicate
     * (not counted again, by its order), change 2 is dead-lettered again. Change 3 is in a slow batch for partition 1
     * and arrives 14 s after T. Truth: change 3, committed at t1, is not applied until it arrives: now − t1 until
     * then (change 2 is in the dead-letter topic, not waited for).
     * Expected: no read under the truth. Suspected cause: {@code TransactionEnds.deadLettered} counts dead letters
     * per record (the redelivery check is by offset, {@code ChangePipeline.begin}'s {@code seenThrough}), not per
     * change: the re-sent change 2 makes seen 1 + dead 2 = 3 of 3, the hold stops trailing and is given up after the
     * stall timeout (4 s) while change 3 is on its way. Changes are deduplicated by {@code total_order}
     * ({@link TransactionEnds.Orders}); the dead letter's order is not read.
     */
    @Test
    void finding4_aDeadLetterReSentByTheConnectorAccountsForOneChangeOnly() {
        assertThat(reSent(true)).isEmpty();
    }

    /**
     * Finding 4's control: the task re-sends change 1 only (change 2's dead letter was not re-sent): seen 1 + dead 1
     * of 3, the hold keeps trailing: no read under the truth.
     */
    @Test
    void aChangeReSentByTheConnectorCountsOnce() {
        assertThat(reSent(false)).isEmpty();
    }

    private List<String> reSent(boolean deadLetterToo) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(data("orders", 0, 301, t1, "90:1", 1), end("90:1", t1, Map.of("public.orders", 3))));
            clock.advance(Duration.ofMillis(200));
            p.process(List.of(brokenAt(0, offsets.incrementAndGet(), 302, t1, "90:1", 2)));
            clock.advance(Duration.ofMillis(1_000));
            // the task restarted: changes 1 and 2 sent again, at new offsets
            p.process(deadLetterToo ? List.of(data("orders", 0, 301, t1, "90:1", 1),
                    brokenAt(0, offsets.incrementAndGet(), 302, t1, "90:1", 2))
                    : List.of(data("orders", 0, 301, t1, "90:1", 1)));
            assertThat(p.deadLettered()).isEqualTo(deadLetterToo ? 2 : 1);
            List<String> under = new ArrayList<>();
            long arrives = t1 + 14_000;
            while (clock.millis() + 500 < arrives) {
                clock.advance(Duration.ofMillis(500));
                if (clock.millis() % 2_000 < 500) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                double truth = (clock.millis() - t1) / 1e3;
                double read = Math.min(lag("orders"), overall());
                if (read < truth - 0.001) {
                    under.add(String.format("%.1f/%.1f", read, truth));
                }
            }
            p.process(List.of(data("orders", 1, 303, t1, "90:1", 3)));
            if (!under.isEmpty()) {
                under.add("evicted unseen " + evicted(TransactionEnds.UNSEEN));
            }
            return under;
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A live END after a lost partition came back

    /**
     * A one-member group (or any member whose partitions nobody else took meanwhile). The member is dropped at X (a
     * session timeout: an applier pause) and rejoins 2 s later with the same partitions. Between, T (commit t1 =
     * X + 0.5 s) inserts two orders rows on partition 0: change 1 and T's END reach the broker (END written at
     * X + 0.6 s), change 2 is in the connector's producer (a retried batch, arrives 10 s after the rejoin). Nobody
     * read the partitions during the gap (the member was the only one; its committed offsets are those before the
     * gap, nothing of T is behind them). The lag probe reads the partitions caught up every second. Truth: now − t1
     * until change 2 arrives.
     * Expected: no read under the truth. Suspected cause: after {@code ChangePipeline.lost} the partitions count as
     * newly assigned (by design: another member may have read them), so T's END, written before the re-assignment,
     * is taken for a redelivery ({@code writtenBeforeAssigned}); with change 1 seen and the partitions known, the
     * caught-up rule releases the hold although T's END is past the transaction topic's committed offset at the
     * assignment (nobody committed it: not a redelivery of a processed record) — attack 10 finding 7b's shape
     * through a lost partition; the committed offset at assignment would tell.
     */
    @Test
    void finding5_aLiveEndWrittenWhileTheMemberWasOutIsNotARedelivery() {
        List<TopicPartition> all = List.of(O0, TX0, HB0);
        try (CdcEventProcessor p = groupProcessor(all)) {
            settle(p);
            Map<TopicPartition, Long> committed = committedOf(p, all);
            lose(p, all);
            clock.advance(Duration.ofMillis(500));
            long t1 = clock.millis();
            CdcRecord change1 = data("orders", 0, 101, t1, "50:1", 1);
            clock.advance(Duration.ofMillis(100));
            CdcRecord end = end("50:1", t1, Map.of("public.orders", 2));
            clock.advance(Duration.ofMillis(1_400));
            assign(p, committed, Map.of(O0, change1.offset() + 1, TX0, end.offset() + 1));
            clock.advance(Duration.ofMillis(200));
            p.process(List.of(end));
            p.process(List.of(change1));
            List<String> under = new ArrayList<>();
            for (int s = 0; s < 10; s++) {
                caughtUp(p, O0);
                caughtUp(p, TX0);
                read(p, 1, now -> now - t1, under);
            }
            p.process(List.of(data("orders", 0, 102, t1, "50:1", 2)));
            read(p, 2, now -> 0, under);
            assertThat(under).as("read/truth").isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // close() during a hold

    /**
     * close() while T's hold is open (change 2 on its way): nothing is given up nor counted by the close (the next
     * owner reads T), no exception reaches the host, and a gauge read after the close does not throw.
     */
    @Test
    void closeDuringAHoldCountsNothingAndThrowsNothing() {
        CdcEventProcessor p = groupProcessor(List.of(O0, TX0, HB0));
        settle(p);
        long t1 = clock.millis() - 100;
        p.process(List.of(data("orders", 0, 101, t1, "50:1", 1), end("50:1", t1, Map.of("public.orders", 2))));
        clock.advance(Duration.ofSeconds(3));
        assertThat(lag("orders")).isGreaterThanOrEqualTo(3.0);
        p.close();
        clock.advance(Duration.ofSeconds(60));
        double after = Double.NaN;
        try {
            after = overall();
        } catch (io.micrometer.core.instrument.search.MeterNotFoundException e) {
            // removed at close: fine
        }
        assertThat(evicted(TransactionEnds.UNSEEN) + evicted(TransactionEnds.CAPACITY)).as("counted at close")
                .isZero();
        assertThat(after).as("overall after close (NaN: removed)").satisfiesAnyOf(
                v -> assertThat(v).isNaN(), v -> assertThat(v).isGreaterThanOrEqualTo(0.0));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // cdc_transactions_evicted_total: one transaction, one count

    /** {@code cdc_transactions_evicted_total} over every reason and source. */
    double evictedAll() {
        return registry.find("cdc.transactions.evicted").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /**
     * T (commit t1) changes orders 3 times on partition 0: change 1 and T's END arrive, change 2 is broken (dead-
     * lettered, naming T), change 3 never arrives here (it went to a partition another member applies, or a Filter
     * dropped it). T is one transaction given up before all its events were applied. Its {@code END} hold (seen 1 +
     * dead 1 of 3: trailing) is given up at the bound. Expected: {@code cdc_transactions_evicted_total} +1 for T
     * (docs/cdc.md: "transactions given up before all their events were applied"; the attack 10 fixes: "counted
     * once per transaction"). Suspected cause: two counters of the same meter count T independently:
     * {@code TransactionTracker.deadLettered} evicts it {@code dead_lettered} at the dead letter, and
     * {@code TransactionEnds} counts its give-up {@code unseen} 40 s later ({@code countedGiveUps} dedupes only
     * within {@code TransactionEnds}).
     */
    @Test
    void finding6_aTransactionDeadLetteredAndGivenUpIsCountedOnce() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 0, 301, t1, "90:1", 1), end("90:1", t1, Map.of("public.orders", 3))));
            clock.advance(Duration.ofMillis(200));
            p.process(List.of(brokenAt(0, offsets.incrementAndGet(), 302, t1, "90:1", 2)));
            for (int s = 0; s < 45; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat(clock.millis() - 50)));
            }
            assertThat(p.pipeline().ends.holds()).as("given up").isZero();
            assertThat(evictedAll()).as("evictions of T: dead_lettered "
                    + evicted(TransactionTracker.DEAD_LETTERED) + ", unseen " + evicted(TransactionEnds.UNSEEN))
                    .isEqualTo(1);
        }
    }

    /**
     * Finding 6 without a dead letter, the ordinary give-up: T (commit t1) inserts two orders rows; change 1 is
     * applied and T's END arrives; change 2 never arrives here (another member's partition, a Filter). The table
     * keeps streaming other transactions (one every 10 s, each complete). T's hold is given up at the bound
     * ({@code unseen}, +1). Expected after 7 minutes: T counted once. Suspected cause: {@code TransactionTracker}
     * still holds T open (1 of 2 events applied) and evicts it {@code expired} after its timeout (10 stall timeouts,
     * at least 5 minutes): every {@code unseen} give-up of a transaction with an applied change is counted a second
     * time 5 minutes later, under another reason.
     */
    @Test
    void finding6b_aTransactionGivenUpUnseenIsNotCountedAgainWhenItExpires() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 0, 301, t1, "90:1", 1), end("90:1", t1, Map.of("public.orders", 2))));
            for (int s = 1; s <= 420; s++) {
                clock.advance(Duration.ofSeconds(1));
                List<CdcRecord> batch = new ArrayList<>();
                if (s % 10 == 0) {
                    String id = (1000 + s) + ":1";
                    batch.add(data("orders", 0, 1000 + s, clock.millis() - 50, id, 1));
                    batch.add(end(id, clock.millis() - 50, Map.of("public.orders", 1)));
                }
                batch.add(heartbeat(clock.millis() - 50));
                p.process(batch);
            }
            assertThat(p.pipeline().ends.holds()).as("given up").isZero();
            assertThat(evictedAll()).as("evictions of T: unseen " + evicted(TransactionEnds.UNSEEN) + ", expired "
                    + evicted(TransactionTracker.EXPIRED)).isEqualTo(1);
        }
    }

    /**
     * An eager rebalance giving every partition back (attack 10 finding 1's shape) in the middle of T: T (commit t1)
     * inserts two orders rows on partition 0; change 1 is applied and T's END arrives, then the rebalance (nothing
     * moved), then change 2 arrives and is applied here. T was applied, whole, by this member. Expected: no eviction,
     * one {@code cdc_transaction_apply_lag_seconds} sample. Suspected cause: {@code ChangePipeline.revoked} calls
     * {@code TransactionTracker.revoked} at the revoke, before the assignment that follows is known (the
     * {@code END} holds wait for it since the attack 10 fixes, the tracker does not): T, touching orders-0, is
     * evicted {@code rebalance} and remembered as finished, so change 2 is ignored and T's apply lag is never
     * recorded. docs/cdc.md states the rule ("open transactions that touched a revoked partition ... are evicted
     * rebalance"); with the eager protocol it counts every open transaction at every rebalance.
     */
    @Test
    void finding7_anEagerRebalanceGivingThePartitionsBackDoesNotEvictAnOpenTransaction() {
        List<TopicPartition> all = List.of(O0, TX0, HB0);
        try (CdcEventProcessor p = groupProcessor(all)) {
            settle(p);
            long before = registry.find("cdc.transaction.apply.lag").timers().stream().mapToLong(t -> t.count()).sum();
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 0, 101, t1, "50:1", 1), end("50:1", t1, Map.of("public.orders", 2))));
            clock.advance(Duration.ofSeconds(1));
            assign(p, revoke(p, all));
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(data("orders", 0, 102, t1, "50:1", 2)));
            long samples = registry.find("cdc.transaction.apply.lag").timers().stream().mapToLong(t -> t.count())
                    .sum() - before;
            assertThat(evictedAll()).as("evicted rebalance " + evicted(TransactionTracker.REBALANCE)
                    + ", apply-lag samples of T " + samples).isZero();
            assertThat(samples).as("apply-lag samples of T").isEqualTo(1);
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The bound judged from the hold's own last arrival: a transaction still streaming another table

    /**
     * A large transaction whose {@code END} overtook its data (the trailing case of docs/cdc.md): T (commit t1)
     * inserts 60 customers rows then 1 orders row ({@code total_order} 61). T's END arrives first; the customers rows
     * arrive one per second for 60 s (the connector's producer drains the backlog), then the orders row. Truth for
     * orders: its row, committed at t1, is not applied until it arrives: lag(orders) ≥ now − t1 until then.
     * Expected: no read of lag(orders) under the truth (T's changes keep arriving: the hold's transaction is not
     * silent). Suspected cause: the trailing give-up counts from the hold's own last arrival
     * ({@code Hold.lastArrivalNanos}: changes of its table only, the attack 10 fixes' "judged from the hold's own
     * last arrival"), so the orders hold is given up 40 s after the END while T's customers rows are still arriving
     * every second, and counted {@code unseen} although nothing of T went missing.
     */
    @Test
    void finding8_aHoldIsNotGivenUpWhileItsTransactionStillStreamsAnotherTable() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis() - 100;
            p.process(List.of(end("60:1", t1, Map.of("public.customers", 60, "public.orders", 1))));
            List<String> under = new ArrayList<>();
            for (int i = 1; i <= 60; i++) {
                clock.advance(Duration.ofSeconds(1));
                List<CdcRecord> batch = new ArrayList<>();
                batch.add(data("customers", 0, i, t1, "60:1", i));
                if (clock.millis() / 1000 % 2 == 0) {
                    batch.add(heartbeat(clock.millis() - 50));
                }
                p.process(batch);
                double truth = (clock.millis() - t1) / 1e3;
                if (lag("orders") < truth - 0.001) {
                    under.add(String.format("%.1f/%.1f", lag("orders"), truth));
                }
            }
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(data("orders", 0, 1001, t1, "60:1", 61)));
            assertThat(under).as("read/truth; evicted unseen " + evicted(TransactionEnds.UNSEEN)).isEmpty();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A revoke during an apply in flight (the poll loop itself, kafka-clients' MockConsumer)

    /** A record of {@code topic}-0 at {@code offset} with its broker CreateTime now (the processor's clock here). */
    private static org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]> written(String topic, long offset,
                                                                                          byte[] value) {
        return new org.apache.kafka.clients.consumer.ConsumerRecord<>(topic, 0, offset, System.currentTimeMillis(),
                org.apache.kafka.common.record.TimestampType.CREATE_TIME, 0, value.length, null, value,
                new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
    }

    /**
     * The poll loop with an apply in flight (kafka-clients' {@code MockConsumer}, the processor's own loop, system
     * clock): T (commit t1 = 2 s ago, 2 orders rows) — change 1 (orders-0 @1) and T's END (transaction topic @0), both
     * written after the assignment (live), are polled; the applier holds change 1's batch on the apply thread;
     * meanwhile, inside the next poll, the group rebalances: {@code MockConsumer.rebalance(List.of())} (every
     * partition revoked, none assigned: B took them) then {@code rebalance(all)} (all back: B left) — finding 1b's
     * shape through the real callbacks; change 2 is still on its way. Ground truth: what the applier received, what
     * the consumer was asked to commit. (Poll 1 brings an earlier change the lag probe's first refresh finishes, so
     * that poll 2's batch is the one in flight at the rebalance; a lag refresh finishes the batch in hand first.)
     */
    private String applyInFlightRun(boolean judgeHold) throws Exception {
        TopicPartition tp = O0;
        TopicPartition txp = TX0;
        List<Long> applied = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicLong committedAtRevoke = new java.util.concurrent.atomic.AtomicLong(-2);
        java.util.concurrent.atomic.AtomicInteger holdsBefore = new java.util.concurrent.atomic.AtomicInteger(-1);
        java.util.concurrent.atomic.AtomicBoolean returned = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean inFlightAtRevoke = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicInteger holdsAfter = new java.util.concurrent.atomic.AtomicInteger(-1);
        java.util.concurrent.atomic.AtomicReference<String> readAfter = new java.util.concurrent.atomic.AtomicReference<>();
        long t1 = System.currentTimeMillis() - 2_000;
        java.util.concurrent.atomic.AtomicLong lastCommitted = new java.util.concurrent.atomic.AtomicLong(-1);
        // MockConsumer.rebalance clears its committed offsets: what was committed is recorded here
        org.apache.kafka.clients.consumer.MockConsumer<byte[], byte[]> recording =
                new org.apache.kafka.clients.consumer.MockConsumer<>("earliest") {
                    @Override
                    public synchronized void commitSync(
                            Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> offsets,
                            Duration timeout) {
                        super.commitSync(offsets, timeout);
                        if (offsets.containsKey(tp)) {
                            lastCommitted.set(offsets.get(tp).offset());
                        }
                    }
                };
        try (MockKafka kafka = new MockKafka(recording, new org.apache.kafka.clients.consumer.MockConsumer<>("earliest"))) {
            org.apache.kafka.clients.consumer.MockConsumer<byte[], byte[]> consumer = kafka.consumer;
            consumer.schedulePollTask(() -> {
                consumer.rebalance(List.of(tp, txp));
                consumer.updateBeginningOffsets(Map.of(tp, 0L, txp, 0L));
                consumer.updateEndOffsets(Map.of(tp, 1L, txp, 0L));
                kafka.peek.updateEndOffsets(Map.of(tp, 1L, txp, 0L));
                // poll 1: an earlier change without a transaction (the lag probe's first refresh finishes it)
                consumer.addRecord(written(ORDERS, 0, change("orders", 100, t1 - 1_000, null, 0)
                        .getBytes(StandardCharsets.UTF_8)));
            });
            consumer.schedulePollTask(() -> {
                // poll 2: T's change 1 and END, written after the assignment (their CreateTime): a live END
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                consumer.updateEndOffsets(Map.of(tp, 2L, txp, 1L));
                kafka.peek.updateEndOffsets(Map.of(tp, 2L, txp, 1L));
                consumer.addRecord(written(TX, 0, end("50:1", t1, Map.of("public.orders", 2)).value()));
                consumer.addRecord(written(ORDERS, 1, change("orders", 101, t1, "50:1", 1)
                        .getBytes(StandardCharsets.UTF_8)));
            });
            consumer.schedulePollTask(() -> {
                holdsBefore.set(kafka.processor().pipeline().ends.holds());
                inFlightAtRevoke.set(!returned.get()); // submitted to the apply thread, not returned
                consumer.rebalance(List.of()); // revoke all, assign none: waits for the apply in flight
                committedAtRevoke.set(lastCommitted.get());
                consumer.rebalance(List.of(tp, txp)); // all back
                consumer.seek(tp, 2);
                consumer.seek(txp, 1);
                holdsAfter.set(kafka.processor().pipeline().ends.holds());
                double truth = (System.currentTimeMillis() - t1) / 1e3;
                double read = registry.get("cdc.replication.lag.overall").gauge().value();
                readAfter.set(String.format("%.1f/%.1f", read, truth));
            });
            kafka.start(CdcEventProcessor.builder().meterRegistry(registry).topics(ORDERS, TX)
                    .applier(batch -> {
                        batch.forEach(e -> applied.add(e.record().offset()));
                        if (batch.stream().anyMatch(e -> e.record().offset() == 1)) {
                            entered.countDown();
                            release.await(30, java.util.concurrent.TimeUnit.SECONDS);
                            returned.set(true);
                        }
                    })
                    .pollTimeout(Duration.ofMillis(20)).retryBackoff(Duration.ofMillis(1))
                    .lagRefreshInterval(Duration.ofHours(1)));
            assertThat(entered.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("apply in flight").isTrue();
            Thread.sleep(300); // the poll thread reaches the rebalance and waits in onPartitionsRevoked
            assertThat(committedAtRevoke.get()).as("the revoke waits for the apply in flight").isEqualTo(-2);
            release.countDown();
            Await.until(Duration.ofSeconds(30), "the rebalances done", () -> holdsAfter.get() >= 0);
            assertThat(inFlightAtRevoke.get()).as("the revoke began with change 1's apply in flight").isTrue();
            assertThat(committedAtRevoke.get()).as("committed in the revoke, after the apply returned").isEqualTo(2);
            assertThat(holdsBefore.get()).as("T's hold before the rebalance").isEqualTo(1);
            String hold = "holds after the rebalances " + holdsAfter.get() + ", overall read/truth " + readAfter.get();
            assertThat(applied).as("offsets applied (change 1 once)").containsExactly(0L, 1L);
            return judgeHold && holdsAfter.get() != 1 ? hold : "";
        }
    }

    /**
     * Held: a revoke that begins with an apply in flight waits for it and commits the batch before it goes on
     * (orders-0 committed through change 1, offset 2, when the revoke callback returns), and change 1 is applied
     * once.
     */
    @Test
    void aRevokeDuringAnApplyInFlightFinishesAndCommitsTheBatchFirst() throws Exception {
        assertThat(applyInFlightRun(false)).isEmpty();
    }

    /**
     * Finding 1b through the processor's own poll loop and rebalance callbacks: expected T's hold to survive (1 hold)
     * once the partitions are back with change 2 still on its way. Same cause as finding 1. This set-up has no
     * heartbeats (overall reads NaN, unknown), so only the mechanism is judged here; findings 1 and 1b judge the
     * reads against the truth.
     */
    @Test
    void finding1c_theHoldSurvivesARevokeToNoneAndBackThroughThePollLoop() throws Exception {
        assertThat(applyInFlightRun(true)).isEmpty();
    }
}
