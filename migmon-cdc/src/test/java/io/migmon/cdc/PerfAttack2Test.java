package io.migmon.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Second attack on issue 16's observe-only path at the processor: {@code CdcEventProcessor.process(...)} is
 * documented thread-safe ("batches are serialized"). Ground truth: the events each caller handed over, per table.
 */
class PerfAttack2Test {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static CdcRecord event(String table, int id, long seq) {
        String row = "{\"id\":" + id + ",\"note\":\"" + "x".repeat(200) + "\",\"table\":\"" + table + "\"}";
        String json = "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"name\":\"shop." + table + ".Envelope\"},"
                + "\"payload\":{\"before\":null,\"after\":" + row + ",\"source\":{\"name\":\"shop\",\"ts_ms\":"
                + (System.currentTimeMillis() - 100) + ",\"snapshot\":\"false\",\"db\":\"src\",\"sequence\":\"[null,\\\""
                + seq + "\\\"]\",\"schema\":\"public\",\"table\":\"" + table + "\"},\"op\":\"c\",\"ts_ms\":"
                + System.currentTimeMillis() + "}}";
        return CdcRecord.of("shop.public." + table, row, json);
    }

    /**
     * Finding 3: {@code ChangePipeline.handle} parses BEFORE it takes the pipeline's lock ({@code begin} takes it), and
     * the observe-only scanner ({@code ObserveOnlyParser}: "Not thread-safe: one instance per pipeline, whose lock
     * serializes batches") keeps the record being scanned, its slots and its predictions in fields. Two threads calling
     * {@code process(...)} (documented thread-safe) scan at the same time: events are counted under the other
     * thread's table, lost, or the call throws. Expected: every event counted once, under its own table, no exception.
     */
    @Test
    void concurrentProcessCallersInObserveOnlyModeCountEveryEventUnderItsOwnTable() throws Exception {
        String[] tables = {"orders", "items", "customers", "payments"};
        int batches = 1_500;
        int perBatch = 8;
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        try (CdcEventProcessor p = CdcEventProcessor.builder("attack2-concurrent").meterRegistry(registry).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(tables.length);
            CountDownLatch go = new CountDownLatch(1);
            for (String table : tables) {
                pool.submit(() -> {
                    try {
                        go.await();
                        long seq = 100;
                        for (int b = 0; b < batches; b++) {
                            List<CdcRecord> batch = new ArrayList<>(perBatch);
                            for (int i = 0; i < perBatch; i++) {
                                batch.add(event(table, b * perBatch + i, seq++));
                            }
                            p.process(batch);
                        }
                    } catch (Throwable t) {
                        errors.add(t);
                    }
                    return null;
                });
            }
            go.countDown();
            pool.shutdown();
            assertThat(pool.awaitTermination(50, TimeUnit.SECONDS)).isTrue();
            assertThat(errors).as("exceptions thrown by process(...)").isEmpty();
            for (String table : tables) {
                double counted = registry.find("cdc.events.processed").tag("table", "public." + table).counters().stream()
                        .mapToDouble(Counter::count).sum();
                assertThat(counted).as("events of %s", table).isEqualTo((double) batches * perBatch);
            }
            assertThat(p.eventsProcessed()).isEqualTo((long) tables.length * batches * perBatch);
            assertThat(p.deadLettered()).isZero();
        }
    }

    /**
     * Finding 6: {@code ChangeApplier}'s contract is "never concurrently for one processor". With a poll of two
     * partitions, the poll loop submits both first attempts to the apply thread; when the first one fails
     * (non-retriable), {@code ChangePipeline.applyAll} retries it on the POLL thread right away, while the apply thread
     * is already running the other partition's first attempt: two {@code apply} calls at once. ({@code
     * JdbcChangeApplier.apply} is synchronized, so the bundled applier serializes itself; a host's applier written
     * to the contract, e.g. one connection without a lock, is called concurrently.)
     */
    @Test
    void aRetryOnThePollThreadNeverOverlapsTheApplyThreadsNextAttempt() throws Exception {
        String topic = "shop.public.orders";
        org.apache.kafka.common.TopicPartition tp0 = new org.apache.kafka.common.TopicPartition(topic, 0);
        org.apache.kafka.common.TopicPartition tp1 = new org.apache.kafka.common.TopicPartition(topic, 1);
        org.apache.kafka.clients.consumer.MockConsumer<byte[], byte[]> consumer =
                new org.apache.kafka.clients.consumer.MockConsumer<>("earliest");
        org.apache.kafka.clients.consumer.MockConsumer<byte[], byte[]> peek =
                new org.apache.kafka.clients.consumer.MockConsumer<>("earliest");
        org.apache.kafka.clients.producer.MockProducer<byte[], byte[]> producer =
                new org.apache.kafka.clients.producer.MockProducer<>(true, null,
                        new org.apache.kafka.common.serialization.ByteArraySerializer(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer());
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(tp0, tp1));
            consumer.updateBeginningOffsets(Map.of(tp0, 0L, tp1, 0L));
            consumer.updateEndOffsets(Map.of(tp0, 3L, tp1, 3L));
            peek.updateEndOffsets(Map.of(tp0, 3L, tp1, 3L));
            for (int part = 0; part < 2; part++) {
                for (int i = 0; i < 3; i++) {
                    String json = "{\"before\":null,\"after\":{\"id\":" + i + "},\"source\":{\"name\":\"shop\","
                            + "\"ts_ms\":1,\"schema\":\"public\",\"table\":\"orders\"},\"op\":\"c\",\"ts_ms\":2}";
                    consumer.addRecord(new org.apache.kafka.clients.consumer.ConsumerRecord<>(topic, part, i, null,
                            json.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
                }
            }
        });
        java.util.concurrent.atomic.AtomicInteger active = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger maxActive = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        io.migmon.cdc.spi.ChangeApplier applier = batch -> {
            int now = active.incrementAndGet();
            maxActive.accumulateAndGet(now, Math::max);
            try {
                int call = calls.incrementAndGet();
                if (call == 1) {
                    throw new IllegalStateException("first attempt of the first partition fails");
                }
                if (call == 2) {
                    Thread.sleep(1_000); // the other partition's first attempt, on the apply thread
                }
            } finally {
                active.decrementAndGet();
            }
        };
        ExecutorService executor = Executors.newSingleThreadExecutor();
        CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g"))
                .topics(topic).applier(applier).deadLetterTopic("shop.dlq")
                .pollTimeout(java.time.Duration.ofMillis(20)).retryBackoff(java.time.Duration.ofMillis(1))
                .lagRefreshInterval(java.time.Duration.ofHours(1))
                .kafkaClients(new FixedKafkaClients(consumer, peek, producer)).build();
        try {
            executor.submit(processor);
            Await.until(java.time.Duration.ofSeconds(30), "both partitions applied", () -> calls.get() >= 3
                    && processor.eventsProcessed() == 6);
        } finally {
            processor.close();
            executor.shutdownNow();
        }
        assertThat(maxActive.get()).as("apply calls at the same time").isEqualTo(1);
    }
}
