package io.migmon.cdc.jdbc;

import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.Operation;
import io.migmon.cdc.spi.RetriableApplyException;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The JDBC applier against a real PostgreSQL: composite keys, truncate, key-only deletes, idempotence, errors. */
class JdbcChangeApplierIT {

    private static EmbeddedPostgresFixture pg;
    private static DataSource ds;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgresFixture.builder("cdc-jdbc-it").start();
        ds = pg.dataSource();
        exec("CREATE SCHEMA replica",
                "CREATE TABLE replica.lines (order_id int, line_no int, sku text NOT NULL, qty int, price numeric(10,2), "
                        + "tags jsonb, PRIMARY KEY (order_id, line_no))",
                "CREATE TABLE replica.\"Mixed Case\" (\"Id\" int PRIMARY KEY, \"Value\" text)");
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    private static ChangeEvent event(Operation op, String table, String before, String after, String key) {
        return ChangeEvent.builder(CdcRecord.of("src.public." + table, 0, 0, 1L,
                        key == null ? null : key.getBytes(StandardCharsets.UTF_8), new byte[0]), ChangeEvent.Kind.CHANGE)
                .operation(op).sourceName("src").schema("public").table(table).beforeJson(before).afterJson(after).build();
    }

    @Test
    void compositeKeysUpsertsDeletesAndReplayConverge() throws Exception {
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        List<ChangeEvent> stream = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            stream.add(event(Operation.CREATE, "lines", null,
                    "{\"order_id\":" + (i % 4) + ",\"line_no\":" + i + ",\"sku\":\"s" + i + "\",\"qty\":1,\"price\":\"9.99\",\"tags\":{\"a\":[1,2]}}", null));
        }
        stream.add(event(Operation.UPDATE, "lines", null,
                "{\"order_id\":1,\"line_no\":1,\"sku\":\"s1\",\"qty\":7,\"price\":\"1.50\",\"tags\":null}", null));
        // default replica identity: the delete's before image carries only the key
        stream.add(event(Operation.DELETE, "lines", "{\"order_id\":2,\"line_no\":2,\"sku\":null,\"qty\":null}", null, null));
        // no before image at all: the record key is used (with the schema/payload wrapper)
        stream.add(event(Operation.DELETE, "lines", null, null,
                "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"order_id\":3,\"line_no\":3}}"));
        applier.apply(stream);
        List<String> once = rows("replica.lines");
        assertThat(once).hasSize(18).contains("1|1|s1|7|1.50|null|").doesNotContain("2|2|s2|1|9.99|{\"a\": [1, 2]}|");

        // at-least-once: replaying the stream, or any suffix of it, changes nothing
        applier.apply(stream);
        applier.apply(stream.subList(10, stream.size()));
        assertThat(rows("replica.lines")).isEqualTo(once);

        applier.apply(List.of(event(Operation.TRUNCATE, "lines", null, null, null)));
        assertThat(rows("replica.lines")).isEmpty();
        applier.close();
    }

    @Test
    void quotedIdentifiersAndExplicitMapping() throws Exception {
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).tableMapping(e -> "replica.Mixed Case").build();
        applier.apply(List.of(event(Operation.READ, "mixed", null, "{\"Id\":1,\"Value\":\"x\"}", null),
                event(Operation.CREATE, "mixed", null, "{\"Id\":2,\"Value\":\"y\"}", null)));
        assertThat(rows("replica.\"Mixed Case\"")).containsExactly("1|x|", "2|y|");
        assertThat(applier.targetTable(event(Operation.READ, "mixed", null, "{}", null))).isEqualTo("replica.Mixed Case");
        applier.close();
    }

    @Test
    void aRejectedBatchIsRolledBackAndTheErrorCarriesNoRowData() throws Exception {
        exec("CREATE TABLE replica.items (id int PRIMARY KEY, n int)");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        assertThatThrownBy(() -> applier.apply(List.of(
                event(Operation.CREATE, "items", null, "{\"id\":1,\"n\":1}", null),
                event(Operation.CREATE, "items", null, "{\"id\":2,\"n\":\"secret-looking-value\"}", null))))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("replica.items").hasMessageContaining("22P02")
                .hasMessageNotContaining("secret-looking-value");
        assertThat(rows("replica.items")).isEmpty(); // all or nothing

        assertThatThrownBy(() -> JdbcChangeApplier.builder(ds).targetSchema("replica").build()
                .apply(List.of(event(Operation.CREATE, "missing", null, "{\"id\":1}", null))))
                .hasMessageContaining("replica.missing");
        applier.close();
    }

    @Test
    void temporalNumbersAreReadBySemanticTypeOrInferredFromTheColumnUnderThePrecisionMode() throws Exception {
        exec("CREATE TABLE replica.times (id int PRIMARY KEY, d date, t time, t3 time(3), ts timestamp(6), "
                + "ts3 timestamp(3), tz timestamptz, n bigint)");
        String row = "{\"id\":ID,\"d\":19782,\"t\":45296789,\"t3\":45296789,\"ts\":1700000000123,"
                + "\"ts3\":1700000000123,\"tz\":\"2024-01-01T00:00:00Z\",\"n\":1700000000123}";
        // adaptive (default): time/timestamp(6) are microseconds, time(3)/timestamp(3) milliseconds
        JdbcChangeApplier adaptive = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        adaptive.apply(List.of(event(Operation.CREATE, "times", null, row.replace("ID", "1"), null)));
        // connect: everything in milliseconds
        JdbcChangeApplier connect = JdbcChangeApplier.builder(ds).targetSchema("replica").timePrecisionMode("CONNECT").build();
        connect.apply(List.of(event(Operation.CREATE, "times", null, row.replace("ID", "2"), null)));
        // adaptive_time_microseconds: time(3) in microseconds too
        JdbcChangeApplier micro = JdbcChangeApplier.builder(ds).targetSchema("replica")
                .timePrecisionMode(TimePrecisionMode.ADAPTIVE_TIME_MICROSECONDS).build();
        micro.apply(List.of(event(Operation.CREATE, "times", null, row.replace("ID", "3"), null)));
        // a schema's semantic types win over the column: ms into timestamp(6), µs into time(3); untyped n stays a number
        adaptive.apply(List.of(ChangeEvent.builder(CdcRecord.of("src.public.times", 0, 1, 1L, null, new byte[0]),
                        ChangeEvent.Kind.CHANGE).operation(Operation.CREATE).schema("public").table("times")
                .afterJson(row.replace("ID", "4"))
                .rowFieldTypes(Map.of("d", "io.debezium.time.Date", "t", "io.debezium.time.Time",
                        "t3", "io.debezium.time.MicroTime", "ts", "org.apache.kafka.connect.data.Timestamp",
                        "ts3", "io.debezium.time.Timestamp", "tz", "io.debezium.time.ZonedTimestamp"))
                .build()));
        assertThat(rows("replica.times")).containsExactly(
                "1|2024-02-29|00:00:45.296789|12:34:56.789|1970-01-20 16:13:20.000123|2023-11-14 22:13:20.123|" + tz("2024-01-01T00:00:00Z") + "|1700000000123|",
                "2|2024-02-29|12:34:56.789|12:34:56.789|2023-11-14 22:13:20.123|2023-11-14 22:13:20.123|" + tz("2024-01-01T00:00:00Z") + "|1700000000123|",
                "3|2024-02-29|00:00:45.296789|00:00:45.297|1970-01-20 16:13:20.000123|2023-11-14 22:13:20.123|" + tz("2024-01-01T00:00:00Z") + "|1700000000123|",
                "4|2024-02-29|12:34:56.789|00:00:45.297|2023-11-14 22:13:20.123|2023-11-14 22:13:20.123|" + tz("2024-01-01T00:00:00Z") + "|1700000000123|");

        // a domain over timestamp(3) is read like its base type; a user type named "date" elsewhere is not a date
        exec("CREATE DOMAIN replica.happened_at AS timestamp(3)", "CREATE TYPE replica.date AS (y int)",
                "CREATE TABLE replica.events (id int PRIMARY KEY, at replica.happened_at, other replica.date)");
        adaptive.apply(List.of(event(Operation.CREATE, "events", null,
                "{\"id\":1,\"at\":1700000000123,\"other\":{\"y\":7}}", null)));
        assertThat(rows("replica.events")).containsExactly("1|2023-11-14 22:13:20.123|(7)|");

        // a key-only delete by a temporal key column is converted as well; an out-of-range value names the column only
        exec("CREATE TABLE replica.by_day (day date PRIMARY KEY, n int)");
        adaptive.apply(List.of(event(Operation.CREATE, "by_day", null, "{\"day\":0,\"n\":1}", null),
                event(Operation.CREATE, "by_day", null, "{\"day\":1,\"n\":2}", null),
                event(Operation.DELETE, "by_day", "{\"day\":0}", null, null)));
        assertThat(rows("replica.by_day")).containsExactly("1970-01-02|2|");
        assertThatThrownBy(() -> adaptive.apply(List.of(event(Operation.CREATE, "by_day", null, "{\"day\":5,\"n\":3}", null),
                event(Operation.CREATE, "by_day", null, "{\"day\":9223372036854775807,\"n\":4}", null))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("\"replica\".\"by_day\"").hasMessageContaining("field day")
                .hasMessageNotContaining("9223372036854775807");
        assertThat(rows("replica.by_day")).containsExactly("1970-01-02|2|"); // rolled back
        adaptive.close();
        connect.close();
        micro.close();
    }

    @Test
    void anUnknownPrecisionModeFailsAtBuildTimeNamingTheOption() {
        assertThatThrownBy(() -> JdbcChangeApplier.builder(ds).timePrecisionMode("microseconds"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("timePrecisionMode").hasMessageContaining("adaptive_time_microseconds")
                .hasMessageContaining("'microseconds'");
        assertThatThrownBy(() -> JdbcChangeApplier.builder(ds).timePrecisionMode((TimePrecisionMode) null).build())
                .hasMessageContaining("timePrecisionMode");
        assertThat(TimePrecisionMode.fromConfigValue(" Adaptive ")).isEqualTo(TimePrecisionMode.ADAPTIVE);
    }

    private static String tz(String iso) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT '" + iso + "'::timestamptz")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static ChangeEvent at(long offset, String table, String after) {
        return ChangeEvent.builder(CdcRecord.of("src.public." + table, 0, offset, 1L, null, new byte[0]),
                        ChangeEvent.Kind.CHANGE)
                .operation(Operation.CREATE).sourceName("src").schema("public").table(table).afterJson(after).build();
    }

    /**
     * Finding 17 at the applier: a child whose parent has not arrived (another partition) is retriable for
     * {@code foreignKeyRetry}, applied once the parent is there; an orphan past the bound fails with 23503 and a
     * message that says so, and the isolated events of that blocked batch are judged by the same wait (not waited
     * for again); a later batch of the partition starts a wait of its own.
     */
    @Test
    void aForeignKeyViolationIsRetriableForTheBoundThenRejectedWithAReasonThatSaysSo() throws Exception {
        exec("CREATE TABLE replica.fk_parent (id int PRIMARY KEY)",
                "CREATE TABLE replica.fk_child (id int PRIMARY KEY, parent_id int NOT NULL REFERENCES replica.fk_parent (id))");
        java.time.Duration bound = java.time.Duration.ofSeconds(1);
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").foreignKeyRetry(bound).build();
        // ordering: the child first, retriable (the first violation starts the wait), applied once its parent is in
        assertThatThrownBy(() -> applier.apply(List.of(at(10, "fk_child", "{\"id\":1,\"parent_id\":1}"))))
                .isInstanceOf(RetriableApplyException.class)
                .hasMessageContaining("replica.fk_child").hasMessageContaining("23503")
                .hasMessageContaining("foreignKeyRetry PT1S");
        applier.apply(List.of(at(0, "fk_parent", "{\"id\":1}")));
        applier.apply(List.of(at(10, "fk_child", "{\"id\":1,\"parent_id\":1}")));
        assertThat(rows("replica.fk_child")).containsExactly("1|1|");

        // an orphan (offset 12) in a batch: retriable until the bound, then a plain SQLException naming the bound
        List<ChangeEvent> batch = List.of(at(11, "fk_child", "{\"id\":2,\"parent_id\":1}"),
                at(12, "fk_child", "{\"id\":3,\"parent_id\":99}"), at(13, "fk_child", "{\"id\":4,\"parent_id\":1}"));
        assertThatThrownBy(() -> applier.apply(batch)).isInstanceOf(RetriableApplyException.class);
        Thread.sleep(bound.toMillis() + 200);
        assertThatThrownBy(() -> applier.apply(batch)).isInstanceOf(SQLException.class)
                .isNotInstanceOf(RetriableApplyException.class)
                .hasMessageContaining("23503").hasMessageContaining("did not reach the target within foreignKeyRetry PT1S")
                .hasMessageNotContaining("99");
        // the processor isolates: one by one, the orphan is rejected at once (the same wait), the others applied
        applier.apply(List.of(batch.get(0)));
        assertThatThrownBy(() -> applier.apply(List.of(batch.get(1)))).isInstanceOf(SQLException.class)
                .isNotInstanceOf(RetriableApplyException.class);
        applier.apply(List.of(batch.get(2)));
        assertThat(rows("replica.fk_child")).containsExactly("1|1|", "2|1|", "4|1|");
        // the partition's next batch waits afresh
        assertThatThrownBy(() -> applier.apply(List.of(at(14, "fk_child", "{\"id\":5,\"parent_id\":98}"))))
                .isInstanceOf(RetriableApplyException.class);

        // ZERO: no wait, the old behaviour
        JdbcChangeApplier noWait = JdbcChangeApplier.builder(ds).targetSchema("replica")
                .foreignKeyRetry(java.time.Duration.ZERO).build();
        assertThatThrownBy(() -> noWait.apply(List.of(at(20, "fk_child", "{\"id\":6,\"parent_id\":97}"))))
                .isInstanceOf(SQLException.class).isNotInstanceOf(RetriableApplyException.class)
                .hasMessageContaining("23503");
        assertThatThrownBy(() -> JdbcChangeApplier.builder(ds).foreignKeyRetry(java.time.Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("foreignKeyRetry");
        applier.close();
        noWait.close();
    }

    @Test
    void aLostConnectionIsRetriable() throws Exception {
        exec("CREATE TABLE replica.conn (id int PRIMARY KEY)");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        applier.apply(List.of(event(Operation.CREATE, "conn", null, "{\"id\":1}", null)));
        // kill the applier's backend connection from outside
        exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = 'postgres'"
                + " AND backend_type = 'client backend'");
        assertThatThrownBy(() -> applier.apply(List.of(event(Operation.CREATE, "conn", null, "{\"id\":2}", null))))
                .isInstanceOf(RetriableApplyException.class);
        // reconnects on the next call
        applier.apply(List.of(event(Operation.CREATE, "conn", null, "{\"id\":2}", null)));
        assertThat(rows("replica.conn")).containsExactly("1|", "2|");
        applier.close();
    }

    @Test
    void aColumnTheTargetLacksIsNeverDroppedSilently() throws Exception {
        exec("CREATE TABLE replica.evo_off (id int PRIMARY KEY, name text)");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        applier.apply(List.of(event(Operation.CREATE, "evo_off", null, "{\"id\":1,\"name\":\"a\"}", null)));
        // the source added a column: schema evolution off -> a clear schema mismatch, nothing applied
        assertThatThrownBy(() -> applier.apply(List.of(
                event(Operation.UPDATE, "evo_off", null, "{\"id\":1,\"name\":\"b\",\"email\":\"x@y\"}", null))))
                .isInstanceOf(io.migmon.cdc.spi.SchemaMismatchException.class)
                .hasMessageContaining("replica.evo_off").hasMessageContaining("[email]").hasMessageNotContaining("x@y");
        assertThat(rows("replica.evo_off")).containsExactly("1|a|");
        // someone adds the column on the target: the applier refreshes its metadata and applies the field
        exec("ALTER TABLE replica.evo_off ADD COLUMN email text");
        applier.apply(List.of(event(Operation.UPDATE, "evo_off", null, "{\"id\":1,\"name\":\"b\",\"email\":\"x@y\"}", null)));
        assertThat(rows("replica.evo_off")).containsExactly("1|b|x@y|");
        // a table the target lacks
        assertThatThrownBy(() -> applier.apply(List.of(event(Operation.CREATE, "evo_new_off", null, "{\"id\":1}", "{\"id\":1}"))))
                .isInstanceOf(io.migmon.cdc.spi.SchemaMismatchException.class).hasMessageContaining("does not exist");
        applier.close();
    }

    @Test
    void withSchemaEvolutionColumnsAndTablesAreAddedAndDroppedSourceColumnsBecomeNull() throws Exception {
        exec("CREATE TABLE replica.evo_on (id int PRIMARY KEY, name text, qty int)");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").schemaEvolution(true).build();
        applier.apply(List.of(event(Operation.CREATE, "evo_on", null, "{\"id\":1,\"name\":\"a\",\"qty\":1}", null)));
        // ADD COLUMN at the source without a schema: an integer is not guessed (it may be Debezium's epoch days of a
        // date): schema_mismatch naming the column, nothing of the batch applied, no column added
        assertThatThrownBy(() -> applier.apply(List.of(
                event(Operation.CREATE, "evo_on", null, "{\"id\":2,\"name\":\"b\",\"qty\":2}", null),
                event(Operation.CREATE, "evo_on", null, "{\"id\":3,\"name\":\"c\",\"qty\":3,\"score\":7}", null))))
                .isInstanceOf(io.migmon.cdc.spi.SchemaMismatchException.class).hasMessageContaining("score")
                .hasMessageContaining("without a schema");
        assertThat(rows("replica.evo_on")).containsExactly("1|a|1|");
        // ADD COLUMN at the source, mid-batch (the integer with a schema, no semantic type: bigint)
        applier.apply(List.of(
                event(Operation.CREATE, "evo_on", null, "{\"id\":2,\"name\":\"b\",\"qty\":2}", null),
                ChangeEvent.builder(CdcRecord.of("src.public.evo_on", 0, 0, 1L, null, new byte[0]), ChangeEvent.Kind.CHANGE)
                        .operation(Operation.CREATE).sourceName("src").schema("public").table("evo_on")
                        .afterJson("{\"id\":3,\"name\":\"c\",\"qty\":3,\"score\":7,\"ratio\":0.5,\"ok\":true,"
                                + "\"note\":\"n\"}").rowFieldTypes(Map.of()).build()));
        assertThat(rows("replica.evo_on")).containsExactly("1|a|1|null|null|null|null|", "2|b|2|null|null|null|null|", "3|c|3|7|0.5|t|n|");
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT string_agg(column_name || ':' || data_type, ',' ORDER BY ordinal_position)"
                     + " FROM information_schema.columns WHERE table_schema = 'replica' AND table_name = 'evo_on'")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("id:integer,name:text,qty:integer,score:bigint,ratio:double precision,"
                    + "ok:boolean,note:text");
        }
        // DROP COLUMN at the source: events without the field leave it NULL (the target keeps the column)
        applier.apply(List.of(event(Operation.UPDATE, "evo_on", null,
                "{\"id\":3,\"name\":\"c2\",\"score\":8,\"ratio\":0.5,\"ok\":true,\"note\":\"n\"}", null)));
        assertThat(rows("replica.evo_on")).contains("3|c2|null|8|0.5|t|n|");
        // a widened type at the source whose values no longer fit: an error with the SQLState, never a silent loss
        assertThatThrownBy(() -> applier.apply(List.of(event(Operation.UPDATE, "evo_on", null,
                "{\"id\":1,\"name\":\"a\",\"qty\":9999999999}", null))))
                .isInstanceOf(SQLException.class).hasMessageContaining("SQLState 22003").hasMessageNotContaining("9999999999");
        // a new table in the topic pattern: created from the row image, key from the record key
        applier.apply(List.of(event(Operation.CREATE, "evo_created", null, "{\"k\":5,\"v\":\"x\"}", "{\"k\":5}")));
        assertThat(rows("replica.evo_created")).containsExactly("5|x|");
        applier.apply(List.of(event(Operation.DELETE, "evo_created", "{\"k\":5,\"v\":\"x\"}", null, "{\"k\":5}")));
        assertThat(rows("replica.evo_created")).isEmpty();

        // a null for a new column in a record without a schema: its type is unknown, so the column waits for a
        // value (nothing is lost: the row's value is NULL either way); a string then adds it as text
        exec("CREATE TABLE replica.evo_null (id int PRIMARY KEY)");
        applier.apply(List.of(event(Operation.CREATE, "evo_null", null, "{\"id\":1,\"later\":null}", null)));
        assertThat(rows("replica.evo_null")).containsExactly("1|");
        applier.apply(List.of(event(Operation.CREATE, "evo_null", null, "{\"id\":2,\"later\":\"x\"}", null)));
        assertThat(rows("replica.evo_null")).containsExactly("1|null|", "2|x|");
        applier.close();
    }

    @Test
    void typedMultiRowBindsGiveWhatJsonPopulateRecordGives() throws Exception {
        // ground truth: PostgreSQL's own json_populate_record of each key's last image (the applier's former and
        // fallback path), into a twin table
        String columns = "(id int PRIMARY KEY, big bigint, num numeric(10,2), short varchar(5), txt text, ok boolean,"
                + " doc jsonb, raw json, ids int[], uid uuid, dbl double precision, ts timestamp(3), d date)";
        exec("CREATE TABLE replica.typed " + columns, "CREATE TABLE replica.typed_truth " + columns);
        String[] images = {
            "{\"id\":1,\"big\":9007199254740993,\"num\":\"12.345\",\"short\":\"abc\",\"txt\":\"a \\\"q\\\" \\\\ \\u00e9 {x,y}\","
                    + "\"ok\":true,\"doc\":{\"a\":[1,2,{\"b\":null}],\"s\":\"x\\\"y\"},\"raw\":\"\\\"just a string\\\"\",\"uid\":"
                    + "\"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\",\"dbl\":1.5e-7,\"ts\":1700000000123,\"d\":19782}",
            "{\"id\":2,\"big\":null,\"num\":7,\"short\":\"NULL\",\"txt\":\"\",\"ok\":false,\"doc\":\"{\\\"as\\\":\\\"text\\\"}\","
                    + "\"raw\":[1,\"two\"],\"dbl\":-0.0,\"d\":-1}",
            "{\"id\":1,\"big\":1,\"num\":\"1.005\",\"short\":\"z\",\"txt\":\"updated in the same batch\",\"ok\":null,"
                    + "\"doc\":[],\"raw\":{},\"ts\":-1,\"d\":0}",
            "{\"id\":3,\"txt\":\"fields missing: NULL\",\"doc\":12.50,\"raw\":true}"
        };
        // a string in a json/jsonb column holds the document's text (Debezium's io.debezium.data.Json): the truth's
        // images carry those documents as JSON values
        String[] truthImages = images.clone();
        truthImages[0] = truthImages[0].replace("\"raw\":\"\\\"just a string\\\"\"", "\"raw\":\"just a string\"");
        truthImages[1] = truthImages[1].replace("\"doc\":\"{\\\"as\\\":\\\"text\\\"}\"", "\"doc\":{\"as\":\"text\"}");
        assertThat(truthImages[0]).isNotEqualTo(images[0]);
        assertThat(truthImages[1]).isNotEqualTo(images[1]);
        List<ChangeEvent> batch = new ArrayList<>();
        for (String image : images) {
            batch.add(event(Operation.CREATE, "typed", null, image, null));
        }
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        applier.apply(batch);
        // the truth: each image (epoch numbers made ISO as before) through json_populate_record, one upsert at a time
        try (Connection c = ds.getConnection(); java.sql.PreparedStatement ps = c.prepareStatement(
                "INSERT INTO replica.typed_truth SELECT * FROM json_populate_record(NULL::replica.typed_truth, ?::json)"
                        + " ON CONFLICT (id) DO UPDATE SET (big, num, short, txt, ok, doc, raw, ids, uid, dbl, ts, d) ="
                        + " (EXCLUDED.big, EXCLUDED.num, EXCLUDED.short, EXCLUDED.txt, EXCLUDED.ok, EXCLUDED.doc,"
                        + " EXCLUDED.raw, EXCLUDED.ids, EXCLUDED.uid, EXCLUDED.dbl, EXCLUDED.ts, EXCLUDED.d)")) {
            for (String image : truthImages) {
                ps.setString(1, TemporalValues.rewrite(image, f -> "ts".equals(f) ? TemporalValues.Unit.EPOCH_MILLIS
                        : "d".equals(f) ? TemporalValues.Unit.EPOCH_DAYS : null));
                ps.executeUpdate();
            }
        }
        assertThat(rows("replica.typed")).isEqualTo(rows("replica.typed_truth")).hasSize(3);
        assertThat(rows("replica.typed")).first().asString().startsWith("1|1|1.01|z|updated in the same batch|null|[]|{}|");

        // an int[] column sent as a JSON array takes the JSON path, in the same transaction as typed chunks
        applier.apply(List.of(event(Operation.UPDATE, "typed", null, "{\"id\":2,\"ids\":[3,4]}", null),
                event(Operation.DELETE, "typed", "{\"id\":3}", null, null)));
        assertThat(rows("replica.typed")).hasSize(2).element(1).asString().startsWith("2|null|null|null|null|null|null|null|{3,4}|");

        // a value too long for varchar(5): rejected (as json_populate_record's input does), nothing applied, no row data
        assertThatThrownBy(() -> applier.apply(List.of(event(Operation.CREATE, "typed", null, "{\"id\":9}", null),
                event(Operation.CREATE, "typed", null, "{\"id\":10,\"short\":\"too-long-secret\"}", null))))
                .isInstanceOf(SQLException.class).hasMessageContaining("replica.typed").hasMessageContaining("22001")
                .hasMessageNotContaining("too-long-secret");
        assertThat(rows("replica.typed")).hasSize(2);
        applier.close();
    }

    @Test
    void eachSchemaVersionInOneBatchIsConvertedByItsOwnTypesWhateverTheFieldOrder() throws Exception {
        // the row plan is cached per schema version (the identity of the events' semantic-type map): a batch that
        // alternates versions, reorders fields or drops one must convert every row by its own types
        exec("CREATE TABLE replica.versions (id int PRIMARY KEY, ts timestamp(6), d date, note text)");
        Map<String, String> v1 = Map.of("ts", "io.debezium.time.MicroTimestamp", "d", "io.debezium.time.Date");
        Map<String, String> v2 = Map.of("ts", "io.debezium.time.Timestamp"); // d became a plain int column upstream
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        List<ChangeEvent> batch = new ArrayList<>();
        batch.add(typed(1, "{\"id\":1,\"ts\":1700000000123456,\"d\":19782,\"note\":\"a\"}", v1));
        batch.add(typed(2, "{\"id\":2,\"ts\":1700000000123,\"d\":\"2024-03-01\",\"note\":\"b\"}", v2));
        batch.add(typed(3, "{\"note\":\"c\",\"d\":19783,\"id\":3,\"ts\":1700000000123456}", v1));
        batch.add(typed(4, "{\"id\":4,\"ts\":1700000000123456,\"d\":19784,\"note\":\"d\"}", v1));
        batch.add(typed(5, "{\"id\":5,\"ts\":1700000000123}", v2));
        batch.add(typed(6, "{\"id\":6,\"ts\":1700000000123456,\"d\":19785,\"note\":null}", v1));
        batch.add(typed(7, "{\"id\":7,\"ts\":1700000000123456,\"d\":19786,\"note\":\"e\"}", v1)); // 6's plan
        batch.add(typed(8, "{\"id\":8,\"ts\":1700000000123,\"d\":\"2024-03-05\",\"note\":\"f\"}", v2));
        applier.apply(batch);
        assertThat(rows("replica.versions")).containsExactly(
                "1|2023-11-14 22:13:20.123456|2024-02-29|a|",
                "2|2023-11-14 22:13:20.123|2024-03-01|b|",
                "3|2023-11-14 22:13:20.123456|2024-03-01|c|",
                "4|2023-11-14 22:13:20.123456|2024-03-02|d|",
                "5|2023-11-14 22:13:20.123|null|null|",
                "6|2023-11-14 22:13:20.123456|2024-03-03|null|",
                "7|2023-11-14 22:13:20.123456|2024-03-04|e|",
                "8|2023-11-14 22:13:20.123|2024-03-05|f|");
        applier.close();
    }

    private static final String PLACEHOLDER = "__debezium_unavailable_value";

    @Test
    void unchangedToastedValuesAreNeverWrittenOnTheTypedAndTheJsonPath() throws Exception {
        exec("CREATE TABLE replica.toast (id int PRIMARY KEY, big text, b bytea, n int)",
                "CREATE TABLE replica.toast_arr (id int PRIMARY KEY, tags text[], big text, n int, ids int[])");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        String ph = PLACEHOLDER;
        String phBytes = java.util.Base64.getEncoder().encodeToString(ph.getBytes(StandardCharsets.UTF_8));
        applier.apply(List.of(
                event(Operation.CREATE, "toast", null, "{\"id\":1,\"big\":\"long\",\"b\":\"3q2+7w==\",\"n\":0}", null),
                event(Operation.CREATE, "toast_arr", null, "{\"id\":1,\"tags\":[\"x\",\"y\"],\"big\":\"long\",\"n\":0,\"ids\":[7,8]}",
                        null)));
        // updates that leave the TOASTed columns unchanged (Debezium sends its placeholder, as text, as the text's
        // bytes in base64 for bytea, as a one-element array for text arrays, as its bytes' numbers for int arrays),
        // next to a full image of another row
        StringBuilder phInts = new StringBuilder();
        for (byte x : ph.getBytes(StandardCharsets.UTF_8)) {
            phInts.append(phInts.length() == 0 ? "" : ",").append(x);
        }
        applier.apply(List.of(
                event(Operation.UPDATE, "toast", null, "{\"id\":1,\"big\":\"" + ph + "\",\"b\":\"" + phBytes
                        + "\",\"n\":1}", null),
                event(Operation.CREATE, "toast", null, "{\"id\":2,\"big\":\"two\",\"b\":null,\"n\":2}", null),
                event(Operation.UPDATE, "toast_arr", null, "{\"id\":1,\"tags\":[\"" + ph + "\"],\"big\":\"" + ph
                        + "\",\"n\":1,\"ids\":[" + phInts + "]}", null)));
        assertThat(rows("replica.toast")).containsExactly("1|long|\\xdeadbeef|1|", "2|two|null|2|");
        assertThat(rows("replica.toast_arr")).containsExactly("1|{x,y}|long|1|{7,8}|");

        // the same key twice in one batch: the placeholder image after a full one keeps the full one's value
        applier.apply(List.of(
                event(Operation.UPDATE, "toast", null, "{\"id\":2,\"big\":\"changed\",\"b\":null,\"n\":5}", null),
                event(Operation.UPDATE, "toast", null, "{\"id\":2,\"big\":\"" + ph + "\",\"b\":null,\"n\":6}", null)));
        assertThat(rows("replica.toast")).containsExactly("1|long|\\xdeadbeef|1|", "2|changed|null|6|");

        // a row the target lacks cannot be written without the value: the event fails naming the column (it is
        // dead-lettered by the processor), nothing of the batch is written, and neither placeholder nor NULL is
        assertThatThrownBy(() -> applier.apply(List.of(
                event(Operation.CREATE, "toast", null, "{\"id\":7,\"big\":\"seven\",\"b\":null,\"n\":7}", null),
                event(Operation.UPDATE, "toast", null, "{\"id\":3,\"big\":\"" + ph + "\",\"b\":null,\"n\":3}", null))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[big]")
                .hasMessageContaining("TOASTed").hasMessageContaining("replica");
        assertThat(rows("replica.toast")).hasSize(2);
        assertThat(rows("replica.toast_arr")).hasSize(1);
        applier.close();
    }

    /**
     * SQLState 57014 (statement_timeout, a cancel) on the same batch used to be retried forever (class 57 is
     * retriable). Now it is retriable for {@code queryCanceledRetry}, then a plain SQLException naming 57014 and the
     * bound; the processor's one-by-one isolation then applies the others and rejects (dead-letters) the event that
     * is canceled on every attempt. The target raises a real 57014 for the row with n = 99 (a trigger: deterministic,
     * unlike a timing-based statement_timeout on a loaded machine).
     */
    @Test
    void aStatementCanceledOnEveryAttemptIsRetriedForTheBoundThenRejected() throws Exception {
        exec("CREATE TABLE replica.canceled (id int PRIMARY KEY, n int)",
                "CREATE FUNCTION replica.cancel_99() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.n = 99 THEN"
                        + " RAISE EXCEPTION 'canceling statement due to statement timeout' USING ERRCODE = '57014';"
                        + " END IF; RETURN NEW; END $$",
                "CREATE TRIGGER cancel_99 BEFORE INSERT OR UPDATE ON replica.canceled FOR EACH ROW"
                        + " EXECUTE FUNCTION replica.cancel_99()");
        java.time.Duration bound = java.time.Duration.ofSeconds(1);
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").queryCanceledRetry(bound)
                .build();
        List<ChangeEvent> batch = List.of(at(20, "canceled", "{\"id\":1,\"n\":1}"),
                at(21, "canceled", "{\"id\":2,\"n\":99}"), at(22, "canceled", "{\"id\":3,\"n\":3}"));
        assertThatThrownBy(() -> applier.apply(batch)).isInstanceOf(RetriableApplyException.class)
                .hasMessageContaining("57014").hasMessageContaining("queryCanceledRetry PT1S");
        Thread.sleep(bound.toMillis() + 200);
        assertThatThrownBy(() -> applier.apply(batch)).isInstanceOf(SQLException.class)
                .isNotInstanceOf(RetriableApplyException.class)
                .hasMessageContaining("57014").hasMessageContaining("queryCanceledRetry PT1S");
        // the processor isolates: the canceled event is rejected at once (the same wait), the others applied
        applier.apply(List.of(batch.get(0)));
        assertThatThrownBy(() -> applier.apply(List.of(batch.get(1)))).isInstanceOf(SQLException.class)
                .isNotInstanceOf(RetriableApplyException.class);
        applier.apply(List.of(batch.get(2)));
        assertThat(rows("replica.canceled")).containsExactly("1|1|", "3|3|");
        // the partition's next batch waits afresh
        assertThatThrownBy(() -> applier.apply(List.of(at(23, "canceled", "{\"id\":4,\"n\":99}"))))
                .isInstanceOf(RetriableApplyException.class);
        assertThatThrownBy(() -> JdbcChangeApplier.builder(ds).queryCanceledRetry(java.time.Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("queryCanceledRetry");
        applier.close();
    }

    private static ChangeEvent txEvent(Operation op, String table, String before, String after, String txId,
                                       String lsn) {
        return ChangeEvent.builder(CdcRecord.of("src.public." + table, 0, 0, 1L, null, new byte[0]),
                        ChangeEvent.Kind.CHANGE).operation(op).sourceName("src").schema("public").table(table)
                .beforeJson(before).afterJson(after).txId(txId).lsn(lsn).build();
    }

    /**
     * Issue 11, finding 7: a primary-key UPDATE (Debezium: delete of the old key + create of the new key carrying the
     * placeholder for unchanged TOASTed values) keeps those values when both events are in one batch; split across
     * batches the create fails naming the column (dead-lettered; the delete is applied: documented limitation).
     */
    @Test
    void aKeyUpdateInOneBatchKeepsTheUnchangedToastedValuesOfTheOldRow() throws Exception {
        exec("CREATE TABLE replica.moved (id int PRIMARY KEY, big text, n int)");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        applier.apply(List.of(
                txEvent(Operation.CREATE, "moved", null, "{\"id\":1,\"big\":\"long one\",\"n\":0}", "1", "10"),
                txEvent(Operation.CREATE, "moved", null, "{\"id\":2,\"big\":\"long two\",\"n\":0}", "1", "11"),
                txEvent(Operation.CREATE, "moved", null, "{\"id\":3,\"big\":\"long three\",\"n\":0}", "1", "12")));
        applier.apply(List.of(
                txEvent(Operation.DELETE, "moved", "{\"id\":1,\"big\":null,\"n\":null}", null, "5", "50"),
                txEvent(Operation.CREATE, "moved", null, "{\"id\":10,\"big\":\"" + PLACEHOLDER + "\",\"n\":1}",
                        "5", "50"),
                // another transaction's delete in the same batch is not taken for it
                txEvent(Operation.DELETE, "moved", "{\"id\":3,\"big\":null,\"n\":null}", null, "6", "60"),
                txEvent(Operation.CREATE, "moved", null, "{\"id\":30,\"big\":\"" + PLACEHOLDER + "\",\"n\":1}",
                        "6", "60")));
        assertThat(rows("replica.moved")).containsExactly("2|long two|0|", "10|long one|1|", "30|long three|1|");
        applier.apply(List.of(
                txEvent(Operation.DELETE, "moved", "{\"id\":2,\"big\":null,\"n\":null}", null, "7", "70")));
        assertThatThrownBy(() -> applier.apply(List.of(txEvent(Operation.CREATE, "moved", null,
                "{\"id\":20,\"big\":\"" + PLACEHOLDER + "\",\"n\":1}", "7", "70"))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[big]");
        assertThat(rows("replica.moved")).containsExactly("10|long one|1|", "30|long three|1|");
        applier.close();
    }

    /**
     * Issue 11, finding 10: Debezium sends {@code null} for an unchanged TOASTed numeric/temporal/float/boolean array
     * of an UPDATE without a before image (REPLICA IDENTITY DEFAULT): the target keeps its value; with a before image
     * (REPLICA IDENTITY FULL) a null is a null; a row the target lacks fails naming the column.
     */
    @Test
    void aNullArrayOfABeforeLessUpdateKeepsTheTargetsValue() throws Exception {
        exec("CREATE TABLE replica.narr (id int PRIMARY KEY, v numeric(8,2)[], t text[], n int)");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        applier.apply(List.of(
                event(Operation.CREATE, "narr", null, "{\"id\":1,\"v\":[\"1.50\",\"2.25\"],\"t\":[\"a\"],\"n\":0}", null),
                event(Operation.CREATE, "narr", null, "{\"id\":2,\"v\":[\"1.50\",\"2.25\"],\"t\":[\"a\"],\"n\":0}", null)));
        applier.apply(List.of(
                event(Operation.UPDATE, "narr", null, "{\"id\":1,\"v\":null,\"t\":null,\"n\":1}", null),
                event(Operation.UPDATE, "narr", "{\"id\":2,\"v\":[\"1.50\",\"2.25\"],\"t\":[\"a\"],\"n\":0}",
                        "{\"id\":2,\"v\":null,\"t\":null,\"n\":1}", null)));
        // text[] gets Debezium's placeholder when unchanged, so its null is a null
        assertThat(rows("replica.narr")).containsExactly("1|{1.50,2.25}|null|1|", "2|null|null|1|");
        assertThatThrownBy(() -> applier.apply(List.of(
                event(Operation.UPDATE, "narr", null, "{\"id\":3,\"v\":null,\"t\":null,\"n\":1}", null))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[v]");
        applier.close();
    }

    @Test
    void binaryAndNumericIntervalValuesAreTheSourcesValuesOnBothPaths() throws Exception {
        exec("CREATE TABLE replica.bin (id int PRIMARY KEY, b bytea, i interval, tags int[])");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        // typed path; then an int[] array (JSON path). Intervals in microseconds (interval.handling.mode=numeric)
        applier.apply(List.of(
                event(Operation.CREATE, "bin", null, "{\"id\":1,\"b\":\"3q2+7w==\",\"i\":3600000000}", null),
                event(Operation.CREATE, "bin", null, "{\"id\":2,\"b\":\"AP8Q\",\"i\":172980000000}", null)));
        applier.apply(List.of(
                event(Operation.CREATE, "bin", null, "{\"id\":3,\"b\":\"\",\"i\":-1500000,\"tags\":[1]}", null),
                event(Operation.CREATE, "bin", null, "{\"id\":4,\"b\":\"AP8Q\",\"i\":-172980000000,\"tags\":[]}",
                        null)));
        // truth: PostgreSQL's own literals of the source values
        List<String> truth = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT encode(b, 'hex'), i::text FROM (VALUES (1, '\\xdeadbeef'::bytea, '1 hour'::interval),"
                        + " (2, '\\x00ff10', '2 days 3 minutes'), (3, '\\x', '-1.5 seconds'),"
                        + " (4, '\\x00ff10', '-2 days -3 minutes')) v(id, b, i) ORDER BY id")) {
            while (rs.next()) {
                truth.add(rs.getString(1) + "|" + rs.getString(2) + "|");
            }
        }
        List<String> target = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT encode(b, 'hex'), i::text FROM replica.bin ORDER BY id")) {
            while (rs.next()) {
                target.add(rs.getString(1) + "|" + rs.getString(2) + "|");
            }
        }
        assertThat(target).isEqualTo(truth);

        // binary.handling.mode=hex
        JdbcChangeApplier hex = JdbcChangeApplier.builder(ds).targetSchema("replica").binaryHandlingMode("hex").build();
        hex.apply(List.of(event(Operation.UPDATE, "bin", null, "{\"id\":1,\"b\":\"cafe\"}", null)));
        assertThat(rows("replica.bin").get(0)).startsWith("1|\\xcafe|");
        // not decodable: fails naming the field and the mode, never the value
        assertThatThrownBy(() -> applier.apply(List.of(
                event(Operation.UPDATE, "bin", null, "{\"id\":1,\"b\":\"not base64 secret!\"}", null))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("field b")
                .hasMessageContaining("base64").hasMessageNotContaining("secret");
        // a delete reads and converts only the key (a full before image with a value it could not decode)
        applier.apply(List.of(event(Operation.DELETE, "bin", "{\"id\":4,\"b\":\"#not base64\",\"i\":1,\"tags\":[1]}",
                null, null)));
        assertThat(rows("replica.bin")).hasSize(3);
        assertThatThrownBy(() -> JdbcChangeApplier.builder(ds).binaryHandlingMode("base32"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("binaryHandlingMode");
        applier.close();
        hex.close();
    }

    @Test
    void identityKeysAndGeneratedColumnsOfTheTargetAreReplicated() throws Exception {
        exec("CREATE TABLE replica.ident (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text, qty int,"
                + " total int GENERATED ALWAYS AS (qty * 2) STORED, code int GENERATED ALWAYS AS IDENTITY, tags int[])");
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        // typed path; a sent generated column (PostgreSQL 18 can publish them) is ignored: PostgreSQL computes it
        applier.apply(List.of(
                event(Operation.CREATE, "ident", null, "{\"id\":5,\"v\":\"a\",\"qty\":2,\"code\":50}", null),
                event(Operation.CREATE, "ident", null, "{\"id\":6,\"v\":\"b\",\"qty\":1,\"code\":60}", null)));
        applier.apply(List.of(
                event(Operation.UPDATE, "ident", null, "{\"id\":5,\"v\":\"c\",\"qty\":3,\"total\":999,\"code\":50}",
                        null)));
        // JSON path (an array value)
        applier.apply(List.of(
                event(Operation.CREATE, "ident", null, "{\"id\":7,\"v\":\"d\",\"qty\":4,\"code\":70,\"tags\":[1]}",
                        null),
                event(Operation.UPDATE, "ident", null, "{\"id\":6,\"v\":\"e\",\"qty\":5,\"code\":60,\"tags\":[2]}",
                        null)));
        assertThat(rows("replica.ident")).containsExactly("5|c|3|6|50|null|", "6|e|5|10|60|{2}|", "7|d|4|8|70|{1}|");
        applier.close();
    }

    private static ChangeEvent typed(int offset, String after, Map<String, String> types) {
        return ChangeEvent.builder(CdcRecord.of("src.public.versions", 0, offset, 1L, null, new byte[0]),
                        ChangeEvent.Kind.CHANGE).operation(Operation.CREATE).schema("public").table("versions")
                .afterJson(after).rowFieldTypes(types).build();
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
             ResultSet rs = s.executeQuery("SELECT * FROM " + table + " ORDER BY 1" + (table.endsWith("lines") ? ", 2" : ""))) {
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
