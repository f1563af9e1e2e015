package io.migmon.cdc;

import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attack 8 (issue 11), unit level, on the attack 7 fixes (integ10). {@code process(...)} with a
 * {@link io.migmon.core.testing.MutableClock} (wall) and the monotonic seam of {@link ShopProcessorHarness}; the
 * source side stamps the true time. Ground truth: each change is applied when processed (the applier returns at
 * once); the commit time of every change is known to the test, so the truth is now − commit time of the oldest change
 * committed and not applied yet (0 when none). Heartbeat interval 2 s, stall timeout 4 s (the default 2 × interval).
 * Every finding still open is {@code @Disabled} with its number; what held stays as passing tests. Findings
 * (2026-11-27, integ10 at 9d451e1): 1 a transaction-topic dead letter ends a slow transaction; 2 an END after more
 * than {@code MAX_RECENT} transactions holds applied tables ~40 s; 3 without data_collection_order another table's
 * last change ends a hold; 4 a restart with a gap in the middle trails ~40 s; 5 past {@code MAX_HOLDS} an END holds
 * nothing; 6 the dedup set grows with the transaction; 7 a named foreign dead letter ends a trailing hold; 8 a
 * filtered change per transaction keeps a table at ~39 s; 9 a wall-clock step over-reads a busy table for good.
 */
class CdcAttack8Test extends ShopProcessorHarness {

    /** A record of the transaction topic that is not valid JSON (dead-lettered: it may be any transaction's END). */
    private CdcRecord poisonOnTransactionTopic() {
        return CdcRecord.of("shop.transaction", 0, offsets.incrementAndGet(), clock.millis(), null,
                "{\"status\":\"END\",\"id\":\"9".getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Attack 7 finding 1's transaction (4 changes of orders committed at t1, 6 s apart, END after the last; heartbeats
     * every 2 s on time), with {@code poison}: one record of the transaction topic that is not valid JSON,
     * dead-lettered 0.5 s after T's first change. Returns the reads under the truth ("" none).
     */
    private String slowTransactionRun(boolean poison) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            List<String> reads = new ArrayList<>();
            int under = 0;
            int total = 0;
            for (int order = 1; order <= 4; order++) {
                p.process(List.of(data("orders", 0, 100 + order, t1, "20:1", order)));
                if (order == 1 && poison) {
                    clock.advance(Duration.ofMillis(500));
                    p.process(List.of(poisonOnTransactionTopic()));
                    assertThat(p.deadLettered()).isEqualTo(1);
                }
                if (order == 4) {
                    break;
                }
                for (int s = 0; s < 6; s++) {
                    clock.advance(Duration.ofSeconds(1));
                    if (s % 2 == 1) {
                        p.process(List.of(heartbeat(clock.millis() - 50)));
                    }
                    double truth = (clock.millis() - t1) / 1e3;
                    double read = Math.min(lag("orders"), overall());
                    total++;
                    if (read < truth - 0.001) {
                        under++;
                        reads.add(String.format("%.1f/%.1f", read, truth));
                    }
                }
            }
            p.process(List.of(end("20:1", t1, Map.of("public.orders", 4))));
            return under == 0 ? "" : under + " of " + total + " reads under the truth (read/truth): " + reads
                    + "; health " + verdict(p.healthCheck().check());
        }
    }

    /** Held: a transaction streaming slower than the stall timeout, its END behind it, holds the table throughout. */
    @Test
    void aSlowTransactionWithItsEndBehindHoldsTheTable() {
        assertThat(slowTransactionRun(false)).isEmpty();
    }

    /**
     * The same with one unrelated record of the transaction topic dead-lettered 0.5 s after T's first change (a
     * malformed record of another transaction: T's own END arrives, valid, after its last change). Truth: T's
     * changes 2-4, committed at t1, arrive 6 s apart: staleness now − t1 until change 4. Expected: no read under it.
     * Actual (2026-11-27 22:15 UTC, integ10): 9 of 18 reads under the truth, read/truth 0.0/4.6, 0.0/5.6, 0.0/6.6,
     * 0.0/10.6, 0.0/11.6, 0.0/12.6, 0.0/16.6, 0.0/17.6, 0.0/18.6; health UP (without the dead letter: none).
     * Suspected cause: {@code ProgressTracker.endLost} takes T's END as lost once any record of the transaction topic
     * was dead-lettered since T's first change and no change of T arrived for the stall timeout (4 s), then a
     * heartbeat confirms the partition: attack 7 finding 1 again, for whatever transaction streams slowly while one
     * malformed transaction-topic record (of any transaction) passes.
     */
    @Test
    void finding1_aTransactionTopicDeadLetterDoesNotEndASlowTransaction() {
        assertThat(slowTransactionRun(true)).isEmpty();
    }

    /**
     * Live, no restart: T (commit t1) changes one row of orders (partition 0), applied at once. The transaction topic
     * is behind the data topics: before T's END arrives, 4,100 later one-change transactions of customers arrive and
     * are applied (a busy source, small transactions; a consumer that fetched the data partitions first), then T's
     * END and theirs. Heartbeats every 2 s on time after that. Truth: every change is applied: staleness 0.
     * Expected: lag(orders), lag(customers) and overall ≤ one heartbeat interval + 0.5 s from 3 stall timeouts
     * (12 s) after the ENDs on.
     * Actual (2026-11-27 22:15 UTC, integ10): orders/customers/overall 2.3/2.2/2.3, 4.3/4.2/4.3 ... 38.3/38.2/38.3
     * after each heartbeat, then 0.0 (~40 s at truth 0; above a 30 s {@code cdc_high_replication_lag} threshold);
     * health UP. With 4,000 later transactions: current (held test below).
     * Suspected cause: {@code TransactionEnds.recent} keeps the changes seen of the last {@code MAX_RECENT} (4,096)
     * transactions only: T's (and the first customers transactions') are forgotten before their END, whose hold then
     * has nothing seen, trails ({@code trails}: nothing seen, not one stream) and waits
     * {@code TRAILING_GIVE_UP_FACTOR} × the stall timeout (40 s); the later-change rule needs the topic's partitions
     * (unknown through process(...); in a group it needs a later change of the same table) and the caught-up rule an
     * END that may be a redelivery.
     *
     * <p><b>Expectation changed (attack 9 fixes, 2026-11-28):</b> the attack 8 fix (nothing of T remembered while a
     * forgotten transaction committed after it: its changes "may have been seen", given up after the stall timeout)
     * under-read its mirror, an END whose change is on a partition nothing came on (attack 9 finding 3: 0.0 at truths
     * 5-20 s). Decided toward the bounded, counted over-read: such a hold trails and is given up
     * {@link ShopProcessorHarness#TRAILING_BOUND} (10 stall timeouts) after its END, counted
     * {@code reason="capacity"} (the memory of {@code TransactionEnds.MAX_RECENT} transactions was too short). Pinned:
     * orders, customers and overall never above T's staleness, ≤ one heartbeat + 0.5 s from the bound on, the
     * give-ups counted as capacity.
     */
    @Test
    void finding2_anEndArrivingAfterManyTransactionsDoesNotHoldAnAppliedTablePastTheBound() {
        assertThat(endAfterManyTransactionsRun(4_100, TRAILING_BOUND.toMillis())).isEmpty();
        assertThat(capacityEvicted).as("the give-ups counted as capacity").isGreaterThanOrEqualTo(1.0);
    }

    /** Held: the same with 4,000 later transactions (below TransactionEnds.MAX_RECENT, 4,096) reads current. */
    @Test
    void anEndArrivingAfterFourThousandTransactionsDoesNotHoldAnAppliedTable() {
        assertThat(endAfterManyTransactionsRun(4_000, 12_000)).isEmpty();
    }

    /** {@code cdc_transactions_evicted_total{reason="capacity"}} at the end of the last run, before close. */
    private double capacityEvicted;
    /** {@code cdc_transactions_evicted_total{reason="unseen"}} at the end of the last filtered run, before close. */
    private double unseenEvicted;

    /**
     * Finding 2's run with {@code n} later transactions; "" when every read from {@code fromMs} after the ENDs on is
     * ≤ 2.5 s and none above T's staleness.
     */
    private String endAfterManyTransactionsRun(int n, long fromMs) {
        capacityEvicted = -1;
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis() - 50;
            p.process(List.of(data("orders", 0, 500, t1, "30:1", 1)));
            List<CdcRecord> changes = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                changes.add(data("customers", 0, 1000 + i, t1 + 1 + i / 100, (31 + i) + ":1", 1));
            }
            clock.advance(Duration.ofMillis(100));
            p.process(changes);
            List<CdcRecord> ends = new ArrayList<>(n + 1);
            ends.add(end("30:1", t1, Map.of("public.orders", 1)));
            for (int i = 0; i < n; i++) {
                ends.add(end((31 + i) + ":1", t1 + 1 + i / 100, Map.of("public.customers", 1)));
            }
            clock.advance(Duration.ofMillis(100));
            p.process(ends);
            long endsAt = clock.millis();
            List<String> reads = new ArrayList<>();
            double worst = 0;
            double aboveStaleness = 0;
            for (int s = 1; s <= 25; s++) {
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat(clock.millis() - 50)));
                reads.add(String.format("%.1f/%.1f/%.1f", lag("orders"), lag("customers"), overall()));
                double max = Math.max(overall(), Math.max(lag("orders"), lag("customers")));
                aboveStaleness = Math.max(aboveStaleness, max - (clock.millis() - t1) / 1e3);
                if (clock.millis() - endsAt >= fromMs) {
                    worst = Math.max(worst, max);
                }
            }
            capacityEvicted = evicted(TransactionEnds.CAPACITY);
            return worst <= 2.5 && aboveStaleness <= 0.001 ? "" : "truth 0; orders/customers/overall after each heartbeat (2 s apart) " + reads
                    + "; health " + verdict(p.healthCheck().check());
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

    /**
     * T (commit t1) changes orders twice and customers once: total_order 1 (orders), 2 (orders), 3 (customers).
     * Orders' change 1 and customers' change arrive at once, then T's END (orders 2, customers 1); orders' change 2 is
     * 10 s behind (its partition's producer batch retried). Heartbeats every 2 s on time. Truth: orders' change 2 is
     * not applied until it arrives: staleness of orders (and overall) now − t1, up to 10 s. With {@code dco} the
     * changes carry data_collection_order (1, 2 for orders; 1 for customers), without it only total_order (the
     * fallback "older Debezium" case the fixer kept). Returns the reads under the truth ("" none).
     */
    private String multiTableRun(boolean dco) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            Map<String, Integer> collections = new LinkedHashMap<>();
            collections.put("public.orders", 2);
            collections.put("public.customers", 1);
            if (dco) {
                p.process(List.of(data("orders", 0, 601, t1, "40:1", 1), withTotalOrder(
                        data("customers", 0, 602, t1, "40:1", 1), 3)));
            } else {
                p.process(List.of(dataWithoutDco("orders", 0, 601, t1, "40:1", 1),
                        dataWithoutDco("customers", 0, 602, t1, "40:1", 3)));
            }
            p.process(List.of(end("40:1", t1, collections)));
            List<String> reads = new ArrayList<>();
            int under = 0;
            for (int s = 1; s <= 10; s++) {
                clock.advance(Duration.ofSeconds(1));
                if (s % 2 == 0) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                double truth = (clock.millis() - t1) / 1e3;
                double read = Math.min(lag("orders"), overall());
                if (read < truth - 0.001) {
                    under++;
                    reads.add(String.format("%.1f/%.1f", read, truth));
                }
            }
            p.process(List.of(dco ? withTotalOrder(data("orders", 0, 603, t1, "40:1", 2), 2)
                    : dataWithoutDco("orders", 0, 603, t1, "40:1", 2)));
            return under == 0 ? "" : under + " of 10 reads under the truth (read/truth): " + reads + "; health "
                    + verdict(p.healthCheck().check());
        }
    }

    /** The record with its total_order replaced (data_collection_order kept). */
    private static CdcRecord withTotalOrder(CdcRecord r, int totalOrder) {
        String v = new String(r.value(), StandardCharsets.UTF_8).replaceFirst("\"total_order\":\\d+",
                "\"total_order\":" + totalOrder);
        return CdcRecord.of(r.topic(), r.partition(), r.offset(), r.timestampMs(), r.key(),
                v.getBytes(StandardCharsets.UTF_8));
    }

    /** Held: with data_collection_order, a table's change 10 s behind its END holds the table. */
    @Test
    void aMultiTableTransactionWithOneTableBehindHoldsThatTable() {
        assertThat(multiTableRun(true)).isEmpty();
    }

    /**
     * The same without data_collection_order. Expected: no read under the truth.
     * Actual (2026-11-27 22:15 UTC, integ10): 7 of 10 reads 0.0 at truths 4.1-10.1 s; health UP (with
     * data_collection_order: none). Suspected cause: {@code TransactionEnds.trails} falls back to the transaction's
     * highest total_order against its event_count when no data_collection_order is known: customers' change (total
     * order 3 of 3) counts as orders' last change, so orders' hold is not trailing and is given up after the stall
     * timeout (the rule attack 7 finding 6 fixed for events with data_collection_order).
     */
    @Test
    void finding3_withoutDataCollectionOrderAMultiTableTransactionHoldsTheTableBehind() {
        assertThat(multiTableRun(false)).isEmpty();
    }

    /**
     * Restart mid-transaction, T spread over two partitions: T (commit t1) changes orders 4 times,
     * data_collection_order 1 and 3 on partition 0, 2 and 4 on partition 1. The previous instance applied all four and
     * committed partition 1 (changes 2 and 4) and stopped before it committed partition 0 and the transaction topic.
     * This instance (a new processor) gets changes 1 and 3 again and T's END (orders 4), applies them; heartbeats every
     * 2 s; nothing else changes orders. Truth: all 4 changes are in the target: staleness 0. Expected: lag(orders) and
     * overall ≤ one heartbeat interval + 0.5 s once 3 stall timeouts (12 s) passed (attack 7 finding 2's expectation,
     * there with the lowest seen change above 1).
     * Actual (2026-11-27 22:15 UTC, integ10): 2.1, 4.1 ... 38.1 after each heartbeat, then 0.0 (~40 s at truth 0,
     * above a 30 s alert threshold); health UP. Suspected cause: {@code TransactionEnds.trails}: lowest
     * data_collection_order seen 1, highest 3 < event_count 4, so the hold trails (changes may be on their way) and
     * is released by nothing but the 10-stall-timeout give-up; the attack 7 finding 2 fix (lowest seen above 1) does
     * not cover a gap in the middle; the caught-up rule excludes a trailing hold with changes seen.
     *
     * <p><b>Expectation changed, enabled (attack 9 fixes, 2026-11-28):</b> up to the 12 s read these inputs are
     * those of a live T whose changes 2 and 4 trail on partition 1 ({@code CdcAttack8FixesTest}: truth stale), so
     * "current at 12 s" cannot hold without under-reading that case. Decided toward the bounded, counted over-read:
     * the hold is given up {@link ShopProcessorHarness#TRAILING_BOUND} (10 stall timeouts, 40 s) after its last change
     * ({@code reason="unseen"}); in a consumer group the caught-up partitions release it (a redelivered END). Pinned:
     * never above T's own staleness, current from the bound on, one give-up counted.
     */
    @Test
    void finding4_aRestartWithChangesAppliedBeforeOnAnotherPartitionReadsCurrentWithinTheBound() {
        try (CdcEventProcessor p = processor()) {
            long t1 = clock.millis() - 100;
            p.process(List.of(heartbeat(clock.millis() - 50)));
            p.process(List.of(data("orders", 0, 1, t1, "50:1", 1), data("orders", 0, 3, t1, "50:1", 3),
                    end("50:1", t1, Map.of("public.orders", 4))));
            long endAt = clock.millis();
            List<String> reads = new ArrayList<>();
            double worst = 0;
            double aboveStaleness = 0;
            for (int s = 1; s <= 25; s++) {
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat(clock.millis() - 50)));
                double read = Math.max(lag("orders"), overall());
                reads.add(String.format("%.1f", read));
                aboveStaleness = Math.max(aboveStaleness, read - (clock.millis() - t1) / 1e3);
                if (clock.millis() - endAt >= TRAILING_BOUND.toMillis()) {
                    worst = Math.max(worst, read);
                }
            }
            String state = "truth 0; max(lag(orders), overall) after each heartbeat (2 s apart) " + reads
                    + "; health " + verdict(p.healthCheck().check());
            assertThat(aboveStaleness).as(state + ": never above T's own staleness").isLessThanOrEqualTo(0.001);
            assertThat(worst).as(state + ": current from the bound on").isLessThanOrEqualTo(2.5);
            assertThat(evicted(TransactionEnds.UNSEEN)).as(state).isEqualTo(1.0);
        }
    }

    /**
     * The processor host's clock is {@code skewMs} behind the true time (and the database's and connector's, which
     * are right) all along, no step: heartbeats and commit times are stamped with the true time. A settled start, then
     * T (commit t1) changes one row of orders; its END arrives at once, the change 8 s later (heartbeats every 2 s on
     * time). Truth: now − t1 on the true clock until the change arrives, then ≤ one heartbeat interval. Returns the
     * reads off the truth by more than 0.5 s ("" none).
     */
    private String skewedRun(long skewMs, double overTolerance) {
        try (CdcEventProcessor p = processor()) {
            List<String> off = new ArrayList<>();
            for (int i = 0; i < 4; i++) { // the connector's clock offset learnt from heartbeats
                p.process(List.of(heartbeat(clock.millis() + skewMs - 50)));
                clock.advance(HEARTBEAT);
            }
            long t0 = clock.millis() + skewMs - 100;
            p.process(List.of(data("orders", 0, 1, t0, "60:1", 1), end("60:1", t0, Map.of("public.orders", 1)),
                    heartbeat(clock.millis() + skewMs - 50)));
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(heartbeat(clock.millis() + skewMs - 50)));
            if (lag("orders") > 0.5) {
                off.add(String.format("settled %.1f/0", lag("orders")));
            }
            long t1 = clock.millis() + skewMs;
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(end("61:1", t1, Map.of("public.orders", 1))));
            for (int s = 1; s <= 8; s++) {
                clock.advance(Duration.ofSeconds(1));
                if (s % 2 == 0) {
                    p.process(List.of(heartbeat(clock.millis() + skewMs - 50)));
                }
                double truth = (clock.millis() + skewMs - t1) / 1e3;
                double read = lag("orders");
                if (read < truth - 0.5 || read > truth + overTolerance) {
                    off.add(String.format("%.1f/%.1f", read, truth));
                }
            }
            return off.isEmpty() ? "" : off.size() + " reads off the truth by > 0.5 s (read/truth): " + off
                    + "; overall " + overall();
        }
    }

    /** Held: with the processor's clock right, the held change reads the truth. */
    @Test
    void aChangeBehindItsEndReadsTheTruthOnARightClock() {
        assertThat(skewedRun(0, 0.5)).isEmpty();
    }

    /**
     * Held: the processor's clock 10 s behind the true time (and the connector's, whose offset the heartbeats give):
     * reads within 0.5 s of the truth, as with a right clock.
     */
    @Test
    void aChangeBehindItsEndReadsTheTruthOnASlowProcessorClock() {
        assertThat(skewedRun(10_000, 0.5)).isEmpty();
    }

    /**
     * Held, as documented (docs/cdc.md "Clock skew": "replication lag while changes wait ... over-reads by s" when
     * the source clock is behind): the processor's clock 10 s ahead of the true time, the held change reads at most
     * the skew over the truth (it reads 11.1/1.1 ... 18.1/8.1: exactly the skew, although the heartbeats gave the
     * offset and the settled reads are corrected by it; not counted as a finding, see the report).
     */
    @Test
    void aChangeBehindItsEndOverReadsByNoMoreThanTheSkewOnAFastProcessorClock() {
        assertThat(skewedRun(-10_000, 10.5)).isEmpty();
    }

    /**
     * Many transactions' ENDs ahead of their data (a Connect worker's producer under load lets the small transaction
     * topic batches overtake the data, attack 7's trailing case): {@code others} one-change transactions of customers
     * have their END in and their change not yet. Then T (commit t1) changes one row of orders; its END arrives at
     * once, the change 3 s later; heartbeats every 2 s on time. Truth: T's change is not applied until it arrives:
     * staleness of orders now − t1 (up to 3 s). Returns the reads of lag(orders) under the truth ("" none).
     */
    private String manyHoldsRun(int others) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t0 = clock.millis();
            List<CdcRecord> ends = new ArrayList<>(others);
            for (int i = 0; i < others; i++) {
                ends.add(end((100_000 + i) + ":1", t0 - 500 + i / 100, Map.of("public.customers", 1)));
            }
            p.process(ends);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(end("70:1", t1, Map.of("public.orders", 1))));
            List<String> reads = new ArrayList<>();
            for (int s = 1; s <= 6; s++) {
                clock.advance(Duration.ofMillis(500));
                if (s % 4 == 0) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                double truth = (clock.millis() - t1) / 1e3;
                if (lag("orders") < truth - 0.001) {
                    reads.add(String.format("%.1f/%.1f", lag("orders"), truth));
                }
            }
            return reads.isEmpty() ? "" : reads.size() + " of 6 reads of lag(orders) under the truth (read/truth): "
                    + reads + "; overall " + overall();
        }
    }

    /** Held: with 100 other transactions' ENDs ahead of their data, T's END holds orders. */
    @Test
    void anEndAheadOfItsChangeHoldsItsTableBesideOtherHolds() {
        assertThat(manyHoldsRun(100)).isEmpty();
    }

    /**
     * The same with 10,000 other transactions' ENDs ahead of their data (e.g. 500 transactions/s with the data 20 s
     * behind their ENDs). Expected: no read of lag(orders) under the truth.
     * Actual (2026-11-27 22:15 UTC, integ10): 6 of 6 reads of lag(orders) 0.0 at truths 0.6-3.1 s (overall 3.6,
     * held by the customers holds); with 100: none. Suspected cause: {@code TransactionEnds.end} adds a hold only
     * while {@code holds.size() < MAX_HOLDS} (10,000): past it an END holds nothing, uncounted and unlogged. (The
     * 10,000 ENDs also cost {@code held(...)} and {@code expire(...)} scans of every open hold per END: quadratic;
     * the test method took 2.8 s, loaded, not a timed assertion.)
     */
    @Test
    void finding5_anEndAheadOfItsChangeHoldsItsTableBesideTenThousandOtherHolds() {
        assertThat(manyHoldsRun(10_000)).isEmpty();
    }

    /**
     * A bulk load in one transaction: T inserts {@code pairs} orders each with one customer row after it (total_order
     * odd: orders, even: customers); the orders topic's records arrive first (a consumer drains one topic's fetch
     * before the other's), then the customers'. Memory: the distinct total_orders seen per transaction
     * ({@code TransactionEnds.Seen.orders}, a prefix plus runs) hold one run per gap, here one per orders change, until
     * the customers' changes close the gaps. Returns the most runs held at once.
     */
    private int bulkLoadRuns(int pairs) throws Exception {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis() - 100;
            List<CdcRecord> orders = new ArrayList<>(pairs);
            for (int i = 1; i <= pairs; i++) {
                orders.add(withTotalOrder(data("orders", 0, 10_000 + i, t1, "80:1", i), 2 * i - 1));
            }
            p.process(orders);
            return runsOf(p, "80:1");
        }
    }

    /** The runs of {@code TransactionEnds.Seen.orders} of {@code txId} (reflection: the memory held). */
    private static int runsOf(CdcEventProcessor p, String txId) throws Exception {
        Object ends = p.pipeline().ends;
        java.lang.reflect.Field recentField = TransactionEnds.class.getDeclaredField("recent");
        recentField.setAccessible(true);
        Map<?, ?> recent = (Map<?, ?>) recentField.get(ends);
        for (Map.Entry<?, ?> e : recent.entrySet()) {
            if (!e.getKey().toString().endsWith('\u0000' + ProgressTracker.transactionKey(txId))) {
                continue;
            }
            Object seen = e.getValue();
            java.lang.reflect.Field ordersField = seen.getClass().getDeclaredField("orders");
            ordersField.setAccessible(true);
            Object set = ordersField.get(seen);
            java.lang.reflect.Field runsField = set.getClass().getDeclaredField("runs");
            runsField.setAccessible(true);
            Map<?, ?> runs = (Map<?, ?>) runsField.get(set);
            return runs == null ? 0 : runs.size();
        }
        throw new AssertionError("transaction " + txId + " not tracked");
    }

    /**
     * Expected: the memory a transaction's dedup set holds does not grow with the transaction's size (one run per
     * partition or table would do: each partition is in order); at most 1,000 runs for 200,000 changes.
     * Actual (2026-11-27 22:17 UTC, integ10): 99,999 runs (one per orders change; ~70-80 bytes each by estimate,
     * ~7 MB here, ~700 MB for a 10-million-row load), freed only when the customers' changes close the gaps or the
     * transaction leaves {@code recent} (4,096 transactions later). Suspected cause: {@code TransactionTracker.OrderSet}
     * grows with the gaps, and total_order interleaves tables (and partitions) that arrive one after the other.
     * {@code TransactionTracker.Tx.applied} is the same structure (grouped transactions): not measured here.
     */
    @Test
    void finding6_aBulkLoadInterleavingTwoTablesHoldsBoundedMemory() throws Exception {
        int runs = bulkLoadRuns(100_000);
        assertThat(runs).as("runs (TreeMap entries, ~80 bytes each) held for a transaction of 100,000 orders changes"
                + " interleaved with 100,000 customers changes not arrived yet").isLessThanOrEqualTo(1_000);
    }

    /**
     * The END overtakes a large transaction's data (attack 7's trailing case): T (commit t1) changes orders 5 times on
     * partition 0; change 1 arrives, then T's END, then changes 2-5 one per 6 s; heartbeats every 2 s on time. With
     * {@code poison}, 0.5 s after the END a change of orders on the same partition 0 from another transaction
     * (id 99:1, named in the record) with an unknown op is dead-lettered: valid JSON whose transaction is known not
     * to be T. Truth: T's changes 2-5, committed at t1, are not applied until they arrive: staleness now − t1 until
     * change 5. Returns the reads under the truth ("" none).
     */
    private String trailingWithForeignDeadLetterRun(boolean poison) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(data("orders", 0, 301, t1, "90:1", 1)));
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(end("90:1", t1, Map.of("public.orders", 5))));
            if (poison) {
                clock.advance(Duration.ofMillis(500));
                String bad = change("orders", 399, t1 + 1, "99:1", 1).replace("\"op\":\"c\"", "\"op\":\"x\"");
                p.process(List.of(CdcRecord.of("shop.public.orders", 0, offsets.incrementAndGet(), clock.millis(),
                        "{\"id\":399}".getBytes(StandardCharsets.UTF_8), bad.getBytes(StandardCharsets.UTF_8))));
                assertThat(p.deadLettered()).isEqualTo(1);
            }
            List<String> reads = new ArrayList<>();
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
                        reads.add(String.format("%.1f/%.1f", read, truth));
                    }
                }
                p.process(List.of(data("orders", 0, 300 + order, t1, "90:1", order)));
            }
            return reads.isEmpty() ? "" : reads.size() + " of " + total + " reads under the truth (read/truth): "
                    + reads + "; health " + verdict(p.healthCheck().check());
        }
    }

    /** Held: the trailing transaction, 6 s per change, no dead letter, holds orders throughout. */
    @Test
    void aTrailingTransactionSixSecondsPerChangeHoldsTheTable() {
        assertThat(trailingWithForeignDeadLetterRun(false)).isEmpty();
    }

    /**
     * The same with another transaction's change dead-lettered on T's partition. Expected: no read under the truth.
     * Actual (2026-11-27 22:19 UTC, integ10): 21 of 48 reads 0.0 at truths 4.2-6.7, 10.7-12.7, 16.7-18.7,
     * 22.7-24.7 s (each gap between T's changes past the stall timeout); health UP. Suspected cause:
     * {@code ChangePipeline} reports every dead letter of a data partition to {@code TransactionEnds.deadLettered}
     * (topic, partition) even when the envelope named its transaction (here 99:1, not T), and {@code trails} then
     * takes T's hold as not trailing (a dead letter on a partition T's changes came on since T's first change), so
     * {@code verdict} gives it up 4 s after each change of T; the next change re-opens it (attack 7 finding 5).
     */
    @Test
    void finding7_anotherTransactionsDeadLetterOnTheSamePartitionDoesNotEndATrailingHold() {
        assertThat(trailingWithForeignDeadLetterRun(true)).isEmpty();
    }

    /**
     * A Connect {@code Filter} transformation drops some changes of orders (e.g. rows of a test tenant) after
     * Debezium counted them in the END: every 3 s a transaction changes orders twice, data_collection_order 1 arrives,
     * 2 is filtered out (never comes), its END says orders 2; heartbeats every 2 s on time. Truth: every change that
     * will ever be applied is applied (the filtered ones are not to be applied): staleness ≤ the 3 s between
     * transactions. Expected: lag(orders) and overall ≤ 3.5 s from 12 s (3 stall timeouts) on.
     * Actual (2026-11-27 22:20 UTC, integ10): every 3 s 3.1, 6.1 ... 36.1, then 39.1 for good (steady ~39 s at a
     * truth ≤ 3 s: a 30 s {@code cdc_high_replication_lag} alert fires and stays); health UP. Suspected cause: each
     * END's hold has data_collection_order 1 of 2 seen, so it trails ({@code TransactionEnds.trails}) and only the
     * 10-stall-timeout give-up ends it; the later-change rule (the next transaction's change) releases nothing
     * through {@code process(...)} (partitions unknown; in a consumer group it needs a later change on every assigned
     * partition of the topic). The class Javadoc's "an over-read of at most giveUp" there holds for non-trailing holds
     * only. Not the listed routing cost: the table's topic is the expected one, only some changes are dropped.
     *
     * <p><b>Expectation changed (attack 9 fixes, 2026-11-28):</b> the attack 8 fix (a later transaction's change on
     * every partition T's changes came on ends T's trailing) under-read its mirror, a change of T held back on a
     * partition none of T's changes came on (attack 9 finding 1: 0.0 at truths 4.6-20.6 s). Decided: by default
     * the bounded over-read — each hold is given up {@link ShopProcessorHarness#TRAILING_BOUND} (10 stall timeouts)
     * after its change, so the table reads at most that plus the 3 s between transactions (here a steady ~39 s),
     * counted {@code reason="unseen"}; with {@code transformationsDropChanges(true)} (the user declares a dropping
     * transformation) the original expectation holds:
     * {@link #finding8_withTransformationsDropChangesAFilteredTableReadsCurrent}.
     */
    @Test
    void finding8_aTableWithAFilteredChangePerTransactionReadsWithinTheBound() {
        double worst = filteredRun(processor());
        assertThat(worst).isLessThanOrEqualTo(TRAILING_BOUND.toMillis() / 1e3 + 3.5);
        assertThat(unseenEvicted).as("each transaction's hold given up, counted").isGreaterThan(0);
    }

    /** Finding 8's original expectation, with the opt-in for transformations that drop changes. */
    @Test
    void finding8_withTransformationsDropChangesAFilteredTableReadsCurrent() {
        assertThat(filteredRun(CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(batch -> { })
                .heartbeatInterval(HEARTBEAT).monotonicClock(this::monotonicNanos).transformationsDropChanges(true)
                .build())).isLessThanOrEqualTo(3.5);
    }

    /**
     * Finding 8's run on {@code processor}: every 3 s a transaction with 2 changes of orders, the second filtered
     * out. Returns max(lag(orders), overall) over the reads from 12 s on (asserting none above the oldest filtered
     * transaction's staleness).
     */
    private double filteredRun(CdcEventProcessor processor) {
        try (CdcEventProcessor p = processor) {
            settle(p);
            List<String> reads = new ArrayList<>();
            double worst = 0;
            for (int tx = 0; tx < 20; tx++) {
                long commit = clock.millis() - 50;
                String id = (200 + tx) + ":1";
                p.process(List.of(data("orders", 0, 700 + tx, commit, id, 1),
                        end(id, commit, Map.of("public.orders", 2))));
                for (int s = 0; s < 3; s++) {
                    clock.advance(Duration.ofSeconds(1));
                    if (s == 1) {
                        p.process(List.of(heartbeat(clock.millis() - 50)));
                    }
                }
                double read = Math.max(lag("orders"), overall());
                reads.add(String.format("%.1f", read));
                if (tx >= 4) {
                    worst = Math.max(worst, read);
                }
            }
            unseenEvicted = evicted(TransactionEnds.UNSEEN);
            System.out.println("finding 8 run: truth ≤ 3 s; max(lag(orders), overall) every 3 s " + reads
                    + "; health " + verdict(p.healthCheck().check()));
            return worst;
        }
    }

    /**
     * Held: a Connect producer retry duplicates T's change 1 at a new offset (no idempotence), its END says orders 2,
     * change 2 arrives 3 s later. Truth: now − t1 until change 2 (the duplicate counts once). And an END whose
     * data_collections lists customers with event_count 0 holds nothing of customers.
     */
    @Test
    void aDuplicatedChangeCountsOnceAndAnEventCountOfZeroHoldsNothing() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            Map<String, Integer> collections = new LinkedHashMap<>();
            collections.put("public.orders", 2);
            collections.put("public.customers", 0);
            p.process(List.of(data("orders", 0, 801, t1, "95:1", 1), data("orders", 0, 801, t1, "95:1", 1),
                    end("95:1", t1, collections)));
            for (int s = 1; s <= 3; s++) {
                clock.advance(Duration.ofSeconds(1));
                if (s == 2) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                double truth = (clock.millis() - t1) / 1e3;
                assertThat(lag("orders")).as("at %.1f s", truth).isGreaterThanOrEqualTo(truth - 0.001);
            }
            p.process(List.of(data("customers", 0, 900, clock.millis() - 20, "96:1", 1),
                    end("96:1", clock.millis() - 20, Map.of("public.customers", 1)),
                    data("orders", 0, 802, t1, "95:1", 2)));
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(heartbeat(clock.millis() - 50)));
            assertThat(lag("orders")).as("T applied").isLessThanOrEqualTo(2.5);
            assertThat(lag("customers")).as("customers applied").isLessThanOrEqualTo(2.5);
        }
    }

    /** The true time: the processor's wall clock without its steps ({@link #stepClock}). */
    private long trueMs() {
        return clock.millis() - stepped.get() / 1_000_000L;
    }

    /**
     * Held: the processor host's wall clock steps +10 s, and later −20 s (its monotonic clock sees neither), while
     * heartbeats (stamped with the true time) flow every 2 s and nothing changes. Truth: 0. Expected: lag(orders) and
     * overall ≤ 2.5 s and health UP at every read from the second heartbeat after each step on.
     */
    @Test
    void wallClockStepsWhileIdleReadCurrent() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            List<String> bad = new ArrayList<>();
            for (int phase = 0; phase < 3; phase++) {
                if (phase == 1) {
                    stepClock(Duration.ofSeconds(10));
                } else if (phase == 2) {
                    stepClock(Duration.ofSeconds(-20));
                }
                for (int s = 1; s <= 8; s++) {
                    clock.advance(HEARTBEAT);
                    p.process(List.of(heartbeat(trueMs() - 50)));
                    String h = verdict(p.healthCheck().check());
                    if (s >= 2 && (lag("orders") > 2.5 || overall() > 2.5 || !h.startsWith("UP"))) {
                        bad.add(String.format("phase %d read %d: %.1f/%.1f %s", phase, s, lag("orders"), overall(),
                                h));
                    }
                }
            }
            assertThat(bad).as("truth 0; reads off (lag(orders)/overall health)").isEmpty();
        }
    }

    /**
     * A busy table after a wall-clock step: orders gets a one-change transaction (with its END) every 0.5 s, each
     * applied at once; heartbeats every 2 s, all stamped with the true time. After 10 s the processor host's wall
     * clock steps +10 s (a bad NTP source, a VM resumed with a stale clock corrected the wrong way; its monotonic
     * clock does not see it); the heartbeats after it give the new offset (+10 s) to {@code ClockOffset}. Truth:
     * staleness ≤ 0.5 s throughout. Expected: lag(orders) ≤ 1 s at every read from 2 heartbeats after the step on.
     * Actual (2026-11-27 22:23 UTC, integ10): before the step no read over 1 s; after it 24 of 32 reads 10.0 (every
     * read not right after a heartbeat), for good: the step becomes a constant 10 s over-read of a busy table; health
     * UP. Documented as a skew cost (docs/cdc.md "Clock skew": "replication lag while changes wait, or while nothing
     * confirms ... over-reads by s"), counted here because the processor knows the step: {@code ClockOffset} took the
     * new offset at the first heartbeat after it (the silence rule uses it), the lag (now − source.ts of the newest
     * applied change until a heartbeat confirms it; the END holds likewise, see
     * {@link #aChangeBehindItsEndOverReadsByNoMoreThanTheSkewOnAFastProcessorClock}) does not. A −10 s step hides
     * staleness the same way (floored at 0).
     */
    @Disabled("finding 9 (documented skew cost, questioned): after a +10 s wall step a busy table reads 10.0 s at 24"
            + " of 32 reads, truth <= 0.5 s, although ClockOffset has the new offset")
    @Test
    void finding9_aBusyTableAfterAWallClockStepReadsTheTruth() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            List<String> reads = new ArrayList<>();
            int over = 0;
            int total = 0;
            for (int i = 1; i <= 60; i++) {
                if (i == 21) {
                    stepClock(Duration.ofSeconds(10));
                }
                clock.advance(Duration.ofMillis(500));
                String id = (400 + i) + ":1";
                long commit = trueMs() - 20;
                p.process(List.of(data("orders", 0, 1000 + i, commit, id, 1),
                        end(id, commit, Map.of("public.orders", 1))));
                if (i % 4 == 0) {
                    p.process(List.of(heartbeat(trueMs() - 5))); // after the change's commit
                }
                if (i < 21 && lag("orders") > 1.0) {
                    reads.add(String.format("before the step %.1f", lag("orders")));
                    over++;
                }
                if (i >= 29) { // 2 heartbeats after the step
                    total++;
                    if (lag("orders") > 1.0) {
                        over++;
                        reads.add(String.format("%.1f", lag("orders")));
                    }
                }
            }
            assertThat(over).as("truth <= 0.5 s; " + over + " of " + total + " reads over 1 s: " + reads + "; health "
                    + verdict(p.healthCheck().check())).isZero();
        }
    }
}
