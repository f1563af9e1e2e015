package io.migmon.cdc.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
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
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Second attack on the typed apply fast path of issue 16 (multi-row {@code unnest} upsert, last image of a key wins
 * in a chunk, row plans per schema version). Ground truth: the per-event {@code json_populate_record} path on a twin
 * table (forced by an {@code int[]} column sent as a JSON array), i.e. what consecutive single-row upserts leave, and
 * the values PostgreSQL itself reads from the literal source values.
 */
class PerfAttack2IT {

    private static EmbeddedPostgresFixture pg;
    private static DataSource ds;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgresFixture.builder("perf-attack2-apply").start();
        ds = pg.dataSource();
        exec("CREATE SCHEMA replica");
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    /**
     * Finding 1: a chunk that touches key 2, then key 1, then key 2 again is written as ONE multi-row upsert with key
     * 2's LAST image at key 2's FIRST position, i.e. before key 1's update. With a UNIQUE constraint on a non-key
     * column (an e-mail), key 2 takes the e-mail key 1 only frees in the later event: PostgreSQL checks non-deferrable
     * unique constraints row by row, so the statement fails with 23505, although the same events one by one (the
     * generic path, and the source itself) are valid. {@code apply} throws a non-retriable SQLException; the processor
     * then retries the batch and isolates it event by event (slow, not atomic), with no fallback like the one built
     * for 21000.
     */
    @Test
    void mergingTheLastImageOfAKeyDoesNotReorderItBeforeAnotherKeysUpdate() throws Exception {
        exec("CREATE TABLE replica.users (id int PRIMARY KEY, email text UNIQUE)",
                "CREATE TABLE replica.users_json (id int PRIMARY KEY, email text UNIQUE, arr int[])",
                "INSERT INTO replica.users VALUES (1, 'a@x')",
                "INSERT INTO replica.users_json VALUES (1, 'a@x', '{1}')");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        try {
            // the source's order: 2 created with c@, 1 moves to b@ (freeing a@), 2 moves to a@
            applier.apply(List.of(upsert("users_json", 0, "{\"id\":2,\"email\":\"c@x\",\"arr\":[1]}"),
                    upsert("users_json", 1, "{\"id\":1,\"email\":\"b@x\",\"arr\":[1]}"),
                    upsert("users_json", 2, "{\"id\":2,\"email\":\"a@x\",\"arr\":[1]}")));
            assertThat(rows("SELECT id, email FROM replica.users_json")).as("generic path")
                    .containsExactly("1|b@x|", "2|a@x|");
            assertThatCode(() -> applier.apply(List.of(upsert("users", 3, "{\"id\":2,\"email\":\"c@x\"}"),
                    upsert("users", 4, "{\"id\":1,\"email\":\"b@x\"}"),
                    upsert("users", 5, "{\"id\":2,\"email\":\"a@x\"}"))))
                    .as("typed path, same events").doesNotThrowAnyException(); // actual: SQLException 23505
            assertThat(rows("SELECT id, email FROM replica.users")).containsExactly("1|b@x|", "2|a@x|");
        } finally {
            applier.close();
        }
    }

    /** Values at the edges through the typed binds: the same rows as the generic path leaves. */
    @Test
    void edgeValuesGiveTheGenericPathsRows() throws Exception {
        String cols = "id int PRIMARY KEY, t text, n numeric(12,3), f float8, r real, b bool, ts timestamp,"
                + " tz timestamptz, d date, tm time, by bytea, j jsonb, js json, iv interval, u uuid, big bigint,"
                + " vc varchar(5), ch char(3)";
        exec("CREATE TABLE replica.vals (" + cols + ")", "CREATE TABLE replica.vals_json (" + cols + ", arr int[])",
                "SET TIME ZONE 'UTC'");
        Map<String, String> types = Map.of("ts", "io.debezium.time.MicroTimestamp", "d", "io.debezium.time.Date",
                "tm", "io.debezium.time.MicroTime", "tz", "io.debezium.time.ZonedTimestamp");
        String[] images = {
            "{\"id\":1,\"t\":\"a \\\"q\\\" \\\\ {x,y} NULL\",\"n\":1.0005,\"f\":-0.0,\"r\":1.0000001,\"b\":true,"
                + "\"ts\":0,\"tz\":\"2026-11-27T12:00:00.123456+05:30\",\"d\":-719528,\"tm\":86400000000,"
                + "\"by\":\"\",\"j\":\"{\\\"a\\\": [1, 2.50, \\\"\\\\u00e9\\\"]}\",\"js\":\"{\\\"k\\\" :  1}\","
                + "\"iv\":\"P1Y2M3DT4H5M6.5S\",\"u\":\"A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11\","
                + "\"big\":9223372036854775807,\"vc\":\"ab   \",\"ch\":\"\"}",
            "{\"id\":2,\"t\":\"\",\"n\":-0,\"f\":1e-320,\"r\":3.4e38,\"b\":false,\"ts\":-62135596800000000,"
                + "\"tz\":\"0001-01-01T00:00:00Z\",\"d\":0,\"tm\":0,\"by\":\"AAEC/w==\",\"j\":\"null\",\"js\":\"[]\","
                + "\"iv\":\"PT0S\",\"u\":null,\"big\":-9223372036854775808,\"vc\":\" \",\"ch\":\" a\"}",
            "{\"id\":3,\"t\":\"\\u00e9\\ud83d\\ude00 \\t\\n\\r\",\"n\":12345678.9995,\"f\":\"NaN\",\"r\":\"-Infinity\","
                + "\"b\":null,\"ts\":9223371331200000000,\"tz\":\"2026-03-29T02:30:00-01:00\",\"d\":2932896,"
                + "\"tm\":1,\"by\":null,\"j\":\"\\\"s\\\"\",\"js\":\"\\\"s\\\"\",\"iv\":null,\"u\":\"00000000-0000-0000-0000-000000000000\","
                + "\"big\":0,\"vc\":null,\"ch\":\"abc\"}",
            "{\"id\":4,\"t\":\"NULL\",\"n\":1E+2,\"f\":1.7976931348623157E308,\"r\":-1.5e-45,\"b\":true,"
                + "\"ts\":1764244800999999,\"tz\":\"2026-11-27T12:00:00Z\",\"d\":20419,\"tm\":43200123456,"
                + "\"by\":\"////\",\"j\":\"{}\",\"js\":\"{}\",\"iv\":\"PT0.000001S\",\"u\":\"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}\","
                + "\"big\":-0,\"vc\":\"\",\"ch\":null}",
        };
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        try {
            List<ChangeEvent> typed = new ArrayList<>();
            List<ChangeEvent> json = new ArrayList<>();
            for (int i = 0; i < images.length; i++) {
                typed.add(upsert("vals", i, images[i], types));
                json.add(upsert("vals_json", i, images[i].substring(0, images[i].length() - 1) + ",\"arr\":[1]}", types));
            }
            applier.apply(json);
            applier.apply(typed);
        } finally {
            applier.close();
        }
        String select = "SELECT id, t, n, f, r, b, ts, tz, d, tm, encode(by, 'hex'), j, js, iv, u, big, vc, ch FROM replica.";
        assertThat(rows(select + "vals")).isEqualTo(rows(select + "vals_json")).hasSize(4);
    }

    /**
     * A schema version change inside one batch (the source column went from timestamp(6) to timestamp(3): Debezium's
     * MicroTimestamp, then Timestamp in millis, then back): each row is converted with its own version's unit.
     */
    @Test
    void aSchemaVersionChangeInsideOneBatchConvertsEachRowWithItsOwnVersion() throws Exception {
        exec("CREATE TABLE replica.evolve (id int PRIMARY KEY, ts timestamp, v text)");
        Map<String, String> v1 = Map.of("id", "int32", "ts", "io.debezium.time.MicroTimestamp", "v", "string");
        Map<String, String> v2 = Map.of("id", "int32", "ts", "io.debezium.time.Timestamp", "v", "string");
        Map<String, String> v3 = Map.of("id", "int32", "ts", "io.debezium.time.MicroTimestamp", "v", "string");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        try {
            applier.apply(List.of(upsert("evolve", 0, "{\"id\":1,\"ts\":1764244800123456,\"v\":\"a\"}", v1),
                    upsert("evolve", 1, "{\"id\":2,\"ts\":1764244800123,\"v\":\"b\"}", v2),
                    upsert("evolve", 2, "{\"v\":\"c\",\"ts\":1764244800123,\"id\":3}", v2),
                    upsert("evolve", 3, "{\"id\":4,\"ts\":1764244800123456,\"v\":\"d\"}", v3),
                    upsert("evolve", 4, "{\"id\":5,\"ts\":1764244800123,\"v\":\"e\"}", v2)));
        } finally {
            applier.close();
        }
        assertThat(rows("SELECT id, ts, v FROM replica.evolve")).containsExactly(
                "1|2025-11-27 12:00:00.123456|a|", "2|2025-11-27 12:00:00.123|b|", "3|2025-11-27 12:00:00.123|c|",
                "4|2025-11-27 12:00:00.123456|d|", "5|2025-11-27 12:00:00.123|e|");
    }


    /**
     * Finding 4: the typed multi-row DELETE compares the key as {@code unnest(?::text[])} cast to the column's type
     * WITHOUT its modifier ({@code a0::numeric}, {@code a0::timestamp}), while the upsert before it stored the value
     * rounded by the column's modifier (assignment to numeric(10,2), timestamp(0)). A source key finer than the
     * target's (the shape of finding 4: numeric(10,3) into numeric(10,2); timestamp(6) into timestamp(0)) is upserted
     * (rounded) but its delete matches nothing: the row stays in the target. The generic path's delete,
     * {@code json_populate_record(NULL::table, ...)}, reads the key with the column's modifier and deletes it (checked
     * below with its SQL on a twin table).
     */
    @Test
    void aDeleteFindsTheRowItsUpsertRoundedIntoTheTargetsKeyType() throws Exception {
        exec("CREATE TABLE replica.rounded (id numeric(10,2) PRIMARY KEY, v text)",
                "CREATE TABLE replica.rounded_ts (id timestamp(0) PRIMARY KEY, v text)",
                "CREATE TABLE replica.rounded_generic (id numeric(10,2) PRIMARY KEY, v text)",
                "INSERT INTO replica.rounded_generic VALUES (1.00, 'x')",
                // the generic path's delete statement (JdbcChangeApplier.TableInfo#deleteSql) with the same key image
                "DELETE FROM replica.rounded_generic WHERE (id) IN (SELECT id FROM json_populate_record("
                        + "NULL::replica.rounded_generic, '{\"id\":1.001}'::json))");
        assertThat(rows("SELECT id FROM replica.rounded_generic")).as("generic path deletes it").isEmpty();
        Map<String, String> tsTypes = Map.of("id", "io.debezium.time.MicroTimestamp", "v", "string");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        try {
            applier.apply(List.of(upsert("rounded", 0, "{\"id\":1.001,\"v\":\"a\"}"),
                    upsert("rounded_ts", 1, "{\"id\":1764244800123456,\"v\":\"a\"}", tsTypes)));
            assertThat(rows("SELECT id, v FROM replica.rounded")).containsExactly("1.00|a|");
            assertThat(rows("SELECT id, v FROM replica.rounded_ts")).containsExactly("2025-11-27 12:00:00|a|");
            applier.apply(List.of(delete("rounded", 2, "{\"id\":1.001,\"v\":\"a\"}", null),
                    delete("rounded_ts", 3, "{\"id\":1764244800123456,\"v\":\"a\"}", tsTypes)));
            List<String> left = new ArrayList<>(rows("SELECT id, v FROM replica.rounded"));
            left.addAll(rows("SELECT id, v FROM replica.rounded_ts"));
            assertThat(left).as("deleted at the source").isEmpty(); // actual: ["1.00|a|", "2025-11-27 12:00:00|a|"]
        } finally {
            applier.close();
        }
    }

    /**
     * Finding 5: a poison image (a value the target rejects: 22001 for varchar(3)) followed in the same chunk by a
     * valid image of the same key is merged away: the typed upsert writes only the last image, {@code apply} succeeds,
     * and the processor counts the poison event as processed instead of dead-lettering it (found by the pipelined
     * processor IT, {@code io.migmon.cdc.PerfAttack2IT}, where one of 30 poison offsets never reached the dead-letter
     * topic). The per-event path (ground truth, the JSON twin) rejects the batch, so the processor isolates it and
     * dead-letters the poison event; the final row is the same either way, the dead letter and the counts are not.
     */
    @Test
    void aPoisonImageReplacedLaterInTheChunkIsStillRejected() throws Exception {
        exec("CREATE TABLE replica.short (id int PRIMARY KEY, v varchar(3))",
                "CREATE TABLE replica.short_json (id int PRIMARY KEY, v varchar(3), arr int[])");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        try {
            assertThatThrownBy(() -> applier.apply(List.of(
                    upsert("short_json", 0, "{\"id\":1,\"v\":\"toolong\",\"arr\":[1]}"),
                    upsert("short_json", 1, "{\"id\":1,\"v\":\"ok\",\"arr\":[1]}"))))
                    .as("generic path").isInstanceOf(java.sql.SQLException.class).hasMessageContaining("22001");
            assertThatThrownBy(() -> applier.apply(List.of(upsert("short", 2, "{\"id\":1,\"v\":\"toolong\"}"),
                    upsert("short", 3, "{\"id\":1,\"v\":\"ok\"}"))))
                    .as("typed path, same events").isInstanceOf(java.sql.SQLException.class)
                    .hasMessageContaining("22001"); // actual: nothing thrown, row 1 = 'ok'
        } finally {
            applier.close();
        }
    }

    /**
     * What splitting an upsert chunk at a repeated key costs (findings 1 and 5 fixed by keeping each key once per
     * statement, in the events' order): statements per batch of 500 updates, counted by PostgreSQL itself (a
     * {@code FOR EACH STATEMENT} trigger), for distinct keys (the common case: one statement), keys repeating every 50
     * events (10), two alternating keys (250) and one hot key (500, one per event, as on the per-event path; they go
     * as one JDBC batch). The rows are the last image of each key either way.
     */
    @Test
    void anUpsertStatementHoldsEachKeyOnceAndDistinctKeysStayOneStatement() throws Exception {
        exec("CREATE TABLE replica.hot (id int PRIMARY KEY, v int)",
                "CREATE TABLE replica.hot_statements (n int)",
                "CREATE FUNCTION replica.count_statement() RETURNS trigger LANGUAGE plpgsql AS"
                        + " $$BEGIN INSERT INTO replica.hot_statements VALUES (1); RETURN NULL; END$$",
                "CREATE TRIGGER hot_statement AFTER INSERT ON replica.hot FOR EACH STATEMENT"
                        + " EXECUTE FUNCTION replica.count_statement()");
        int[] distinctKeys = {500, 50, 2, 1};
        int[] expectedStatements = {1, 10, 250, 500};
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        try {
            for (int w = 0; w < distinctKeys.length; w++) {
                exec("TRUNCATE replica.hot, replica.hot_statements");
                List<ChangeEvent> batch = new ArrayList<>();
                for (int i = 0; i < 500; i++) {
                    batch.add(upsert("hot", i, "{\"id\":" + (i % distinctKeys[w]) + ",\"v\":" + i + "}"));
                }
                applier.apply(batch);
                assertThat(rows("SELECT count(*) FROM replica.hot_statements"))
                        .as("statements for %d distinct keys", distinctKeys[w])
                        .containsExactly(expectedStatements[w] + "|");
                List<String> expected = new ArrayList<>();
                for (int k = 0; k < distinctKeys[w]; k++) {
                    expected.add(k + "|" + (500 - distinctKeys[w] + k) + "|"); // each key's last image
                }
                assertThat(rows("SELECT id, v FROM replica.hot")).isEqualTo(expected);
            }
        } finally {
            applier.close();
        }
    }

    /**
     * Finding 4's fix casts delete keys with the column's modifier, but never where an explicit cast cuts or pads a
     * value the upsert's assignment rejects: a key too long for varchar(3)/char(3)/bit(3) must not delete another
     * key's row (an explicit cast to varchar(3) reads 'toolong' as 'too'), while trailing spaces the assignment cuts
     * ('ab   ' into varchar(3) is stored as 'ab ') still find their row, as on the generic path (checked with its
     * SQL on a twin table).
     */
    @Test
    void aDeleteKeyTheTargetsModifierWouldCutNeverDeletesAnotherKeysRow() throws Exception {
        exec("CREATE TABLE replica.vc (id varchar(3) PRIMARY KEY, v text)",
                "CREATE TABLE replica.ch (id char(3) PRIMARY KEY, v text)",
                "CREATE TABLE replica.bt (id bit(3) PRIMARY KEY, v text)",
                "CREATE TABLE replica.vc_generic (id varchar(3) PRIMARY KEY, v text)",
                "INSERT INTO replica.vc_generic VALUES ('ab ', 'x')",
                "DELETE FROM replica.vc_generic WHERE (id) IN (SELECT id FROM json_populate_record("
                        + "NULL::replica.vc_generic, '{\"id\":\"ab   \"}'::json))");
        assertThat(rows("SELECT id FROM replica.vc_generic")).as("generic path deletes it").isEmpty();
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        try {
            applier.apply(List.of(upsert("vc", 0, "{\"id\":\"too\",\"v\":\"a\"}"),
                    upsert("vc", 1, "{\"id\":\"ab   \",\"v\":\"b\"}"),
                    upsert("ch", 2, "{\"id\":\"abc\",\"v\":\"c\"}"),
                    upsert("bt", 3, "{\"id\":\"101\",\"v\":\"d\"}")));
            assertThat(rows("SELECT id, v FROM replica.vc")).containsExactly("ab |b|", "too|a|");
            applier.apply(List.of(delete("vc", 4, "{\"id\":\"toolong\"}", null),
                    delete("ch", 5, "{\"id\":\"abcd\"}", null),
                    delete("bt", 6, "{\"id\":\"1011\"}", null),
                    delete("bt", 7, "{\"id\":\"10\"}", null)));
            assertThat(rows("SELECT id, v FROM replica.vc")).as("not cut to 'too'").containsExactly("ab |b|", "too|a|");
            assertThat(rows("SELECT id, v FROM replica.ch")).as("not cut to 'abc'").containsExactly("abc|c|");
            assertThat(rows("SELECT id, v FROM replica.bt")).as("not cut or padded to 101/100")
                    .containsExactly("101|d|");
            applier.apply(List.of(delete("vc", 8, "{\"id\":\"ab   \"}", null),
                    delete("ch", 9, "{\"id\":\"abc  \"}", null)));
            assertThat(rows("SELECT id, v FROM replica.vc")).containsExactly("too|a|");
            assertThat(rows("SELECT id, v FROM replica.ch")).isEmpty();
        } finally {
            applier.close();
        }
    }

    /** Held: column names that need quoting (case, space, quote, comma, non-ASCII): typed = generic path. */
    @Test
    void quotedColumnNamesGiveTheGenericPathsRows() throws Exception {
        String cols = "\"Id\" int PRIMARY KEY, \"Mixed Case\" text, \"quo\"\"te\" text, \"a,b\" int, \"ümläut\" text,"
                + " \"{x}\" text";
        exec("CREATE TABLE replica.\"Weird\" (" + cols + ")", "CREATE TABLE replica.\"Weird_json\" (" + cols + ", arr int[])");
        String img = "{\"Id\":1,\"Mixed Case\":\"m\",\"quo\\\"te\":\"q\",\"a,b\":2,\"ümläut\":\"ü\",\"{x}\":\"{}\"";
        String img2 = "{\"{x}\":\"}\",\"Id\":2,\"quo\\\"te\":null,\"a,b\":3,\"Mixed Case\":\"\",\"ümläut\":\"x\"";
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        try {
            applier.apply(List.of(upsert("Weird_json", 0, img + ",\"arr\":[1]}"), upsert("Weird_json", 1, img2 + ",\"arr\":[1]}")));
            applier.apply(List.of(upsert("Weird", 2, img + "}"), upsert("Weird", 3, img2 + "}")));
        } finally {
            applier.close();
        }
        String select = "SELECT \"Id\", \"Mixed Case\", \"quo\"\"te\", \"a,b\", \"ümläut\", \"{x}\" FROM replica.";
        assertThat(rows(select + "\"Weird\"")).isEqualTo(rows(select + "\"Weird_json\"")).hasSize(2);
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
        return upsert(table, offset, after, null);
    }

    private static ChangeEvent upsert(String table, long offset, String after, Map<String, String> types) {
        ChangeEvent.Builder b = ChangeEvent.builder(CdcRecord.of("src.public." + table, 0, offset, 1L, null,
                        "{}".getBytes(StandardCharsets.UTF_8)), ChangeEvent.Kind.CHANGE)
                .operation(Operation.UPDATE).sourceName("src").schema("public").table(table).afterJson(after);
        if (types != null) {
            b.rowFieldTypes(types);
        }
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
