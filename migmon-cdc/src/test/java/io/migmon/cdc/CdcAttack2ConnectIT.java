package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.connect.ConnectorConfig;
import io.migmon.cdc.connect.KafkaConnectClient;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Adversarial review of issue 11 (second round) on the real Kafka Connect worker of {@link CdcTestEnvironment}:
 * Debezium 3.6.1 PostgreSQL connectors registered through {@link KafkaConnectClient} with the seeds of
 * {@link ConnectorConfig#debeziumPostgres}, the in-process KRaft broker, a {@link CdcEventProcessor} applying to the
 * target database {@code tgt} through the JDBC applier. Ground truth: source vs target rows and
 * {@code pg_xact_commit_timestamp} of the source rows ({@code track_commit_timestamp=on}).
 */
class CdcAttack2ConnectIT {

    private static final Duration HEARTBEAT = Duration.ofSeconds(1);
    private static final ExecutorService threads = Executors.newCachedThreadPool();

    @AfterAll
    static void tearDown() throws Exception {
        threads.shutdownNow();
        CdcTestEnvironment.get().stopConnect();
    }

    private static ConnectorConfig connector(CdcTestEnvironment env, String name, String table) {
        return ConnectorConfig.debeziumPostgres(name)
                .put("database.hostname", "127.0.0.1")
                .put("database.port", Integer.toString(env.postgresPort()))
                .put("database.user", "postgres").put("database.password", "postgres")
                .put("database.dbname", "postgres")
                .put("topic.prefix", name)
                .put("table.include.list", table)
                .put("slot.name", "migmon_" + name).put("publication.name", "migmon_" + name)
                .put("heartbeat.interval.ms", Long.toString(HEARTBEAT.toMillis()))
                .build();
    }

    private static CdcEventProcessor processor(CdcTestEnvironment env, SimpleMeterRegistry registry, String name,
                                               JdbcChangeApplier applier, String... topics) {
        Map<String, Object> consumer = new HashMap<>();
        consumer.put("bootstrap.servers", env.bootstrapServers());
        consumer.put("group.id", name + "-replica");
        return CdcEventProcessor.builder(name).meterRegistry(registry)
                .kafkaConsumer(consumer)
                .topics(topics)
                .applier(applier)
                .heartbeatInterval(HEARTBEAT)
                .lagRefreshInterval(Duration.ofMillis(250))
                .pollTimeout(Duration.ofMillis(100))
                .retryBackoff(Duration.ofMillis(100))
                .build();
    }

    /** now − commit time of the oldest source row whose id is above the target's highest, in seconds; 0 if none. */
    private static double truthSeconds(CdcTestEnvironment env, String table) throws Exception {
        long targetMax = LagPipeline.scalarLong(env.target(), "SELECT coalesce(max(id), 0) FROM " + table);
        try (Connection c = env.source().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT pg_xact_commit_timestamp(xmin) FROM " + table
                     + " WHERE id = (SELECT min(id) FROM " + table + " WHERE id > " + targetMax + ")")) {
            if (!rs.next()) {
                return 0;
            }
            Timestamp ts = rs.getTimestamp(1);
            long commitNanos = ts.getTime() / 1000 * 1_000_000_000L + ts.getNanos();
            return Math.max(0, LagPipeline.nowNanos() - commitNanos) / 1e9;
        }
    }

    /**
     * Finding 6. One processor replicating two connectors (two source tables, two heartbeat topics: the
     * configuration docs/cdc.md anticipates with "the oldest of the newest heartbeats of each heartbeat topic"). The
     * first connector is paused while its source table keeps being written; the second keeps sending heartbeats.
     * Expected (issue 11): DOWN {@code connector silent} within 2 heartbeat intervals, and the paused table's
     * replication lag growing with the truth. Actual: health stays UP (the connector rule uses the newest source time
     * of <em>any</em> connector) and the lag of the paused table (and overall) reads 0: heartbeats "flow" judged by
     * the newest arrival on any heartbeat topic, and the paused connector's last heartbeat is newer than its last
     * change.
     */
    @Test
    @Disabled("finding 6: two connectors, one paused while its source writes: health UP and replication lag 0 (truth grows 1 s/s)")
    void aPausedConnectorAmongTwoIsDownAndItsTableLagGrows() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String a = "att2ca";
        String b = "att2cb";
        String ddl = " (id bigint PRIMARY KEY, v text)";
        for (String t : List.of(a, b)) {
            CdcTestEnvironment.exec(env.source(), "CREATE TABLE public." + t + ddl);
            CdcTestEnvironment.exec(env.target(), "CREATE TABLE public." + t + ddl);
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KafkaConnectClient client = KafkaConnectClient.builder(env.connectUri()).build()) {
            client.createOrUpdate(connector(env, a, "public." + a));
            client.createOrUpdate(connector(env, b, "public." + b));
            Await.until(Duration.ofSeconds(90), "both RUNNING",
                    () -> client.status(a).isRunning() && client.status(b).isRunning());
            CdcEventProcessor processor = processor(env, registry, "att2c",
                    JdbcChangeApplier.builder(env.target()).build(),
                    a + ".public." + a, "__debezium-heartbeat." + a, b + ".public." + b, "__debezium-heartbeat." + b);
            Future<?> loop = threads.submit(processor);
            try {
                CdcTestEnvironment.exec(env.source(), "INSERT INTO public." + a + " SELECT g, 'a' FROM generate_series(1, 10) g",
                        "INSERT INTO public." + b + " SELECT g, 'b' FROM generate_series(1, 10) g");
                Await.until(Duration.ofSeconds(90), "both tables caught up", () ->
                        LagPipeline.scalarLong(env.target(), "SELECT count(*) FROM public." + a) == 10
                                && LagPipeline.scalarLong(env.target(), "SELECT count(*) FROM public." + b) == 10);
                Await.until(Duration.ofSeconds(30), "idle: lag 0, UP", () -> overall(registry) == 0
                        && processor.healthCheck().check().status() == HealthStatus.UP);

                client.pause(a);
                Await.until(Duration.ofSeconds(30), "PAUSED", () -> "PAUSED".equals(client.status(a).state()));
                long t0 = System.nanoTime();
                CdcTestEnvironment.exec(env.source(), "INSERT INTO public." + a + " SELECT g, 'a' FROM generate_series(11, 15) g");
                // 2 heartbeat intervals + 3 s of slack, as CdcTruthIT
                Thread.sleep(2 * HEARTBEAT.toMillis() + 3_000);
                Health h = processor.healthCheck().check();
                double tableLag = registry.get("cdc.replication.lag").tags("source_table", "public." + a,
                        "target_table", "public." + a).gauge().value();
                double overall = overall(registry);
                double truth = truthSeconds(env, "public." + a);
                System.err.println("att2 two connectors, " + a + " paused " + (System.nanoTime() - t0) / 1_000_000
                        + " ms: health " + h.status() + " " + h.reasons() + " " + h.details() + "; lag " + a + " "
                        + tableLag + " s, overall " + overall + " s, truth " + truth + " s, rows in target "
                        + LagPipeline.scalarLong(env.target(), "SELECT count(*) FROM public." + a));
                assertThat(truth).as("the paused connector's rows wait").isGreaterThan(4.0);
                assertThat(tableLag).as("replication lag of the paused table vs truth %.2f s", truth)
                        .isGreaterThan(truth - 2.0);
                assertThat(overall).as("overall replication lag vs truth %.2f s", truth).isGreaterThan(truth - 2.0);
                assertThat(h.status()).as("health %s", h.reasons()).isEqualTo(HealthStatus.DOWN);
                assertThat(h.reasons()).anySatisfy(r -> assertThat(r).contains("connector"));
            } finally {
                client.resume(a);
                processor.close();
                loop.get();
                client.delete(a);
                client.delete(b);
            }
        }
    }

    private static double overall(SimpleMeterRegistry registry) {
        return registry.get("cdc.replication.lag.overall").gauge().value();
    }

    /**
     * Finding 7. The docs' connector ({@link ConnectorConfig#debeziumPostgres}, "pgoutput, heartbeats,
     * decimal=string") and a {@code TRUNCATE} at the source: Debezium 3's {@code skipped.operations} defaults to
     * {@code t}, so the connector emits nothing for it, and the target keeps every row while the applier's truncate
     * support ({@code DELETE FROM t} for op {@code t}, documented) is never reached. No error, health UP: target and
     * source silently differ. Expected: the seeds make truncates flow ({@code skipped.operations=none}) or the docs
     * say they are dropped; actual: the target keeps 20 rows the source no longer has.
     */
    @Test
    @Disabled("finding 7: TRUNCATE at the source never reaches the target with ConnectorConfig.debeziumPostgres seeds (skipped.operations=t)")
    void aTruncateAtTheSourceEmptiesTheTargetWithTheSeededConnector() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String name = "att2tr";
        String t = "public." + name;
        String ddl = "CREATE TABLE " + t + " (id bigint PRIMARY KEY, v text)";
        CdcTestEnvironment.exec(env.source(), ddl);
        CdcTestEnvironment.exec(env.target(), ddl);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KafkaConnectClient client = KafkaConnectClient.builder(env.connectUri()).build()) {
            client.createOrUpdate(connector(env, name, t));
            Await.until(Duration.ofSeconds(90), "RUNNING", () -> client.status(name).isRunning());
            CdcEventProcessor processor = processor(env, registry, name, JdbcChangeApplier.builder(env.target()).build(),
                    name + ".public." + name, "__debezium-heartbeat." + name);
            Future<?> loop = threads.submit(processor);
            try {
                CdcTestEnvironment.exec(env.source(), "INSERT INTO " + t + " SELECT g, 'v' FROM generate_series(1, 20) g");
                Await.until(Duration.ofSeconds(90), "20 rows", () -> LagPipeline.scalarLong(env.target(),
                        "SELECT count(*) FROM " + t) == 20);
                CdcTestEnvironment.exec(env.source(), "TRUNCATE " + t,
                        "INSERT INTO " + t + " VALUES (100, 'after the truncate')");
                Await.until(Duration.ofSeconds(60), "the insert after the truncate arrived", () ->
                        LagPipeline.scalarLong(env.target(), "SELECT count(*) FROM " + t + " WHERE id = 100") == 1);
                Thread.sleep(2_000);
                List<String> source = CdcTestEnvironment.rows(env.source(), t);
                List<String> target = CdcTestEnvironment.rows(env.target(), t);
                System.err.println("att2 truncate: source " + source.size() + " rows, target " + target.size()
                        + " rows, health " + processor.healthCheck().check().status());
                assertThat(target).isEqualTo(source);
            } finally {
                processor.close();
                loop.get();
                client.delete(name);
            }
        }
    }

    /**
     * Issue 11's "target down" row re-driven with other numbers: 2 tables on 3-partition topics (6 data partitions),
     * a target PostgreSQL stopped for 30 s while the source writes ~50 changes/s, then restarted. Truth: target ==
     * source per table, {@code cdc_events_processed_total} == the source's row changes, health DOWN naming the
     * target during the outage, the replication lag growing ~1 s/s and never 0 while the target is down.
     */
    @Test
    @Disabled("held up 2026-11-27 03:42 UTC (load 15): DOWN naming the target and all 6 partitions after 2.5 s, lag slope 1.00,"
            + " never 0, processed 1550 == 1550 source events (26,811 redeliveries); 80 s, run on demand")
    void aThirtySecondTargetOutageOnSixPartitionsIsCountedOnceAndVisible() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String name = "att2o";
        List<String> tables = List.of("public.att2o1", "public.att2o2");
        String ddl = " (id bigint PRIMARY KEY, v text, n int)";
        RestartableTarget target = new RestartableTarget();
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", env.bootstrapServers()));
             KafkaConnectClient client = KafkaConnectClient.builder(env.connectUri()).build()) {
            for (String t : tables) {
                CdcTestEnvironment.exec(env.source(), "CREATE TABLE " + t + ddl);
                CdcTestEnvironment.exec(target.dataSource(), "CREATE TABLE " + t + ddl);
                admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(name + "." + t, 3, (short) 1)))
                        .all().get();
            }
            client.createOrUpdate(ConnectorConfig.debeziumPostgres(name)
                    .put("database.hostname", "127.0.0.1")
                    .put("database.port", Integer.toString(env.postgresPort()))
                    .put("database.user", "postgres").put("database.password", "postgres")
                    .put("database.dbname", "postgres").put("topic.prefix", name)
                    .put("table.include.list", String.join(",", tables))
                    .put("slot.name", "migmon_" + name).put("publication.name", "migmon_" + name)
                    .put("heartbeat.interval.ms", Long.toString(HEARTBEAT.toMillis())).build());
            Await.until(Duration.ofSeconds(90), "RUNNING", () -> client.status(name).isRunning());
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            CdcEventProcessor processor = processor(env, registry, name, JdbcChangeApplier.builder(target.dataSource())
                    .build(), name + "." + tables.get(0), name + "." + tables.get(1), "__debezium-heartbeat." + name);
            Future<?> loop = threads.submit(processor);
            java.util.concurrent.atomic.AtomicLong sourceEvents = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Future<?> writer = threads.submit(() -> {
                long id = 1;
                try (Connection c = env.source().getConnection(); Statement s = c.createStatement()) {
                    while (!stop.get()) {
                        sourceEvents.addAndGet(s.executeUpdate("INSERT INTO " + tables.get((int) (id % 2))
                                + " VALUES (" + id + ", 'v', 0)"));
                        if (id > 10) {
                            sourceEvents.addAndGet(s.executeUpdate("UPDATE " + tables.get((int) (id % 2))
                                    + " SET n = n + 1 WHERE id = " + (id - 10)));
                        }
                        id++;
                        Thread.sleep(40);
                    }
                }
                return null;
            });
            try {
                Await.until(Duration.ofSeconds(60), "streaming", () -> processor.eventsProcessed() > 50);
                target.stop();
                long t0 = System.nanoTime();
                Long downAfterMs = null;
                double lag10 = -1;
                double lag25 = -1;
                long t10 = 0;
                long t25 = 0;
                int zeroLagSamples = 0;
                String reasons = null;
                while ((System.nanoTime() - t0) < 30_000_000_000L) {
                    long ms = (System.nanoTime() - t0) / 1_000_000;
                    Health h = processor.healthCheck().check();
                    double lag = overall(registry);
                    if (ms > 3_000 && lag == 0) {
                        zeroLagSamples++;
                    }
                    if (downAfterMs == null && h.status() == HealthStatus.DOWN
                            && h.reasons().stream().anyMatch(r -> r.contains("target"))) {
                        downAfterMs = ms;
                        reasons = h.reasons() + " " + h.details();
                    }
                    if (lag10 < 0 && ms >= 10_000) {
                        lag10 = lag;
                        t10 = System.nanoTime();
                    }
                    if (lag25 < 0 && ms >= 25_000) {
                        lag25 = lag;
                        t25 = System.nanoTime();
                    }
                    Thread.sleep(250);
                }
                double slope = (lag25 - lag10) / ((t25 - t10) / 1e9);
                Health during = processor.healthCheck().check();
                target.start();
                Thread.sleep(3_000);
                stop.set(true);
                writer.get();
                for (String t : tables) {
                    Await.until(Duration.ofSeconds(120), "target == source " + t, () -> CdcTestEnvironment.rows(
                            env.source(), t).equals(CdcTestEnvironment.rows(target.dataSource(), t)));
                }
                Await.until(Duration.ofSeconds(30), "counter caught up", () -> processor.eventsProcessed() >= sourceEvents.get());
                Thread.sleep(1_000);
                double redelivered = registry.find("cdc.events.redelivered").counters().stream().mapToDouble(c -> c.count()).sum();
                System.err.println("att2 30 s target outage, 6 partitions: DOWN after " + downAfterMs + " ms " + reasons
                        + "; at 30 s " + during.reasons() + "; lag slope " + slope + " (" + lag10 + " -> " + lag25
                        + "); zero-lag samples " + zeroLagSamples + "; processed " + processor.eventsProcessed()
                        + " source events " + sourceEvents.get() + " redelivered " + redelivered);
                assertThat(downAfterMs).as("DOWN naming the target").isNotNull()
                        .isLessThan(2 * HEARTBEAT.toMillis() + 3_000 + 2_000);
                assertThat(zeroLagSamples).as("replication lag never 0 while the target is down").isZero();
                assertThat(slope).as("lag slope during the outage").isBetween(0.8, 1.2);
                assertThat(processor.eventsProcessed()).as("counted once").isEqualTo(sourceEvents.get());
                Await.until(Duration.ofSeconds(30), "UP", () -> processor.healthCheck().check().status() == HealthStatus.UP);
            } finally {
                stop.set(true);
                processor.close();
                loop.get();
                client.delete(name);
                target.close();
            }
        }
    }
}
