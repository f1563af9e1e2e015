package io.migmon.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MigrationHealthCheckTest {

    private final MutableClock clock = MutableClock.epoch();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ObservableMigration migration =
            ObservableMigration.builder("m").meterRegistry(registry).clock(clock).build();

    private MigrationHealthCheck check() {
        return MigrationHealthCheck.builder(migration).clock(clock)
                .maxDataLag(Duration.ofSeconds(60), Duration.ofSeconds(300))
                .maxErrorRate(0.001, 0.01, 100)
                .stalledAfter(Duration.ofSeconds(30))
                .build();
    }

    @Test
    void pendingAndHealthyRunsAreUp() {
        assertThat(check().check().status()).isEqualTo(HealthStatus.UP);
        MigrationRun run = migration.start();
        run.recordRows("t", 1000);
        run.recordDataLag(Duration.ofSeconds(10));
        assertThat(check().check().status()).isEqualTo(HealthStatus.UP);
        assertThat(check().check().details()).containsEntry("dataLagSeconds", 10.0).containsEntry("rows", 1000L);
    }

    @Test
    void lagThresholds() {
        MigrationRun run = migration.start();
        run.recordRows("t", 1);
        run.recordDataLag(Duration.ofSeconds(61));
        Health h = check().check();
        assertThat(h.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(h.reasons()).containsExactly("data lag 61.0 s is above the warning level of 60 s");
        run.recordDataLag(Duration.ofSeconds(301));
        assertThat(check().check().status()).isEqualTo(HealthStatus.DOWN);
    }

    @Test
    void errorRateNeedsMinimumSamples() {
        MigrationRun run = migration.start();
        run.recordRows("t", 3);
        run.recordError("X");
        assertThat(check().check().status()).as("1 error in 4 is not judged yet").isEqualTo(HealthStatus.UP);
        run.recordRows("t", 200);
        run.recordError("X");
        Health h = check().check();
        assertThat(h.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(h.reasons()).singleElement().asString().contains("error rate 0.98% (2 errors in 205)");
    }

    @Test
    void aPlannedPauseIsNotAStallAndShowsInTheDetails() {
        MigrationRun run = migration.start();
        run.recordRows("t", 10);
        assertThat(check().check().status()).isEqualTo(HealthStatus.UP);
        run.pause("nightly backup");
        clock.advanceSeconds(600); // ten minutes without a row, twenty times the stall limit
        Health h = check().check();
        assertThat(h.status()).as("paused: no stall").isEqualTo(HealthStatus.UP);
        assertThat(h.details()).containsEntry("paused", "nightly backup").containsEntry("rows", 10L)
                .doesNotContainKey("secondsSinceProgress");
        run.resume();
        h = check().check();
        assertThat(h.status()).as("the pause is not idle time").isEqualTo(HealthStatus.UP);
        assertThat(h.details()).doesNotContainKey("paused").containsEntry("secondsSinceProgress", 0.0);
        clock.advanceSeconds(20);
        assertThat(check().check().status()).isEqualTo(HealthStatus.UP);
        clock.advanceSeconds(11);
        h = check().check();
        assertThat(h.status()).as("31 s without rows after the resume is a stall again").isEqualTo(HealthStatus.DOWN);
        assertThat(h.reasons()).containsExactly("no progress for 31 s (stalled after 30 s)");
    }

    @Test
    void lagIsStillJudgedDuringAPause() {
        MigrationRun run = migration.start();
        run.recordRows("t", 1);
        run.pause("throttled");
        run.recordDataLag(Duration.ofSeconds(301));
        Health h = check().check();
        assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(h.details()).containsEntry("paused", "throttled");
    }

    @Test
    void stallIsDownOnlyWhileRunning() {
        MigrationRun run = migration.start();
        run.recordRows("t", 10);
        assertThat(check().check().status()).as("a read (scrape, check) sees the rows: progress time is derived at reads")
                .isEqualTo(HealthStatus.UP);
        clock.advanceSeconds(31);
        Health h = check().check();
        assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(h.reasons()).containsExactly("no progress for 31 s (stalled after 30 s)");
        run.recordRows("t", 1);
        assertThat(check().check().status()).isEqualTo(HealthStatus.UP);
        clock.advanceSeconds(60);
        run.succeed();
        assertThat(check().check().status()).isEqualTo(HealthStatus.UP);
    }

    @Test
    void failedIsDownAbortedIsDegraded() {
        migration.start().fail(new IllegalStateException("x"));
        assertThat(check().check().status()).isEqualTo(HealthStatus.DOWN);
        assertThat(check().check().reasons()).contains("migration m failed");
        migration.start().abort("operator");
        assertThat(check().check().status()).isEqualTo(HealthStatus.DEGRADED);
    }

    @Test
    void aSuccessfulRunIsUpWhateverItsLastLag() {
        MigrationRun run = migration.start();
        run.recordRows("t", 500);
        run.recordDataLag(Duration.ofSeconds(400)); // above the DOWN limit while catching up
        assertThat(check().check().status()).isEqualTo(HealthStatus.DOWN);
        clock.advanceSeconds(120); // also idle for longer than stalledAfter
        run.succeed();
        Health h = check().check();
        assertThat(h.status()).isEqualTo(HealthStatus.UP);
        assertThat(h.reasons()).isEmpty();
        assertThat(h.details()).containsEntry("status", "success").containsEntry("lastDataLagSeconds", 400.0)
                .containsEntry("finishedAt", "2026-01-01T00:02:00Z").doesNotContainKey("dataLagSeconds");
    }

    @Test
    void aFailedRunStaysDownWithoutLiveThresholds() {
        MigrationRun run = migration.start();
        run.recordRows("t", 5);
        run.fail(new IllegalStateException("boom"));
        clock.advanceSeconds(3600);
        Health h = check().check();
        assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(h.reasons()).containsExactly("migration m failed");
    }

    @Test
    void beforeTheFirstRunThereIsNoRunAndTheCheckIsUp() {
        assertThat(migration.currentRun()).isEmpty();
        assertThat(migration.status()).isEqualTo(io.migmon.core.MigrationStatus.PENDING);
        Health h = check().check();
        assertThat(h.status()).isEqualTo(HealthStatus.UP);
        assertThat(h.details()).containsExactly(java.util.Map.entry("status", "pending"));
    }

    @Test
    void healthGaugesAreAStateSet() {
        MigmonMeters meters = MigmonMeters.create(registry);
        MigrationRun run = migration.start();
        HealthMeters gauges = HealthMeters.bind(meters, check());
        assertThat(registry.get("migmon.health.status").tag("status", "up").gauge().value()).isEqualTo(1.0);
        assertThat(registry.get("migmon.health.status").tag("status", "down").gauge().value()).isEqualTo(0.0);
        run.fail(new RuntimeException());
        gauges.close();
        assertThat(registry.find("migmon.health.status").gauges()).isEmpty();
    }

    @Test
    void builderNamesTheField() {
        assertThatThrownBy(() -> MigrationHealthCheck.builder(migration).maxDataLag(Duration.ofSeconds(10), Duration.ofSeconds(5)))
                .hasMessageContaining("maxDataLag");
        assertThatThrownBy(() -> MigrationHealthCheck.builder(migration).maxErrorRate(2, 3, 1))
                .hasMessageContaining("maxErrorRate warning");
        assertThatThrownBy(() -> MigrationHealthCheck.builder(migration).stalledAfter(Duration.ZERO))
                .hasMessageContaining("stalledAfter");
        assertThatThrownBy(() -> MigrationHealthCheck.builder(null)).hasMessageContaining("migration");
    }
}
