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
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The poll loop driven by kafka-clients' MockConsumer/MockProducer: commits, rewinds, dead letters. */
class PollLoopTest {

    private static final String TOPIC = "shop.public.orders";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MockKafka kafka = new MockKafka();
    private final MockConsumer<byte[], byte[]> consumer = kafka.consumer;
    private final MockConsumer<byte[], byte[]> peek = kafka.peek;
    private final MockProducer<byte[], byte[]> producer = kafka.producer;
    private CdcEventProcessor processor;

    @AfterEach
    void tearDown() {
        kafka.close();
    }

    private static String envelope(int id) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":1,\"schema\":\"public\","
                + "\"table\":\"orders\"},\"op\":\"c\",\"ts_ms\":2}";
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String value) {
        return new ConsumerRecord<>(TOPIC, 0, offset, null, value.getBytes(StandardCharsets.UTF_8));
    }

    private Future<?> start(ChangeApplier applier, String... values) {
        return start(applier, b -> { }, values);
    }

    private Future<?> start(ChangeApplier applier, java.util.function.Consumer<CdcEventProcessor.Builder> customize,
                            String... values) {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(TP));
            consumer.updateBeginningOffsets(Map.of(TP, 0L));
            consumer.updateEndOffsets(Map.of(TP, (long) values.length));
            peek.updateEndOffsets(Map.of(TP, (long) values.length)); // the lag thread asks the probe's own consumer
            for (int i = 0; i < values.length; i++) {
                consumer.addRecord(record(i, values[i]));
            }
        });
        CdcEventProcessor.Builder b = CdcEventProcessor.builder().meterRegistry(registry)
                .topics(TOPIC).applier(applier).deadLetterTopic("shop.dlq")
                .pollTimeout(Duration.ofMillis(20)).retryBackoff(Duration.ofMillis(1));
        customize.accept(b);
        Future<?> loop = kafka.start(b);
        processor = kafka.processor();
        return loop;
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
        // counted once, when applied; the redeliveries (3 rewinds x 2 events) separately
        assertThat(registry.get("cdc.events.processed").counter().count()).isEqualTo(2);
        assertThat(processor.eventsProcessed()).isEqualTo(2);
        assertThat(registry.get("cdc.events.redelivered").tag("table", "public.orders").counter().count())
                .isEqualTo(2.0 * (calls.get() - 1));
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

    private String header(org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> r, String key) {
        return new String(r.headers().lastHeader(key).value(), StandardCharsets.UTF_8);
    }

    @Test
    void aRecordTooLargeForTheDeadLetterTopicIsDeadLetteredAsAReferenceAndThePartitionMovesOn() throws Exception {
        List<ChangeEvent> applied = new CopyOnWriteArrayList<>();
        String huge = "x".repeat(50_000); // not JSON, over the producer's max.request.size below
        start(applied::addAll, b -> b.kafkaProducer(Map.of("bootstrap.servers", "127.0.0.1:1",
                "max.request.size", "20000")), envelope(1), huge, envelope(3));
        Await.until(Duration.ofSeconds(30), "all committed", () -> committed() == 3);
        assertThat(applied).hasSize(2);
        assertThat(producer.history()).singleElement().satisfies(r -> {
            assertThat(header(r, DeadLetterReason.HEADER)).isEqualTo("record_too_large");
            assertThat(header(r, DeadLetterReason.SIZE_HEADER)).isEqualTo("50000");
            assertThat(header(r, DeadLetterReason.OFFSET_HEADER)).isEqualTo("1");
            assertThat(header(r, DeadLetterReason.ERROR_HEADER)).startsWith("unparseable: ");
            String json = new String(r.value(), StandardCharsets.UTF_8);
            assertThat(json).contains("\"topic\":\"" + TOPIC + "\"", "\"offset\":1", "\"size\":50000",
                    "\"original_reason\":\"unparseable\"", "\"prefix_bytes\":1024");
            assertThat(r.value().length).isLessThan(4_000);
        });
        assertThat(registry.get("cdc.dead.letters").tag("reason", "record_too_large").counter().count()).isEqualTo(1);
    }

    @Test
    void anUnauthorizedDeadLetterTopicBlocksThePartitionAndHealthSaysWhy() throws Exception {
        producer.sendException = new org.apache.kafka.common.errors.TopicAuthorizationException("shop.dlq");
        start(batch -> { }, b -> b.stallTimeout(Duration.ofMillis(300)), envelope(1), "{not json", envelope(3));
        Await.until(Duration.ofSeconds(30), "DOWN naming the dead-letter topic", () -> {
            io.migmon.core.health.Health h = processor.healthCheck().check();
            return h.status() == io.migmon.core.health.HealthStatus.DOWN
                    && h.reasons().stream().anyMatch(r -> r.contains("partition " + TOPIC + "-0")
                    && r.contains("poison record at " + TOPIC + "-0@1") && r.contains("authorization"));
        });
        assertThat(committed()).isEqualTo(-1);
        assertThat(registry.get("cdc.consumer.lag").gauge().value()).isPositive();
        assertThat(registry.get("cdc.consumer.lag.seconds").gauge().value()).isPositive();
    }

    /**
     * {@code CdcOverreadTest} finding 1 in the poll loop: a batch the target committed reads as applied the moment its
     * apply returns, not when the poll thread gets round to its bookkeeping. Here the poll thread is held inside that
     * bookkeeping ({@code finish}: the applier's {@code targetTable}, asked per change once the apply returned,
     * blocks), as a parse of the next 500 records, a heartbeat read or a slow fetch holds it in a backlog; the apply
     * itself returns at once. The changes were committed 10 s, 9 s and 1 s ago; with all three in the target and
     * nothing else waiting (end offset 3) the staleness is the newest one's age (no heartbeats here: the last applied
     * change is the confirmation), ~1 s. Before the fix the gauge read the batch's oldest change, 10 s and growing,
     * until the poll thread got to {@code markApplied}.
     */
    @Test
    void aBatchInTheTargetStopsCountingWhenItsApplyReturnsNotWhenThePollThreadFinishesIt() throws Exception {
        long now = System.currentTimeMillis();
        java.util.concurrent.atomic.AtomicBoolean returned = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        ChangeApplier applier = new ChangeApplier() {
            @Override
            public void apply(List<ChangeEvent> batch) {
                returned.set(true); // the target's commit; the apply returns now
            }

            @Override
            public String targetTable(ChangeEvent event) {
                if (returned.get() && held.getCount() > 0) {
                    held.countDown();
                    try {
                        release.await(30, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return event.qualifiedTable();
            }
        };
        start(applier, envelopeAt(1, now - 10_000), envelopeAt(2, now - 9_000), envelopeAt(3, now - 1_000));
        try {
            assertThat(held.await(30, java.util.concurrent.TimeUnit.SECONDS)).as("the poll thread in finish").isTrue();
            Await.until(Duration.ofSeconds(10), "the overall replication lag reads the newest applied change's age",
                    () -> registry.get("cdc.replication.lag.overall").gauge().value() < 5);
        } finally {
            release.countDown();
        }
        Await.until(Duration.ofSeconds(30), "committed", () -> committed() == 3);
        assertThat(registry.get("cdc.replication.lag.overall").gauge().value()).isLessThan(5);
        assertThat(processor.eventsProcessed()).isEqualTo(3);
    }

    private static String envelopeAt(int id, long sourceTsMs) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":" + sourceTsMs
                + ",\"schema\":\"public\",\"table\":\"orders\"},\"op\":\"c\",\"ts_ms\":" + (sourceTsMs + 5) + "}";
    }

    @Test
    void whileAnApplyHangsConsumerLagStaysVisibleAndHealthBlamesTheTarget() throws Exception {
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        start(batch -> release.await(30, java.util.concurrent.TimeUnit.SECONDS),
                b -> b.stallTimeout(Duration.ofMillis(300)).heartbeatInterval(Duration.ofMillis(150))
                        .topics("__debezium-heartbeat.shop"), envelope(1), envelope(2));
        try {
            Await.until(Duration.ofSeconds(30), "DOWN: target not responding", () -> {
                io.migmon.core.health.Health h = processor.healthCheck().check();
                return h.reasons().stream().anyMatch(r -> r.contains("target not responding"));
            });
            io.migmon.core.health.Health h = processor.healthCheck().check();
            assertThat(h.reasons()).noneSatisfy(r -> assertThat(r).contains("connector"));
            assertThat(registry.get("cdc.consumer.lag").gauge().value()).isEqualTo(2);
            double s1 = registry.get("cdc.consumer.lag.seconds").gauge().value();
            Thread.sleep(50);
            assertThat(registry.get("cdc.consumer.lag.seconds").gauge().value()).isPositive().isGreaterThan(s1);
        } finally {
            release.countDown();
        }
        Await.until(Duration.ofSeconds(30), "applied and committed", () -> committed() == 2);
        // the gauges follow right after the commit returns (same thread, after commitSync)
        Await.until(Duration.ofSeconds(30), "consumer lag 0 once committed",
                () -> registry.get("cdc.consumer.lag").gauge().value() == 0
                        && registry.get("cdc.consumer.lag.seconds").gauge().value() == 0);
    }

    /**
     * Attack 10 finding 7's fix, the poll loop's part: the rebalance callback reads the log end offsets of the
     * transaction topic partitions it was assigned (an {@code END} at or past one was written after the assignment,
     * whatever the Connect worker's clock stamped on it), and of no other partition.
     */
    @Test
    void theRebalanceCallbackReadsTheTransactionTopicsEndOffsets() throws Exception {
        TopicPartition tx = new TopicPartition("shop.transaction", 0);
        consumer.schedulePollTask(() -> {
            consumer.updateBeginningOffsets(Map.of(TP, 0L, tx, 0L));
            consumer.updateEndOffsets(Map.of(TP, 3L, tx, 7L));
            peek.updateEndOffsets(Map.of(TP, 3L, tx, 7L));
            consumer.rebalance(List.of(TP, tx));
        });
        kafka.start(CdcEventProcessor.builder().meterRegistry(registry).topics(TOPIC, "shop.transaction")
                .applier(batch -> { }).pollTimeout(Duration.ofMillis(20)));
        processor = kafka.processor();
        Await.until(Duration.ofSeconds(10), "assigned with the transaction topic's end offset",
                () -> processor.pipeline().assignedEndOffset(tx) == 7);
        assertThat(processor.pipeline().assignedEndOffset(TP)).as("a data partition's: not read").isEqualTo(-1);
    }

    @Test
    void aRebalanceThatCutsAnOpenTransactionEvictsItWithItsReason() throws Exception {
        // event 1 of 2 of source transaction 77 is applied; then the partition is revoked before the rest arrives
        String first = "{\"before\":null,\"after\":{\"id\":1},\"source\":{\"name\":\"shop\",\"ts_ms\":1,"
                + "\"schema\":\"public\",\"table\":\"orders\",\"txId\":77},\"transaction\":{\"id\":\"77:1000\","
                + "\"total_order\":1,\"data_collection_order\":1},\"op\":\"c\",\"ts_ms\":2}";
        // transactions are grouped only when their END records can arrive: the transaction topic is subscribed
        start(batch -> { }, b -> b.topics("shop.transaction"), first);
        Await.until(Duration.ofSeconds(10), "applied and committed", () -> committed() == 1);
        assertThat(registry.find("cdc.transactions.evicted").counter()).isNull();
        consumer.schedulePollTask(() -> consumer.rebalance(List.of()));
        Await.until(Duration.ofSeconds(10), "evicted by the rebalance", () -> registry.find("cdc.transactions.evicted")
                .tags("source", "shop", "reason", TransactionTracker.REBALANCE).counter() != null);
        assertThat(registry.get("cdc.transactions.evicted").counter().count()).isEqualTo(1);
        assertThat(registry.find("cdc.transaction.apply.lag").timer()).isNull();
    }
}
