package io.migmon.cli;

import io.migmon.core.metrics.MetricsOptions;
import io.migmon.grafana.rules.MigmonAlertRules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code migmon rules}: write migmon's Prometheus alert rules. */
@Command(name = "rules", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write migmon's Prometheus alert rules (built from the metric catalog): a Prometheus rule file, "
                + "or a prometheus-operator PrometheusRule resource.", "Exit codes: 0 written, 2 bad arguments or unwritable file."})
final class RulesCommand implements Callable<Integer> {

    enum Format { rules, prometheusrule }

    @ParentCommand
    MigmonCli root;

    @Option(names = "--out", paramLabel = "FILE", required = true, description = "Output file ('-' for stdout)")
    String out;

    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "rules",
            description = "rules (rule_files) or prometheusrule (Kubernetes resource). Default: ${DEFAULT-VALUE}")
    Format format;

    @Option(names = "--metrics-prefix", paramLabel = "PREFIX", defaultValue = "",
            description = "The host's MetricsOptions prefix (e.g. myapp.db). Default: none")
    String metricsPrefix;

    @Option(names = "--name", defaultValue = "migmon-rules", description = "PrometheusRule metadata.name. Default: ${DEFAULT-VALUE}")
    String name;

    @Option(names = "--namespace", defaultValue = "monitoring", description = "PrometheusRule metadata.namespace. Default: ${DEFAULT-VALUE}")
    String namespace;

    @Option(names = "--label", paramLabel = "KEY=VALUE", description = "PrometheusRule metadata label (repeatable), e.g. release=prometheus")
    Map<String, String> labels = new java.util.LinkedHashMap<>();

    @Override
    public Integer call() {
        MigmonAlertRules rules;
        try {
            rules = MigmonAlertRules.builder().metricsOptions(MetricsOptions.builder().prefix(metricsPrefix).build())
                    .build();
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        String yaml = format == Format.rules ? rules.toRuleFileYaml()
                : rules.toPrometheusRuleYaml(name, namespace, labels);
        if ("-".equals(out)) {
            root.out.print(yaml);
            return MigmonCli.EXIT_OK;
        }
        try {
            Path file = Path.of(out);
            if (file.toAbsolutePath().getParent() != null) {
                Files.createDirectories(file.toAbsolutePath().getParent());
            }
            Files.writeString(file, yaml);
            root.out.println("wrote " + file + " (" + rules.rules().size() + " rules, format " + format + ")");
            return MigmonCli.EXIT_OK;
        } catch (IOException e) {
            throw new UsageException("cannot write " + out + ": " + e);
        }
    }
}
