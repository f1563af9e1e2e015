package io.migmon.cdc;

import io.migmon.testsupport.KafkaTestBroker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

/**
 * An own in-process KRaft broker (under {@code target/<prefix>-<random>/kafka}) with a byte producer, for the CDC ITs
 * that write Debezium envelopes by hand: the attack ITs and the lag-probe / close ITs. The owning test class starts
 * it and closes it in its {@code @AfterAll}. Envelope shapes stay in each test (they differ on purpose).
 */
final class HandMadeKafka implements AutoCloseable {

    private final KafkaClusterTestKit kafka;
    private final KafkaProducer<byte[], byte[]> producer;

    private HandMadeKafka(KafkaClusterTestKit kafka) {
        this.kafka = kafka;
        // Not idempotent, one request in flight (order kept on retries): an idempotent producer's first batch to a
        // topic created a moment before can meet NOT_LEADER_OR_FOLLOWER and then OUT_OF_ORDER_SEQUENCE_NUMBER on every
        // retry until delivery.timeout.ms (120 s of a test's time, seen in CdcAttack5IT).
        this.producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", "5",
                "enable.idempotence", "false", "acks", "all", "max.in.flight.requests.per.connection", "1"),
                new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** Starts a broker in a fresh directory {@code target/<prefix>-<8 random chars>}. */
    static HandMadeKafka start(String prefix) throws Exception {
        Path work = Path.of("target", prefix + "-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        Files.createDirectories(work);
        return new HandMadeKafka(KafkaTestBroker.start(work.resolve("kafka")));
    }

    String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    /** The shared producer ({@code linger.ms} 5); closed by {@link #close()}. */
    KafkaProducer<byte[], byte[]> producer() {
        return producer;
    }

    /** A new admin client; the caller closes it. */
    Admin admin() {
        return Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    void createTopics(int partitions, String... topics) throws Exception {
        try (Admin admin = admin()) {
            List<NewTopic> list = new ArrayList<>();
            for (String t : topics) {
                list.add(new NewTopic(t, partitions, (short) 1));
            }
            admin.createTopics(list).all().get();
            awaitLeaders(admin, topics);
        }
    }

    /** Waits (up to 30 s) until every partition of the topics has a leader in the broker's metadata. */
    private static void awaitLeaders(Admin admin, String... topics) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            boolean ready;
            try {
                ready = admin.describeTopics(List.of(topics)).allTopicNames().get().values().stream()
                        .allMatch(d -> d.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty()));
            } catch (ExecutionException e) {
                ready = false; // UNKNOWN_TOPIC_OR_PARTITION until the broker has the topic
            }
            if (ready) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics without a leader after 30 s: " + List.of(topics));
            }
            Thread.sleep(50);
        }
    }

    /** Sends (asynchronously) a UTF-8 key (may be null) and value to one partition. */
    void send(String topic, int partition, String key, String value) {
        producer.send(new ProducerRecord<>(topic, partition, key == null ? null : key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public void close() throws Exception {
        producer.close(Duration.ofSeconds(2));
        kafka.close();
    }
}
