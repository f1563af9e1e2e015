package io.migmon.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Second attack on issue 16's apply path at the processor: the pipelined poll loop (next poll parsed while the
 * current one applies) with the real JDBC applier (typed multi-row statements, merged keys) and poison events in the
 * middle of batches. Ground truth: the same events applied one at a time in offset order by this test's own model,
 * poison events left out; the dead-letter topic must hold exactly the poison offsets.
 */
class PerfAttack2IT {

    private static final String TOPIC = "shop.public.orders";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
    private static EmbeddedPostgresFixture pg;
    private static DataSource ds;

    @BeforeAll
    static void start() throws Exception {
        pg = EmbeddedPostgresFixture.builder("perf-attack2-pipeline").start();
        ds = pg.dataSource();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA replica");
            s.execute("CREATE TABLE replica.orders (id int PRIMARY KEY, v varchar(6), n numeric(8,2))");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    private static final class RecordingConsumer extends MockConsumer<byte[], byte[]> {
        volatile long lastCommitted = -1;

        RecordingConsumer() {
            super("earliest");
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            super.commitSync(offsets);
            OffsetAndMetadata o = offsets.get(TP);
            if (o != null) {
                lastCommitted = o.offset();
            }
        }
    }

    private static String envelope(String op, int id, String v, String n) {
        String row = "{\"id\":" + id + ",\"v\":" + (v == null ? "null" : "\"" + v + "\"") + ",\"n\":" + n + "}";
        return "{\"before\":" + ("d".equals(op) ? "{\"id\":" + id + "}" : "null") + ",\"after\":"
                + ("d".equals(op) ? "null" : row) + ",\"source\":{\"name\":\"shop\",\"ts_ms\":" + System.currentTimeMillis()
                + ",\"db\":\"src\",\"schema\":\"public\",\"table\":\"orders\"},\"op\":\"" + op + "\",\"ts_ms\":"
                + System.currentTimeMillis() + "}";
    }

    @Test
    void poisonMidBatchWithPipelinedPollsLeavesTheRowsOfOrderedApplication() throws Exception {
        Random rnd = new Random(16);
        int polls = 12;
        int perPoll = 25;
        List<List<ConsumerRecord<byte[], byte[]>>> byPoll = new ArrayList<>();
        TreeMap<Integer, String> truth = new TreeMap<>();
        List<Long> poison = new ArrayList<>();
        long offset = 0;
        for (int p = 0; p < polls; p++) {
            List<ConsumerRecord<byte[], byte[]>> recs = new ArrayList<>();
            for (int i = 0; i < perPoll; i++, offset++) {
                int id = rnd.nextInt(8); // few keys: merged images, deletes and re-creates of one key in a batch
                int kind = rnd.nextInt(10);
                String json;
                if (kind == 0) {
                    json = envelope("d", id, null, "null");
                    truth.remove(id);
                } else if (kind == 1) {
                    // varchar(6): 22001, poison; on a key of its own (a later image of the same key in the chunk
                    // would replace it in the merged upsert: finding 5, jdbc.PerfAttack2IT)
                    json = envelope("c", 1000 + (int) offset, "toolong", "1");
                    poison.add(offset);
                } else {
                    String v = "v" + offset;
                    String n = rnd.nextBoolean() ? "1.005" : "-0";
                    json = envelope(kind < 5 ? "c" : "u", id, v.length() > 6 ? v.substring(0, 6) : v, n);
                    truth.put(id, (v.length() > 6 ? v.substring(0, 6) : v) + "|" + ("1.005".equals(n) ? "1.01" : "0.00"));
                }
                recs.add(new ConsumerRecord<>(TOPIC, 0, offset, null, json.getBytes(StandardCharsets.UTF_8)));
            }
            byPoll.add(recs);
        }
        long end = offset;
        RecordingConsumer consumer = new RecordingConsumer();
        MockConsumer<byte[], byte[]> peek = new MockConsumer<>("earliest");
        MockProducer<byte[], byte[]> producer =
                new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(TP));
            consumer.updateBeginningOffsets(Map.of(TP, 0L));
            consumer.updateEndOffsets(Map.of(TP, end));
            peek.updateEndOffsets(Map.of(TP, end));
            byPoll.get(0).forEach(consumer::addRecord);
        });
        for (int p = 1; p < polls; p++) {
            List<ConsumerRecord<byte[], byte[]>> recs = byPoll.get(p);
            consumer.schedulePollTask(() -> recs.forEach(consumer::addRecord));
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ExecutorService executor = Executors.newSingleThreadExecutor();
        JdbcChangeApplier applier = JdbcChangeApplier.builder(ds).targetSchema("replica").build();
        CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g"))
                .topics(TOPIC).applier(applier).deadLetterTopic("shop.dlq")
                .pollTimeout(Duration.ofMillis(20)).retryBackoff(Duration.ofMillis(1))
                .lagRefreshInterval(Duration.ofHours(1))
                .kafkaClients(new FixedKafkaClients(consumer, peek, producer)).build();
        try {
            executor.submit(processor);
            Await.until(Duration.ofSeconds(45), "all committed", () -> consumer.lastCommitted == end);
        } finally {
            processor.close();
            applier.close();
            executor.shutdownNow();
            executor.awaitTermination(10, TimeUnit.SECONDS);
        }
        List<String> expected = new ArrayList<>();
        truth.forEach((id, vn) -> expected.add(id + "|" + vn + "|"));
        List<String> actual = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, v, n FROM replica.orders ORDER BY id")) {
            while (rs.next()) {
                actual.add(rs.getInt(1) + "|" + rs.getString(2) + "|" + rs.getString(3) + "|");
            }
        }
        assertThat(actual).as("rows of the events applied in order, poison left out").isEqualTo(expected);
        List<Long> dead = new ArrayList<>();
        producer.history().forEach(r -> dead.add(Long.parseLong(new String(r.headers()
                .lastHeader(io.migmon.cdc.event.DeadLetterReason.OFFSET_HEADER).value(), StandardCharsets.UTF_8))));
        assertThat(dead).as("dead letters = the poison events").containsExactlyInAnyOrderElementsOf(poison);
        assertThat(processor.eventsProcessed()).isEqualTo(end - poison.size());
    }
}
