package io.migmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Regression tests for the tester's verdict / exit code defects 1-8 (attack report 2026-11-26): a gate never passes
 * on missing, invalid or non-finite data, and decoration (annotations) never changes the verdict.
 */
class VerdictDefectsTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static ObjectNode validReport() throws Exception {
        return (ObjectNode) MAPPER.readTree("""
                {"schema":"migmon.run-report/v1","migrationId":"r1","status":"success",
                 "startedAt":"2026-11-26T10:00:00Z","finishedAt":"2026-11-26T10:01:00Z","durationSeconds":60,
                 "rows":1000,"expectedRows":1000,"errors":2,"errorRate":0.002,"errorsByType":{"SQLException":2},
                 "dataLag":{"maxSeconds":12.0,"finalSeconds":3.0},"anomalies":[],"health":null,"failureType":null}
                """);
    }

    private static Cli.Result checkReport(String name, Consumer<ObjectNode> change) throws Exception {
        ObjectNode r = validReport();
        change.accept(r);
        Path dir = Files.createDirectories(Path.of("target", "defect-reports"));
        Path file = dir.resolve(name + ".json");
        Files.writeString(file, r.toString());
        return Cli.run("check", "--report", file.toString(), "--max-error-rate", "0.01", "--max-errors", "5");
    }

    @Test
    void defect1ReportsAreValidatedAgainstTheV1Rules() throws Exception {
        assertThat(checkReport("valid", r -> { }).exitCode()).isZero();
        Path empty = Files.createDirectories(Path.of("target", "defect-reports")).resolve("empty.json");
        Files.writeString(empty, "{\"schema\":\"migmon.run-report/v1\"}");
        Cli.Result e = Cli.run("check", "--report", empty.toString(), "--max-error-rate", "0.01", "--max-errors", "5");
        assertThat(e.exitCode()).as(e.toString()).isEqualTo(2);
        assertThat(e.all()).contains("\"status\" is missing").contains("\"rows\" is missing")
                .contains("\"errors\" is missing");

        for (String status : List.of("crashed", "running")) {
            Cli.Result c = checkReport("status-" + status, r -> r.put("status", status));
            assertThat(c.exitCode()).as(c.toString()).isEqualTo(2);
            assertThat(c.all()).contains("\"status\" must be one of success, failed, aborted");
        }
        Cli.Result noStatus = checkReport("no-status", r -> r.remove("status"));
        assertThat(noStatus.exitCode()).as(noStatus.toString()).isEqualTo(2);
        Cli.Result negative = checkReport("negative", r -> r.put("errors", -50));
        assertThat(negative.exitCode()).as(negative.toString()).isEqualTo(2);
        assertThat(negative.all()).contains("\"errors\" must be an integer >= 0, was -50");
        Cli.Result health = checkReport("health-string", r -> r.put("health", "DOWN"));
        assertThat(health.exitCode()).as(health.toString()).isEqualTo(2);
        assertThat(health.all()).contains("\"health\" must be null or an object");
        Cli.Result byType = checkReport("by-type", r -> {
            r.remove("errors");
            r.putObject("errorsByType").put("SQLException", 40);
        });
        assertThat(byType.exitCode()).as(byType.toString()).isEqualTo(2);
        Cli.Result sum = checkReport("by-type-sum", r -> r.putObject("errorsByType").put("SQLException", 40));
        assertThat(sum.exitCode()).as(sum.toString()).isEqualTo(2);
        assertThat(sum.all()).contains("adds up to 40 errors but \"errors\" is 2");
        Cli.Result negLag = checkReport("neg-lag", r -> ((ObjectNode) r.get("dataLag")).put("maxSeconds", -1));
        assertThat(negLag.exitCode()).as(negLag.toString()).isEqualTo(2);
    }

    private static Cli.Result check(FakePrometheus p, String... extra) {
        return check(Map.of(), p, extra);
    }

    private static Cli.Result check(Map<String, String> env, FakePrometheus p, String... extra) {
        String[] base = {"check", "--prometheus-url", p.url(), "--migration-id", "m1"};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        return Cli.run(env, args);
    }

    @Test
    void defect2MissingRowsSeriesWithAnErrorThresholdCannotBeEvaluated() throws Exception {
        try (FakePrometheus p = new FakePrometheus()) {
            Cli.Result ok = check(p, "--max-error-rate", "0.01", "--max-errors", "5");
            assertThat(ok.exitCode()).as(ok.toString()).isZero(); // rows recorded, errors counter never created
            assertThat(ok.out()).contains("0 errors / 1,000 rows");

            p.rows = null;
            Cli.Result r = check(p, "--max-error-rate", "0.01");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.all()).contains("no series migration_rows_total{migration_id=\"m1\"}")
                    .contains("cannot check --max-error-rate");
            Cli.Result n = check(p, "--max-errors", "5");
            assertThat(n.exitCode()).as(n.toString()).isEqualTo(2);
            // without an error threshold the missing counter is information, not a gate
            assertThat(check(p).exitCode()).isZero();
        }
    }

    @Test
    void defect3InfiniteErrorCounterBreachesAndNaNCannotBeEvaluated() throws Exception {
        try (FakePrometheus p = new FakePrometheus()) {
            p.errors = "+Inf";
            Cli.Result inf = check(p, "--max-error-rate", "0.01", "--max-errors", "5");
            assertThat(inf.exitCode()).as(inf.toString()).isEqualTo(1);
            p.errors = "NaN";
            Cli.Result nan = check(p, "--max-error-rate", "0.01");
            assertThat(nan.exitCode()).as(nan.toString()).isEqualTo(2);
            assertThat(nan.all()).contains("is NaN");
        }
    }

    @Test
    void defect4UnknownStatusCannotBeEvaluated() throws Exception {
        try (FakePrometheus p = new FakePrometheus()) {
            p.status = "none";
            Cli.Result r = check(p);
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.all()).contains("no member of the migration_status state set is 1");
        }
    }

    @Test
    void defect5InfiniteLagIsABreachWithAClearMessage() throws Exception {
        try (FakePrometheus p = new FakePrometheus()) {
            p.lag = List.of("10", "+Inf");
            Cli.Result r = check(p, "--max-lag", "300");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
            assertThat(r.all()).contains("data lag over the last 15m was infinite");
            p.lag = List.of("+Inf", "+Inf");
            assertThat(check(p, "--max-lag", "300").exitCode()).isEqualTo(1);
            p.lag = List.of("10", "NaN");
            assertThat(check(p, "--max-lag", "300").exitCode()).isZero(); // NaN = no value, 10 s was recorded

            p.consumerLag = "+Inf";
            Cli.Result c = check(p, "--max-replication-lag", "30");
            assertThat(c.exitCode()).as(c.toString()).isEqualTo(1);
            assertThat(c.all()).contains("consumer lag").contains("infinite");
        }
    }

    @Test
    void defect6AnnotationFailureNeverChangesTheExitCode() throws Exception {
        try (FakePrometheus p = new FakePrometheus(); FakeGrafanaAnnotations g = new FakeGrafanaAnnotations()) {
            Cli.Result r = check(Map.of("GRAFANA_TOKEN", "glsa_secret\nInjected: 1"), p, "--grafana-url", g.url());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.err()).contains("warning").contains("GRAFANA_TOKEN").doesNotContain("glsa_secret");
            assertThat(r.out()).doesNotContain("glsa_secret");
            assertThat(g.requests()).isEmpty();

            p.lag = List.of("400");
            int closed = freePort();
            Cli.Result down = check(Map.of("GRAFANA_TOKEN", "glsa_ok"), p, "--max-lag", "300", "--grafana-url",
                    "http://127.0.0.1:" + closed);
            assertThat(down.exitCode()).as(down.toString()).isEqualTo(1);
            assertThat(down.err()).contains("warning: cannot reach Grafana");
        }
    }

    @Test
    void defect7DashboardsPushUnreachableIsCannotEvaluateAndTheTokenIsCheckedFirst() throws Exception {
        Path out = Path.of("target", "defect-dashboards-" + System.nanoTime());
        Cli.Result noToken = Cli.run("dashboards", "--out", out.toString(), "--push", "--grafana-url",
                "http://127.0.0.1:1");
        assertThat(noToken.exitCode()).as(noToken.toString()).isEqualTo(2);
        assertThat(out).doesNotExist();

        Cli.Result down = Cli.run(Map.of("GRAFANA_TOKEN", "glsa_x"), "dashboards", "--push", "--grafana-url",
                "http://127.0.0.1:" + freePort());
        assertThat(down.exitCode()).as(down.toString()).isEqualTo(2);
        assertThat(down.err()).contains("cannot reach Grafana at http://127.0.0.1:").doesNotContain("null")
                .doesNotContain("glsa_x");
    }

    @Test
    void defect8ConnectorValidateOnANonConnectAnswerCannotEvaluate() throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", ex -> {
            byte[] b = "{}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        s.start();
        try {
            Path config = Files.createDirectories(Path.of("target")).resolve("defect8-connector.json");
            Files.writeString(config, "{\"name\":\"c1\",\"config\":{\"connector.class\":"
                    + "\"io.debezium.connector.postgresql.PostgresConnector\",\"database.hostname\":\"db\"}}");
            Cli.Result r = Cli.run("connector", "validate", "--config", config.toString(), "--connect-url",
                    "http://127.0.0.1:" + s.getAddress().getPort());
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("not a Kafka Connect validation result");
            assertThat(r.out()).doesNotContain("config is valid");
        } finally {
            s.stop(0);
        }
    }

    static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
