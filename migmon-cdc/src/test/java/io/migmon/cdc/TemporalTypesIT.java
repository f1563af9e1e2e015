package io.migmon.cdc;

import io.migmon.cdc.event.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.debezium.DebeziumEngineConsumer;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.core.metrics.MetricCatalog;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Real Debezium envelopes of a table with {@code date}, {@code time}, {@code time(3)}, {@code timestamp(0/3/6)},
 * {@code timestamptz} and {@code numeric} columns (embedded engine, default {@code time.precision.mode=adaptive}),
 * with and without the schema/payload wrapper, applied by the JDBC applier: target == source row for row, through
 * snapshot, updates, deletes (full before images) and inserts, with no dead letters; and
 * {@code time.precision.mode=connect} without schemas.
 */
class TemporalTypesIT {

    @Test
    void withSchemasTheSemanticTypesDriveTheConversion() throws Exception {
        replicate("tt_schema", true);
    }

    @Test
    void withoutSchemasTheUnitsAreInferredFromTheTargetColumns() throws Exception {
        replicate("tt_plain", false);
    }

    /**
     * {@code time.precision.mode=connect} without schemas: everything in milliseconds, so a {@code timestamp(6)} or
     * {@code time} column is read as milliseconds only when the applier is told the mode (the values here are
     * millisecond-precise, which is all that mode can carry).
     */
    @Test
    void withoutSchemasInConnectModeTheApplierNeedsTheConnectorsMode() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String qualified = "public.tt_connect";
        String ddl = "CREATE TABLE " + qualified + " (id int PRIMARY KEY, d date, t time, t3 time(3), ts3 timestamp(3),"
                + " ts6 timestamp(6), tstz timestamptz)";
        CdcTestEnvironment.exec(env.source(), ddl, "ALTER TABLE " + qualified + " REPLICA IDENTITY FULL",
                "INSERT INTO " + qualified + " SELECT g, date '1965-05-05' + g * 401, time '00:00:00.001' + g * interval '2345.678 s',"
                        + " time '23:00' + g * interval '0.125 s', timestamp '1955-01-01 00:00:00.001' + g * interval '77 days 0.009 s',"
                        + " timestamp '2030-12-31 23:59:59.999' - g * interval '99 days 0.333 s', now() FROM generate_series(1, 20) g");
        CdcTestEnvironment.exec(env.target(), ddl);
        try (CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(new SimpleMeterRegistry())
                .applier(JdbcChangeApplier.builder(env.target()).timePrecisionMode("connect").build()).build()) {
            Properties props = engineProperties(env, "tt_connect", false);
            props.setProperty("time.precision.mode", "connect");
            runEngine(props, processor, () -> {
                CdcTestEnvironment.exec(env.source(),
                        "UPDATE " + qualified + " SET ts6 = ts6 + interval '1.001 s', t = t + interval '0.001 s' WHERE id <= 5",
                        "DELETE FROM " + qualified + " WHERE id = 20",
                        "INSERT INTO " + qualified + " VALUES (100, '2000-02-29', '13:14:15.161', '13:14:15.161',"
                                + " '2038-01-19 03:14:07.999', '1969-12-31 23:59:59.999', '2000-01-01 00:00:00.001+02')");
                return CdcTestEnvironment.rows(env.source(), qualified);
            }, () -> CdcTestEnvironment.rows(env.target(), qualified), () -> CdcTestEnvironment.rows(env.source(), qualified));
        }
    }

    interface Rows {
        List<String> get() throws Exception;
    }

    /** Starts the engine, waits for the snapshot (target == source), runs {@code change}, waits for target == source. */
    private static void runEngine(Properties props, CdcEventProcessor processor, Rows change, Rows target, Rows source)
            throws Exception {
        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (DebeziumEngine<io.debezium.engine.ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                .using(props).notifying(new DebeziumEngineConsumer(processor)).build()) {
            executor.execute(engine);
            List<String> snapshot = source.get();
            Await.until(Duration.ofSeconds(60), "snapshot applied", () -> target.get().size() == snapshot.size());
            assertThat(target.get()).isEqualTo(snapshot);
            List<String> after = change.get();
            Await.until(Duration.ofSeconds(60), "target == source", () -> target.get().equals(after));
        } finally {
            executor.shutdown();
            executor.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    private static Properties engineProperties(CdcTestEnvironment env, String table, boolean schemas) {
        Properties props = env.engineProperties(table, table, "public." + table);
        props.setProperty("converter.schemas.enable", Boolean.toString(schemas));
        return props;
    }

    private static void replicate(String table, boolean schemas) throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String qualified = "public." + table;
        String ddl = "CREATE TABLE " + qualified + " (id int PRIMARY KEY, d date, t time, t3 time(3), ts0 timestamp(0),"
                + " ts3 timestamp(3), ts6 timestamp(6), ts timestamp, tstz timestamptz, amount numeric(12,4), note text)";
        CdcTestEnvironment.exec(env.source(), ddl, "ALTER TABLE " + qualified + " REPLICA IDENTITY FULL",
                "INSERT INTO " + qualified + " SELECT g, date '2024-02-29' + g * 97 - 20000,"
                        + " time '00:00:00' + g * interval '1234.567891 s', time '12:00' + g * interval '1.234 s',"
                        + " timestamp '2020-01-01 10:00:00' + g * interval '1 hour 1 s',"
                        + " timestamp '1950-01-01 00:00:00.123' + g * interval '123 days 4.567 s',"
                        + " timestamp '1960-06-15 12:34:56.654321' + g * interval '200 days 0.000007 s',"
                        + " timestamp '1969-12-31 23:59:59.999999' + g * interval '1 day 0.000001 s',"
                        + " timestamptz '2024-03-10 01:30:00.5+00' + g * interval '1 day 0.000001 s',"
                        + " g * 1.2345, 'n' || g FROM generate_series(1, 40) g",
                "INSERT INTO " + qualified + " (id) VALUES (1000)",
                "INSERT INTO " + qualified + " VALUES (1001, '0001-01-01', '23:59:59.999999', '00:00:00.001',"
                        + " '1900-01-01 00:00:01', '1969-12-31 23:59:59.999', '1899-12-31 23:59:59.999999',"
                        + " '2262-04-11 23:47:16.854775', '1970-01-01 00:00:00+05', 0, 'edge')",
                "INSERT INTO " + qualified + " (id, t, ts6, ts3) VALUES (1002, '24:00:00', 'infinity', '-infinity')");
        CdcTestEnvironment.exec(env.target(), ddl);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).build())
                .build();
        Properties props = engineProperties(env, table, schemas);

        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (DebeziumEngine<io.debezium.engine.ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                .using(props).notifying(new DebeziumEngineConsumer(processor)).build()) {
            executor.execute(engine);
            List<String> snapshot = CdcTestEnvironment.rows(env.source(), qualified);
            Await.until(Duration.ofSeconds(60), "snapshot applied",
                    () -> CdcTestEnvironment.rows(env.target(), qualified).size() == snapshot.size()
                            || deadLetters(registry) > 0);
            assertThat(deadLetters(registry)).as("dead letters").isZero();
            assertThat(CdcTestEnvironment.rows(env.target(), qualified)).isEqualTo(snapshot);

            CdcTestEnvironment.exec(env.source(),
                    "UPDATE " + qualified + " SET ts6 = ts6 + interval '1.000001 s', d = d + 1, t3 = t3 + interval '0.001 s',"
                            + " ts = ts - interval '10 years' WHERE id <= 10",
                    "DELETE FROM " + qualified + " WHERE id BETWEEN 30 AND 35",
                    "INSERT INTO " + qualified + " VALUES (2000, '2000-02-29', '13:14:15.161718', '13:14:15.161',"
                            + " '2038-01-19 03:14:08', '2038-01-19 03:14:07.999', '2038-01-19 03:14:07.123456',"
                            + " '1970-01-01 00:00:00', '2000-01-01 00:00:00.000001+02', 123456.7891, 'streamed')");
            List<String> source = CdcTestEnvironment.rows(env.source(), qualified);
            Await.until(Duration.ofSeconds(60), "target == source",
                    () -> CdcTestEnvironment.rows(env.target(), qualified).equals(source) || deadLetters(registry) > 0);
            assertThat(deadLetters(registry)).as("dead letters").isZero();
            assertThat(CdcTestEnvironment.rows(env.target(), qualified)).isEqualTo(source);
            assertThat(source).anyMatch(r -> r.startsWith("2000|2000-02-29|13:14:15.161718|13:14:15.161|"));
        } finally {
            executor.shutdown();
            executor.awaitTermination(30, TimeUnit.SECONDS);
            processor.close();
        }
    }

    private static double deadLetters(SimpleMeterRegistry registry) {
        return registry.find(MetricCatalog.CDC_DEAD_LETTERS.name()).counters().stream().mapToDouble(c -> c.count()).sum();
    }
}
