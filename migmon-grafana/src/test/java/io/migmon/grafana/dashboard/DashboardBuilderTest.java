package io.migmon.grafana.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DashboardBuilderTest {

    @Test
    void rendersDashboardFields() {
        Dashboard d = Dashboard.builder("my-uid", "My title").description("desc").tags("a", "b", "a")
                .time("now-6h", "now").refresh("10s").schemaVersion(41).timezone("utc")
                .prometheusDatasource()
                .variable(Variable.labelValues("migration_id", "migration_status", "migration_id").withLabel("Migration"))
                .panel(Panel.timeseries("Rows").query("rate(x{migration_id=~\"$migration_id\"}[5m])", "{{migration_id}}")
                        .unit(Units.ROWS_PER_SECOND))
                .build();
        ObjectNode json = d.json();
        assertThat(json.get("uid").asText()).isEqualTo("my-uid");
        assertThat(json.get("title").asText()).isEqualTo("My title");
        assertThat(json.get("tags")).extracting(JsonNode::asText).containsExactly("a", "b");
        assertThat(json.at("/time/from").asText()).isEqualTo("now-6h");
        assertThat(json.get("refresh").asText()).isEqualTo("10s");
        assertThat(json.get("schemaVersion").asInt()).isEqualTo(41);
        assertThat(json.get("timezone").asText()).isEqualTo("utc");
        JsonNode vars = json.at("/templating/list");
        assertThat(vars.get(0).get("type").asText()).isEqualTo("datasource");
        assertThat(vars.get(0).get("query").asText()).isEqualTo("prometheus");
        assertThat(vars.get(1).get("type").asText()).isEqualTo("query");
        assertThat(vars.get(1).at("/query/query").asText()).isEqualTo("label_values(migration_status, migration_id)");
        assertThat(vars.get(1).get("allValue").asText()).isEqualTo(".*");
        assertThat(vars.get(1).at("/datasource/uid").asText()).isEqualTo("${datasource}");
        JsonNode panel = json.at("/panels/0");
        assertThat(panel.at("/datasource/uid").asText()).isEqualTo("${datasource}");
        assertThat(panel.at("/targets/0/refId").asText()).isEqualTo("A");
        assertThat(panel.at("/targets/0/legendFormat").asText()).isEqualTo("{{migration_id}}");
        assertThat(panel.at("/fieldConfig/defaults/unit").asText()).isEqualTo(Units.ROWS_PER_SECOND);
        assertThat(d.queries()).containsExactly("rate(x{migration_id=~\"$migration_id\"}[5m])");
    }

    @Test
    void thresholdsRenderWithMinusInfinityAsNull() {
        Dashboard d = Dashboard.builder("t", "t")
                .panel(Panel.stat("lag").query("lag").thresholds(Thresholds.greenYellowRed(60, 300))).build();
        JsonNode steps = d.json().at("/panels/0/fieldConfig/defaults/thresholds/steps");
        assertThat(steps.get(0).get("color").asText()).isEqualTo("green");
        assertThat(steps.get(0).get("value").isNull()).isTrue();
        assertThat(steps.get(1).get("value").asDouble()).isEqualTo(60);
        assertThat(steps.get(1).get("color").asText()).isEqualTo("yellow");
        assertThat(steps.get(2).get("value").asDouble()).isEqualTo(300);
        assertThat(steps.get(2).get("color").asText()).isEqualTo("red");
    }

    @Test
    void layoutFillsRowsLeftToRightAndWraps() {
        Dashboard d = Dashboard.builder("layout", "Layout")
                .row("first")
                .panel(Panel.stat("s1").query("a"))                 // 6x4 at 0,1
                .panel(Panel.stat("s2").query("a"))                 // 6x4 at 6,1
                .panel(Panel.timeseries("t1").query("a"))           // 12x8 at 12,1
                .panel(Panel.timeseries("t2").query("a"))           // wraps: 12x8 at 0,9
                .row("second")                                      // row at y=17
                .panel(Panel.timeseries("t3").query("a").size(24, 5)) // 24x5 at 0,18
                .panel(Panel.stat("s3").query("a"))                 // 0,23
                .build();
        List<int[]> pos = new ArrayList<>();
        for (JsonNode p : d.json().get("panels")) {
            JsonNode g = p.get("gridPos");
            pos.add(new int[] {g.get("x").asInt(), g.get("y").asInt(), g.get("w").asInt(), g.get("h").asInt()});
        }
        assertThat(pos).containsExactly(
                new int[] {0, 0, 24, 1}, new int[] {0, 1, 6, 4}, new int[] {6, 1, 6, 4}, new int[] {12, 1, 12, 8},
                new int[] {0, 9, 12, 8}, new int[] {0, 17, 24, 1}, new int[] {0, 18, 24, 5}, new int[] {0, 23, 6, 4});
        assertThat(d.json().get("panels")).extracting(p -> p.get("id").asInt()).doesNotHaveDuplicates();
        assertThat(d.rows()).containsExactly("first", "second");
    }

    @Test
    void builtDashboardIsIndependentOfItsBuilderAndOfReturnedTrees() {
        Dashboard.Builder b = Dashboard.builder("x", "x").panel(Panel.stat("a").query("a"));
        Dashboard d = b.build();
        b.panel(Panel.stat("b").query("b"));
        assertThat(d.panels()).hasSize(1);
        d.json().put("title", "changed");
        assertThat(d.json().get("title").asText()).isEqualTo("x");
    }

    @Test
    void validationMessagesNameTheField() {
        assertThatThrownBy(() -> Dashboard.builder("has space", "t")).hasMessageContaining("dashboard uid");
        assertThatThrownBy(() -> Dashboard.builder("u".repeat(41), "t")).hasMessageContaining("dashboard uid");
        assertThatThrownBy(() -> Dashboard.builder("u", " ")).hasMessageContaining("title");
        assertThatThrownBy(() -> Dashboard.builder("u", "t").refresh("often")).hasMessageContaining("refresh");
        assertThatThrownBy(() -> Dashboard.builder("u", "t").schemaVersion(0)).hasMessageContaining("schemaVersion");
        assertThatThrownBy(() -> Dashboard.builder("u", "t").time("", "now")).hasMessageContaining("time");
        assertThatThrownBy(() -> Dashboard.builder("u", "t").build()).hasMessageContaining("panels");
        assertThatThrownBy(() -> Dashboard.builder("u", "t").panel(Panel.stat("p").query("x{a=~\"$nope\"}")).build())
                .hasMessageContaining("panel 'p'").hasMessageContaining("$nope");
        assertThatThrownBy(() -> Dashboard.builder("u", "t")
                .variable(Variable.labelValues("v", "m", "l")).variable(Variable.labelValues("v", "m", "l"))
                .panel(Panel.stat("p").query("x")).build()).hasMessageContaining("variable 'v'");
        assertThatThrownBy(() -> Panel.stat(" ")).hasMessageContaining("title");
        assertThatThrownBy(() -> Panel.stat("p").build()).hasMessageContaining("panel 'p'").hasMessageContaining("targets");
        assertThatThrownBy(() -> Panel.stat("p").query(" ")).hasMessageContaining("panel 'p'").hasMessageContaining("expr");
        assertThatThrownBy(() -> Panel.stat("p").size(25, 4)).hasMessageContaining("width");
        assertThatThrownBy(() -> Panel.stat("p").size(4, 0)).hasMessageContaining("height");
        assertThatThrownBy(() -> Panel.gauge("p").query("x").min(1).max(1).build()).hasMessageContaining("min");
        assertThatThrownBy(() -> Panel.timeseries("p").query("x").showSeriesName().build())
                .hasMessageContaining("showSeriesName");
        assertThatThrownBy(() -> Panel.text("p", " ").build()).hasMessageContaining("content");
        assertThatThrownBy(() -> Thresholds.base("green").step(300, "red").step(60, "yellow"))
                .hasMessageContaining("ascending");
        assertThatThrownBy(() -> Thresholds.base(" ")).hasMessageContaining("color");
        assertThatThrownBy(() -> Variable.labelValues("1x", "m", "l")).hasMessageContaining("variable name");
        assertThatThrownBy(() -> Variable.labelValues("v", "m", "bad-label")).hasMessageContaining("label");
    }

    @Test
    void grafanaGlobalVariablesNeedNoDeclaration() {
        Dashboard d = Dashboard.builder("g", "g").panel(Panel.timeseries("p").query("rate(x[$__rate_interval])")).build();
        assertThat(d.queries()).containsExactly("rate(x[$__rate_interval])");
    }
}
