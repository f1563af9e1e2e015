package io.migmon.verify.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migmon.verify.TwoPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Fourth review of issue 17: the command's exit codes and JSON report against docs/cli.md and docs/verify.md. */
class VerifyCommandAttack4IT {

    private final CommandRun cmd = new CommandRun();

    /** Every field of the documented report (docs/verify.md, "JSON report") is there, with the documented meaning. */
    @Test
    void theJsonReportHasEveryDocumentedField(@TempDir Path dir) throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE orders (id int PRIMARY KEY, v text)",
                "INSERT INTO orders SELECT g, 'v' || g FROM generate_series(1, 400) g");
        p.onTarget("UPDATE orders SET v = 'x' WHERE id BETWEEN 1 AND 5", "DELETE FROM orders WHERE id = 9",
                "INSERT INTO orders VALUES (1000, 'extra')");
        Path report = dir.resolve("r.json");
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--max-reported", "3", "--report", report.toString(), "--json")).isEqualTo(1);
        JsonNode printed = new ObjectMapper().readTree(cmd.out());
        JsonNode json = new ObjectMapper().readTree(Files.readString(report));
        assertThat(printed).isEqualTo(json);
        for (String f : List.of("schema", "subject", "name", "engine", "status", "exitCode", "keyColumns", "filter",
                "startedAt", "finishedAt", "durationSeconds", "resumed", "rows", "ranges", "differences", "inFlight")) {
            assertThat(json.has(f)).as(f).isTrue();
        }
        assertThat(json.path("schema").asText()).isEqualTo("migmon.verify.report/v1");
        assertThat(json.path("status").asText()).isEqualTo("different");
        assertThat(json.path("exitCode").asInt()).isEqualTo(1);
        assertThat(json.path("rows").path("source").asLong()).isEqualTo(400);
        assertThat(json.path("rows").path("target").asLong()).isEqualTo(400);
        JsonNode d = json.path("differences");
        assertThat(d.path("missing").asLong()).isEqualTo(1);
        assertThat(d.path("extra").asLong()).isEqualTo(1);
        assertThat(d.path("changed").asLong()).isEqualTo(5);
        assertThat(d.path("total").asLong()).isEqualTo(7);
        assertThat(d.path("truncated").asBoolean()).isTrue();
        assertThat(d.path("items")).hasSize(3);
        for (String f : List.of("rechecked", "resolved", "unresolved", "watermark")) {
            assertThat(json.path("inFlight").has(f)).as("inFlight." + f).isTrue();
        }
    }

    /**
     * A gate that reads the report file (docs/cli.md: "--report FILE write the JSON report") after a run that could
     * not evaluate. Ground truth: the target table was dropped since the last run (exit 2). Expected: the file does
     * not keep saying "identical" (it is rewritten with the failure, or removed). Actual: the previous run's
     * "identical" report stays in place, and {@code --json} prints nothing on stdout for exit 2.
     */
    @Test
    void aFailedRunDoesNotLeaveThePreviousIdenticalReport(@TempDir Path dir) throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE orders (id int PRIMARY KEY, v text)",
                "INSERT INTO orders SELECT g, 'v' || g FROM generate_series(1, 100) g");
        Path report = dir.resolve("verify-orders.json");
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--report", report.toString())).isZero();
        p.onTarget("DROP TABLE orders");
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--report", report.toString(), "--json")).isEqualTo(2);
        assertThat(cmd.err()).contains("cannot evaluate");
        if (Files.exists(report)) {
            assertThat(new ObjectMapper().readTree(Files.readString(report)).path("status").asText())
                    .as("the report file after exit 2").isNotEqualTo("identical");
        }
    }
}
