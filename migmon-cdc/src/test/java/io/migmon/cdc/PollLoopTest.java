package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.DeadLetterReason;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.cdc.spi.RetriableApplyException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The poll loop driven by kafka-clients' MockConsumer/MockProducer: commits, rewinds, dead letters. */
class PollLoopTest {

    private static final String TOPIC = "shop.public.orders";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final MockConsumer<byte[], byte[]> peek = new MockConsumer<>("earliest");
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private CdcEventProcessor processor;

    @AfterEach
    void tearDown() {
        if (processor != null) {
            processor.close();
        }
        executor.shutdownNow();
    }

    private final KafkaClientFactory clients = new KafkaClientFactory() {
        @Override
        public Consumer<byte[], byte[]> consumer(Map<String, Object> properties) {
            return consumer;
        }

        @Override
        public Consumer<byte[], byte[]> peekConsumer(Map<String, Object> properties) {
            return peek;
        }

        @Override
        public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
            return producer;
        }
    };

    private static String envelope(int id) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":1,\"schema\":\"public\","
                + "\"table\":\"orders\"},\"op\":\"c\",\"ts_ms\":2}";
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String value) {
        return new ConsumerRecord<>(TOPIC, 0, offset, null, value.getBytes(StandardCharsets.UTF_8));
    }

    private Future<?> start(ChangeApplier applier, String... values) {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(TP));
            consumer.updateBeginningOffsets(Map.of(TP, 0L));
            consumer.updateEndOffsets(Map.of(TP, (long) values.length));
            for (int i = 0; i < values.length; i++) {
                consumer.addRecord(record(i, values[i]));
            }
        });
        processor = CdcEventProcessor.builder().meterRegistry(registry)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g"))
                .topics(TOPIC).applier(applier).deadLetterTopic("shop.dlq")
                .pollTimeout(Duration.ofMillis(20)).retryBackoff(Duration.ofMillis(1))
                .kafkaClients(clients).build();
        return executor.submit(processor);
    }

    private long committed() {
        OffsetAndMetadata o = consumer.committed(java.util.Set.of(TP)).get(TP);
        return o == null ? -1 : o.offset();
    }

    @Test
    void appliesInOrderAndCommitsAfterApply() throws Exception {
        List<Object> applied = new CopyOnWriteArrayList<>();
        start(batch -> batch.forEach(e -> applied.add(e.record().offset())), envelope(1), envelope(2), envelope(3));
        Await.until(Duration.ofSeconds(30), "3 events committed", () -> committed() == 3);
        assertThat(applied).containsExactly(0L, 1L, 2L);
        assertThat(processor.eventsProcessed()).isEqualTo(3);
        assertThat(registry.get("cdc.events.processed").tag("table", "public.orders").counter().count()).isEqualTo(3);
    }

    @Test
    void aRetriableFailureRewindsAndReappliesWithoutCommittingInBetween() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<Long> committedDuringOutage = new CopyOnWriteArrayList<>();
        ChangeApplier flaky = batch -> {
            if (calls.incrementAndGet() <= 3) {
                committedDuringOutage.add(committed());
                // the broker redelivers from the rewound position (MockConsumer drains what it returned)
                consumer.schedulePollTask(() -> {
                    consumer.addRecord(record(0, envelope(1)));
                    consumer.addRecord(record(1, envelope(2)));
                });
                throw new RetriableApplyException("target down", null);
            }
        };
        start(flaky, envelope(1), envelope(2));
        Await.until(Duration.ofSeconds(30), "committed after the outage", () -> committed() == 2);
        assertThat(calls.get()).isGreaterThanOrEqualTo(4);
        assertThat(committedDuringOutage).containsOnly(-1L);
        assertThat(processor.deadLettered()).isZero();
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicAndThePartitionMovesOn() throws Exception {
        List<ChangeEvent> applied = new CopyOnWriteArrayList<>();
        start(applied::addAll, envelope(1), "{not json", envelope(3));
        Await.until(Duration.ofSeconds(30), "all committed", () -> committed() == 3);
        assertThat(applied).hasSize(2);
        assertThat(producer.history()).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo("shop.dlq");
            assertThat(new String(r.headers().lastHeader(DeadLetterReason.HEADER).value(), StandardCharsets.UTF_8))
                    .isEqualTo(DeadLetterReason.UNPARSEABLE.tagValue());
            assertThat(new String(r.headers().lastHeader(DeadLetterReason.OFFSET_HEADER).value(), StandardCharsets.UTF_8))
                    .isEqualTo("1");
        });
    }
}
