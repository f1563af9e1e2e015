package io.migmon.cdc;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.cdc.connect.ConnectorConfig;
import io.migmon.cdc.connect.KafkaConnectClient;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.core.health.Health;

import javax.sql.DataSource;
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
import java.util.concurrent.atomic.AtomicLong;

/**
 * One table replicated end to end for the lag-truth tests and the accuracy benchmark: source PostgreSQL
 * ({@code track_commit_timestamp=on}) → Debezium PostgreSQL connector on the Connect worker (heartbeats every
 * {@code heartbeatMs}, transaction metadata on) → Kafka KRaft → {@link CdcEventProcessor} → a restartable target PostgreSQL through a
 * {@link JdbcChangeApplier} (schema evolution on) wrapped in a gate that can block the apply or slow it per row.
 * Ground truth: {@link #truthSeconds()} = now − commit time ({@code pg_xact_commit_timestamp}) of the oldest source
 * row not yet in the target, for insert-only workloads on increasing ids.
 */
final class LagPipeline implements AutoCloseable {

    final String name;
    final String table;
    final String dataTopic;
    final String heartbeatTopic;
    final String dlq;
    final CdcTestEnvironment env;
    final RestartableTarget target;
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final KafkaConnectClient client;
    final AtomicLong sourceEvents = new AtomicLong();
    final Duration heartbeat;
    volatile boolean blocked;
    volatile long delayPerRowMicros;
    volatile boolean inApply;
    /**
     * When non-null, every apply call of the gated applier is logged here (epoch nanos of its start, of the target's
     * commit, i.e. the JDBC applier's return, and the batch size): the accuracy benchmark's {@code -DlagExplain} dump.
     */
    volatile java.util.Queue<long[]> applyLog;
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    CdcEventProcessor processor;
    private Future<?> loop;

    LagPipeline(String name, Duration heartbeat) throws Exception {
        this(name, heartbeat, Map.of());
    }

    /**
     * @param connectorOverrides connector properties put after the pipeline's own (e.g. {@code poll.interval.ms})
     */
    LagPipeline(String name, Duration heartbeat, Map<String, String> connectorOverrides) throws Exception {
        this.name = name;
        this.table = "public." + name;
        this.dataTopic = name + ".public." + name;
        this.heartbeatTopic = "__debezium-heartbeat." + name;
        this.dlq = name + ".dlq";
        this.heartbeat = heartbeat;
        this.env = CdcTestEnvironment.get();
        this.target = new RestartableTarget();
        String ddl = "CREATE TABLE " + table + " (id bigint PRIMARY KEY, v text, n int)";
        CdcTestEnvironment.exec(env.source(), ddl);
        CdcTestEnvironment.exec(target.dataSource(), ddl);
        client = KafkaConnectClient.builder(env.connectUri()).meterRegistry(registry).build();
        client.createOrUpdate(ConnectorConfig.debeziumPostgres(name)
                .put("database.hostname", "127.0.0.1")
                .put("database.port", Integer.toString(env.postgresPort()))
                .put("database.user", "postgres").put("database.password", "postgres")
                .put("database.dbname", "postgres")
                .put("topic.prefix", name)
                .put("table.include.list", table)
                .put("slot.name", "migmon_" + name).put("publication.name", "migmon_" + name)
                .put("heartbeat.interval.ms", Long.toString(heartbeat.toMillis()))
                // BEGIN/END records on <prefix>.transaction: an END closes the last change's transaction
                .put("provide.transaction.metadata", "true")
                .putAll(connectorOverrides)
                .build());
        Await.until(Duration.ofSeconds(60), "connector RUNNING", () -> client.status(name).isRunning());
    }

    /** Starts the processor and waits until a heartbeat went through (the pipeline is live). */
    void startProcessor() throws Exception {
        ChangeApplier jdbc = JdbcChangeApplier.builder(target.dataSource()).schemaEvolution(true).build();
        ChangeApplier gated = new ChangeApplier() {
            @Override
            public void apply(List<ChangeEvent> batch) throws Exception {
                inApply = true;
                long started = nowNanos();
                try {
                    while (blocked) {
                        Thread.sleep(5);
                    }
                    long d = delayPerRowMicros * batch.size();
                    if (d > 0) {
                        Thread.sleep(d / 1000, (int) (d % 1000) * 1000);
                    }
                    jdbc.apply(batch);
                    java.util.Queue<long[]> log = applyLog;
                    if (log != null) {
                        log.add(new long[] {started, nowNanos(), batch.size()});
                    }
                } finally {
                    inApply = false;
                }
            }

            @Override
            public String targetTable(ChangeEvent event) {
                return jdbc.targetTable(event);
            }

            @Override
            public void close() {
                jdbc.close();
            }
        };
        Map<String, Object> consumer = new HashMap<>();
        consumer.put("bootstrap.servers", env.bootstrapServers());
        consumer.put("group.id", name + "-replica");
        consumer.put("max.poll.records", "500");
        processor = CdcEventProcessor.builder(name).meterRegistry(registry)
                .kafkaConsumer(consumer)
                .topics(dataTopic, heartbeatTopic, name + ".transaction")
                .applier(gated)
                .deadLetterTopic(dlq)
                .heartbeatInterval(heartbeat)
                .lagRefreshInterval(Duration.ofMillis(250))
                .pollTimeout(Duration.ofMillis(100))
                .retryBackoff(Duration.ofMillis(100))
                .build();
        loop = executor.submit(processor);
        Await.until(Duration.ofSeconds(60), "first heartbeat through the processor",
                () -> processor.healthCheck().check().details().containsKey("lastHeartbeatAgeMs"));
    }

    /** Runs DML at the source and counts the rows it changed (one change event each). */
    long write(String... sql) throws Exception {
        long n = 0;
        try (Connection c = env.source().getConnection(); Statement s = c.createStatement()) {
            for (String q : sql) {
                n += s.executeUpdate(q);
            }
        }
        sourceEvents.addAndGet(n);
        return n;
    }

    /**
     * Sets {@code synchronous_commit} for every new session of the source database ({@code ALTER DATABASE}: zonky
     * starts the server with {@code -c synchronous_commit=off}, which a command-line option would win over
     * {@code ALTER SYSTEM}; a database setting wins over both) and checks it on a fresh connection.
     */
    void sourceSynchronousCommit(String value) throws Exception {
        CdcTestEnvironment.exec(env.source(), "ALTER DATABASE postgres SET synchronous_commit = " + value);
        try (Connection c = env.source().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SHOW synchronous_commit")) {
            rs.next();
            if (!value.equals(rs.getString(1))) {
                throw new IllegalStateException("synchronous_commit is " + rs.getString(1) + ", wanted " + value);
            }
        }
    }

    /** The source server's settings that differ from PostgreSQL's built-in defaults, as name=value (source). */
    String sourceNonDefaultSettings() throws Exception {
        StringBuilder b = new StringBuilder();
        try (Connection c = env.source().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT name, setting, source FROM pg_settings WHERE source NOT IN "
                     + "('default', 'override', 'client', 'session') ORDER BY name")) {
            while (rs.next()) {
                b.append(rs.getString(1)).append('=').append(rs.getString(2)).append(" (").append(rs.getString(3))
                        .append("); ");
            }
        }
        return b.toString();
    }

    double overallLag() {
        return registry.get("cdc.replication.lag.overall").gauge().value();
    }

    double tableLag() {
        return registry.get("cdc.replication.lag").tags("source_table", table, "target_table", table).gauge().value();
    }

    double consumerLagSeconds() {
        return registry.get("cdc.consumer.lag.seconds").tag("topic", dataTopic).gauge().value();
    }

    double consumerLagMessages() {
        return registry.get("cdc.consumer.lag").tag("topic", dataTopic).gauge().value();
    }

    Health health() {
        return processor.healthCheck().check();
    }

    long targetMaxId() throws Exception {
        return scalarLong(target.dataSource(), "SELECT coalesce(max(id), 0) FROM " + table);
    }

    /**
     * {@link #targetMaxId()} on a connection the caller keeps open (a connection of the target's data source): the
     * accuracy benchmark's sampler, which on a slow machine spent 50-200 ms opening a connection per read.
     */
    long targetMaxId(Connection target) throws Exception {
        try (Statement s = target.createStatement();
             ResultSet rs = s.executeQuery("SELECT coalesce(max(id), 0) FROM " + table)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Ground truth: now − commit time of the oldest source row whose id is above the target's highest (insert-only
     * workload on increasing ids, one partition applied in order); 0 when the target has every row.
     *
     * @param nowNanos the instant to compare with (epoch nanos), taken where the gauge was read
     * @param targetMax the target's highest id, read just before the gauge
     */
    double truthSeconds(long nowNanos, long targetMax) throws Exception {
        long commitNanos = oldestMissingCommitNanos(targetMax);
        return commitNanos < 0 ? 0 : Math.max(0, nowNanos - commitNanos) / 1e9;
    }

    /**
     * Commit time (epoch nanos, {@code pg_xact_commit_timestamp}) of the oldest source row whose id is above
     * {@code targetMax}; -1 when there is none (the truth is 0 at any instant).
     */
    long oldestMissingCommitNanos(long targetMax) throws Exception {
        return oldestMissing(targetMax)[1];
    }

    /**
     * The oldest source row whose id is above {@code targetMax}: {id, commit time in epoch nanos}; {-1, -1} when
     * there is none (see {@link #oldestMissingCommitNanos}).
     */
    long[] oldestMissing(long targetMax) throws Exception {
        try (Connection c = env.source().getConnection()) {
            return oldestMissing(c, targetMax);
        }
    }

    /** {@link #oldestMissing(long)} on a connection of the source the caller keeps open. */
    long[] oldestMissing(Connection source, long targetMax) throws Exception {
        try (Statement s = source.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, pg_xact_commit_timestamp(xmin) FROM " + table
                     + " WHERE id = (SELECT min(id) FROM " + table + " WHERE id > " + targetMax + ")")) {
            if (!rs.next()) {
                return new long[] {-1, -1};
            }
            Timestamp ts = rs.getTimestamp(2);
            return new long[] {rs.getLong(1), ts.getTime() / 1000 * 1_000_000_000L + ts.getNanos()};
        }
    }

    static long scalarLong(DataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static long nowNanos() {
        java.time.Instant i = java.time.Instant.now();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    @Override
    public void close() throws Exception {
        blocked = false;
        if (processor != null) {
            processor.close();
        }
        executor.shutdownNow();
        try {
            client.delete(name);
        } catch (RuntimeException ignored) {
            // best effort
        }
        env.dropSlot(name);
        client.close();
        target.close();
    }
}
