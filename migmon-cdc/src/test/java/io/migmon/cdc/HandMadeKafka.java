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
        this.producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(), "linger.ms", "5"),
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
