package io.migmon.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.testing.MutableClock;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole-transaction apply lag from Debezium transaction metadata, through {@code process(...)} with real envelope
 * shapes (PostgreSQL connector 3.6.1: each change's {@code transaction.id} is {@code xid:its own lsn}, the END's id
 * another lsn) and a {@link MutableClock}, so every lag is exact to the nanosecond.
 */
class TransactionApplyLagTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-01-10T10:00:00Z");
    private final AtomicLong offsets = new AtomicLong();

    private static String change(String table, int id, long sourceTsMs, long xid, long totalOrder) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":" + sourceTsMs
                + ",\"ts_us\":" + sourceTsMs * 1000 + ",\"schema\":\"public\",\"table\":\"" + table + "\",\"txId\":"
                + xid + "},\"transaction\":{\"id\":\"" + xid + ":" + (26_000_000 + totalOrder * 144)
                + "\",\"total_order\":" + totalOrder + ",\"data_collection_order\":1},\"op\":\"c\",\"ts_ms\":"
                + sourceTsMs + "}";
    }

    private CdcRecord record(String table, int partition, String json) {
        return CdcRecord.of("shop.public." + table, partition, offsets.incrementAndGet(), clock.millis(), null,
                json.getBytes(StandardCharsets.UTF_8));
    }

    private CdcRecord redelivered(CdcRecord r) {
        return CdcRecord.of(r.topic(), r.partition(), r.offset(), r.timestampMs(), null, r.value());
    }

    private CdcRecord end(long xid, long eventCount, long commitMs) {
        String json = "{\"status\":\"END\",\"id\":\"" + xid + ":34210904\",\"event_count\":" + eventCount
                + ",\"data_collections\":[],\"ts_ms\":" + commitMs + "}";
        return CdcRecord.of("shop.transaction", 0, offsets.incrementAndGet(), clock.millis(), null,
                json.getBytes(StandardCharsets.UTF_8));
    }

    private CdcRecord begin(long xid, long commitMs) {
        String json = "{\"status\":\"BEGIN\",\"id\":\"" + xid + ":26000000\",\"event_count\":null,"
                + "\"data_collections\":null,\"ts_ms\":" + commitMs + "}";
        return CdcRecord.of("shop.transaction", 0, offsets.incrementAndGet(), clock.millis(), null,
                json.getBytes(StandardCharsets.UTF_8));
    }

    private CdcEventProcessor processor() {
        return CdcEventProcessor.builder("tx").meterRegistry(registry).clock(clock).applier(batch -> { }).build();
    }

    private Timer lagTimer() {
        return registry.find("cdc.transaction.apply.lag").tag("source", "shop").timer();
    }

    private long completed() {
        Timer t = lagTimer();
        return t == null ? 0 : t.count();
    }

    private double evicted(String reason) {
        Counter c = registry.find("cdc.transactions.evicted").tags("source", "shop", "reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void aTransactionAcrossTablesAndPartitionsIsReportedOnceWhenItsLastEventIsAppliedEndAfterEvents() {
        try (CdcEventProcessor p = processor()) {
            long commit = clock.millis() - 2_000;
            p.process(List.of(record("orders", 0, change("orders", 1, commit, 771, 1)),
                    record("orders", 0, change("orders", 2, commit, 771, 2))));
            clock.advance(Duration.ofMillis(400));
            p.process(List.of(record("items", 3, change("items", 10, commit, 771, 3))));
            assertThat(completed()).as("no END yet: the count is unknown").isZero();
            long lastApplied = clock.millis();
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(begin(771, commit), end(771, 3, commit)));
            assertThat(completed()).isEqualTo(1);
            // measured to the apply of the last event, not to the END's arrival one second later
            assertThat(lagTimer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(lastApplied - commit);
        }
    }

    @Test
    void anEndConsumedBeforeItsEventsCompletesTheTransactionAtItsLastEvent() {
        try (CdcEventProcessor p = processor()) {
            long commit = clock.millis() - 500;
            p.process(List.of(end(772, 2, commit)));
            clock.advance(Duration.ofMillis(300));
            p.process(List.of(record("orders", 1, change("orders", 3, commit, 772, 1))));
            assertThat(completed()).isZero();
            clock.advance(Duration.ofMillis(700));
            p.process(List.of(record("items", 0, change("items", 11, commit, 772, 2))));
            assertThat(completed()).isEqualTo(1);
            assertThat(lagTimer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(1_500);
        }
    }

    @Test
    void redeliveredEventsCountOnceAndNeverCompleteATransactionEarly() {
        try (CdcEventProcessor p = processor()) {
            long commit = clock.millis() - 100;
            CdcRecord e1 = record("orders", 0, change("orders", 1, commit, 900, 1));
            CdcRecord e2 = record("orders", 0, change("orders", 2, commit, 900, 2));
            CdcRecord e3 = record("orders", 0, change("orders", 3, commit, 900, 3));
            CdcRecord end = end(900, 3, commit);
            p.process(List.of(e1, e2));
            p.process(List.of(redelivered(e1), redelivered(e2), end));
            assertThat(completed()).as("4 deliveries of 2 distinct events out of 3").isZero();
            clock.advance(Duration.ofMillis(50));
            p.process(List.of(e3));
            assertThat(completed()).isEqualTo(1);
            // the whole transaction redelivered (a rewind after the commit failed): still one
            p.process(List.of(redelivered(e1), redelivered(e2), redelivered(e3), redelivered(end)));
            assertThat(completed()).isEqualTo(1);
            assertThat(lagTimer().totalTime(TimeUnit.MILLISECONDS)).isEqualTo(150);
            assertThat(evicted(TransactionTracker.EXPIRED)).isZero();
        }
    }

    @Test
    void aTransactionCutByARestartIsEvictedAsExpiredAndItsRedeliveriesIgnored() {
        try (CdcEventProcessor p = processor()) {
            long commit = clock.millis();
            // the first two events were applied by the previous owner before it crashed: only the tail arrives here
            CdcRecord e3 = record("orders", 0, change("orders", 3, commit, 950, 3));
            p.process(List.of(e3, end(950, 3, commit)));
            assertThat(completed()).isZero();
            clock.advance(Duration.ofMinutes(10).plusSeconds(1)); // no heartbeats: stall 1 min, timeout 10 min
            // any later activity expires it (the check runs at most once a second, on a new transaction)
            p.process(List.of(record("orders", 0, change("orders", 4, clock.millis(), 951, 1)), end(951, 1, clock.millis())));
            assertThat(evicted(TransactionTracker.EXPIRED)).isEqualTo(1);
            assertThat(completed()).isEqualTo(1);
            p.process(List.of(redelivered(e3)));
            assertThat(evicted(TransactionTracker.EXPIRED)).isEqualTo(1);
            assertThat(completed()).isEqualTo(1);
        }
    }

    @Test
    void aTransactionWithADeadLetteredEventIsEvictedNotReported() {
        try (CdcEventProcessor p = CdcEventProcessor.builder("tx").meterRegistry(registry).clock(clock)
                .applier(batch -> {
                    if (batch.stream().anyMatch(e -> e.record().topic().endsWith("items"))) {
                        throw new IllegalArgumentException("rejected by the target");
                    }
                }).applyRetries(0).build()) {
            long commit = clock.millis();
            p.process(List.of(record("orders", 0, change("orders", 1, commit, 960, 1)),
                    record("items", 0, change("items", 2, commit, 960, 2)), end(960, 2, commit)));
            assertThat(evicted(TransactionTracker.DEAD_LETTERED)).isEqualTo(1);
            assertThat(completed()).isZero();
        }
    }

    /** The tracker on its own: capacity and rebalance, with a recording sink. */
    @Test
    void stateIsBoundedAndARebalanceEvictsWhatItCuts() {
        List<String> events = new ArrayList<>();
        TransactionTracker t = new TransactionTracker(clock, Duration.ofMinutes(5), 2, new TransactionTracker.Sink() {
            @Override
            public void completed(String source, long lagNanos) {
                events.add("completed " + source + " " + lagNanos);
            }

            @Override
            public void evicted(String source, String reason) {
                events.add("evicted " + source + " " + reason);
            }
        });
        TopicPartition p0 = new TopicPartition("shop.public.orders", 0);
        TopicPartition p1 = new TopicPartition("shop.public.orders", 1);
        long now = clock.millis() * 1_000_000L;
        t.applied("1:100", 1, "shop", now, p0, now);
        t.applied("2:200", 1, "shop", now, p1, now);
        t.applied("3:300", 1, "shop", now, p1, now); // a third open one: the oldest goes
        assertThat(events).containsExactly("evicted shop capacity");
        assertThat(t.openCount()).isEqualTo(2);
        t.ended("2:999", 2, -1); // END arrived: 2 still open, its last event may come on p1
        t.revoked(List.of(p0), false);
        assertThat(t.openCount()).as("nothing open touched p0").isEqualTo(2);
        t.revoked(List.of(), true); // the transaction topic went: 3 waits for an END that will not come here
        assertThat(events).containsExactly("evicted shop capacity", "evicted shop rebalance");
        t.revoked(List.of(p1), false);
        assertThat(events).hasSize(3).last().isEqualTo("evicted shop rebalance");
        assertThat(t.openCount()).isZero();
        // redeliveries of evicted transactions are ignored
        t.applied("2:201", 2, "shop", now, p1, now);
        assertThat(t.openCount()).isZero();
        // an END with no captured event reports nothing
        t.ended("4:400", 0, now);
        assertThat(t.openCount()).isZero();
        assertThat(events).hasSize(3);
    }

    @Test
    void transactionKeysAreThePostgresXidAndOtherIdsAsTheyAre() {
        assertThat(ProgressTracker.transactionKey("3024:26886744")).isEqualTo("3024");
        assertThat(ProgressTracker.transactionKey("3024:34210904")).isEqualTo("3024");
        assertThat(ProgressTracker.transactionKey("3e11fa47-71ca-11e1-9e33-c80aa9429562:23")).isEqualTo(
                "3e11fa47-71ca-11e1-9e33-c80aa9429562:23");
        assertThat(ProgressTracker.transactionKey("1:2:3")).isEqualTo("1:2:3");
        assertThat(ProgressTracker.transactionKey("3024:")).isEqualTo("3024:");
        assertThat(ProgressTracker.transactionKey(":1")).isEqualTo(":1");
        assertThat(ProgressTracker.transactionKey("abc")).isEqualTo("abc");
        assertThat(ProgressTracker.transactionKey(null)).isNull();
    }
    @Test
    void sameTransactionAgreesWithTheKeyOfEveryIdPair() {
        // the allocation-free comparison of the per-event path must answer exactly transactionKey(id).equals(key)
        List<String> ids = List.of("3024:26886744", "3024:34210904", "3024", "30245:1", "302:41", "3024:", ":1", "1:2:3",
                "1:2", "1", "abc", "abc:1", "3e11fa47-71ca-11e1-9e33-c80aa9429562:23", "3024:2688a744", "",
                "3024::1", "03024:1", "3024:1", "x3024:1");
        for (String id : ids) {
            for (String other : ids) {
                String key = ProgressTracker.transactionKey(other);
                assertThat(ProgressTracker.sameTransaction(id, key))
                        .as("sameTransaction(%s, %s)", id, key)
                        .isEqualTo(ProgressTracker.transactionKey(id).equals(key));
            }
        }
    }
}
