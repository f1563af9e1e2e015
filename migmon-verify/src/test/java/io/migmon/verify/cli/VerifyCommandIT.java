package io.migmon.verify.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.internal.Reactive;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command against real servers: exit codes, summary, JSON report, no secrets in messages. */
class VerifyCommandIT {

    private final CommandRun cmd = new CommandRun();

    @Test
    void exitCodesFollowTheResult(@TempDir Path dir) throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE orders (id int PRIMARY KEY, total numeric(10,2), note text)",
                "INSERT INTO orders SELECT g, g * 1.5, 'n' || g FROM generate_series(1, 3000) g");
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(),
                "--table", "orders")).isZero();
        assertThat(cmd.out()).contains("orders identical", "3,000 rows checked");

        p.onTarget("UPDATE orders SET note = 'x' WHERE id = 42", "DELETE FROM orders WHERE id = 7");
        Path report = dir.resolve("report.json");
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--key", "id", "--report", report.toString(), "--max-rows-per-second=1000000")).isEqualTo(1);
        assertThat(cmd.out()).contains("orders different", "missing 1, extra 0, changed 1",
                "changed id=42 columns note",
                "missing id=7");
        JsonNode json = new ObjectMapper().readTree(Files.readString(report));
        assertThat(json.path("status").asText()).isEqualTo("different");
        assertThat(json.path("exitCode").asInt()).isEqualTo(1);
        assertThat(json.path("differences").path("changed").asLong()).isEqualTo(1);

        // --where excludes the changed rows
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--where", "id > 100", "--json")).isZero();
        assertThat(new ObjectMapper().readTree(cmd.out()).path("filter").asText()).isEqualTo("id > 100");
        assertThat(new ObjectMapper().readTree(cmd.out()).path("name").asText()).isEqualTo("orders");

        // --name: the verification's name in the report (and in its meters), validated
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--where", "id > 100", "--name", "orders-recent", "--json")).isZero();
        assertThat(new ObjectMapper().readTree(cmd.out()).path("name").asText()).isEqualTo("orders-recent");
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--name", " ")).isEqualTo(2);
        assertThat(cmd.err()).contains("name must not be blank");
    }

    @Test
    void cannotEvaluateIsExitCodeTwoWithoutLeakingThePassword() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(),
                "--table", "nope")).isEqualTo(2);
        assertThat(cmd.err()).contains("cannot evaluate", "nope does not exist");

        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl())).isEqualTo(2);
        assertThat(cmd.err()).contains("--source, --target and --table are required", "Usage");
        assertThat(cmd.run(Map.of(), "--bogus", "x", "--source", "a", "--target", "b", "--table", "t")).isEqualTo(2);
        assertThat(cmd.err()).contains("unknown option --bogus");

        String wrongPort = "jdbc:postgresql://127.0.0.1:1/db?user=u&password=s3cret";
        assertThat(cmd.run(Map.of("MIGMON_TARGET_PASSWORD", "t0psecret"), "--source", wrongPort, "--target", wrongPort,
                "--table", "t")).isEqualTo(2);
        assertThat(cmd.err()).contains("cannot evaluate").doesNotContain("s3cret").doesNotContain("t0psecret");
        assertThat(cmd.run(Map.of(), "--help")).isZero();
        assertThat(cmd.out()).contains("Exit codes: 0 identical, 1 differences, 2 cannot evaluate");
    }

    @Test
    void mongoCollectionsByUrl() {
        MongoServer server = new MongoServer(new MemoryBackend());
        try {
            server.bind("127.0.0.1", 0);
            String base = "mongodb://127.0.0.1:" + server.getLocalAddress().getPort();
            try (MongoClient c = MongoClients.create(base)) {
                List<Document> docs = new ArrayList<>();
                for (int i = 1; i <= 1000; i++) {
                    docs.add(new Document("_id", i).append("v", i));
                }
                Reactive.list(c.getDatabase("src").getCollection("items").insertMany(docs), Duration.ofSeconds(30));
                Reactive.list(c.getDatabase("tgt").getCollection("items").insertMany(docs), Duration.ofSeconds(30));
                assertThat(cmd.run(Map.of(), "--source", base + "/src", "--target", base + "/tgt", "--table", "items"))
                        .isZero();
                Reactive.list(c.getDatabase("tgt").getCollection("items").deleteOne(new Document("_id", 500)),
                        Duration.ofSeconds(30));
                assertThat(cmd.run(Map.of(), "--source", base + "/src", "--target", base + "/tgt", "--table", "items"))
                        .isEqualTo(1);
                assertThat(cmd.out()).contains("missing _id=500");
                assertThat(cmd.run(Map.of(), "--source", base + "/src", "--target", base + "/tgt", "--table", "items",
                        "--where", "{\"_id\": {\"$lt\": 100}}")).isZero();
            }
        } finally {
            server.shutdownNow();
        }
    }
}
