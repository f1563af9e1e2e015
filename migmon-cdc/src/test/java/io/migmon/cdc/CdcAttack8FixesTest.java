package io.migmon.cdc;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the attack 8 fixes (cdc-fix13) keep and why finding 4 stays open: the other side of each changed rule, through
 * {@code process(...)} on the {@link ShopProcessorHarness} clock. Ground truth as in {@code CdcAttack8Test}: each
 * change is applied when processed; truth = now − commit time of the oldest change committed and not applied yet.
 */
class CdcAttack8FixesTest extends ShopProcessorHarness {

    /**
     * Finding 4's inputs, live: T (commit t1) changes orders 4 times, data_collection_order 1 and 3 on partition 0,
     * 2 and 4 on partition 1; changes 1 and 3 and T's END arrive, changes 2 and 4 are held back 20 s (their
     * partition's producer batch retried) and arrive then. Up to the 12 s read of finding 4 the processor gets exactly
     * finding 4's records and heartbeats. Truth: now − t1 until changes 2 and 4 arrive. Expected: no read under it —
     * so finding 4's expectation (0 at 12 s on the same inputs) cannot hold as well.
     */
    @Test
    void finding4sInputsWithTheRestTrailingOnAnotherPartitionReadTheTruth() {
        try (CdcEventProcessor p = processor()) {
            long t1 = clock.millis() - 100;
            p.process(List.of(heartbeat(clock.millis() - 50)));
            p.process(List.of(data("orders", 0, 1, t1, "50:1", 1), data("orders", 0, 3, t1, "50:1", 3),
                    end("50:1", t1, Map.of("public.orders", 4))));
            List<String> under = new ArrayList<>();
            for (int s = 1; s <= 10; s++) {
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat(clock.millis() - 50)));
                double truth = (clock.millis() - t1) / 1e3;
                double read = Math.min(lag("orders"), overall());
                if (read < truth - 0.001) {
                    under.add(String.format("%.1f/%.1f", read, truth));
                }
            }
            p.process(List.of(data("orders", 1, 2, t1, "50:1", 2), data("orders", 1, 4, t1, "50:1", 4)));
            clock.advance(HEARTBEAT);
            p.process(List.of(heartbeat(clock.millis() - 50)));
            assertThat(under).as("reads under the truth (read/truth)").isEmpty();
            assertThat(lag("orders")).as("all applied").isLessThanOrEqualTo(2.5);
        }
    }

    /**
     * A broken END (its value cut inside the id) whose key names its transaction (Debezium's transaction key
     * {@code {"id": ...}}): T's END is taken as lost once no change of T arrived for the stall timeout, as when the
     * value named it (attack 6 finding 3). Truth: T's one change is applied: 0. Expected: lag(orders) ≤ one heartbeat
     * interval + 0.5 s from 3 stall timeouts (12 s) on.
     */
    @Test
    void aBrokenEndNamedByItsKeyEndsItsTransaction() {
        try (CdcEventProcessor p = processor()) {
            p.process(List.of(data("orders", 0, 1, clock.millis() - 100, "3:1", 1),
                    end("3:1", clock.millis() - 100, Map.of("public.orders", 1)), heartbeat(clock.millis())));
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(heartbeat(clock.millis() - 50)));
            long t1 = clock.millis();
            clock.advance(Duration.ofMillis(200));
            p.process(List.of(data("orders", 0, 2, t1, "9:1", 1)));
            p.process(List.of(CdcRecord.of("shop.transaction", 0, offsets.incrementAndGet(), clock.millis(),
                    "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"id\":\"9:1\"}}".getBytes(StandardCharsets.UTF_8),
                    "{\"status\":\"END\",\"id\":\"9".getBytes(StandardCharsets.UTF_8))));
            assertThat(p.deadLettered()).isEqualTo(1);
            List<String> reads = new ArrayList<>();
            for (int s = 1; s <= 10; s++) {
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat(clock.millis() - 50)));
                reads.add(String.format("%.1f", lag("orders")));
                if (s >= 6) {
                    assertThat(lag("orders")).as("truth 0; lag(orders) after each heartbeat %s", reads)
                            .isLessThanOrEqualTo(2.5);
                }
            }
        }
    }

    /** The key's transaction id, plain or with the JSON converter's schema envelope; null when there is none. */
    @Test
    void keyTransactionIdReadsDebeziumsTransactionKey() {
        assertThat(ChangePipeline.keyTransactionId("{\"id\":\"571:53195829\"}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("571:53195829");
        assertThat(ChangePipeline.keyTransactionId(("{\"schema\":{\"type\":\"struct\",\"fields\":[{\"field\":\"id\"}]},"
                + "\"payload\":{\"id\":\"7\"}}").getBytes(StandardCharsets.UTF_8))).isEqualTo("7");
        assertThat(ChangePipeline.keyTransactionId("Struct{id=571:53195832}".getBytes(StandardCharsets.UTF_8)))
                .as("StringConverter text of the key Struct (attack 9 finding 6)").isEqualTo("571:53195832");
        assertThat(ChangePipeline.keyTransactionId("Struct{id=null}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(ChangePipeline.keyTransactionId("Struct{}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(ChangePipeline.keyTransactionId(null)).isNull();
        assertThat(ChangePipeline.keyTransactionId("not json".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(ChangePipeline.keyTransactionId("{\"id\":null}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(ChangePipeline.keyTransactionId("{\"i".getBytes(StandardCharsets.UTF_8))).isNull();
    }
}
