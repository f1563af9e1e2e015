package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Independent attack (issue 12): several host threads call {@link MigrationRun#sample()} on one run while the work
 * goes on, then the work stalls. Ground truth: the injected stall, and that nothing is thrown into the host.
 */
class ConcurrentSamplingAttackTest {

    @Test
    void fourSamplingThreadsOnAHealthyRunRaiseNothingAndTheStallIsFoundOnce() throws Exception {
        MutableClock clock = MutableClock.at("2026-03-02T00:00:00Z");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<Anomaly> events = Collections.synchronizedList(new ArrayList<>());
        AnomalyMonitor monitor = AnomalyMonitor.builder("m").meterRegistry(registry).defaultDetectors()
                .listener(events::add).build();
        ObservableMigration migration = ObservableMigration.builder("m").meterRegistry(registry).clock(clock)
                .listener(monitor.migrationListener()).build();
        MigrationRun run = migration.start();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        List<Thread> samplers = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            Thread t = new Thread(() -> {
                try {
                    while (!stop.get()) {
                        run.sample();
                        Thread.onSpinWait();
                    }
                } catch (Throwable e) {
                    thrown.set(e);
                }
            });
            t.start();
            samplers.add(t);
        }
        // the host's work: 100 rows/s in commits of 200 rows every 2 s for 30 simulated minutes, then a stall
        for (int step = 0; step < 900; step++) {
            clock.advanceSeconds(2);
            run.recordRows("t", 200);
            run.recordDataLag(Duration.ofSeconds(3));
            Thread.sleep(0, 200_000);
        }
        List<Anomaly> beforeStall = List.copyOf(events);
        for (int step = 0; step < 60; step++) { // 120 s without rows
            clock.advanceSeconds(2);
            // the host reads too, beside the four samplers: on a loaded machine they were starved through the whole
            // stall once (14:17 UTC), and one read after 120 s is not a stall seen over time
            run.sample();
            Thread.sleep(1);
        }
        stop.set(true);
        for (Thread t : samplers) {
            t.join(30_000);
        }
        run.sample(); // the host's own last read, in case the loaded machine starved the samplers during the stall
        assertThat(thrown.get()).as("nothing thrown into the host's threads").isNull();
        assertThat(beforeStall).as("a healthy run sampled by four threads").isEmpty();
        assertThat(events).filteredOn(Anomaly::firing).extracting(Anomaly::type).contains("stall").doesNotHaveDuplicates();
        assertThat(registry.find(MetricCatalog.MIGRATION_ANOMALIES.name()).tag(MetricCatalog.TYPE, "stall").counter()
                .count()).isEqualTo(1.0);
        run.succeed();
        assertThat(monitor.active()).isEmpty();
    }
}
