package io.migmon.grafana.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migmon.core.testing.Await;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real Prometheus (the Debian package's {@code /usr/bin/prometheus}) bound to 127.0.0.1 on an ephemeral port,
 * scraping one target every second, evaluating the given rule file every second, with its data under
 * {@code target/}.
 */
public final class PrometheusServer implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("msg=\"Listening on\" address=([0-9.]+:[0-9]+)");
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{?[A-Za-z_][A-Za-z0-9_]*}?");
    private static final Pattern RANGE = Pattern.compile("\\[[0-9]+[smhdwy]]");

    private final Process process;
    private final Path log;
    private final URI uri;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public PrometheusServer(Path binary, Path workDir, List<String> scrapeTargets, List<String> ruleFiles)
            throws IOException, InterruptedException {
        Files.createDirectories(workDir);
        deleteRecursively(workDir.resolve("data")); // no series from an earlier run
        Path config = workDir.resolve("prometheus.yml");
        StringBuilder rules = new StringBuilder();
        for (int i = 0; i < ruleFiles.size(); i++) {
            Path ruleFile = workDir.resolve("rules-" + i + ".yml");
            Files.writeString(ruleFile, ruleFiles.get(i));
            rules.append("  - ").append(ruleFile).append('\n');
        }
        String targets = String.join("', '", scrapeTargets);
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                  evaluation_interval: 1s
                rule_files:
                %s
                scrape_configs:
                  - job_name: migmon
                    static_configs:
                      - targets: ['%s']
                """.formatted(rules.toString().stripTrailing(), targets));
        log = workDir.resolve("prometheus.log");
        process = new ProcessBuilder(binary.toString(), "--config.file=" + config,
                "--storage.tsdb.path=" + workDir.resolve("data"), "--web.listen-address=127.0.0.1:0")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String[] address = new String[1];
        try {
            Await.until(Duration.ofSeconds(60), () -> {
                String text = readLog();
                if (!process.isAlive()) {
                    throw new IllegalStateException("prometheus exited: " + text);
                }
                Matcher m = LISTENING.matcher(text);
                if (m.find()) {
                    address[0] = m.group(1);
                }
                return address[0] != null;
            }, () -> "prometheus to log its address: " + readLog());
        } catch (AssertionError | IllegalStateException e) {
            close();
            throw e;
        }
        uri = URI.create("http://" + address[0] + "/");
    }

    /**
     * A dashboard query as these tests run it: template variables ({@code $migration_id}, {@code ${datasource}})
     * become the regex {@code .*} (what Grafana sends for "All") and range windows such as {@code [5m]} become
     * {@code window}, so that a Prometheus started seconds ago can answer it. Nothing else changes.
     */
    public static String answerable(String expr, String window) {
        String s = VARIABLE.matcher(expr).replaceAll(Matcher.quoteReplacement(".*"));
        return RANGE.matcher(s).replaceAll(Matcher.quoteReplacement(window));
    }

    /**
     * Polls every query (an instant query, or a range query over the last 20 s when {@code range}) until it has a
     * result or {@code timeout} passes; returns those still without data (query → where it came from).
     */
    public java.util.Map<String, String> awaitData(java.util.Map<String, String> queries, boolean range,
            Duration timeout) throws InterruptedException {
        java.util.Map<String, String> pending = new java.util.LinkedHashMap<>(queries);
        try {
            Await.until(timeout, Duration.ofMillis(500), () -> {
                pending.keySet().removeIf(q -> {
                    try {
                        return !(range ? queryRange(q, 20) : query(q)).isEmpty();
                    } catch (IOException e) {
                        throw new IllegalStateException("query failed: " + q, e);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException("interrupted: " + q, e);
                    }
                });
                return pending.isEmpty();
            }, () -> pending.size() + " queries without data");
        } catch (AssertionError timedOut) {
            // the caller reports which queries are still without data
        }
        return pending;
    }

    public URI uri() {
        return uri;
    }

    /** {@code GET /api/v1/query?query=...}: the {@code data.result} array. */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        return get("api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8)).path("data")
                .path("result");
    }

    /**
     * {@code GET /api/v1/query_range} over the last {@code seconds} with a 1 s step (what Grafana sends for a time
     * series panel): the {@code data.result} array.
     */
    public JsonNode queryRange(String promql, int seconds) throws IOException, InterruptedException {
        long end = System.currentTimeMillis() / 1000;
        return get("api/v1/query_range?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8) + "&start="
                + (end - seconds) + "&end=" + end + "&step=1").path("data").path("result");
    }

    /** {@code GET /api/v1/label/<label>/values?match[]=<selector>}: the values. */
    public List<String> labelValues(String label, String selector) throws IOException, InterruptedException {
        JsonNode data = get("api/v1/label/" + label + "/values?match[]="
                + URLEncoder.encode(selector, StandardCharsets.UTF_8)).path("data");
        return java.util.stream.StreamSupport.stream(data.spliterator(), false).map(JsonNode::asText).toList();
    }

    /** Any API GET, parsed. */
    public JsonNode get(String pathAndQuery) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri.resolve(pathAndQuery))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = MAPPER.readTree(r.body());
        if (r.statusCode() != 200 || !"success".equals(json.path("status").asText())) {
            throw new IllegalStateException("prometheus " + pathAndQuery + " -> " + r.statusCode() + " " + r.body());
        }
        return json;
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    public String log() throws IOException {
        return Files.readString(log);
    }

    private String readLog() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
