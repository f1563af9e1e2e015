package io.migmon.examples.grafana;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.migmon.core.metrics.MetricsOptions;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class GrafanaDemoTest {

    private static final String TOKEN = "glsa_demoToken_abcdef0123456789";

    @Test
    void writesDashboardsAndRulesToAFolder() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "grafana-demo-test", "write")).toAbsolutePath();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        List<Path> files = GrafanaDemo.run(dir, null, null, MetricsOptions.defaults(),
                new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(files).contains(dir.resolve("dashboards/migmon-overview.json"),
                dir.resolve("dashboards/migmon-cdc.json"), dir.resolve("rules/migmon-rules.yml"),
                dir.resolve("rules/migmon-prometheusrule.yaml"));
        JsonNode overview = new ObjectMapper().readTree(dir.resolve("dashboards/migmon-overview.json").toFile());
        assertThat(overview.get("uid").asText()).isEqualTo("migmon-overview");
        assertThat(Files.readString(dir.resolve("rules/migmon-rules.yml"))).contains("alert: migration_failed");
        assertThat(Files.readString(dir.resolve("rules/migmon-prometheusrule.yaml"))).contains("kind: PrometheusRule");
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("dashboard migmon-overview", "alert rules",
                "not pushing");
    }

    @Test
    void pushesToGrafanaWhenUrlAndTokenAreGiven() throws Exception {
        List<String> requests = new CopyOnWriteArrayList<>();
        HttpServer grafana = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        grafana.createContext("/", ex -> {
            requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " "
                    + ex.getRequestHeaders().getFirst("Authorization"));
            ex.getRequestBody().readAllBytes();
            String path = ex.getRequestURI().getPath();
            int status = 200;
            String body;
            if (path.startsWith("/api/folders/")) {
                status = 404;
                body = "{\"message\":\"folder not found\"}";
            } else if (path.equals("/api/folders")) {
                body = "{\"id\":1,\"uid\":\"migmon\",\"title\":\"migmon\"}";
            } else {
                body = "{\"id\":1,\"uid\":\"x\",\"url\":\"/d/x/x\",\"status\":\"success\",\"version\":1,\"slug\":\"x\"}";
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(b);
            }
        });
        grafana.start();
        try {
            Path dir = Files.createDirectories(Path.of("target", "grafana-demo-test", "push")).toAbsolutePath();
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            GrafanaDemo.run(dir, URI.create("http://127.0.0.1:" + grafana.getAddress().getPort()), TOKEN,
                    MetricsOptions.defaults(), new PrintStream(bytes, true, StandardCharsets.UTF_8));
            assertThat(requests).contains("POST /api/folders Bearer " + TOKEN);
            assertThat(requests.stream().filter(r -> r.startsWith("POST /api/dashboards/db"))).hasSize(5);
            assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("pushed migmon-overview")
                    .doesNotContain(TOKEN);
        } finally {
            grafana.stop(0);
        }
    }
}
