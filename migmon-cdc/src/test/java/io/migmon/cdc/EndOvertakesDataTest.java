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
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Lag-accuracy finding of 2026-11-27 (issue 11, {@code LagAccuracyBenchmark -Dphases=bulk -DlagExplain=true} under
 * load 19-24): a Connect worker's producer sends the transaction topic's one-record batch in its next request while
 * the data partition of a 50,000-row transaction drains one batch per request, so the transaction's {@code END}
 * (and the heartbeats) reached the processor before the last ~5,000 of its rows, which arrived with Kafka timestamps
 * up to 60 s old. The processor, caught up with what the broker had, released the {@code END}'s hold (caught-up
 * rule) or gave it up (stall timeout), and the gauge read 0.14-0.55 s at a truth of 9.9-53 s in 8 of 20 rounds. Hand-made envelopes, controlled clock; the applier applies at once, so the
 * truth is now − the commit time while any change of the transaction has not arrived.
 */
class EndOvertakesDataTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-01-10T10:00:00Z");
    private final List<ChangeEvent> applied = new ArrayList<>();

    private CdcEventProcessor processor() {
        // heartbeats every 2 s: stall timeout 4 s
        return CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(applied::addAll)
                .heartbeatInterval(Duration.ofSeconds(2)).build();
    }

    private static CdcRecord data(int id, long commitMs, String txId, int totalOrder) {
        return CdcRecord.of("shop.public.orders", "{\"id\":" + id + "}", "{\"before\":null,\"after\":{\"id\":" + id
                + "},\"source\":{\"name\":\"shop\",\"ts_ms\":" + commitMs + ",\"schema\":\"public\",\"table\":"
                + "\"orders\"},\"op\":\"c\",\"ts_ms\":" + commitMs + ",\"transaction\":{\"id\":\"" + txId
                + "\",\"total_order\":" + totalOrder + ",\"data_collection_order\":" + totalOrder + "}}");
    }

    private CdcRecord heartbeat() {
        return CdcRecord.of("__debezium-heartbeat.shop", "{\"serverName\":\"shop\"}", "{\"ts_ms\":" + clock.millis()
                + "}");
    }

    private static CdcRecord end(String id, long commitMs, int count) {
        return CdcRecord.of("shop.transaction", "{\"id\":\"" + id + "\"}", "{\"status\":\"END\",\"id\":\"" + id
                + "\",\"event_count\":" + count + ",\"data_collections\":[{\"data_collection\":\"public.orders\","
                + "\"event_count\":" + count + "}],\"ts_ms\":" + commitMs + "}");
    }

    private double overall() {
        return registry.get("cdc.replication.lag.overall").gauge().value();
    }

    private double unseenGiveUps() {
        Counter c = registry.find("cdc.transactions.evicted").tag("reason", TransactionEnds.UNSEEN).counter();
        return c == null ? 0 : c.count();
    }

    /**
     * A 50-row transaction: 30 rows arrive, then its END, then the other 20 in four bursts 3 s apart (the producer
     * draining the data partition), heartbeats every second. Expected: now − commit at every read until the last row
     * is applied, then 0 at the next heartbeat. Before: the hold was given up 4 s (the stall timeout) after the END,
     * and the gauge read 0 with 15 rows missing (one {@code unseen} eviction).
     */
    @Test
    void theRestOfATransactionArrivingBehindItsEndKeepsTheLagHeld() {
        try (CdcEventProcessor p = processor()) {
            p.process(List.of(data(1, clock.millis() - 100, "6:1", 1), end("6:9", clock.millis() - 100, 1),
                    heartbeat()));
            assertThat(overall()).isZero();
            clock.advance(Duration.ofSeconds(1));
            long commit = clock.millis();
            clock.advance(Duration.ofMillis(200));
            List<CdcRecord> head = new ArrayList<>();
            for (int i = 1; i <= 30; i++) {
                head.add(data(100 + i, commit, "7:" + i, i));
            }
            p.process(head);
            p.process(List.of(end("7:99", commit, 50)));
            int next = 31;
            for (int s = 1; s <= 12; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat()));
                if (s % 3 == 0) {
                    List<CdcRecord> burst = new ArrayList<>();
                    for (int i = 0; i < 5; i++, next++) {
                        burst.add(data(100 + next, commit, "7:" + next, next));
                    }
                    p.process(burst);
                }
                double truth = next <= 50 ? (clock.millis() - commit) / 1e3 : 0;
                if (next <= 50) {
                    assertThat(overall()).as("%d s after the END, %d rows missing", s, 51 - next)
                            .isEqualTo(truth, within(1e-9));
                }
            }
            assertThat(applied).hasSize(51);
            clock.advance(Duration.ofMillis(500));
            p.process(List.of(heartbeat()));
            assertThat(overall()).as("every row applied, a heartbeat after the last").isZero();
            assertThat(unseenGiveUps()).isZero();
        }
    }

    /**
     * {@link TransactionEnds} alone, every topic caught up at the broker (the processor applied all the broker had):
     * a hold with changes seen (the rest trails its END) is not released by the caught-up rule, and is given up only
     * after {@value TransactionEnds#TRAILING_GIVE_UP_FACTOR} stall timeouts without one of its changes; a hold of which
     * nothing was seen (an END redelivered after a restart, its changes applied before) is still released once caught
     * up. Before: both released at the first caught-up read one grace after the END.
     */
    @Test
    void aTrailingHoldIsNotReleasedByCaughtUpAndIsGivenUpOnlyAfterALongSilence() {
        AtomicReference<TransactionEnds.TopicState> state = new AtomicReference<>(TransactionEnds.TopicState.CAUGHT_UP);
        List<String> evicted = new ArrayList<>();
        TransactionEnds ends = new TransactionEnds(t -> true, (topic, since) -> state.get(),
                new TransactionTracker.Sink() {
                    @Override
                    public void completed(String source, long lagNanos) {
                    }

                    @Override
                    public void evicted(String source, String reason) {
                        evicted.add(reason);
                    }
                }, Duration.ofSeconds(4), Duration.ofMillis(250));
        long s = 1_000_000_000L;
        long commit = 1_000 * s;
        long now = commit + s;
        for (int i = 1; i <= 3; i++) {
            ends.change("shop", "public.orders", 0, "7:" + i, i, commit, now);
        }
        ends.end("shop", "7:99", commit, Map.of("public.orders", 10L), now);
        // a redelivered END (restart): nothing of it seen
        ends.end("shop", "8:99", commit + 5_000_000L, Map.of("public.items", 1L), now);
        now += s;
        assertThat(ends.oldestHeldNanos("public.items", now)).as("nothing seen, caught up: released").isEqualTo(-1);
        assertThat(ends.oldestHeldNanos("public.orders", now)).as("3 of 10 seen, caught up").isEqualTo(commit);
        // one more arrives 30 s later (inside 40 s of silence), then silence
        now += 30 * s;
        assertThat(ends.oldestHeldNanos("public.orders", now)).isEqualTo(commit);
        ends.change("shop", "public.orders", 0, "7:4", 4, commit, now);
        now += 39 * s;
        ends.expireIfHeld(now);
        assertThat(ends.oldestHeldNanos("public.orders", now)).as("39 s after the last change").isEqualTo(commit);
        assertThat(evicted).isEmpty();
        now += s;
        ends.expireIfHeld(now);
        assertThat(ends.oldestHeldNanos("public.orders", now)).as("40 s (10 stall timeouts) of silence").isEqualTo(-1);
        assertThat(evicted).containsExactly(TransactionEnds.UNSEEN);
    }
}
