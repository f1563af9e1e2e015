package io.migmon.grafana.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.grafana.MigmonDashboards;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class DashboardSchemaTest {

    static Stream<Dashboard> generated() {
        MigmonDashboards prefixed = MigmonDashboards.builder()
                .metricsOptions(MetricsOptions.builder().prefix("myapp.db").build()).uidPrefix("myapp").build();
        return Stream.concat(MigmonDashboards.defaults().all().stream(), prefixed.all().stream());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("generated")
    void everyGeneratedDashboardValidatesAgainstGrafanasSchema(Dashboard dashboard) throws IOException {
        List<String> errors = GrafanaSchema.validate(dashboard.json());
        assertThat(errors).as(dashboard.uid()).isEmpty();
        // and the serialised text parses back to the same tree
        assertThat(new ObjectMapper().readTree(dashboard.toJson())).isEqualTo(dashboard.json());
    }

    @Test
    void everyPanelKindValidates() {
        Dashboard d = Dashboard.builder("kinds", "All kinds").prometheusDatasource()
                .variable(Variable.labelValues("migration_id", "migration_status", "migration_id"))
                .row("one")
                .panel(Panel.timeseries("ts").query("up{job=~\"$migration_id\"}", "{{job}}")
                        .thresholds(Thresholds.greenYellowRed(60, 300)).unit(Units.SECONDS))
                .panel(Panel.stat("stat").query("up == 1", "{{job}}").showSeriesName())
                .panel(Panel.gauge("gauge").query("up").min(0).max(1).decimals(2))
                .panel(Panel.barGauge("bars").query("up"))
                .panel(Panel.table("table").query("up").query("up * 2", "double"))
                .panel(Panel.text("text", "# hello"))
                .build();
        assertThat(GrafanaSchema.validate(d.json())).isEmpty();
        assertThat(d.json().get("panels")).extracting(p -> p.get("type").asText())
                .containsExactly("row", "timeseries", "stat", "gauge", "bargauge", "table", "text");
    }

    @Test
    void theSchemaCatchesAnInvalidDashboard() {
        ObjectNode d = MigmonDashboards.defaults().migrationOverview().json();
        d.remove("schemaVersion");
        ((ObjectNode) d.get("panels").get(1)).put("gridPos", "top-left");
        assertThat(GrafanaSchema.validate(d)).hasSizeGreaterThanOrEqualTo(2)
                .anySatisfy(e -> assertThat(e).contains("schemaVersion"))
                .anySatisfy(e -> assertThat(e).contains("gridPos"));
    }

    @Test
    void testCopyOfTheSchemaIsTheSharedOne() throws IOException {
        Path shared = GrafanaSchema.sharedCopy().orElse(null);
        assumeTrue(shared != null, "shared/schemas not beside this checkout");
        try (InputStream in = GrafanaSchema.class.getResourceAsStream(GrafanaSchema.RESOURCE)) {
            assertThat(Arrays.equals(in.readAllBytes(), Files.readAllBytes(shared)))
                    .as("src/test/resources%s must be a copy of %s", GrafanaSchema.RESOURCE, shared).isTrue();
        }
    }
}
