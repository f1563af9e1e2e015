package io.migmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.core.testing.Await;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import io.migmon.testsupport.KafkaTestBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.connect.cli.ConnectDistributed;
import org.apache.kafka.connect.runtime.Connect;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code migmon connector validate|apply|status} against a real Kafka Connect worker (in-process, on a real KRaft
 * broker) running Debezium's PostgreSQL connector against a real (embedded) PostgreSQL. The database password comes
 * from the environment ({@code ${env:PGPASSWORD}}) and is never printed.
 */
class ConnectorAgainstConnectIT {

    private static EmbeddedPostgresFixture postgres;
    private static KafkaClusterTestKit kafka;
    private static Connect<?> connect;
    private static String connectUrl;

    @BeforeAll
    static void start() throws Exception {
        Path work = Path.of("target", "connector-it").toAbsolutePath();
        postgres = EmbeddedPostgresFixture.builder("cli-connector").logicalReplication().baseDirectory(work).start();
        postgres.execute("CREATE TABLE public.orders (id bigint PRIMARY KEY, total numeric)",
                "ALTER USER postgres PASSWORD 'pg-secret-pw'");
        kafka = KafkaTestBroker.start(work.resolve("kafka"));
        Map<String, String> w = KafkaTestBroker.connectWorkerConfig(kafka.bootstrapServers(), "cli-connect-it");
        connect = new ConnectDistributed().startConnect(w);
        String url = connect.rest().serverUrl().toString();
        connectUrl = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    @AfterAll
    static void stop() throws Exception {
        if (connect != null) {
            connect.stop();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    private static Path config(String name, String slot, String password) throws Exception {
        Path file = Path.of("target", "connector-it", name + ".json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                {"name": "%s", "config": {
                  "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
                  "tasks.max": "1", "plugin.name": "pgoutput", "publication.autocreate.mode": "filtered",
                  "database.hostname": "127.0.0.1", "database.port": "%d", "database.user": "postgres",
                  "database.password": "%s", "database.dbname": "postgres", "topic.prefix": "cli",
                  "table.include.list": "public.orders", "slot.name": "%s"}}
                """.formatted(name, postgres.port(), password, slot));
        return file;
    }

    @Test
    void validateApplyAndStatusAgainstARealWorker() throws Exception {
        Map<String, String> env = Map.of("PGPASSWORD", "pg-secret-pw");
        String url = connectUrl;

        // the real worker's plugin validation: slot names allow [a-z0-9_] only
        Cli.Result invalid = Cli.run(env, "connector", "validate", "--config",
                config("orders-cdc", "Bad-Slot", "${env:PGPASSWORD}").toString(), "--connect-url", url);
        assertThat(invalid.exitCode()).as(invalid.toString()).isEqualTo(1);
        assertThat(invalid.out()).contains("slot.name");

        Path good = config("orders-cdc", "cli_orders", "${env:PGPASSWORD}");
        Cli.Result valid = Cli.run(env, "connector", "validate", "--config", good.toString(), "--connect-url", url);
        assertThat(valid.exitCode()).as(valid.toString()).isZero();

        Cli.Result missing = Cli.run("connector", "status", "orders-cdc", "--connect-url", url);
        assertThat(missing.exitCode()).as(missing.toString()).isEqualTo(1);
        assertThat(missing.err()).contains("no such connector");

        Cli.Result applied = Cli.run(env, "connector", "apply", "--config", good.toString(), "--connect-url", url);
        assertThat(applied.exitCode()).as(applied.toString()).isZero();
        assertThat(applied.out()).contains("connector orders-cdc: created").contains("database.password=[hidden]");

        Cli.Result[] status = new Cli.Result[1];
        Await.until(Duration.ofSeconds(60), Duration.ofMillis(500), () -> {
            status[0] = Cli.run("connector", "status", "orders-cdc", "--connect-url", url);
            return status[0].exitCode() == 0;
        }, () -> "connector never RUNNING: " + status[0]);
        assertThat(status[0].out()).contains("connector orders-cdc: RUNNING").contains("task 0: RUNNING");
        // ground truth: the task really streams from PostgreSQL, so its replication slot exists there
        Await.until(Duration.ofSeconds(30), () -> slotExists("cli_orders"), () -> "slot cli_orders not created");

        Cli.Result again = Cli.run(env, "connector", "apply", "--config", good.toString(), "--connect-url", url);
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(again.out()).contains("connector orders-cdc: updated");
        for (Cli.Result r : new Cli.Result[] {invalid, valid, applied, again, status[0]}) {
            assertThat(r.all()).doesNotContain("pg-secret-pw");
        }
    }

    private static boolean slotExists(String slot) {
        try (var c = postgres.dataSource().getConnection(); var s = c.createStatement();
             var rs = s.executeQuery("SELECT count(*) FROM pg_replication_slots WHERE slot_name = '" + slot + "'")) {
            rs.next();
            return rs.getInt(1) == 1;
        } catch (java.sql.SQLException e) {
            return false;
        }
    }
}
