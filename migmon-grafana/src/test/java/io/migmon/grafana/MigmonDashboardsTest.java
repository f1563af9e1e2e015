package io.migmon.grafana;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.migmon.core.metrics.MeterDefinition;
import io.migmon.core.metrics.MeterType;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.grafana.dashboard.Dashboard;
import io.migmon.grafana.dashboard.PanelType;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class MigmonDashboardsTest {

    /** Identifiers followed by a selector or a range / closing parenthesis that are not PromQL functions or keywords. */
    private static final Pattern IDENT = Pattern.compile("\\b([a-z_][a-z0-9_]*)\\b(?![\\s]*\\()");
    private static final Set<String> NON_METRICS = Set.of("by", "le", "on", "and", "or", "unless", "without",
            "bool", "ignoring", "group_left", "group_right", "offset");

    @Test
    void fiveDashboardsWithStableUids() {
        assertThat(MigmonDashboards.defaults().all()).extracting(Dashboard::uid)
                .containsExactly("migmon-overview", "migmon-mongodb", "migmon-cdc", "migmon-alerting", "migmon-catalog");
    }

    @Test
    void overviewHasTheSeedPanelsAndLagThresholds() {
        Dashboard d = MigmonDashboards.defaults().migrationOverview();
        assertThat(d.queries()).anySatisfy(q -> assertThat(q).contains("rate(migration_rows_total{").contains("[5m]"))
                .anySatisfy(q -> assertThat(q).contains("rate(migration_errors_total{").contains("[5m]"))
                .anySatisfy(q -> assertThat(q).contains("migration_data_lag_seconds"))
                .anySatisfy(q -> assertThat(q).contains("migration_progress_ratio"))
                .anySatisfy(q -> assertThat(q).contains("migration_eta_seconds"))
                .anySatisfy(q -> assertThat(q).contains("migration_status{").endsWith("== 1"));
        JsonNode lagPanel = panel(d, "Data lag");
        JsonNode steps = lagPanel.at("/fieldConfig/defaults/thresholds/steps");
        assertThat(steps).extracting(s -> s.get("color").asText()).containsExactly("green", "yellow", "red");
        assertThat(steps.get(1).get("value").asDouble()).isEqualTo(60);
        assertThat(steps.get(2).get("value").asDouble()).isEqualTo(300);
        assertThat(d.variables()).extracting(v -> v.name()).containsExactly("datasource", "migration_id", "table");
    }

    @Test
    void cdcDashboardCoversEventsLagLatencyAndDeadLetters() {
        Dashboard d = MigmonDashboards.defaults().cdcPipeline();
        assertThat(String.join("\n", d.queries())).contains("cdc_events_processed_total", "sum by (operation)",
                "cdc_consumer_lag_messages", "cdc_consumer_lag_seconds", "cdc_stage_latency_seconds_bucket",
                "cdc_replication_lag_seconds", "cdc_dead_letters_total", "cdc_connector_state");
        assertThat(d.variables()).extracting(v -> v.name()).contains("table", "topic");
    }

    @Test
    void everyPanelKindIsUsedByTheReadyMadeDashboards() {
        Set<PanelType> used = MigmonDashboards.defaults().all().stream().flatMap(d -> d.panels().stream())
                .map(p -> p.type()).collect(Collectors.toSet());
        assertThat(used).containsExactlyInAnyOrder(PanelType.values());
    }

    @Test
    void everyMetricNameInEveryQueryComesFromTheCatalog() {
        for (String prefix : List.of("", "myapp")) {
            MetricsOptions options = MetricsOptions.builder().prefix(prefix).build();
            MetricNames names = MetricNames.of(options);
            Set<String> known = new HashSet<>();
            for (MeterDefinition def : MetricCatalog.all()) {
                known.add(names.name(def));
                if (def.type() == MeterType.TIMER) {
                    known.addAll(List.of(names.bucket(def), names.count(def), names.sum(def)));
                }
            }
            for (Dashboard d : MigmonDashboards.builder().metricsOptions(options).build().all()) {
                for (String q : d.queries()) {
                    Set<String> metrics = metricNames(q);
                    assertThat(metrics).as("metrics of %s in %s", q, d.uid()).isNotEmpty();
                    assertThat(known).as("query %s of %s", q, d.uid()).containsAll(metrics);
                }
            }
        }
    }

    @Test
    void theCatalogExplorerHasOnePanelPerCatalogMeter() {
        Dashboard explorer = MigmonDashboards.defaults().allMeters();
        assertThat(explorer.panels()).hasSameSizeAs(MetricCatalog.all());
        for (MeterDefinition def : MetricCatalog.all()) {
            assertThat(explorer.queries()).as(def.prometheusName())
                    .anySatisfy(q -> assertThat(q).contains(def.prometheusName()));
        }
    }

    @Test
    void topicDashboardsCoverTheCatalogAsOfThisModule() {
        // meters added to the catalog later appear on the explorer automatically; these were placed by hand
        String topical = MigmonDashboards.defaults().all().stream().filter(d -> !d.uid().equals("migmon-catalog"))
                .flatMap(d -> d.queries().stream()).collect(Collectors.joining("\n"));
        List<MeterDefinition> placed = List.of(MetricCatalog.MIGRATION_DURATION, MetricCatalog.MIGRATION_ROWS,
                MetricCatalog.MIGRATION_ERRORS, MetricCatalog.MIGRATION_DATA_LAG, MetricCatalog.MIGRATION_PROGRESS,
                MetricCatalog.MIGRATION_ETA, MetricCatalog.MIGRATION_ROWS_EXPECTED, MetricCatalog.MIGRATION_THROUGHPUT,
                MetricCatalog.MIGRATION_STATUS, MetricCatalog.MIGRATION_LAST_PROGRESS, MetricCatalog.MIGRATION_ANOMALIES,
                MetricCatalog.HEALTH_STATUS, MetricCatalog.MONGODB_MIGRATION_DURATION,
                MetricCatalog.MONGODB_MIGRATION_DOCUMENTS, MetricCatalog.MONGODB_MIGRATION_ERRORS,
                MetricCatalog.MONGODB_MIGRATION_VALIDATIONS, MetricCatalog.CDC_EVENTS_PROCESSED,
                MetricCatalog.CDC_CONSUMER_LAG, MetricCatalog.CDC_CONSUMER_LAG_SECONDS, MetricCatalog.CDC_REPLICATION_LAG,
                MetricCatalog.CDC_STAGE_LATENCY, MetricCatalog.CDC_DEAD_LETTERS, MetricCatalog.CDC_CONNECTOR_STATE,
                MetricCatalog.CDC_TASK_STATE, MetricCatalog.ALERTS_SENT, MetricCatalog.ALERTS_FAILED,
                MetricCatalog.ALERTS_DROPPED, MetricCatalog.ALERT_QUEUE_DEPTH, MetricCatalog.OBSERVABILITY_FAILURES,
                MetricCatalog.TAG_OVERFLOW, MetricCatalog.VALIDATION_DIFFERENCES, MetricCatalog.VALIDATION_PROGRESS,
                MetricCatalog.VALIDATION_ETA, MetricCatalog.VALIDATION_ROWS);
        for (MeterDefinition def : placed) {
            assertThat(topical).as(def.prometheusName()).contains(def.prometheusName());
        }
    }

    @Test
    void prefixIsHonoured() {
        Dashboard d = MigmonDashboards.builder().metricsOptions(MetricsOptions.builder().prefix("myapp.db").build())
                .build().migrationOverview();
        assertThat(d.queries()).anySatisfy(q -> assertThat(q).contains("rate(myapp_db_migration_rows_total{"));
        assertThat(d.variables().get(1).query()).isEqualTo("label_values(myapp_db_migration_status, migration_id)");
    }

    @Test
    void builderValidates() {
        assertThatThrownBy(() -> MigmonDashboards.builder().rateWindow("5 minutes")).hasMessageContaining("rateWindow");
        assertThatThrownBy(() -> MigmonDashboards.builder().uidPrefix("a b")).hasMessageContaining("uidPrefix");
        assertThatThrownBy(() -> MigmonDashboards.builder().lagThresholds(300, 60)).hasMessageContaining("lagThresholds");
        assertThatThrownBy(() -> MigmonDashboards.builder().metricsOptions(null)).hasMessageContaining("metricsOptions");
        assertThat(MigmonDashboards.builder().rateWindow("1m").build().migrationOverview().queries())
                .anySatisfy(q -> assertThat(q).contains("[1m]"));
    }

    /** Metric names in a PromQL expression: identifiers that are not functions, keywords, labels or quoted text. */
    static Set<String> metricNames(String promql) {
        String stripped = promql.replaceAll("\"[^\"]*\"", "\"\"")    // label values
                .replaceAll("\\{[^}]*}", "{}")                          // label matchers
                .replaceAll("\\((by|without|on|ignoring)\\s*\\([^)]*\\)", "(")
                .replaceAll("\\b(by|without|on|ignoring)\\s*\\([^)]*\\)", "")
                .replaceAll("\\[[^]]*]", "[]");
        Set<String> out = new HashSet<>();
        Matcher m = IDENT.matcher(stripped);
        while (m.find()) {
            String id = m.group(1);
            if (!NON_METRICS.contains(id)) {
                out.add(id);
            }
        }
        return out;
    }

    private static JsonNode panel(Dashboard d, String title) {
        for (JsonNode p : d.json().get("panels")) {
            if (p.get("title").asText().equals(title) && !p.get("type").asText().equals("row")) {
                return p;
            }
        }
        throw new AssertionError("no panel " + title);
    }
}
