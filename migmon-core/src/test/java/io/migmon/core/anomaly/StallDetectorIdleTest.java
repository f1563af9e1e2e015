package io.migmon.core.anomaly;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The stall rule shared by the {@code stall} anomaly and a pipeline's own health (CDC): time without progress against
 * the limit, not counted while nothing waits (lag exactly 0 with {@code idleAtZeroLag}), readable between samples.
 */
class StallDetectorIdleTest {

    private static final Instant T0 = Instant.parse("2026-11-26T10:00:00Z");

    private static Instant at(double seconds) {
        return T0.plusMillis((long) (seconds * 1000));
    }

    @Test
    void anIdlePipelineIsNeverStalledAndAWaitingOneIsAfterTheLimit() {
        StallDetector d = (StallDetector) StallDetector.builder().after(Duration.ofSeconds(10)).idleAtZeroLag(true)
                .build().fresh();
        // ten minutes idle (nothing waits, lag 0), no progress: never abnormal
        for (int s = 0; s <= 600; s += 5) {
            assertThat(d.evaluate(Sample.of(at(s), 100, 0, 0.0))).isEqualTo(AnomalyDetector.Condition.NORMAL);
        }
        // work arrives at 600 s (lag > 0) and nothing is applied: the clock runs from the last idle sample
        assertThat(d.evaluate(Sample.of(at(605), 100, 0, 0.4))).isEqualTo(AnomalyDetector.Condition.NORMAL);
        assertThat(d.stalledSeconds(at(607))).isEqualTo(7.0);
        assertThat(d.stalledAt(at(609.9))).isFalse();
        assertThat(d.stalledAt(at(610))).as("read between samples, the detector unchanged").isTrue();
        assertThat(d.stalledSeconds(at(607))).isEqualTo(7.0);
        assertThat(d.evaluate(Sample.of(at(610), 100, 0, 5.4))).isEqualTo(AnomalyDetector.Condition.ABNORMAL);
        assertThat(d.value()).isEqualTo(10.0);
        assertThat(d.threshold()).isEqualTo(10.0);
        // progress resolves it and restarts the clock
        assertThat(d.evaluate(Sample.of(at(611), 150, 0, 0.2))).isEqualTo(AnomalyDetector.Condition.NORMAL);
        assertThat(d.stalledSeconds(at(612))).isEqualTo(1.0);
    }

    @Test
    void withoutTheOptionALagOfZeroIsNoExcuse() {
        StallDetector d = (StallDetector) StallDetector.builder().after(Duration.ofSeconds(10))
                .startupGrace(Duration.ofSeconds(10)).build().fresh(); // no startup grace: the lag rule alone
        d.evaluate(Sample.of(at(0), 100, 0, 0.0));
        assertThat(d.evaluate(Sample.of(at(5), 100, 0, 0.0))).isEqualTo(AnomalyDetector.Condition.NORMAL);
        assertThat(d.evaluate(Sample.of(at(10), 100, 0, 0.0))).isEqualTo(AnomalyDetector.Condition.ABNORMAL);
    }

    @Test
    void anUnknownLagIsNotIdle() {
        StallDetector d = (StallDetector) StallDetector.builder().after(Duration.ofSeconds(10)).idleAtZeroLag(true)
                .startupGrace(Duration.ofSeconds(10)).build().fresh(); // no startup grace: the lag rule alone
        d.evaluate(Sample.of(at(0), 1, 0));
        assertThat(d.evaluate(Sample.of(at(10), 1, 0))).isEqualTo(AnomalyDetector.Condition.ABNORMAL);
        assertThat(d.stalledSeconds(at(12))).isEqualTo(12.0);
    }

    @Test
    void beforeTheFirstSampleNothingIsStalled() {
        StallDetector d = (StallDetector) StallDetector.builder().idleAtZeroLag(true).build().fresh();
        assertThat(d.stalledSeconds(at(1_000))).isZero();
        assertThat(d.stalledAt(at(1_000))).isFalse();
    }

    @Test
    void throughAMonitorIdleIsQuietAndAStallWithWorkWaitingFires() {
        List<Anomaly> events = new ArrayList<>();
        AnomalyMonitor m = AnomalyMonitor.builder("pipeline").meterRegistry(new SimpleMeterRegistry())
                .detector(StallDetector.builder().after(Duration.ofSeconds(60)).idleAtZeroLag(true).build())
                .listener(events::add).build();
        long events0 = 0;
        for (int s = 0; s < 3_600; s += 15) {
            m.sample(Sample.of(at(s), events0, 0, 0.0)); // an hour idle
        }
        assertThat(events).isEmpty();
        // changes wait and nothing is applied: the replication lag grows from 0.5 s
        for (int s = 3_600; s <= 3_700; s += 15) {
            m.sample(Sample.of(at(s), events0, 0, 0.5 + (s - 3_600)));
        }
        assertThat(events).singleElement().satisfies(a -> {
            assertThat(a.type()).isEqualTo(StallDetector.TYPE);
            assertThat(a.firing()).isTrue();
            assertThat(a.at()).as("60 s after the last sample at which nothing waited (3,585 s)").isEqualTo(at(3_645));
        });
        m.sample(Sample.of(at(3_715), 10, 0, 0.3));
        assertThat(events).hasSize(2);
        assertThat(events.get(1).firing()).isFalse();
    }
}
