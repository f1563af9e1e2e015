package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attack 4 (issue 11), unit level: clock skew between the source side (the database stamping {@code source.ts}, the
 * connector stamping heartbeat {@code ts_ms}) and the processor host. {@code process(...)} with a
 * {@link MutableClock} as the processor's clock; the source side is a producer whose stamps are the true time plus a
 * fixed skew. Ground truth: every change is applied 100 ms after its true commit, so the true staleness of the target
 * is 0 once it is applied. Every finding still open is {@code @Disabled} with its number.
 */
class CdcAttack4Test {

    private static final Duration HEARTBEAT = Duration.ofSeconds(2);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-01-10T10:00:00Z");

    private static String change(int id, long sourceTsMs) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":" + sourceTsMs
                + ",\"schema\":\"public\",\"table\":\"orders\"},\"op\":\"c\",\"ts_ms\":" + sourceTsMs + "}";
    }

    private static CdcRecord heartbeat(long tsMs) {
        return CdcRecord.of("__debezium-heartbeat.shop", "{\"serverName\":\"shop\"}", "{\"ts_ms\":" + tsMs + "}");
    }

    private double overallLag() {
        return registry.get("cdc.replication.lag.overall").gauge().value();
    }

    /**
     * Source host (database and connector) 5 s behind the processor. A change committed (true time) 100 ms before it
     * is applied, then heartbeats every 2 s, all stamped 5 s behind. The 5 s offset itself is the documented NTP
     * assumption; but the confirmation rule compares the heartbeat's source-side {@code ts_ms} with the change's
     * arrival time on the processor's clock, so no heartbeat counts as "emitted after the change" until 5 s of true
     * time passed: the lag keeps growing from the change's skewed stamp for the skew plus a heartbeat interval.
     * Expected: at most skew + truth (5.1 s) after two heartbeats emitted after the change; actual 9.1 s at 4 s
     * after the change (and 0 only at the third heartbeat, 6 s). Over-read 2x the skew, not bounded by it.
     */
    @Test
    @Disabled("finding 1: a source clock 5 s behind over-reads lag by 9.1 s (not 5.1) after 2 heartbeats: "
            + "heartbeat ts (source clock) compared with change arrival (processor clock)")
    void finding1_sourceClockBehindDelaysTheHeartbeatConfirmationByTheSkew() {
        long skewMs = -5_000;
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock)
                .applier(batch -> { }).heartbeatInterval(HEARTBEAT).build()) {
            long trueCommit = clock.millis() - 100;
            p.process(List.of(CdcRecord.of("shop.public.orders", null, change(1, trueCommit + skewMs))));
            double[] lags = new double[3];
            for (int i = 0; i < 3; i++) {
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat(clock.millis() - 50 + skewMs))); // emitted 50 ms before it arrives
                lags[i] = overallLag();
            }
            // truth: 0 (applied; two heartbeats emitted after it arrived); the skew alone explains 5.1 s at most
            assertThat(lags[1]).as("lag after 2 heartbeats emitted after the change (lags %s)",
                    java.util.Arrays.toString(lags)).isLessThanOrEqualTo(5.1 + 0.01);
        }
    }
}
