package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attack 7 (issue 11), unit level: the fixes of attack 6 (END taken as lost after the stall timeout, trailing END
 * holds given up after 10 stall timeouts, the clock-step threshold (stall − interval) / 2).
 * {@code process(...)} with a {@link MutableClock}; the source side stamps the true time. Ground truth: each change
 * is applied when processed (the applier returns at once); the true commit time of every change is known to the
 * test, so the truth is now − commit time of the oldest change not applied yet (0 when none). Heartbeat interval
 * 2 s, stall timeout 4 s (the default 2 × interval). Every finding still open is {@code @Disabled} with its number.
 * Findings 1-7 fixed on 2026-11-27 (branch cdc-fix12, docs/decisions.md "Attack 7 fixes"): the "Actual" of each is
 * what it read before; finding 7 steps the wall clock with {@code stepClock} (the processor's monotonic clock does not
 * see a step).
 */
class CdcAttack7Test extends ShopProcessorHarness {

    /**
     * A transaction T (commit t1) of 4 changes of orders streams slower than the stall timeout: its changes reach the
     * processor 6 s apart (a Connect producer draining a large transaction's partition under load, the case
     * EndOvertakesDataTest measured with rows up to 60 s old; here the END does not overtake them, it follows the last
     * one). Heartbeats every 2 s, on time (the heartbeat topic's partition is not behind). Truth: from the first
     * change to the last, changes of T committed at t1 are not applied: staleness now − t1 (up to 18 s).
     * Expected: lag(orders) and overall ≥ now − t1 at every read until T's last change and END. The trailing END hold
     * (when the END overtakes) waits 10 stall timeouts for the same situation.
     * Actual (2026-11-27 18:19 UTC): read/truth each second 1.1/1.1, 2.1/2.1, 3.1/3.1, 0.0/4.1, 0.0/5.1, 0.0/6.1,
     * 7.1/7.1 ... 0.0/18.1: 9 of 18 reads 0.0 (under the truth by up to 18.1 s), the gauge flipping between the truth
     * and 0 with each change. Cause: {@code ProgressTracker.endLost} takes T's END as lost once no change of T arrived
     * for the stall timeout, and the next heartbeat confirms the partition as without transaction metadata; the
     * trailing hold's give-up (10 stall timeouts) is not applied to an END not seen yet.
     */
    @Test
    void finding1_transactionStreamingSlowerThanTheStallTimeoutIsNotTakenAsEnded() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            List<String> reads = new ArrayList<>();
            int under = 0;
            double worst = 0;
            for (int order = 1; order <= 4; order++) {
                p.process(List.of(data("orders", 0, 100 + order, t1, "20:1", order)));
                if (order == 4) {
                    break;
                }
                for (int s = 0; s < 6; s++) { // 6 s to the next change; a heartbeat every 2 s, a read every 1 s
                    clock.advance(Duration.ofSeconds(1));
                    if (s % 2 == 1) {
                        p.process(List.of(heartbeat(clock.millis() - 50)));
                    }
                    double truth = (clock.millis() - t1) / 1e3;
                    double read = lag("orders");
                    reads.add(String.format("%.1f/%.1f", read, truth));
                    if (read < truth - 0.001) {
                        under++;
                        worst = Math.max(worst, truth - read);
                    }
                }
            }
            p.process(List.of(end("20:1", t1, Map.of("public.orders", 4))));
            String state = "read/truth each second " + reads + "; " + under + " of " + reads.size()
                    + " reads under the truth, worst by " + String.format("%.1f s", worst);
            assertThat(under).as(state).isZero();
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(heartbeat(clock.millis() - 50)));
            assertThat(lag("orders")).as("all of T applied").isLessThanOrEqualTo(2.5);
        }
    }

    /**
     * Restart with a transaction split across partitions: T (commit t1) changes orders 4 times, total_order 1 and 4
     * on partition 0, 2 and 3 on partition 1. The previous instance applied and committed partition 0 (changes 1 and
     * 4) and stopped before it committed partition 1 and the transaction topic. This instance (a new processor) gets
     * changes 2 and 3 and T's END (orders 4), applies them; heartbeats go on every 2 s; nothing else changes orders.
     * Truth: all 4 changes are in the target: staleness 0. Expected: lag(orders) and overall ≤ one heartbeat interval
     * + 0.5 s once the stall timeout (4 s, a non-trailing hold's give-up) passed, as for the same restart with the
     * last change among the redelivered ones (CdcAttack6Test#aRestartMidTransactionReadsCurrentOnceTheHoldIsGivenUp).
     * Actual (2026-11-27 18:19 UTC): lag(orders) after each heartbeat 2.1, 4.1 ... 38.1, then 0.0 (~40 s): a table
     * fully applied reads stale up to 38 s (a {@code cdc_high_replication_lag} alert at a 30 s threshold), health UP.
     * Cause: {@code TransactionEnds.trails} takes the hold as trailing (2 of 4 seen, the highest total_order seen, 3,
     * below the total 4), so it is given up only after {@code TRAILING_GIVE_UP_FACTOR} (10) stall timeouts; the last
     * change was applied before the restart, on a partition whose offset was committed. Through {@code process(...)}
     * the later-change rule releases nothing (partitions unknown) and the caught-up rule needs the lag probe.
     *
     * <p><b>Expectation changed (attack 9 fixes, 2026-11-28):</b> the attack 7 fix (the lowest
     * data_collection_order seen above 1 taken as "reading began inside the transaction") is the inference from
     * arrival order that attack 9 finding 2 mirrored: the same inputs come from a live T whose changes 1 and 4 trail
     * on a slow partition (truth: stale). Decided toward the bounded, counted over-read: the hold trails and is given
     * up {@link ShopProcessorHarness#TRAILING_BOUND} (10 stall timeouts) after its last change, counted
     * {@code reason="unseen"}; in a consumer group the caught-up partitions release it (the END is a redelivery).
     * Pinned: every read at most the hold's own staleness (now − t1), current once the bound passed, one give-up.
     */
    @Test
    void finding2_aRestartWithTheLastChangeAppliedBeforeOnAnotherPartitionReadsCurrentWithinTheBound() {
        try (CdcEventProcessor p = processor()) {
            long t1 = clock.millis() - 100;
            p.process(List.of(heartbeat(clock.millis() - 50)));
            p.process(List.of(data("orders", 1, 2, t1, "21:1", 2), data("orders", 1, 3, t1, "21:1", 3),
                    end("21:1", t1, Map.of("public.orders", 4))));
            long endAt = clock.millis();
            List<String> reads = new ArrayList<>();
            double aboveStaleness = 0;
            double afterBound = 0;
            for (int s = 1; s <= 25; s++) {
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat(clock.millis() - 50)));
                double read = lag("orders");
                reads.add(String.format("%.1f", read));
                aboveStaleness = Math.max(aboveStaleness, read - (clock.millis() - t1) / 1e3);
                if (clock.millis() - endAt >= TRAILING_BOUND.toMillis()) {
                    afterBound = Math.max(afterBound, read);
                }
            }
            String state = "truth 0; lag(orders) after each heartbeat (2 s apart) " + reads + "; overall "
                    + overall() + "; health " + verdict(p.healthCheck().check());
            assertThat(aboveStaleness).as(state + ": never above T's own staleness").isLessThanOrEqualTo(0.001);
            assertThat(afterBound).as(state + ": current from the bound (10 stall timeouts) on").isLessThanOrEqualTo(2.5);
            assertThat(evicted(TransactionEnds.UNSEEN)).as(state).isEqualTo(1.0);
        }
    }

    /**
     * A table spread over partitions, one of them behind: T (commit t1) changes one row of orders whose key goes to
     * partition 2; its END arrives at once, the change 10 s later (the connector's producer retries it while the
     * partition's leader moves; the heartbeat topic is not behind: heartbeats every 2 s on time). Truth: T's change is
     * not applied until it arrives: staleness now − t1, up to 10 s. Expected: lag(orders) ≥ now − t1 at every read
     * until the change arrives. (The trailing hold of finding 2 waits 10 stall timeouts; this END, none of whose
     * changes was seen, gets 1.)
     * Actual (2026-11-27 18:19 UTC): read/truth each second 1.1/1.1, 2.1/2.1, 3.1/3.1, 0.0/4.1 ... 0.0/10.1: 7 of 10
     * reads 0.0, under the truth by up to 10.1 s; health UP. Cause: the hold is not trailing (none of T's changes
     * seen), so {@code TransactionEnds.verdict} gives it up after {@code giveUp} (the stall timeout, 4 s) since
     * nothing of the topic is known to wait here, and the next heartbeat confirms the partition. Documented as the
     * routing case ("its changes went to a topic this processor does not read"), but the same give-up cuts short
     * a change merely slower than the stall timeout; with Kafka the caught-up state does not tell them apart either
     * (the change is in the connector's producer, not at the broker).
     */
    @Test
    void finding3_anEndWhoseOnlyChangeIsTenSecondsBehindHoldsUntilItArrives() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(end("22:1", t1, Map.of("public.orders", 1))));
            List<String> reads = new ArrayList<>();
            int under = 0;
            for (int s = 1; s <= 10; s++) {
                clock.advance(Duration.ofSeconds(1));
                if (s % 2 == 0) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                double truth = (clock.millis() - t1) / 1e3;
                double read = lag("orders");
                reads.add(String.format("%.1f/%.1f", read, truth));
                if (read < truth - 0.001 || overall() < truth - 0.001) {
                    under++;
                }
            }
            p.process(List.of(data("orders", 2, 200, t1, "22:1", 1)));
            String state = "read/truth each second " + reads + "; " + under + " of " + reads.size()
                    + " reads under the truth; health " + verdict(p.healthCheck().check());
            assertThat(under).as(state).isZero();
        }
    }

    /**
     * close() while a host thread's {@code process(...)} is applying: the apply takes until the test releases it.
     * Truth: the applier is in use until apply returns. Expected: close() does not return (nor close the applier)
     * before the apply returned; the applier is closed once, after it; the process call returns normally (its batch
     * applied). Then a second processor whose apply fails once closing began: the call throws, nothing is
     * dead-lettered.
     */
    @Test
    void closeWaitsForARunningProcessApplyAndNeverDeadLettersAtClose() throws Exception {
        List<String> events = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        io.migmon.cdc.spi.ChangeApplier applier = new io.migmon.cdc.spi.ChangeApplier() {
            @Override
            public void apply(List<io.migmon.cdc.event.ChangeEvent> batch) throws Exception {
                events.add("apply-start");
                entered.countDown();
                release.await();
                events.add("apply-end");
            }

            @Override
            public void close() {
                events.add("close");
            }
        };
        CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(applier)
                .heartbeatInterval(HEARTBEAT).closeTimeout(Duration.ofSeconds(30)).build();
        java.util.concurrent.atomic.AtomicReference<Throwable> processFailure = new java.util.concurrent.atomic.AtomicReference<>();
        Thread host = new Thread(() -> {
            try {
                p.process(List.of(data("orders", 0, 1, clock.millis() - 100, null, 0)));
            } catch (Throwable t) {
                processFailure.set(t);
            }
        });
        host.start();
        assertThat(entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Thread closer = new Thread(p::close);
        closer.start();
        closer.join(500);
        assertThat(closer.isAlive()).as("close() returned while apply runs: " + events).isTrue();
        assertThat(events).as("applier closed beneath the apply").doesNotContain("close");
        release.countDown();
        closer.join(10_000);
        host.join(10_000);
        assertThat(closer.isAlive()).isFalse();
        assertThat(events).containsExactly("apply-start", "apply-end", "close");
        assertThat(processFailure.get()).as("the process call").isNull();

        java.util.concurrent.CountDownLatch entered2 = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch fail = new java.util.concurrent.CountDownLatch(1);
        CdcEventProcessor q = CdcEventProcessor.builder().meterRegistry(new SimpleMeterRegistry()).clock(clock)
                .applier(batch -> {
                    entered2.countDown();
                    fail.await();
                    throw new IllegalStateException("connection closed by the shutdown");
                }).heartbeatInterval(HEARTBEAT).applyRetries(0).build();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure2 = new java.util.concurrent.atomic.AtomicReference<>();
        Thread host2 = new Thread(() -> {
            try {
                q.process(List.of(data("orders", 0, 2, clock.millis() - 100, null, 0)));
            } catch (Throwable t) {
                failure2.set(t);
            }
        });
        host2.start();
        assertThat(entered2.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        Thread closer2 = new Thread(q::close);
        closer2.start();
        while (closer2.isAlive() && closer2.getState() != Thread.State.TIMED_WAITING
                && closer2.getState() != Thread.State.WAITING) {
            Thread.onSpinWait();
        }
        fail.countDown();
        host2.join(10_000);
        closer2.join(10_000);
        assertThat(failure2.get()).as("a batch failing at close is reported to the host").isInstanceOf(
                CdcProcessingException.class);
        assertThat(q.deadLettered()).as("dead-lettered at close").isZero();
    }

    private CdcRecord heartbeatOf(String connector, long tsMs) {
        return CdcRecord.of("__debezium-heartbeat." + connector, 0, offsets.incrementAndGet(), clock.millis(),
                ("{\"serverName\":\"" + connector + "\"}").getBytes(StandardCharsets.UTF_8),
                ("{\"ts_ms\":" + tsMs + "}").getBytes(StandardCharsets.UTF_8));
    }

    /**
     * A genuine connector stall right after one late heartbeat: heartbeats every 2 s, 50 ms in transit; heartbeat k
     * (emitted at h) arrives 1.9 s late (a broker hiccup; the silence before it reads 3.9 s, under the 4 s stall
     * timeout, so no DOWN), then the connector dies: nothing is emitted after h. Truth: the connector has been silent
     * since h. Documented cost of the step rule ({@code ProgressTracker.ClockOffset}): a heartbeat late by more than
     * the step threshold (1 s) is judged by its arrival, so the stall is reported at most that much later. Expected:
     * UP while alive; DOWN "connector silent" at every read from h + stall timeout + its lateness (1.9 s) + 0.1 s on;
     * the reads between h + 4 s and then are recorded (the documented late window), not asserted.
     */
    @Test
    void aStallRightAfterALateHeartbeatIsReportedWithinTheDocumentedBound() {
        try (CdcEventProcessor p = processor()) {
            p.process(List.of(data("orders", 0, 1, clock.millis() - 100, null, 0)));
            for (int i = 0; i < 10; i++) {
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat(clock.millis() - 50)));
                assertThat(verdict(p.healthCheck().check())).as("alive, read %d", i).startsWith("UP");
            }
            long h = clock.millis() + HEARTBEAT.toMillis() - 50; // the next heartbeat's emission
            clock.advance(Duration.ofMillis(HEARTBEAT.toMillis() + 1_900 - 50));
            assertThat(verdict(p.healthCheck().check())).as("3.9 s without a heartbeat, alive").startsWith("UP");
            p.process(List.of(heartbeat(h))); // 1.9 s late; then nothing more
            List<String> reads = new ArrayList<>();
            for (int ms = 100; ms <= 10_000; ms += 100) {
                clock.advance(Duration.ofMillis(100));
                long silence = clock.millis() - h;
                String v = verdict(p.healthCheck().check());
                if (silence >= 4_000 + 1_900 + 100) {
                    assertThat(v).as("silent %d ms since the last emission", silence).startsWith("DOWN");
                } else if (silence >= 4_000) {
                    reads.add(silence + ":" + v.substring(0, v.indexOf(' ')));
                }
            }
            System.out.println("attack7 late-heartbeat stall: reads in the documented late window " + reads);
        }
    }

    /**
     * Two connectors (shop, shop2), heartbeats every 2 s from each. shop2's host clock steps back 5 s (its
     * heartbeats' ts_ms jump back; the processor re-learns its offset from the first one after the step), one more
     * heartbeat of shop2 arrives, then shop2 dies; shop keeps on. Truth: shop2 silent since its last heartbeat.
     * Expected: UP while both are alive (also across the step); DOWN naming shop2's heartbeat topic once shop2 was
     * silent stall timeout + one heartbeat interval (6 s), at every read after.
     */
    @Test
    void oneOfTwoConnectorsDyingRightAfterItsClockSteppedBackIsReported() {
        try (CdcEventProcessor p = processor()) {
            p.process(List.of(heartbeatOf("shop", clock.millis() - 50), heartbeatOf("shop2", clock.millis() - 50)));
            long skew2 = 0;
            for (int i = 0; i < 12; i++) {
                clock.advance(HEARTBEAT);
                if (i == 10) {
                    skew2 = -5_000;
                }
                p.process(List.of(heartbeatOf("shop", clock.millis() - 50),
                        heartbeatOf("shop2", clock.millis() - 50 + skew2)));
                clock.advance(Duration.ofMillis(1_000));
                assertThat(verdict(p.healthCheck().check())).as("both alive, read %d", i).startsWith("UP");
                clock.advance(Duration.ofMillis(-1_000));
            }
            long lastOfShop2 = clock.millis() - 50;
            List<String> reads = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeatOf("shop", clock.millis() - 50)));
                long silence = clock.millis() - lastOfShop2;
                String v = verdict(p.healthCheck().check());
                reads.add(silence + ":" + v);
                if (silence >= 6_000) {
                    assertThat(v).as("shop2 silent %d ms; reads %s", silence, reads).startsWith("DOWN")
                            .contains("shop2");
                }
            }
        }
    }

    /**
     * The END overtakes a large transaction's data (the trailing case): T (commit t1) changes orders 8 times on
     * partition 0; change 1 arrives, then T's END, then changes 2-8 one per {@code gapMs}; heartbeats every 2 s on
     * time. With {@code poison}, a record of orders on partition 1 (not T's: T is on partition 0) that is not valid JSON
     * is dead-lettered 0.5 s after the END. Truth: changes of T committed at t1 wait until change 8: staleness now − t1.
     * Expected: lag(orders) and overall ≥ now − t1 at every read until change 8.
     */
    private String trailingRun(long gapMs, boolean poison) {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(data("orders", 0, 301, t1, "23:1", 1)));
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(end("23:1", t1, Map.of("public.orders", 8))));
            if (poison) {
                clock.advance(Duration.ofMillis(500));
                p.process(List.of(CdcRecord.of("shop.public.orders", 1, offsets.incrementAndGet(), clock.millis(),
                        "{\"id\":9}".getBytes(StandardCharsets.UTF_8),
                        "{\"before\":null,\"after\":{\"id\":9},\"sou".getBytes(StandardCharsets.UTF_8))));
                assertThat(p.deadLettered()).isEqualTo(1);
            }
            List<String> reads = new ArrayList<>();
            int under = 0;
            long nextHeartbeat = clock.millis() + 2_000;
            for (int order = 2; order <= 8; order++) {
                for (long ms = 0; ms < gapMs; ms += 500) {
                    clock.advance(Duration.ofMillis(500));
                    if (clock.millis() >= nextHeartbeat) {
                        p.process(List.of(heartbeat(clock.millis() - 50)));
                        nextHeartbeat += 2_000;
                    }
                    double truth = (clock.millis() - t1) / 1e3;
                    double read = Math.min(lag("orders"), overall());
                    if (read < truth - 0.001) {
                        under++;
                        reads.add(String.format("%.1f/%.1f", read, truth));
                    }
                }
                p.process(List.of(data("orders", 0, 300 + order, t1, "23:1", order)));
            }
            return under == 0 ? "" : under + " reads under the truth (read/truth): " + reads;
        }
    }

    /** Held expectation: the trailing hold with changes 1 s apart and 6 s apart, no dead letter. */
    @Test
    void aTrailingTransactionStreamingSlowlyHoldsTheTable() {
        assertThat(trailingRun(1_000, false)).as("1 s apart").isEmpty();
        assertThat(trailingRun(6_000, false)).as("6 s apart").isEmpty();
    }

    /**
     * The same at 1 s per change (4 times faster than the stall timeout) with one unrelated record of the table's
     * topic (partition 1; T is on partition 0) dead-lettered 0.5 s after the END. Actual (2026-11-27 18:21 UTC):
     * 8 reads under the truth, read/truth 1.6/4.2, 0.0/4.7, 0.6/5.2, 1.1/5.7, 1.6/6.2, 0.0/6.7, 0.6/7.2, 1.1/7.7
     * (T's changes still arriving one a second, the last one at 7.2 s). Cause: {@code TransactionEnds.deadLettered}
     * clears {@code trailing} of every hold of the topic for a dead letter anywhere on it after the transaction's
     * first change, and then {@code verdict} gives the non-trailing hold up {@code giveUp} (4 s) after the END's
     * arrival, not after its last change ({@code lastArrivalNanos} is read for trailing holds only): a transaction
     * still streaming is given up.
     */
    @Test
    void finding4_aTrailingTransactionBesideAnUnrelatedDeadLetterHoldsTheTable() {
        assertThat(trailingRun(1_000, true)).isEmpty();
    }

    /**
     * After finding 3's give-up: T (commit t1, 4 changes of orders, partition 0) has its END arrive first and its
     * changes only from 5 s on (past the 4 s give-up), one per second. Truth: from the END to change 4, changes of T
     * committed at t1 wait: staleness now − t1. Expected (the part not covered by finding 3): once T's first change
     * arrived, lag(orders) and overall ≥ now − t1 at every read until change 4 (its END says 4, 1-3 seen).
     * Actual (2026-11-27 18:22 UTC): read/truth 1.6/5.6, 2.1/6.1, 2.6/6.6, 0.0/7.1, 0.6/7.6, 1.1/8.1: all 6 reads
     * under the truth (by 4.0-7.1 s) while 3 of T's 4 changes are in and the END says 4. Suspected cause: an END
     * with data_collections is recorded in {@code ProgressTracker.endedTransactions} as {@code COUNTED_PER_TABLE}
     * (so {@code changeArrived} takes its changes as closed) and leaves the count to {@code TransactionEnds}, whose
     * hold was removed at the give-up: a change of a given-up transaction arriving afterwards creates no hold again.
     */
    @Test
    void finding5_changesArrivingAfterAGivenUpEndHoldTheTableAgain() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(end("24:1", t1, Map.of("public.orders", 4))));
            for (int s = 1; s <= 5; s++) {
                clock.advance(Duration.ofSeconds(1));
                if (s % 2 == 0) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
            }
            List<String> reads = new ArrayList<>();
            int under = 0;
            for (int order = 1; order <= 4; order++) {
                p.process(List.of(data("orders", 0, 400 + order, t1, "24:1", order)));
                if (order == 4) {
                    break;
                }
                for (int h = 0; h < 2; h++) {
                    clock.advance(Duration.ofMillis(500));
                    if (clock.millis() % 2_000 < 500) {
                        p.process(List.of(heartbeat(clock.millis() - 50)));
                    }
                    double truth = (clock.millis() - t1) / 1e3;
                    double read = Math.min(lag("orders"), overall());
                    reads.add(String.format("%.1f/%.1f", read, truth));
                    if (read < truth - 0.001) {
                        under++;
                    }
                }
            }
            assertThat(under).as("read/truth " + reads).isZero();
        }
    }

    /**
     * A hung target under {@code process(...)}: heartbeats every 2 s are processed and applied at once; then the host's
     * call carrying a change and a heartbeat hangs in apply (a lock wait) for 12 s; the host feeds nothing else
     * meanwhile (its thread is in the call). Truth: the connector is alive (its heartbeat is in the hung call), the
     * target does not respond. Expected: UP before; DOWN naming the target ("target not responding") once the call ran
     * longer than the stall timeout (4 s), at every read from 4.5 s to 12 s, each with the call's own running time; no
     * read claims the connector silent without the target reason.
     */
    @Test
    void aHungProcessApplyReadsTargetDownNotOnlyConnectorSilent() throws Exception {
        java.util.concurrent.CountDownLatch entered = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean hang = new java.util.concurrent.atomic.AtomicBoolean();
        CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(batch -> {
            if (hang.get()) {
                entered.countDown();
                release.await();
            }
        }).heartbeatInterval(HEARTBEAT).build();
        try {
            p.process(List.of(data("orders", 0, 1, clock.millis() - 100, null, 0)));
            for (int i = 0; i < 5; i++) {
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat(clock.millis() - 50)));
                assertThat(verdict(p.healthCheck().check())).startsWith("UP");
            }
            clock.advance(HEARTBEAT);
            hang.set(true);
            long start = clock.millis();
            Thread host = new Thread(() -> p.process(List.of(data("orders", 0, 2, clock.millis() - 100, null, 0),
                    heartbeat(clock.millis() - 50))));
            host.start();
            assertThat(entered.await(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
            List<String> reads = new ArrayList<>();
            List<String> wrong = new ArrayList<>();
            for (int ms = 500; ms <= 12_000; ms += 500) {
                clock.advance(Duration.ofMillis(500));
                String v = verdict(p.healthCheck().check());
                reads.add(ms + ":" + v);
                if (ms >= 4_500 && !(v.startsWith("DOWN") && v.contains("target not responding: apply running for "
                        + (clock.millis() - start) + " ms"))) {
                    wrong.add(ms + ":" + v);
                }
            }
            release.countDown();
            host.join(10_000);
            assertThat(wrong).as("reads " + reads).isEmpty();
        } finally {
            release.countDown();
            p.close();
        }
    }

    /**
     * A trailing transaction over two tables whose last change (by total_order) is of the other table: T (commit t1)
     * changes orders 3 times (total_order 1-3, partition 0) and items once (total_order 4). orders' partition drains
     * slowly (a large backlog in the Connect producer, as in EndOvertakesDataTest): orders change 1 arrives, then items
     * change 4 and T's END (orders 3, items 1) at once, orders changes 2 and 3 only 8 s and 9 s later; heartbeats every
     * 2 s on time. Truth: orders changes of T wait until 9 s: lag(orders) and overall ≥ now − t1 until then; items
     * complete. Expected: every read (each 0.5 s) until orders change 3 ≥ now − t1.
     * Actual (2026-11-27 18:24 UTC): read/truth 0.7/0.7 ... 3.7/3.7, then 0.0/4.2 ... 0.0/7.7, 0.1/8.2, 0.6/8.7,
     * 1.1/9.2: 11 of 18 reads under the truth by up to 8.1 s (also after orders change 2 arrived at 8 s).
     * Cause: {@code TransactionEnds.trails} takes "the last change arrived" from the transaction's highest
     * total_order over all its tables ({@code maxOrder >= h.total}): items' change 4 (a fast partition) makes the
     * orders hold non-trailing, so {@code verdict} gives it up after the stall timeout (4 s) from the END.
     */
    @Test
    void finding6_aTrailingTableWhoseTransactionsLastChangeIsOfAnotherTableHolds() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(data("orders", 0, 501, t1, "25:1", 1)));
            clock.advance(Duration.ofMillis(100));
            java.util.Map<String, Integer> dc = new java.util.LinkedHashMap<>();
            dc.put("public.orders", 3);
            dc.put("public.items", 1);
            p.process(List.of(data("items", 0, 504, t1, "25:1", 4), end("25:1", t1, dc)));
            List<String> reads = new ArrayList<>();
            int under = 0;
            for (int half = 1; half <= 18; half++) {
                clock.advance(Duration.ofMillis(500));
                if (half % 4 == 0) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                if (half == 16) {
                    p.process(List.of(data("orders", 0, 502, t1, "25:1", 2)));
                }
                double truth = (clock.millis() - t1) / 1e3;
                double read = Math.min(lag("orders"), overall());
                reads.add(String.format("%.1f/%.1f", read, truth));
                if (read < truth - 0.001) {
                    under++;
                }
            }
            p.process(List.of(data("orders", 0, 503, t1, "25:1", 3)));
            assertThat(under).as("read/truth every 0.5 s " + reads).isZero();
        }
    }

    /**
     * The processor host's clock steps forward 5 s (NTP) while a transaction streams at one change per second (no END
     * yet, well within the stall timeout): T (commit t1) has 8 changes of orders on partition 0, arriving at true
     * times t1 + 0.1 s, + 1.1 s, ...; the step comes 0.3 s after change 3, a heartbeat (on time, stamped in true time)
     * 0.2 s later. Truth (true time): changes of T committed at t1 wait until change 8: staleness (true now) − t1.
     * Expected: no read until change 8 under the truth (the processor's stepped clock can only make it read more).
     * Actual (2026-11-27 18:26 UTC): after the heartbeat that follows the step, read/truth 0.0/2.6, 0.0/2.7 ...
     * 0.0/3.1 (6 reads, until change 4 arrives 0.5 s later; a longer gap between changes keeps it 0 longer).
     * Suspected cause: {@code ProgressTracker.endLost} measures now − the last change's arrival on the processor's
     * wall clock ({@code nowNanos}), so a forward step of more than the stall timeout takes the END of a transaction
     * streaming at 1 change/s as lost at once and the next heartbeat confirms the partition (a monotonic clock for
     * that interval would not see the step).
     */
    @Test
    void finding7_aProcessorClockStepDuringAStreamingTransactionDoesNotEndIt() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            long skew = 0; // processor clock − true time
            clock.advance(Duration.ofMillis(100));
            List<String> reads = new ArrayList<>();
            int under = 0;
            for (int order = 1; order <= 8; order++) {
                p.process(List.of(data("orders", 0, 600 + order, t1, "26:1", order)));
                if (order == 8) {
                    break;
                }
                for (int tenth = 1; tenth <= 10; tenth++) {
                    clock.advance(Duration.ofMillis(100));
                    if (order == 3 && tenth == 3) {
                        stepClock(Duration.ofSeconds(5)); // the wall clock only: a step, not elapsed time
                        skew = 5_000;
                    }
                    if (order == 3 && tenth == 5 || tenth == 10 && order % 2 == 0) {
                        p.process(List.of(heartbeat(clock.millis() - skew - 50)));
                    }
                    double truth = (clock.millis() - skew - t1) / 1e3;
                    double read = Math.min(lag("orders"), overall());
                    if (read < truth - 0.001) {
                        under++;
                        reads.add(String.format("%.1f/%.1f", read, truth));
                    }
                }
            }
            assertThat(under).as("reads under the truth (read/truth) " + reads).isZero();
        }
    }

    /**
     * Fix of finding 5's direction (re-open), the case the longer holds of findings 1-3 leave to it: T (commit t1)
     * changes orders 3 times; its last change (data_collection_order 3, partition 0) arrives with its END, changes 1
     * and 2 (partition 1, behind) only 6 s and 8 s later. The hold has the table's last change: not trailing, given
     * up after the stall timeout (4 s: the restart case, whose earlier changes were applied before). Truth: changes of
     * T wait until 8 s. Expected (the documented cost: the reads from the give-up to change 1 are under the truth,
     * recorded, not asserted): once change 1 arrived, lag(orders) and overall ≥ now − t1 at every read until change
     * 2 — the change of a given-up transaction holds the table again.
     */
    @Test
    void aChangeOfAGivenUpTransactionHoldsTheTableAgain() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(data("orders", 0, 703, t1, "27:1", 3), end("27:1", t1, Map.of("public.orders", 3))));
            List<String> gap = new ArrayList<>();
            List<String> reads = new ArrayList<>();
            int under = 0;
            for (int half = 1; half <= 16; half++) {
                clock.advance(Duration.ofMillis(500));
                if (half % 4 == 0) {
                    p.process(List.of(heartbeat(clock.millis() - 50)));
                }
                if (half == 12) {
                    p.process(List.of(data("orders", 1, 701, t1, "27:1", 1)));
                }
                double truth = (clock.millis() - t1) / 1e3;
                double read = Math.min(lag("orders"), overall());
                if (half < 12) {
                    gap.add(String.format("%.1f/%.1f", read, truth));
                } else {
                    reads.add(String.format("%.1f/%.1f", read, truth));
                    if (read < truth - 0.001) {
                        under++;
                    }
                }
            }
            p.process(List.of(data("orders", 1, 702, t1, "27:1", 2)));
            System.out.println("attack7 re-open: read/truth before change 1 (given up after 4 s) " + gap);
            assertThat(under).as("read/truth after change 1 " + reads).isZero();
        }
    }

    /**
     * The monotonic clock for the END hold's give-up (finding 7's direction, for the stall-timeout give-up): T
     * (commit t1) changes orders twice; its last change (partition 0) arrives with its END, change 1 (partition 1,
     * behind) 3 s later; 1 s after the END the processor's wall clock steps forward 5 s (NTP). Truth (true time):
     * change 1 waits until 3 s. Expected: every read until then ≥ (true now) − t1: the hold (not trailing: its last
     * change seen; given up 4 s after its last arrival) is not given up by the step.
     */
    @Test
    void aClockStepDoesNotGiveUpAnEndHold() {
        try (CdcEventProcessor p = processor()) {
            settle(p);
            long t1 = clock.millis();
            long skew = 0;
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(data("orders", 0, 802, t1, "28:1", 2), end("28:1", t1, Map.of("public.orders", 2))));
            List<String> reads = new ArrayList<>();
            int under = 0;
            for (int tenth = 1; tenth <= 29; tenth++) {
                clock.advance(Duration.ofMillis(100));
                if (tenth == 10) {
                    stepClock(Duration.ofSeconds(5));
                    skew = 5_000;
                }
                if (tenth % 10 == 5) {
                    p.process(List.of(heartbeat(clock.millis() - skew - 50)));
                }
                double truth = (clock.millis() - skew - t1) / 1e3;
                double read = Math.min(lag("orders"), overall());
                if (read < truth - 0.001) {
                    under++;
                    reads.add(String.format("%.1f/%.1f", read, truth));
                }
            }
            p.process(List.of(data("orders", 1, 801, t1, "28:1", 1)));
            assertThat(under).as("reads under the truth (read/truth) " + reads).isZero();
        }
    }
}
