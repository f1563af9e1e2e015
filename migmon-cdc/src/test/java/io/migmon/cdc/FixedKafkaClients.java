package io.migmon.cdc;

import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;

/** A {@link KafkaClientFactory} that hands out the given (mock) clients whatever the properties. */
record FixedKafkaClients(Consumer<byte[], byte[]> main, Consumer<byte[], byte[]> peek,
        Producer<byte[], byte[]> deadLetters) implements KafkaClientFactory {

    @Override
    public Consumer<byte[], byte[]> consumer(Map<String, Object> properties) {
        return main;
    }

    @Override
    public Consumer<byte[], byte[]> peekConsumer(Map<String, Object> properties) {
        return peek;
    }

    @Override
    public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
        return deadLetters;
    }
}
