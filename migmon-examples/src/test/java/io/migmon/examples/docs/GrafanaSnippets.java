package io.migmon.examples.docs;

// The imports a reader needs for the snippets of docs/grafana.md.
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_DATA_LAG;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_PROGRESS;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_STATUS;

import io.migmon.core.metrics.MetricsOptions;
import io.migmon.grafana.MetricNames;
import io.migmon.grafana.MigmonDashboards;
import io.migmon.grafana.client.GrafanaApi;
import io.migmon.grafana.client.GrafanaClient;
import io.migmon.grafana.client.SaveOptions;
import io.migmon.grafana.client.SaveResult;
import io.migmon.grafana.dashboard.Dashboard;
import io.migmon.grafana.dashboard.Panel;
import io.migmon.grafana.dashboard.Thresholds;
import io.migmon.grafana.dashboard.Units;
import io.migmon.grafana.dashboard.Variable;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The code snippets of docs/grafana.md that DocsExampleTest of migmon-grafana does not run, verbatim (DocsSnippetsTest checks that every java block of that file appears
 * here, whitespace aside), so the build compiles them.
 */
@SuppressWarnings("unused")
final class GrafanaSnippets {
    static String customDashboard(MetricsOptions options) {
        MetricNames names = MetricNames.of(options);
        Dashboard d = Dashboard.builder("orders-migration", "Orders migration")
                .tags("migmon", "orders").time("now-3h", "now").refresh("10s")
                .prometheusDatasource()
                .variable(Variable.labelValues("migration_id", names.name(MIGRATION_STATUS), "migration_id"))
                .row("Progress")
                .panel(Panel.gauge("Progress")
                        .query(names.name(MIGRATION_PROGRESS) + "{migration_id=~\"$migration_id\"}", "{{migration_id}}")
                        .unit(Units.PERCENT_UNIT).min(0).max(1))
                .panel(Panel.timeseries("Data lag")
                        .query(names.name(MIGRATION_DATA_LAG) + "{migration_id=~\"$migration_id\"}", "{{migration_id}}")
                        .unit(Units.SECONDS).thresholds(Thresholds.greenYellowRed(60, 300)))
                .build();
        String json = d.toJson();
        return json;
    }

    /** Compiled, not run (it needs a Grafana). */
    static void client(String serviceAccountToken, Dashboard dashboard, MigmonDashboards dashboards) {
        GrafanaClient grafana = GrafanaClient.builder(URI.create("https://grafana.example.com"))
                .bearerToken(serviceAccountToken)          // or .basicAuth(user, password)
                .api(GrafanaApi.DASHBOARD_V1BETA1)         // default LEGACY
                .namespace("default")                      // org 1; "org-<id>", or "stacks-<id>" on Grafana Cloud
                .timeout(Duration.ofSeconds(10))
                .build();
        SaveResult r = grafana.save(dashboard, SaveOptions.intoFolder("migmon", "release 1.4"));
        List<SaveResult> all = grafana.saveAll(dashboards.all(), SaveOptions.intoFolder("migmon", "release 1.4"));
    }

    private GrafanaSnippets() {
    }
}
