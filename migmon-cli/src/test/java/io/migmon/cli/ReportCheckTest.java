package io.migmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.anomaly.LowThroughputDetector;
import io.migmon.core.health.MigrationHealthCheck;
import io.migmon.core.report.RunReport;
import io.migmon.core.report.RunReportWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code migmon check --report FILE}: real migrations write their report through {@link RunReportWriter} (the one
 * line a host adds); the CLI judges the file. Ground truth: what each test recorded.
 */
class ReportCheckTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private Path report(String name) throws Exception {
        Path dir = Path.of("target", "run-reports");
        Files.createDirectories(dir);
        Path file = dir.resolve(name + ".json");
        Files.deleteIfExists(file);
        return file;
    }

    @Test
    void healthyRunReportPassesAndMatchesTheSchema() throws Exception {
        Path file = report("healthy");
        ObservableMigration[] holder = new ObservableMigration[1];
        RunReportWriter writer = RunReportWriter.builder(file)
                .healthCheck(new io.migmon.core.health.HealthCheck() {
                    @Override
                    public String name() {
                        return "migration:report-healthy";
                    }

                    @Override
                    public io.migmon.core.health.Health check() {
                        return MigrationHealthCheck.builder(holder[0]).build().check();
                    }
                }).build();
        ObservableMigration m = ObservableMigration.builder("report-healthy").meterRegistry(registry)
                .expectedRows(3_000).listener(writer).build();
        holder[0] = m;
        long rows = m.run(ctx -> {
            ctx.recordRows("orders", 2_000);
            ctx.recordDataLag(Duration.ofSeconds(12));
            ((MigrationRun) ctx).sample();
            ctx.recordRows("items", 1_000);
            ctx.recordDataLag(Duration.ofSeconds(3));
            ctx.recordError("SQLTransientException");
            return 3_000L;
        });
        assertThat(rows).isEqualTo(3_000);

        String json = Files.readString(file);
        assertThat(Schemas.validate("run-report-v1.schema.json", json)).as(json).isEmpty();
        JsonNode r = Schemas.parse(json);
        assertThat(r.path("schema").asText()).isEqualTo(RunReport.SCHEMA);
        assertThat(r.path("status").asText()).isEqualTo("success");
        assertThat(r.path("rows").asLong()).isEqualTo(3_000);
        assertThat(r.path("expectedRows").asLong()).isEqualTo(3_000);
        assertThat(r.path("errors").asLong()).isEqualTo(1);
        assertThat(r.path("errorsByType").path("SQLTransientException").asLong()).isEqualTo(1);
        assertThat(r.path("dataLag").path("maxSeconds").asDouble()).isEqualTo(12.0);
        assertThat(r.path("dataLag").path("finalSeconds").asDouble()).isEqualTo(3.0);
        assertThat(r.path("health").path("check").asText()).isEqualTo("migration:report-healthy");

        Cli.Result c = Cli.run("check", "--report", file.toString(), "--max-lag", "60", "--max-error-rate", "0.01",
                "--require-status", "success", "--output", "json");
        assertThat(c.exitCode()).as(c.toString()).isZero();
        assertThat(Schemas.validate("check-result-v1.schema.json", c.out())).isEmpty();
        Map<String, JsonNode> checks = CheckAgainstPrometheusIT.byName(Schemas.parse(c.out()));
        assertThat(checks.get("data_lag").path("value").asDouble()).isEqualTo(12.0);
        assertThat(checks.get("error_rate").path("value").asDouble()).isEqualTo(1.0 / 3_000);
        assertThat(Schemas.parse(c.out()).path("migrationId").asText()).isEqualTo("report-healthy");
    }

    @Test
    void lagAboveTheLimitAndFailedRunsFail() throws Exception {
        Path laggy = report("laggy");
        ObservableMigration m = ObservableMigration.builder("report-laggy").meterRegistry(registry)
                .listener(RunReportWriter.toFile(laggy)).build();
        m.run(ctx -> {
            ctx.recordRows("orders", 10);
            ctx.recordDataLag(Duration.ofSeconds(400));
            return null;
        });
        Cli.Result c = Cli.run("check", "--report", laggy.toString(), "--max-lag", "300");
        assertThat(c.exitCode()).as(c.toString()).isEqualTo(1);
        assertThat(c.out()).contains("max data lag in the run was 400 s (last 400 s), above --max-lag 300 s");

        Path failed = report("failed");
        ObservableMigration f = ObservableMigration.builder("report-failed").meterRegistry(registry)
                .listener(RunReportWriter.toFile(failed)).build();
        try {
            f.run(ctx -> {
                throw new IllegalStateException("jdbc:postgresql://db/app?password=hunter2 refused");
            });
        } catch (IllegalStateException expected) {
            // recorded
        }
        String json = Files.readString(failed);
        assertThat(json).contains("\"failureType\": \"IllegalStateException\"").doesNotContain("hunter2");
        Cli.Result cf = Cli.run("check", "--report", failed.toString());
        assertThat(cf.exitCode()).as(cf.toString()).isEqualTo(1);
        assertThat(cf.out()).contains("the migration ended with status failed");
    }

    @Test
    void anomaliesAreListedAsWarnings() throws Exception {
        Path file = report("anomalies");
        RunReportWriter writer = RunReportWriter.toFile(file);
        try (AnomalyMonitor monitor = AnomalyMonitor.builder("report-anomalies").meterRegistry(registry)
                .detector(LowThroughputDetector.builder(1_000_000).build()).listener(writer).build()) {
            ObservableMigration m = ObservableMigration.builder("report-anomalies").meterRegistry(registry)
                    .listener(writer).build();
            MigrationRun run = m.start();
            java.time.Instant t0 = java.time.Instant.parse("2026-01-01T00:00:00Z");
            for (int i = 0; i < 40; i++) {
                monitor.sample(t0.plusSeconds(5L * i), 10L * i, 0, 0);
            }
            run.recordRows("t", 400);
            run.succeed();
        }
        JsonNode r = Schemas.parse(Files.readString(file));
        assertThat(r.path("anomalies")).isNotEmpty();
        assertThat(r.path("anomalies").get(0).path("type").asText()).isEqualTo("low_throughput");
        Cli.Result c = Cli.run("check", "--report", file.toString());
        assertThat(c.exitCode()).as(c.toString()).isZero();
        assertThat(c.out()).containsPattern("anomalies +1 +- +WARN +anomalies fired: low_throughput");
    }

    @Test
    void unreadableReportsAndMissingDataCannotBeEvaluated() throws Exception {
        Cli.Result missing = Cli.run("check", "--report", "target/run-reports/does-not-exist.json");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.out()).contains("no run report at target/run-reports/does-not-exist.json");

        Path wrong = report("wrong-schema");
        Files.writeString(wrong, "{\"schema\":\"migmon.run-report/v9\",\"migrationId\":\"x\"}");
        Cli.Result w = Cli.run("check", "--report", wrong.toString());
        assertThat(w.exitCode()).isEqualTo(2);
        assertThat(w.out()).contains("has schema 'migmon.run-report/v9'; this migmon reads 'migmon.run-report/v1'");

        Path ok = report("no-lag");
        ObservableMigration m = ObservableMigration.builder("report-nolag").meterRegistry(registry)
                .listener(RunReportWriter.toFile(ok)).build();
        m.run(ctx -> {
            ctx.recordRows("t", 1);
            return null;
        });
        Cli.Result noLag = Cli.run("check", "--report", ok.toString(), "--max-lag", "300");
        assertThat(noLag.exitCode()).as(noLag.toString()).isEqualTo(2);
        assertThat(noLag.out()).contains("no data lag value in the run");
        Cli.Result cdc = Cli.run("check", "--report", ok.toString(), "--max-replication-lag", "30");
        assertThat(cdc.exitCode()).isEqualTo(2);
        assertThat(cdc.out()).contains("a run report carries no CDC replication lag");
        Cli.Result otherId = Cli.run("check", "--report", ok.toString(), "--migration-id", "something-else");
        assertThat(otherId.exitCode()).isEqualTo(2);
        assertThat(otherId.out()).contains("is about migration 'report-nolag', not 'something-else'");
    }

    @Test
    void badArgumentsExitTwo() {
        Cli.Result noUrl = Cli.run("check", "--migration-id", "x");
        assertThat(noUrl.exitCode()).isEqualTo(2);
        assertThat(noUrl.err()).contains("--prometheus-url is required");
        Cli.Result badLag = Cli.run("check", "--migration-id", "x", "--prometheus-url", "http://h:9090",
                "--max-lag", "soon");
        assertThat(badLag.exitCode()).isEqualTo(2);
        assertThat(badLag.err()).contains("'soon' is not a duration");
        Cli.Result badStatus = Cli.run("check", "--migration-id", "x", "--prometheus-url", "http://h:9090",
                "--require-status", "done");
        assertThat(badStatus.exitCode()).isEqualTo(2);
        assertThat(badStatus.err()).contains("--require-status must be one of");
        Cli.Result unknownOption = Cli.run("check", "--max-lagg", "3");
        assertThat(unknownOption.exitCode()).isEqualTo(2);
    }
}
