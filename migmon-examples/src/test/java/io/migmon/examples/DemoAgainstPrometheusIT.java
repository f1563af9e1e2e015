package io.migmon.examples;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migmon.core.testing.Await;
import io.migmon.core.testing.ExternalTools;
import io.migmon.grafana.it.PrometheusServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The demo, end to end with a real Prometheus (Debian's {@code /usr/bin/prometheus}): the demo runs on its embedded
 * defaults (sample backfill, MongoDB migrations, CDC pipeline, alerting), writes its dashboards and alert rules, and a
 * Prometheus started on the demo's scrape endpoint, with the demo's own rule file, must answer
 * <ul>
 *   <li>the seed's three PromQL expressions, unchanged;</li>
 *   <li>every panel query of every dashboard the demo wrote, read back from the JSON files (template variables as
 *       {@code .*}, windows shortened to {@value #WINDOW}, see {@link PrometheusServer#answerable}), except the
 *       panels listed in {@link #NOT_IN_THE_DEMO} with the reason the demo cannot feed them.</li>
 * </ul>
 */
class DemoAgainstPrometheusIT {

    static final String WINDOW = "[15s]";
    private static final long DEADLINE_SECONDS = 120;

    /**
     * Queries the demo cannot answer, by the metric they read, and why. Counters of failures are created at their
     * first occurrence (their labels, such as {@code reason} or {@code error_type}, are not known before), and the
     * demo's happy path has none. Each is answered by the catalog-wide fixture of {@code migmon-grafana}'s
     * {@code DashboardsAgainstPrometheusIT} instead.
     */
    static final Map<String, String> NOT_IN_THE_DEMO = Map.ofEntries(
            Map.entry("cdc_connector_state", "the demo runs Debezium in an embedded engine, not on Kafka Connect"),
            Map.entry("cdc_connector_task_state", "the demo runs Debezium in an embedded engine, not on Kafka Connect"),
            Map.entry("cdc_dead_letters_total", "no poison events in the demo"),
            Map.entry("cdc_events_redelivered_total", "the demo's replica never fails, so nothing is redelivered"),
            Map.entry("cdc_transaction_apply_lag_seconds", "the demo's connector runs without provide.transaction.metadata"),
            Map.entry("cdc_transactions_evicted_total", "no source transaction is cut in the demo"),
            Map.entry("migration_validation_", "the demo runs no source/target verification (migmon-verify)"),
            Map.entry("mongodb_migration_errors_total", "the demo's MongoDB migrations do not fail"),
            Map.entry("migmon_alerts_failed_total", "the demo's console sink does not fail"),
            Map.entry("migmon_alerts_dropped_total", "the demo does not overflow the alert queue"),
            Map.entry("migmon_observability_failures_total", "nothing inside migmon fails in the demo (until "
                    + "2026-11-27 the CDC lag probe's requests timed out at the poll timeout and fed this counter; "
                    + "the probe now has its own thread and lagProbeTimeout)"),
            Map.entry("migmon_tag_overflow_total", "the demo stays under 100 values per tag"));

    private static final ByteArrayOutputStream OUTPUT = new ByteArrayOutputStream();
    private static final Path OUT_DIR = Path.of("target", "demo-prometheus-it").toAbsolutePath();
    private static Demo demo;
    private static CompletableFuture<Integer> exit;
    private static PrometheusServer prometheus;

    @BeforeAll
    static void start() throws Exception {
        Path binary = ExternalTools.require("prometheus", "prometheus");
        demo = new Demo(new PrintStream(OUTPUT, true, StandardCharsets.UTF_8));
        exit = CompletableFuture.supplyAsync(() -> new CommandLine(demo).execute("--metrics-port", "0",
                "--rows", "100000000", "--rate", "20000", "--duration", "5m", "--out-dir", OUT_DIR.toString()));
        Await.until(Duration.ofSeconds(DEADLINE_SECONDS), Duration.ofMillis(200), () -> {
            assertThat(exit).as(OUTPUT::toString).isNotDone();
            return printed().contains("[demo-orders-backfill] running");
        }, () -> "the demo to start; printed:\n" + printed());
        String rules = Files.readString(OUT_DIR.resolve("rules/migmon-rules.yml"));
        prometheus = new PrometheusServer(binary, Path.of("target", "prometheus-demo-it").toAbsolutePath(),
                List.of("127.0.0.1:" + demo.boundPort()), List.of(rules));
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        if (demo != null) {
            demo.stop();
            assertThat(exit.get(60, TimeUnit.SECONDS)).as(OUTPUT::toString).isZero();
        }
    }

    private static String printed() {
        return OUTPUT.toString(StandardCharsets.UTF_8);
    }

    @Test
    void theSeedsThreeExpressionsReturnValues() throws Exception {
        Map<String, String> seed = new LinkedHashMap<>();
        seed.put("rate(migration_rows_total[5m])", "seed");
        seed.put("migration_data_lag_seconds", "seed");
        seed.put("rate(migration_errors_total[5m])", "seed");
        assertThat(awaitData(seed, false)).isEmpty();
        JsonNode rows = prometheus.query("sum(rate(migration_rows_total{migration_id=\"demo-orders-backfill\"}[5m]))");
        assertThat(rows.get(0).at("/value/1").asDouble()).isPositive();
    }

    @Test
    void everyPanelQueryOfTheDemosDashboardsReturnsData() throws Exception {
        ObjectMapper json = new ObjectMapper();
        Map<String, String> instant = new LinkedHashMap<>();
        Map<String, String> range = new LinkedHashMap<>();
        List<String> exempt = new ArrayList<>();
        List<Path> files;
        try (var list = Files.list(OUT_DIR.resolve("dashboards"))) {
            files = list.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(4);
        for (Path file : files) {
            JsonNode dashboard = json.readTree(file.toFile());
            for (JsonNode panel : panels(dashboard)) {
                for (JsonNode target : panel.path("targets")) {
                    String expr = target.path("expr").asText();
                    String where = file.getFileName() + " / " + panel.path("title").asText();
                    if (!expr.endsWith(" or vector(0)") && NOT_IN_THE_DEMO.keySet().stream().anyMatch(expr::contains)) {
                        exempt.add(where);
                        continue;
                    }
                    ("table".equals(panel.path("type").asText()) ? instant : range)
                            .put(PrometheusServer.answerable(expr, WINDOW), where);
                }
            }
        }
        assertThat(instant.size() + range.size()).isGreaterThan(50);
        assertThat(exempt).as("panels of failure-only or Connect-only meters").hasSizeLessThan(instant.size() + range.size());
        Map<String, String> empty = awaitData(instant, false);
        empty.putAll(awaitData(range, true));
        assertThat(empty).as("queries without data after %s s (query -> dashboard / panel)", DEADLINE_SECONDS)
                .isEmpty();
    }

    /** The demo's own rule file loads into Prometheus and every rule evaluates without error. */
    @Test
    void theDemosRulesEvaluate() throws Exception {
        List<String> notOk = new ArrayList<>();
        int[] rules = new int[1];
        Await.untilAsserted(Duration.ofSeconds(DEADLINE_SECONDS), Duration.ofMillis(500), () -> {
            notOk.clear();
            rules[0] = 0;
            for (JsonNode g : prometheus.get("api/v1/rules").at("/data/groups")) {
                for (JsonNode r : g.get("rules")) {
                    rules[0]++;
                    if (!r.path("health").asText().equals("ok")) {
                        notOk.add(r.path("name").asText() + ": " + r.path("health").asText() + " "
                                + r.path("lastError").asText());
                    }
                }
            }
            assertThat(notOk).as("rules not evaluated ok yet").isEmpty();
        });
        assertThat(rules[0]).isGreaterThanOrEqualTo(5);
        assertThat(notOk).isEmpty();
    }

    /** Panels at the top level and inside collapsed rows. */
    private static List<JsonNode> panels(JsonNode dashboard) {
        List<JsonNode> all = new ArrayList<>();
        for (JsonNode p : dashboard.path("panels")) {
            all.add(p);
            p.path("panels").forEach(all::add);
        }
        return all;
    }

    private static Map<String, String> awaitData(Map<String, String> queries, boolean range) throws Exception {
        return prometheus.awaitData(queries, range, Duration.ofSeconds(DEADLINE_SECONDS));
    }
}
