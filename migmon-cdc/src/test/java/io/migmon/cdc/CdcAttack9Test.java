package io.migmon.cdc;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongUnaryOperator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attack 9 (issue 11), unit level, on the attack 8 fixes (integ11 at 0564905). {@code process(...)} with a
 * {@link io.migmon.core.testing.MutableClock} (wall) and the monotonic seam of {@link ShopProcessorHarness}; the
 * source side stamps the true time. Ground truth: each change is applied when processed (the applier returns at
 * once) and the test knows every change's commit time, so the truth is now − commit time of the oldest change
 * committed and not applied yet (0 when none). Heartbeats every 2 s on time, stall timeout 4 s (2 × interval).
 * Every finding still open is {@code @Disabled} with its number; what held stays as passing tests. Findings
 * (2026-11-27, integ11 at 0564905): 1 a later change on the fast partition ends a hold whose rest is on a slow one
 * (the documented cost of the Filter fix, quantified); 2 / 2b the table's last change seen ends a hold whose earlier
 * change is on a slow partition (with and without data_collection_order); 3 the forgotten-transactions rule gives up
 * an END whose change is on a partition nothing came on; 4 a given-up hold re-opened at MAX_HOLDS is dropped
 * silently; 5 a data record broken before its transaction block (Debezium writes it last) names none and ends
 * another transaction's trailing hold; 6 a broken END whose key is StringConverter text names none (10 stall
 * timeouts). {@code makeRoom} at MAX_HOLDS held (no under-read). A probe prints the cost per change and per END with
 * 10,000 holds open.
 *
 * <p>Attack 9 fixes (2026-11-28, branch cdc-fix14): all six findings fixed, their tests enabled with their
 * expectations unchanged. Findings 1, 2, 2b, 3 and 5 by one decision (an {@code END} hold ends on positive evidence
 * only, else the bounded, counted give-up of 10 stall timeouts: see {@code TransactionEnds.trails}), finding 4 by
 * {@code makeRoom} on re-open, finding 6 by reading the StringConverter key. The cost probe stays disabled (a probe,
 * not a test); holds are indexed by table ({@code TransactionEnds.HoldIndex}).
 */
class CdcAttack9Test extends ShopProcessorHarness {

    /**
     * Advances the clock 1 s {@code seconds} times, a heartbeat every 2 s, and after each step compares
     * min(lag(orders), overall) with {@code truthMs} (of the clock's millis: the truth in ms); adds each read under
     * the truth to {@code under} as read/truth.
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

    /** A create of {@code public.<table>} in {@code txId} at {@code totalOrder} without data_collection_order. */
    CdcRecord dataWithoutDco(String table, int partition, int id, long commitMs, String txId, int totalOrder) {
        String json = "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":"
                + commitMs + ",\"ts_us\":" + commitMs * 1000 + ",\"schema\":\"public\",\"table\":\"" + table
                + "\"},\"op\":\"c\",\"ts_ms\":" + commitMs + ",\"transaction\":{\"id\":\"" + txId
                + "\",\"total_order\":" + totalOrder + "}}";
        return CdcRecord.of("shop.public." + table, partition, offsets.incrementAndGet(), clock.millis(),
                ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8));
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Hold.passed: a later transaction's change on every partition T's changes came on

    /**
     * T (commit t1) changes orders 4 times: data_collection_order 1 and 3 go to partition 0 (their keys), 2 and 4 to
     * partition 1, whose producer batch is retried: they arrive 20 s late. Changes 1, 3 and T's END arrive; with
     * {@code later}, 0.5 s after T another transaction U (one change of orders, key on partition 0, committed 0.4 s
     * after T, its END) arrives too: live traffic on the fast partition. Truth: now − t1 until changes 2 and 4
     * arrive. Returns the reads under the truth ("" none).
     */
    private String passedOnOnePartitionRun(boolean later) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 0, 101, t1, "50:1", 1), data("orders", 0, 103, t1, "50:1", 3),
                    end("50:1", t1, Map.of("public.orders", 4))));
            clock.advance(Duration.ofMillis(500));
            if (later) {
                p.process(List.of(data("orders", 0, 110, t1 + 400, "51:1", 1),
                        end("51:1", t1 + 400, Map.of("public.orders", 1))));
            }
            List<String> under = new ArrayList<>();
            read(p, 20, now -> now - t1, under);
            p.process(List.of(data("orders", 1, 102, t1, "50:1", 2), data("orders", 1, 104, t1, "50:1", 4)));
            read(p, 2, now -> 0, under);
            return under.isEmpty() ? "" : under.size() + " of 22 reads under the truth (read/truth): " + under
                    + "; health " + verdict(p.healthCheck().check());
        }
    }

    /** Held: nothing later on partition 0: changes 2 and 4 trailing on partition 1 hold orders (the truth). */
    @Test
    void aTransactionSpanningTwoPartitionsWithOneSlowHoldsTheTable() {
        assertThat(passedOnOnePartitionRun(false)).isEmpty();
    }

    /**
     * The same with U's change on partition 0 (committed 0.4 s after T): ordinary live traffic on the partition that
     * is not slow. Expected: no read under the truth (U passed T on partition 0 only; T's changes 2 and 4 are on
     * partition 1, which nothing passed).
     * Actual (2026-11-27, integ11): see the @Disabled text. Suspected cause: {@code TransactionEnds.trails} takes the
     * hold as not trailing once {@code Hold.passed} covers {@code Hold.partitions} (the partitions its SEEN changes
     * came on, {0}); a partition none of its changes came on yet (1) is not in the set, so the hold falls to the
     * stall-timeout give-up (4 s). The decisions entry names this as the cost of the Filter fix ("a change held back
     * on a partition none of T's changes came on is given up after the stall timeout once the others moved on"): the
     * numbers here show what it costs in a common shape (a multi-row transaction over two partitions, one slow).
     */
    @Test
    void finding1_aLaterChangeOnTheFastPartitionDoesNotEndAHoldWhoseRestIsOnTheSlowOne() {
        assertThat(passedOnOnePartitionRun(true)).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // The table's last change seen on one partition, an earlier one of it on a slow partition

    /**
     * T (commit t1) changes orders twice: change 1 (data_collection_order 1, total_order 1) keyed to partition 1, whose
     * producer batch is retried (arrives 20 s late), change 2 (dco 2, total_order 2, T's last) to partition 0; change
     * 2 and T's END arrive. With {@code dco} false the changes carry total_order only (the attack 8 fallback: the
     * table's own highest total_order against the total event_count). Truth: now − t1 until change 1 arrives.
     */
    private String lastSeenFirstBehindRun(boolean dco) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis() - 100;
            p.process(List.of(dco ? data("orders", 0, 202, t1, "52:1", 2) : dataWithoutDco("orders", 0, 202, t1,
                    "52:1", 2), end("52:1", t1, Map.of("public.orders", 2))));
            List<String> under = new ArrayList<>();
            read(p, 20, now -> now - t1, under);
            p.process(List.of(dco ? data("orders", 1, 201, t1, "52:1", 1) : dataWithoutDco("orders", 1, 201, t1,
                    "52:1", 1)));
            read(p, 2, now -> 0, under);
            return under.isEmpty() ? "" : under.size() + " of 22 reads under the truth (read/truth): " + under
                    + "; health " + verdict(p.healthCheck().check());
        }
    }

    /**
     * Expected: no read under the truth. Through {@code process(...)} a live transaction whose earlier change trails
     * on another partition has the same inputs as a restart where change 1 was applied before on partition 1 (attack
     * 8 finding 4's mirror): one of the two must be misread; this pins which one the rules chose and by how much.
     * Suspected cause: {@code TransactionEnds.trails} returns false once the table's last change (dco = event_count,
     * or total_order = the transaction's total without dco) is seen ("every missing one was emitted before it: not on
     * its way") — true per partition, not across partitions; then the 4 s give-up. Attack 8 finding 4 (a gap in
     * the middle) was decided the other way (trail: over-read), so the two rules disagree on the same ambiguity.
     */
    @Test
    void finding2_theTablesLastChangeSeenDoesNotEndAHoldWhoseEarlierChangeIsOnASlowPartition() {
        assertThat(lastSeenFirstBehindRun(true)).isEmpty();
    }

    /** Finding 2 without data_collection_order (the attack 8 fallback: the table's own highest total_order). */
    @Test
    void finding2b_withoutDataCollectionOrderTheSame() {
        assertThat(lastSeenFirstBehindRun(false)).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // forgottenSourceNanos: a nothing-seen END behind many transactions, its change on a slow partition

    /**
     * T (commit t1) inserts one orders row keyed to partition 1, whose producer batch is retried (it arrives 20 s
     * late). {@code n} later transactions (one orders row each, partition 0, committed 1 ms ... after T) arrive on
     * partition 0 (a backlog drained: the consumer fetched the data topic before the transaction topic), then the
     * transaction topic: T's END, then theirs (commit order). Truth: now − t1 until T's change arrives.
     */
    private String forgottenRun(int n) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis() - 100;
            clock.advance(Duration.ofMillis(900));
            List<CdcRecord> changes = new ArrayList<>(n);
            List<CdcRecord> ends = new ArrayList<>(n + 1);
            ends.add(end("60:1", t1, Map.of("public.orders", 1)));
            for (int i = 0; i < n; i++) {
                long commit = t1 + 1 + i / 10;
                changes.add(data("orders", 0, 1000 + i, commit, (1000 + i) + ":1", 1));
                ends.add(end((1000 + i) + ":1", commit, Map.of("public.orders", 1)));
            }
            p.process(changes);
            clock.advance(Duration.ofMillis(100));
            p.process(ends);
            List<String> under = new ArrayList<>();
            read(p, 19, now -> now - t1, under);
            p.process(List.of(data("orders", 1, 600, t1, "60:1", 1)));
            read(p, 2, now -> 0, under);
            return under.isEmpty() ? "" : under.size() + " of 21 reads under the truth (read/truth): " + under
                    + "; health " + verdict(p.healthCheck().check());
        }
    }

    /** Held: behind 400 later transactions (well below MAX_RECENT), T's END holds orders until its change arrives. */
    @Test
    void anEndBehindFourHundredTransactionsWithItsChangeOnASlowPartitionHoldsTheTable() {
        assertThat(forgottenRun(400)).isEmpty();
    }

    /**
     * The same behind 4,100 later transactions (past TransactionEnds.MAX_RECENT, 4,096: a few forgotten). Expected:
     * no read under the truth (T's change was never seen: nothing of T on partition 0, the only partition any change
     * came on). Suspected cause: {@code TransactionEnds.end} sets {@code Hold.forgotten} (nothing of T remembered,
     * a forgotten transaction's change committed at or after T); {@code trails} then returns false and the 4 s
     * give-up ends the hold (counted capacity). The forgotten transactions' changes all came on partition 0; T's
     * change on partition 1 — no change of orders ever came on partition 1 — could not have been seen and
     * forgotten, but the rule does not look at partitions.
     */
    @Test
    void finding3_anEndBehindManyTransactionsWhoseChangeIsOnAnUnseenPartitionHoldsTheTable() {
        assertThat(forgottenRun(4_100)).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // makeRoom at MAX_HOLDS

    /**
     * ENDs ahead of their data (the data topic 10-15 s behind): A (orders, commit ta), {@code others} transactions of
     * customers (commits over the next second), B (orders, commit tb = ta + 1.15 s), then C (products); each END
     * counts one change. With {@code others} = 9,998 the holds are at MAX_HOLDS (10,000) when C's END comes.
     * A's change arrives 3 s after ta, B's 15 s after. Truth for orders: now − ta until A's change, then now − tb
     * until B's. Returns the reads of orders under the truth ("" none).
     */
    private String makeRoomRun(int others) {
        return makeRoomRun(others, false);
    }

    /** @param customersArrive the customers changes all arrive 5 s after ta (their holds close before B's change) */
    private String makeRoomRun(int others, boolean customersArrive) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long ta = clock.millis();
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(end("70:1", ta, Map.of("public.orders", 1))));
            List<CdcRecord> ends = new ArrayList<>(others + 2);
            for (int i = 0; i < others; i++) {
                ends.add(end((100_000 + i) + ":1", ta + 1 + (long) i * 1000 / Math.max(1, others),
                        Map.of("public.customers", 1)));
            }
            long tb = ta + 1150;
            clock.advance(Duration.ofMillis(1200));
            ends.add(end("71:1", tb, Map.of("public.orders", 1)));
            ends.add(end("72:1", tb + 10, Map.of("public.products", 1)));
            p.process(ends);
            List<String> under = new ArrayList<>();
            long aArrives = ta + 3000;
            long bArrives = ta + 15_000;
            for (int s = 0; s < 18; s++) {
                clock.advance(Duration.ofSeconds(1));
                if (clock.millis() >= aArrives && clock.millis() < aArrives + 1000) {
                    p.process(List.of(data("orders", 0, 701, ta, "70:1", 1)));
                }
                if (customersArrive && clock.millis() >= ta + 5000 && clock.millis() < ta + 6000) {
                    List<CdcRecord> cs = new ArrayList<>(others);
                    for (int i = 0; i < others; i++) {
                        cs.add(data("customers", 0, 5000 + i, ta + 1 + (long) i * 1000 / Math.max(1, others),
                                (100_000 + i) + ":1", 1));
                    }
                    p.process(cs);
                }
                if (clock.millis() >= bArrives && clock.millis() < bArrives + 1000) {
                    p.process(List.of(data("orders", 0, 702, tb, "71:1", 1)));
                }
                if (clock.millis() / 1000 % 2 == 0) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                long now = clock.millis();
                double truth = (now < aArrives ? now - ta : now < bArrives ? now - tb : 0) / 1e3;
                if (lag("orders") < truth - 0.001) {
                    under.add(String.format("%.1f/%.1f", lag("orders"), truth));
                }
            }
            return under.isEmpty() ? "" : under.size() + " of 18 reads of lag(orders) under the truth (read/truth): "
                    + under + "; overall " + overall();
        }
    }

    /** Held: with 100 customers holds (below MAX_HOLDS) orders reads the truth throughout. */
    @Test
    void twoOrdersEndsAheadOfTheirDataHoldTheTableBesideOtherHolds() {
        assertThat(makeRoomRun(100)).isEmpty();
    }

    /**
     * Held: the same at MAX_HOLDS (B's END arrives with 10,000 holds open, C's makes room). Expected: no read of
     * lag(orders) under the truth. Suspected going in: {@code makeRoom} drops B (the newest hold of a table an older
     * one holds) and orders reads current once A closes. Observed (2026-11-27 23:24 UTC, integ11): no under-read;
     * lag(orders) read now − ta (2.3 ... 14.3 s, 1.15 s over the truth now − tb) from A's change until B's, then 0;
     * cdc_transactions_evicted_total rose by 2. Not explained in the time given (what holds orders at ta after A's
     * change was applied); an over-read of at most tb − ta, not a finding here.
     */
    @Test
    void twoOrdersEndsAheadOfTheirDataAtMaxHoldsDoNotUnderRead() {
        assertThat(makeRoomRun(9_998)).isEmpty();
    }

    /** Held: below MAX_HOLDS, the customers' data arriving first leaves B holding orders. */
    @Test
    void twoOrdersEndsAheadOfTheirDataHoldTheTableWhenTheOtherHoldsClose() {
        assertThat(makeRoomRun(100, true)).isEmpty();
    }

    /**
     * Held: at MAX_HOLDS with the customers' changes arriving 5 s after ta (their holds close), B's 15 s after.
     * Expected: no read of lag(orders) under the truth. {@code TransactionEnds.makeRoom} does drop B (the newest hold
     * of a table an older one, A, held; seen by reflection in a debug run, 2026-11-27 23:27 UTC: after A's change no
     * orders hold is open), yet orders read no lower than the truth here: another rule holds it (not traced in the
     * time given). Kept as a guard for the drop.
     */
    @Test
    void aHoldDroppedForRoomDoesNotLetItsTableReadCurrentOnceTheOtherHoldsClose() {
        assertThat(makeRoomRun(9_998, true)).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // A given-up hold re-opened at MAX_HOLDS

    private double evicted() {
        return registry.find("cdc.transactions.evicted").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /**
     * T (commit t1) changes orders 3 times on partition 0; change 1 and T's END arrive, changes 2 and 3 are 44 s and
     * 53 s behind (a stuck producer). After 40 s of silence the trailing hold is given up (the documented
     * 10-stall-timeout cost). At 41 s {@code others} customers ENDs arrive ahead of their data (they hold, trailing).
     * Change 2 arrives at 44 s: the given-up hold re-opens (attack 7 finding 5) and holds orders until change 3 at
     * 53 s. Truth for orders between 44 s and 53 s: now − t1. Returns the reads of that window under it ("" none),
     * with the evictions counted during it.
     */
    private String reopenRun(int others) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis() - 100;
            p.process(List.of(data("orders", 0, 801, t1, "90:1", 1), end("90:1", t1, Map.of("public.orders", 3))));
            List<String> ignored = new ArrayList<>();
            read(p, 41, now -> now - t1, ignored);
            assertThat(p.pipeline().ends.holds()).as("T's hold given up after 10 stall timeouts").isZero();
            List<CdcRecord> ends = new ArrayList<>(others);
            for (int i = 0; i < others; i++) {
                ends.add(end((200_000 + i) + ":1", clock.millis() - 500, Map.of("public.customers", 1)));
            }
            p.process(ends);
            read(p, 3, now -> now - t1, ignored);
            double evictedBefore = evicted();
            p.process(List.of(data("orders", 0, 802, t1, "90:1", 2)));
            List<String> under = new ArrayList<>();
            read(p, 9, now -> now - t1, under);
            double evictedDuring = evicted() - evictedBefore;
            p.process(List.of(data("orders", 0, 803, t1, "90:1", 3)));
            return under.isEmpty() ? "" : under.size() + " of 9 reads of min(lag(orders), overall) under the truth"
                    + " after the re-open (read/truth): " + under + "; evictions counted meanwhile " + evictedDuring;
        }
    }

    /** Held: with 100 customers holds, the re-opened hold holds orders until change 3. */
    @Test
    void aGivenUpHoldReopensBesideOtherHolds() {
        assertThat(reopenRun(100)).isEmpty();
    }

    /**
     * The same with 10,000 customers holds open (MAX_HOLDS). Expected: no read under the truth, or at least the
     * dropped hold counted (cdc_transactions_evicted_total{reason=capacity}) as {@code makeRoom} does for a new END.
     * Suspected cause: {@code TransactionEnds.reopen} re-adds the hold only {@code if holds.size() < MAX_HOLDS}; at
     * capacity it is dropped silently (no makeRoom, no count, no log): the attack 8 finding 5 fix covers
     * {@code end(...)} only. Here the table (orders) has no other hold, so makeRoom would have dropped a newer
     * customers hold and kept it.
     */
    @Test
    void finding4_aGivenUpHoldReopenedAtCapacityHoldsItsTableOrIsCounted() {
        assertThat(reopenRun(10_000)).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Cost with thousands of holds (a probe: prints, asserts nothing about time)

    /**
     * With {@code holds} customers ENDs ahead of their data, {@code changes} changes of another table (products, one
     * transaction each, complete) are processed one batch of 100 at a time; prints the wall time. Before the attack 9
     * fixes every change scanned every hold ({@code TransactionEnds.changed}, then {@code expire} with a
     * {@code verdict} per hold); since, a change visits its own table's holds and {@code expire} runs at most every
     * 50 ms.
     */
    private long costRun(int holds, int changes) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            List<CdcRecord> ends = new ArrayList<>(holds);
            for (int i = 0; i < holds; i++) {
                ends.add(end((300_000 + i) + ":1", clock.millis() - 500, Map.of("public.customers", 1)));
            }
            p.process(ends);
            long start = System.nanoTime();
            for (int b = 0; b < changes / 100; b++) {
                List<CdcRecord> batch = new ArrayList<>(200);
                for (int i = 0; i < 100; i++) {
                    int n = b * 100 + i;
                    batch.add(data("products", 0, n, clock.millis() - 20, (400_000 + n) + ":1", 1));
                    batch.add(end((400_000 + n) + ":1", clock.millis() - 20, Map.of("public.products", 1)));
                }
                p.process(batch);
            }
            return System.nanoTime() - start;
        }
    }

    /** With 10,000 holds open, {@code ends} more ENDs ahead of their data (each past MAX_HOLDS: makeRoom). */
    private long costAtCapacity(int ends) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            List<CdcRecord> first = new ArrayList<>(TransactionEnds.MAX_HOLDS);
            for (int i = 0; i < TransactionEnds.MAX_HOLDS; i++) {
                first.add(end((300_000 + i) + ":1", clock.millis() - 500, Map.of("public.customers", 1)));
            }
            p.process(first);
            long start = System.nanoTime();
            for (int b = 0; b < ends / 100; b++) {
                List<CdcRecord> batch = new ArrayList<>(100);
                for (int i = 0; i < 100; i++) {
                    batch.add(end((500_000 + b * 100 + i) + ":1", clock.millis() - 400, Map.of("public.customers", 1)));
                }
                p.process(batch);
            }
            return System.nanoTime() - start;
        }
    }

    @Disabled("probe, not a test: prints the time of 2,000 changes + ENDs beside 0 and 10,000 open holds, and of"
            + " 2,000 ENDs at MAX_HOLDS (loaded)")
    @Test
    void probeCostPerChangeWithTenThousandHolds() {
        long none = costRun(0, 2_000);
        long many = costRun(10_000, 2_000);
        long full = costAtCapacity(2_000);
        System.out.printf("cost probe: 2,000 changes+ENDs of products with 0 holds open %d ms, with 10,000 customers"
                + " holds open %d ms; 2,000 customers ENDs at MAX_HOLDS %d ms%n", none / 1_000_000, many / 1_000_000,
                full / 1_000_000);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // Dead letters: what a real broken record names

    /**
     * Attack 8 finding 7's run: T (commit t1) changes orders 5 times on partition 0, one change every 6 s, its END
     * after change 1; heartbeats every 2 s. With {@code poison} (not null), 0.5 s after T's END another transaction's
     * change is dead-lettered on T's partition: {@code poison} is its value. Truth: now − t1 throughout (T's changes
     * keep coming). Returns the reads under the truth ("" none).
     */
    private String trailingWithForeignDeadLetterRun(String poison) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(data("orders", 0, 301, t1, "95:1", 1)));
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(end("95:1", t1, Map.of("public.orders", 5))));
            if (poison != null) {
                clock.advance(Duration.ofMillis(500));
                p.process(List.of(CdcRecord.of("shop.public.orders", 0, offsets.incrementAndGet(), clock.millis(),
                        "{\"id\":399}".getBytes(StandardCharsets.UTF_8), poison.getBytes(StandardCharsets.UTF_8))));
                assertThat(p.deadLettered()).isEqualTo(1);
            }
            List<String> under = new ArrayList<>();
            int total = 0;
            long nextHeartbeat = clock.millis() + 2_000;
            for (int order = 2; order <= 5; order++) {
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
                p.process(List.of(data("orders", 0, 300 + order, t1, "95:1", order)));
            }
            return under.isEmpty() ? "" : under.size() + " of " + total + " reads under the truth (read/truth): "
                    + under + "; health " + verdict(p.healthCheck().check());
        }
    }

    /**
     * Held (attack 8 finding 7's fix): U's change, valid JSON with an unknown op, names U (its transaction block is
     * read): T's trailing hold keeps orders at the truth.
     */
    @Test
    void aForeignDeadLetterThatParsesToItsTransactionDoesNotEndATrailingHold() {
        long t = clock.millis() + 1_000;
        assertThat(trailingWithForeignDeadLetterRun(change("orders", 399, t, "99:1", 1)
                .replace("\"op\":\"c\"", "\"op\":\"x\""))).isEmpty();
    }

    /**
     * The same with U's change broken as records break in practice: its JSON invalid inside {@code after} (a
     * producer or transformation bug, a truncated value). Debezium writes the envelope's {@code transaction} block
     * last (before, after, source, op, ts_ms, transaction), so the streaming parser never reaches U's id: the dead
     * letter names no transaction and clears trailing for every hold on the partition, T's included. Expected: no
     * read under the truth (U's broken change is not T's: T's changes keep coming). Suspected cause: the attack 8
     * finding 7 fix reads the id only when it comes before the break, which for Debezium's field order is only when
     * the value is valid JSON; a value broken anywhere before its end falls back to "every hold on its partition".
     */
    @Test
    void finding5_aForeignDeadLetterBrokenBeforeItsTransactionBlockDoesNotEndATrailingHold() {
        long t = clock.millis() + 1_000;
        String broken = change("orders", 399, t, "99:1", 1).replace("\"after\":{\"id\":399}",
                "\"after\":{\"id\":399 \"name\":\"x\"}");
        assertThat(broken).contains("399 \"name\"");
        assertThat(trailingWithForeignDeadLetterRun(broken)).isEmpty();
    }

    /**
     * A complete transaction T (one change of orders, applied) whose END is broken (cut inside its id) on a
     * transaction topic whose keys are written by Kafka's {@code StringConverter} ({@code key.converter}: Debezium's
     * transaction key Struct as text, {@code Struct{id=9:1}}), not JSON. Truth: 0 from T's change on. Returns
     * lag(orders) after each heartbeat from 12 s (3 stall timeouts: when a JSON key lets the lost-END rule end it,
     * {@code CdcAttack8FixesTest}) to 38 s over 2.5 s ("" none).
     */
    private String brokenEndWithKey(String key) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(200));
            p.process(List.of(data("orders", 0, 2, t1, "9:1", 1)));
            p.process(List.of(CdcRecord.of("shop.transaction", 0, offsets.incrementAndGet(), clock.millis(),
                    key.getBytes(StandardCharsets.UTF_8),
                    "{\"status\":\"END\",\"id\":\"9".getBytes(StandardCharsets.UTF_8))));
            assertThat(p.deadLettered()).isEqualTo(1);
            List<String> reads = new ArrayList<>();
            boolean over = false;
            for (int s = 1; s <= 19; s++) {
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat(clock.millis() - 50)));
                reads.add(String.format("%.1f", lag("orders")));
                over |= s >= 6 && lag("orders") > 2.5;
            }
            return over ? "truth 0; lag(orders) after each heartbeat (2 s apart) " + reads : "";
        }
    }

    /** Held: with a JSON key ({@code {"id":"9:1"}}) the broken END ends T within 3 stall timeouts. */
    @Test
    void aBrokenEndWithAJsonKeyEndsItsTransaction() {
        assertThat(brokenEndWithKey("{\"id\":\"9:1\"}")).isEmpty();
    }

    /**
     * With the StringConverter key. Expected: as with the JSON key (the key names T as plainly). Suspected cause:
     * {@code ChangePipeline.keyTransactionId} reads JSON only; {@code Struct{id=9:1}} names none, so the lost END
     * waits for the 10-stall-timeout rule (the decisions entry's "a broken END naming nothing holds 10 stall
     * timeouts", here for an END that does name its transaction).
     */
    @Test
    void finding6_aBrokenEndWithAStringConverterKeyEndsItsTransaction() {
        assertThat(brokenEndWithKey("Struct{id=9:1}")).isEmpty();
    }
}
