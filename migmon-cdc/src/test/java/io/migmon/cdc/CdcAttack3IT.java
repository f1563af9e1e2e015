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

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Third attack on migmon-cdc (issue 11), aimed at the last fix round: the applier's value conversions
 * ({@code RowValues}) against real Debezium envelopes (embedded engine, real PostgreSQL source and target). Ground
 * truth: the source's rows vs the target's rows, read as text. Every finding is {@code @Disabled} with its number so
 * the build stays green; run one with {@code -Djunit.jupiter.conditions.deactivate=org.junit.*DisabledCondition}.
 */
class CdcAttack3IT {

    interface Sql {
        void run() throws Exception;
    }

    /**
     * Creates {@code table} ({@code columns}) in source and target, runs {@code seed} before the engine starts
     * (snapshot), {@code change} once the snapshot is applied, and asserts target == source with no dead letters.
     */
    static void replicate(String table, String columns, boolean schemas, String[] seed, String[] change)
            throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String q = "public." + table;
        String ddl = "CREATE TABLE " + q + " (" + columns + ")";
        CdcTestEnvironment.exec(env.source(), ddl);
        CdcTestEnvironment.exec(env.target(), ddl);
        CdcTestEnvironment.exec(env.source(), seed);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).build()).build();
        Properties props = env.engineProperties(table, table, q);
        props.setProperty("converter.schemas.enable", Boolean.toString(schemas));
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (DebeziumEngine<io.debezium.engine.ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                .using(props).notifying(new DebeziumEngineConsumer(processor)).build()) {
            executor.execute(engine);
            List<String> snapshot = CdcTestEnvironment.rows(env.source(), q);
            Await.until(Duration.ofSeconds(40), "snapshot applied",
                    () -> CdcTestEnvironment.rows(env.target(), q).size() == snapshot.size() || deadLetters(registry) > 0);
            if (change.length > 0) {
                CdcTestEnvironment.exec(env.source(), change);
            }
            List<String> source = CdcTestEnvironment.rows(env.source(), q);
            try {
                Await.until(Duration.ofSeconds(30), "target == source",
                        () -> CdcTestEnvironment.rows(env.target(), q).equals(source) || deadLetters(registry) > 0);
            } catch (AssertionError timeout) {
                // compared below
            }
            Thread.sleep(500);
            assertThat(CdcTestEnvironment.rows(env.target(), q)).as("target rows vs source rows").isEqualTo(source);
            assertThat(deadLetters(registry)).as("dead letters").isZero();
        } finally {
            executor.shutdown();
            executor.awaitTermination(30, TimeUnit.SECONDS);
            processor.close();
            env.dropSlot(table);
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

    @Test
    void x_bytea_array() throws Exception {
        oneColumn("a3_xba", "bytea[]", "ARRAY['\\x0102'::bytea, '\\xff'::bytea]", true);
    }

    @Test
    void x_date_array() throws Exception {
        oneColumn("a3_xda", "date[]", "ARRAY[date '2024-02-29']", true);
    }

    @Test
    void x_ts_array() throws Exception {
        oneColumn("a3_xtsa", "timestamp[]", "ARRAY[timestamp '2020-01-01 10:00:00.5']", true);
    }

    @Test
    void x_tstz_array() throws Exception {
        oneColumn("a3_xtza", "timestamptz[]", "ARRAY[timestamptz '2020-01-01 10:00:00.5+00']", true);
    }

    @Test
    void x_jsonb_null() throws Exception {
        oneColumn("a3_xjn", "jsonb", "'null'::jsonb", true);
    }

    @Test
    void x_money() throws Exception {
        oneColumn("a3_xm", "money", "12.34", true);
    }

    @Test
    void x_numeric_array() throws Exception {
        oneColumn("a3_xna", "numeric(8,2)[]", "ARRAY[1.50, 2.25]", true);
    }

    @Test
    void x_jsonb_array() throws Exception {
        oneColumn("a3_xja", "jsonb[]", "ARRAY['{\"a\":1}'::jsonb]", true);
    }

    @Test
    void x_time_array() throws Exception {
        oneColumn("a3_xta", "time[]", "ARRAY[time '10:00:00.5']", true);
    }
}
