package io.migmon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.core.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DemoTest {

    @TempDir
    Path outDir;

    @Test
    void runsTheSampleMigrationServesMetricsAndPrintsProgress() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Demo demo = new Demo(out);
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> new CommandLine(demo).execute(
                "--metrics-port", "0", "--rows", "50000", "--rate", "25000", "--report-interval", "250ms",
                "--linger", "3s", "--no-cdc", "--no-mongo", "--out-dir", outDir.toString()));
        AtomicReference<String> scraped = new AtomicReference<>();
        Await.untilAsserted(Duration.ofSeconds(30), Duration.ofMillis(100), () -> {
            assertThat(demo.boundPort()).as("metrics port").isPositive();
            assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("finished");
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + demo.boundPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            scraped.set(r.body());
        });
        String scrape = scraped.get();
        assertThat(exit.get()).isZero();
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("metrics at http://127.0.0.1:").contains("ETA").contains("finished: 50,000 rows");
        assertThat(scrape).isNotNull()
                .contains("migration_rows_total{migration_id=\"demo-orders-backfill\",table_name=\"orders\"}")
                .contains("migration_duration_seconds_count{migration_id=\"demo-orders-backfill\",status=\"success\"} 1")
                .contains("migration_errors_total{error_type=\"SQLTransientConnectionException\",migration_id=\"demo-orders-backfill\"}")
                .contains("migration_data_lag_seconds{migration_id=\"demo-orders-backfill\"} 0.0")
                .contains("migration_status{migration_id=\"demo-orders-backfill\",status=\"success\"} 1.0")
                .contains("migration_anomalies_total{migration_id=\"demo-orders-backfill\",severity=\"warning\",type=\"low_throughput\"}")
                .contains("migmon_alerts_queue_depth");
        assertThat(printed).contains("[alerting] dispatcher started");
        assertThat(outDir.resolve("rules/migmon-rules.yml")).exists();
        try (var files = Files.list(outDir.resolve("dashboards"))) {
            assertThat(files.filter(f -> f.toString().endsWith(".json")).count()).isGreaterThanOrEqualTo(4);
        }
    }

    @Test
    void durationStopsTheRunAsAborted() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Demo demo = new Demo(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int exit = new CommandLine(demo).execute("--metrics-port", "0", "--rows", "1000000", "--rate", "10000",
                "--duration", "1s", "--no-cdc", "--no-mongo", "--out-dir", outDir.toString());
        assertThat(exit).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("aborted: stopped after");
    }
}
