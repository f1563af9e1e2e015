package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Two processors of one name on one registry share every meter (each is tagged {@code processor=<name>}; Micrometer
 * returns the first one's), so the second's values are invisible: the build fails naming {@code name}. A closed
 * processor's name is free again, and its {@code cdc_processor_up} (kept after close, reading 0) gives way to the new
 * processor's. Ground truth: the events each processor was handed.
 */
class ProcessorNameTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-01-10T10:00:00Z");

    private CdcEventProcessor.Builder builder(String name) {
        return CdcEventProcessor.builder(name).meterRegistry(registry).clock(clock).applier(batch -> { });
    }

    private static CdcRecord change(int id, long ms) {
        return CdcRecord.of("shop.public.orders", "{\"id\":" + id + "}", "{\"before\":null,\"after\":{\"id\":" + id
                + "},\"source\":{\"name\":\"shop\",\"ts_ms\":" + ms + ",\"schema\":\"public\",\"table\":\"orders\"},"
                + "\"op\":\"c\",\"ts_ms\":" + ms + "}");
    }

    private double processed(String name) {
        return registry.get("cdc.events.processed").tag("processor", name).counter().count();
    }

    private double up(String name) {
        return registry.get("cdc.processor.up").tag("processor", name).gauge().value();
    }

    @Test
    void aSecondLiveProcessorOfTheSameNameFailsAtBuildNamingIt() {
        try (CdcEventProcessor first = builder("orders").build()) {
            first.process(List.of(change(1, clock.millis())));
            assertThatThrownBy(() -> builder("orders").build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("name: ")
                    .hasMessageContaining("'orders'");
            // the default name too
            try (CdcEventProcessor unnamed = CdcEventProcessor.builder().meterRegistry(registry).build()) {
                assertThatThrownBy(() -> CdcEventProcessor.builder().meterRegistry(registry).build())
                        .hasMessageContaining("'cdc'");
            }
            // the failed build left the first's meters alone
            assertThat(processed("orders")).isEqualTo(1);
            assertThat(up("orders")).isEqualTo(1);
            // another name is fine
            try (CdcEventProcessor other = builder("billing").build()) {
                other.process(List.of(change(2, clock.millis()), change(3, clock.millis())));
                assertThat(processed("billing")).isEqualTo(2);
                assertThat(processed("orders")).isEqualTo(1);
            }
        }
    }

    @Test
    void aClosedProcessorsNameCanBeReusedAndTheNewOneIsVisible() {
        CdcEventProcessor first = builder("orders").build();
        first.process(List.of(change(1, clock.millis())));
        first.close();
        assertThat(up("orders")).as("kept after close, reading 0").isZero();
        try (CdcEventProcessor second = builder("orders").build()) {
            assertThat(up("orders")).as("the new processor's state, not the closed one's").isEqualTo(1);
            second.process(List.of(change(2, clock.millis()), change(3, clock.millis())));
            assertThat(processed("orders")).as("the second's own counter: 2 events handed to it").isEqualTo(2);
        }
        assertThat(up("orders")).isZero();
        assertThat(registry.find("cdc.processor.up").gauges()).hasSize(1);
    }
}
