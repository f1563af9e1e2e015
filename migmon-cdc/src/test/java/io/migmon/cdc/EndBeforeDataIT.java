package io.migmon.cdc;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Finding 8 with real components: source PostgreSQL ({@code track_commit_timestamp=on}) → Debezium's embedded
 * PostgreSQL engine ({@code provide.transaction.metadata=true}, heartbeats every second) → a relay → the processor
 * ({@code process(...)}) → JDBC applier into the target database. The relay reproduces what a Connect worker and
 * Kafka do to a consumer: the transaction's {@code END} (its own topic) is handed over while the data records of
 * chosen topics are held back, then released. Ground truth: the source commit time of the held rows
 * ({@code pg_xact_commit_timestamp(xmin)}) and the rows in the target.
 *
 * <p>Margins: a gauge read is compared with the truth over the read's own interval, ±{@value #MARGIN_MS} ms (the
 * {@code END}'s {@code ts_ms} against the commit time to the microsecond, plus scheduling on a loaded 2-core machine).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EndBeforeDataIT {

    private static final String NAME = "ebd";
    private static final String ORDERS = "public.ebd_orders";
    private static final String ITEMS = "public.ebd_items";
    private static final long MARGIN_MS = 500;

    private static CdcTestEnvironment env;
    private static final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private static final Relay relay = new Relay();
    private static final ExecutorService executor = Executors.newSingleThreadExecutor();
    private static DebeziumEngine<io.debezium.engine.ChangeEvent<String, String>> engine;
    private static CdcEventProcessor processor;

    /** Hands the engine's records to the current processor, holding back those the test chooses. */
    static final class Relay implements DebeziumEngine.ChangeConsumer<io.debezium.engine.ChangeEvent<String, String>> {
        volatile CdcEventProcessor target;
        volatile Predicate<CdcRecord> holdBack = r -> false;
        final List<CdcRecord> held = new CopyOnWriteArrayList<>();
        final List<CdcRecord> ends = new CopyOnWriteArrayList<>();

        @Override
        public synchronized void handleBatch(List<io.debezium.engine.ChangeEvent<String, String>> records,
                                DebeziumEngine.RecordCommitter<io.debezium.engine.ChangeEvent<String, String>> committer)
                throws InterruptedException {
            List<CdcRecord> forward = new ArrayList<>(records.size());
            for (io.debezium.engine.ChangeEvent<String, String> r : records) {
                CdcRecord c = CdcRecord.of(r.destination(), r.key(), r.value());
                if (holdBack.test(c)) {
                    held.add(c);
                } else {
                    forward.add(c);
                }
                if (r.destination().endsWith(".transaction") && r.value() != null && r.value().contains("\"END\"")) {
                    ends.add(c);
                }
            }
            CdcEventProcessor p = target;
            if (p != null && !forward.isEmpty()) {
                p.process(forward);
            }
            for (io.debezium.engine.ChangeEvent<String, String> r : records) {
                committer.markProcessed(r);
            }
            committer.markBatchFinished();
        }

        @Override
        public boolean supportsTombstoneEvents() {
            return true;
        }

        synchronized void release() {
            holdBack = r -> false;
            List<CdcRecord> batch = List.copyOf(held);
            held.clear();
            target.process(batch);
        }
    }

    @BeforeAll
    static void setUp() throws Exception {
        env = CdcTestEnvironment.get();
        for (String t : List.of(ORDERS, ITEMS)) {
            String ddl = "CREATE TABLE " + t + " (id bigint PRIMARY KEY, v text)";
            CdcTestEnvironment.exec(env.source(), ddl);
            CdcTestEnvironment.exec(env.target(), ddl);
        }
        // a stall timeout (20 s) longer than any hold-back: through process(...) nothing tells that held data exists
        processor = processor(Duration.ofSeconds(20));
        relay.target = processor;
        Properties props = env.engineProperties("it_ebd", NAME, ORDERS + "," + ITEMS);
        props.setProperty("heartbeat.interval.ms", "1000");
        props.setProperty("provide.transaction.metadata", "true");
        props.setProperty("snapshot.mode", "no_data");
        engine = DebeziumEngine.create(Json.class).using(props).notifying(relay).build();
        executor.execute(engine);
        Await.until(Duration.ofSeconds(90), "streaming (slot active)", () -> LagPipeline.scalarLong(env.source(),
                "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'migmon_it_ebd' AND active") == 1);
        // one transaction through, so that both tables' series exist and the pipeline is current
        CdcTestEnvironment.exec(env.source(), "BEGIN", "INSERT INTO " + ORDERS + " VALUES (1, 'a')",
                "INSERT INTO " + ITEMS + " VALUES (1, 'a')", "COMMIT");
        Await.until(Duration.ofSeconds(60), "warm-up applied and current", () -> targetRows(ITEMS) == 1
                && targetRows(ORDERS) == 1 && overall() == 0);
    }

    private static CdcEventProcessor processor(Duration stallTimeout) {
        return CdcEventProcessor.builder(NAME).meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).build())
                .heartbeatInterval(Duration.ofSeconds(1)).stallTimeout(stallTimeout).build();
    }

    @AfterAll
    static void tearDown() throws Exception {
        if (engine != null) {
            engine.close();
        }
        executor.shutdown();
        executor.awaitTermination(60, TimeUnit.SECONDS);
        if (processor != null) {
            processor.close();
        }
        env.dropSlot("it_ebd");
    }

    private static long targetRows(String table) throws Exception {
        return LagPipeline.scalarLong(env.target(), "SELECT count(*) FROM " + table);
    }

    private static double overall() {
        return registry.get("cdc.replication.lag.overall").gauge().value();
    }

    private static double lag(String table) {
        return registry.get("cdc.replication.lag").tags("source_table", table, "target_table", table).gauge().value();
    }

    /** Source commit time of the row, epoch ms (µs precision). */
    private static double commitMs(String table, long id) throws Exception {
        return LagPipeline.scalarLong(env.source(), "SELECT (extract(epoch FROM pg_xact_commit_timestamp(xmin))"
                + " * 1000000)::bigint FROM " + table + " WHERE id = " + id) / 1000.0;
    }

    /** Reads a gauge and asserts it against the truth {@code now − commit} over the read's interval. */
    private static double assertTruth(String what, java.util.function.DoubleSupplier gauge, double commitMs) {
        double before = System.currentTimeMillis() - commitMs;
        double g = gauge.getAsDouble() * 1000;
        double after = System.currentTimeMillis() - commitMs;
        System.err.printf("end-before-data %s: gauge %.0f ms, truth %.0f..%.0f ms%n", what, g, before, after);
        assertThat(g).as(what + ": truth %.0f..%.0f ms", before, after)
                .isBetween(before - MARGIN_MS, after + MARGIN_MS);
        return g;
    }

    @Test
    @Order(1)
    void anEndHandedOverBeforeItsDataHoldsTheLagAtItsCommitUntilTheDataIsApplied() throws Exception {
        int endsBefore = relay.ends.size();
        relay.holdBack = r -> r.topic().equals(NAME + "." + ORDERS);
        CdcTestEnvironment.exec(env.source(), "BEGIN", "INSERT INTO " + ORDERS + " VALUES (10, 'x')",
                "INSERT INTO " + ORDERS + " VALUES (11, 'y')", "COMMIT");
        Await.until(Duration.ofSeconds(30), "END handed over, data held",
                () -> relay.ends.size() > endsBefore && relay.held.size() == 2);
        double commit = commitMs(ORDERS, 10);
        // three seconds of heartbeats confirming the connector current, the 2 changes still missing
        for (int i = 0; i < 6; i++) {
            Thread.sleep(500);
            assertTruth("orders, data held", () -> lag(ORDERS), commit);
            assertTruth("overall, data held", EndBeforeDataIT::overall, commit);
        }
        assertThat(targetRows(ORDERS)).as("the held rows are not in the target").isEqualTo(1);
        relay.release();
        assertThat(targetRows(ORDERS)).isEqualTo(3);
        Await.until(Duration.ofSeconds(10), "current again once applied", () -> overall() == 0 && lag(ORDERS) == 0);
    }

    @Test
    @Order(2)
    void aTransactionOverTwoTablesHoldsOnlyTheTableWhoseDataIsMissing() throws Exception {
        int endsBefore = relay.ends.size();
        relay.holdBack = r -> r.topic().equals(NAME + "." + ITEMS);
        CdcTestEnvironment.exec(env.source(), "BEGIN", "INSERT INTO " + ORDERS + " VALUES (20, 'x')",
                "INSERT INTO " + ITEMS + " VALUES (20, 'x')", "INSERT INTO " + ITEMS + " VALUES (21, 'y')", "COMMIT");
        Await.until(Duration.ofSeconds(30), "END handed over, items held",
                () -> relay.ends.size() > endsBefore && relay.held.size() == 2 && targetRows(ORDERS) == 4);
        double commit = commitMs(ITEMS, 20);
        // orders' change is applied and a heartbeat after it confirms it: its table is current, items is not
        Await.until(Duration.ofSeconds(10), "orders current", () -> lag(ORDERS) == 0);
        for (int i = 0; i < 4; i++) {
            Thread.sleep(500);
            assertTruth("items, its data held", () -> lag(ITEMS), commit);
            assertTruth("overall, items held", EndBeforeDataIT::overall, commit);
        }
        assertThat(lag(ORDERS)).as("orders: all its changes of the transaction applied").isZero();
        relay.release();
        assertThat(targetRows(ITEMS)).isEqualTo(3);
        Await.until(Duration.ofSeconds(10), "current again", () -> overall() == 0 && lag(ITEMS) == 0);
    }

    /**
     * A restart: the first processor applies a transaction's data, but is closed before its END (handed over late,
     * as a transaction topic whose offset was not committed redelivers it); a new processor of the same name gets the
     * END only. Its changes are applied already: the lag must not stay held. No later change of the table comes, so
     * it is given up after the stall timeout (2 heartbeat intervals), counted once.
     */
    @Test
    @Order(3)
    void anEndRedeliveredAfterARestartDoesNotHoldTheLagForever() throws Exception {
        int endsBefore = relay.ends.size();
        relay.holdBack = r -> r.topic().equals(NAME + ".transaction");
        CdcTestEnvironment.exec(env.source(), "BEGIN", "INSERT INTO " + ITEMS + " VALUES (30, 'x')", "COMMIT");
        Await.until(Duration.ofSeconds(30), "data applied, END held",
                () -> relay.ends.size() > endsBefore && targetRows(ITEMS) == 4);
        List<CdcRecord> redelivered = relay.held.stream().filter(r -> r.topic().endsWith(".transaction")).toList();
        assertThat(redelivered).isNotEmpty();
        CdcEventProcessor first = processor;
        synchronized (relay) { // no batch of the engine in the middle of the swap
            relay.target = null;
            first.close();
            relay.held.clear();
            relay.holdBack = r -> false;
            // the same name on the same registry once the first is closed
            processor = processor(Duration.ofSeconds(2));
            relay.target = processor;
        }
        assertThat(registry.get("cdc.processor.up").tag("processor", NAME).gauge().value()).isEqualTo(1.0);
        long t0 = System.nanoTime();
        processor.process(redelivered);
        Await.until(Duration.ofSeconds(15), "not held beyond the stall timeout", () -> overall() == 0);
        System.err.printf("end-before-data restart: held END given up after %d ms%n",
                (System.nanoTime() - t0) / 1_000_000);
        Await.until(Duration.ofSeconds(10), "give-up counted", () -> unseen() == 1.0);
        assertThat(CdcTestEnvironment.rows(env.target(), ITEMS)).isEqualTo(CdcTestEnvironment.rows(env.source(), ITEMS));
    }

    private static double unseen() {
        Counter c = registry.find("cdc.transactions.evicted").tag("reason", TransactionEnds.UNSEEN).counter();
        return c == null ? 0 : c.count();
    }
}
