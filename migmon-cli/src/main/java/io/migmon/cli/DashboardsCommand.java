package io.migmon.cli;

import io.migmon.grafana.MigmonDashboards;
import io.migmon.grafana.client.GrafanaClient;
import io.migmon.grafana.client.GrafanaException;
import io.migmon.grafana.client.SaveOptions;
import io.migmon.grafana.client.SaveResult;
import io.migmon.grafana.dashboard.Dashboard;
import io.migmon.cli.internal.Secrets;
import io.migmon.core.metrics.MetricsOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code migmon dashboards}: write migmon's Grafana dashboards, and push them. */
@Command(name = "dashboards", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write migmon's Grafana dashboards (built from the metric catalog) as JSON files, and push them "
                + "to Grafana with --push (token: GRAFANA_TOKEN).",
                "Exit codes: 0 done, 1 Grafana refused a dashboard, 2 bad arguments, unwritable folder or Grafana unreachable."})
final class DashboardsCommand implements Callable<Integer> {

    @ParentCommand
    MigmonCli root;

    @Option(names = "--out", paramLabel = "DIR", description = "Folder for the JSON files (<uid>.json)")
    Path out;

    @Option(names = "--metrics-prefix", paramLabel = "PREFIX", defaultValue = "",
            description = "The host's MetricsOptions prefix (e.g. myapp.db). Default: none")
    String metricsPrefix;

    @Option(names = "--rate-window", paramLabel = "WINDOW", defaultValue = "5m",
            description = "Window of rate() in the panels. Default: ${DEFAULT-VALUE}")
    String rateWindow;

    @Option(names = "--push", description = "Also save the dashboards to Grafana (--grafana-url, GRAFANA_TOKEN)")
    boolean push;

    @Option(names = "--grafana-url", paramLabel = "URL", converter = Urls.class, description = "Grafana base URL")
    URI grafanaUrl;

    @Option(names = "--folder-uid", paramLabel = "UID", description = "Grafana folder uid to save into. Default: General")
    String folderUid;

    @Override
    public Integer call() {
        if (out == null && !push) {
            throw new UsageException("give --out DIR and/or --push --grafana-url URL");
        }
        // check everything --push needs before writing anything
        String token = root.env.get("GRAFANA_TOKEN");
        if (push) {
            if (grafanaUrl == null || token == null || token.isBlank()) {
                throw new UsageException("--push needs --grafana-url URL and a service account token in GRAFANA_TOKEN");
            }
            String problem = Secrets.tokenProblem(token, "GRAFANA_TOKEN");
            if (problem != null) {
                throw new UsageException(problem);
            }
            token = token.strip();
        }
        MigmonDashboards dashboards;
        try {
            dashboards = MigmonDashboards.builder()
                    .metricsOptions(MetricsOptions.builder().prefix(metricsPrefix).build())
                    .rateWindow(rateWindow).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        if (out != null) {
            try {
                Files.createDirectories(out);
                for (Dashboard d : dashboards.all()) {
                    Path file = out.resolve(d.uid() + ".json");
                    Files.writeString(file, d.toJson());
                    root.out.println("wrote " + file + " (" + d.title() + ", " + d.panels().size() + " panels)");
                }
            } catch (IOException e) {
                throw new UsageException("cannot write the dashboards to " + out + ": " + e);
            }
        }
        if (!push) {
            return MigmonCli.EXIT_OK;
        }
        GrafanaClient client;
        try {
            client = GrafanaClient.builder(grafanaUrl).bearerToken(token).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(Secrets.redact(e.getMessage(), token));
        }
        try {
            for (Dashboard d : dashboards.all()) {
                SaveResult r = client.save(d, folderUid == null ? SaveOptions.defaults()
                        : SaveOptions.intoFolder(folderUid, "migmon dashboards"));
                root.out.println((r.created() ? "created " : "updated ") + d.uid() + " version " + r.version()
                        + (r.url() == null ? "" : " " + Secrets.url(grafanaUrl).replaceAll("/$", "") + r.url()));
            }
            return MigmonCli.EXIT_OK;
        } catch (GrafanaException e) {
            if (e.reason() == GrafanaException.Reason.IO) {
                String m = String.valueOf(e.getMessage());
                String why = m.contains("ConnectException") ? "connection refused or no route (nothing answers there)"
                        : m.contains("Timeout") ? "no answer within the timeout"
                        : Secrets.redactUrls(Secrets.redact(m.replace("failed: null ", "failed "), token));
                root.err.println("migmon dashboards: cannot reach Grafana at " + Secrets.url(grafanaUrl) + ": " + why
                        + ". Check --grafana-url and that Grafana is running and reachable from here.");
                return MigmonCli.EXIT_CANNOT_EVALUATE;
            }
            root.err.println("migmon dashboards: Grafana at " + Secrets.url(grafanaUrl) + ": "
                    + Secrets.redactUrls(Secrets.redact(e.getMessage(), token)));
            return e.status() / 100 == 3 ? MigmonCli.EXIT_CANNOT_EVALUATE : MigmonCli.EXIT_BREACH;
        }
    }
}
