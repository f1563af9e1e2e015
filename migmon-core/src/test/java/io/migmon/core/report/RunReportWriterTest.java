package io.migmon.core.report;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.MigrationStatus;
import io.migmon.core.ObservableMigration;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RunReportWriterTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void writesTheRunAsVersionedJson() throws Exception {
        Path file = Path.of("target", "run-report-test", "report.json");
        Files.deleteIfExists(file);
        RunReportWriter writer = RunReportWriter.builder(file).healthCheck(new HealthCheck() {
            @Override
            public String name() {
                return "custom";
            }

            @Override
            public Health check() {
                return Health.degraded("lag \"high\"");
            }
        }).build();
        ObservableMigration m = ObservableMigration.builder("report-test").meterRegistry(registry).expectedRows(100)
                .listener(writer).build();
        MigrationRun run = m.start();
        run.recordRows("a", 60);
        run.recordDataLag(Duration.ofMillis(7_500));
        run.sample();
        run.recordRows("b", 40);
        run.recordDataLag(Duration.ofSeconds(1));
        run.recordError("SQLException");
        run.recordError("SQLException");
        run.succeed();

        RunReport r = writer.lastReport();
        assertThat(r.status()).isEqualTo(MigrationStatus.SUCCESS);
        assertThat(r.rows()).isEqualTo(100);
        assertThat(r.errorsByType()).containsEntry("SQLException", 2L);
        assertThat(r.maxDataLagSeconds()).isEqualTo(7.5);
        assertThat(r.finalDataLagSeconds()).isEqualTo(1.0);
        String json = Files.readString(file);
        assertThat(json).contains("\"schema\": \"migmon.run-report/v1\"", "\"migrationId\": \"report-test\"",
                "\"status\": \"success\"", "\"rows\": 100", "\"expectedRows\": 100", "\"errors\": 2",
                "\"errorRate\": 0.02", "\"SQLException\": 2", "\"maxSeconds\": 7.5", "\"finalSeconds\": 1.0",
                "\"status\": \"DEGRADED\"", "lag \\\"high\\\"", "\"failureType\": null");
        try (var files = Files.list(file.getParent())) {
            assertThat(files.toList()).containsExactly(file); // no temporary file left behind
        }
    }

    @Test
    void builderRejectsBadValuesAtTheSetterNamingTheField() {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunReportWriter.builder(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("file must not be null");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> RunReportWriter.builder(Path.of("r.json")).healthCheck(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("healthCheck must not be null");
    }

    @Test
    void aFailedWriteNeverFailsTheMigrationAndIsCounted() throws Exception {
        Path blocker = Path.of("target", "run-report-test-blocked", "not-a-dir");
        Files.createDirectories(blocker.getParent());
        Files.writeString(blocker, "a file where a folder should be");
        ObservableMigration m = ObservableMigration.builder("report-unwritable").meterRegistry(registry)
                .listener(RunReportWriter.toFile(blocker.resolve("report.json"))).build();

        Long rows = m.run(ctx -> {
            ctx.recordRows("t", 5);
            return 5L;
        });

        assertThat(rows).isEqualTo(5L);
        assertThat(m.status()).isEqualTo(MigrationStatus.SUCCESS);
        assertThat(registry.get("migmon.observability.failures").tag("component", "listener").counter().count())
                .isEqualTo(1.0);
    }
}
