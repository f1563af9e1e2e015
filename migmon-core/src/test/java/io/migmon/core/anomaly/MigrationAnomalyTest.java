package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.Severity;
import io.migmon.core.health.CompositeHealthCheck;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.testing.ExternalTools;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A real ObservableMigration driven by the host's sampling schedule, scraped by a real Prometheus registry. */
class MigrationAnomalyTest {

    private final MutableClock clock = MutableClock.epoch();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final List<Anomaly> events = new ArrayList<>();

    @Test
    void theRunsOwnSamplesFeedTheDetectors() {
        AnomalyMonitor monitor = AnomalyMonitor.builder("orders-backfill")
                .meterRegistry(registry)
                .defaultDetectors()
                .detector(LowThroughputDetector.builder(1000).build())
                .listener(events::add)
                .build();
        ObservableMigration migration = ObservableMigration.builder("orders-backfill")
                .meterRegistry(registry).clock(clock).listener(monitor.migrationListener()).build();

        MigrationRun run = migration.start();
        for (int i = 0; i < 60; i++) { // 5 healthy minutes
            clock.advanceSeconds(5);
            run.recordRows("orders", 5000);
            run.recordDataLag(Duration.ofSeconds(2));
            run.sample();
        }
        assertThat(events).isEmpty();
        for (int i = 0; i < 14; i++) { // a stall (the default limit is 60 s)
            clock.advanceSeconds(5);
            run.sample();
        }
        assertThat(events).extracting(Anomaly::type).contains("stall");
        Anomaly stall = events.stream().filter(a -> a.type().equals("stall")).findFirst().orElseThrow();
        assertThat(stall.migrationId()).isEqualTo("orders-backfill");
        assertThat(stall.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(stall.message()).isEqualTo("migration_rows_total stuck at 300,000 for 60 s (limit 60 s)");
        assertThat(stall.at()).isEqualTo(clock.instant().minusSeconds(10));

        var health = CompositeHealthCheck.builder("migration").add(monitor.healthCheck()).build().check();
        assertThat(health.status()).isEqualTo(HealthStatus.DOWN);

        String scrape = registry.scrape();
        assertThat(scrape).contains(
                "migration_anomalies_total{migration_id=\"orders-backfill\",severity=\"critical\",type=\"stall\"} 1.0",
                "migration_anomalies_total{migration_id=\"orders-backfill\",severity=\"critical\",type=\"high_error_rate\"} 0.0");
        if (ExternalTools.find("promtool").isPresent() || ExternalTools.underCi()) {
            ExternalTools.assertPromtoolAcceptsMetrics(scrape);
        }

        run.succeed();
        assertThat(events.get(events.size() - 1).state()).isEqualTo(Anomaly.State.RESOLVED);
        assertThat(events.get(events.size() - 1).message()).endsWith("resolved: run finished (success)");
        assertThat(monitor.active()).isEmpty();
        assertThat(monitor.healthCheck().check().status()).isEqualTo(HealthStatus.UP);

        events.clear();
        MigrationRun retry = migration.start();
        clock.advanceSeconds(5);
        retry.recordRows("orders", 5000);
        retry.sample();
        assertThat(events).as("a new run starts with fresh detectors").isEmpty();
        retry.succeed();
    }
}
