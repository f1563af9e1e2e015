package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.Severity;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.metrics.MetricCatalog;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnomalyMonitorTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Anomaly> events = new ArrayList<>();

    /** Low throughput judged on single intervals, no warm-up: 3 low samples fire, 3 normal ones clear. */
    private AnomalyMonitor lowThroughputMonitor() {
        return AnomalyMonitor.builder("orders")
                .meterRegistry(registry)
                .detector(LowThroughputDetector.builder(100).ratio(0.5).window(1).warmUp(0).fireAfter(3).clearAfter(3).build())
                .listener(events::add)
                .build();
    }

    /** Feeds samples every 5 s with the given per-interval rates (rows/s). */
    private static void feed(AnomalyMonitor m, int startIndex, long[] rows, double... rates) {
        for (int i = 0; i < rates.length; i++) {
            rows[0] += Math.round(rates[i] * 5);
            m.sample(Sample.of(T0.plusSeconds(5L * (startIndex + i)), rows[0], 0));
        }
    }

    private double anomalies(String type, String severity) {
        var c = registry.find(MetricCatalog.MIGRATION_ANOMALIES.name())
                .tags(MetricCatalog.MIGRATION_ID, "orders", MetricCatalog.TYPE, type, MetricCatalog.SEVERITY, severity)
                .counter();
        return c == null ? Double.NaN : c.count();
    }

    @Test
    void hysteresisNeedsConsecutiveSamplesToFireAndToClear() {
        AnomalyMonitor m = lowThroughputMonitor();
        long[] rows = {0};
        feed(m, 0, rows, 100, 100, 10, 100, 10, 10, 100);
        assertThat(events).as("a single or double low sample does not fire").isEmpty();
        assertThat(anomalies("low_throughput", "warning")).as("registered at 0 up front").isZero();

        feed(m, 7, rows, 10, 10, 10);
        assertThat(events).hasSize(1);
        Anomaly fired = events.get(0);
        assertThat(fired.state()).isEqualTo(Anomaly.State.FIRING);
        assertThat(fired.type()).isEqualTo("low_throughput");
        assertThat(fired.severity()).isEqualTo(Severity.WARNING);
        assertThat(fired.metric()).isEqualTo("migration_throughput_rows_per_second");
        assertThat(fired.value()).isEqualTo(10.0);
        assertThat(fired.threshold()).isEqualTo(50.0);
        assertThat(fired.at()).isEqualTo(T0.plusSeconds(45));
        assertThat(fired.message()).isEqualTo("migration_throughput_rows_per_second 10.0 rows/s is below 50% of the "
                + "expected 100.0 rows/s (50.0 rows/s)");
        assertThat(anomalies("low_throughput", "warning")).isEqualTo(1.0);
        assertThat(m.active()).containsExactly(fired);

        feed(m, 10, rows, 100, 100, 10, 100, 100);
        assertThat(events).as("two normal samples do not clear; a low one restarts the count").hasSize(1);
        feed(m, 15, rows, 100);
        assertThat(events).hasSize(2);
        assertThat(events.get(1).state()).isEqualTo(Anomaly.State.RESOLVED);
        assertThat(events.get(1).message()).contains("back above 50.0 rows/s");
        assertThat(m.active()).isEmpty();
        assertThat(anomalies("low_throughput", "warning")).as("only firing is counted").isEqualTo(1.0);
    }

    @Test
    void healthFollowsTheSeverityOfFiringAnomalies() {
        AnomalyMonitor m = AnomalyMonitor.builder("orders").meterRegistry(registry)
                .detector(LowThroughputDetector.builder(100).ratio(0.5).window(1).warmUp(0).fireAfter(1).build())
                .detector(StallDetector.builder().intervals(2).startupGrace(java.time.Duration.ofSeconds(10)).build())
                .build();
        assertThat(m.healthCheck().name()).isEqualTo("anomalies:orders");
        assertThat(m.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
        long[] rows = {0};
        // fireAfter 5 s at a 5 s interval: one low sample is one window of evidence, the second fires
        feed(m, 0, rows, 100, 10);
        assertThat(m.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
        feed(m, 2, rows, 10);
        assertThat(m.healthCheck().check().status()).isEqualTo(HealthStatus.DEGRADED);
        feed(m, 3, rows, 0, 0);
        var h = m.healthCheck().check();
        assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(h.reasons()).anySatisfy(r -> assertThat(r).startsWith("migration_rows_total stuck at 600 for 10 s"));
        assertThat(h.details()).containsEntry("firing", List.of("low_throughput", "stall"));
        assertThat(anomalies("stall", "critical")).isEqualTo(1.0);
    }

    @Test
    void failingListenerIsCountedAndDoesNotReachTheCaller() {
        AnomalyMonitor m = AnomalyMonitor.builder("orders").meterRegistry(registry)
                .detector(StallDetector.builder().intervals(1).startupGrace(java.time.Duration.ofSeconds(5)).build())
                .listener(a -> {
                    throw new IllegalStateException("sink down");
                })
                .listener(events::add)
                .build();
        assertThatCode(() -> {
            m.sample(Sample.of(T0, 10, 0));
            m.sample(Sample.of(T0.plusSeconds(5), 10, 0));
        }).doesNotThrowAnyException();
        assertThat(events).as("later listeners still get the event").hasSize(1);
        assertThat(registry.get(MetricCatalog.OBSERVABILITY_FAILURES.name())
                .tag(MetricCatalog.COMPONENT, "anomaly.listener").counter().count()).isEqualTo(1.0);
    }

    @Test
    void failingDetectorIsDisabledUntilResetAndCounted() {
        AnomalyDetector broken = new AnomalyDetector() {
            @Override public String type() { return "broken"; }
            @Override public String metric() { return "x"; }
            @Override public Severity severity() { return Severity.INFO; }
            @Override public java.time.Duration fireAfter() { return java.time.Duration.ZERO; }
            @Override public java.time.Duration clearAfter() { return java.time.Duration.ZERO; }
            @Override public Condition evaluate(Sample sample) { throw new ArithmeticException("bug"); }
            @Override public double value() { return 0; }
            @Override public double threshold() { return 0; }
            @Override public String describe(boolean firing) { return ""; }
            @Override public AnomalyDetector fresh() { return this; }
        };
        AnomalyMonitor m = AnomalyMonitor.builder("orders").meterRegistry(registry).detector(broken)
                .detector(StallDetector.builder().intervals(1).startupGrace(java.time.Duration.ofSeconds(5)).build())
                .listener(events::add).build();
        m.sample(Sample.of(T0, 10, 0));
        m.sample(Sample.of(T0.plusSeconds(5), 10, 0));
        assertThat(events).extracting(Anomaly::type).containsExactly("stall");
        assertThat(registry.get(MetricCatalog.OBSERVABILITY_FAILURES.name())
                .tag(MetricCatalog.COMPONENT, "anomaly.detector").counter().count()).isEqualTo(1.0);
    }

    @Test
    void outOfOrderSamplesAreIgnoredAndBadSamplesAreCounted() {
        AnomalyMonitor m = lowThroughputMonitor();
        m.sample(Sample.of(T0.plusSeconds(10), 100, 0));
        m.sample(Sample.of(T0.plusSeconds(10), 100, 0)); // a duplicate: skipped, not a failure
        assertThat(m.sample(Sample.of(T0.plusSeconds(5), 0, 0))).isEmpty();
        m.sample(T0.plusSeconds(15), -1, 0, Double.NaN);
        assertThat(registry.get(MetricCatalog.OBSERVABILITY_FAILURES.name())
                .tag(MetricCatalog.COMPONENT, "anomaly.sample").counter().count()).isEqualTo(2.0);
    }

    @Test
    void countersGoingBackwardsStartANewRunAndResolveWhatWasFiring() {
        AnomalyMonitor m = AnomalyMonitor.builder("orders").meterRegistry(registry)
                .detector(StallDetector.builder().intervals(1).startupGrace(java.time.Duration.ofSeconds(5)).build())
                .listener(events::add).build();
        m.sample(Sample.of(T0, 10, 0));
        m.sample(Sample.of(T0.plusSeconds(5), 10, 0));
        assertThat(m.active()).hasSize(1);
        List<Anomaly> out = m.sample(Sample.of(T0.plusSeconds(10), 0, 0));
        assertThat(out).singleElement().satisfies(a -> {
            assertThat(a.state()).isEqualTo(Anomaly.State.RESOLVED);
            assertThat(a.message()).isEqualTo("stall resolved: counters went backwards (new run)");
        });
        assertThat(m.active()).isEmpty();
        m.sample(Sample.of(T0.plusSeconds(15), 0, 0));
        assertThat(m.active()).as("the fresh detector judges the new run").hasSize(1);
    }

    @Test
    void detectorsAreTemplatesSoMonitorsDoNotShareState() {
        StallDetector template = StallDetector.builder().intervals(1).startupGrace(java.time.Duration.ofSeconds(5))
                .build();
        AnomalyMonitor a = AnomalyMonitor.builder("a").meterRegistry(registry).detector(template).build();
        AnomalyMonitor b = AnomalyMonitor.builder("b").meterRegistry(registry).detector(template).build();
        a.sample(Sample.of(T0, 10, 0));
        a.sample(Sample.of(T0.plusSeconds(5), 10, 0));
        b.sample(Sample.of(T0.plusSeconds(5), 10, 0));
        assertThat(a.active()).hasSize(1);
        assertThat(b.active()).isEmpty();
        assertThat(template.value()).as("the template itself is never fed").isZero();
    }

    @Test
    void closeRemovesOnlyTheMonitorsOwnMeters() {
        AnomalyMonitor m = AnomalyMonitor.builder("orders").meterRegistry(registry).defaultDetectors().build();
        assertThat(m.types()).containsExactly("throughput_drop", "throughput_spike", "high_error_rate", "stall", "lag_trend");
        registry.counter("host.counter");
        assertThat(registry.find(MetricCatalog.MIGRATION_ANOMALIES.name()).counters()).hasSize(5);
        m.close();
        assertThat(registry.find(MetricCatalog.MIGRATION_ANOMALIES.name()).counters()).isEmpty();
        assertThat(registry.find("host.counter").counter()).isNotNull();
    }

    @Test
    void minSampleSpacingJudgesOneSamplePerIntervalFromAFasterSchedule() {
        AnomalyMonitor m = AnomalyMonitor.builder("orders").meterRegistry(registry)
                .detector(StallDetector.builder().intervals(2).startupGrace(java.time.Duration.ofSeconds(10)).build())
                .minSampleSpacing(java.time.Duration.ofSeconds(5))
                .listener(events::add).build();
        for (int s = 0; s <= 14; s++) { // every second, no progress after the first
            m.sample(Sample.of(T0.plusSeconds(s), 10, 0));
        }
        assertThat(events).as("judged at 0, 5 and 10 s: two still intervals").hasSize(1);
        assertThat(events.get(0).at()).isEqualTo(T0.plusSeconds(10));
        assertThat(registry.find(MetricCatalog.OBSERVABILITY_FAILURES.name()).counters())
                .as("skipped samples are not failures").isEmpty();
    }

    @Test
    void builderFailsFastNamingTheField() {
        assertThatThrownBy(() -> AnomalyMonitor.builder(" ")).hasMessageContaining("migrationId");
        assertThatThrownBy(() -> AnomalyMonitor.builder("m").defaultDetectors().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("meterRegistry");
        assertThatThrownBy(() -> AnomalyMonitor.builder("m").meterRegistry(registry).build())
                .hasMessageContaining("detectors");
        assertThatThrownBy(() -> AnomalyMonitor.builder("m").meterRegistry(registry).defaultDetectors()
                .detector(StallDetector.builder().build()).build())
                .hasMessageContaining("two detectors have type 'stall'");
        assertThatThrownBy(() -> AnomalyMonitor.builder("m").minSampleSpacing(java.time.Duration.ofSeconds(-1)))
                .hasMessageContaining("minSampleSpacing");
    }
}
