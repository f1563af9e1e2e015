package io.migmon.grafana.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.core.anomaly.ErrorRateDetector;
import io.migmon.core.anomaly.LowThroughputDetector;
import io.migmon.core.anomaly.StallDetector;
import io.migmon.core.health.LagThresholds;
import io.migmon.grafana.MigmonDashboards;
import io.migmon.grafana.dashboard.Dashboard;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The rules speak the dispatcher's vocabulary and read the lag thresholds from core. */
class AlertNamingTest {

    private final MigmonAlertRules rules = MigmonAlertRules.defaults();

    @Test
    void everyAlertNameIsSnakeCaseLikeTheAnomalyTypes() {
        assertThat(rules.rules()).extracting(AlertRule::alert)
                .allMatch(n -> n.matches("[a-z][a-z0-9_]*"))
                .containsExactly(MigmonAlertRules.LOW_THROUGHPUT, MigmonAlertRules.HIGH_ERROR_RATE,
                        MigmonAlertRules.HIGH_DATA_LAG, MigmonAlertRules.STALL, MigmonAlertRules.MIGRATION_FAILED,
                        MigmonAlertRules.VALIDATION_DIFFERENCES,
                        MigmonAlertRules.CDC_STALL, MigmonAlertRules.CDC_HIGH_CONSUMER_LAG,
                        MigmonAlertRules.CDC_HIGH_REPLICATION_LAG, MigmonAlertRules.CDC_HIGH_TRANSACTION_APPLY_LAG,
                        MigmonAlertRules.CDC_CONNECTOR_FAILED,
                        MigmonAlertRules.CDC_PROCESSOR_DOWN, MigmonAlertRules.CDC_PROCESSOR_ABSENT);
    }

    @Test
    void rulesForADetectorsConditionCarryTheDetectorsType() {
        assertThat(rules.rule(LowThroughputDetector.TYPE).alert()).isEqualTo("low_throughput");
        assertThat(rules.rule(ErrorRateDetector.TYPE).alert()).isEqualTo("high_error_rate");
        assertThat(rules.rule(StallDetector.TYPE).alert()).isEqualTo("stall");
    }

    @Test
    void lagRulesAndPanelsUseCoresThresholds() {
        assertThat(LagThresholds.WARNING).isEqualTo(Duration.ofSeconds(60));
        assertThat(LagThresholds.CRITICAL).isEqualTo(Duration.ofSeconds(300));
        assertThat(rules.rule(MigmonAlertRules.HIGH_DATA_LAG).expr()).endsWith(" > 300");
        assertThat(rules.rule(MigmonAlertRules.CDC_HIGH_CONSUMER_LAG).expr()).endsWith(" > 300");
        Dashboard overview = MigmonDashboards.defaults().all().get(0);
        assertThat(overview.toJson()).contains("\"value\" : 60.0").contains("\"value\" : 300.0");
    }
}
