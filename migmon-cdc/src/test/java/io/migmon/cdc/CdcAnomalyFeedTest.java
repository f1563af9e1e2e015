package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.core.Severity;
import io.migmon.core.anomaly.Anomaly;
import io.migmon.core.anomaly.AnomalyDetector;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.anomaly.Sample;
import io.migmon.core.anomaly.StallDetector;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the processor feeds its anomaly monitor (events applied, dead letters, replication lag), and that the
 * {@code stall} anomaly and the processor's health, which share core's stall rule, agree: idle with heartbeats is
 * neither; silent heartbeats are both. Deterministic: a mutable clock and {@code process(...)} (no Kafka).
 */
class CdcAnomalyFeedTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-11-26T10:00:00Z");
    private final List<Sample> samples = new CopyOnWriteArrayList<>();
    private final List<Anomaly> events = new CopyOnWriteArrayList<>();
    private long offset;

    /** Records every sample it is fed. */
    private final class Capture implements AnomalyDetector {
        @Override public String type() { return "capture"; }
        @Override public String metric() { return "cdc_events_processed_total"; }
        @Override public Severity severity() { return Severity.INFO; }
        @Override public Duration fireAfter() { return Duration.ZERO; }
        @Override public Duration clearAfter() { return Duration.ZERO; }
        @Override public Condition evaluate(Sample sample) { samples.add(sample); return Condition.NORMAL; }
        @Override public double value() { return Double.NaN; }
        @Override public double threshold() { return Double.NaN; }
        @Override public String describe(boolean firing) { return "capture"; }
        @Override public AnomalyDetector fresh() { return this; }
    }

    private CdcRecord change(int id) {
        long ms = clock.millis();
        String v = "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"connector\":\"postgresql\",\"name\":\"shop\","
                + "\"ts_ms\":" + (ms - 500) + ",\"db\":\"src\",\"schema\":\"public\",\"table\":\"orders\",\"lsn\":1},"
                + "\"op\":\"c\",\"ts_ms\":" + ms + "}";
        return CdcRecord.of("shop.public.orders", 0, offset++, ms, null, v.getBytes(StandardCharsets.UTF_8));
    }

    private CdcRecord heartbeat() {
        return CdcRecord.of("__debezium-heartbeat.shop", 0, offset++, clock.millis(), null,
                ("{\"ts_ms\":" + clock.millis() + "}").getBytes(StandardCharsets.UTF_8));
    }

    private CdcEventProcessor processor(AnomalyMonitor monitor, ChangeApplier applier) {
        return CdcEventProcessor.builder("shop-replica").meterRegistry(registry).clock(clock).applier(applier)
                .heartbeatInterval(Duration.ofSeconds(10))
                .anomalyMonitor(monitor)
                .anomalySampleInterval(Duration.ofHours(1)) // the test samples by hand
                .build();
    }

    @Test
    void feedsEventsAppliedDeadLettersAndReplicationLag() {
        AnomalyMonitor monitor = AnomalyMonitor.builder("shop-replica").meterRegistry(registry).detector(new Capture()).build();
        List<Object> applied = new ArrayList<>();
        try (CdcEventProcessor p = processor(monitor, applied::addAll)) {
            p.process(List.of(change(1), change(2), change(3)));
            p.sampleAnomalies();
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(heartbeat()));
            p.sampleAnomalies();
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(CdcRecord.of("shop.public.orders", 0, offset++, clock.millis(), null,
                    "{not json".getBytes(StandardCharsets.UTF_8))));
            p.sampleAnomalies();
            assertThat(samples).hasSize(3);
            assertThat(samples.get(0).rowsDone()).isEqualTo(3);
            assertThat(samples.get(0).lagSeconds()).as("changes flowing: now - last applied source time").isEqualTo(0.5);
            assertThat(samples.get(1).lagSeconds()).as("a heartbeat after the last change: current").isZero();
            assertThat(samples.get(2).errors()).isEqualTo(1);
            assertThat(samples.get(2).rowsDone()).isEqualTo(3);
            assertThat(samples.get(2).at()).isEqualTo(clock.instant());
        }
    }

    @Test
    void idleIsNeitherAStallNorDownAndSilentHeartbeatsAreBoth() {
        AnomalyMonitor monitor = AnomalyMonitor.builder("shop-replica").meterRegistry(registry)
                .detector(StallDetector.builder().after(Duration.ofSeconds(30)).idleAtZeroLag(true).build())
                .listener(events::add).build();
        try (CdcEventProcessor p = processor(monitor, batch -> { })) {
            p.process(List.of(change(1)));
            for (int i = 0; i < 30; i++) { // five minutes idle, a heartbeat every 10 s
                clock.advance(Duration.ofSeconds(10));
                p.process(List.of(heartbeat()));
                p.sampleAnomalies();
                assertThat(p.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
            }
            assertThat(events).isEmpty();
            // the connector goes silent: health DOWN at 2 intervals (20 s); the lag reads 0 for one interval plus
            // the tolerance (15 s), then grows, and the stall fires 30 s after the last sample that read 0 (45 s)
            for (int s = 5; s <= 40; s += 5) {
                clock.advance(Duration.ofSeconds(5));
                p.sampleAnomalies();
                assertThat(p.healthCheck().check().status()).isEqualTo(s < 20 ? HealthStatus.UP : HealthStatus.DOWN);
            }
            assertThat(monitor.active()).isEmpty();
            clock.advance(Duration.ofSeconds(5));
            p.sampleAnomalies();
            assertThat(p.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);
            assertThat(p.healthCheck().check().reasons()).anySatisfy(r -> assertThat(r).contains("connector silent"));
            assertThat(p.healthCheck().check().details()).containsEntry("stage", "connector");
            assertThat(monitor.active()).extracting(Anomaly::type).containsExactly(StallDetector.TYPE);
        }
        assertThat(events).last().satisfies(a -> {
            assertThat(a.firing()).isFalse();
            assertThat(a.message()).contains("processor shop-replica closed");
        });
        assertThat(monitor.active()).isEmpty();
    }

    @Test
    void builderValidatesTheAnomalySettings() {
        assertThatThrownBy(() -> CdcEventProcessor.builder().anomalyMonitor(null)).hasMessageContaining("anomalyMonitor");
        assertThatThrownBy(() -> CdcEventProcessor.builder().anomalySampleInterval(Duration.ZERO))
                .hasMessageContaining("anomalySampleInterval");
        assertThat(CdcEventProcessor.defaultAnomalyDetectors()).extracting(AnomalyDetector::type)
                .containsExactly("throughput_drop", "throughput_spike", "high_error_rate", "stall", "lag_trend");
    }
}
