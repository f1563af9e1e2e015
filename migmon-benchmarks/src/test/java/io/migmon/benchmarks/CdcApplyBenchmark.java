package io.migmon.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.debezium.connector.jdbc.JdbcSinkConnectorTask;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.CdcEventProcessor;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.metrics.PluginMetrics;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.apache.kafka.connect.sink.SinkRecord;
import org.apache.kafka.connect.sink.SinkTaskContext;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CDC apply path (issue 16): {@value #ROWS} Debezium change events (150,000 inserts, then 50,000 updates of
 * distinct rows; JsonConverter output <em>with</em> schemas, as Debezium's default JSON converter writes them) on one
 * partition of an in-process KRaft broker, applied to the same embedded PostgreSQL table by:
 * <ol>
 *   <li>migmon: {@link CdcEventProcessor} with {@link JdbcChangeApplier} (commit after apply, dead letters, meters;
 *       the database round trip of a poll on the processor's apply thread while the poll thread parses the next);</li>
 *   <li>a hand-written consumer: Jackson {@code readTree} per value, typed binds, upserts in JDBC batches of 500,
 *       commit per poll, twice: with pgjdbc's default (each batched statement sent on its own, pipelined) and with
 *       {@code reWriteBatchedInserts=true} (pgjdbc rewrites the batch into multi-row {@code INSERT ... VALUES}
 *       statements, the usual tuning of a hand-written loader);</li>
 *   <li>Debezium's JDBC sink connector 3.6.0.Final ({@code JdbcSinkConnectorTask}) driven in-process with the
 *       {@code SinkRecord}s Kafka Connect's {@code JsonConverter} makes of the same records (what a Connect worker
 *       does, minus the worker), default settings and tuned ({@code batch.size=2000}, 2,000 records per poll,
 *       reduction buffer).</li>
 * </ol>
 * The target is truncated before each variant; after each, an md5 of the whole table ordered by key is compared
 * across variants (all must be identical). Each variant is warmed up once, then measured {@value #ROUNDS} times,
 * variants alternating. Wall time from the first poll until the last row is committed.
 *
 * <p>Run: {@code mvn -B -pl migmon-benchmarks -am test -Dexcluded.groups= -Dgroups=benchmark
 * -Dtest=CdcApplyBenchmark -Dsurefire.failIfNoSpecifiedTests=false}; options {@code -Dcdc.apply.rows=} (default
 * 200,000), {@code -Dcdc.apply.rounds=} (3), {@code -Dcdc.apply.workload=mixed} (after the inserts, per 5 events: a
 * row updated twice in a row, a delete, two single updates; the Debezium sink then runs with
 * {@code delete.enabled=true}). The hand-written consumer merges the upserts since the last delete by key (last image
 * wins) and flushes them before a delete, so its rewritten multi-row INSERTs never touch a row twice.
 */
@Tag("benchmark")
class CdcApplyBenchmark {

    private static final int ROWS = Integer.getInteger("cdc.apply.rows", 200_000);
    private static final int INSERTS = ROWS * 3 / 4;
    private static final int ROUNDS = Integer.getInteger("cdc.apply.rounds", 3);
    /**
     * {@code -Dcdc.apply.workload=mixed}: after the inserts, in every 5 events one row updated twice in a row (the two
     * images in one poll: exercises merging by key), one row deleted, two rows updated once; default {@code updates}:
     * the inserts, then updates of distinct rows.
     */
    private static final boolean MIXED = "mixed".equals(System.getProperty("cdc.apply.workload", "updates"));
    private static final String TOPIC = "bench.public.orders";
    private static final String TARGET = "orders_target";
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void applyVersusHandWrittenAndDebeziumJdbcSink() throws Exception {
        Path dir = Path.of("target", "apply-bench-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        try (EmbeddedPostgresFixture pg = EmbeddedPostgresFixture.builder("apply-bench").baseDirectory(dir.resolve("pg")).start();
             KafkaClusterTestKit kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                     .setNumBrokerNodes(1).setNumControllerNodes(1).setCombined(true).setBaseDirectory(dir.resolve("kafka")).build())
                     .setConfigProp("offsets.topic.replication.factor", "1")
                     .setConfigProp("transaction.state.log.replication.factor", "1")
                     .setConfigProp("transaction.state.log.min.isr", "1")
                     .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                     .setConfigProp("group.initial.rebalance.delay.ms", "0")
                     .build()) {
            kafka.format();
            kafka.startup();
            kafka.waitForReadyBrokers();
            String bootstrap = kafka.bootstrapServers();
            try (var admin = kafka.admin()) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
            }
            pg.execute("CREATE TABLE public." + TARGET + " (id bigint PRIMARY KEY, customer_id int NOT NULL,"
                    + " status varchar(20), amount numeric(12,2), qty int, active boolean, note text,"
                    + " created_at timestamp(6), updated_at timestamptz, order_date date)");
            DataSource ds = pg.dataSource();
            int size = produce(bootstrap);
            System.out.printf("produced %,d envelopes (%,d inserts, %,d %s) of ~%,d bytes with schemas%n",
                    ROWS, INSERTS, ROWS - INSERTS, MIXED ? "changes: per 5, a row updated twice in a row, a delete,"
                            + " two single updates" : "updates of distinct rows", size);

            Map<String, List<Double>> results = new LinkedHashMap<>();
            String[] variants = {"migmon CdcEventProcessor + JdbcChangeApplier", HAND_PLAIN, HAND_REWRITE,
                    "Debezium JDBC sink 3.6.0 default", "Debezium JDBC sink 3.6.0 tuned"};
            String reference = null;
            for (int round = -1; round < ROUNDS; round++) { // round -1 = warm-up
                for (String v : variants) {
                    truncate(ds);
                    double rowsPerSecond = run(v, bootstrap, pg, ds);
                    String sum = checksum(ds);
                    if (reference == null) {
                        reference = sum;
                    }
                    assertThat(sum).as("target checksum after " + v).isEqualTo(reference);
                    if (round >= 0) {
                        results.computeIfAbsent(v, k -> new ArrayList<>()).add(rowsPerSecond);
                    }
                    System.out.printf("%s %-48s %,10.0f rows/s  md5 %s%n", round < 0 ? "warm-up " : "round " + round + "  ",
                            v, rowsPerSecond, sum);
                }
            }
            System.out.println("| variant | rows/s median | min | max |");
            System.out.println("|---|---:|---:|---:|");
            Map<String, Double> median = new HashMap<>();
            for (Map.Entry<String, List<Double>> e : results.entrySet()) {
                List<Double> r = e.getValue();
                r.sort(Double::compare);
                median.put(e.getKey(), r.get(r.size() / 2));
                System.out.printf("| %s | %,.0f | %,.0f | %,.0f |%n", e.getKey(), r.get(r.size() / 2), r.get(0), r.get(r.size() - 1));
            }
            double migmon = median.get(variants[0]);
            for (int i = 1; i < variants.length; i++) {
                System.out.printf("migmon / %s = %.2fx (medians)%n", variants[i], migmon / median.get(variants[i]));
            }
        }
    }

    private static double run(String variant, String bootstrap, EmbeddedPostgresFixture pg, DataSource ds) throws Exception {
        switch (variant) {
            case "migmon CdcEventProcessor + JdbcChangeApplier":
                return migmon(bootstrap, ds);
            case HAND_PLAIN:
                return handWritten(bootstrap, ds::getConnection);
            case HAND_REWRITE:
                String url = pg.jdbcUrl(EmbeddedPostgresFixture.POSTGRES);
                String rewrite = url + (url.contains("?") ? "&" : "?") + "reWriteBatchedInserts=true";
                return handWritten(bootstrap, () -> java.sql.DriverManager.getConnection(rewrite, "postgres", "postgres"));
            case "Debezium JDBC sink 3.6.0 default":
                return debezium(bootstrap, pg, false);
            default:
                return debezium(bootstrap, pg, true);
        }
    }

    // ---------------------------------------------------------------------------------------------- the topic

    private static final Schema VALUE = SchemaBuilder.struct().name(TOPIC + ".Value")
            .field("id", Schema.INT64_SCHEMA)
            .field("customer_id", Schema.INT32_SCHEMA)
            .field("status", Schema.OPTIONAL_STRING_SCHEMA)
            .field("amount", Schema.OPTIONAL_FLOAT64_SCHEMA) // decimal.handling.mode=double
            .field("qty", Schema.OPTIONAL_INT32_SCHEMA)
            .field("active", Schema.OPTIONAL_BOOLEAN_SCHEMA)
            .field("note", Schema.OPTIONAL_STRING_SCHEMA)
            .field("created_at", SchemaBuilder.int64().name("io.debezium.time.MicroTimestamp").version(1).optional().build())
            .field("updated_at", SchemaBuilder.string().name("io.debezium.time.ZonedTimestamp").version(1).optional().build())
            .field("order_date", SchemaBuilder.int32().name("io.debezium.time.Date").version(1).optional().build())
            .optional().build();
    private static final Schema KEY = SchemaBuilder.struct().name(TOPIC + ".Key").field("id", Schema.INT64_SCHEMA).build();
    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("version", Schema.STRING_SCHEMA).field("connector", Schema.STRING_SCHEMA)
            .field("name", Schema.STRING_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA)
            .field("snapshot", SchemaBuilder.string().optional().name("io.debezium.data.Enum").version(1)
                    .parameter("allowed", "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental")
                    .defaultValue("false").build())
            .field("db", Schema.STRING_SCHEMA).field("sequence", Schema.OPTIONAL_STRING_SCHEMA)
            .field("ts_us", Schema.OPTIONAL_INT64_SCHEMA).field("ts_ns", Schema.OPTIONAL_INT64_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA).field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("xmin", Schema.OPTIONAL_INT64_SCHEMA).build();
    private static final Schema BLOCK = SchemaBuilder.struct().name("event.block").version(1).optional()
            .field("id", Schema.STRING_SCHEMA).field("total_order", Schema.INT64_SCHEMA)
            .field("data_collection_order", Schema.INT64_SCHEMA).build();
    private static final Schema ENVELOPE = SchemaBuilder.struct().name(TOPIC + ".Envelope").version(2)
            .field("before", VALUE).field("after", VALUE).field("source", SOURCE)
            .field("transaction", BLOCK).field("op", Schema.STRING_SCHEMA)
            .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).field("ts_us", Schema.OPTIONAL_INT64_SCHEMA)
            .field("ts_ns", Schema.OPTIONAL_INT64_SCHEMA).build();

    private static Struct row(long id, int version) {
        long base = 1_764_063_000_123_456L + id * 1_000_003L;
        return new Struct(VALUE).put("id", id).put("customer_id", (int) (id % 9_973))
                .put("status", version == 0 ? "NEW" : "PAID")
                .put("amount", ((id * 37 + version) % 1_000_000) / 100.0)
                .put("qty", (int) (id % 17) + version)
                .put("active", (id + version) % 3 != 0)
                .put("note", "order " + id + " v" + version + " — “quoted” and \\ escaped ".repeat(2))
                .put("created_at", base)
                .put("updated_at", OffsetDateTime.ofInstant(java.time.Instant.ofEpochSecond(base / 1_000_000 + version * 60L,
                        (base % 1_000_000) * 1_000), ZoneOffset.UTC).toString())
                .put("order_date", (int) (19_000 + id % 2_000));
    }

    private static int produce(String bootstrap) throws Exception {
        JsonConverter keys = converter(true);
        JsonConverter values = converter(false);
        Map<String, Object> p = Map.of("bootstrap.servers", bootstrap, "linger.ms", 20, "batch.size", 512 * 1024,
                "compression.type", "none", "acks", "1");
        int size = 0;
        long ts = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < ROWS; i++) {
                boolean insert = i < INSERTS;
                long id = insert ? i + 1 : (((long) (i - INSERTS) * 7_919) % INSERTS) + 1; // distinct rows, updated once
                int version = 1;
                boolean delete = false;
                if (!insert && MIXED) {
                    int slot = (i - INSERTS) % 5;
                    long group = (i - INSERTS) / 5;
                    long base = ((group * 4 * 7_919) % INSERTS) + 1; // distinct per group (7,919 and INSERTS coprime)
                    // slots 0 and 1: one row updated twice in a row; 2: a row deleted; 3 and 4: rows updated once
                    id = slot <= 1 ? base : slot == 2 ? ((base + 7_919 - 1) % INSERTS) + 1
                            : ((base + (slot - 1) * 7_919L - 1) % INSERTS) + 1;
                    version = slot == 1 ? 2 : 1;
                    delete = slot == 2;
                }
                Struct source = new Struct(SOURCE).put("version", "3.6.1.Final").put("connector", "postgresql")
                        .put("name", "bench").put("ts_ms", ts).put("snapshot", "false").put("db", "src")
                        .put("sequence", "[null,\"" + (26_589_128L + i) + "\"]").put("ts_us", ts * 1_000)
                        .put("ts_ns", ts * 1_000_000).put("schema", "public").put("table", "orders")
                        .put("txId", 700L + i).put("lsn", 26_589_128L + i);
                Struct env = new Struct(ENVELOPE).put("before", insert ? null : row(id, version - 1))
                        .put("after", delete ? null : row(id, insert ? 0 : version))
                        .put("source", source).put("op", insert ? "c" : delete ? "d" : "u").put("ts_ms", ts + 5)
                        .put("ts_us", (ts + 5) * 1_000).put("ts_ns", (ts + 5) * 1_000_000);
                byte[] v = values.fromConnectData(TOPIC, ENVELOPE, env);
                byte[] k = keys.fromConnectData(TOPIC, KEY, new Struct(KEY).put("id", id));
                size = v.length;
                producer.send(new ProducerRecord<>(TOPIC, k, v));
            }
            producer.flush();
        }
        return size;
    }

    private static JsonConverter converter(boolean key) {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", "true", "converter.type", key ? "key" : "value"), key);
        return c;
    }

    private static Map<String, Object> consumerProps(String bootstrap, int maxPollRecords) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", "apply-bench-" + UUID.randomUUID());
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        p.put("max.poll.records", maxPollRecords);
        return p;
    }

    // ---------------------------------------------------------------------------------------------- variants

    private static double migmon(String bootstrap, DataSource ds) throws Exception {
        JdbcChangeApplier jdbc = JdbcChangeApplier.builder(ds).tableMapping(e -> "public." + TARGET).build();
        long[] inApply = new long[1];
        ChangeApplier applier = new ChangeApplier() { // times the applier's share of the processor's thread
            @Override
            public void apply(List<ChangeEvent> batch) throws Exception {
                long t0 = System.nanoTime();
                jdbc.apply(batch);
                inApply[0] += System.nanoTime() - t0;
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
        CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(new SimpleMeterRegistry())
                .kafkaConsumer(consumerProps(bootstrap, 500)).topics(TOPIC).applier(applier).build();
        long start = System.nanoTime();
        Thread t = new Thread(p::run, "apply-bench-migmon");
        t.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (p.eventsProcessed() < ROWS && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        long elapsed = System.nanoTime() - start;
        p.close();
        t.join(30_000);
        jdbc.close();
        assertThat(p.eventsProcessed()).isEqualTo(ROWS);
        assertThat(p.deadLettered()).isZero();
        System.out.printf("         migmon: %.0f%% of the wall time inside JdbcChangeApplier.apply (conversion + database"
                + " round trip + commit, on the apply thread while the poll thread parses the next poll)%n",
                100.0 * inApply[0] / elapsed);
        return ROWS / (elapsed / 1e9);
    }

    private static final String HAND_UPSERT = "INSERT INTO public." + TARGET + " (id, customer_id, status, amount, qty,"
            + " active, note, created_at, updated_at, order_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id)"
            + " DO UPDATE SET customer_id = EXCLUDED.customer_id, status = EXCLUDED.status, amount = EXCLUDED.amount,"
            + " qty = EXCLUDED.qty, active = EXCLUDED.active, note = EXCLUDED.note, created_at = EXCLUDED.created_at,"
            + " updated_at = EXCLUDED.updated_at, order_date = EXCLUDED.order_date";

    private static final String HAND_PLAIN = "hand-written readTree + JDBC batch 500 (plain pgjdbc batch)";
    private static final String HAND_REWRITE = "hand-written readTree + JDBC batch 500 (reWriteBatchedInserts=true)";

    private static double handWritten(String bootstrap, java.util.concurrent.Callable<Connection> connect) throws Exception {
        long start = System.nanoTime();
        int done = 0;
        boolean rewritten = false;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(bootstrap, 500),
                new ByteArrayDeserializer(), new ByteArrayDeserializer());
             Connection c = connect.call()) {
            c.setAutoCommit(false);
            consumer.subscribe(List.of(TOPIC));
            try (PreparedStatement ps = c.prepareStatement(HAND_UPSERT);
                 PreparedStatement del = c.prepareStatement("DELETE FROM public." + TARGET + " WHERE id = ?")) {
                // the upserts since the last delete, merged by key (last image wins: a multi-row INSERT, as
                // reWriteBatchedInserts makes, may not touch a row twice); flushed before a delete to keep the order
                Map<Long, JsonNode> pending = new LinkedHashMap<>();
                while (done < ROWS) {
                    ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                    for (ConsumerRecord<byte[], byte[]> r : records) {
                        JsonNode payload = MAPPER.readTree(r.value()).path("payload");
                        if ("d".equals(payload.path("op").asText())) {
                            rewritten |= flush(ps, pending);
                            del.setLong(1, payload.path("before").get("id").asLong());
                            del.executeUpdate();
                        } else {
                            JsonNode after = payload.path("after");
                            pending.put(after.get("id").asLong(), after);
                            if (pending.size() == 500) {
                                rewritten |= flush(ps, pending);
                            }
                        }
                        done++;
                    }
                    rewritten |= flush(ps, pending);
                    if (!records.isEmpty()) {
                        c.commit();
                        consumer.commitSync();
                    }
                }
            }
        }
        double rate = ROWS / ((System.nanoTime() - start) / 1e9);
        System.out.println("  pgjdbc rewrote the batches into multi-row INSERTs: " + rewritten);
        return rate;
    }

    /** Binds the pending upserts as one JDBC batch and executes it; returns whether pgjdbc rewrote it. */
    private static boolean flush(PreparedStatement ps, Map<Long, JsonNode> pending) throws Exception {
        if (pending.isEmpty()) {
            return false;
        }
        for (JsonNode after : pending.values()) {
            ps.setLong(1, after.get("id").asLong());
            ps.setInt(2, after.get("customer_id").asInt());
            ps.setString(3, after.get("status").asText());
            ps.setBigDecimal(4, BigDecimal.valueOf(after.get("amount").asDouble()));
            ps.setInt(5, after.get("qty").asInt());
            ps.setBoolean(6, after.get("active").asBoolean());
            ps.setString(7, after.get("note").asText());
            long micros = after.get("created_at").asLong();
            ps.setObject(8, LocalDateTime.ofEpochSecond(Math.floorDiv(micros, 1_000_000L),
                    (int) Math.floorMod(micros, 1_000_000L) * 1_000, ZoneOffset.UTC));
            ps.setObject(9, OffsetDateTime.parse(after.get("updated_at").asText()), Types.TIMESTAMP_WITH_TIMEZONE);
            ps.setObject(10, LocalDate.ofEpochDay(after.get("order_date").asLong()));
            ps.addBatch();
        }
        pending.clear();
        return wasRewritten(ps.executeBatch());
    }

    /** pgjdbc answers SUCCESS_NO_INFO (-2) for the rows of a batch it rewrote into multi-row INSERTs. */
    private static boolean wasRewritten(int[] counts) {
        return counts.length > 0 && counts[0] == java.sql.Statement.SUCCESS_NO_INFO;
    }

    private static double debezium(String bootstrap, EmbeddedPostgresFixture pg, boolean tuned) throws Exception {
        Map<String, String> config = new HashMap<>();
        config.put("name", "apply-bench-jdbc-sink");
        config.put("connector.class", "io.debezium.connector.jdbc.JdbcSinkConnector");
        config.put("connection.url", pg.jdbcUrl(EmbeddedPostgresFixture.POSTGRES));
        config.put("connection.username", "postgres");
        config.put("connection.password", "postgres");
        config.put("insert.mode", "upsert");
        config.put("primary.key.mode", "record_key");
        config.put("delete.enabled", String.valueOf(MIXED));
        config.put("schema.evolution", "none");
        config.put("collection.name.format", TARGET);
        config.put("topics", TOPIC);
        if (tuned) {
            config.put("batch.size", "2000");
            config.put("use.reduction.buffer", "true");
        }
        int maxPoll = tuned ? 2_000 : 500;
        JsonConverter keys = converter(true);
        JsonConverter values = converter(false);
        JdbcSinkConnectorTask task = new JdbcSinkConnectorTask();
        long start = System.nanoTime();
        int done = 0;
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(consumerProps(bootstrap, maxPoll),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            task.initialize(new Context(config, consumer));
            task.start(config);
            consumer.subscribe(List.of(TOPIC));
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
            while (done < ROWS) {
                ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
                List<SinkRecord> sink = new ArrayList<>(records.count());
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    SchemaAndValue k = keys.toConnectData(r.topic(), r.key());
                    SchemaAndValue v = values.toConnectData(r.topic(), r.value());
                    sink.add(new SinkRecord(r.topic(), r.partition(), k.schema(), k.value(), v.schema(), v.value(),
                            r.offset(), r.timestamp(), TimestampType.CREATE_TIME));
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                task.put(sink);
                done += sink.size();
            }
            // what the worker does at its offset commit: flush, then commit the consumer offsets
            Map<TopicPartition, OffsetAndMetadata> committable = task.preCommit(offsets);
            consumer.commitSync(committable);
        } finally {
            task.stop();
        }
        return ROWS / ((System.nanoTime() - start) / 1e9);
    }

    /** The minimum a Connect worker gives a sink task. */
    private static final class Context implements SinkTaskContext {
        private final Map<String, String> config;
        private final KafkaConsumer<byte[], byte[]> consumer;

        Context(Map<String, String> config, KafkaConsumer<byte[], byte[]> consumer) {
            this.config = config;
            this.consumer = consumer;
        }

        @Override
        public Map<String, String> configs() {
            return config;
        }

        @Override
        public void offset(Map<TopicPartition, Long> offsets) {
            offsets.forEach(this::offset);
        }

        @Override
        public void offset(TopicPartition tp, long offset) {
            consumer.seek(tp, offset);
        }

        @Override
        public void timeout(long timeoutMs) {
        }

        @Override
        public Set<TopicPartition> assignment() {
            return consumer.assignment();
        }

        @Override
        public void pause(TopicPartition... partitions) {
            consumer.pause(List.of(partitions));
        }

        @Override
        public void resume(TopicPartition... partitions) {
            consumer.resume(List.of(partitions));
        }

        @Override
        public void requestCommit() {
        }

        @Override
        public PluginMetrics pluginMetrics() {
            return null;
        }
    }

    // ---------------------------------------------------------------------------------------------- the target

    private static void truncate(DataSource ds) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("TRUNCATE public." + TARGET);
            s.execute("VACUUM ANALYZE public." + TARGET);
        }
    }

    private static String checksum(DataSource ds) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
            try (ResultSet rs = s.executeQuery("SELECT count(*), md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM public."
                    + TARGET + " t")) {
                rs.next();
                // mixed: one delete per 5 changes
                assertThat(rs.getLong(1)).as("rows in the target").isEqualTo(MIXED ? INSERTS - (ROWS - INSERTS + 2) / 5 : INSERTS);
                return rs.getLong(1) + "/" + rs.getString(2);
            }
        }
    }
}
