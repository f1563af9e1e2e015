package io.migmon.cdc.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.Operation;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Attack on the typed multi-row upsert of issue 16 (one {@code INSERT ... SELECT FROM unnest(...) ON CONFLICT} per
 * chunk, rows of one key merged by the key's TEXT in {@code TypedRows.convert}). Ground truth: the generic path
 * (the only one before issue 16: one json_populate_record upsert per event, in order), which the typed path claims
 * to give the same table as.
 */
class PerfAttackApplyIT {

    private static EmbeddedPostgresFixture pg;
    private static DataSource ds;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgresFixture.builder("perf-attack-apply").start();
        ds = pg.dataSource();
        exec("CREATE SCHEMA replica",
                // a migration target whose key is coarser than the source's: numeric(10,2) for a numeric(10,3) key
                "CREATE TABLE replica.prices (id numeric(10,2) PRIMARY KEY, v text)",
                // the JSON path's twin (int[] column sent as a JSON array forces json_populate_record)
                "CREATE TABLE replica.prices_json (id numeric(10,2) PRIMARY KEY, v text, arr int[])");
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    private static ChangeEvent upsert(String table, long offset, String after) {
        return ChangeEvent.builder(CdcRecord.of("src.public." + table, 0, offset, 1L, null,
                        "{}".getBytes(StandardCharsets.UTF_8)), ChangeEvent.Kind.CHANGE)
                .operation(Operation.UPDATE).sourceName("src").schema("public").table(table).afterJson(after).build();
    }

    /**
     * Finding 4: two source rows whose keys are distinct texts but one key in the target (1.001 and 1.004 into
     * numeric(10,2); the same for text into citext or char(n)) in one chunk. The generic path applies them in order,
     * last wins (row 1.00 = 'second'). The typed path sends both in one INSERT ... ON CONFLICT DO UPDATE, which
     * PostgreSQL rejects (21000 "cannot affect row a second time"): the whole batch fails.
     */
    @Test
    void keysThatCollideOnlyInTheTargetTypeAreAppliedInOrderAsByTheGenericPath() throws Exception {
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        List<ChangeEvent> json = new ArrayList<>();
        json.add(upsert("prices_json", 0, "{\"id\":1.001,\"v\":\"first\",\"arr\":[1]}"));
        json.add(upsert("prices_json", 1, "{\"id\":1.004,\"v\":\"second\",\"arr\":[2]}"));
        applier.apply(json);
        assertThat(rows("replica.prices_json")).as("generic path: in order, last wins").containsExactly("1.00|second|{2}|");

        List<ChangeEvent> typed = new ArrayList<>();
        typed.add(upsert("prices", 0, "{\"id\":1.001,\"v\":\"first\"}"));
        typed.add(upsert("prices", 1, "{\"id\":1.004,\"v\":\"second\"}"));
        applier.apply(typed); // actual: SQLException 21000
        assertThat(rows("replica.prices")).containsExactly("1.00|second|");
        applier.close();
    }

    /**
     * Finding 4, more shapes: citext and char(n) keys, several runs of colliding keys in one batch, another table and
     * deletes between them. Ground truth: the generic path (one json_populate_record statement per event, in order) on
     * twin tables; the typed path must leave the same rows.
     */
    @Test
    void citextAndCharKeysInABatchWithOtherTablesGiveTheGenericPathsRows() throws Exception {
        exec("CREATE EXTENSION IF NOT EXISTS citext",
                "CREATE TABLE replica.names (id citext PRIMARY KEY, v text)",
                "CREATE TABLE replica.names_json (id citext PRIMARY KEY, v text, arr int[])",
                "CREATE TABLE replica.codes (id char(4) PRIMARY KEY, v text)",
                "CREATE TABLE replica.codes_json (id char(4) PRIMARY KEY, v text, arr int[])",
                "CREATE TABLE replica.plain (id int PRIMARY KEY, v text)");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        for (String suffix : new String[] {"_json", ""}) {
            String arr = suffix.isEmpty() ? "" : ",\"arr\":[1]";
            List<ChangeEvent> batch = new ArrayList<>();
            long o = 0;
            batch.add(upsert("names" + suffix, o++, "{\"id\":\"Ann\",\"v\":\"1\"" + arr + "}"));
            batch.add(upsert("names" + suffix, o++, "{\"id\":\"bob\",\"v\":\"1\"" + arr + "}"));
            batch.add(upsert("names" + suffix, o++, "{\"id\":\"ANN\",\"v\":\"2\"" + arr + "}"));
            batch.add(upsert("plain", o++, "{\"id\":1,\"v\":\"p" + suffix + "\"}"));
            batch.add(upsert("names" + suffix, o++, "{\"id\":\"BOB\",\"v\":\"2\"" + arr + "}"));
            batch.add(upsert("names" + suffix, o++, "{\"id\":\"Bob\",\"v\":\"3\"" + arr + "}"));
            batch.add(delete("names" + suffix, o++, "{\"id\":\"aNN\"}"));
            batch.add(upsert("names" + suffix, o++, "{\"id\":\"carl\",\"v\":\"1\"" + arr + "}"));
            batch.add(upsert("codes" + suffix, o++, "{\"id\":\"ab\",\"v\":\"1\"" + arr + "}"));
            batch.add(upsert("codes" + suffix, o++, "{\"id\":\"ab  \",\"v\":\"2\"" + arr + "}"));
            batch.add(upsert("codes" + suffix, o++, "{\"id\":\"cd\",\"v\":\"1\"" + arr + "}"));
            batch.add(upsert("plain", o++, "{\"id\":2,\"v\":\"q" + suffix + "\"}"));
            applier.apply(batch);
            // a second batch without collisions still takes the multi-row path
            applier.apply(List.of(upsert("names" + suffix, o++, "{\"id\":\"dora\",\"v\":\"1\"" + arr + "}"),
                    upsert("names" + suffix, o, "{\"id\":\"eve\",\"v\":\"1\"" + arr + "}")));
        }
        assertThat(rows("SELECT id, v FROM replica.names")).as("typed = generic path")
                .isEqualTo(rows("SELECT id, v FROM replica.names_json"))
                .containsExactly("bob|3|", "carl|1|", "dora|1|", "eve|1|");
        assertThat(rows("SELECT id, v FROM replica.codes")).isEqualTo(rows("SELECT id, v FROM replica.codes_json"))
                .containsExactly("ab  |2|", "cd  |1|");
        assertThat(rows("SELECT id, v FROM replica.plain")).containsExactly("1|p|", "2|q|");
        // char(n) on the multi-row path without a collision: the whole value (the cast once truncated it to char(1))
        exec("CREATE TABLE replica.bits (id int PRIMARY KEY, c char(4), b bit(3))");
        applier.apply(List.of(upsert("codes", 100, "{\"id\":\"efgh\",\"v\":\"9\"}"),
                upsert("codes", 101, "{\"id\":\"ij\",\"v\":\"9\"}"),
                upsert("bits", 102, "{\"id\":1,\"c\":\"wxyz\",\"b\":\"101\"}"),
                upsert("bits", 103, "{\"id\":2,\"c\":\"uv\",\"b\":\"011\"}")));
        assertThat(rows("SELECT id, v FROM replica.codes WHERE v = '9'")).containsExactly("efgh|9|", "ij  |9|");
        assertThat(rows("replica.bits")).containsExactly("1|wxyz|101|", "2|uv  |011|");
        applier.close();
    }

    private static ChangeEvent delete(String table, long offset, String before) {
        return ChangeEvent.builder(CdcRecord.of("src.public." + table, 0, offset, 1L, null,
                        "{}".getBytes(StandardCharsets.UTF_8)), ChangeEvent.Kind.CHANGE)
                .operation(Operation.DELETE).sourceName("src").schema("public").table(table).beforeJson(before).build();
    }

    private static void exec(String... sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    private static List<String> rows(String table) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery(table.startsWith("SELECT") ? table + " ORDER BY 1"
                     : "SELECT * FROM " + table + " ORDER BY 1")) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder b = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    b.append(rs.getString(i)).append('|');
                }
                out.add(b.toString());
            }
        }
        return out;
    }
}
