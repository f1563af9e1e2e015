package io.migmon.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.cdc.connect.ConnectorConfig;
import io.migmon.cdc.connect.KafkaConnectClient;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole-transaction apply lag against ground truth, with real components: source PostgreSQL
 * ({@code track_commit_timestamp=on}) → Debezium's PostgreSQL connector on the Connect worker with
 * {@code provide.transaction.metadata=true} → Kafka KRaft (two data topics = two partitions, the
 * {@code <prefix>.transaction} topic, heartbeats) → {@link CdcEventProcessor} → JDBC applier into the target database
 * (the same server, so its commit timestamps are tracked too).
 *
 * <p>Transactions of known sizes span both tables. Truth per transaction: the target's row count per transaction
 * marker (every row arrived), and apply lag = the newest target commit time of its rows
 * ({@code pg_xact_commit_timestamp(xmin)} in the target, i.e. when the applier committed its last event) − its source
 * commit time ({@code pg_xact_commit_timestamp(xmin)} at the source). The meter measures when the applier returned,
 * just after the target's commit: it may read later than the truth, never earlier.
 */
class TransactionMetadataIT {

    private static final String NAME = "txm";
    private static final String ORDERS = "public.txm_orders";
    private static final String ITEMS = "public.txm_items";
    /** Scheduling slack between the target's commit and the applier returning, on a loaded 2-core machine. */
    private static final long SLACK_MS = 1_000;

    private static CdcTestEnvironment env;
    private static KafkaConnectClient client;
    private static final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private static final ExecutorService executor = Executors.newSingleThreadExecutor();
    private static CdcEventProcessor processor;
    private static long nextId = 1;

    @BeforeAll
    static void setUp() throws Exception {
        env = CdcTestEnvironment.get();
        for (String t : List.of(ORDERS, ITEMS)) {
            String ddl = "CREATE TABLE " + t + " (id bigint PRIMARY KEY, tx int NOT NULL, v text)";
            CdcTestEnvironment.exec(env.source(), ddl);
            CdcTestEnvironment.exec(env.target(), ddl);
        }
        client = KafkaConnectClient.builder(env.connectUri()).meterRegistry(registry).build();
        client.createOrUpdate(ConnectorConfig.debeziumPostgres(NAME)
                .put("database.hostname", "127.0.0.1")
                .put("database.port", Integer.toString(env.postgresPort()))
                .put("database.user", "postgres").put("database.password", "postgres")
                .put("database.dbname", "postgres")
                .put("topic.prefix", NAME)
                .put("table.include.list", ORDERS + "," + ITEMS)
                .put("slot.name", "migmon_" + NAME).put("publication.name", "migmon_" + NAME)
                .put("heartbeat.interval.ms", "1000")
                .put("provide.transaction.metadata", "true")
                .build());
        Await.until(Duration.ofSeconds(60), "connector RUNNING", () -> client.status(NAME).isRunning());
        Map<String, Object> consumer = new HashMap<>();
        consumer.put("bootstrap.servers", env.bootstrapServers());
        consumer.put("group.id", NAME + "-replica");
        consumer.put("max.poll.records", "200");
        processor = CdcEventProcessor.builder(NAME).meterRegistry(registry)
                .kafkaConsumer(consumer)
                .topics(NAME + ".public.txm_orders", NAME + ".public.txm_items", "__debezium-heartbeat." + NAME,
                        NAME + ".transaction")
                .applier(JdbcChangeApplier.builder(env.target()).build())
                .heartbeatInterval(Duration.ofSeconds(1))
                .pollTimeout(Duration.ofMillis(100))
                .build();
        executor.submit(processor);
        Await.until(Duration.ofSeconds(60), "first heartbeat through the processor",
                () -> processor.healthCheck().check().details().containsKey("lastHeartbeatAgeMs"));
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (processor != null) {
            processor.close();
        }
        executor.shutdownNow();
        if (client != null) {
            try {
                client.delete(NAME);
            } catch (RuntimeException ignored) {
                // best effort
            }
            client.close();
        }
    }

    /** One source transaction inserting {@code orders} + {@code items} rows marked {@code tx}; returns its events. */
    private static long insertTransaction(int tx, int orders, int items) throws Exception {
        try (Connection c = env.source().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            if (orders > 0) {
                s.executeUpdate("INSERT INTO " + ORDERS + " SELECT g, " + tx + ", 'o' || g FROM generate_series("
                        + nextId + ", " + (nextId + orders - 1) + ") g");
                nextId += orders;
            }
            if (items > 0) {
                s.executeUpdate("INSERT INTO " + ITEMS + " SELECT g, " + tx + ", 'i' || g FROM generate_series("
                        + nextId + ", " + (nextId + items - 1) + ") g");
                nextId += items;
            }
            c.commit();
        }
        return orders + items;
    }

    /** Commit time (epoch nanos) of the newest transaction that wrote rows marked {@code tx} in {@code ds}. */
    private static long commitNanos(DataSource ds, int tx) throws Exception {
        long max = -1;
        for (String t : List.of(ORDERS, ITEMS)) {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("SELECT max(pg_xact_commit_timestamp(xmin)) FROM " + t
                         + " WHERE tx = " + tx)) {
                rs.next();
                Timestamp ts = rs.getTimestamp(1);
                if (ts != null) {
                    max = Math.max(max, ts.getTime() / 1000 * 1_000_000_000L + ts.getNanos());
                }
            }
        }
        return max;
    }

    private static long count(DataSource ds, int tx) throws Exception {
        long n = 0;
        for (String t : List.of(ORDERS, ITEMS)) {
            n += LagPipeline.scalarLong(ds, "SELECT count(*) FROM " + t + " WHERE tx = " + tx);
        }
        return n;
    }

    private static Timer lagTimer() {
        return registry.find("cdc.transaction.apply.lag").tag("source", NAME).timer();
    }

    private static long completed() {
        Timer t = lagTimer();
        return t == null ? 0 : t.count();
    }

    private static double lagNanos() {
        Timer t = lagTimer();
        return t == null ? 0 : t.totalTime(TimeUnit.NANOSECONDS);
    }

    @Test
    void everyMultiTableTransactionIsCountedOnceWithTheApplyLagOfItsLastEvent() throws Exception {
        // sizes (orders, items) of the transactions, committed one at a time
        int[][] sizes = {{1, 0}, {0, 1}, {1, 1}, {3, 2}, {10, 5}, {40, 60}, {250, 250}, {1_500, 500}};
        int tx = 0;
        for (int[] size : sizes) {
            tx++;
            long before = completed();
            double lagBefore = lagNanos();
            long events = insertTransaction(tx, size[0], size[1]);
            int t = tx;
            Await.until(Duration.ofSeconds(90), "transaction " + tx + " reported", () -> completed() > before);
            assertThat(completed()).as("one report per transaction").isEqualTo(before + 1);
            double meterMs = (lagNanos() - lagBefore) / 1e6;
            // ground truth: every row in the target, and when the target committed the last of them
            assertThat(count(env.target(), t)).as("rows of transaction %d in the target", t).isEqualTo(events);
            double truthMs = (commitNanos(env.target(), t) - commitNanos(env.source(), t)) / 1e6;
            assertThat(meterMs).as("transaction %d (%d events): meter %.1f ms vs truth %.1f ms", t, events,
                    meterMs, truthMs).isBetween(truthMs - 5, truthMs + SLACK_MS);
            System.out.printf("transaction %d (%d events): meter %.1f ms, truth %.1f ms%n", t, events, meterMs, truthMs);
        }

        // ten transactions back to back, an update spanning both tables among them: counted once each
        long before = completed();
        double lagBefore = lagNanos();
        List<Integer> burst = new ArrayList<>();
        for (int i = 0; i < 9; i++) {
            tx++;
            burst.add(tx);
            insertTransaction(tx, 1 + i * 7, 20 - i);
        }
        tx++;
        burst.add(tx);
        int moved;
        try (Connection c = env.source().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            moved = s.executeUpdate("UPDATE " + ORDERS + " SET tx = " + tx + ", v = 'u' WHERE tx IN (4, 5)")
                    + s.executeUpdate("UPDATE " + ITEMS + " SET tx = " + tx + ", v = 'u' WHERE tx IN (4, 5)");
            c.commit();
        }
        assertThat(moved).isEqualTo(20);
        Await.until(Duration.ofSeconds(90), "the burst reported", () -> completed() >= before + burst.size());
        Thread.sleep(2_000); // and nothing more comes: no double count
        assertThat(completed()).isEqualTo(before + burst.size());
        double truthSumMs = 0;
        for (int t : burst) {
            Await.until(Duration.ofSeconds(30), "rows of " + t + " in the target",
                    () -> count(env.target(), t) == count(env.source(), t));
            truthSumMs += (commitNanos(env.target(), t) - commitNanos(env.source(), t)) / 1e6;
        }
        double meterSumMs = (lagNanos() - lagBefore) / 1e6;
        assertThat(meterSumMs).as("sum over the burst: meter vs truth").isBetween(truthSumMs - 50,
                truthSumMs + burst.size() * SLACK_MS);
        Counter evicted = registry.find("cdc.transactions.evicted").counter();
        assertThat(evicted).as("nothing given up").isNull();
        System.out.printf("transaction apply lag: %d transactions, burst meter %.1f ms vs truth %.1f ms%n",
                completed(), meterSumMs, truthSumMs);
    }

    /**
     * Fix 7.2: a processor that reads only one of the connector's data topics (orders) completes the transactions
     * that span both tables (it waited for the total {@code event_count}, so each expired after 5 minutes), reports
     * one apply lag per transaction that touched orders, each between 0 and the time from the source commit to the
     * report being seen, and reports nothing for an items-only transaction. Observe-only: "applied" = observed.
     */
    @Test
    void aProcessorReadingOneTableCompletesTransactionsSpanningBoth() throws Exception {
        PrometheusMeterRegistry own = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Map<String, Object> consumer = new HashMap<>();
        consumer.put("bootstrap.servers", env.bootstrapServers());
        consumer.put("group.id", NAME + "-orders-only");
        ExecutorService loop = Executors.newSingleThreadExecutor();
        try (CdcEventProcessor ordersOnly = CdcEventProcessor.builder(NAME + "-orders").meterRegistry(own)
                .kafkaConsumer(consumer)
                .topics(NAME + ".public.txm_orders", "__debezium-heartbeat." + NAME, NAME + ".transaction")
                .heartbeatInterval(Duration.ofSeconds(1))
                .pollTimeout(Duration.ofMillis(100))
                .build()) {
            loop.submit(ordersOnly);
            Await.until(Duration.ofSeconds(60), "first heartbeat through the orders-only processor",
                    () -> ordersOnly.healthCheck().check().details().containsKey("lastHeartbeatAgeMs"));
            java.util.function.LongSupplier reports = () -> {
                Timer t = own.find("cdc.transaction.apply.lag").tag("source", NAME).timer();
                return t == null ? 0 : t.count();
            };
            java.util.function.DoubleSupplier lagNanos = () -> {
                Timer t = own.find("cdc.transaction.apply.lag").tag("source", NAME).timer();
                return t == null ? 0 : t.totalTime(TimeUnit.NANOSECONDS);
            };
            int[][] sizes = {{3, 2}, {1, 0}, {10, 10}, {2, 5}};
            int tx = 1_000;
            for (int[] size : sizes) {
                tx++;
                long before = reports.getAsLong();
                double lagBefore = lagNanos.getAsDouble();
                insertTransaction(tx, size[0], size[1]);
                Await.until(Duration.ofSeconds(30), "transaction " + tx + " (" + size[0] + " orders, " + size[1]
                        + " items) reported by the orders-only processor", () -> reports.getAsLong() > before);
                long seenNanos = LagPipeline.nowNanos();
                assertThat(reports.getAsLong()).as("one report per transaction").isEqualTo(before + 1);
                double meterMs = (lagNanos.getAsDouble() - lagBefore) / 1e6;
                double boundMs = (seenNanos - commitNanos(env.source(), tx)) / 1e6;
                assertThat(meterMs).as("transaction %d: apply lag %.1f ms within [0, commit → report seen %.1f ms]",
                        tx, meterMs, boundMs).isBetween(0.0, boundMs);
            }
            // a transaction of items only: nothing of it is read here, nothing reported, nothing given up
            long before = reports.getAsLong();
            tx++;
            insertTransaction(tx, 0, 3);
            int itemsOnly = tx;
            Await.until(Duration.ofSeconds(30), "items-only transaction applied by the main processor",
                    () -> count(env.target(), itemsOnly) == 3);
            Thread.sleep(2_000);
            assertThat(reports.getAsLong()).isEqualTo(before);
            assertThat(own.find("cdc.transactions.evicted").counter()).as("nothing given up").isNull();
        } finally {
            loop.shutdownNow();
        }
    }
}
