package io.migmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code migmon connector status|validate|apply} over the migmon-cdc Kafka Connect client. */
class ConnectorCommandTest {

    private static final String RUNNING = "{\"name\":\"inventory\",\"connector\":{\"state\":\"RUNNING\",\"worker_id\":"
            + "\"w1:8083\"},\"tasks\":[{\"id\":0,\"state\":\"RUNNING\",\"worker_id\":\"w1:8083\"}],\"type\":\"source\"}";
    private static final String FAILED = "{\"name\":\"broken\",\"connector\":{\"state\":\"RUNNING\",\"worker_id\":"
            + "\"w1:8083\"},\"tasks\":[{\"id\":0,\"state\":\"FAILED\",\"worker_id\":\"w1:8083\",\"trace\":"
            + "\"org.apache.kafka.connect.errors.ConnectException: replication slot is active\\n\\tat x\"}]}";

    @Test
    void statusExitsZeroOnlyWhenTheConnectorAndItsTasksRun() throws Exception {
        try (FakeConnect connect = new FakeConnect()) {
            connect.statusBodies.put("inventory", RUNNING);
            connect.statusBodies.put("broken", FAILED);
            Cli.Result ok = Cli.run("connector", "status", "inventory", "--connect-url", connect.url());
            assertThat(ok.exitCode()).as(ok.toString()).isZero();
            assertThat(ok.out()).contains("connector inventory: RUNNING on w1:8083").contains("task 0: RUNNING");

            Cli.Result broken = Cli.run("connector", "status", "broken", "--connect-url", connect.url());
            assertThat(broken.exitCode()).as(broken.toString()).isEqualTo(1);
            assertThat(broken.out()).contains("task 0: FAILED org.apache.kafka.connect.errors.ConnectException: "
                    + "replication slot is active");

            Cli.Result missing = Cli.run("connector", "status", "nope", "--connect-url", connect.url());
            assertThat(missing.exitCode()).isEqualTo(1);
            assertThat(missing.err()).contains("no such connector");
        }
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Cli.Result down = Cli.run("connector", "status", "x", "--connect-url", "http://127.0.0.1:" + port);
        assertThat(down.exitCode()).isEqualTo(2);
        assertThat(down.err()).contains("cannot reach Kafka Connect");
    }

    @Test
    void validateAndApplyReadTheSecretFromTheEnvironmentAndNeverPrintIt() throws Exception {
        Path config = Path.of("target", "connector-inventory.json");
        Files.writeString(config, """
                {"name": "inventory", "config": {
                  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                  "database.hostname": "db", "database.user": "debezium",
                  "database.password": "${env:DB_PASSWORD}", "topic.prefix": "inventory"}}
                """);
        Map<String, String> env = Map.of("DB_PASSWORD", "pg-s3cret-value");
        try (FakeConnect connect = new FakeConnect()) {
            Cli.Result valid = Cli.run(env, "connector", "validate", "--config", config.toString(), "--connect-url",
                    connect.url());
            assertThat(valid.exitCode()).as(valid.toString()).isZero();
            assertThat(valid.out()).contains("connector inventory: config is valid");

            Cli.Result applied = Cli.run(env, "connector", "apply", "--config", config.toString(), "--connect-url",
                    connect.url());
            assertThat(applied.exitCode()).as(applied.toString()).isZero();
            assertThat(applied.out()).contains("connector inventory: created").contains("database.password=[hidden]");
            FakeConnect.Request put = connect.requests().stream()
                    .filter(q -> q.method().equals("PUT") && q.path().equals("/connectors/inventory/config"))
                    .findFirst().orElseThrow();
            assertThat(put.body()).contains("\"database.password\":\"pg-s3cret-value\"");
            assertThat(valid.all() + applied.all()).doesNotContain("pg-s3cret-value");

            connect.validationErrorField = "slot.name";
            Cli.Result invalid = Cli.run(env, "connector", "validate", "--config", config.toString(),
                    "--connect-url", connect.url());
            assertThat(invalid.exitCode()).isEqualTo(1);
            assertThat(invalid.out()).contains("slot.name: Missing required configuration");
        }
        Cli.Result unset = Cli.run("connector", "validate", "--config", config.toString(), "--connect-url",
                "http://127.0.0.1:1");
        assertThat(unset.exitCode()).isEqualTo(2);
        assertThat(unset.err()).contains("${env:DB_PASSWORD}").contains("not set");
    }
}
