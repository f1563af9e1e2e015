package io.migmon.examples.docs;

// The imports a reader needs for the snippets of README.md and docs/getting-started.md.
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.AnomalyAlerts;
import io.migmon.alerting.sink.SlackSink;
import io.migmon.core.ObservableMigration;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.anomaly.LowThroughputDetector;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.health.HealthMeters;
import io.migmon.core.health.MigrationHealthCheck;
import io.migmon.core.metrics.Instrumentation;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.core.progress.ProgressSnapshot;
import io.migmon.grafana.MigmonDashboards;
import io.migmon.grafana.dashboard.Dashboard;
import io.migmon.grafana.rules.MigmonAlertRules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The code snippets of README.md and docs/getting-started.md, verbatim (DocsSnippetsTest checks that every java block
 * of those files appears here, whitespace aside), so the build compiles them; the fixtures around them are the
 * reader's own code (a source, a target, rows).
 */
final class GettingStartedSnippets {

    private static final Logger log = LoggerFactory.getLogger(GettingStartedSnippets.class);

    record Row(long id, Instant updatedAt) {
    }

    /** The reader's source: batches of rows. */
    static final class Source {
        private final List<Row> rows = new ArrayList<>();

        Source(int n) {
            for (int i = 0; i < n; i++) {
                rows.add(new Row(i, Instant.now().minusSeconds(5)));
            }
        }

        Iterable<List<Row>> batches(int size) {
            List<List<Row>> out = new ArrayList<>();
            for (int i = 0; i < rows.size(); i += size) {
                out.add(rows.subList(i, Math.min(rows.size(), i + size)));
            }
            return out;
        }
    }

    /** The reader's target. */
    static final class Target {
        long inserted;

        void insert(List<Row> batch) {
            inserted += batch.size();
        }
    }

    static long readmeQuickStart(MeterRegistry registry) {
        ObservableMigration migration = ObservableMigration.builder("orders-backfill")
                .meterRegistry(registry)          // your registry
                .expectedRows(1_000_000)          // enables progress ratio and ETA
                .build();
        long copied = migration.run(ctx -> { copyBatches(b -> ctx.recordRows("orders", b.size())); return ctx.progress().rowsDone(); });
        migration.close();
        return copied;
    }

    static void copyBatches(Consumer<List<Row>> onBatch) {
        new Source(2_500).batches(1_000).forEach(onBatch);
    }

    static ObservableMigration wrapAMigration(Source source, Target target, long totalRows) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT); // yours

        ObservableMigration migration = ObservableMigration.builder("orders-backfill")
                .meterRegistry(registry)
                .expectedRows(totalRows)               // optional: progress ratio and ETA
                .build();

        long copied = migration.run(ctx -> {
            long n = 0;
            for (List<Row> batch : source.batches(1_000)) {
                target.insert(batch);
                ctx.recordRows("orders", batch.size());               // migration_rows_total + progress
                ctx.recordDataLag(Duration.between(batch.get(batch.size() - 1).updatedAt(), Instant.now()));
                n += batch.size();
            }
            return n;
        });
        log.info("copied {}", copied);
        return migration;
    }

    static Health progressAndHealth(ObservableMigration migration, MeterRegistry registry) {
        ProgressSnapshot p = migration.currentRun().orElseThrow().sample();   // also feeds listeners (detectors, alerting)
        log.info("{}", p.describe());   // 120,000/1,000,000 rows (12.0%) 9,800.0 rows/s ETA 1m29s

        HealthCheck health = MigrationHealthCheck.builder(migration)
                .maxDataLag(Duration.ofSeconds(60), Duration.ofSeconds(300))   // DEGRADED above 60 s, DOWN above 300 s
                .maxErrorRate(0.001, 0.01, 100)                                 // 0.1% / 1%, judged after 100 rows+errors
                .stalledAfter(Duration.ofSeconds(30))                           // running, no rows for 30 s: DOWN
                .build();
        HealthMeters.bind(MigmonMeters.create(registry), health);               // migmon_health_status{check,status}
        Health h = health.check();   // UP / DEGRADED / DOWN, reasons, details
        return h;
    }

    static MetricsOptions options(MeterRegistry registry, Clock clock) {
        MetricsOptions options = MetricsOptions.builder()
                .prefix("shop")          // shop_migration_rows_total ...; default: none (the names in metrics.md)
                .maxTagValues(200)       // distinct values per capped tag (table names ...); default 100, then "other"
                .build();
        ObservableMigration.builder("id").meterRegistry(registry).metricsOptions(options).clock(clock).build();
        return options;
    }

    static void instrumentation(MeterRegistry registry, MetricsOptions options, Clock clock) {
        Instrumentation instr = Instrumentation.of(registry).withOptions(options).withClock(clock);
        ObservableMigration migration = ObservableMigration.builder("id").instrumentation(instr).build();
        AnomalyMonitor anomalies = AnomalyMonitor.builder("id").instrumentation(instr).defaultDetectors().build();
        migration.close();
        anomalies.close();
    }

    /** Compiled, not run by the test (it needs SLACK_WEBHOOK_URL). */
    static void anomaliesAlertsDashboards(MeterRegistry registry, Path dir) throws IOException {
        AlertDispatcher alerts = AlertDispatcher.builder(registry)                      // migmon-alerting
                .sink(SlackSink.builder(System.getenv("SLACK_WEBHOOK_URL")).build())
                .inhibit(AnomalyAlerts.recommendedInhibition())                          // a critical mutes its warnings
                .build();
        AnomalyMonitor anomalies = AnomalyMonitor.builder("orders-backfill")           // migmon-core
                .meterRegistry(registry)
                .defaultDetectors()                                                      // drop/spike, error rate, stall, lag trend
                .detector(LowThroughputDetector.builder(20_000).build())                 // the 0.4x-expected rule
                .minSampleSpacing(Duration.ofSeconds(5))
                .listener(AnomalyAlerts.to(alerts))
                .build();
        ObservableMigration migration = ObservableMigration.builder("orders-backfill")
                .meterRegistry(registry).listener(anomalies.migrationListener()).build();  // run.sample() feeds the detectors

        for (Dashboard d : MigmonDashboards.defaults().all()) {                          // migmon-grafana
            Files.writeString(dir.resolve(d.uid() + ".json"), d.toJson());
        }
        Files.writeString(dir.resolve("migmon-rules.yml"), MigmonAlertRules.defaults().toRuleFileYaml());
        migration.close();
    }

    private GettingStartedSnippets() {
    }
}
