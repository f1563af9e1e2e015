package io.migmon.cdc;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.Map;

/**
 * Creates the Kafka clients of a processor: the group consumer, the lag probe's consumer and the dead-letter
 * producer. The seam through which tests drive the poll loop with kafka-clients' {@code MockConsumer} and
 * {@code MockProducer}.
 */
interface KafkaClientFactory {

    /** Real clients with byte-array (de)serializers. */
    KafkaClientFactory DEFAULT = new KafkaClientFactory() {
        @Override
        public Consumer<byte[], byte[]> consumer(Map<String, Object> properties) {
            return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        @Override
        public Consumer<byte[], byte[]> peekConsumer(Map<String, Object> properties) {
            return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        @Override
        public Consumer<byte[], byte[]> sideConsumer(Map<String, Object> properties) {
            return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        @Override
        public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
            return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
        }
    };

    /** The group consumer of the poll loop. */
    Consumer<byte[], byte[]> consumer(Map<String, Object> properties);

    /** The lag probe's consumer (no group; assigned partitions only). */
    Consumer<byte[], byte[]> peekConsumer(Map<String, Object> properties);

    /**
     * The consumer that reads the heartbeat topics outside group management (no group; every member
     * of the group assigns itself all their partitions), or null: then they stay in the group subscription, as with
     * the mock clients of unit tests (one member, so it sees every partition anyway).
     */
    default Consumer<byte[], byte[]> sideConsumer(Map<String, Object> properties) {
        return null;
    }

    /** The dead-letter producer (created on the first dead letter). */
    Producer<byte[], byte[]> producer(Map<String, Object> properties);
}
