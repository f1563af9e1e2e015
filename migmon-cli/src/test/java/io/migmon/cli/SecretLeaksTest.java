package io.migmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Regression tests for the tester's secret leaks 9-13: what the CLI prints never contains a credential. */
class SecretLeaksTest {

    @Test
    void defect9InvalidUrlsAreRefusedWithoutEchoingThePassword() {
        for (String url : List.of("http://admin:pa^ss w0rd@127.0.0.1:37791", "http://admin:50%off@127.0.0.1:1",
                "http://admin:pa/ssw0rd@127.0.0.1:1", "http://admin:secr#et@127.0.0.1:1")) {
            Cli.Result r = Cli.run("check", "--prometheus-url", url, "--migration-id", "m1");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.all()).doesNotContain("pa^ss").doesNotContain("50%off").doesNotContain("ssw0rd")
                    .doesNotContain("secr").contains("--prometheus-url");
            Cli.Result g = Cli.run("dashboards", "--out", "target/x", "--grafana-url", url);
            assertThat(g.exitCode()).isEqualTo(2);
            assertThat(g.all()).doesNotContain("pa^ss").doesNotContain("50%off").doesNotContain("ssw0rd")
                    .doesNotContain("secr");
        }
    }

    @Test
    void defect11TokenWithLineBreakIsRefusedNamingTheVariableOnly() throws Exception {
        try (FakePrometheus p = new FakePrometheus()) {
            Cli.Result r = Cli.run(Map.of("PROMETHEUS_TOKEN", "abcSECRET\r\nX: y"), "check", "--prometheus-url",
                    p.url(), "--migration-id", "m1");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.err()).contains("PROMETHEUS_TOKEN").doesNotContain("abcSECRET")
                    .doesNotContain("unexpected error");
            assertThat(p.queries).isEmpty();
        }
        Cli.Result d = Cli.run(Map.of("GRAFANA_TOKEN", "glsaSECRET\nX"), "dashboards", "--push", "--grafana-url",
                "http://127.0.0.1:1");
        assertThat(d.exitCode()).isEqualTo(2);
        assertThat(d.all()).contains("GRAFANA_TOKEN").doesNotContain("glsaSECRET");
    }

    @Test
    void defect12ConnectorApplyAndStatusHideResolvedSecretsAndPasswords() throws Exception {
        try (FakeConnect connect = new FakeConnect()) {
            Path config = Files.createDirectories(Path.of("target")).resolve("defect12-connector.json");
            Files.writeString(config, """
                    {"name": "inventory", "config": {
                      "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                      "database.hostname": "db",
                      "database.url": "jdbc:postgresql://db/app?user=app&password=${env:PGPW}",
                      "custom.opaque": "${env:OPAQUE}"}}
                    """);
            Cli.Result r = Cli.run(Map.of("PGPW", "Hunter2pw", "OPAQUE", "0paqueS3cret"), "connector", "apply",
                    "--config", config.toString(), "--connect-url", connect.url());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.all()).doesNotContain("Hunter2pw").doesNotContain("0paqueS3cret").contains("created");
            // the worker really received the resolved values
            assertThat(connect.requests()).anySatisfy(q -> assertThat(q.body()).contains("Hunter2pw"));

            connect.statusBodies.put("leaky", """
                    {"name":"leaky","connector":{"state":"RUNNING","worker_id":"w1:8083"},
                     "tasks":[{"id":0,"state":"FAILED","worker_id":"w1:8083",
                       "trace":"org.postgresql.util.PSQLException: cannot connect to jdbc:postgresql://db/app?password=TraceS3cret\\n\\tat x"}],
                     "type":"source"}
                    """);
            Cli.Result s = Cli.run("connector", "status", "leaky", "--connect-url", connect.url());
            assertThat(s.exitCode()).as(s.toString()).isEqualTo(1);
            assertThat(s.all()).doesNotContain("TraceS3cret").contains("password=[hidden]");
        }
    }

    @Test
    void defect13CredentialsNeverFollowARedirect() throws Exception {
        List<String> stolen = new CopyOnWriteArrayList<>();
        HttpServer other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        other.createContext("/", ex -> {
            String a = ex.getRequestHeaders().getFirst("Authorization");
            stolen.add(a == null ? "(none)" : a);
            ex.sendResponseHeaders(500, -1);
            ex.close();
        });
        other.start();
        try (FakePrometheus p = new FakePrometheus()) {
            p.redirectTo = "http://evil:pw@127.0.0.1:" + other.getAddress().getPort() + "/api/v1/query?k=v";
            Cli.Result r = Cli.run(Map.of("PROMETHEUS_TOKEN", "tokS3cret"), "check", "--prometheus-url", p.url(),
                    "--migration-id", "m1");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
            assertThat(r.all()).contains("HTTP 302").contains("127.0.0.1:" + other.getAddress().getPort())
                    .doesNotContain("tokS3cret").doesNotContain("evil:pw").doesNotContain("k=v");
            assertThat(stolen).isEmpty();
            Cli.Result b = Cli.run("check", "--prometheus-url", p.url().replace("http://", "http://admin:B4sicpw@"),
                    "--migration-id", "m1");
            assertThat(b.exitCode()).isEqualTo(2);
            assertThat(b.all()).doesNotContain("B4sicpw");
            assertThat(stolen).isEmpty();
        } finally {
            other.stop(0);
        }
    }
}
