package io.migmon.grafana.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.migmon.core.anomaly.LowThroughputDetector;
import io.migmon.core.metrics.MetricsOptions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MigmonAlertRulesTest {

    private static final YAMLMapper YAML = new YAMLMapper();

    @Test
    void theSeedRulesAndTheRest() {
        MigmonAlertRules rules = MigmonAlertRules.defaults();
        assertThat(rules.rules()).extracting(AlertRule::alert).containsExactly("low_throughput",
                "high_error_rate", "high_data_lag", "stall", "migration_failed", "validation_differences",
                "cdc_stall", "cdc_high_consumer_lag", "cdc_high_replication_lag", "cdc_high_transaction_apply_lag",
                "cdc_connector_failed",
                "cdc_processor_down", "cdc_processor_absent");
        assertThat(rules.rule("cdc_processor_down").expr()).isEqualTo("cdc_processor_up == 0");
        assertThat(rules.rule("cdc_processor_absent").expr())
                .isEqualTo("max_over_time(cdc_processor_up[1h]) unless cdc_processor_up");
        assertThat(MigmonAlertRules.builder().absentWindow(Duration.ofHours(6)).build()
                .rule("cdc_processor_absent").expr()).contains("[6h]");
        assertThatThrownBy(() -> MigmonAlertRules.builder().absentWindow(Duration.ofMillis(1500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("absentWindow");
        assertThat(rules.rule("cdc_high_replication_lag").expr()).isEqualTo("max by (processor, source_table, "
                + "target_table) (cdc_replication_lag_seconds) > 300 or (max by (processor, source_table, target_table) "
                + "(max_over_time(cdc_replication_lag_seconds[2m])) > 300 unless on (processor, source_table, "
                + "target_table) max by (processor, source_table, target_table) (cdc_replication_lag_seconds >= 0))");
        assertThat(MigmonAlertRules.builder().lagGapWindow(Duration.ofSeconds(90)).build()
                .rule("cdc_high_replication_lag").expr()).contains("[90s]");
        assertThatThrownBy(() -> MigmonAlertRules.builder().lagGapWindow(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lagGapWindow");
        assertThat(rules.rule("low_throughput").severity()).isEqualTo("warning");
        assertThat(rules.rule("low_throughput").expr()).contains("rate(migration_rows_total[5m])", "< 0.4 *",
                "avg_over_time(migration_throughput_rows_per_second[1h])", "status=\"running\"");
        assertThat(rules.rule("high_error_rate").severity()).isEqualTo("critical");
        assertThat(rules.rule("high_error_rate").expr())
                .isEqualTo("sum by (migration_id) (rate(migration_errors_total[5m])) / "
                        + "sum by (migration_id) (rate(migration_rows_total[5m])) > 0.01");
        assertThat(rules.rule("migration_failed").expr()).isEqualTo("migration_status{status=\"failed\"} == 1");
        assertThat(rules.rule("migration_failed").pending()).isZero();
        assertThat(rules.rule("high_data_lag").expr()).endsWith("(migration_data_lag_seconds) > 300");
        assertThat(rules.rule("cdc_stall").expr()).contains("cdc_consumer_lag_messages",
                "cdc_events_processed_total");
        assertThat(rules.rules()).allSatisfy(r -> {
            assertThat(r.labels()).containsKeys("severity", "component");
            assertThat(r.annotations()).containsKeys("summary", "description");
        });
    }

    /** One source of truth: the rule's default factor is the detector's default ratio (0.4 since 2026-11-27). */
    @Test
    void lowThroughputFactorIsTheDetectorsDefaultRatio() {
        String expr = MigmonAlertRules.defaults().rule("low_throughput").expr();
        assertThat(expr).contains("< " + LowThroughputDetector.DEFAULT_RATIO + " *");
        assertThat(LowThroughputDetector.DEFAULT_RATIO).isEqualTo(0.4);
    }

    @Test
    void thresholdsAreConfigurable() {
        MigmonAlertRules rules = MigmonAlertRules.builder().throughputFactor(0.25).expectedRowsPerSecond(2000)
                .errorRatio(0.05).lagThreshold(Duration.ofMinutes(2)).stallAfter(Duration.ofMinutes(30))
                .rateWindow(Duration.ofMinutes(1)).pending(Duration.ofMinutes(2)).label("team", "data")
                .runbookBaseUrl("https://runbooks.example.com/migmon/").build();
        assertThat(rules.rule("low_throughput").expr()).contains("rate(migration_rows_total[1m])",
                "< 0.25 * 2000").doesNotContain("avg_over_time");
        assertThat(rules.rule("low_throughput").pending()).isEqualTo(Duration.ofMinutes(4));
        assertThat(rules.rule("high_error_rate").expr()).endsWith("> 0.05");
        assertThat(rules.rule("high_error_rate").annotations().get("summary")).contains("5%");
        assertThat(rules.rule("high_data_lag").expr()).endsWith("> 120");
        assertThat(rules.rule("stall").expr()).contains("> 1800");
        assertThat(rules.rule("cdc_high_consumer_lag").pending()).isEqualTo(Duration.ofMinutes(2));
        assertThat(rules.rules()).allSatisfy(r -> {
            assertThat(r.labels()).containsEntry("team", "data");
            assertThat(r.annotations().get("runbook_url")).startsWith("https://runbooks.example.com/migmon/");
        });
    }

    @Test
    void prefixIsHonoured() {
        MigmonAlertRules rules = MigmonAlertRules.builder()
                .metricsOptions(MetricsOptions.builder().prefix("myapp").build()).build();
        assertThat(rules.rule("migration_failed").expr()).isEqualTo("myapp_migration_status{status=\"failed\"} == 1");
        assertThat(rules.toRuleFileYaml()).doesNotContain(" migration_rows_total", "(migration_rows_total");
    }

    @Test
    void ruleFileYamlHasPrometheusShape() throws Exception {
        JsonNode file = YAML.readTree(MigmonAlertRules.defaults().toRuleFileYaml());
        assertThat(file.get("groups")).extracting(g -> g.get("name").asText())
                .containsExactly(MigmonAlertRules.MIGRATIONS_GROUP, MigmonAlertRules.CDC_GROUP);
        JsonNode failed = file.at("/groups/0/rules/4");
        assertThat(failed.get("alert").asText()).isEqualTo("migration_failed");
        assertThat(failed.get("expr").asText()).isEqualTo("migration_status{status=\"failed\"} == 1");
        assertThat(failed.has("for")).isFalse();
        assertThat(failed.at("/labels/severity").asText()).isEqualTo("critical");
        assertThat(file.at("/groups/0/rules/1/for").asText()).isEqualTo("5m");
        assertThat(file.at("/groups/0/rules/0/for").asText()).isEqualTo("10m");
    }

    @Test
    void prometheusRuleResourceWrapsTheSameGroups() throws Exception {
        MigmonAlertRules rules = MigmonAlertRules.defaults();
        JsonNode pr = YAML.readTree(rules.toPrometheusRuleYaml("migmon", "monitoring", Map.of("release", "prom")));
        assertThat(pr.get("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
        assertThat(pr.get("kind").asText()).isEqualTo("PrometheusRule");
        assertThat(pr.at("/metadata/name").asText()).isEqualTo("migmon");
        assertThat(pr.at("/metadata/namespace").asText()).isEqualTo("monitoring");
        assertThat(pr.at("/metadata/labels/release").asText()).isEqualTo("prom");
        assertThat(pr.at("/spec/groups")).isEqualTo(YAML.readTree(rules.toRuleFileYaml()).get("groups"));
    }

    @Test
    void validationMessagesNameTheField() {
        assertThatThrownBy(() -> MigmonAlertRules.builder().throughputFactor(1.5)).hasMessageContaining("throughputFactor");
        assertThatThrownBy(() -> MigmonAlertRules.builder().errorRatio(0)).hasMessageContaining("errorRatio");
        assertThatThrownBy(() -> MigmonAlertRules.builder().expectedRowsPerSecond(-1))
                .hasMessageContaining("expectedRowsPerSecond");
        assertThatThrownBy(() -> MigmonAlertRules.builder().lagThreshold(Duration.ZERO)).hasMessageContaining("lagThreshold");
        assertThatThrownBy(() -> MigmonAlertRules.builder().stallAfter(Duration.ofMillis(1500)))
                .hasMessageContaining("stallAfter");
        assertThatThrownBy(() -> MigmonAlertRules.builder().rateWindow(null)).hasMessageContaining("rateWindow");
        assertThatThrownBy(() -> MigmonAlertRules.builder().pending(Duration.ofSeconds(-1))).hasMessageContaining("pending");
        assertThatThrownBy(() -> MigmonAlertRules.builder().label("severity", "x")).hasMessageContaining("label name");
        assertThatThrownBy(() -> MigmonAlertRules.builder().label("team", "")).hasMessageContaining("team");
        assertThatThrownBy(() -> MigmonAlertRules.builder().runbookBaseUrl("wiki/x")).hasMessageContaining("runbookBaseUrl");
        assertThatThrownBy(() -> new AlertRule("Bad Name", "up", Duration.ZERO, Map.of(), Map.of()))
                .hasMessageContaining("alert name");
        assertThatThrownBy(() -> new AlertRule("A", " ", Duration.ZERO, Map.of(), Map.of()))
                .hasMessageContaining("alert 'A'").hasMessageContaining("expr");
        assertThatThrownBy(() -> new AlertRule("A", "up", Duration.ZERO, Map.of("bad-label", "x"), Map.of()))
                .hasMessageContaining("label name");
        AlertRule a = new AlertRule("A", "up", Duration.ZERO, Map.of(), Map.of());
        assertThatThrownBy(() -> new RuleGroup("g", null, List.of(a, a))).hasMessageContaining("alert 'A'");
        assertThatThrownBy(() -> new RuleGroup("g", null, List.of())).hasMessageContaining("rules");
        assertThatThrownBy(() -> RuleFiles.prometheusRule("Bad_Name", null, Map.of(), List.of(new RuleGroup("g", null,
                List.of(a))))).hasMessageContaining("PrometheusRule name");
        assertThatThrownBy(() -> RuleFiles.prometheusRule("ok", "Bad.ns", Map.of(), List.of(new RuleGroup("g", null,
                List.of(a))))).hasMessageContaining("namespace");
    }

    @Test
    void durationsRenderAsPrometheusDurations() {
        assertThat(RuleFiles.duration(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(RuleFiles.duration(Duration.ofMinutes(10))).isEqualTo("10m");
        assertThat(RuleFiles.duration(Duration.ofHours(2))).isEqualTo("2h");
        assertThat(RuleFiles.duration(Duration.ZERO)).isEqualTo("0s");
    }
}
