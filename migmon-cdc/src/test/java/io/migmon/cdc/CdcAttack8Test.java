package io.migmon.cdc;

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
 * Every finding still open is {@code @Disabled} with its number; what held stays as passing tests.
 */
class CdcAttack8Test extends ShopProcessorHarness {

    /** A settled start: one complete transaction of orders applied, a heartbeat after it; lag(orders) 0. */
    private void settle(CdcEventProcessor p) {
        p.process(List.of(data("orders", 0, 1, clock.millis() - 100, "3:1", 1),
                end("3:1", clock.millis() - 100, Map.of("public.orders", 1)), heartbeat(clock.millis())));
        clock.advance(Duration.ofSeconds(1));
        p.process(List.of(heartbeat(clock.millis() - 50)));
        assertThat(lag("orders")).as("settled").isZero();
    }

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
     */
    @Test
    void finding2_anEndArrivingAfterManyTransactionsDoesNotHoldAnAppliedTable() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis() - 50;
            p.process(List.of(data("orders", 0, 500, t1, "30:1", 1)));
            int n = 4_100;
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
            List<String> reads = new ArrayList<>();
            double worst = 0;
            for (int s = 1; s <= 25; s++) {
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat(clock.millis() - 50)));
                reads.add(String.format("%.1f/%.1f/%.1f", lag("orders"), lag("customers"), overall()));
                if (s >= 6) {
                    worst = Math.max(worst, Math.max(overall(), Math.max(lag("orders"), lag("customers"))));
                }
            }
            String state = "truth 0; orders/customers/overall after each heartbeat (2 s apart) " + reads
                    + "; health " + verdict(p.healthCheck().check());
            assertThat(worst).as(state).isLessThanOrEqualTo(2.5);
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

    /** The same without data_collection_order. Expected: no read under the truth. */
    @Test
    void finding3_withoutDataCollectionOrderAMultiTableTransactionHoldsTheTableBehind() {
        assertThat(multiTableRun(false)).isEmpty();
    }
}
