package io.migmon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class DemoTest {

    @Test
    void runsTheSampleMigrationServesMetricsAndPrintsProgress() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        Demo demo = new Demo(out);
        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> new CommandLine(demo).execute(
                "--metrics-port", "0", "--rows", "50000", "--rate", "25000", "--report-interval", "250ms",
                "--linger", "3s"));
        String scrape = null;
        for (int i = 0; i < 100 && scrape == null; i++) {
            Thread.sleep(100);
            if (demo.boundPort() > 0 && bytes.toString(StandardCharsets.UTF_8).contains("finished")) {
                HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + demo.boundPort() + "/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);
                scrape = r.body();
            }
        }
        assertThat(exit.get()).isZero();
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("metrics at http://127.0.0.1:").contains("ETA").contains("finished: 50,000 rows");
        assertThat(scrape).isNotNull()
                .contains("migration_rows_total{migration_id=\"demo-orders-backfill\",table_name=\"orders\"}")
                .contains("migration_duration_seconds_count{migration_id=\"demo-orders-backfill\",status=\"success\"} 1")
                .contains("migration_errors_total{error_type=\"SQLTransientConnectionException\",migration_id=\"demo-orders-backfill\"}")
                .contains("migration_data_lag_seconds{migration_id=\"demo-orders-backfill\"} 0.0")
                .contains("migration_status{migration_id=\"demo-orders-backfill\",status=\"success\"} 1.0");
    }

    @Test
    void durationStopsTheRunAsAborted() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Demo demo = new Demo(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        int exit = new CommandLine(demo).execute("--metrics-port", "0", "--rows", "1000000", "--rate", "10000",
                "--duration", "1s");
        assertThat(exit).isZero();
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("aborted: stopped after");
    }
}
