package io.migmon.cdc;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.debezium.DebeziumEngineConsumer;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.core.metrics.MetricCatalog;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.migmon.cdc.CdcTestEnvironment.query;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Third attack on migmon-cdc (issue 11), aimed at the last fix round: the applier's value conversions
 * ({@code RowValues}) against real Debezium envelopes (embedded engine, real PostgreSQL source and target). Ground
 * truth: the source's rows vs the target's rows, read as text. Every finding still open is {@code @Disabled} with its
 * number so the build stays green; run one with
 * {@code -Djunit.jupiter.conditions.deactivate=org.junit.*DisabledCondition}.
 */
class CdcAttack3IT {

    interface Sql {
        void run() throws Exception;
    }

    static void replicate(String table, String columns, boolean schemas, String[] seed, String[] change)
            throws Exception {
        replicate(table, columns, columns, schemas, false, seed, change, "SELECT * FROM public." + table + " ORDER BY 1");
    }

    /**
     * Creates {@code table} in source ({@code sourceColumns}) and target ({@code targetColumns}), runs {@code seed}
     * before the engine starts (snapshot), {@code change} once the snapshot is applied, and asserts that
     * {@code query} reads the same on both sides, with no dead letters.
     */
    static void replicate(String table, String sourceColumns, String targetColumns, boolean schemas, boolean evolution,
                          String[] seed, String[] change, String query) throws Exception {
        replicate(table, sourceColumns, targetColumns, schemas, evolution, seed, change, query, new Properties());
    }

    /** As above, with {@code connector} properties set on the engine (e.g. {@code interval.handling.mode}). */
    static void replicate(String table, String sourceColumns, String targetColumns, boolean schemas, boolean evolution,
                          String[] seed, String[] change, String query, Properties connector) throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String q = "public." + table;
        CdcTestEnvironment.exec(env.source(), "CREATE TABLE " + q + " (" + sourceColumns + ")");
        CdcTestEnvironment.exec(env.target(), "CREATE TABLE " + q + " (" + targetColumns + ")");
        CdcTestEnvironment.exec(env.source(), seed);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).schemaEvolution(evolution).build()).build();
        Properties props = env.engineProperties(table, table, q);
        props.setProperty("converter.schemas.enable", Boolean.toString(schemas));
        props.putAll(connector);
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (DebeziumEngine<io.debezium.engine.ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                .using(props).notifying(new DebeziumEngineConsumer(processor)).build()) {
            executor.execute(engine);
            int snapshot = CdcTestEnvironment.rows(env.source(), q).size();
            Await.until(Duration.ofSeconds(40), "snapshot applied",
                    () -> CdcTestEnvironment.rows(env.target(), q).size() == snapshot || deadLetters(registry) > 0);
            if (change.length > 0) {
                CdcTestEnvironment.exec(env.source(), change);
            }
            List<String> source = query(env.source(), query);
            try {
                Await.until(Duration.ofSeconds(20), "target == source",
                        () -> safeQuery(env.target(), query).equals(source) || deadLetters(registry) > 0);
            } catch (AssertionError timeout) {
                // compared below
            }
            Thread.sleep(300);
            assertThat(safeQuery(env.target(), query)).as("target rows vs source rows").isEqualTo(source);
            assertThat(deadLetters(registry)).as("dead letters").isZero();
        } finally {
            executor.shutdown();
            executor.awaitTermination(30, TimeUnit.SECONDS);
            processor.close();
            env.dropSlot(table);
        }
    }

    static List<String> safeQuery(javax.sql.DataSource ds, String sql) {
        try {
            return query(ds, sql);
        } catch (Exception e) {
            return List.of("query failed: " + e.getMessage());
        }
    }

    static double deadLetters(SimpleMeterRegistry registry) {
        return registry.find(MetricCatalog.CDC_DEAD_LETTERS.name()).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** One column of {@code type} holding {@code literal}: snapshot row 1, streamed insert 2, streamed update of 1. */
    static void oneColumn(String table, String type, String literal, boolean schemas) throws Exception {
        String q = "public." + table;
        replicate(table, "id int PRIMARY KEY, v " + type + ", n int", schemas,
                new String[] {"INSERT INTO " + q + " VALUES (1, " + literal + ", 0)"},
                new String[] {"INSERT INTO " + q + " VALUES (2, " + literal + ", 0)",
                        "UPDATE " + q + " SET n = 1 WHERE id = 1"});
    }

    /** Schema evolution: the source adds a column of {@code type} while streaming; the target adds it itself. */
    static void evolve(String table, String type, String literal) throws Exception {
        String q = "public." + table;
        replicate(table, "id int PRIMARY KEY, n int", "id int PRIMARY KEY, n int", true, true,
                new String[] {"INSERT INTO " + q + " VALUES (1, 0)"},
                new String[] {"ALTER TABLE " + q + " ADD COLUMN v " + type,
                        "INSERT INTO " + q + " VALUES (2, 0, " + literal + ")",
                        "UPDATE " + q + " SET n = 1, v = " + literal + " WHERE id = 1"},
                "SELECT id, n, v::text FROM " + q + " ORDER BY 1");
    }

    @Test
    void finding1_byteaArrayIsStoredAsItsBase64Text() throws Exception {
        // source {"\\x0102","\\xff"}; target {"\\x4151493d","\\x2f773d3d"} ("AQI=", "/w==") in every row
        oneColumn("a3_f1", "bytea[]", "ARRAY['\\x0102'::bytea, '\\xff'::bytea]", true);
    }

    @Test
    void finding2_jsonbArrayElementsAreStoredAsJsonStrings() throws Exception {
        // source {"{\"a\": 1}"}; target {"\"{\\\"a\\\": 1}\""}: the element is the string "{\"a\": 1}", not an object
        oneColumn("a3_f2", "jsonb[]", "ARRAY['{\"a\":1}'::jsonb]", true);
    }

    @Test
    void finding3_temporalArraysDeadLetterEveryEvent() throws Exception {
        // Debezium sends [19782] (days) / ms / ms inside the arrays: not converted there; snapshot and streamed rows
        // all go to the dead letters, apply_failed SQLState 22007 (date[], time[]) or 22008 (timestamp[])
        replicate("a3_f3", "id int PRIMARY KEY, d date[], t time(3)[], ts timestamp(3)[], n int", true,
                new String[] {"INSERT INTO public.a3_f3 VALUES (1, ARRAY[date '2024-02-29'], ARRAY[time '10:00:00.5'],"
                        + " ARRAY[timestamp '2020-01-01 10:00:00.5'], 0)"},
                new String[] {"INSERT INTO public.a3_f3 SELECT 2, d, t, ts, 0 FROM public.a3_f3 WHERE id = 1",
                        "UPDATE public.a3_f3 SET n = 1 WHERE id = 1"});
    }

    /**
     * Findings 1-3 beyond the attack's one value: several elements with NULLs, other precisions (time(0), time(6) in
     * MicroTime units, timestamp(6)), json[] as well as jsonb[], an empty bytea element, nested documents, empty
     * arrays; with and without schemas (no schema: the unit from the target's element type and precision).
     */
    @Test
    void findings1to3_arraysWithNullsAndPrecisionsWithAndWithoutSchemas() throws Exception {
        for (boolean schemas : new boolean[] {true, false}) {
            String table = "a3_f123" + (schemas ? "" : "n");
            String q = "public." + table;
            replicate(table, "id int PRIMARY KEY, ba bytea[], jb jsonb[], js json[], d date[], t0 time(0)[],"
                            + " t6 time[], ts6 timestamp[], ts3 timestamp(3)[], n int",
                    "id int PRIMARY KEY, ba bytea[], jb jsonb[], js json[], d date[], t0 time(0)[],"
                            + " t6 time[], ts6 timestamp[], ts3 timestamp(3)[], n int", schemas, false,
                    new String[] {"INSERT INTO " + q + " VALUES (1, ARRAY['\\x'::bytea, NULL, '\\x00ff22'::bytea],"
                            + " ARRAY['{\"a\": [1, {\"b\": \"x\\\"y\"}]}'::jsonb, NULL, '[]'::jsonb, '\"s\"'::jsonb,"
                            + " '1.5'::jsonb],"
                            + " ARRAY['{\"a\":  1}'::json, NULL], ARRAY[date '2024-02-29', NULL, date '1969-12-31'],"
                            // time[] elements in milliseconds: Debezium 3.6.1 sends 12:34:56.789012 as 12:34:56.789
                            // (in MicroTime units), a connector limit (docs/cdc.md)
                            + " ARRAY[time '23:59:59', NULL], ARRAY[time '00:00:00.001', time '12:34:56.789'],"
                            + " ARRAY[timestamp '1960-01-01 00:00:00.000001', NULL, timestamp '2038-01-19 03:14:08.5'],"
                            + " ARRAY[timestamp '2020-01-01 10:00:00.123'], 0)",
                            "INSERT INTO " + q + " (id, n) VALUES (3, 0)"},
                    new String[] {"INSERT INTO " + q + " SELECT 2, ba, jb, js, d, t0, t6, ts6, ts3, 0 FROM " + q
                            + " WHERE id = 1", "UPDATE " + q + " SET n = 1 WHERE id = 1",
                            "UPDATE " + q + " SET d = ARRAY[]::date[], ba = ARRAY[]::bytea[] WHERE id = 3"},
                    "SELECT * FROM " + q + " ORDER BY 1");
        }
    }

    @Test
    void finding4_evolutionAddsByteaAsTextHoldingBase64() throws Exception {
        evolve("a3_f4", "bytea", "'\\x0102'::bytea");
    }

    @Test
    void finding5_evolutionAddsDateArrayAsJsonbOfEpochDays() throws Exception {
        evolve("a3_f5", "date[]", "ARRAY[date '2024-02-29']");
    }

    /** Finding 5 for other element types: the target's added column has the source's array type. */
    @Test
    void finding5_evolutionAddsArraysOfTheirElementType() throws Exception {
        evolve("a3_f5b", "bytea[]", "ARRAY['\\x0102'::bytea, NULL]");
        evolve("a3_f5t", "timestamp[]", "ARRAY[timestamp '2020-01-01 10:00:00.000001']");
        evolve("a3_f5i", "int[]", "ARRAY[1, NULL, -2]");
        evolve("a3_f5j", "jsonb[]", "ARRAY['{\"a\": 1}'::jsonb]");
        String q = "public.a3_f5types";
        replicate("a3_f5types", "id int PRIMARY KEY, n int", "id int PRIMARY KEY, n int", true, true,
                new String[] {"INSERT INTO " + q + " VALUES (1, 0)"},
                new String[] {"ALTER TABLE " + q + " ADD COLUMN b bytea, ADD COLUMN d date[], ADD COLUMN i int[],"
                        + " ADD COLUMN t text[], ADD COLUMN f float8[]",
                        "INSERT INTO " + q + " VALUES (2, 0, '\\x01', ARRAY[date '2024-02-29'], ARRAY[1], ARRAY['x'],"
                        + " ARRAY[1.5])"},
                "SELECT a.attname || ' ' || format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
                        + " WHERE a.attrelid = '" + q + "'::regclass AND a.attnum > 0 ORDER BY a.attnum");
    }

    @Test
    @Disabled("held up 2026-11-27 07:11 UTC: jsonb 'null' and \"s\", money, numeric(8,2)[], timestamptz[], uuid[]; run on demand")
    void heldUp_scalarsAndArraysThatRoundTrip() throws Exception {
        replicate("a3_h1", "id int PRIMARY KEY, jn jsonb, js jsonb, m money, na numeric(8,2)[], tza timestamptz[],"
                        + " ua uuid[], n int", true,
                new String[] {"INSERT INTO public.a3_h1 VALUES (1, 'null'::jsonb, '\"s\"'::jsonb, 12.34, ARRAY[1.50, 2.25],"
                        + " ARRAY[timestamptz '2020-01-01 10:00:00.5+00'], ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid],"
                        + " 0)"},
                new String[] {"INSERT INTO public.a3_h1 SELECT 2, jn, js, m, na, tza, ua, 0 FROM public.a3_h1 WHERE id = 1",
                        "UPDATE public.a3_h1 SET n = 1 WHERE id = 1"});
    }

    @Test
    @Disabled("held up 2026-11-27 07:14 UTC: evolution adds interval, numeric, jsonb, timestamptz, int+date first NULL; run on demand")
    void heldUp_evolutionOfOtherTypes() throws Exception {
        evolve("a3_h2i", "interval", "interval '1 day 2 hours'");
        evolve("a3_h2n", "numeric(8,2)", "1.50");
        evolve("a3_h2j", "jsonb", "'{\"a\": 1}'::jsonb");
        evolve("a3_h2t", "timestamptz", "timestamptz '2020-01-01 10:00:00.5+00'");
        String q = "public.a3_h2null";
        replicate("a3_h2null", "id int PRIMARY KEY, n int", "id int PRIMARY KEY, n int", true, true,
                new String[] {"INSERT INTO " + q + " VALUES (1, 0)"},
                new String[] {"ALTER TABLE " + q + " ADD COLUMN v int, ADD COLUMN d date",
                        "INSERT INTO " + q + " VALUES (2, 0, NULL, NULL)",
                        "INSERT INTO " + q + " VALUES (3, 0, 7, date '2024-02-29')"},
                "SELECT id, n, v::text, d::text FROM " + q + " ORDER BY 1");
    }

    /** 200 KB of incompressible text: stored out of line (TOAST), so an update that leaves it sends the placeholder. */
    static final String BIG = "(SELECT string_agg(md5(random()::text || g), '') FROM generate_series(1, 6400) g)";

    @Test
    @Disabled("finding 6, not fixable in the applier: interval.handling.mode=numeric sends one number of microseconds"
            + " (MicroDuration, days counted as 24 h), so '-1 day 2 hours' and '-22 hours' arrive as the same"
            + " -79200000000;"
            + " documented in docs/cdc.md, use interval.handling.mode=string (finding6_intervalStringMode...)")
    void finding6_intervalDaysAndHoursAreNotKeptApart() throws Exception {
        // Debezium sends microseconds only; the applier cuts them into 24 h days, so a source that keeps hours (or
        // mixed signs) gets another interval: equal under '=' but not as text, and ts + '1 day' differs from
        // ts + '24 hours' across a DST change. docs/cdc.md says "-1.5 seconds, 2 days 3 minutes arrive as the source
        // has them" and names only months as lossy.
        oneColumn("a3_f6", "interval", "interval '-1 day 2 hours'", true);
        oneColumn("a3_f6b", "interval", "interval '25 hours'", true);
    }

    /**
     * Finding 6 with {@code interval.handling.mode=string}: Debezium's ISO-8601 text keeps months, days and the time
     * apart (each with its own sign), so the target gets the source's interval exactly, as text too; with and
     * without schemas, snapshot and streamed, and added by schema evolution.
     */
    @Test
    void finding6_intervalStringModeKeepsDaysAndHoursApart() throws Exception {
        Properties string = new Properties();
        string.setProperty("interval.handling.mode", "string");
        String values = "interval '-1 day 2 hours', interval '25 hours',"
                + " interval '1 year -2 months 3 days -04:05:06.5',"
                + " interval '-1.5 seconds', interval '-1 year -2 mons', interval '0', interval '0.000001 seconds'";
        for (boolean schemas : new boolean[] {true, false}) {
            String table = "a3_f6s" + (schemas ? "" : "n");
            String q = "public." + table;
            replicate(table, "id int PRIMARY KEY, a interval, b interval, c interval, d interval, e interval,"
                            + " f interval, g interval, n int", "id int PRIMARY KEY, a interval, b interval,"
                            + " c interval, d interval, e interval, f interval, g interval, n int", schemas, false,
                    new String[] {"INSERT INTO " + q + " VALUES (1, " + values + ", 0)"},
                    new String[] {"INSERT INTO " + q + " VALUES (2, " + values + ", 0)",
                            "UPDATE " + q + " SET n = 1 WHERE id = 1"},
                    "SELECT * FROM " + q + " ORDER BY 1", string);
        }
        String q = "public.a3_f6se";
        replicate("a3_f6se", "id int PRIMARY KEY, n int", "id int PRIMARY KEY, n int", true, true,
                new String[] {"INSERT INTO " + q + " VALUES (1, 0)"},
                new String[] {"ALTER TABLE " + q + " ADD COLUMN v interval",
                        "INSERT INTO " + q + " VALUES (2, 0, interval '-1 day 2 hours')",
                        "UPDATE " + q + " SET n = 1, v = interval '25 hours' WHERE id = 1"},
                "SELECT id, n, v::text FROM " + q + " ORDER BY 1", string);
    }

    @Test
    void finding7_keyUpdateWithToastedValueLosesTheRow() throws Exception {
        // REPLICA IDENTITY DEFAULT; UPDATE t SET id = 10, n = 1 WHERE id = 1 (big untouched, 200 KB):
        // Debezium sends d(id=1) + c(id=10, big=placeholder). Target: row 1 deleted, row 10 dead-lettered apply_failed
        // "the row is not in the target and the event lacks the value of unchanged TOASTed column(s) [big]".
        // Expected ["10|1|<md5>|204800|"], actual [] : the row is gone from the target, and the dead letter cannot
        // restore it (it has no value for big).
        String q = "public.a3_f7";
        replicate("a3_f7", "id int PRIMARY KEY, big text, n int", "id int PRIMARY KEY, big text, n int", true, false,
                new String[] {"INSERT INTO " + q + " VALUES (1, " + BIG + ", 0)"},
                new String[] {"UPDATE " + q + " SET id = 10, n = 1 WHERE id = 1"},
                "SELECT id, n, md5(big), length(big) FROM " + q + " ORDER BY 1");
    }

    @Test
    @Disabled("held up 2026-11-27 07:17 UTC: delete + reinsert + update (placeholder) in one transaction and across transactions; run on demand")
    void heldUp_toastDeleteReinsertThenUpdate() throws Exception {
        String q = "public.a3_t1";
        replicate("a3_t1", "id int PRIMARY KEY, big text, n int", "id int PRIMARY KEY, big text, n int", true, false,
                new String[] {"INSERT INTO " + q + " VALUES (1, " + BIG + ", 0), (2, " + BIG + ", 0)"},
                new String[] {"BEGIN; DELETE FROM " + q + " WHERE id = 1; INSERT INTO " + q + " VALUES (1, " + BIG + ", 5);"
                        + " UPDATE " + q + " SET n = 6 WHERE id = 1; COMMIT",
                        "DELETE FROM " + q + " WHERE id = 2", "INSERT INTO " + q + " VALUES (2, " + BIG + ", 7)",
                        "UPDATE " + q + " SET n = 8 WHERE id = 2"},
                "SELECT id, n, md5(big), length(big) FROM " + q + " ORDER BY 1");
    }

    @Test
    @Disabled("held up 2026-11-27 07:17 UTC: unchanged TOASTed bytea (192 KB) and text[] (6,400 elements) kept on update; run on demand")
    void heldUp_toastByteaAndTextArrayLeftUnchanged() throws Exception {
        String q = "public.a3_t3";
        String bigBytes = "(SELECT string_agg(decode(md5(random()::text || g), 'hex'), ''::bytea) FROM generate_series(1, 12000) g)";
        String bigArr = "(SELECT array_agg(md5(random()::text || g)) FROM generate_series(1, 6400) g)";
        replicate("a3_t3", "id int PRIMARY KEY, b bytea, a text[], n int", "id int PRIMARY KEY, b bytea, a text[], n int",
                true, false,
                new String[] {"INSERT INTO " + q + " VALUES (1, " + bigBytes + ", " + bigArr + ", 0)"},
                new String[] {"UPDATE " + q + " SET n = 1 WHERE id = 1",
                        "INSERT INTO " + q + " VALUES (2, " + bigBytes + ", " + bigArr + ", 0)",
                        "UPDATE " + q + " SET n = 2 WHERE id = 2"},
                "SELECT id, n, md5(b), md5(a::text) FROM " + q + " ORDER BY 1");
    }

    private static io.migmon.cdc.event.ChangeEvent at(String table, long offset, io.migmon.cdc.event.Operation op,
                                                        String after) {
        return io.migmon.cdc.event.ChangeEvent.builder(CdcRecord.of("src.public." + table, 0, offset, 1L, null,
                        new byte[0]), io.migmon.cdc.event.ChangeEvent.Kind.CHANGE)
                .operation(op).sourceName("src").schema("public").table(table).afterJson(after).build();
    }

    /**
     * Finding 9 (applier level, driven as the processor drives it: each partition's batch applied on its own, rewound
     * while {@code RetriableApplyException}, then isolated one by one). An ordinary two-way reference, no deferred
     * constraint: the source runs {@code INSERT a(1, b_id NULL); INSERT b(1, a_id 1); UPDATE a SET b_id = 1} (orders
     * and their latest invoice). Topic a's batch [a create, a update] fails 23503 on the update (b 1 missing) and rolls
     * back the create too; topic b's batch [b create] fails 23503 because a 1 is not committed: each partition waits for
     * the other for the whole {@code foreignKeyRetry}, then a's update is dead-lettered. Expected: a = (1, 1) as at the
     * source (a's create alone unblocks b, b unblocks a's update). Actual: a = (1, NULL), the update in the dead
     * letters, after the full bound (30 s by default; 2 s here) of both partitions blocked.
     */
    @Test
    void finding9_twoWayForeignKeyDeadlocksPartitionsThenLosesTheUpdate() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        CdcTestEnvironment.exec(env.target(), "CREATE SCHEMA IF NOT EXISTS fk3",
                "CREATE TABLE fk3.a (id int PRIMARY KEY, b_id int)",
                "CREATE TABLE fk3.b (id int PRIMARY KEY, a_id int REFERENCES fk3.a (id))",
                "ALTER TABLE fk3.a ADD FOREIGN KEY (b_id) REFERENCES fk3.b (id)");
        Duration bound = Duration.ofSeconds(2);
        List<io.migmon.cdc.event.ChangeEvent> batchA = List.of(
                at("a", 0, io.migmon.cdc.event.Operation.CREATE, "{\"id\":1,\"b_id\":null}"),
                at("a", 1, io.migmon.cdc.event.Operation.UPDATE, "{\"id\":1,\"b_id\":1}"));
        List<io.migmon.cdc.event.ChangeEvent> batchB = List.of(
                at("b", 0, io.migmon.cdc.event.Operation.CREATE, "{\"id\":1,\"a_id\":1}"));
        int deadLetters = 0;
        long blockedSince = System.nanoTime();
        long unblockedA = -1;
        long unblockedB = -1;
        try (JdbcChangeApplier applier = JdbcChangeApplier.builder(env.target()).targetSchema("fk3")
                .foreignKeyRetry(bound).build()) {
            boolean doneA = false;
            boolean doneB = false;
            while (!(doneA && doneB) && System.nanoTime() - blockedSince < 20_000_000_000L) {
                if (!doneA) {
                    try {
                        applier.apply(batchA);
                        doneA = true;
                    } catch (io.migmon.cdc.spi.RetriableApplyException retry) {
                        // rewound: applied again after retryBackoff
                    } catch (java.sql.SQLException failed) {
                        for (io.migmon.cdc.event.ChangeEvent e : batchA) { // the processor's isolation
                            try {
                                applier.apply(List.of(e));
                            } catch (Exception rejected) {
                                deadLetters++;
                            }
                        }
                        doneA = true;
                    }
                    if (doneA) {
                        unblockedA = System.nanoTime() - blockedSince;
                    }
                }
                if (!doneB) {
                    try {
                        applier.apply(batchB);
                        doneB = true;
                    } catch (io.migmon.cdc.spi.RetriableApplyException retry) {
                        // rewound
                    } catch (java.sql.SQLException failed) {
                        deadLetters++;
                        doneB = true;
                    }
                    if (doneB) {
                        unblockedB = System.nanoTime() - blockedSince;
                    }
                }
                Thread.sleep(100); // retryBackoff
            }
        }
        List<String> a = query(env.target(), "SELECT id, b_id FROM fk3.a ORDER BY 1");
        List<String> b = query(env.target(), "SELECT id, a_id FROM fk3.b ORDER BY 1");
        System.err.println("att3 fk cycle: a=" + a + " b=" + b + " deadLetters=" + deadLetters + " a unblocked after "
                + unblockedA / 1_000_000 + " ms, b after " + unblockedB / 1_000_000 + " ms");
        assertThat(a).as("a as at the source").containsExactly("1|1|");
        assertThat(b).as("b as at the source").containsExactly("1|1|");
        assertThat(deadLetters).as("dead letters").isZero();
    }

    private static String childEnvelope(long id, Long parent) {
        long ms = System.currentTimeMillis();
        return "{\"before\":null,\"after\":{\"id\":" + id + ",\"parent_id\":" + parent + "},\"source\":{\"version\":"
                + "\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"att3\",\"ts_ms\":" + ms
                + ",\"snapshot\":\"false\",\"db\":\"postgres\",\"schema\":\"public\",\"table\":\"fkchild\",\"txId\":"
                + id + ",\"lsn\":" + id + "},\"op\":\"c\",\"ts_ms\":" + ms + "}";
    }

    /**
     * Through Kafka: an orphan child (its parent never comes) blocks its partition for {@code foreignKeyRetry} (8 s
     * here) while the same connector's heartbeats keep arriving. Expected: the table's replication lag grows while
     * the child waits (>= 4 s sampled 6 s in), health not UP-with-lag-0; after the bound the orphan is dead-lettered,
     * the partition moves on (the next child, parent NULL, applied), {@code cdc_events_processed_total} == 1.
     */
    @Test
    @Disabled("held up 2026-11-27 07:27 UTC; table series asserted since 08:57 UTC (table 6.02 s, overall 6.02 s at 6 s blocked); health DOWN naming 23503, moved on after 8.9 s (bound 8 s), processed 1, dead letters 1; run on demand")
    void orphanChildWaitsWithHeartbeatsFlowingThenDeadLettersAndThePartitionMovesOn() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        CdcTestEnvironment.exec(env.target(), "CREATE TABLE public.fkparent (id int PRIMARY KEY)",
                "CREATE TABLE public.fkchild (id int PRIMARY KEY, parent_id int REFERENCES public.fkparent (id))");
        String topic = "att3.public.fkchild";
        String hb = "__debezium-heartbeat.att3";
        env.createTopics(topic, hb);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        java.util.Map<String, Object> consumer = new java.util.HashMap<>();
        consumer.put("bootstrap.servers", env.bootstrapServers());
        consumer.put("group.id", "att3-fk");
        CdcEventProcessor processor = CdcEventProcessor.builder("att3fk").meterRegistry(registry)
                .kafkaConsumer(consumer).topics(topic, hb).heartbeatInterval(Duration.ofSeconds(1))
                .applier(JdbcChangeApplier.builder(env.target()).foreignKeyRetry(Duration.ofSeconds(8)).build())
                .pollTimeout(Duration.ofMillis(100)).retryBackoff(Duration.ofMillis(100)).build();
        ExecutorService threads = Executors.newFixedThreadPool(2);
        java.util.concurrent.atomic.AtomicBoolean beating = new java.util.concurrent.atomic.AtomicBoolean(true);
        try (org.apache.kafka.clients.producer.KafkaProducer<String, String> producer =
                     new org.apache.kafka.clients.producer.KafkaProducer<>(java.util.Map.of("bootstrap.servers",
                             env.bootstrapServers(), "linger.ms", "0"),
                             new org.apache.kafka.common.serialization.StringSerializer(),
                             new org.apache.kafka.common.serialization.StringSerializer())) {
            threads.submit(() -> {
                while (beating.get()) {
                    producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(hb, 0,
                            "{\"serverName\":\"att3\"}", "{\"ts_ms\":" + System.currentTimeMillis() + "}"));
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            java.util.concurrent.Future<?> loop = threads.submit(processor);
            Thread.sleep(2_000); // assigned, heartbeats confirmed
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, "{\"id\":1}",
                    childEnvelope(1, 99L)));
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(topic, 0, "{\"id\":2}",
                    childEnvelope(2, null)));
            producer.flush();
            long sent = System.nanoTime();
            Thread.sleep(6_000);
            io.micrometer.core.instrument.Gauge tableGauge = registry.find(MetricCatalog.CDC_REPLICATION_LAG.name())
                    .tags("source_table", "public.fkchild").gauge();
            double lagWhileBlocked = tableGauge == null ? -1 : tableGauge.value(); // -1: no series yet
            double overallWhileBlocked = registry.get(MetricCatalog.CDC_REPLICATION_LAG_OVERALL.name()).gauge().value();
            String healthWhileBlocked = String.valueOf(processor.healthCheck().check());
            Await.until(Duration.ofSeconds(30), "child 2 applied",
                    () -> !query(env.target(), "SELECT id FROM public.fkchild WHERE id = 2").isEmpty());
            long movedOnMs = (System.nanoTime() - sent) / 1_000_000;
            Thread.sleep(1_500);
            double processed = registry.find(MetricCatalog.CDC_EVENTS_PROCESSED.name()).counters().stream()
                    .mapToDouble(c -> c.count()).sum();
            System.err.println("att3 fk orphan via kafka: lag " + lagWhileBlocked + " s, overall " + overallWhileBlocked
                    + " s at 6 s blocked; health " + healthWhileBlocked + "; moved on after " + movedOnMs + " ms;"
                    + " processed " + processed + ", dead letters " + deadLetters(registry) + ", target "
                    + query(env.target(), "SELECT id, parent_id FROM public.fkchild ORDER BY 1"));
            assertThat(query(env.target(), "SELECT id, parent_id FROM public.fkchild ORDER BY 1"))
                    .containsExactly("2|null|");
            assertThat(deadLetters(registry)).as("the orphan, dead-lettered").isEqualTo(1);
            assertThat(processed).as("cdc_events_processed_total == distinct applied source events").isEqualTo(1);
            assertThat(overallWhileBlocked).as("overall replication lag while the child waits 6 s")
                    .isGreaterThanOrEqualTo(4.0);
            assertThat(lagWhileBlocked).as("the table's replication lag while its first change waits 6 s (-1: no"
                    + " series)").isGreaterThanOrEqualTo(4.0);
            assertThat(healthWhileBlocked).as("health while blocked").doesNotStartWith("UP");
            beating.set(false);
            processor.close();
            loop.get(30, TimeUnit.SECONDS);
        } finally {
            beating.set(false);
            processor.close();
            threads.shutdownNow();
        }
    }

    @Test
    @Disabled("held up 2026-11-27 07:29 UTC: TOASTed jsonb (6,000 keys) and int[] (60,000) kept on update; numeric[] is finding 10; run on demand")
    void heldUp_toastJsonbAndIntArrayLeftUnchanged() throws Exception {
        String q = "public.a3_t4";
        String bigJson = "(SELECT jsonb_object_agg('k' || g, md5(random()::text || g)) FROM generate_series(1, 6000) g)";
        String bigInts = "(SELECT array_agg((random() * 2000000000)::int) FROM generate_series(1, 60000) g)";
        String cols = "id int PRIMARY KEY, j jsonb, ia int[], n int";
        replicate("a3_t4", cols, cols, true, false,
                new String[] {"INSERT INTO " + q + " VALUES (1, " + bigJson + ", " + bigInts + ", 0)"},
                new String[] {"UPDATE " + q + " SET n = 1 WHERE id = 1",
                        "INSERT INTO " + q + " VALUES (2, " + bigJson + ", " + bigInts + ", 0)",
                        "UPDATE " + q + " SET n = 2 WHERE id = 2"},
                "SELECT id, n, md5(j::text), md5(ia::text) FROM " + q + " ORDER BY 1");
    }

    /**
     * Finding 10. REPLICA IDENTITY DEFAULT, a TOASTed {@code numeric(10,2)[]} (30,000 elements) left unchanged by an
     * UPDATE of another column: Debezium cannot put its placeholder into a decimal array ("Failed to properly convert
     * data value for 'public.a3_f10.v' of type _numeric": DataException, the field sent as null), and the applier
     * writes that null over the target's value. Expected row 1 = source (30,000 values); actual {@code 1|null|1|},
     * no dead letter, nothing counted. docs/cdc.md says unchanged TOASTed values are never written; only text, binary,
     * uuid, int/bigint arrays and hstore placeholders are known. (jsonb and int[] held up: toast_jsonbAndIntArray...)
     */
    @Test
    void finding10_unchangedToastedNumericArrayIsOverwrittenWithNull() throws Exception {
        oneColumn("a3_f10", "numeric(10,2)[]", "(SELECT array_agg(round((g * 1.37)::numeric, 2)) FROM generate_series(1, 30000) g)", true);
    }

    /**
     * Finding 10, other array types: timestamptz[] (30,000), float8[] (30,000), boolean[] (300,000) TOASTed and left
     * unchanged by {@code UPDATE ... SET n = 1}: Debezium logs "Failed to properly convert data value ... of type
     * _timestamptz/_float8/_bool" and sends null; target reads {@code 1|1|null|null|null|<md5 of v>|}. varchar(40)[]
     * (a text-array placeholder) holds up.
     */
    @Test
    void finding10_unchangedToastedTimestamptzFloatBoolArraysAreOverwrittenWithNull() throws Exception {
        String q = "public.a3_p3";
        String cols = "id int PRIMARY KEY, tz timestamptz[], f float8[], b boolean[], v varchar(40)[], n int";
        String vals = "(SELECT array_agg(timestamptz '2020-01-01 00:00+00' + g * interval '1.37 s') FROM generate_series(1, 30000) g),"
                + " (SELECT array_agg(random()) FROM generate_series(1, 30000) g),"
                + " (SELECT array_agg(random() > 0.5) FROM generate_series(1, 300000) g),"
                + " (SELECT array_agg(md5(random()::text)) FROM generate_series(1, 6000) g)";
        replicate("a3_p3", cols, cols, true, false,
                new String[] {"INSERT INTO " + q + " VALUES (1, " + vals + ", 0)"},
                new String[] {"UPDATE " + q + " SET n = 1 WHERE id = 1"},
                "SELECT id, n, md5(tz::text), md5(f::text), md5(b::text), md5(v::text) FROM " + q + " ORDER BY 1");
    }
}
