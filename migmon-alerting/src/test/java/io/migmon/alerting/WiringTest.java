package io.migmon.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.anomaly.Anomaly;
import io.migmon.core.Severity;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WiringTest {

    private final MutableClock clock = MutableClock.epoch();
    private final RecordingSink sink = new RecordingSink("rec");
    private AlertDispatcher dispatcher;

    @AfterEach
    void close() {
        dispatcher.close(Duration.ZERO);
    }

    private AlertDispatcher.Builder builder() {
        return AlertDispatcher.builder(new SimpleMeterRegistry()).clock(clock).manualTick().sink(sink)
                .route(Route.builder("rec").groupBy("migration_id").groupWait(Duration.ZERO)
                        .groupInterval(Duration.ofSeconds(10)).build());
    }

    private Anomaly anomaly(String type, Severity s, Anomaly.State state) {
        return new Anomaly("orders-v2", type, s, "migration_throughput_rows_per_second", 120, 500,
                type + " on orders-v2", clock.instant(), state);
    }

    @Test
    void seedRulesFlowFromAnomaliesToAlertsWithInhibition() {
        dispatcher = builder().inhibit(AnomalyAlerts.recommendedInhibition()).build();
        AnomalyAlerts bridge = AnomalyAlerts.to(dispatcher);

        bridge.onAnomaly(anomaly(AnomalyAlerts.LOW_THROUGHPUT, Severity.WARNING, Anomaly.State.FIRING));
        dispatcher.tick();
        Notification first = sink.take().get(0);
        Alert warn = first.alerts().get(0);
        assertThat(warn.name()).isEqualTo("low_throughput");
        assertThat(warn.severity()).isEqualTo(Severity.WARNING);
        assertThat(warn.labels()).containsEntry("migration_id", "orders-v2")
                .containsEntry("metric", "migration_throughput_rows_per_second");
        assertThat(warn.annotations()).containsEntry("value", "120").containsEntry("threshold", "500");

        bridge.onAnomaly(anomaly(AnomalyAlerts.HIGH_ERROR_RATE, Severity.CRITICAL, Anomaly.State.FIRING));
        clock.advance(Duration.ofSeconds(10));
        dispatcher.tick();
        // the critical mutes the warning of the same migration: the next notification has only the critical
        Notification second = sink.take().get(0);
        assertThat(second.alerts()).extracting(Alert::name).containsExactly("high_error_rate");

        bridge.onAnomaly(anomaly(AnomalyAlerts.HIGH_ERROR_RATE, Severity.CRITICAL, Anomaly.State.RESOLVED));
        bridge.onAnomaly(anomaly(AnomalyAlerts.LOW_THROUGHPUT, Severity.WARNING, Anomaly.State.RESOLVED));
        clock.advance(Duration.ofSeconds(10));
        dispatcher.tick();
        Notification third = sink.take().get(0);
        assertThat(third.status()).isEqualTo("resolved");
        assertThat(third.resolved()).extracting(Alert::name).containsExactlyInAnyOrder("high_error_rate", "low_throughput");
        assertThat(dispatcher.activeAlerts()).isEmpty();
    }

    @Test
    void healthTransitionsRaiseAndResolveAlertsWithHysteresis() {
        dispatcher = builder().hysteresis(Hysteresis.evaluations(2, 2)).build();
        AtomicReference<Health> health = new AtomicReference<>(Health.up());
        HealthAlerts watcher = HealthAlerts.watch(HealthCheck.of("orders-lag", health::get), dispatcher);

        health.set(Health.degraded("lag 120 s above 60 s"));
        assertThat(watcher.evaluate()).isEqualTo(HealthStatus.DEGRADED);
        dispatcher.tick();
        assertThat(sink.received).as("one degraded check is not enough").isEmpty();
        watcher.evaluate();
        dispatcher.tick();
        Alert degraded = sink.take().get(0).alerts().get(0);
        assertThat(degraded.name()).isEqualTo(HealthAlerts.DEGRADED);
        assertThat(degraded.summary()).isEqualTo("orders-lag is DEGRADED: lag 120 s above 60 s");

        health.set(Health.down("stalled for 5 min"));
        watcher.evaluate();
        watcher.evaluate();
        clock.advance(Duration.ofSeconds(10));
        dispatcher.tick();
        List<Notification> got = sink.take();
        assertThat(got.get(0).firing()).extracting(Alert::name).containsExactly(HealthAlerts.DOWN);
        assertThat(got.get(0).resolved()).extracting(Alert::name).containsExactly(HealthAlerts.DEGRADED);

        HealthCheck throwing = HealthCheck.of("broken", () -> {
            throw new IllegalStateException("boom");
        });
        assertThat(HealthAlerts.watch(throwing, dispatcher).evaluate()).isEqualTo(HealthStatus.DOWN);

        health.set(Health.up());
        watcher.evaluate();
        watcher.evaluate();
        clock.advance(Duration.ofSeconds(10));
        dispatcher.tick();
        assertThat(sink.take().get(0).resolved()).extracting(Alert::name).containsExactly(HealthAlerts.DOWN);
    }
}
