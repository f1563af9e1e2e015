package io.migmon.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.anomaly.Anomaly;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Independent attack (issue 12): builder misuse and planned-pause misuse on a real run, health and monitor together. */
class MigrationHealthCheckAttackTest {

    private final MutableClock clock = MutableClock.at("2026-03-02T00:00:00Z");
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final List<Anomaly> events = new ArrayList<>();
    private final AnomalyMonitor monitor = AnomalyMonitor.builder("m").meterRegistry(registry).defaultDetectors()
            .listener(events::add).build();
    private final ObservableMigration migration = ObservableMigration.builder("m").meterRegistry(registry)
            .clock(clock).listener(monitor.migrationListener()).build();

    @Test
    void hugeDurationsFailInTheBuilderNamingTheFieldInsteadOfInCheck() {
        Duration huge = Duration.ofSeconds(Long.MAX_VALUE / 2);
        assertThatThrownBy(() -> MigrationHealthCheck.builder(migration).maxDataLag(huge, huge))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxDataLag warning");
        assertThatThrownBy(() -> MigrationHealthCheck.builder(migration).stalledAfter(huge))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stalledAfter");
        // a year is still accepted and the check works with it
        MigrationHealthCheck yearly = MigrationHealthCheck.builder(migration).clock(clock)
                .maxDataLag(Duration.ofDays(300), Duration.ofDays(365)).stalledAfter(Duration.ofDays(365)).build();
        MigrationRun run = migration.start();
        run.recordRows("t", 10);
        run.recordDataLag(Duration.ofSeconds(5));
        assertThat(yearly.check().status()).isEqualTo(HealthStatus.UP);
        run.succeed();
    }

    private MigrationHealthCheck check() {
        return MigrationHealthCheck.builder(migration).clock(clock).stalledAfter(Duration.ofSeconds(60)).build();
    }

    /** Runs 7 s steps: rows per step, sampling the run each step. */
    private void steps(MigrationRun run, int n, long rowsPerStep) {
        for (int i = 0; i < n; i++) {
            clock.advanceSeconds(7);
            if (rowsPerStep > 0) {
                run.recordRows("t", rowsPerStep);
            }
            run.recordDataLag(Duration.ofSeconds(2));
            run.sample();
        }
    }

    @Test
    void pauseMisuseNeverRaisesAnAlertNorHidesARealStallAfterwards() {
        MigrationRun run = migration.start();
        steps(run, 100, 700); // ~12 healthy minutes at 100 rows/s
        run.resume(); // resume without pause: ignored
        assertThat(run.paused()).isEmpty();
        run.pause("backup window");
        run.pause("second pause"); // double pause: ignored, the first reason stays
        assertThat(run.paused()).contains("backup window");
        steps(run, 400, 0); // paused ~47 minutes, nothing moves
        assertThat(events).as("nothing during the declared pause").isEmpty();
        assertThat(check().check().status()).isEqualTo(HealthStatus.UP);
        assertThat(check().check().details()).containsEntry("paused", "backup window");
        assertThat(monitor.healthCheck().check().details()).containsEntry("paused", "backup window");

        run.resume();
        run.resume(); // double resume: ignored
        steps(run, 20, 1400); // catch-up at 2x for 140 s: not a spike
        steps(run, 60, 700);
        assertThat(events).as("catch-up after the pause").isEmpty();
        // the host forgot to restart the work after the next resume: a real stall, found by both
        run.pause("throttle");
        steps(run, 10, 0);
        run.resume();
        steps(run, 11, 0); // 77 s without progress after the resume
        assertThat(events).extracting(Anomaly::type).containsExactly("stall");
        assertThat(check().check().status()).isEqualTo(HealthStatus.DOWN);
    }

    @Test
    void closingWhilePausedEndsThePauseEverywhere() {
        MigrationRun run = migration.start();
        steps(run, 60, 700);
        run.pause("forever");
        steps(run, 600, 0); // more than an hour paused
        assertThat(events).isEmpty();
        run.close(); // aborted while paused
        assertThat(check().check().status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(monitor.paused()).as("the monitor is not left paused for the next run").isEmpty();
        assertThat(monitor.healthCheck().check().details()).doesNotContainKey("paused");
        MigrationRun next = migration.start();
        steps(next, 60, 700);
        steps(next, 12, 0); // the next run stalls: found
        assertThat(events).extracting(Anomaly::type).contains("stall");
    }
}
