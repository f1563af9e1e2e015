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

import static io.migmon.cdc.CdcTestEnvironment.query;
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

    /** The seeded Debezium PostgreSQL connector on the shared source, slot and publication {@code migmon_<name>}. */
    static ConnectorConfig connector(CdcTestEnvironment env, String name, String table) {
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
                // the status says PAUSED before the task's poll in progress returns (its records are still sent: seen
                // 2026-11-27 04:21, rows 11-15 in the target, truth 0); let that poll drain before the source writes
                Thread.sleep(3_000);
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
                env.dropSlot(a);
                env.dropSlot(b);
            }
        }
    }

    /**
     * Drops a deleted connector's replication slot (the one shared PostgreSQL has 10): the slot stays active until the
     * task has stopped, so this waits for it to be released.
     */
    private static double overall(SimpleMeterRegistry registry) {
        return registry.get("cdc.replication.lag.overall").gauge().value();
    }

    /**
     * Finding 7. The docs' connector ({@link ConnectorConfig#debeziumPostgres}, "pgoutput, heartbeats,
     * decimal=string") and a {@code TRUNCATE} at the source: Debezium 3's {@code skipped.operations} defaults to
     * {@code t}, so the connector emits nothing for it, and the target keeps every row while the applier's truncate
     * support ({@code DELETE FROM t} for op {@code t}, documented) is never reached. Decision: the seeds keep (now
     * explicitly) {@code skipped.operations=t} — a truncate applied to the target deletes rows other sources may have
     * put there — and docs/cdc.md says so loudly; this test pins the seed and that the documented opt-in
     * ({@code skipped.operations=none}) makes a source truncate empty the target.
     */
    @Test
    void aTruncateAtTheSourceEmptiesTheTargetWithTheDocumentedOptIn() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String name = "att2tr";
        String t = "public." + name;
        String ddl = "CREATE TABLE " + t + " (id bigint PRIMARY KEY, v text)";
        CdcTestEnvironment.exec(env.source(), ddl);
        CdcTestEnvironment.exec(env.target(), ddl);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KafkaConnectClient client = KafkaConnectClient.builder(env.connectUri()).build()) {
            ConnectorConfig seeded = connector(env, name, t);
            assertThat(seeded.asMap()).containsEntry("skipped.operations", "t");
            client.createOrUpdate(ConnectorConfig.builder(name, ConnectorConfig.DEBEZIUM_POSTGRES)
                    .putAll(seeded.asMap()).put("skipped.operations", "none").build());
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
                env.dropSlot(name);
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
                env.dropSlot(name);
                target.close();
            }
        }
    }

    /** The group's committed offset of {@code tp} on the broker; 0 when none. */
    private static long committed(org.apache.kafka.clients.admin.Admin admin, String group,
                                  org.apache.kafka.common.TopicPartition tp) throws Exception {
        var m = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        return m.get(tp) == null ? 0 : m.get(tp).offset();
    }

    /** Kafka timestamp (ms) of the record at {@code offset}, or -1 when there is none (caught up). */
    private static long timestampAt(org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> peek,
                                    org.apache.kafka.common.TopicPartition tp, long offset) {
        long end = peek.endOffsets(List.of(tp)).get(tp);
        if (offset >= end) {
            return -1;
        }
        peek.seek(tp, offset);
        for (int i = 0; i < 20; i++) {
            for (var r : peek.poll(Duration.ofMillis(100))) {
                if (r.offset() >= offset) {
                    return r.timestamp();
                }
            }
        }
        throw new IllegalStateException("no record at " + tp + "@" + offset);
    }

    /**
     * Consumer lag in seconds against ground truth, which docs/cdc.md lists as not covered ("no ground truth for
     * Kafka timestamps here"): the gauge claims the age of the oldest record not yet applied and committed. Truth,
     * per sample: the group's committed offset read from the broker just before and just after the gauge, and the
     * Kafka timestamp of the record at each; the truth lies between the two ages (the distance from that interval
     * is the error). Phases: a slow target (50 rows/s capacity) under 100 rows/s for 10 s, then the apply blocked
     * for 6 s under the same load.
     */
    @Test
    @Disabled("measurement, held within 1 s on 2026-11-27 03:47 UTC (load 18-19): slow target mean |err| 0.210 s, max 0.875 s"
            + " (15 samples); blocked mean 0.066 s, max 0.530 s (8 samples); never 0 while records waited; 77 s, run on demand")
    void consumerLagSecondsIsTheAgeOfTheOldestUncommittedRecord() throws Exception {
        LagPipeline pipe = new LagPipeline("att2cl", HEARTBEAT);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", pipe.env.bootstrapServers()));
             org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> peek =
                     new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.of("bootstrap.servers",
                             pipe.env.bootstrapServers()), new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                             new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            pipe.startProcessor();
            var tp = new org.apache.kafka.common.TopicPartition(pipe.dataTopic, 0);
            peek.assign(List.of(tp));
            String group = pipe.name + "-replica";
            java.util.concurrent.atomic.AtomicLong nextId = new java.util.concurrent.atomic.AtomicLong(1);
            Future<?> writer = threads.submit(() -> {
                while (!stop.get()) {
                    long id = nextId.getAndIncrement();
                    pipe.write("INSERT INTO " + pipe.table + " VALUES (" + id + ", 'v', 0)");
                    Thread.sleep(10);
                }
                return null;
            });
            Await.until(Duration.ofSeconds(60), "streaming", () -> pipe.targetMaxId() > 50);
            StringBuilder report = new StringBuilder();
            double worst = 0;
            for (String phase : List.of("slow", "blocked")) {
                if (phase.equals("slow")) {
                    pipe.delayPerRowMicros = 20_000;
                } else {
                    pipe.delayPerRowMicros = 0;
                    pipe.blocked = true;
                }
                double sum = 0;
                double max = 0;
                int n = 0;
                int zeroWhileWaiting = 0;
                long phaseEnd = System.nanoTime() + (phase.equals("slow") ? 10_000 : 6_000) * 1_000_000L;
                while (System.nanoTime() < phaseEnd) {
                    long c1 = committed(admin, group, tp);
                    long nowMs = System.currentTimeMillis();
                    double gauge = pipe.consumerLagSeconds();
                    long c2 = committed(admin, group, tp);
                    long ts1 = timestampAt(peek, tp, c1);
                    long ts2 = timestampAt(peek, tp, c2);
                    double hi = ts1 < 0 ? 0 : (nowMs - ts1) / 1000.0; // the older record: the larger age
                    double lo = ts2 < 0 ? 0 : (nowMs - ts2) / 1000.0;
                    double err = gauge > hi ? gauge - hi : gauge < lo ? lo - gauge : 0;
                    if (gauge == 0 && lo > 0) {
                        zeroWhileWaiting++;
                    }
                    sum += err;
                    max = Math.max(max, err);
                    n++;
                    Thread.sleep(250);
                }
                worst = Math.max(worst, max);
                report.append(String.format("%s: %d samples, mean |err| %.3f s, max %.3f s, gauge 0 while waiting %d; ",
                        phase, n, sum / n, max, zeroWhileWaiting));
                pipe.blocked = false;
                pipe.delayPerRowMicros = 0;
            }
            System.err.println("att2 consumer lag seconds vs truth (" + java.time.Instant.now() + "): " + report);
            assertThat(worst).as(report.toString()).isLessThan(1.0);
        } finally {
            stop.set(true);
            pipe.blocked = false;
            pipe.close();
        }
    }

    /**
     * Counting across a graceful rebalance: two processors in one group on a 3-partition topic, the second joining
     * while the source writes and leaving ({@code close()}) again. Truth: target == source, and the processors'
     * {@code cdc_events_processed_total} summed == the source's row changes (a clean hand-over commits before
     * revocation, so no event should be counted by both).
     */
    @Test
    @Disabled("held up 2026-11-27 03:50 UTC (load 20): p1 1122 + p2 245 = 1367 == 1367 source events, 0 redeliveries;"
            + " 70 s, run on demand")
    void aSecondProcessorJoiningAndLeavingCountsEveryEventOnceAcrossBoth() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String name = "att2rb";
        String t = "public." + name;
        String ddl = "CREATE TABLE " + t + " (id bigint PRIMARY KEY, v text, n int)";
        CdcTestEnvironment.exec(env.source(), ddl);
        CdcTestEnvironment.exec(env.target(), ddl);
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(
                Map.of("bootstrap.servers", env.bootstrapServers()));
             KafkaConnectClient client = KafkaConnectClient.builder(env.connectUri()).build()) {
            admin.createTopics(List.of(new org.apache.kafka.clients.admin.NewTopic(name + "." + t, 3, (short) 1))).all().get();
            client.createOrUpdate(connector(env, name, t));
            Await.until(Duration.ofSeconds(90), "RUNNING", () -> client.status(name).isRunning());
            String[] topics = {name + "." + t, "__debezium-heartbeat." + name};
            SimpleMeterRegistry r1 = new SimpleMeterRegistry();
            SimpleMeterRegistry r2 = new SimpleMeterRegistry();
            CdcEventProcessor p1 = processor(env, r1, name, JdbcChangeApplier.builder(env.target()).build(), topics);
            CdcEventProcessor p2 = processor(env, r2, name, JdbcChangeApplier.builder(env.target()).build(), topics);
            java.util.concurrent.atomic.AtomicLong sourceEvents = new java.util.concurrent.atomic.AtomicLong();
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Future<?> loop1 = threads.submit(p1);
            Future<?> loop2 = null;
            Future<?> writer = threads.submit(() -> {
                long id = 1;
                try (Connection c = env.source().getConnection(); Statement s = c.createStatement()) {
                    while (!stop.get()) {
                        sourceEvents.addAndGet(s.executeUpdate("INSERT INTO " + t + " VALUES (" + id + ", 'v', 0)"));
                        if (id > 5) {
                            sourceEvents.addAndGet(s.executeUpdate("UPDATE " + t + " SET n = n + 1 WHERE id = " + (id - 5)));
                        }
                        id++;
                        Thread.sleep(10);
                    }
                }
                return null;
            });
            long p2Processed;
            double redelivered;
            try {
                Await.until(Duration.ofSeconds(60), "streaming", () -> p1.eventsProcessed() > 100);
                loop2 = threads.submit(p2);
                Await.until(Duration.ofSeconds(60), "the second processor applies", () -> p2.eventsProcessed() > 100);
                Thread.sleep(3_000);
                p2Processed = p2.eventsProcessed();
                redelivered = r2.find("cdc.events.redelivered").counters().stream().mapToDouble(c -> c.count()).sum();
                p2.close();
                loop2.get();
                p2Processed = Math.max(p2Processed, p2.eventsProcessed());
                Thread.sleep(3_000);
                stop.set(true);
                writer.get();
                Await.until(Duration.ofSeconds(120), "target == source", () -> CdcTestEnvironment.rows(env.source(), t)
                        .equals(CdcTestEnvironment.rows(env.target(), t)));
                long p2Final = p2Processed;
                Await.until(Duration.ofSeconds(30), "counters caught up",
                        () -> p1.eventsProcessed() + p2Final >= sourceEvents.get());
                Thread.sleep(1_000);
                redelivered += r1.find("cdc.events.redelivered").counters().stream().mapToDouble(c -> c.count()).sum();
                System.err.println("att2 rebalance: p1 " + p1.eventsProcessed() + " + p2 " + p2Final + " = "
                        + (p1.eventsProcessed() + p2Final) + " vs source events " + sourceEvents.get()
                        + ", redelivered " + redelivered);
                assertThat(p1.eventsProcessed() + p2Final).as("each event counted once across both processors")
                        .isEqualTo(sourceEvents.get());
            } finally {
                stop.set(true);
                p1.close();
                p2.close();
                loop1.get();
                if (loop2 != null) {
                    loop2.get();
                }
                client.delete(name);
                env.dropSlot(name);
            }
        }
    }

    /**
     * Finding 11. Per-table replication lag of an idle table while another table of the same connector streams
     * (the docs' connector seeds: no transaction metadata). Table A is caught up (target == source) and idle; table
     * B takes a steady 50 inserts/s. Truth for A: 0 (nothing of A waits; every A row is in the target). The gauge of
     * A grows 1 s per second from A's last applied change: the "a heartbeat newer than the last change" test uses
     * the newest change of <em>any</em> table, which under B's stream is almost always newer than the newest
     * heartbeat, so A falls back to its own last applied change.
     */
    @Test
    void anIdleTablesLagStaysNearZeroWhileAnotherTableStreams() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String name = "att2it";
        String a = "public.att2ita";
        String b = "public.att2itb";
        for (String t : List.of(a, b)) {
            CdcTestEnvironment.exec(env.source(), "CREATE TABLE " + t + " (id bigint PRIMARY KEY, v text)");
            CdcTestEnvironment.exec(env.target(), "CREATE TABLE " + t + " (id bigint PRIMARY KEY, v text)");
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KafkaConnectClient client = KafkaConnectClient.builder(env.connectUri()).build()) {
            client.createOrUpdate(connector(env, name, a + "," + b));
            Await.until(Duration.ofSeconds(90), "RUNNING", () -> client.status(name).isRunning());
            CdcEventProcessor processor = processor(env, registry, name, JdbcChangeApplier.builder(env.target()).build(),
                    name + "." + a, name + "." + b, "__debezium-heartbeat." + name);
            Future<?> loop = threads.submit(processor);
            java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
            Future<?> writer = null;
            try {
                CdcTestEnvironment.exec(env.source(), "INSERT INTO " + a + " SELECT g, 'a' FROM generate_series(1, 10) g",
                        "INSERT INTO " + b + " VALUES (0, 'b')");
                Await.until(Duration.ofSeconds(90), "A caught up", () -> CdcTestEnvironment.rows(env.source(), a)
                        .equals(CdcTestEnvironment.rows(env.target(), a)) && LagPipeline.scalarLong(env.target(),
                        "SELECT count(*) FROM " + b) == 1);
                writer = threads.submit(() -> {
                    long id = 1;
                    try (Connection c = env.source().getConnection(); Statement s = c.createStatement()) {
                        while (!stop.get()) {
                            s.executeUpdate("INSERT INTO " + b + " VALUES (" + id++ + ", 'b')");
                            Thread.sleep(20);
                        }
                    }
                    return null;
                });
                double max = 0;
                long t0 = System.nanoTime();
                StringBuilder trace = new StringBuilder();
                while (System.nanoTime() - t0 < 15_000_000_000L) {
                    double lagA = registry.get("cdc.replication.lag").tags("source_table", a, "target_table", a)
                            .gauge().value();
                    max = Math.max(max, lagA);
                    trace.append(String.format("%.1f ", lagA));
                    Thread.sleep(1_000);
                }
                boolean aCurrent = CdcTestEnvironment.rows(env.source(), a).equals(CdcTestEnvironment.rows(env.target(), a));
                System.err.println("att2 idle table beside a streaming one: lag of " + a + " per second [" + trace
                        + "] max " + max + " s; A target == source: " + aCurrent + "; overall "
                        + overall(registry));
                assertThat(aCurrent).as("truth: A is current (lag 0)").isTrue();
                // one heartbeat interval + its tolerance max(1 s, interval / 2) + 1 s of slack
                assertThat(max).as("A's replication lag (truth 0): %s", trace).isLessThan(3.0);
            } finally {
                stop.set(true);
                if (writer != null) {
                    writer.get();
                }
                processor.close();
                loop.get();
                client.delete(name);
                env.dropSlot(name);
            }
        }
    }

    /**
     * Finding 15. A processor restarted over a backlog (a deploy while the source writes: the old processor closed, 15 s of
     * changes waiting at the broker, a new processor in the same group). Truth: now − commit time of the oldest
     * source row not in the target. The new processor's replication lag is sampled every 100 ms from the moment it
     * is built until it has caught up: a sample reading 0 (or far below the truth) while rows wait is the finding.
     */
    @Test
    void aRestartedProcessorOverABacklogDoesNotReadZeroReplicationLag() throws Exception {
        LagPipeline pipe = new LagPipeline("att2rs", HEARTBEAT);
        java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
        try {
            pipe.startProcessor();
            java.util.concurrent.atomic.AtomicLong nextId = new java.util.concurrent.atomic.AtomicLong(1);
            Future<?> writer = threads.submit(() -> {
                while (!stop.get()) {
                    pipe.write("INSERT INTO " + pipe.table + " VALUES (" + nextId.getAndIncrement() + ", 'v', 0)");
                    Thread.sleep(20);
                }
                return null;
            });
            Await.until(Duration.ofSeconds(60), "streaming", () -> pipe.targetMaxId() > 50);
            pipe.processor.close();
            Thread.sleep(15_000);
            java.util.concurrent.atomic.AtomicBoolean sampling = new java.util.concurrent.atomic.AtomicBoolean(true);
            List<String> bad = new java.util.concurrent.CopyOnWriteArrayList<>();
            java.util.concurrent.atomic.AtomicInteger samples = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicInteger absent = new java.util.concurrent.atomic.AtomicInteger();
            long t0 = System.nanoTime();
            Future<?> sampler = threads.submit(() -> {
                while (sampling.get()) {
                    long before = pipe.targetMaxId();
                    long now = LagPipeline.nowNanos();
                    var g = pipe.registry.find("cdc.replication.lag.overall").tag("processor", pipe.name).gauge();
                    if (g == null) {
                        absent.incrementAndGet();
                    } else {
                        double gauge = g.value();
                        double truthHi = pipe.truthSeconds(now, before);
                        double truthLo = pipe.truthSeconds(now, pipe.targetMaxId());
                        samples.incrementAndGet();
                        if (gauge < truthLo - 1.0 || gauge > truthHi + 1.0) {
                            bad.add(String.format("t=%dms gauge %.2f truth %.2f-%.2f", (System.nanoTime() - t0) / 1_000_000,
                                    gauge, truthLo, truthHi));
                        }
                    }
                    Thread.sleep(100);
                }
                return null;
            });
            pipe.startProcessor();
            Await.until(Duration.ofSeconds(90), "caught up", () -> pipe.truthSeconds(LagPipeline.nowNanos(),
                    pipe.targetMaxId()) < 1.0);
            sampling.set(false);
            sampler.get();
            stop.set(true);
            writer.get();
            System.err.println("att2 restart over a backlog: " + samples.get() + " samples, " + absent.get()
                    + " with the gauge absent, off by > 1 s: " + bad.size() + " " + bad.subList(0, Math.min(10, bad.size())));
            assertThat(bad).as("samples off by more than 1 s from the truth").isEmpty();
        } finally {
            stop.set(true);
            pipe.close();
        }
    }

    /**
     * Finding 16. "A new table appearing in the topic pattern" with the docs' connector: {@link
     * ConnectorConfig#debeziumPostgres} seeds {@code publication.autocreate.mode=filtered}, so the publication lists
     * the tables that matched {@code table.include.list} when the connector task started. A table created afterwards
     * that matches the include list (and the processor's {@code topicPattern}, with schema evolution on) is not
     * published: its rows never reach Kafka, the processor or the target, and nothing reports it (health UP, lag 0).
     * Decision (docs/cdc.md "New source tables"): the processor cannot see a table that never reaches Kafka, so the
     * documented procedures are pinned here end to end: (1) without a step, nothing arrives (the limitation, kept
     * visible); (2) restarting the connector task does not help with the seeds: Debezium 3.6.1 tries
     * {@code ALTER PUBLICATION .. SET TABLE .. WITH (publish = ..)} (a syntax error; {@code skipped.operations=t}
     * gives the {@code WITH}) and its task restarts every 10 s with nothing streamed; adding the table to the
     * publication by hand recovers it, and rows written after that arrive (rows written before are not streamed:
     * snapshot them); (3) adding the table to the publication in the migration that creates it, in the same
     * transaction, makes every row arrive without a restart. Truth: the source's rows vs the target's.
     */
    @Test
    void aTableCreatedAfterTheConnectorStartedReachesTheTargetWithTheDocumentedSteps() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String name = "att2nt";
        String publication = "migmon_" + name;
        CdcTestEnvironment.exec(env.source(), "CREATE TABLE public.att2nt_a (id bigint PRIMARY KEY, v text)");
        CdcTestEnvironment.exec(env.target(), "CREATE TABLE public.att2nt_a (id bigint PRIMARY KEY, v text)");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KafkaConnectClient client = KafkaConnectClient.builder(env.connectUri()).build()) {
            client.createOrUpdate(connector(env, name, "public\\.att2nt_.*"));
            Await.until(Duration.ofSeconds(90), "RUNNING", () -> client.status(name).isRunning());
            Map<String, Object> consumer = new HashMap<>();
            consumer.put("bootstrap.servers", env.bootstrapServers());
            consumer.put("group.id", name + "-replica");
            CdcEventProcessor processor = CdcEventProcessor.builder(name).meterRegistry(registry).kafkaConsumer(consumer)
                    .topicPattern(java.util.regex.Pattern.compile("att2nt\\..*|__debezium-heartbeat\\.att2nt"))
                    .applier(JdbcChangeApplier.builder(env.target()).schemaEvolution(true).build())
                    .heartbeatInterval(HEARTBEAT).pollTimeout(Duration.ofMillis(100)).build();
            Future<?> loop = threads.submit(processor);
            try {
                CdcTestEnvironment.exec(env.source(), "INSERT INTO public.att2nt_a VALUES (1, 'a')");
                Await.until(Duration.ofSeconds(90), "the first table flows", () -> LagPipeline.scalarLong(env.target(),
                        "SELECT count(*) FROM public.att2nt_a") == 1);

                // (1) no step: the new table is not in the publication, its rows never arrive
                CdcTestEnvironment.exec(env.source(), "CREATE TABLE public.att2nt_b (id bigint PRIMARY KEY, v text)",
                        "INSERT INTO public.att2nt_b VALUES (1, 'b'), (2, 'b')",
                        "INSERT INTO public.att2nt_a VALUES (2, 'a')");
                Await.until(Duration.ofSeconds(60), "table a's second row (b's rows were written before it)", () ->
                        LagPipeline.scalarLong(env.target(), "SELECT count(*) FROM public.att2nt_a") == 2);
                boolean arrivedWithoutStep = CdcAttack2IT.eventually(10, () -> LagPipeline.scalarLong(env.target(),
                        "SELECT count(*) FROM public.att2nt_b") > 0);
                List<String> publishedBefore = query(env.source(),
                        "SELECT tablename FROM pg_publication_tables WHERE pubname = '" + publication + "' ORDER BY 1");

                // (2) restart the connector task: Debezium 3.6.1 tries to update the filtered publication at task
                // start, but with the seeds' skipped.operations=t its statement is "ALTER PUBLICATION .. SET TABLE ..
                // WITH (publish = '..')", a syntax error: the task restarts every 10 s, nothing streams. Recovery: add
                // the table to the publication by hand; the task's next start finds the publication up to date.
                client.restart(name, true, false);
                boolean updatedByRestart = CdcAttack2IT.eventually(25, () -> query(env.source(),
                        "SELECT tablename FROM pg_publication_tables WHERE pubname = '" + publication + "'")
                        .contains("att2nt_b|"));
                CdcTestEnvironment.exec(env.source(), "ALTER PUBLICATION " + publication + " ADD TABLE public.att2nt_b");
                CdcTestEnvironment.exec(env.source(), "INSERT INTO public.att2nt_b VALUES (3, 'after ADD TABLE')",
                        "INSERT INTO public.att2nt_a VALUES (3, 'a')");
                boolean afterRestart = CdcAttack2IT.eventually(60, () -> LagPipeline.scalarLong(env.target(),
                        "SELECT count(*) FROM public.att2nt_b WHERE id = 3") == 1
                        && LagPipeline.scalarLong(env.target(), "SELECT count(*) FROM public.att2nt_a") == 3);
                long writtenBeforeRestart = afterRestart ? LagPipeline.scalarLong(env.target(),
                        "SELECT count(*) FROM public.att2nt_b WHERE id < 3") : -1;

                // (3) the migration that creates the table adds it to the publication, in the same transaction
                try (Connection c = env.source().getConnection(); Statement st = c.createStatement()) {
                    c.setAutoCommit(false);
                    st.execute("CREATE TABLE public.att2nt_c (id bigint PRIMARY KEY, v text)");
                    st.execute("ALTER PUBLICATION " + publication + " ADD TABLE public.att2nt_c");
                    c.commit();
                }
                CdcTestEnvironment.exec(env.source(), "INSERT INTO public.att2nt_c VALUES (1, 'c'), (2, 'c')");
                boolean withMigrationStep = CdcAttack2IT.eventually(60, () -> LagPipeline.scalarLong(env.target(),
                        "SELECT count(*) FROM public.att2nt_c") == 2);

                Health h = processor.healthCheck().check();
                System.err.println("att2 new table after connector start: (1) no step: arrived " + arrivedWithoutStep
                        + ", publication " + publishedBefore + "; (2) restart: publication updated by Debezium " + updatedByRestart
                        + ", after ADD TABLE by hand a row written after it arrived " + afterRestart
                        + ", rows written before it in the target " + writtenBeforeRestart + "/2; (3) ALTER PUBLICATION"
                        + " ADD TABLE in the creating transaction: 2 rows arrived " + withMigrationStep + "; health "
                        + h.status() + " " + h.details().get("state") + ", dead letters " + processor.deadLettered());
                assertThat(arrivedWithoutStep).as("(1) without a step the new table is not published").isFalse();
                assertThat(publishedBefore).containsExactly("att2nt_a|");
                assertThat(updatedByRestart).as("(2) Debezium 3.6.1 cannot alter the publication with the seeds").isFalse();
                assertThat(afterRestart).as("(2) a row written after ADD TABLE by hand, and table a flows again").isTrue();
                assertThat(writtenBeforeRestart).as("(2) rows written before the table was published are not streamed")
                        .isZero();
                assertThat(withMigrationStep).as("(3) rows of a table added to the publication when created").isTrue();
                assertThat(CdcTestEnvironment.rows(env.target(), "public.att2nt_c"))
                        .isEqualTo(CdcTestEnvironment.rows(env.source(), "public.att2nt_c"));
                assertThat(processor.deadLettered()).isZero();
            } finally {
                processor.close();
                loop.get();
                client.delete(name);
                env.dropSlot(name);
            }
        }
    }

    /**
     * The other half of finding 7: with {@code skipped.operations=none} the connector emits the truncate; the
     * applier's documented {@code DELETE FROM t} must then leave the target as the source (rows inserted after the
     * truncate kept). Truth: source rows vs target rows.
     */
    @Test
    @Disabled("held up 2026-11-27 04:06 UTC: truncate applied (counted once), target == source (1 row); 36 s, run on demand")
    void withTruncatesEnabledATruncateEmptiesTheTarget() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String name = "att2tr2";
        String t = "public." + name;
        String ddl = "CREATE TABLE " + t + " (id bigint PRIMARY KEY, v text)";
        CdcTestEnvironment.exec(env.source(), ddl);
        CdcTestEnvironment.exec(env.target(), ddl);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KafkaConnectClient client = KafkaConnectClient.builder(env.connectUri()).build()) {
            client.createOrUpdate(ConnectorConfig.debeziumPostgres(name)
                    .put("database.hostname", "127.0.0.1")
                    .put("database.port", Integer.toString(env.postgresPort()))
                    .put("database.user", "postgres").put("database.password", "postgres")
                    .put("database.dbname", "postgres").put("topic.prefix", name)
                    .put("table.include.list", t)
                    .put("slot.name", "migmon_" + name).put("publication.name", "migmon_" + name)
                    .put("heartbeat.interval.ms", Long.toString(HEARTBEAT.toMillis()))
                    .put("skipped.operations", "none").build());
            Await.until(Duration.ofSeconds(90), "RUNNING", () -> client.status(name).isRunning());
            CdcEventProcessor processor = processor(env, registry, name, JdbcChangeApplier.builder(env.target()).build(),
                    name + "." + t, "__debezium-heartbeat." + name);
            Future<?> loop = threads.submit(processor);
            try {
                CdcTestEnvironment.exec(env.source(), "INSERT INTO " + t + " SELECT g, 'v' FROM generate_series(1, 20) g");
                Await.until(Duration.ofSeconds(90), "20 rows", () -> LagPipeline.scalarLong(env.target(),
                        "SELECT count(*) FROM " + t) == 20);
                CdcTestEnvironment.exec(env.source(), "TRUNCATE " + t,
                        "INSERT INTO " + t + " VALUES (100, 'after the truncate')");
                boolean same = CdcAttack2IT.eventually(45, () -> CdcTestEnvironment.rows(env.source(), t)
                        .equals(CdcTestEnvironment.rows(env.target(), t)));
                System.err.println("att2 truncate enabled: target == source " + same + ", target rows "
                        + CdcTestEnvironment.rows(env.target(), t).size() + ", dead letters " + processor.deadLettered()
                        + ", truncates counted " + registry.find("cdc.events.processed").tag("operation", "truncate")
                        .counters().stream().mapToDouble(c -> c.count()).sum());
                assertThat(same).isTrue();
            } finally {
                processor.close();
                loop.get();
                client.delete(name);
                env.dropSlot(name);
            }
        }
    }

    /**
     * Finding 17. A parent and a child table (the child references the parent) with the same DDL on the target,
     * foreign key included (a replica built from {@code pg_dump --schema-only}). Each source transaction inserts a
     * child and its parent (the source's key is deferrable, as ORMs use); the two tables are two topics, hence two
     * partitions applied independently. Run of 2026-11-27 04:11 UTC (load 17): 6 of 300 children dead-lettered
     * {@code apply_failed} and missing from the target; the same test with the parent inserted first (non-deferrable
     * key) lost none in one run (04:09 UTC), so it depends on the interleaving of the partitions' batches. Truth: target == source for
     * both tables, nothing dead-lettered; a child applied before its parent fails with 23503, which is not transient:
     * retried twice, isolated, dead-lettered, and the row is missing from the target for good. Fixed: the applier's
     * {@code foreignKeyRetry} (default 30 s) reports 23503 as retriable until the parent arrives (2026-11-27 04:35
     * UTC, load 5.6: 300/300 children, 0 dead letters; before the fix, 04:34 UTC: 297/300, 3 dead-lettered).
     */
    @Test
    void childRowsOfATargetWithForeignKeysAreNotDeadLetteredWhenTheirParentIsOnAnotherPartition() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String name = "att2fk";
        String parent = "public.att2fk_z_parent";
        String child = "public.att2fk_a_child";
        for (javax.sql.DataSource ds : List.of(env.source(), env.target())) {
            // the source's key is DEFERRABLE (an ORM may insert the child first); the replica's as pg_dump gives it
            CdcTestEnvironment.exec(ds, "CREATE TABLE " + parent + " (id bigint PRIMARY KEY, v text)",
                    "CREATE TABLE " + child + " (id bigint PRIMARY KEY, parent_id bigint NOT NULL REFERENCES " + parent
                            + " (id) DEFERRABLE INITIALLY DEFERRED, v text)");
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KafkaConnectClient client = KafkaConnectClient.builder(env.connectUri()).build()) {
            client.createOrUpdate(connector(env, name, parent + "," + child));
            Await.until(Duration.ofSeconds(90), "RUNNING", () -> client.status(name).isRunning());
            CdcEventProcessor processor = processor(env, registry, name, JdbcChangeApplier.builder(env.target()).build(),
                    name + "." + parent, name + "." + child, "__debezium-heartbeat." + name);
            Future<?> loop = threads.submit(processor);
            try {
                try (Connection c = env.source().getConnection(); Statement s = c.createStatement()) {
                    c.setAutoCommit(false);
                    for (int i = 1; i <= 300; i++) {
                        s.executeUpdate("INSERT INTO " + child + " VALUES (" + i + ", " + i + ", 'c')");
                        s.executeUpdate("INSERT INTO " + parent + " VALUES (" + i + ", 'p')");
                        c.commit();
                        if (i % 20 == 0) {
                            Thread.sleep(50);
                        }
                    }
                }
                CdcAttack2IT.eventually(60, () -> processor.eventsProcessed() + processor.deadLettered() >= 600);
                Thread.sleep(2_000);
                long parents = LagPipeline.scalarLong(env.target(), "SELECT count(*) FROM " + parent);
                long children = LagPipeline.scalarLong(env.target(), "SELECT count(*) FROM " + child);
                System.err.println("att2 foreign keys: target parents " + parents + "/300, children " + children
                        + "/300, dead letters " + processor.deadLettered() + " "
                        + registry.find("cdc.dead.letters").counters().stream()
                        .map(x -> x.getId().getTag("reason") + "=" + x.count()).toList());
                assertThat(processor.deadLettered()).as("dead letters").isZero();
                assertThat(children).isEqualTo(300);
            } finally {
                processor.close();
                loop.get();
                client.delete(name);
                env.dropSlot(name);
            }
        }
    }
}
