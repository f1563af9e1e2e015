package io.migmon.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Finding 8 (issue 11): a transaction {@code END} consumed before its changes confirms nothing beyond its commit.
 * Ground truth is the commit time the records carry; the clock is exact to the ms (MutableClock), heartbeats every
 * 2 s (stall timeout 4 s). Truth: staleness = now − commit time of the oldest committed change not yet applied.
 */
class EndBeforeDataTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-01-10T10:00:00Z");
    private final List<ChangeEvent> applied = new ArrayList<>();

    private CdcEventProcessor processor() {
        return CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(applied::addAll)
                .heartbeatInterval(Duration.ofSeconds(2)).build();
    }

    private static String change(String server, String table, int id, long commitMs, String txId, int totalOrder) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"" + server + "\",\"ts_ms\":"
                + commitMs + ",\"schema\":\"public\",\"table\":\"" + table + "\"},\"op\":\"c\",\"ts_ms\":" + commitMs
                + (txId == null ? "" : ",\"transaction\":{\"id\":\"" + txId + "\",\"total_order\":" + totalOrder
                + ",\"data_collection_order\":" + totalOrder + "}") + "}";
    }

    private static CdcRecord data(String server, String table, int id, long commitMs, String txId, int totalOrder) {
        return CdcRecord.of(server + ".public." + table, "{\"id\":" + id + "}",
                change(server, table, id, commitMs, txId, totalOrder));
    }

    private CdcRecord heartbeat(String server) {
        return CdcRecord.of("__debezium-heartbeat." + server, "{\"serverName\":\"" + server + "\"}",
                "{\"ts_ms\":" + clock.millis() + "}");
    }

    private static CdcRecord end(String server, String id, long commitMs, Map<String, Integer> collections) {
        StringBuilder dc = new StringBuilder();
        int total = 0;
        for (Map.Entry<String, Integer> c : collections.entrySet()) {
            dc.append(dc.length() == 0 ? "" : ",").append("{\"data_collection\":\"").append(c.getKey())
                    .append("\",\"event_count\":").append(c.getValue()).append('}');
            total += c.getValue();
        }
        return CdcRecord.of(server + ".transaction", "{\"id\":\"" + id + "\"}", "{\"status\":\"END\",\"id\":\"" + id
                + "\",\"event_count\":" + total + ",\"data_collections\":[" + dc + "],\"ts_ms\":" + commitMs + "}");
    }

    private double lag(String table) {
        return registry.get("cdc.replication.lag").tags("source_table", "public." + table, "target_table",
                "public." + table).gauge().value();
    }

    private double overall() {
        return registry.get("cdc.replication.lag.overall").gauge().value();
    }

    private double unseenGiveUps() {
        Counter c = registry.find("cdc.transactions.evicted").tag("reason", TransactionEnds.UNSEEN).counter();
        return c == null ? 0 : c.count();
    }

    private void heartbeatsFor(CdcEventProcessor p, int seconds) {
        for (int s = 1; s <= seconds; s++) {
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(heartbeat("shop")));
        }
    }

    /**
     * Lag-accuracy outlier (2026-11-27 11:50 UTC, quiet machine: one sample of the bulk phase read 1.500 s with every
     * row applied, truth 0): a large transaction's END is consumed between its changes (transaction topic in the group,
     * data backlog) and the heartbeat after the commit is processed before the last change, none after it yet (the side
     * consumer is read only with nothing in hand). Every change applied and the END counted them: the watermark is the
     * newest heartbeat, as when the END's count was used processor-wide, not the commit of the transaction.
     */
    @Test
    void anEndCountedPerTableBeforeTheLastChangeStillClosesItsTransaction() {
        try (CdcEventProcessor p = processor()) {
            p.process(List.of(data("shop", "orders", 1, clock.millis() - 100, "6:1", 1),
                    end("shop", "6:1", clock.millis() - 100, Map.of("public.orders", 1)), heartbeat("shop")));
            assertThat(overall()).isZero();
            clock.advance(Duration.ofSeconds(1));
            long commit = clock.millis();
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(data("shop", "orders", 2, commit, "7:2", 1)));
            p.process(List.of(end("shop", "7:9", commit, Map.of("public.orders", 2))));
            clock.advance(Duration.ofMillis(100));
            long heartbeatMs = clock.millis();
            p.process(List.of(heartbeat("shop"))); // emitted after the commit, processed before the last change
            p.process(List.of(data("shop", "orders", 3, commit, "7:3", 2)));
            assertThat(applied).hasSize(3);
            assertThat(unseenGiveUps()).isZero();
            clock.advance(Duration.ofMillis(1300));
            // truth 0 (all applied); the processor's bound: now - newest heartbeat = 1.3 s (it read now - commit, 1.5 s)
            assertThat(overall()).isEqualTo((clock.millis() - heartbeatMs) / 1e3, within(1e-9));
            assertThat(lag("orders")).isEqualTo((clock.millis() - heartbeatMs) / 1e3, within(1e-9));
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(heartbeat("shop"))); // the first heartbeat after the last change
            assertThat(overall()).isZero();
        }
    }

    /** The END counts 2 changes of orders, none seen: lag of orders and overall = now − commit until they arrive. */
    @Test
    void endBeforeItsDataHoldsTheTableAndOverallUntilTheDataIsApplied() {
        try (CdcEventProcessor p = processor()) {
            p.process(List.of(data("shop", "orders", 1, clock.millis() - 100, "6:1", 1),
                    end("shop", "6:9", clock.millis() - 100, Map.of("public.orders", 1)), heartbeat("shop")));
            assertThat(lag("orders")).isZero();
            clock.advance(Duration.ofSeconds(1));
            long commit = clock.millis();
            p.process(List.of(end("shop", "7:1", commit, Map.of("public.orders", 2))));
            heartbeatsFor(p, 3);
            assertThat(lag("orders")).isEqualTo(3.0, within(1e-9));
            assertThat(overall()).isEqualTo(3.0, within(1e-9));
            assertThat(p.appliedWatermark()).hasValue(java.time.Instant.ofEpochMilli(commit).minusNanos(1));
            // one of the two arrives and is applied: still one committed at `commit` missing
            p.process(List.of(data("shop", "orders", 2, commit, "7:2", 1)));
            assertThat(overall()).isEqualTo(3.0, within(1e-9));
            clock.advance(Duration.ofMillis(500));
            p.process(List.of(data("shop", "orders", 3, commit, "7:3", 2)));
            assertThat(applied).hasSize(3);
            // both applied: the heartbeat after them confirms the target current
            clock.advance(Duration.ofMillis(500));
            p.process(List.of(heartbeat("shop")));
            assertThat(lag("orders")).isZero();
            assertThat(overall()).isZero();
            assertThat(unseenGiveUps()).isZero();
        }
    }

    /**
     * A transaction over two tables (two topics): its orders change arrives, its items change does not. Items (and
     * overall) stay held, orders is current.
     */
    @Test
    void aTransactionOverTwoTablesHoldsOnlyTheTableWhoseChangesAreMissing() {
        try (CdcEventProcessor p = processor()) {
            long t0 = clock.millis() - 100;
            p.process(List.of(data("shop", "orders", 1, t0, "5:1", 1), data("shop", "items", 1, t0, "5:1", 2),
                    end("shop", "5:1", t0, Map.of("public.orders", 1, "public.items", 1)), heartbeat("shop")));
            assertThat(lag("items")).isZero();
            clock.advance(Duration.ofSeconds(1));
            long commit = clock.millis();
            p.process(List.of(data("shop", "orders", 2, commit, "8:1", 1),
                    end("shop", "8:1", commit, Map.of("public.orders", 1, "public.items", 1))));
            heartbeatsFor(p, 2);
            assertThat(lag("orders")).as("its change of orders is applied").isZero();
            assertThat(lag("items")).as("its change of items committed 2 s ago is missing").isEqualTo(2.0, within(1e-9));
            assertThat(overall()).isEqualTo(2.0, within(1e-9));
            p.process(List.of(data("shop", "items", 2, commit, "8:2", 2)));
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(heartbeat("shop")));
            assertThat(lag("items")).isZero();
            assertThat(overall()).isZero();
        }
    }

    /** An END whose changes all arrived before it (the usual order; redelivered changes count once) holds nothing. */
    @Test
    void anEndAfterAllItsChangesHoldsNothingAndRedeliveriesCountOnce() {
        try (CdcEventProcessor p = processor()) {
            long commit = clock.millis() - 100;
            CdcRecord first = data("shop", "orders", 1, commit, "9:1", 1);
            p.process(List.of(first, heartbeat("shop")));
            p.process(List.of(first)); // redelivered: still one of two seen
            p.process(List.of(end("shop", "9:1", commit, Map.of("public.orders", 2))));
            heartbeatsFor(p, 2);
            assertThat(lag("orders")).as("one of its 2 changes is missing").isGreaterThanOrEqualTo(2.0);
            p.process(List.of(data("shop", "orders", 2, commit, "9:2", 2)));
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(heartbeat("shop")));
            assertThat(overall()).isZero();
            // the usual order: changes first, then the END
            long c2 = clock.millis();
            p.process(List.of(data("shop", "orders", 3, c2, "10:1", 1), end("shop", "10:1", c2,
                    Map.of("public.orders", 1))));
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(heartbeat("shop")));
            assertThat(overall()).isZero();
        }
    }

    /**
     * An END counting only tables this processor does not consume (its topics are not subscribed) holds nothing; with
     * Kafka topics the decision is the subscription: checked through {@link ChangePipeline#consumes}.
     */
    @Test
    void endsOfTablesThisProcessorDoesNotConsumeHoldNothing() {
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g"))
                .topics("shop.public.orders", "shop.transaction", "__debezium-heartbeat.shop")
                .applier(applied::addAll).heartbeatInterval(Duration.ofSeconds(2)).build()) {
            ChangePipeline pipeline = p.pipeline();
            assertThat(pipeline.consumes("shop.public.orders")).isTrue();
            assertThat(pipeline.consumes("shop.public.invoices")).isFalse();
            TransactionEnds ends = pipeline.ends;
            long now = clock.millis() * 1_000_000L;
            ends.end("shop", "11:1", now, Map.of("public.invoices", 3L), now);
            assertThat(ends.holds()).as("invoices is not consumed").isZero();
            ends.end("shop", "11:2", now, Map.of("public.invoices", 3L, "public.orders", 1L), now);
            assertThat(ends.holds()).as("orders is").isEqualTo(1);
        }
        // through process(...) every table the engine hands over is consumed
        try (CdcEventProcessor p = processor()) {
            p.process(List.of(heartbeat("shop")));
            clock.advance(Duration.ofSeconds(1));
            long commit = clock.millis();
            p.process(List.of(end("shop", "12:1", commit, Map.of("public.invoices", 1))));
            heartbeatsFor(p, 1);
            assertThat(overall()).isEqualTo(1.0, within(1e-9));
        }
    }

    /**
     * An END redelivered after a restart whose changes were applied before it (the new processor never sees them
     * again): a change of a later transaction of the table releases it at once; without one it is given up after
     * the stall timeout (4 s), counted once and the lag returns to 0.
     */
    @Test
    void aRedeliveredEndIsReleasedByALaterChangeOrGivenUpAfterTheStallTimeout() {
        try (CdcEventProcessor p = processor()) {
            long old = clock.millis() - 5_000;
            p.process(List.of(heartbeat("shop"), end("shop", "20:1", old, Map.of("public.orders", 1))));
            clock.advance(Duration.ofMillis(100));
            // (with its own END, as Debezium sends it: a heartbeat does not confirm a change whose transaction's END
            // has not arrived while the transaction topic is read, fix 7.1)
            p.process(List.of(data("shop", "orders", 30, clock.millis(), "21:1", 1),
                    end("shop", "21:1", clock.millis(), Map.of("public.orders", 1)), heartbeat("shop")));
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(heartbeat("shop")));
            assertThat(lag("orders")).as("a later transaction's change of orders came after it").isZero();
            assertThat(unseenGiveUps()).isZero();

            // an END of orders older than a change of orders already seen: a redelivery, holds nothing
            p.process(List.of(end("shop", "19:1", old, Map.of("public.orders", 1))));
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(heartbeat("shop")));
            assertThat(overall()).isZero();

            // an END redelivered with nothing later on its table (items): held for at most the stall timeout (4 s)
            long commit = clock.millis() - 1_000;
            p.process(List.of(end("shop", "22:1", commit, Map.of("public.items", 1))));
            heartbeatsFor(p, 3);
            assertThat(overall()).as("held: nothing tells its change was applied").isEqualTo(4.0, within(1e-9));
            heartbeatsFor(p, 1);
            assertThat(overall()).as("given up after the stall timeout").isZero();
            assertThat(unseenGiveUps()).isEqualTo(1.0);
        }
    }

    /** A change's {@code schema.table} is the END's {@code data_collection}: equal, or its last parts (SQL Server). */
    @Test
    void tablesAreMatchedAcrossConnectorNamings() {
        assertThat(TransactionEnds.sameTable("public.orders", "public.orders")).isTrue();
        assertThat(TransactionEnds.sameTable("shopdb.dbo.orders", "dbo.orders")).isTrue();
        assertThat(TransactionEnds.sameTable("shopdb.dbo.orders", "bo.orders")).isFalse();
        assertThat(TransactionEnds.sameTable("public.orders", "public.order")).isFalse();
        assertThat(TransactionEnds.sameTable("public.orders", "x.public.orders")).isFalse();
    }

    /** An END's {@code data_collections} reach the event: parsed by the full and the observe-only parse alike. */
    @Test
    void dataCollectionsAreParsed() throws Exception {
        CdcRecord r = end("shop", "7:1", 1000, Map.of("public.orders", 2));
        var full = io.migmon.cdc.internal.EnvelopeParser.withDefaults().parse(r, false);
        assertThat(full.transactionDataCollections()).containsExactly(Map.entry("public.orders", 2L));
        var fast = new io.migmon.cdc.internal.ObserveOnlyParser(io.migmon.cdc.internal.EnvelopeParser.withDefaults())
                .parse(r);
        assertThat(fast.transactionDataCollections()).containsExactly(Map.entry("public.orders", 2L));
    }
}
