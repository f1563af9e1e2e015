package io.migmon.cdc.bench;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The observe-only consume path against its baselines, on messages WITH schemas (JsonConverter's default
 * {@code {"schema":..,"payload":..}}, ~4 KB, the real envelope schema of a 10-column table: {@link DebeziumEnvelopes})
 * and WITHOUT (the bare payload, ~0.8 KB), each on its own topic of 4 partitions of an in-process KRaft broker, read
 * from the beginning by: a bare poll loop (baseline), a poll loop running Jackson {@code readTree} on every value (the
 * naive parse), and {@link CdcEventProcessor} in observe-only mode (streaming parse, meters, lag refresh, commit per
 * poll). Same JVM, same run, same consumer settings; every variant warmed up once, then measured {@value #ROUNDS} times,
 * the variants alternating within each round. Prints min/median/max per variant and the ratios of the processor to the
 * baselines per round and of the medians.
 * Run: {@code mvn -B -pl migmon-cdc -am test -Dexcluded.groups= -Dgroups=benchmark -Dtest=CdcThroughputBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Dcdc.bench.events=N} events per topic, default 200,000).
 */
@Tag("benchmark")
class CdcThroughputBenchmark {

    private static final int EVENTS = Integer.getInteger("cdc.bench.events", 200_000);
    private static final int PARTITIONS = 4;
    private static final int ROUNDS = 3;
    private static final String TOPIC_WITH_SCHEMA = "bench.public.orders";
    private static final String TOPIC_WITHOUT_SCHEMA = "plain.public.orders";
    private static final String BARE = "bare poll loop";
    private static final String READ_TREE = "poll + Jackson readTree";
    private static final String PROCESSOR = "CdcEventProcessor observe-only";

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
                admin.createTopics(List.of(new NewTopic(TOPIC_WITH_SCHEMA, PARTITIONS, (short) 1),
                        new NewTopic(TOPIC_WITHOUT_SCHEMA, PARTITIONS, (short) 1))).all().get();
            }
            for (String topic : List.of(TOPIC_WITH_SCHEMA, TOPIC_WITHOUT_SCHEMA)) {
                double size = produce(bootstrap, topic, topic.equals(TOPIC_WITH_SCHEMA));
                System.out.printf("produced %,d envelopes (%s schemas) of %.0f bytes on average on %d partitions of %s%n",
                        EVENTS, topic.equals(TOPIC_WITH_SCHEMA) ? "with" : "without", size, PARTITIONS, topic);
            }

            String[] variants = {BARE, READ_TREE, PROCESSOR};
            Map<String, List<Double>> results = new LinkedHashMap<>();
            for (int round = -1; round < ROUNDS; round++) { // round -1 = warm-up
                for (String topic : List.of(TOPIC_WITH_SCHEMA, TOPIC_WITHOUT_SCHEMA)) {
                    for (String v : variants) {
                        double evs = run(v, bootstrap, topic);
                        if (round >= 0) {
                            results.computeIfAbsent(key(topic, v), k -> new ArrayList<>()).add(evs);
                        }
                        System.out.printf("%s %-14s %-32s %,12.0f events/s%n", round < 0 ? "warm-up " : "round " + round + "  ",
                                label(topic), v, evs);
                    }
                }
            }
            System.out.println("| messages | variant | events/s min | median | max |");
            System.out.println("|---|---|---:|---:|---:|");
            for (Map.Entry<String, List<Double>> e : results.entrySet()) {
                List<Double> r = new ArrayList<>(e.getValue());
                r.sort(Double::compare);
                System.out.printf("| %s | %,.0f | %,.0f | %,.0f |%n", e.getKey().replace("\u0000", " | "),
                        r.get(0), r.get(r.size() / 2), r.get(r.size() - 1));
            }
            System.out.println("| messages | ratio | per round | of the medians | goal |");
            System.out.println("|---|---|---|---:|---|");
            for (String topic : List.of(TOPIC_WITH_SCHEMA, TOPIC_WITHOUT_SCHEMA)) {
                ratio(results, topic, BARE, ">= 0.7x");
                ratio(results, topic, READ_TREE, ">= 2.5x");
            }
        }
    }

    private static void ratio(Map<String, List<Double>> results, String topic, String baseline, String goal) {
        List<Double> p = results.get(key(topic, PROCESSOR));
        List<Double> b = results.get(key(topic, baseline));
        StringBuilder perRound = new StringBuilder();
        for (int i = 0; i < p.size(); i++) {
            perRound.append(i == 0 ? "" : " / ").append(String.format("%.2fx", p.get(i) / b.get(i)));
        }
        System.out.printf("| %s | processor / %s | %s | %.2fx | %s |%n", label(topic), baseline, perRound,
                median(p) / median(b), goal);
    }

    private static double median(List<Double> values) {
        List<Double> r = new ArrayList<>(values);
        r.sort(Double::compare);
        return r.get(r.size() / 2);
    }

    private static String key(String topic, String variant) {
        return label(topic) + "\u0000" + variant;
    }

    private static String label(String topic) {
        return topic.equals(TOPIC_WITH_SCHEMA) ? "with schema" : "without schema";
    }

    private static double produce(String bootstrap, String topic, boolean withSchema) throws Exception {
        Map<String, Object> p = Map.of("bootstrap.servers", bootstrap, "linger.ms", 20, "batch.size", 512 * 1024,
                "compression.type", "none", "acks", "1");
        long bytes = 0;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
            long ts = System.currentTimeMillis();
            for (int i = 0; i < EVENTS; i++) {
                byte[] value = DebeziumEnvelopes.envelope(i, ts, withSchema);
                bytes += value.length;
                producer.send(new ProducerRecord<>(topic, ("{\"id\":" + i + "}").getBytes(StandardCharsets.UTF_8), value));
            }
            producer.flush();
        }
        return bytes / (double) EVENTS;
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

    private static double run(String variant, String bootstrap, String topic) throws Exception {
        switch (variant) {
            case BARE:
                return pollLoop(bootstrap, topic, false);
            case READ_TREE:
                return pollLoop(bootstrap, topic, true);
            default:
                return processor(bootstrap, topic);
        }
    }

    private static double pollLoop(String bootstrap, String topic, boolean readTree) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        Map<String, Object> props = consumerProps(bootstrap);
        props.put("enable.auto.commit", false);
        long sink = 0;
        long start = System.nanoTime();
        long end;
        int seen = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(topic));
            while (seen < EVENTS) {
                ConsumerRecords<byte[], byte[]> recs = c.poll(Duration.ofMillis(500));
                for (ConsumerRecord<byte[], byte[]> r : recs) {
                    seen++;
                    if (readTree) {
                        JsonNode root = mapper.readTree(r.value());
                        JsonNode envelope = root.has("payload") ? root.get("payload") : root;
                        sink += envelope.path("op").asText().length() + (envelope.path("source").path("ts_us").asLong() > 0 ? 1 : 0);
                    } else {
                        sink += r.value().length;
                    }
                }
                if (!recs.isEmpty()) {
                    c.commitSync();
                }
            }
            end = System.nanoTime(); // like the processor's figure: up to the last event, without close()
        }
        double secs = (end - start) / 1e9;
        assertThat(sink).isPositive();
        return seen / secs;
    }

    private static double processor(String bootstrap, String topic) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry)
                .kafkaConsumer(consumerProps(bootstrap)).topics(topic).build();
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
