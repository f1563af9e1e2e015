package io.migmon.cdc.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.CdcEventProcessor;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 500,000 Debezium envelopes of ~1 KB on 4 partitions of an in-process KRaft broker, read from the beginning by:
 * a bare poll loop (baseline), a poll loop running Jackson {@code readTree} on every value (the naive parse), and
 * {@link CdcEventProcessor} in observe-only mode (streaming parse, meters, lag refresh, commit per poll). Same JVM,
 * same run, same consumer settings; each variant warmed up first, then measured {@value #ROUNDS} times alternately.
 * Run: {@code mvn -B -pl migmon-cdc test -Dexcluded.groups= -Dgroups=benchmark -Dtest=CdcThroughputBenchmark}.
 */
@Tag("benchmark")
class CdcThroughputBenchmark {

    private static final int EVENTS = Integer.getInteger("cdc.bench.events", 500_000);
    private static final int PARTITIONS = 4;
    private static final int ROUNDS = 3;
    private static final String TOPIC = "bench.public.orders";

    @Test
    void processorVersusBaselines() throws Exception {
        Path dir = Path.of("target", "bench-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        try (KafkaClusterTestKit kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setNumBrokerNodes(1).setNumControllerNodes(1).setCombined(true).setBaseDirectory(dir).build())
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
                admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 1))).all().get();
            }
            int size = produce(bootstrap);
            System.out.printf("produced %,d envelopes of ~%d bytes on %d partitions%n", EVENTS, size, PARTITIONS);

            Map<String, List<Double>> results = new HashMap<>();
            String[] variants = {"bare poll loop", "poll + Jackson readTree", "CdcEventProcessor observe-only"};
            for (int round = -1; round < ROUNDS; round++) { // round -1 = warm-up
                for (String v : variants) {
                    double evs = run(v, bootstrap);
                    if (round >= 0) {
                        results.computeIfAbsent(v, k -> new ArrayList<>()).add(evs);
                    }
                    System.out.printf("%s %-32s %,12.0f events/s%n", round < 0 ? "warm-up " : "round " + round + "  ", v, evs);
                }
            }
            System.out.println("| variant | events/s (median of " + ROUNDS + ") | min | max |");
            System.out.println("|---|---:|---:|---:|");
            for (String v : variants) {
                List<Double> r = results.get(v);
                r.sort(Double::compare);
                System.out.printf("| %s | %,.0f | %,.0f | %,.0f |%n", v, r.get(r.size() / 2), r.get(0), r.get(r.size() - 1));
            }
        }
    }

    private static int produce(String bootstrap) throws Exception {
        Map<String, Object> p = Map.of("bootstrap.servers", bootstrap, "linger.ms", 20, "batch.size", 512 * 1024,
                "compression.type", "none", "acks", "1");
        String pad = "x".repeat(600);
        int size = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            long ts = System.currentTimeMillis();
            for (int i = 0; i < EVENTS; i++) {
                String op = i % 10 == 0 ? "d" : i % 3 == 0 ? "u" : "c";
                String row = "{\"id\":" + i + ",\"customer_id\":" + (i % 977) + ",\"status\":\"NEW\",\"amount\":\"" + (i % 1000) + ".25\","
                        + "\"created_at\":1764063000123456,\"note\":\"" + pad + "\"}";
                String v = "{\"before\":" + (op.equals("c") ? "null" : row) + ",\"after\":" + (op.equals("d") ? "null" : row)
                        + ",\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"bench\",\"ts_ms\":" + ts
                        + ",\"ts_us\":" + ts * 1000 + ",\"ts_ns\":" + ts * 1_000_000 + ",\"snapshot\":\"false\",\"db\":\"src\","
                        + "\"sequence\":\"[null,\\\"" + (26589128 + i) + "\\\"]\",\"schema\":\"public\",\"table\":\"orders\",\"txId\":" + (700 + i)
                        + ",\"lsn\":" + (26589128 + i) + ",\"xmin\":null},\"transaction\":null,\"op\":\"" + op + "\",\"ts_ms\":" + (ts + 5)
                        + ",\"ts_us\":" + (ts + 5) * 1000 + ",\"ts_ns\":" + (ts + 5) * 1_000_000 + "}";
                byte[] bytes = v.getBytes(StandardCharsets.UTF_8);
                size = bytes.length;
                producer.send(new ProducerRecord<>(TOPIC, ("{\"id\":" + i + "}").getBytes(StandardCharsets.UTF_8), bytes));
            }
            producer.flush();
        }
        return size;
    }

    private static Map<String, Object> consumerProps(String bootstrap) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrap);
        p.put("group.id", "bench-" + UUID.randomUUID());
        p.put("auto.offset.reset", "earliest");
        p.put("max.poll.records", 5000);
        p.put("fetch.max.bytes", 64 * 1024 * 1024);
        p.put("max.partition.fetch.bytes", 16 * 1024 * 1024);
        return p;
    }

    private static double run(String variant, String bootstrap) throws Exception {
        switch (variant) {
            case "bare poll loop":
                return pollLoop(bootstrap, false);
            case "poll + Jackson readTree":
                return pollLoop(bootstrap, true);
            default:
                return processor(bootstrap);
        }
    }

    private static double pollLoop(String bootstrap, boolean readTree) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        Map<String, Object> props = consumerProps(bootstrap);
        props.put("enable.auto.commit", false);
        long sink = 0;
        long start = System.nanoTime();
        int seen = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(TOPIC));
            while (seen < EVENTS) {
                ConsumerRecords<byte[], byte[]> recs = c.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> r : recs) {
                    seen++;
                    if (readTree) {
                        sink += mapper.readTree(r.value()).path("op").asText().length();
                    } else {
                        sink += r.value().length;
                    }
                }
                if (!recs.isEmpty()) {
                    c.commitSync();
                }
            }
        }
        double secs = (System.nanoTime() - start) / 1e9;
        assertThat(sink).isPositive();
        return seen / secs;
    }

    private static double processor(String bootstrap) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry)
                .kafkaConsumer(consumerProps(bootstrap)).topics(TOPIC).build();
        ExecutorService ex = Executors.newSingleThreadExecutor();
        long start = System.nanoTime();
        Future<?> f = ex.submit(p);
        while (p.eventsProcessed() < EVENTS) {
            Thread.sleep(1);
        }
        double secs = (System.nanoTime() - start) / 1e9;
        p.close();
        f.get();
        ex.shutdown();
        assertThat(p.eventsProcessed()).isEqualTo(EVENTS);
        return EVENTS / secs;
    }
}
