package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One change whose {@code source.ts} lies far in the future (a source host with a wrong clock, a connector that
 * writes another unit into the field) must not blind the processor for good: once heartbeats stop, the connector
 * stall must still be detected within 2 heartbeat intervals and the replication lag must grow, not read 0 until the
 * wall clock reaches that future time. {@code process(...)} with a {@link MutableClock}, exact to the ms.
 */
class FutureTimestampAttackTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-01-10T10:00:00Z");

    private static String change(int id, long sourceTsMs) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":" + sourceTsMs
                + ",\"schema\":\"public\",\"table\":\"orders\"},\"op\":\"c\",\"ts_ms\":" + sourceTsMs + "}";
    }

    private CdcRecord heartbeat(long tsMs) {
        return CdcRecord.of("__debezium-heartbeat.shop", "{\"serverName\":\"shop\"}", "{\"ts_ms\":" + tsMs + "}");
    }

    @Test
    void aChangeFromTheFutureDoesNotHideAStalledConnectorNorFreezeTheLagAtZero() {
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock)
                .applier(batch -> { }).heartbeatInterval(Duration.ofSeconds(2)).build()) {
            p.process(List.of(CdcRecord.of("shop.public.orders", null, change(1, clock.millis() - 500))));
            p.process(List.of(CdcRecord.of("shop.public.orders", null,
                    change(2, clock.millis() + Duration.ofDays(365).toMillis()))));
            for (int i = 0; i < 3; i++) {
                clock.advance(Duration.ofSeconds(2));
                p.process(List.of(heartbeat(clock.millis())));
            }
            // heartbeats stop (connector paused): DOWN within 2 intervals (4 s) plus the 1 s tolerance
            clock.advance(Duration.ofSeconds(5));
            Health h = p.healthCheck().check();
            assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(h.details()).containsEntry("stage", "connector");
            assertThat(registry.get("cdc.replication.lag.overall").gauge().value()).as("ages once heartbeats stop")
                    .isGreaterThanOrEqualTo(4.0);
        }
    }
}
