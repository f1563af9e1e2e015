package io.migmon.verify.cli;

import static io.migmon.verify.cli.CommandRun.tableExists;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.internal.Reactive;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** The command, second independent review of issue 17. Ground truth: the servers' state and what was inserted. */
class VerifyCommandAttack2IT {

    private final CommandRun cmd = new CommandRun();

    /**
     * Finding 9. A verification must not be able to change the databases it reads (the source is production). The
     * verifier's sessions are not read-only, and pgjdbc runs every {@code ;}-separated statement of a prepared
     * statement: {@code --where "true); DROP TABLE orders; COMMIT; SELECT (1"} makes the first query (the window
     * walk on the source) {@code ... WHERE (true); DROP TABLE orders; COMMIT; SELECT (1\n) ORDER BY ...}; the last
     * statement fails (exit 2), but the COMMIT has already made the DROP permanent on the source. (The earlier
     * {@code whereWithQuotesAndAnInjectionAttempt} payload without COMMIT is rolled back, which is why it held.)
     */
    @Test
    void aWhereCannotWriteToTheSource() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 100) g");
        int code = cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--where", "true); DROP TABLE orders; COMMIT; SELECT (1");
        assertThat(code).as(cmd.printed()).isEqualTo(2);
        assertThat(tableExists(p.source(), "orders")).as("the source table still exists").isTrue();
        assertThat(tableExists(p.target(), "orders")).as("the target table still exists").isTrue();
    }

    /**
     * Finding 10. For {@code mongodb://} URLs {@code --exclude} (and {@code --strict-numeric-scale}) are accepted and
     * silently ignored: the target's extra field {@code migratedAt} that the user excluded makes every document
     * "changed" (exit 1). Expected: the option works (exit 0) or is refused naming it (exit 2), as config errors
     * fail fast.
     */
    @Test
    void excludeIsHonouredOrRefusedForMongo() {
        MongoServer server = new MongoServer(new MemoryBackend());
        try {
            server.bind("127.0.0.1", 0);
            String base = "mongodb://127.0.0.1:" + server.getLocalAddress().getPort();
            try (MongoClient c = MongoClients.create(base)) {
                List<Document> src = new ArrayList<>();
                List<Document> tgt = new ArrayList<>();
                for (int i = 1; i <= 100; i++) {
                    src.add(new Document("_id", i).append("v", i));
                    tgt.add(new Document("_id", i).append("v", i).append("migratedAt", "2026-11-27"));
                }
                Reactive.list(c.getDatabase("src").getCollection("items").insertMany(src), Duration.ofSeconds(30));
                Reactive.list(c.getDatabase("tgt").getCollection("items").insertMany(tgt), Duration.ofSeconds(30));
                int code = cmd.run(Map.of(), "--source", base + "/src", "--target", base + "/tgt", "--table", "items",
                        "--exclude", "migratedAt");
                assertThat(code).as(cmd.printed()).isIn(0, 2);
                if (code == 2) {
                    assertThat(cmd.printed()).contains("--exclude");
                }
            }
        } finally {
            server.shutdownNow();
        }
    }

    /**
     * Finding 11. docs/verify.md and the usage text: credentials "in the URL or in MIGMON_SOURCE_USER /
     * MIGMON_SOURCE_PASSWORD / ...". For {@code mongodb://} URLs the variables are ignored and the command connects
     * anonymously. Ground truth: the same driver given these credentials fails to authenticate on this server (it has
     * no users), so a command that used them would exit 2; it exits 0.
     */
    @Test
    void mongoUsesTheCredentialVariables() {
        MongoServer server = new MongoServer(new MemoryBackend());
        try {
            server.bind("127.0.0.1", 0);
            String base = "mongodb://127.0.0.1:" + server.getLocalAddress().getPort();
            com.mongodb.MongoClientSettings withCredentials = com.mongodb.MongoClientSettings.builder()
                    .applyConnectionString(new com.mongodb.ConnectionString(base + "/src"))
                    .credential(com.mongodb.MongoCredential.createCredential("alice", "src", "S3cretXyz".toCharArray()))
                    .build();
            try (MongoClient c = MongoClients.create(withCredentials)) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> Reactive.list(
                        c.getDatabase("src").getCollection("items").find(), Duration.ofSeconds(30)))
                        .isInstanceOf(com.mongodb.MongoSecurityException.class);
            }
            int code = cmd.run(Map.of("MIGMON_SOURCE_USER", "alice", "MIGMON_SOURCE_PASSWORD", "S3cretXyz",
                    "MIGMON_TARGET_USER", "alice", "MIGMON_TARGET_PASSWORD", "S3cretXyz"),
                    "--source", base + "/src", "--target", base + "/tgt", "--table", "items");
            assertThat(code).as(cmd.printed()).isEqualTo(2);
            assertThat(cmd.printed()).doesNotContain("S3cretXyz");
        } finally {
            server.shutdownNow();
        }
    }

    /**
     * Finding 12. A typo in the collection (or database) name passes the gate: for MongoDB a collection that exists
     * on neither side is "identical: 0 rows checked", exit 0, where a missing PostgreSQL table is exit 2 ("does not
     * exist"). Ground truth: the source database holds collection {@code orders} with 100 documents; the command is
     * asked for {@code ordres}, and for {@code orders} in a database name with a typo.
     */
    @Test
    void aMongoCollectionThatDoesNotExistCannotBeEvaluated() {
        MongoServer server = new MongoServer(new MemoryBackend());
        try {
            server.bind("127.0.0.1", 0);
            String base = "mongodb://127.0.0.1:" + server.getLocalAddress().getPort();
            try (MongoClient c = MongoClients.create(base)) {
                List<Document> docs = new ArrayList<>();
                for (int i = 1; i <= 100; i++) {
                    docs.add(new Document("_id", i).append("v", i));
                }
                Reactive.list(c.getDatabase("shop").getCollection("orders").insertMany(docs), Duration.ofSeconds(30));
                Reactive.list(c.getDatabase("shop2").getCollection("orders").insertMany(docs), Duration.ofSeconds(30));
            }
            assertThat(cmd.run(Map.of(), "--source", base + "/shop", "--target", base + "/shop2", "--table", "orders"))
                    .as(cmd.printed()).isZero();
            assertThat(cmd.run(Map.of(), "--source", base + "/shop", "--target", base + "/shop2", "--table", "ordres"))
                    .as(cmd.printed()).isEqualTo(2);
            assertThat(cmd.run(Map.of(), "--source", base + "/shpo", "--target", base + "/shpo2", "--table", "orders"))
                    .as(cmd.printed()).isEqualTo(2);
        } finally {
            server.shutdownNow();
        }
    }
}
