package io.migmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.migmon.core.testing.ExternalTools;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@code migmon rules} (checked by the real promtool) and {@code migmon dashboards} (files, push). */
class RulesAndDashboardsCommandTest {

    @Test
    void rulesFileIsAcceptedByPromtool() throws Exception {
        Path promtool = ExternalTools.require("promtool", "prometheus");
        Path file = Path.of("target", "cli-rules", "migmon-rules.yml").toAbsolutePath();
        Cli.Result r = Cli.run("rules", "--out", file.toString(), "--metrics-prefix", "myapp.db");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("wrote " + file);
        String yaml = Files.readString(file);
        assertThat(yaml).contains("myapp_db_migration_status").doesNotContain("expr: migration_status");
        ExternalTools.Result check = ExternalTools.run(null, List.of(promtool.toString(), "check", "rules",
                file.toString()), 60);
        assertThat(check.exitCode()).as(check.output()).isZero();
        assertThat(check.output()).contains("SUCCESS");
    }

    @Test
    void prometheusRuleResourceToStdout() {
        Cli.Result r = Cli.run("rules", "--out", "-", "--format", "prometheusrule", "--name", "migmon",
                "--namespace", "observability", "--label", "release=prometheus");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("kind: PrometheusRule").contains("namespace: observability")
                .contains("release: prometheus").contains("migration_status");
    }

    @Test
    void dashboardsAreWrittenAndPushedWithoutPrintingTheToken() throws Exception {
        Path dir = Path.of("target", "cli-dashboards");
        Cli.Result r = Cli.run("dashboards", "--out", dir.toString(), "--metrics-prefix", "myapp.db");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        }
        assertThat(files).extracting(p -> p.getFileName().toString()).contains("migmon-overview.json");
        assertThat(files).hasSize(5);
        JsonNode overview = Schemas.parse(Files.readString(dir.resolve("migmon-overview.json")));
        assertThat(overview.path("uid").asText()).isEqualTo("migmon-overview");
        assertThat(overview.toString()).contains("myapp_db_migration_status");

        try (FakeGrafanaAnnotations grafana = new FakeGrafanaAnnotations()) {
            Cli.Result push = Cli.run(Map.of("GRAFANA_TOKEN", "glsa_dash_token_456"), "dashboards", "--push",
                    "--grafana-url", grafana.url());
            assertThat(push.exitCode()).as(push.toString()).isZero();
            assertThat(grafana.requests()).hasSize(5).allMatch(q -> q.path().equals("/api/dashboards/db")
                    && "Bearer glsa_dash_token_456".equals(q.authorization()));
            assertThat(push.out()).contains("created migmon-overview").doesNotContain("glsa_dash_token_456");
        }
        Cli.Result noToken = Cli.run("dashboards", "--push", "--grafana-url", "http://127.0.0.1:1");
        assertThat(noToken.exitCode()).isEqualTo(2);
        assertThat(noToken.err()).contains("GRAFANA_TOKEN");
    }
}
