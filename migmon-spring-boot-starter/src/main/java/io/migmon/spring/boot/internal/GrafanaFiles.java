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

/** Writes migmon's Grafana dashboards ({@code <uid>.json}) and Prometheus rules ({@code migmon-rules.yml}) to a directory. */
public final class GrafanaFiles {

    private static final Logger LOG = LoggerFactory.getLogger("io.migmon.spring.boot");

    private GrafanaFiles() {
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
