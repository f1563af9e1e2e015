package io.migmon.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.migmon.cli.internal.Grafana;
import io.migmon.cli.internal.MetricQueries;
import io.migmon.cli.internal.PrometheusApi;
import io.migmon.cli.internal.PrometheusApi.Series;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code migmon start}: before the migration runs, verify that Prometheus is reachable and scraping. */
@Command(name = "start", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Before a migration runs: verify that Prometheus is reachable and scrapes the target that will "
                + "carry the migration's meters (--target host:port, else any target with migmon meters), print the "
                + "dashboard link, and write a Grafana annotation \"migration ID started\" when --grafana-url and "
                + "GRAFANA_TOKEN are given.",
                "Exit codes: 0 ready, 1 the target is down or not scraped, 2 Prometheus unreachable or bad arguments."})
final class StartCommand implements Callable<Integer> {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @ParentCommand
    MigmonCli root;

    @Option(names = "--migration-id", paramLabel = "ID", required = true, description = "The migration_id about to run")
    String migrationId;

    @Mixin
    PrometheusOptions prometheus;

    @Option(names = "--target", paramLabel = "HOST:PORT",
            description = "The scrape target (instance label) that will carry the migration's meters")
    String target;

    @Option(names = "--grafana-url", paramLabel = "URL", converter = Urls.class, description = "Grafana, for the dashboard link and the annotation (token: GRAFANA_TOKEN)")
    URI grafanaUrl;

    @Mixin
    Output output;

    @Override
    public Integer call() {
        PrometheusApi api = prometheus.api(root.env);
        MetricQueries q = prometheus.queries(migrationId);
        String version = api.get("api/v1/status/buildinfo").path("data").path("version").asText("?");
        List<String> notes = new ArrayList<>();
        List<String> targets = new ArrayList<>();
        boolean ready;
        if (target != null) {
            List<Series> up = api.query(MetricQueries.up(target));
            if (up.isEmpty()) {
                ready = false;
                notes.add("Prometheus does not scrape " + target + " (no up{instance=\"" + target + "\"} series): add it"
                        + " to scrape_configs (or check the instance label); the migration's meters would be invisible");
            } else {
                ready = up.stream().allMatch(s -> s.last() != null && s.last().value() == 1.0);
                up.forEach(s -> targets.add(s.labels().get("job") + "/" + s.labels().get("instance")));
                notes.add(ready ? "target " + target + " is up and scraped"
                        : "target " + target + " is scraped but down (up=0): start the process that serves the "
                                + "metrics, or check its /metrics endpoint");
            }
        } else {
            List<Series> migmon = api.query(q.targetsWithMigmonMeters());
            migmon.forEach(s -> targets.add(s.labels().get("job") + "/" + s.labels().get("instance")));
            if (!migmon.isEmpty()) {
                ready = true;
                notes.add("Prometheus scrapes migmon meters from " + String.join(", ", targets));
            } else {
                List<Series> up = api.query("up == 1");
                ready = !up.isEmpty();
                notes.add(up.isEmpty() ? "Prometheus scrapes no target that is up: configure scrape_configs for the"
                        + " process that runs the migration"
                        : "Prometheus scrapes " + up.size() + " target(s) that are up, none with migmon meters yet "
                                + "(normal before the migration starts); pass --target HOST:PORT to verify the "
                                + "migration's own target");
            }
        }
        String dashboard = Grafana.dashboardUrl(grafanaUrl, prometheus.metricsOptions(), migrationId);
        String annotation = "skipped (needs --grafana-url and GRAFANA_TOKEN)";
        String token = root.env.get("GRAFANA_TOKEN");
        if (ready && grafanaUrl != null && token != null && !token.isBlank()) {
            String problem = Grafana.annotate(grafanaUrl, token, migrationId, "migration " + migrationId + " started",
                    Instant.now(), prometheus.httpTimeout);
            annotation = problem == null ? "written" : "failed: " + problem;
            if (problem != null) {
                root.err.println("migmon start: warning: " + problem);
            }
        }
        if (output.format == Output.Format.json) {
            ObjectNode n = MAPPER.createObjectNode();
            n.put("schema", "migmon.start-result/v1");
            n.put("migrationId", migrationId);
            n.put("ready", ready);
            n.put("exitCode", ready ? MigmonCli.EXIT_OK : MigmonCli.EXIT_BREACH);
            n.put("prometheusUrl", api.shownUrl());
            n.put("prometheusVersion", version);
            ArrayNode t = n.putArray("targets");
            targets.forEach(t::add);
            ArrayNode notesJson = n.putArray("notes");
            notes.forEach(notesJson::add);
            n.put("dashboardUrl", dashboard);
            n.put("annotation", annotation);
            root.out.println(n.toPrettyString());
        } else {
            root.out.println("migmon start: migration " + migrationId + ": " + (ready ? "READY" : "NOT READY"));
            root.out.println("  prometheus  " + api.shownUrl() + " (version " + version + ")");
            notes.forEach(s -> root.out.println("  scraping    " + s));
            if (dashboard != null) {
                root.out.println("  dashboard   " + dashboard);
            }
            root.out.println("  annotation  " + annotation);
        }
        if (!ready && "true".equals(root.env.get("GITHUB_ACTIONS"))) {
            // on stderr like check's annotations with --output json: stdout stays one JSON document
            var stream = output.format == Output.Format.json ? root.err : root.out;
            stream.println("::error title=migmon start (" + migrationId + ")::" + String.join("; ", notes));
        }
        return ready ? MigmonCli.EXIT_OK : MigmonCli.EXIT_BREACH;
    }
}
