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
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The demo with every pipeline on (embedded PostgreSQL, Kafka, Debezium, MongoDB): an integration test. */
class DemoDefaultsIT {

    @TempDir
    Path outDir;

    /** The demo as the README runs it: every pipeline on its embedded defaults, in one registry. */
    @Test
    void defaultsRunEveryPipelineInOneRegistry() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Demo demo = new Demo(out);
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> new CommandLine(demo).execute(
                "--metrics-port", "0", "--rows", "100000", "--rate", "25000", "--linger", "30s",
                "--out-dir", outDir.toString()));
        AtomicReference<String> scraped = new AtomicReference<>();
        // CDC start-up takes 10-20 s, up to 2 min on a loaded machine
        Await.untilAsserted(Duration.ofMinutes(2), Duration.ofMillis(100), () -> {
            assertThat(demo.boundPort()).as("metrics port").isPositive();
            assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("serving metrics for");
            scraped.set(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + demo.boundPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        });
        String scrape = scraped.get();
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(scrape).as(printed).isNotNull()
                .contains("migration_rows_total{migration_id=\"demo-orders-backfill\"")
                .contains("mongodb_migration_duration_seconds_count{status=\"success\"")
                .contains("mongodb_migration_documents_total{")
                .contains("cdc_events_processed_total{")
                .contains("cdc_consumer_lag_messages{")
                .contains("cdc_consumer_lag_seconds{")
                .contains("migmon_health_status{");
        assertThat(printed).contains("mongo demo: 3 migration(s) applied").contains("change events processed");
        demo.stopLingering();
        assertThat(exit.get()).isZero();
    }
}
