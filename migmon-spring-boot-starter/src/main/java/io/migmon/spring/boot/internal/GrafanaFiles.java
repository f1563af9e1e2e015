package io.migmon.spring.boot.internal;

import io.migmon.core.metrics.MetricsOptions;
import io.migmon.grafana.MigmonDashboards;
import io.migmon.grafana.dashboard.Dashboard;
import io.migmon.grafana.rules.MigmonAlertRules;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes migmon's Grafana dashboards ({@code <uid>.json}) and Prometheus rules ({@code migmon-rules.yml}) to a
 * directory, and pushes the dashboards to a Grafana server.
 */
public final class GrafanaFiles {

    private static final Logger LOG = LoggerFactory.getLogger("io.migmon.spring.boot");

    private GrafanaFiles() {
    }

    /**
     * Pushes the dashboards into {@code folder} (created if missing). A failure is logged (the client keeps the token
     * out of its messages) and reported as {@code false}: an unreachable Grafana must not stop the application.
     */
    public static boolean push(String url, String token, String folder, MetricsOptions options) {
        try {
            io.migmon.grafana.client.GrafanaClient.Builder b = io.migmon.grafana.client.GrafanaClient.builder(java.net.URI.create(url));
            if (token != null && !token.isBlank()) {
                b.bearerToken(token);
            }
            io.migmon.grafana.client.GrafanaClient client = b.build();
            client.ensureFolder(folder, folder);
            int n = client.saveAll(MigmonDashboards.builder().metricsOptions(options).build().all(),
                    io.migmon.grafana.client.SaveOptions.intoFolder(folder, "migmon-spring-boot-starter")).size();
            LOG.info("migmon pushed {} Grafana dashboards into folder '{}'", n, folder);
            return true;
        } catch (RuntimeException e) {
            LOG.warn("migmon could not push its Grafana dashboards: {}", e.getMessage());
            return false;
        }
    }

    /** Writes the files, returns their paths. */
    public static List<Path> write(Path dir, MetricsOptions options) {
        try {
            Files.createDirectories(dir);
            List<Path> out = new ArrayList<>();
            for (Dashboard d : MigmonDashboards.builder().metricsOptions(options).build().all()) {
                Path p = dir.resolve(d.uid() + ".json");
                Files.writeString(p, d.toJson(), StandardCharsets.UTF_8);
                out.add(p);
            }
            Path rules = dir.resolve("migmon-rules.yml");
            Files.writeString(rules, MigmonAlertRules.builder().metricsOptions(options).build().toRuleFileYaml(),
                    StandardCharsets.UTF_8);
            out.add(rules);
            LOG.info("migmon wrote {} Grafana dashboards and the Prometheus rule file to {}", out.size() - 1, dir);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("migmon.grafana.output-directory: cannot write to " + dir, e);
        }
    }
}
