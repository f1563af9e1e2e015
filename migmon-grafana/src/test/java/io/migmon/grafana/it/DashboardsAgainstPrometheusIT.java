package io.migmon.grafana.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.testing.Await;
import io.migmon.core.testing.ExternalTools;
import io.migmon.grafana.MigmonDashboards;
import io.migmon.grafana.dashboard.Dashboard;
import io.migmon.grafana.dashboard.PanelType;
import io.migmon.grafana.dashboard.Variable;
import io.migmon.grafana.rules.MigmonAlertRules;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * End to end: two registries populated through migmon's real API, one without and one with a metrics prefix
 * ({@code myapp.db}), are scraped every second by a real Prometheus, which also evaluates the generated alert rules
 * of both. For both option sets it asserts that every panel query of every generated dashboard returns data (range
 * queries over the last 20 s for time series, stat, gauge and bar gauge panels, instant queries for tables, as
 * Grafana sends them), that every template variable has values, that the seed's three PromQL expressions return values, and that
 * the rules load and {@code migration_failed} fires.
 *
 * <p>Two substitutions make the dashboard queries answerable seconds after start, and are the only changes made to
 * them: template variables ({@code $migration_id}, {@code ${datasource}}, ...) become the regex {@code .*} (what
 * Grafana sends for "All"), and range windows such as {@code [5m]} become {@value #SHORT_WINDOW} (a 5-minute window
 * would give values too, but extrapolated from a handful of samples; the short window is what the data can honestly
 * satisfy with a 1 s scrape). The seed's expressions are run unchanged, with their {@code [5m]} windows.
 */
class DashboardsAgainstPrometheusIT {

    static final String SHORT_WINDOW = "[15s]";
    private static final long DEADLINE_SECONDS = 90;
    private static final Duration POLL = Duration.ofMillis(250);

    /** The host's options: no prefix, and a prefix (both scraped by the same Prometheus). */
    private static final List<MetricsOptions> OPTIONS = List.of(MetricsOptions.defaults(),
            MetricsOptions.builder().prefix("myapp.db").build());

    private static final List<SampleMetrics> METRICS = new ArrayList<>();
    private static PrometheusServer prometheus;

    @BeforeAll
    static void start() throws Exception {
        Path binary = ExternalTools.require("prometheus", "prometheus");
        List<String> targets = new ArrayList<>();
        List<String> ruleFiles = new ArrayList<>();
        for (MetricsOptions options : OPTIONS) {
            SampleMetrics m = new SampleMetrics(options);
            METRICS.add(m);
            targets.add(m.target());
            ruleFiles.add(MigmonAlertRules.builder().metricsOptions(options).build().toRuleFileYaml());
        }
        prometheus = new PrometheusServer(binary, Path.of("target", "prometheus-it").toAbsolutePath(), targets,
                ruleFiles);
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        METRICS.forEach(SampleMetrics::close);
    }

    /** The query as the IT runs it: variables → {@code .*}, windows → {@value #SHORT_WINDOW}. */
    static String answerable(String expr) {
        return PrometheusServer.answerable(expr, SHORT_WINDOW);
    }

    @Test
    void substitutionIsOnlyVariablesAndWindows() {
        assertThat(answerable("sum by (migration_id) (rate(migration_rows_total{migration_id=~\"$migration_id\", "
                + "table_name=~\"${table}\"}[5m]))"))
                .isEqualTo("sum by (migration_id) (rate(migration_rows_total{migration_id=~\".*\", "
                        + "table_name=~\".*\"}[15s]))");
    }

    @Test
    void everyPanelQueryOfEveryGeneratedDashboardReturnsData() throws Exception {
        Map<String, String> instant = new LinkedHashMap<>();
        Map<String, String> range = new LinkedHashMap<>();
        for (MetricsOptions options : OPTIONS) {
            for (Dashboard d : MigmonDashboards.builder().metricsOptions(options).build().all()) {
                for (var panel : d.panels()) {
                    for (var target : panel.targets()) {
                        // tables send instant queries, the other panels range queries (see Panel's JSON targets)
                        (panel.type() == PanelType.TABLE ? instant : range)
                                .put(answerable(target.expr()), d.uid() + " / " + panel.title() + " [" + options + "]");
                    }
                }
            }
        }
        assertThat(instant.size() + range.size()).isGreaterThan(80);
        Map<String, String> empty = awaitData(instant, false);
        empty.putAll(awaitData(range, true));
        assertThat(empty).as("queries without data after %s s (query -> dashboard / panel)", DEADLINE_SECONDS)
                .isEmpty();
    }

    @Test
    void everyTemplateVariableHasValues() throws Exception {
        Pattern labelValues = Pattern.compile("label_values\\((.*), ([a-z_]+)\\)");
        for (Dashboard d : OPTIONS.stream().flatMap(o -> MigmonDashboards.builder().metricsOptions(o).build().all()
                .stream()).toList()) {
            for (Variable v : d.variables()) {
                if (v.kind() != Variable.Kind.QUERY) {
                    continue;
                }
                Matcher m = labelValues.matcher(v.query());
                assertThat(m.matches()).as(v.query()).isTrue();
                String selector = answerable(m.group(1));
                Await.untilAsserted(Duration.ofSeconds(DEADLINE_SECONDS), POLL, () ->
                        assertThat(prometheus.labelValues(m.group(2), selector)).as("%s: %s", d.uid(), v.query())
                                .isNotEmpty());
            }
        }
    }

    @Test
    void theSeedsThreeExpressionsReturnValues() throws Exception {
        Map<String, String> seed = new LinkedHashMap<>();
        seed.put("rate(migration_rows_total[5m])", "seed");
        seed.put("migration_data_lag_seconds", "seed");
        seed.put("rate(migration_errors_total[5m])", "seed");
        assertThat(awaitData(seed, false)).isEmpty();
        JsonNode rows = prometheus.query("rate(migration_rows_total{migration_id=\"orders-backfill\"}[5m])");
        assertThat(rows).isNotEmpty();
        assertThat(rows.get(0).at("/value/1").asDouble()).isPositive();
        JsonNode lag = prometheus.query("migration_data_lag_seconds{migration_id=\"orders-backfill\"}");
        assertThat(lag.get(0).at("/value/1").asDouble()).isEqualTo(90.0);
    }

    @Test
    void generatedRulesLoadAndMigrationFailedFires() throws Exception {
        List<JsonNode> firing = new ArrayList<>();
        Await.untilAsserted(Duration.ofSeconds(DEADLINE_SECONDS), POLL, () -> {
            firing.clear();
            for (JsonNode a : prometheus.get("api/v1/alerts").at("/data/alerts")) {
                if (a.at("/labels/alertname").asText().equals("migration_failed") && a.path("state").asText()
                        .equals("firing")) {
                    firing.add(a);
                }
            }
            assertThat(firing).as("migration_failed firing; prometheus log:%n%s", prometheus.log())
                    .hasSizeGreaterThanOrEqualTo(OPTIONS.size());
        });
        assertThat(firing).as("migration_failed firing once per target; prometheus log:%n%s", prometheus.log())
                .hasSize(OPTIONS.size())
                .extracting(a -> a.at("/labels/instance").asText())
                .containsExactlyInAnyOrderElementsOf(METRICS.stream().map(SampleMetrics::target).toList());
        for (JsonNode a : firing) {
            assertThat(a.at("/labels/migration_id").asText()).isEqualTo("users-migration");
            assertThat(a.at("/labels/severity").asText()).isEqualTo("critical");
            assertThat(a.at("/annotations/summary").asText()).isEqualTo("Migration users-migration failed");
        }

        List<String> unhealthy = new ArrayList<>();
        int rules = 0;
        for (JsonNode g : prometheus.get("api/v1/rules").at("/data/groups")) {
            for (JsonNode r : g.get("rules")) {
                rules++;
                if (!r.path("health").asText().equals("ok") && !r.path("health").asText().equals("unknown")) {
                    unhealthy.add(r.path("name").asText() + ": " + r.path("lastError").asText());
                }
            }
        }
        assertThat(rules).isEqualTo(OPTIONS.size() * MigmonAlertRules.defaults().rules().size());
        assertThat(unhealthy).isEmpty();
    }

    private static Map<String, String> awaitData(Map<String, String> queries, boolean range) throws Exception {
        return prometheus.awaitData(queries, range, Duration.ofSeconds(DEADLINE_SECONDS));
    }
}
