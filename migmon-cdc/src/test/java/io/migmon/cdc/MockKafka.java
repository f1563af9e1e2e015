package io.migmon.cdc;

import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The mock-client wiring the poll-loop tests share (PollLoopTest, CommitTimeoutTest, LagAfterIdleTest): kafka-clients'
 * MockConsumer (main and the lag probe's peek), a MockProducer for the dead-letter topic, the processor built with
 * them and its loop on a thread of its own; {@link #close()} closes the processor and stops the thread.
 */
final class MockKafka implements AutoCloseable {

    final MockConsumer<byte[], byte[]> consumer;
    final MockConsumer<byte[], byte[]> peek;
    final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private CdcEventProcessor processor;

    MockKafka() {
        this(new MockConsumer<>("earliest"), new MockConsumer<>("earliest"));
    }

    MockKafka(MockConsumer<byte[], byte[]> consumer, MockConsumer<byte[], byte[]> peek) {
        this.consumer = consumer;
        this.peek = peek;
    }

    /** Builds {@code builder} with the mock clients (and a placeholder consumer config) and starts its loop. */
    Future<?> start(CdcEventProcessor.Builder builder) {
        processor = builder.kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g"))
                .kafkaClients(new FixedKafkaClients(consumer, peek, producer)).build();
        return executor.submit(processor);
    }

    /** The processor started last. */
    CdcEventProcessor processor() {
        return processor;
    }

    @Override
    public void close() {
        if (processor != null) {
            processor.close();
        }
        executor.shutdownNow();
    }
}
