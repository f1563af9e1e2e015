package io.migmon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migmon.cdc.connect.ConnectorConfig;
import io.migmon.cdc.connect.ConnectorStatus;
import io.migmon.cdc.connect.KafkaConnectClient;
import io.migmon.cdc.connect.KafkaConnectException;
import io.migmon.cli.internal.Secrets;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code migmon connector status|validate|apply}: Kafka Connect connectors without Java. */
@Command(name = "connector", mixinStandardHelpOptions = true,
        description = {"Kafka Connect connectors (e.g. Debezium): status, validate, apply.",
                "Exit codes: 0 running / valid / applied, 1 not running / invalid / refused, 2 Connect unreachable or bad arguments."},
        subcommands = {ConnectorCommand.Status.class, ConnectorCommand.Validate.class, ConnectorCommand.Apply.class})
final class ConnectorCommand {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern ENV = Pattern.compile("\\$\\{env:([A-Za-z_][A-Za-z0-9_]*)}");

    @ParentCommand
    MigmonCli root;

    /** Options every connector subcommand takes. */
    static class Common {
        @Option(names = "--connect-url", paramLabel = "URL", converter = Urls.class, required = true,
                description = "Kafka Connect REST URL, e.g. http://connect:8083")
        URI connectUrl;

        @Option(names = "--http-timeout", paramLabel = "DURATION", converter = Durations.class, defaultValue = "10s",
                description = "Timeout of each request. Default: ${DEFAULT-VALUE}")
        Duration timeout;

        KafkaConnectClient client() {
            if (connectUrl == null || connectUrl.getHost() == null) {
                throw new UsageException("--connect-url must be an absolute http(s) URL such as http://connect:8083");
            }
            Durations.atLeast(timeout, Duration.ofSeconds(1), "--http-timeout");
            return KafkaConnectClient.builder(connectUrl).timeout(timeout).build();
        }
    }

    /** Maps a client failure to an exit code: -1 (no answer) is 2, an HTTP refusal is 1. */
    static int failure(MigmonCli root, String what, Common c, KafkaConnectException e, List<String> secrets) {
        String[] s = secrets.toArray(String[]::new);
        if (e.statusCode() < 0 || e.statusCode() / 100 == 3) {
            boolean answered = e.statusCode() > 0 || String.valueOf(e.getMessage()).contains("not a Kafka Connect");
            root.err.println("migmon connector " + what + ": " + (answered ? "cannot use the answer of Kafka Connect at "
                    : "cannot reach Kafka Connect at ") + Secrets.url(c.connectUrl) + ": " + clean(e.getMessage(), s)
                    + ". Check --connect-url and that the worker is running.");
            return MigmonCli.EXIT_CANNOT_EVALUATE;
        }
        root.err.println("migmon connector " + what + ": Kafka Connect at " + Secrets.url(c.connectUrl) + " refused: "
                + clean(e.getMessage(), s));
        e.validationErrors().forEach(v -> root.err.println("  " + clean(v, s)));
        return MigmonCli.EXIT_BREACH;
    }

    /** Text from Connect or built from the config with resolved secrets and password=... values hidden. */
    static String clean(String text, String... secrets) {
        return Secrets.redactUrls(Secrets.redact(text, secrets));
    }

    /**
     * Reads a connector config: {@code {"name": ..., "config": {...}}} (the body of Connect's POST /connectors) or a
     * flat map with a {@code name} key. {@code ${env:NAME}} in a value is replaced from the environment, so that
     * passwords need not be in the file.
     */
    static ConnectorConfig readConfig(Path file, Map<String, String> env) {
        return readConfig(file, env, new java.util.ArrayList<>());
    }

    /** As {@link #readConfig(Path, Map)}; adds each value resolved from {@code ${env:...}} to {@code resolved}. */
    static ConnectorConfig readConfig(Path file, Map<String, String> env, List<String> resolved) {
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readString(file));
        } catch (IOException e) {
            throw new UsageException("cannot read the connector config " + file + ": " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new UsageException("the connector config " + file + " must be a JSON object");
        }
        JsonNode cfg = root.has("config") ? root.get("config") : root;
        String name = root.path("name").asText(cfg.path("name").asText(null));
        if (name == null) {
            throw new UsageException("the connector config " + file + " has no \"name\"");
        }
        Map<String, String> values = new LinkedHashMap<>();
        cfg.fields().forEachRemaining(e -> {
            if (!e.getKey().equals("name")) {
                values.put(e.getKey(), substitute(e.getKey(), e.getValue().asText(), env, file, resolved));
            }
        });
        String cls = values.remove("connector.class");
        if (cls == null) {
            throw new UsageException("the connector config " + file + " has no \"connector.class\"");
        }
        try {
            return ConnectorConfig.builder(name, cls).putAll(values).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException("the connector config " + file + ": " + e.getMessage());
        }
    }

    private static String substitute(String key, String value, Map<String, String> env, Path file,
            List<String> resolved) {
        Matcher m = ENV.matcher(value);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = env.get(m.group(1));
            if (v == null) {
                throw new UsageException("the connector config " + file + " refers to ${env:" + m.group(1) + "} in '"
                        + key + "' but that environment variable is not set");
            }
            resolved.add(v);
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Connector and task states; exit 0 when the connector and every task are RUNNING")
    static final class Status implements Callable<Integer> {
        @ParentCommand
        ConnectorCommand parent;

        @Parameters(index = "0", paramLabel = "NAME", description = "Connector name")
        String name;

        @picocli.CommandLine.Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            MigmonCli root = parent.root;
            try (KafkaConnectClient client = common.client()) {
                ConnectorStatus s = client.status(name);
                root.out.println("connector " + s.name() + ": " + s.state()
                        + (s.workerId() == null ? "" : " on " + s.workerId()));
                for (ConnectorStatus.TaskStatus t : s.tasks()) {
                    String trace = t.trace() == null ? "" : " " + clean(t.trace().lines().findFirst().orElse(""));
                    root.out.println("  task " + t.id() + ": " + t.state() + trace);
                }
                if (s.isRunning()) {
                    return MigmonCli.EXIT_OK;
                }
                root.err.println("migmon connector status: " + name + " is not running (" + s.state() + ", "
                        + s.tasks().size() + " task(s))" + ("MISSING".equals(s.state())
                                ? ": no such connector; create it with 'migmon connector apply --config FILE'" : ""));
                return MigmonCli.EXIT_BREACH;
            } catch (KafkaConnectException e) {
                return failure(root, "status", common, e, List.of());
            }
        }
    }

    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Validate a connector config with the worker's plugin validation (shows the real errors)")
    static final class Validate implements Callable<Integer> {
        @ParentCommand
        ConnectorCommand parent;

        @Option(names = "--config", paramLabel = "FILE", required = true, description = "Connector config JSON")
        Path config;

        @picocli.CommandLine.Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            MigmonCli root = parent.root;
            List<String> secrets = new java.util.ArrayList<>();
            ConnectorConfig cfg = readConfig(config, root.env, secrets);
            String[] hidden = secrets.toArray(String[]::new);
            try (KafkaConnectClient client = common.client()) {
                List<String> errors = client.validate(cfg);
                if (errors.isEmpty()) {
                    root.out.println("connector " + cfg.name() + ": config is valid (" + cfg.asMap().size() + " keys)");
                    return MigmonCli.EXIT_OK;
                }
                root.out.println("connector " + cfg.name() + ": " + errors.size() + " invalid setting(s):");
                errors.forEach(e -> root.out.println("  " + clean(cfg.redact(e), hidden)));
                return MigmonCli.EXIT_BREACH;
            } catch (KafkaConnectException e) {
                return failure(root, "validate", common, e, secrets);
            }
        }
    }

    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = "Validate, then create the connector or update its config (idempotent)")
    static final class Apply implements Callable<Integer> {
        @ParentCommand
        ConnectorCommand parent;

        @Option(names = "--config", paramLabel = "FILE", required = true, description = "Connector config JSON")
        Path config;

        @picocli.CommandLine.Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            MigmonCli root = parent.root;
            List<String> secrets = new java.util.ArrayList<>();
            ConnectorConfig cfg = readConfig(config, root.env, secrets);
            String[] hidden = secrets.toArray(String[]::new);
            try (KafkaConnectClient client = common.client()) {
                boolean created = client.createOrUpdate(cfg);
                root.out.println("connector " + cfg.name() + ": " + (created ? "created" : "updated") + " "
                        + clean(String.valueOf(cfg.masked()), hidden));
                return MigmonCli.EXIT_OK;
            } catch (KafkaConnectException e) {
                return failure(root, "apply", common, e, secrets);
            }
        }
    }
}
