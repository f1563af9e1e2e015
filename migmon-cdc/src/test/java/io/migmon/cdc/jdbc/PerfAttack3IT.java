package io.migmon.cdc.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.Operation;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Third attack on the typed apply path of issue 16: the fixes of the second attack (an upsert statement per run of
 * distinct keys, sent as one JDBC batch; delete keys read with the column's type modifier). Ground truth: a twin table
 * forced onto the per-event {@code json_populate_record} path (an {@code int[]} column sent as a JSON array), and the
 * generic path's own delete SQL.
 */
class PerfAttack3IT {

    private static EmbeddedPostgresFixture pg;
    private static DataSource ds;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgresFixture.builder("perf-attack3-apply").start();
        ds = pg.dataSource();
        exec("CREATE SCHEMA replica");
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    /**
     * Keys equal only after the target's rounding, in one chunk with a key repeated at the source (so the chunk is
     * several statements in one JDBC batch): numeric(10,2) 1.001/1.002/1.001, timestamp(0) .1/.2 s, char(4) padding,
     * varchar(3) trailing spaces. The 21000 fallback must still be reached and leave the per-event rows.
     */
    @Test
    void keysEqualAfterRoundingInAMultiStatementChunkGiveThePerEventRows() throws Exception {
        Map<String, String[]> cases = new LinkedHashMap<>();
        cases.put("numeric(10,2)", new String[] {"1.001", "1.002", "1.001", "2"});
        cases.put("char(4)", new String[] {"\"ab\"", "\"ab  \"", "\"ab\"", "\"c\""});
        cases.put("varchar(3)", new String[] {"\"ab \"", "\"ab   \"", "\"ab \"", "\"c\""});
        cases.put("text", new String[] {"\"x\"", "\"y\"", "\"x\"", "\"y\""});
        // the repeated key first: the rounded pair is the batch's SECOND statement (21000 from batch entry 2)
        cases.put("numeric(10, 2)", new String[] {"1.001", "1.001", "1.002", "2"});
        cases.put("timestamp(0)", new String[] {"\"2026-11-27T12:00:00.1\"", "\"2026-11-27T12:00:00.1\"",
            "\"2026-11-27T12:00:00.2\"", "\"2026-11-27T12:00:00.9\""});
        cases.put("text COLLATE replica.ci", new String[] {"\"Ab\"", "\"Ab\"", "\"aB\"", "\"ab\"", "\"c\""});
        exec("CREATE COLLATION replica.ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false)");
        int t = 0;
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        try {
            for (Map.Entry<String, String[]> c : cases.entrySet()) {
                String name = "r" + t++;
                exec("CREATE TABLE replica." + name + " (id " + c.getKey() + " PRIMARY KEY, v text)",
                        "CREATE TABLE replica." + name + "_json (id " + c.getKey() + " PRIMARY KEY, v text, arr int[])");
                List<ChangeEvent> typed = new ArrayList<>();
                List<ChangeEvent> json = new ArrayList<>();
                String[] keys = c.getValue();
                for (int i = 0; i < keys.length; i++) {
                    typed.add(upsert(name, i, "{\"id\":" + keys[i] + ",\"v\":\"v" + i + "\"}"));
                    json.add(upsert(name + "_json", i, "{\"id\":" + keys[i] + ",\"v\":\"v" + i + "\",\"arr\":[1]}"));
                }
                applier.apply(json);
                applier.apply(typed);
                assertThat(rows("SELECT id, v FROM replica." + name)).as(c.getKey())
                        .isEqualTo(rows("SELECT id, v FROM replica." + name + "_json")).isNotEmpty();
            }
        } finally {
            applier.close();
        }
    }

    /** Delete and re-insert of one (rounded) key inside one batch: upsert 1.001, delete 1.002, upsert 1.003, delete, upsert. */
    @Test
    void deletesAndReinsertsOfOneRoundedKeyInOneBatchGiveThePerEventRows() throws Exception {
        exec("CREATE TABLE replica.dr (id numeric(10,2) PRIMARY KEY, v text)",
                "CREATE TABLE replica.dr_json (id numeric(10,2) PRIMARY KEY, v text, arr int[])");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        try {
            for (String t : List.of("dr_json", "dr")) {
                String arr = t.endsWith("json") ? ",\"arr\":[1]" : "";
                applier.apply(List.of(upsert(t, 0, "{\"id\":1.001,\"v\":\"a\"" + arr + "}"),
                        upsert(t, 1, "{\"id\":1.004,\"v\":\"b\"" + arr + "}"),
                        delete(t, 2, "{\"id\":1.002}", null),
                        delete(t, 3, "{\"id\":1.003}", null),
                        upsert(t, 4, "{\"id\":1.003,\"v\":\"c\"" + arr + "}"),
                        upsert(t, 5, "{\"id\":2,\"v\":\"d\"" + arr + "}"),
                        upsert(t, 6, "{\"id\":1.001,\"v\":\"e\"" + arr + "}"),
                        delete(t, 7, "{\"id\":2.001}", null),
                        upsert(t, 8, "{\"id\":2.004,\"v\":\"f\"" + arr + "}")));
            }
            assertThat(rows("SELECT id, v FROM replica.dr")).isEqualTo(rows("SELECT id, v FROM replica.dr_json"))
                    .containsExactly("1.00|e|", "2.00|f|");
        } finally {
            applier.close();
        }
    }

    /**
     * Every key type the typed upsert accepts: after upsert + delete of the same image the row is gone (as the
     * generic path's {@code json_populate_record} delete does).
     */
    @Test
    void everyKeyTypeTheUpsertAcceptsIsDeletedByItsOwnImage() throws Exception {
        exec("CREATE DOMAIN replica.money2 AS numeric(10,2)", "CREATE DOMAIN replica.short3 AS varchar(3)",
                "CREATE DOMAIN replica.pad4 AS char(4)");
        Map<String, String> cases = new LinkedHashMap<>();
        cases.put("varchar(5)", "\"ab   \"");
        cases.put("char(4)", "\"ab\"");
        cases.put("bit(3)", "\"101\"");
        cases.put("varbit(5)", "\"10\"");
        cases.put("numeric", "1.50");
        cases.put("numeric(10,2)", "1.005");
        cases.put("timestamptz(0)", "\"2026-11-27T12:00:00.6Z\"");
        cases.put("time(0)", "\"12:00:00.6\"");
        cases.put("interval(0)", "\"PT1.6S\"");
        cases.put("interval day to second(0)", "\"P1DT1.6S\"");
        cases.put("interval year to month", "\"P1Y2M3D\"");
        cases.put("replica.money2", "1.005");
        cases.put("replica.short3", "\"ab   \"");
        cases.put("replica.pad4", "\"ab\"");
        cases.put("float4", "0.1");
        cases.put("timestamp(2)", "\"2026-11-27T12:00:00.555\"");
        List<String> left = new ArrayList<>();
        int t = 0;
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        try {
            for (Map.Entry<String, String> c : cases.entrySet()) {
                String name = "k" + t++;
                exec("CREATE TABLE replica." + name + " (id " + c.getKey() + " PRIMARY KEY, v text)",
                        "CREATE TABLE replica." + name + "_g (id " + c.getKey() + " PRIMARY KEY, v text)");
                String img = "{\"id\":" + c.getValue() + "}";
                try {
                    applier.apply(List.of(upsert(name, 0, "{\"id\":" + c.getValue() + ",\"v\":\"a\"}")));
                    applier.apply(List.of(delete(name, 1, img, null)));
                } catch (Exception e) {
                    left.add(c.getKey() + ": " + e);
                    continue;
                }
                exec("INSERT INTO replica." + name + "_g SELECT * FROM json_populate_record(NULL::replica." + name
                        + "_g, '{\"id\":" + c.getValue().replace("'", "''") + ",\"v\":\"a\"}')",
                        "DELETE FROM replica." + name + "_g WHERE (id) IN (SELECT id FROM json_populate_record(NULL::replica."
                                + name + "_g, '" + img.replace("'", "''") + "'))");
                List<String> typed = rows("SELECT id::text, v FROM replica." + name);
                List<String> generic = rows("SELECT id::text, v FROM replica." + name + "_g");
                if (!typed.equals(generic) || !typed.isEmpty()) {
                    left.add(c.getKey() + ": typed " + typed + " generic " + generic);
                }
            }
        } finally {
            applier.close();
        }
        assertThat(left).as("rows left after upsert + delete").isEmpty();
    }

    /**
     * A domain over varchar(3) / char(4) key, value too long: the per-event path rejects the upsert (22001); the typed
     * path must not cut it into another key (and a delete of the long value must not remove the short key's row).
     */
    @Test
    void anOverLongValueForADomainOverVarcharIsRejectedNotCut() throws Exception {
        exec("CREATE DOMAIN replica.dvc3 AS varchar(3)",
                "CREATE TABLE replica.dom (id replica.dvc3 PRIMARY KEY, v text)",
                "CREATE TABLE replica.dom_json (id replica.dvc3 PRIMARY KEY, v text, arr int[])");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        try {
            assertThatThrownBy(() -> applier.apply(List.of(upsert("dom_json", 0,
                    "{\"id\":\"toolong\",\"v\":\"a\",\"arr\":[1]}")))).as("generic path")
                    .isInstanceOf(java.sql.SQLException.class);
            applier.apply(List.of(upsert("dom", 1, "{\"id\":\"too\",\"v\":\"a\"}")));
            assertThatThrownBy(() -> applier.apply(List.of(upsert("dom", 2, "{\"id\":\"toolong\",\"v\":\"b\"}"))))
                    .as("typed path").isInstanceOf(java.sql.SQLException.class);
            assertThat(rows("SELECT id, v FROM replica.dom")).containsExactly("too|a|");
        } finally {
            applier.close();
        }
    }

    /**
     * A configured composite key with a NULL-able part (UNIQUE NULLS DISTINCT and NULLS NOT DISTINCT): repeats of
     * (1, NULL) in one chunk, then a delete of it: the typed path leaves the JSON twin's rows.
     */
    @Test
    void compositeKeysWithNullPartsGiveThePerEventRows() throws Exception {
        for (String nulls : List.of("", " NULLS NOT DISTINCT")) {
            String name = nulls.isEmpty() ? "nk" : "nnd";
            exec("DROP TABLE IF EXISTS replica." + name + ", replica." + name + "_json", "CREATE TABLE replica." + name + " (a int NOT NULL, b int, v text, UNIQUE" + nulls + " (a, b))",
                    "CREATE TABLE replica." + name + "_json (a int NOT NULL, b int, v text, arr int[], UNIQUE" + nulls
                            + " (a, b))");
            JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica")
                    .primaryKey("replica." + name, "a", "b").primaryKey("replica." + name + "_json", "a", "b").build();
            try {
                for (String t : List.of(name + "_json", name)) {
                    String arr = t.endsWith("json") ? ",\"arr\":[1]" : "";
                    applier.apply(List.of(upsert(t, 0, "{\"a\":1,\"b\":null,\"v\":\"x\"" + arr + "}"),
                            upsert(t, 1, "{\"a\":1,\"b\":2,\"v\":\"y\"" + arr + "}"),
                            upsert(t, 2, "{\"a\":1,\"b\":null,\"v\":\"z\"" + arr + "}"),
                            upsert(t, 3, "{\"a\":2,\"b\":null,\"v\":\"w\"" + arr + "}")));
                    applier.apply(List.of(delete(t, 4, "{\"a\":2,\"b\":null}", null),
                            delete(t, 5, "{\"a\":1,\"b\":2}", null)));
                }
            } finally {
                applier.close();
            }
            assertThat(rows("SELECT a, b, v FROM replica." + name + " ORDER BY 1, 2, 3 --"))
                    .as("UNIQUE%s", nulls).isEqualTo(rows("SELECT a, b, v FROM replica." + name + "_json ORDER BY 1, 2, 3 --"));
        }
    }

    private static ChangeEvent delete(String table, long offset, String before, Map<String, String> types) {
        ChangeEvent.Builder b = ChangeEvent.builder(CdcRecord.of("src.public." + table, 0, offset, 1L, null,
                        "{}".getBytes(StandardCharsets.UTF_8)), ChangeEvent.Kind.CHANGE)
                .operation(Operation.DELETE).sourceName("src").schema("public").table(table).beforeJson(before);
        if (types != null) {
            b.rowFieldTypes(types);
        }
        return b.build();
    }

    private static ChangeEvent upsert(String table, long offset, String after) {
        ChangeEvent.Builder b = ChangeEvent.builder(CdcRecord.of("src.public." + table, 0, offset, 1L, null,
                        "{}".getBytes(StandardCharsets.UTF_8)), ChangeEvent.Kind.CHANGE)
                .operation(Operation.UPDATE).sourceName("src").schema("public").table(table).afterJson(after);
        return b.build();
    }

    private static void exec(String... sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    private static List<String> rows(String query) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
            try (ResultSet rs = s.executeQuery(query + " ORDER BY 1")) {
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    StringBuilder b = new StringBuilder();
                    for (int i = 1; i <= n; i++) {
                        b.append(rs.getString(i)).append('|');
                    }
                    out.add(b.toString());
                }
            }
        }
        return out;
    }
}
