package io.migmon.cdc;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.debezium.DebeziumEngineConsumer;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.core.metrics.MetricCatalog;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.migmon.cdc.CdcTestEnvironment.query;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Adversarial review of issue 11 (second round), against real components: the shared embedded PostgreSQL source
 * ({@code track_commit_timestamp=on}) and its target database {@code tgt} (or a database of its own), real Debezium
 * 3.6.1 (the embedded engine through {@link DebeziumEngineConsumer}, JSON without schemas as the Connect worker of
 * these tests writes it) where the data's shape matters, the shared KRaft broker for the dead-letter tests, and
 * {@code process(...)} with Debezium 3.6.1 envelope shapes for target failures. Ground truth: the source's rows
 * against the target's, what was dead-lettered, what the dead-letter topic holds. Each finding is a failing test kept
 * {@code @Disabled} with its number so the build stays green (run one with
 * {@code -Djunit.jupiter.conditions.deactivate=org.junit.*DisabledCondition}); the ones marked "held up" pass and
 * are kept for on-demand runs.
 */
class CdcAttack2IT {

    interface Step {
        void run() throws Exception;
    }

    /** Runs a Debezium embedded engine on {@code table} into {@code processor} while {@code body} runs. */
    private static void withEngine(CdcTestEnvironment env, String table, boolean schemas, CdcEventProcessor processor,
                                   Step body) throws Exception {
        Properties props = env.engineProperties(table, table, "public." + table);
        props.setProperty("converter.schemas.enable", Boolean.toString(schemas));
        // offsets live in memory, so a slot is never resumed: drop it, or the source's 10 slots run out
        props.setProperty("slot.drop.on.stop", "true");
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (DebeziumEngine<io.debezium.engine.ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                .using(props).notifying(new DebeziumEngineConsumer(processor)).build()) {
            executor.execute(engine);
            body.run();
        } finally {
            executor.shutdown();
            executor.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    private static double deadLetters(SimpleMeterRegistry registry, String reason) {
        return registry.find(MetricCatalog.CDC_DEAD_LETTERS.name()).tags(reason == null ? new String[0]
                : new String[] {"reason", reason}).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** Waits up to {@code seconds} for the condition; returns whether it held (no exception: the caller asserts). */
    static boolean eventually(int seconds, java.util.concurrent.Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return true;
                }
            } catch (java.sql.SQLException notYet) {
                // e.g. a column not added yet
            }
            Thread.sleep(200);
        }
        return false;
    }

    /**
     * Finding 1. PostgreSQL stores a large value out of line (TOAST); an {@code UPDATE} that does not touch it sends
     * no value for it in the logical-decoding stream, and Debezium's PostgreSQL connector puts its placeholder
     * {@code __debezium_unavailable_value} in the {@code after} image (REPLICA IDENTITY DEFAULT, the PostgreSQL
     * default). The JDBC applier upserts the whole image, so the target's 96 KB value is overwritten with the
     * placeholder: a silent data loss on a plain {@code UPDATE t SET n = n + 1}. Truth: {@code md5(big)} at the
     * source vs the target.
     */
    @Test
    void anUpdateThatLeavesAToastedColumnUnchangedKeepsTheTargetsValue() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String t = "public.att2_toast";
        String ddl = "CREATE TABLE " + t + " (id int PRIMARY KEY, big text, n int)";
        // ~96 KB of hex: incompressible enough to be stored out of line (TOAST threshold ~2 KB)
        CdcTestEnvironment.exec(env.source(), ddl, "INSERT INTO " + t + " SELECT g, (SELECT string_agg(md5(g::text || '-'"
                + " || i::text), '') FROM generate_series(1, 3000) i), 0 FROM generate_series(1, 3) g");
        CdcTestEnvironment.exec(env.target(), ddl);
        String truth = "SELECT id, md5(big), length(big), n FROM " + t + " ORDER BY id";
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).build()).build()) {
            withEngine(env, "att2_toast", false, processor, () -> {
                List<String> snapshot = query(env.source(), truth);
                Await.until(Duration.ofSeconds(90), "snapshot applied", () -> query(env.target(), truth).equals(snapshot));
                CdcTestEnvironment.exec(env.source(), "UPDATE " + t + " SET n = n + 1 WHERE id <= 2");
                List<String> source = query(env.source(), truth);
                // the update reaches the target (n = 1) ...
                Await.until(Duration.ofSeconds(60), "the update applied", () -> LagPipeline.scalarLong(env.target(),
                        "SELECT count(*) FROM " + t + " WHERE n = 1") == 2);
                List<String> target = query(env.target(), truth);
                System.err.println("att2 toast: source " + source + " target " + target + " placeholder rows "
                        + query(env.target(), "SELECT id FROM " + t + " WHERE big = '__debezium_unavailable_value'"));
                // ... and must not have replaced the unchanged 96 KB value
                assertThat(target).isEqualTo(source);
            });
        }
    }

    /**
     * Finding 2. A table with an array column ({@code int[]}, sent by Debezium as a JSON array) takes the
     * {@code json_populate_record} path. A column added at the source after it ({@code ADD COLUMN extra}) is then
     * never noticed: the typed path stops reading the row image at the array (needsJson) before it reaches the unknown
     * field, and {@code json_populate_record} ignores fields the target lacks. With schema evolution on the column is
     * never added; the values are dropped silently (issue 11: "Never drop a field silently").
     */
    @Test
    void aColumnAddedAtTheSourceOfATableWithAnArrayColumnReachesTheTargetWithSchemaEvolution() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String t = "public.att2_arr_evo";
        String ddl = "CREATE TABLE " + t + " (id int PRIMARY KEY, tags int[])";
        CdcTestEnvironment.exec(env.source(), ddl, "INSERT INTO " + t + " VALUES (1, '{1,2}')");
        CdcTestEnvironment.exec(env.target(), ddl);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).schemaEvolution(true).build()).build()) {
            withEngine(env, "att2_arr_evo", false, processor, () -> {
                Await.until(Duration.ofSeconds(90), "snapshot applied",
                        () -> CdcTestEnvironment.rows(env.target(), t).size() == 1);
                CdcTestEnvironment.exec(env.source(), "ALTER TABLE " + t + " ADD COLUMN extra text",
                        "INSERT INTO " + t + " VALUES (2, '{3}', 'kept?')",
                        "UPDATE " + t + " SET extra = 'also kept?' WHERE id = 1");
                String sql = "SELECT id, tags, extra FROM " + t + " ORDER BY id";
                List<String> source = query(env.source(), sql);
                boolean converged = eventually(30, () -> query(env.target(), sql).equals(source));
                System.err.println("att2 array+evolution: source " + source + " target "
                        + CdcTestEnvironment.rows(env.target(), t) + " processed " + processor.eventsProcessed()
                        + " dead letters " + processor.deadLettered());
                assertThat(converged).as("target == source on (id, tags, extra); target rows %s",
                        CdcTestEnvironment.rows(env.target(), t)).isTrue();
            });
        }
    }

    /**
     * Finding 2 (evolution off): the same events must be dead-lettered {@code schema_mismatch} naming the column;
     * they are applied with the field dropped and nothing is dead-lettered.
     */
    @Test
    void aColumnAddedAtTheSourceOfATableWithAnArrayColumnIsDeadLetteredWithoutSchemaEvolution() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String t = "public.att2_arr_off";
        String ddl = "CREATE TABLE " + t + " (id int PRIMARY KEY, tags int[])";
        CdcTestEnvironment.exec(env.source(), ddl, "INSERT INTO " + t + " VALUES (1, '{1,2}')");
        CdcTestEnvironment.exec(env.target(), ddl);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).build()).build()) {
            withEngine(env, "att2_arr_off", false, processor, () -> {
                Await.until(Duration.ofSeconds(90), "snapshot applied",
                        () -> CdcTestEnvironment.rows(env.target(), t).size() == 1);
                CdcTestEnvironment.exec(env.source(), "ALTER TABLE " + t + " ADD COLUMN extra text",
                        "INSERT INTO " + t + " VALUES (2, '{3}', 'kept?')");
                // either way the event is handled within seconds: applied (row 2 in the target) or dead-lettered
                Await.until(Duration.ofSeconds(60), "row 2 handled", () -> processor.deadLettered() > 0
                        || CdcTestEnvironment.rows(env.target(), t).size() == 2);
                System.err.println("att2 array, evolution off: target " + CdcTestEnvironment.rows(env.target(), t)
                        + " dead letters " + processor.deadLettered());
                assertThat(CdcTestEnvironment.rows(env.target(), t)).as("row 2 not written without its field")
                        .hasSize(1);
                assertThat(deadLetters(registry, "schema_mismatch")).isEqualTo(1.0);
            });
        }
    }

    /**
     * Finding 3. Schema evolution of a {@code date} column from records without a schema (the default here: the
     * worker's JsonConverter with {@code schemas.enable=false}): Debezium sends the date as a number of days, the
     * applier adds a {@code bigint} column and stores 19782 where the source has 2024-02-29. The column exists and is
     * filled, so nothing is reported, but every value differs from the source's. Fixed: without a schema an integer
     * cannot tell a count from epoch days, so the event is dead-lettered {@code schema_mismatch} naming the column and
     * no column is added (with schemas the column is added as {@code date}: the next test).
     */
    @Test
    void aDateColumnAddedBySchemaEvolutionWithoutSchemasIsDeadLetteredNotGuessed() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String t = "public.att2_date_evo";
        String ddl = "CREATE TABLE " + t + " (id int PRIMARY KEY, v text)";
        CdcTestEnvironment.exec(env.source(), ddl, "INSERT INTO " + t + " VALUES (1, 'a')");
        CdcTestEnvironment.exec(env.target(), ddl);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).schemaEvolution(true).build()).build()) {
            withEngine(env, "att2_date_evo", false, processor, () -> {
                Await.until(Duration.ofSeconds(90), "snapshot applied",
                        () -> CdcTestEnvironment.rows(env.target(), t).size() == 1);
                CdcTestEnvironment.exec(env.source(), "ALTER TABLE " + t + " ADD COLUMN d date",
                        "INSERT INTO " + t + " VALUES (2, 'b', '2024-02-29')");
                Await.until(Duration.ofSeconds(60), "row 2 handled", () -> processor.deadLettered() > 0
                        || CdcTestEnvironment.rows(env.target(), t).size() == 2);
                String sql = "SELECT id, v FROM " + t + " ORDER BY id";
                List<String> source = query(env.source(), sql);
                List<String> target = query(env.target(), sql);
                System.err.println("att2 date evolution: source " + source + " target " + target + " column type "
                        + query(env.target(), "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = '"
                        + t + "'::regclass AND attname = 'd'"));
                // without a schema an integer may be a count or a Debezium date/time/timestamp/interval: the applier
                // does not guess; the event is dead-lettered schema_mismatch naming the column, nothing is altered
                assertThat(deadLetters(registry, "schema_mismatch")).isEqualTo(1.0);
                assertThat(target).as("row 2 not written with a guessed type").isEqualTo(source.subList(0, 1));
                assertThat(query(env.target(), "SELECT attname FROM pg_attribute WHERE attrelid = '" + t
                        + "'::regclass AND attname = 'd'")).as("no column added with a guessed type").isEmpty();
                assertThat(CdcTestEnvironment.rows(env.target(), t)).hasSize(1);
            });
        }
    }

    /** Finding 3 with schemas: the semantic type {@code io.debezium.time.Date} adds a {@code date} column. */
    @Test
    void aDateColumnAddedBySchemaEvolutionWithSchemasIsADateColumnWithTheSourcesDates() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String t = "public.att2_date_evo_schema";
        String ddl = "CREATE TABLE " + t + " (id int PRIMARY KEY, v text)";
        CdcTestEnvironment.exec(env.source(), ddl, "INSERT INTO " + t + " VALUES (1, 'a')");
        CdcTestEnvironment.exec(env.target(), ddl);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).schemaEvolution(true).build()).build()) {
            withEngine(env, "att2_date_evo_schema", true, processor, () -> {
                Await.until(Duration.ofSeconds(90), "snapshot applied",
                        () -> CdcTestEnvironment.rows(env.target(), t).size() == 1);
                CdcTestEnvironment.exec(env.source(), "ALTER TABLE " + t + " ADD COLUMN d date, ADD COLUMN i interval",
                        "INSERT INTO " + t + " VALUES (2, 'b', '2024-02-29', '2 days 3 minutes')");
                String sql = "SELECT id, v, d::text, i::text FROM " + t + " ORDER BY id";
                List<String> source = query(env.source(), sql);
                boolean converged = eventually(60, () -> query(env.target(), sql).equals(source));
                System.err.println("att2 date evolution (schemas): source " + source + " target "
                        + CdcTestEnvironment.rows(env.target(), t) + " dead letters " + processor.deadLettered());
                assertThat(converged).isTrue();
                assertThat(query(env.target(), "SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid"
                        + " = '" + t + "'::regclass AND attname IN ('d', 'i') ORDER BY attname"))
                        .containsExactly("date|", "interval|");
            });
        }
    }

    /**
     * Finding 4. Debezium's PostgreSQL connector sends {@code json}/{@code jsonb} values as JSON <em>strings</em>
     * holding the document's text (semantic type {@code io.debezium.data.Json}), with and without a schema. The
     * applier binds a string into a {@code jsonb} column as a JSON string scalar (the same as
     * {@code json_populate_record}, the ground truth of {@code JdbcChangeApplierIT}, but not the source), so the
     * source's object {@code {"a": 1}} becomes the string {@code "{\"a\": 1}"} in the target: every json/jsonb
     * value of a replicated table differs from the source, silently. Truth: {@code doc::text} and
     * {@code jsonb_typeof(doc)} at the source vs the target.
     */
    @Test
    void jsonbDocumentsFromDebeziumAreDocumentsInTheTargetWithoutSchemas() throws Exception {
        replicateJsonb("att2_jsonb_plain", false);
    }

    /** Finding 4, with the schema/payload wrapper (semantic type {@code io.debezium.data.Json} known to the parser). */
    @Test
    void jsonbDocumentsFromDebeziumAreDocumentsInTheTargetWithSchemas() throws Exception {
        replicateJsonb("att2_jsonb_schema", true);
    }

    private static void replicateJsonb(String table, boolean schemas) throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String t = "public." + table;
        String ddl = "CREATE TABLE " + t + " (id int PRIMARY KEY, doc jsonb, raw json)";
        CdcTestEnvironment.exec(env.source(), ddl, "INSERT INTO " + t + " VALUES (1, '{\"a\": 1}', '[1, \"two\"]')");
        CdcTestEnvironment.exec(env.target(), ddl);
        String sql = "SELECT id, doc::text, jsonb_typeof(doc), raw::text, json_typeof(raw) FROM " + t + " ORDER BY id";
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).build()).build()) {
            withEngine(env, table, schemas, processor, () -> {
                Await.until(Duration.ofSeconds(90), "snapshot handled", () -> processor.deadLettered() > 0
                        || CdcTestEnvironment.rows(env.target(), t).size() == 1);
                CdcTestEnvironment.exec(env.source(), "INSERT INTO " + t + " VALUES (2, '{\"b\": [true, null]}', '{}')",
                        "UPDATE " + t + " SET doc = '{\"a\": 2}' WHERE id = 1");
                Await.until(Duration.ofSeconds(60), "stream handled", () -> processor.deadLettered() > 0
                        || processor.eventsProcessed() >= 3);
                List<String> source = query(env.source(), sql);
                List<String> target = query(env.target(), sql);
                System.err.println("att2 jsonb (schemas " + schemas + "): source " + source + " target " + target);
                assertThat(processor.deadLettered()).isZero();
                assertThat(target).as("json/jsonb values as at the source").isEqualTo(source);
            });
        }
    }

    /**
     * Finding 5. {@code bytea} (and {@code bit varying}): Debezium's default {@code binary.handling.mode=bytes} writes
     * the bytes as base64 text in JSON ({@code "3q2+7w=="} for {@code \\xdeadbeef}); the applier casts that text to
     * {@code bytea}, which stores the base64 <em>characters</em> ({@code \\x33712b37773d3d}). No error, no dead letter;
     * every binary value in the target differs from the source. Truth: {@code encode(b, 'hex')} at both ends. Not
     * listed among the encodings docs/cdc.md says must be configured (decimal, interval).
     */
    @Test
    void byteaValuesFromDebeziumAreTheSourcesBytesInTheTarget() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String t = "public.att2_bytea";
        String ddl = "CREATE TABLE " + t + " (id int PRIMARY KEY, b bytea)";
        CdcTestEnvironment.exec(env.source(), ddl, "INSERT INTO " + t + " VALUES (1, '\\xdeadbeef')");
        CdcTestEnvironment.exec(env.target(), ddl);
        String sql = "SELECT id, encode(b, 'hex') FROM " + t + " ORDER BY id";
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).build()).build()) {
            withEngine(env, "att2_bytea", false, processor, () -> {
                Await.until(Duration.ofSeconds(90), "snapshot handled", () -> processor.deadLettered() > 0
                        || CdcTestEnvironment.rows(env.target(), t).size() == 1);
                CdcTestEnvironment.exec(env.source(), "INSERT INTO " + t + " VALUES (2, '\\x00ff10')");
                Await.until(Duration.ofSeconds(60), "stream handled", () -> processor.deadLettered() > 0
                        || CdcTestEnvironment.rows(env.target(), t).size() == 2);
                List<String> source = query(env.source(), sql);
                List<String> target = query(env.target(), sql);
                System.err.println("att2 bytea: source " + source + " target " + target + " dead letters "
                        + processor.deadLettered());
                assertThat(target).as("the source's bytes (or a dead letter), not the base64 text's").isEqualTo(source);
            });
        }
    }

    /** Replicates {@code table} (same DDL on both sides) through real Debezium; returns [source, target] rows. */
    private static List<List<String>> replicateSameDdl(String table, String columns, String sqlRows, String... changes)
            throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String t = "public." + table;
        CdcTestEnvironment.exec(env.source(), "CREATE TABLE " + t + " " + columns);
        CdcTestEnvironment.exec(env.target(), "CREATE TABLE " + t + " " + columns);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<List<String>> out = new ArrayList<>();
        try (CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).build()).retryBackoff(Duration.ofMillis(10)).build()) {
            withEngine(env, table, false, processor, () -> {
                // the engine is streaming once its first heartbeat-less event arrives: write, then wait for all events
                Thread.sleep(3_000);
                long n = 0;
                for (String sql : changes) {
                    try (Connection c = env.source().getConnection(); Statement s = c.createStatement()) {
                        n += s.executeUpdate(sql);
                    }
                }
                long events = n;
                eventually(60, () -> processor.eventsProcessed() + processor.deadLettered() >= events);
                Thread.sleep(1_000);
                out.add(query(env.source(), sqlRows.replace("{t}", t)));
                out.add(query(env.target(), sqlRows.replace("{t}", t)));
                System.err.println("att2 " + table + ": source " + out.get(0) + " target " + out.get(1) + " processed "
                        + processor.eventsProcessed() + " dead letters " + processor.deadLettered() + " by reason "
                        + registry.find(MetricCatalog.CDC_DEAD_LETTERS.name()).counters().stream()
                        .map(c -> c.getId().getTag("reason") + "=" + c.count()).toList());
            });
        }
        return out;
    }

    /**
     * Finding 8. A table whose key is an identity column, {@code id bigint GENERATED ALWAYS AS IDENTITY} (the
     * idiomatic PostgreSQL 10+ key), with the same DDL on the target: the applier inserts explicit ids, which
     * PostgreSQL refuses for {@code GENERATED ALWAYS} (SQLState 428C9) without {@code OVERRIDING SYSTEM VALUE}.
     * Every insert of the table is dead-lettered {@code apply_failed}; the target stays empty.
     */
    @Test
    void aTableWithAnIdentityKeyIsReplicated() throws Exception {
        List<List<String>> rows = replicateSameDdl("att2_identity",
                "(id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v text)", "SELECT * FROM {t} ORDER BY id",
                "INSERT INTO public.att2_identity (v) SELECT 'v' || g FROM generate_series(1, 5) g");
        assertThat(rows.get(0)).hasSize(5);
        assertThat(rows.get(1)).as("target == source").isEqualTo(rows.get(0));
    }

    /**
     * Finding 8 (same cause). A stored generated column ({@code total numeric GENERATED ALWAYS AS (qty * price)
     * STORED}) on both sides: pgoutput does not publish it, and the applier's upsert names every target column, so
     * it writes NULL into the generated column, which PostgreSQL refuses (428C9). Every event of the table is
     * dead-lettered.
     */
    @Test
    void aTableWithAStoredGeneratedColumnIsReplicated() throws Exception {
        List<List<String>> rows = replicateSameDdl("att2_generated",
                "(id int PRIMARY KEY, qty int, price int, total int GENERATED ALWAYS AS (qty * price) STORED)",
                "SELECT * FROM {t} ORDER BY id",
                "INSERT INTO public.att2_generated (id, qty, price) SELECT g, g, 10 FROM generate_series(1, 5) g",
                "UPDATE public.att2_generated SET qty = qty + 1 WHERE id <= 2");
        assertThat(rows.get(0)).hasSize(5);
        assertThat(rows.get(1)).as("target == source").isEqualTo(rows.get(0));
    }

    /**
     * Finding 9. {@code interval} with Debezium's default {@code interval.handling.mode=numeric}: the value arrives
     * as microseconds (3,600,000,000 for one hour). docs/cdc.md ("Not converted") says such events "go to the
     * dead-letter path"; in fact PostgreSQL reads the bare number as <em>seconds</em>, so the target silently holds
     * {@code 1000000:00:00} (114 years) for {@code 01:00:00}. Expected: the source's interval or a dead letter.
     */
    @Test
    void anIntervalIsTheSourcesIntervalOrADeadLetter() throws Exception {
        List<List<String>> rows = replicateSameDdl("att2_interval", "(id int PRIMARY KEY, i interval, d double precision)",
                "SELECT id, i::text, d::text FROM {t} ORDER BY id",
                "INSERT INTO public.att2_interval VALUES (1, '1 hour', 'NaN'), (2, '2 days 3 minutes', 'Infinity'),"
                        + " (3, '-1.5 seconds', -0.0)");
        assertThat(rows.get(0)).hasSize(3);
        // every row is in the target as at the source, or was dead-lettered (then absent): never a different value
        assertThat(rows.get(0)).as("target rows must be source rows").containsAll(rows.get(1));
        // and since the applier converts numeric intervals (days + microseconds): all of them, as at the source
        assertThat(rows.get(1)).isEqualTo(rows.get(0));
    }

    /**
     * Finding 10. A {@code topicPattern} that also matches the dead-letter topic (the docs' names: data topics
     * {@code shop.public.*}, dead letters {@code shop.dlq}; a pattern {@code shop\\..*}). The processor consumes its
     * own dead letters: each is not an envelope, so it is dead-lettered again, and again: one poison record becomes
     * an unbounded stream (the DLQ grows forever, {@code cdc_dead_letters_total} with it). Expected: the builder
     * rejects a dead-letter topic that its topics or pattern would consume (a config error naming the field), or the
     * processor never consumes its own dead-letter topic; actual: the count below. Real broker, one poison record.
     */
    @Test
    void aTopicPatternThatMatchesTheDeadLetterTopicDoesNotAmplifyOnePoisonRecord() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String data = "att2loop.public.t";
        String dlq = "att2loop.dlq";
        env.createTopics(data, dlq);
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> p = new org.apache.kafka.clients.producer
                .KafkaProducer<>(java.util.Map.of("bootstrap.servers", env.bootstrapServers()),
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(data, null,
                    "not json".getBytes(java.nio.charset.StandardCharsets.UTF_8))).get();
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        java.util.Map<String, Object> consumer = new java.util.HashMap<>();
        consumer.put("bootstrap.servers", env.bootstrapServers());
        consumer.put("group.id", "att2loop-replica");
        CdcEventProcessor processor = CdcEventProcessor.builder("att2loop").meterRegistry(registry)
                .kafkaConsumer(consumer).topicPattern(java.util.regex.Pattern.compile("att2loop\\..*"))
                .applier(JdbcChangeApplier.builder(env.target()).build()).deadLetterTopic(dlq)
                .pollTimeout(Duration.ofMillis(100)).build();
        ExecutorService loop = Executors.newSingleThreadExecutor();
        try {
            loop.submit(processor);
            Await.until(Duration.ofSeconds(60), "the poison record dead-lettered", () -> processor.deadLettered() >= 1);
            Thread.sleep(10_000);
            long inDlq;
            try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                    java.util.Map.of("bootstrap.servers", env.bootstrapServers()))) {
                var tp = new org.apache.kafka.common.TopicPartition(dlq, 0);
                inDlq = admin.listOffsets(java.util.Map.of(tp, org.apache.kafka.clients.admin.OffsetSpec.latest()))
                        .partitionResult(tp).get().offset();
            }
            System.err.println("att2 dlq loop: 1 poison record -> " + inDlq + " records in " + dlq
                    + " after 10 s, deadLettered " + processor.deadLettered());
            assertThat(inDlq).as("records in the dead-letter topic for one poison record").isEqualTo(1);
            assertThat(processor.deadLettered()).isEqualTo(1);
        } finally {
            processor.close();
            loop.shutdown();
            loop.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    /**
     * Poison re-driven with other numbers: three 200 KB non-JSON records in a row, then a 2 MB valid envelope whose
     * value the target rejects ({@code varchar(10)}), among valid changes, on one partition; the dead-letter topic
     * accepts at most 64 KB ({@code max.message.bytes}), so the broker itself rejects the copies. Truth: the DLQ read
     * back (4 references with origin offsets), every valid row in the target, the partition caught up.
     */
    @Test
    @Disabled("held up 2026-11-27 03:54 UTC: 4 record_too_large references (offsets 1, 3, 5, 6; 1.7-1.8 KB each), 6/6 valid rows, caught up; run on demand")
    void oversizedPoisonInARowAgainstASmallDeadLetterTopicIsReferencedAndThePartitionMovesOn() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String table = "att2big";
        String data = "att2big.public." + table;
        String dlq = "att2big.dlq";
        CdcTestEnvironment.exec(env.target(), "CREATE TABLE public." + table + " (id bigint PRIMARY KEY, v varchar(10))");
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                java.util.Map.of("bootstrap.servers", env.bootstrapServers()))) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(data, 1, (short) 1)
                            .configs(java.util.Map.of("max.message.bytes", "10485760")),
                    new org.apache.kafka.clients.admin.NewTopic(dlq, 1, (short) 1)
                            .configs(java.util.Map.of("max.message.bytes", "65536")))).all().get();
        }
        int valid = 0;
        try (org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]> p = new org.apache.kafka.clients.producer
                .KafkaProducer<>(java.util.Map.of("bootstrap.servers", env.bootstrapServers(), "max.request.size",
                "10485760"), new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            java.util.function.BiConsumer<Integer, byte[]> send = (id, v) -> {
                try {
                    p.send(new org.apache.kafka.clients.producer.ProducerRecord<>(data, 0, id == null ? null
                            : ("{\"id\":" + id + "}").getBytes(java.nio.charset.StandardCharsets.UTF_8), v)).get();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            };
            byte[] junk = new byte[200 * 1024];
            java.util.Arrays.fill(junk, (byte) 'x');
            for (int i = 0; i < 3; i++) {
                send.accept(++valid, CdcKafkaAttackIT.envelope(table, valid, 0, 0).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                send.accept(null, junk);
            }
            String big = CdcKafkaAttackIT.envelope(table, 999, 0, 0).replace("\"v\":\"v999\"",
                    "\"v\":\"" + "y".repeat(2 << 20) + "\"");
            send.accept(999, big.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            for (int i = 0; i < 3; i++) {
                send.accept(++valid, CdcKafkaAttackIT.envelope(table, valid, 0, 0).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        int validRows = valid;
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        java.util.Map<String, Object> consumer = new java.util.HashMap<>();
        consumer.put("bootstrap.servers", env.bootstrapServers());
        consumer.put("group.id", "att2big-replica");
        consumer.put("max.partition.fetch.bytes", String.valueOf(10 << 20));
        CdcEventProcessor processor = CdcEventProcessor.builder("att2big").meterRegistry(registry)
                .kafkaConsumer(consumer).topics(data)
                .applier(JdbcChangeApplier.builder(env.target()).build()).deadLetterTopic(dlq)
                .stallTimeout(Duration.ofSeconds(2)).pollTimeout(Duration.ofMillis(100))
                .retryBackoff(Duration.ofMillis(50)).build();
        ExecutorService loop = Executors.newSingleThreadExecutor();
        try {
            loop.submit(processor);
            boolean done = eventually(60, () -> LagPipeline.scalarLong(env.target(), "SELECT count(*) FROM public." + table)
                    == validRows && processor.deadLettered() == 4);
            List<String> dead = new ArrayList<>();
            try (org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> c = new org.apache.kafka.clients.consumer
                    .KafkaConsumer<>(java.util.Map.of("bootstrap.servers", env.bootstrapServers(), "group.id",
                    "att2big-reader", "auto.offset.reset", "earliest"),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                    new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
                c.subscribe(List.of(dlq));
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (System.nanoTime() < deadline && dead.size() < 4) {
                    for (var r : c.poll(Duration.ofMillis(200))) {
                        dead.add(new String(r.headers().lastHeader("migmon.dlq.reason").value()) + "@"
                                + new String(r.headers().lastHeader("migmon.dlq.offset").value()) + " "
                                + r.serializedValueSize() + " B");
                    }
                }
            }
            System.err.println("att2 big poison: done " + done + ", target rows " + LagPipeline.scalarLong(env.target(),
                    "SELECT count(*) FROM public." + table) + "/" + validRows + ", dead letters " + dead + ", health "
                    + processor.healthCheck().check().reasons());
            assertThat(done).isTrue();
            assertThat(dead).hasSize(4).allSatisfy(d -> assertThat(d).startsWith("record_too_large@"));
        } finally {
            processor.close();
            loop.shutdown();
            loop.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    private static CdcRecord change(String table, long id, long offset) {
        long ms = System.currentTimeMillis();
        String v = "{\"before\":null,\"after\":{\"id\":" + id + ",\"v\":\"v" + id + "\"},\"source\":{\"version\":"
                + "\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"att2\",\"ts_ms\":" + ms + ",\"ts_us\":"
                + ms * 1000 + ",\"snapshot\":\"false\",\"db\":\"postgres\",\"schema\":\"public\",\"table\":\""
                + table + "\"},\"op\":\"c\",\"ts_ms\":" + ms + "}";
        return CdcRecord.of("att2.public." + table, 0, offset, ms, null, v.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static List<CdcRecord> changes(String table, long fromId, int n) {
        List<CdcRecord> out = new ArrayList<>();
        for (long i = fromId; i < fromId + n; i++) {
            out.add(change(table, i, i));
        }
        return out;
    }

    /**
     * Finding 12. A target put in read-only mode for maintenance ({@code default_transaction_read_only = on}, or a
     * failover that leaves the applier on a standby: SQLState 25006) is not "down" for the applier: 25006 is not
     * among its transient classes (08, 40, 57), so every event is retried, isolated and dead-lettered
     * {@code apply_failed}; the replica misses them for good (issue 11: "a down target must never empty the stream
     * into the DLQ"). Real PostgreSQL target; events through {@code process(...)} (the embedded-engine path).
     * Expected: nothing dead-lettered ({@link CdcProcessingException}, redelivered), all rows once writable again.
     */
    @Test
    void aReadOnlyTargetIsRetriedNotDeadLettered() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        javax.sql.DataSource ds = env.postgres.createDatabase("att2ro");
        CdcTestEnvironment.exec(ds, "CREATE TABLE public.att2ro (id bigint PRIMARY KEY, v text)");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(ds).build()).retryBackoff(Duration.ofMillis(10)).build()) {
            p.process(changes("att2ro", 1, 5));
            CdcTestEnvironment.exec(ds, "ALTER DATABASE att2ro SET default_transaction_read_only = on",
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'att2ro' AND pid <> pg_backend_pid()");
            List<CdcRecord> during = changes("att2ro", 6, 5);
            boolean redeliver = false;
            try {
                p.process(during);
            } catch (CdcProcessingException e) {
                redeliver = true; // the engine would offer the batch again
            }
            System.err.println("att2 read-only target: redeliver " + redeliver + ", dead letters " + p.deadLettered()
                    + " " + registry.find(MetricCatalog.CDC_DEAD_LETTERS.name()).counters().stream()
                    .map(c -> c.getId().getTag("reason") + "=" + c.count()).toList());
            try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
                s.execute("SET default_transaction_read_only = off");
                s.execute("ALTER DATABASE att2ro RESET default_transaction_read_only");
            }
            CdcTestEnvironment.exec(ds, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'att2ro'"
                    + " AND pid <> pg_backend_pid()");
            if (redeliver) {
                p.process(during);
            }
            assertThat(p.deadLettered()).as("dead letters while the target was read-only").isZero();
            assertThat(LagPipeline.scalarLong(ds, "SELECT count(*) FROM public.att2ro")).isEqualTo(10);
        }
    }

    /**
     * Finding 12 (same cause, SQLState class 53). The target refuses the applier's connection for lack of resources
     * ({@code too many connections}: here a role with {@code CONNECTION LIMIT 1} whose one connection another client
     * holds; in production {@code max_connections} reached, 53300, or a full disk, 53100): not transient for the
     * applier, so the events are dead-lettered instead of waiting for a connection.
     */
    @Test
    void aTargetOutOfConnectionsIsRetriedNotDeadLettered() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        javax.sql.DataSource admin = env.postgres.createDatabase("att2lim");
        CdcTestEnvironment.exec(admin, "CREATE TABLE public.att2lim (id bigint PRIMARY KEY, v text)",
                "CREATE ROLE att2lim LOGIN PASSWORD 'att2lim' CONNECTION LIMIT 1",
                "GRANT ALL ON public.att2lim TO att2lim");
        org.postgresql.ds.PGSimpleDataSource limited = new org.postgresql.ds.PGSimpleDataSource();
        limited.setServerNames(new String[] {"127.0.0.1"});
        limited.setPortNumbers(new int[] {env.postgresPort()});
        limited.setDatabaseName("att2lim");
        limited.setUser("att2lim");
        limited.setPassword("att2lim");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        boolean redeliver = false;
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(limited).build()).retryBackoff(Duration.ofMillis(10)).build()) {
            List<CdcRecord> batch = changes("att2lim", 1, 5);
            try (Connection hog = limited.getConnection()) { // another client holds the role's only connection
                try {
                    p.process(batch);
                } catch (CdcProcessingException e) {
                    redeliver = true;
                }
            }
            System.err.println("att2 out of connections: redeliver " + redeliver + ", dead letters " + p.deadLettered()
                    + " " + registry.find(MetricCatalog.CDC_DEAD_LETTERS.name()).counters().stream()
                    .map(c -> c.getId().getTag("reason") + "=" + c.count()).toList());
            if (redeliver) {
                p.process(batch);
            }
            assertThat(p.deadLettered()).as("dead letters while the target refused connections").isZero();
            assertThat(LagPipeline.scalarLong(admin, "SELECT count(*) FROM public.att2lim")).isEqualTo(5);
        }
    }

    /**
     * Finding 12 (same cause, SQLState 55P03). A target with a {@code lock_timeout} (common on shared databases)
     * while an operator's migration holds a lock on the replicated table for a few seconds: the apply fails with
     * {@code lock_not_available}, which the applier does not treat as transient, so the events are dead-lettered
     * instead of applied once the lock is released.
     */
    @Test
    void aLockTimeoutOnTheTargetIsRetriedNotDeadLettered() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        javax.sql.DataSource ds = env.postgres.createDatabase("att2lock");
        CdcTestEnvironment.exec(ds, "CREATE TABLE public.att2lock (id bigint PRIMARY KEY, v text)",
                "ALTER DATABASE att2lock SET lock_timeout = '200ms'");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        boolean redeliver = false;
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(ds).build()).retryBackoff(Duration.ofMillis(10)).build()) {
            List<CdcRecord> batch = changes("att2lock", 1, 5);
            try (Connection migration = ds.getConnection(); Statement s = migration.createStatement()) {
                migration.setAutoCommit(false);
                s.execute("LOCK TABLE public.att2lock IN ACCESS EXCLUSIVE MODE");
                try {
                    p.process(batch);
                } catch (CdcProcessingException e) {
                    redeliver = true;
                }
                migration.rollback();
            }
            System.err.println("att2 lock timeout: redeliver " + redeliver + ", dead letters " + p.deadLettered()
                    + " " + registry.find(MetricCatalog.CDC_DEAD_LETTERS.name()).counters().stream()
                    .map(c -> c.getId().getTag("reason") + "=" + c.count()).toList());
            if (redeliver) {
                p.process(batch);
            }
            assertThat(p.deadLettered()).as("dead letters while a lock was held").isZero();
            assertThat(LagPipeline.scalarLong(ds, "SELECT count(*) FROM public.att2lock")).isEqualTo(5);
        }
    }
}
