package io.migmon.examples.cdc;

import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.cdc.CdcEventProcessor;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

import javax.sql.DataSource;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The CDC part of the demo: a full change-data-capture pipeline in one JVM, no Docker.
 * <ol>
 *   <li>embedded PostgreSQL ({@code wal_level=logical}) with a source table {@code public.orders} and a target
 *       database {@code replica};</li>
 *   <li>a Debezium PostgreSQL connector in an embedded engine (pgoutput, heartbeats every second) whose records this
 *       demo writes to an in-process Kafka KRaft broker, as Kafka Connect would;</li>
 *   <li>{@link CdcEventProcessor} consuming the data and heartbeat topics into the host's registry and applying the
 *       changes to {@code replica} through {@link JdbcChangeApplier};</li>
 *   <li>a generator inserting, updating and deleting orders, and a line printed every few seconds.</li>
 * </ol>
 *
 * <pre>{@code
 * try (CdcDemo cdc = CdcDemo.start(registry, System.out)) {
 *     // scrape: cdc_events_processed_total, cdc_consumer_lag_messages/_seconds, cdc_stage_latency_seconds, ...
 *     composite.add(cdc.healthCheck());
 * }
 * }</pre>
 *
 * The demo owns its threads (engine, poll loop, generator, reporter); {@link #close()} stops them, removes the
 * processor's meters and stops Kafka and PostgreSQL.
 */
public final class CdcDemo implements AutoCloseable {

    private static final String TOPIC = "demo.public.orders";
    private static final String HEARTBEATS = "__debezium-heartbeat.demo";

    private final PrintStream out;
    private final EmbeddedPostgresFixture postgres;
    private final KafkaClusterTestKit kafka;
    private final KafkaProducer<String, String> producer;
    private final DebeziumEngine<io.debezium.engine.ChangeEvent<String, String>> engine;
    private final CdcEventProcessor processor;
    private final ExecutorService workers = Executors.newFixedThreadPool(2, r -> thread(r, "cdc-demo-worker"));
    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(1, r -> thread(r, "cdc-demo-scheduler"));
    private final AtomicInteger nextId = new AtomicInteger(1);

    private CdcDemo(MeterRegistry registry, PrintStream out, Duration printEvery) throws Exception {
        this.out = out;
        Path work = Files.createTempDirectory("migmon-cdc-demo");
        postgres = EmbeddedPostgresFixture.builder("cdc-demo").baseDirectory(work.resolve("postgres"))
                .logicalReplication().start();
        String ddl = "CREATE TABLE public.orders (id int PRIMARY KEY, customer text, amount numeric(10,2), status text)";
        exec(postgres.dataSource(), ddl);
        DataSource replica = postgres.createDatabase("replica");
        exec(replica, ddl);

        kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setNumBrokerNodes(1).setNumControllerNodes(1).setCombined(true).setBaseDirectory(work.resolve("kafka")).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        kafka.format();
        kafka.startup();
        kafka.waitForReadyBrokers();
        producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", 5),
                new StringSerializer(), new StringSerializer());

        processor = CdcEventProcessor.builder("cdc-demo")
                .meterRegistry(registry)
                .kafkaConsumer(Map.of("bootstrap.servers", kafka.bootstrapServers(), "group.id", "cdc-demo"))
                .topics(TOPIC, HEARTBEATS)
                .applier(JdbcChangeApplier.builder(replica).build())
                .deadLetterTopic("demo.dlq")
                .heartbeatInterval(Duration.ofSeconds(1))
                .build();

        Properties props = new Properties();
        props.setProperty("name", "cdc-demo");
        props.setProperty("connector.class", "io.debezium.connector.postgresql.PostgresConnector");
        props.setProperty("offset.storage", "org.apache.kafka.connect.storage.MemoryOffsetBackingStore");
        props.setProperty("offset.flush.interval.ms", "1000");
        props.setProperty("database.hostname", "127.0.0.1");
        props.setProperty("database.port", Integer.toString(postgres.port()));
        props.setProperty("database.user", "postgres");
        props.setProperty("database.dbname", "postgres");
        props.setProperty("topic.prefix", "demo");
        props.setProperty("table.include.list", "public.orders");
        props.setProperty("plugin.name", "pgoutput");
        props.setProperty("slot.name", "migmon_demo");
        props.setProperty("publication.autocreate.mode", "filtered");
        props.setProperty("decimal.handling.mode", "string");
        props.setProperty("heartbeat.interval.ms", "1000");
        props.setProperty("converter.schemas.enable", "false");
        engine = DebeziumEngine.create(Json.class).using(props)
                .notifying((records, committer) -> {
                    // what Kafka Connect does: write each record to its topic, then commit the source offsets
                    for (io.debezium.engine.ChangeEvent<String, String> r : records) {
                        producer.send(new ProducerRecord<>(r.destination(), r.key(), r.value()));
                    }
                    producer.flush();
                    for (io.debezium.engine.ChangeEvent<String, String> r : records) {
                        committer.markProcessed(r);
                    }
                    committer.markBatchFinished();
                })
                .build();
        workers.execute(engine);
        workers.execute(processor);
        scheduler.scheduleWithFixedDelay(this::generate, 500, 200, TimeUnit.MILLISECONDS);
        scheduler.scheduleWithFixedDelay(this::report, printEvery.toMillis(), printEvery.toMillis(), TimeUnit.MILLISECONDS);
        out.printf("cdc: PostgreSQL :%d -> Debezium -> Kafka %s -> CdcEventProcessor -> replica%n",
                postgres.port(), kafka.bootstrapServers());
    }

    /** Starts the pipeline, reporting every 5 seconds. */
    public static CdcDemo start(MeterRegistry registry, PrintStream out) throws Exception {
        return start(registry, out, Duration.ofSeconds(5));
    }

    /** Starts the pipeline, printing a status line to {@code out} every {@code printEvery}. */
    public static CdcDemo start(MeterRegistry registry, PrintStream out, Duration printEvery) throws Exception {
        Objects.requireNonNull(registry, "registry");
        Objects.requireNonNull(out, "out");
        return new CdcDemo(registry, out, printEvery);
    }

    /** The processor's health: UP while idle or streaming with heartbeats, DOWN when stalled. */
    public HealthCheck healthCheck() {
        return processor.healthCheck();
    }

    /** Change events the processor has handled so far. */
    public long eventsProcessed() {
        return processor.eventsProcessed();
    }

    /** Rows in the source and in the replica, for checking that they converge. */
    public List<Long> rowCounts() throws Exception {
        return List.of(count(postgres.dataSource()), count(postgres.dataSource("replica")));
    }

    private void generate() {
        try (Connection c = postgres.dataSource().getConnection(); Statement s = c.createStatement()) {
            ThreadLocalRandom rnd = ThreadLocalRandom.current();
            int first = nextId.getAndAdd(5);
            s.execute("INSERT INTO public.orders SELECT g, 'customer-' || (g % 50), " + rnd.nextInt(1, 500)
                    + " + 0.99, 'NEW' FROM generate_series(" + first + ", " + (first + 4) + ") g");
            s.execute("UPDATE public.orders SET status = 'PAID' WHERE id = " + rnd.nextInt(1, first + 1));
            if (rnd.nextInt(4) == 0) {
                s.execute("DELETE FROM public.orders WHERE id = " + rnd.nextInt(1, first + 1));
            }
        } catch (Exception e) {
            out.println("cdc: generator failed: " + e.getMessage());
        }
    }

    private void report() {
        try {
            Health h = processor.healthCheck().check();
            List<Long> counts = rowCounts();
            out.printf("cdc: %,d events, lag %s msgs / %.1f s, health %s (%s), source %d rows, replica %d rows%n",
                    processor.eventsProcessed(), h.details().get("lagMessages"), (Double) h.details().get("lagSeconds"),
                    h.status(), h.details().getOrDefault("state", ""), counts.get(0), counts.get(1));
        } catch (Exception e) {
            out.println("cdc: report failed: " + e.getMessage());
        }
    }

    private static long count(DataSource ds) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT count(*) FROM public.orders")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void exec(DataSource ds, String... sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }

    private static Thread thread(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() throws Exception {
        scheduler.shutdownNow();
        scheduler.awaitTermination(10, TimeUnit.SECONDS);
        try {
            engine.close();
        } finally {
            processor.close();
            workers.shutdownNow();
            workers.awaitTermination(30, TimeUnit.SECONDS);
            producer.close(Duration.ofSeconds(5));
            kafka.close();
            postgres.close();
            out.println("cdc: stopped");
        }
    }
}
