package io.migmon.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.anomaly.Sample;
import io.migmon.core.anomaly.StallDetector;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Independent attack (issue 12): a planned pause declared while a stall alert is firing, through a real monitor, the
 * bridge and the dispatcher. Ground truth: what the sink received.
 */
class PausedAnomalyAlertAttackTest {

    private final MutableClock clock = MutableClock.at("2026-03-02T00:00:00Z");
    private final RecordingSink sink = new RecordingSink("rec");
    private final AlertDispatcher dispatcher = AlertDispatcher.builder(new SimpleMeterRegistry()).clock(clock)
            .manualTick().sink(sink).route(Route.builder("rec").groupBy("migration_id").groupWait(Duration.ZERO)
                    .groupInterval(Duration.ofSeconds(10)).build()).build();

    @AfterEach
    void close() {
        dispatcher.close(Duration.ZERO);
    }

    @Test
    void aPauseDeclaredDuringAStallResolvesTheAlertWithThePauseReasonAndNothingFiresWhilePaused() {
        AnomalyMonitor monitor = AnomalyMonitor.builder("orders-v2").meterRegistry(new SimpleMeterRegistry())
                .detector(StallDetector.builder().build()).listener(AnomalyAlerts.to(dispatcher)).build();
        Instant t0 = clock.instant();
        for (int s = 0; s <= 300; s += 7) {
            monitor.sample(Sample.of(t0.plusSeconds(s), 100L * Math.min(s, 200), 0)); // rows stop at 200 s
        }
        dispatcher.tick();
        List<Notification> fired = sink.take();
        assertThat(fired).hasSize(1);
        assertThat(fired.get(0).firing()).extracting(Alert::name).containsExactly("stall");

        // the operator realises the replica is being rebuilt and declares it
        monitor.pause(t0.plusSeconds(301), "replica rebuild");
        clock.advance(Duration.ofSeconds(20));
        dispatcher.tick();
        List<Notification> resolved = sink.take();
        assertThat(resolved).hasSize(1);
        assertThat(resolved.get(0).resolved()).extracting(Alert::name).containsExactly("stall");

        for (int s = 301; s <= 3600; s += 7) { // an hour paused: nothing is judged
            monitor.sample(Sample.of(t0.plusSeconds(s), 20_000, 0));
        }
        clock.advance(Duration.ofMinutes(60));
        dispatcher.tick();
        assertThat(sink.take()).isEmpty();
        assertThat(dispatcher.activeAlerts()).isEmpty();
    }

    @Test
    void reasonOfThePauseReachesTheSink() {
        AnomalyMonitor monitor = AnomalyMonitor.builder("orders-v2").meterRegistry(new SimpleMeterRegistry())
                .detector(StallDetector.builder().build()).listener(AnomalyAlerts.to(dispatcher)).build();
        Instant t0 = clock.instant();
        for (int s = 0; s <= 300; s += 7) {
            monitor.sample(Sample.of(t0.plusSeconds(s), 100L * Math.min(s, 200), 0));
        }
        dispatcher.tick();
        sink.take();
        monitor.pause(t0.plusSeconds(301), "replica rebuild");
        clock.advance(Duration.ofSeconds(20));
        dispatcher.tick();
        assertThat(sink.take().get(0).resolved().get(0).summary()).contains("planned pause (replica rebuild)");
    }
}
