package io.migmon.cdc;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attack 10 fixes (issue 11, branch cdc-fix16) beyond {@link CdcAttack10Test}'s findings: a dead letter accounts for
 * one change of the transaction it names, once per record (a redelivered record dead-lettered again is the same
 * change). Ground truth as in {@link CdcAttack10Test}: each change is applied when processed; truth = now − commit
 * time of the oldest change committed and not applied.
 */
class CdcAttack10FixesTest extends ShopProcessorHarness {

    /**
     * T (commit t1) changes orders 3 times on partition 0: change 1 and T's END arrive, change 2 is broken (dead-
     * lettered, naming T) and delivered twice (the same partition and offset, as after a rebalance whose commit
     * failed), change 3 is 12 s late. Seen 1 + one dead letter = 2 of 3: the hold still trails, so it holds orders
     * at now − t1 until change 3 arrives (counting the redelivered dead letter twice made 3 of 3 and gave the hold up
     * after the 4 s stall timeout). Once change 3 arrived (2 seen + 1 dead-lettered = 3) the hold no longer trails:
     * given up after the stall timeout, as decided for a dead letter naming the transaction.
     */
    @Test
    void aRedeliveredDeadLetterAccountsForOneChangeOnly() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(data("orders", 0, 301, t1, "90:1", 1), end("90:1", t1, Map.of("public.orders", 3))));
            String bad = change("orders", 302, t1, "90:1", 2).replace("\"op\":\"c\"", "\"op\":\"x\"");
            long offset = offsets.incrementAndGet();
            for (int delivery = 0; delivery < 2; delivery++) {
                clock.advance(Duration.ofMillis(200));
                p.process(List.of(CdcRecord.of("shop.public.orders", 0, offset, clock.millis(),
                        "{\"id\":302}".getBytes(StandardCharsets.UTF_8), bad.getBytes(StandardCharsets.UTF_8))));
            }
            for (int s = 0; s < 12; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat(clock.millis() - 50)));
                double truth = (clock.millis() - t1) / 1e3;
                assertThat(Math.min(lag("orders"), overall())).as("read at truth %.1f s", truth)
                        .isGreaterThanOrEqualTo(truth - 0.001);
            }
            assertThat(evicted(TransactionEnds.UNSEEN)).as("given up while trailing").isZero();
            p.process(List.of(data("orders", 0, 303, t1, "90:1", 3)));
            // seen 2 + 1 dead letter = 3 of 3: no longer trailing, given up after the stall timeout (4 s)
            for (int s = 0; s < 5; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat(clock.millis() - 50)));
            }
            assertThat(p.pipeline().ends.holds()).as("5 s after change 3").isZero();
            assertThat(lag("orders")).as("5 s after change 3").isLessThan(1.5);
        }
    }

    /**
     * Db2 (and Oracle) name a data_collection with the database their topics lack: topic {@code db2.DBO.ORDERS},
     * change {@code DBO.ORDERS}, END {@code TESTDB.DBO.ORDERS}. The topic's name is not the data_collection there:
     * the change still counts for the END by the last parts (an END before its change holds until it arrives; one
     * after it holds nothing), and the connector is not taken for one that names tables exactly.
     */
    @Test
    void aTopicWithoutTheDatabaseStillCountsByTheLastParts() {
        List<String> evictions = new java.util.ArrayList<>();
        TransactionEnds ends = new TransactionEnds(t -> true, (topic, since) -> TransactionEnds.TopicState.UNKNOWN,
                new TransactionTracker.Sink() {
                    @Override
                    public void completed(String source, long lagNanos) {
                    }

                    @Override
                    public void evicted(String source, String reason) {
                        evictions.add(reason);
                    }
                }, Duration.ofSeconds(4), Duration.ofMillis(250));
        long s = 1_000_000_000L;
        long t0 = 1_000 * s;
        long now = t0 + s;
        ends.change("db2", "DBO.ORDERS", "db2.DBO.ORDERS", 0, "1:1", 1, 1, t0, now);
        ends.end("db2", "1:1", t0, Map.of("TESTDB.DBO.ORDERS", 1L), now);
        assertThat(ends.holds()).as("END after its change").isZero();
        ends.end("db2", "2:1", t0 + s, Map.of("TESTDB.DBO.ORDERS", 1L), now + s);
        assertThat(ends.oldestHeldNanos("DBO.ORDERS", now + s)).as("END before its change").isEqualTo(t0 + s);
        ends.change("db2", "DBO.ORDERS", "db2.DBO.ORDERS", 0, "2:1", 1, 1, t0 + s, now + 2 * s);
        assertThat(ends.holds()).as("its change arrived").isZero();
        assertThat(evictions).isEmpty();
    }
}
