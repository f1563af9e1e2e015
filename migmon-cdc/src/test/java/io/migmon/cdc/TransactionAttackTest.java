package io.migmon.cdc;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attacks on transaction grouping through {@code process(...)} with PostgreSQL 3.6.1 envelope shapes: a change whose
 * {@code transaction.total_order} is absurd (a corrupt or hostile record on a data topic) must not make the tracker
 * allocate memory in proportion to that number (a bitmap of 2^31 bits is 256 MB per transaction, an
 * {@code OutOfMemoryError} thrown into the host's loop after a few such records).
 */
class TransactionAttackTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-01-10T10:00:00Z");
    private final AtomicLong offsets = new AtomicLong();

    private CdcRecord change(int id, long xid, long totalOrder) {
        long ms = clock.millis() - 100;
        String json = "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":" + ms
                + ",\"ts_us\":" + ms * 1000 + ",\"schema\":\"public\",\"table\":\"orders\",\"txId\":" + xid
                + "},\"transaction\":{\"id\":\"" + xid + ":" + (26_000_000 + id) + "\",\"total_order\":" + totalOrder
                + ",\"data_collection_order\":1},\"op\":\"c\",\"ts_ms\":" + ms + "}";
        return CdcRecord.of("shop.public.orders", 0, offsets.incrementAndGet(), clock.millis(), null,
                json.getBytes(StandardCharsets.UTF_8));
    }

    private CdcRecord end(long xid, long eventCount) {
        String json = "{\"status\":\"END\",\"id\":\"" + xid + ":34210904\",\"event_count\":" + eventCount
                + ",\"data_collections\":[],\"ts_ms\":" + (clock.millis() - 100) + "}";
        return CdcRecord.of("shop.transaction", 0, offsets.incrementAndGet(), clock.millis(), null,
                json.getBytes(StandardCharsets.UTF_8));
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().getId());
    }

    @Test
    void anAbsurdTotalOrderDoesNotAllocateInProportionToIt() {
        try (CdcEventProcessor p = CdcEventProcessor.builder("tx-attack").meterRegistry(registry).clock(clock)
                .applier(batch -> { }).build()) {
            p.process(List.of(change(1, 500, 1), end(500, 1))); // warm: meters registered, parser loaded
            long before = allocatedBytes();
            p.process(List.of(change(2, 501, Integer.MAX_VALUE - 1L)));
            long allocated = allocatedBytes() - before;
            assertThat(allocated).as("bytes allocated for one change").isLessThan(16L << 20);
            // the processor is unharmed and a normal transaction still completes
            p.process(List.of(change(3, 502, 1), change(4, 502, 2), end(502, 2)));
            Timer t = registry.find("cdc.transaction.apply.lag").tag("source", "shop").timer();
            assertThat(t.count()).isEqualTo(2);
            assertThat(p.eventsProcessed()).isEqualTo(4);
            assertThat(p.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
        }
    }

    /**
     * An event of an open transaction cannot be parsed (an unknown {@code op}: dead-lettered). The transaction can
     * never be complete: it must be evicted {@code dead_lettered} at once, not linger until it expires (5 minutes at
     * least) and then be counted as {@code expired}. Ground truth: the tracker's open transactions, the eviction
     * counter per reason, no apply-lag sample for it.
     */
    @Test
    void aTransactionWithAnUnparseableEventIsEvictedDeadLetteredAtOnce() {
        try (CdcEventProcessor p = CdcEventProcessor.builder("tx-poison").meterRegistry(registry).clock(clock)
                .applier(batch -> { }).build()) {
            String unknownOp = new String(change(2, 600, 2).value(), StandardCharsets.UTF_8)
                    .replace("\"op\":\"c\"", "\"op\":\"x\"");
            p.process(List.of(change(1, 600, 1), CdcRecord.of("shop.public.orders", 0, offsets.incrementAndGet(),
                    clock.millis(), null, unknownOp.getBytes(StandardCharsets.UTF_8))));
            assertThat(p.deadLettered()).isEqualTo(1);
            assertThat(evicted("dead_lettered")).as("evicted when its event was dead-lettered").isEqualTo(1);
            // its END and a late redelivery change nothing; it never expires
            p.process(List.of(end(600, 2)));
            clock.advance(java.time.Duration.ofMinutes(11));
            p.process(List.of(change(3, 601, 1), end(601, 1)));
            assertThat(evicted("expired")).isZero();
            assertThat(evicted("dead_lettered")).isEqualTo(1);
            Timer t = registry.find("cdc.transaction.apply.lag").tag("source", "shop").timer();
            assertThat(t.count()).as("only the complete transaction 601").isEqualTo(1);
        }
    }

    private double evicted(String reason) {
        io.micrometer.core.instrument.Counter c = registry.find("cdc.transactions.evicted").tag("reason", reason)
                .counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void theSetOfAppliedOrdersAgreesWithAHashSetUnderShuffledDuplicatedDelivery() {
        java.util.Random random = new java.util.Random(11);
        for (int round = 0; round < 200; round++) {
            TransactionTracker.OrderSet set = new TransactionTracker.OrderSet();
            java.util.Set<Long> truth = new java.util.HashSet<>();
            int n = 1 + random.nextInt(300);
            for (int i = 0; i < n * 3; i++) {
                long v = random.nextInt(10) == 0 ? 1 + random.nextInt(Integer.MAX_VALUE) : 1 + random.nextInt(n);
                assertThat(set.add(v)).as("add %d (round %d)", v, round).isEqualTo(truth.add(v));
            }
        }
    }
}
