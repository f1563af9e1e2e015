package io.migmon.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.Health;
import io.migmon.core.testing.MutableClock;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the unit-level attacks on issue 11 share ({@code CdcAttack6Test}, {@code CdcAttack7Test}): a processor of the
 * connector {@code shop} fed through {@code process(...)} on a {@link MutableClock} (heartbeats every
 * {@link #HEARTBEAT}, stall timeout the default 2 × interval, an applier that returns at once), Debezium 3.x-shaped
 * records of it (data changes with transaction metadata, heartbeats, transaction {@code END}s) stamped with the true
 * time by the test, and the lag gauges read back. Each record gets the next offset.
 */
abstract class ShopProcessorHarness {

    static final Duration HEARTBEAT = Duration.ofSeconds(2);

    /**
     * The decided bound of an {@code END} hold's over-read through {@code process(...)} (attack 9 fixes): given up
     * {@link TransactionEnds#TRAILING_GIVE_UP_FACTOR} stall timeouts (the default 2 × {@link #HEARTBEAT}) after the
     * last of its changes (or its {@code END}) arrived: 40 s.
     */
    static final Duration TRAILING_BOUND = HEARTBEAT.multipliedBy(2L * TransactionEnds.TRAILING_GIVE_UP_FACTOR);

    /** {@code cdc_transactions_evicted_total{reason}} summed over connectors. */
    double evicted(String reason) {
        return registry.find("cdc.transactions.evicted").tag("reason", reason).counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MutableClock clock = MutableClock.at("2026-01-10T10:00:00Z");
    final AtomicLong offsets = new AtomicLong();

    /** How far the processor's wall clock was stepped ({@link #stepClock}): the monotonic clock does not see it. */
    final AtomicLong stepped = new AtomicLong();

    CdcEventProcessor processor() {
        return CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(batch -> { })
                .heartbeatInterval(HEARTBEAT).monotonicClock(this::monotonicNanos).build();
    }

    /** The processor's monotonic clock: the test clock without its steps. */
    long monotonicNanos() {
        java.time.Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano() - stepped.get();
    }

    /** The processor host's wall clock steps by {@code d} (NTP); its monotonic clock does not. */
    void stepClock(Duration d) {
        clock.advance(d);
        stepped.addAndGet(d.toNanos());
    }

    /** A create of {@code shop}'s {@code public.<table>}, in transaction {@code txId} at {@code order} (null: none). */
    static String change(String table, int id, long commitMs, String txId, int order) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":" + commitMs
                + ",\"ts_us\":" + commitMs * 1000 + ",\"schema\":\"public\",\"table\":\"" + table
                + "\"},\"op\":\"c\",\"ts_ms\":" + commitMs
                + (txId == null ? "" : ",\"transaction\":{\"id\":\"" + txId + "\",\"total_order\":" + order
                + ",\"data_collection_order\":" + order + "}") + "}";
    }

    CdcRecord data(String table, int partition, int id, long commitMs, String txId, int order) {
        return CdcRecord.of("shop.public." + table, partition, offsets.incrementAndGet(), clock.millis(),
                ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8),
                change(table, id, commitMs, txId, order).getBytes(StandardCharsets.UTF_8));
    }

    CdcRecord heartbeat(long tsMs) {
        return CdcRecord.of("__debezium-heartbeat.shop", 0, offsets.incrementAndGet(), clock.millis(),
                "{\"serverName\":\"shop\"}".getBytes(StandardCharsets.UTF_8),
                ("{\"ts_ms\":" + tsMs + "}").getBytes(StandardCharsets.UTF_8));
    }

    /** A transaction {@code END} counting {@code collections} (qualified table → event count). */
    CdcRecord end(String id, long commitMs, Map<String, Integer> collections) {
        StringBuilder dc = new StringBuilder();
        int total = 0;
        for (Map.Entry<String, Integer> c : collections.entrySet()) {
            dc.append(dc.length() == 0 ? "" : ",").append("{\"data_collection\":\"").append(c.getKey())
                    .append("\",\"event_count\":").append(c.getValue()).append('}');
            total += c.getValue();
        }
        String json = "{\"status\":\"END\",\"id\":\"" + id + "\",\"event_count\":" + total + ",\"data_collections\":["
                + dc + "],\"ts_ms\":" + commitMs + "}";
        return CdcRecord.of("shop.transaction", 0, offsets.incrementAndGet(), clock.millis(), null,
                json.getBytes(StandardCharsets.UTF_8));
    }

    double overall() {
        return registry.get("cdc.replication.lag.overall").gauge().value();
    }

    double lag(String table) {
        return registry.get("cdc.replication.lag").tags("source_table", "public." + table, "target_table",
                "public." + table).gauge().value();
    }

    static String verdict(Health h) {
        return h.status() + " " + h.reasons();
    }

    /** A settled start: one complete transaction of orders applied, a heartbeat after it; lag(orders) 0. */
    protected void settle(CdcEventProcessor p) {
        p.process(List.of(data("orders", 0, 1, clock.millis() - 100, "3:1", 1),
                end("3:1", clock.millis() - 100, Map.of("public.orders", 1)), heartbeat(clock.millis())));
        clock.advance(Duration.ofSeconds(1));
        p.process(List.of(heartbeat(clock.millis() - 50)));
        assertThat(lag("orders")).as("settled").isZero();
    }
}
