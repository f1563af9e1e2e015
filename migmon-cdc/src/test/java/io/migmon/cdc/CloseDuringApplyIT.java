package io.migmon.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.spi.ChangeApplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code close()} while an apply is running (issue 16 leftovers a and b), on a real in-process KRaft broker (the
 * dead-letter topic, the consumer group's committed offsets): the apply fails because of the shutdown (the target
 * connection is closing) with {@code applyRetries(0)}. Ground truth: when the applier was closed relative to the end
 * of the running apply, what the dead-letter topic holds (its end offset), what the group committed.
 */
class CloseDuringApplyIT {

    private static HandMadeKafka kafka;
    private static KafkaProducer<byte[], byte[]> producer;
    private static final ExecutorService threads = Executors.newCachedThreadPool();

    @BeforeAll
    static void setUp() throws Exception {
        kafka = HandMadeKafka.start("closeapply");
        producer = kafka.producer();
    }

    @AfterAll
    static void tearDown() throws Exception {
        threads.shutdownNow();
        if (kafka != null) {
            kafka.close();
        }
    }

    private static void createTopic(String topic) throws Exception {
        try (Admin admin = kafka.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
    }

    private static long endOffset(String topic) throws Exception {
        try (Admin admin = kafka.admin()) {
            TopicPartition tp = new TopicPartition(topic, 0);
            return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).all().get().get(tp).offset();
        }
    }

    private static String change(long id) {
        long now = System.currentTimeMillis();
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"version\":\"3.6.1.Final\",\"connector\":"
                + "\"postgresql\",\"name\":\"ca\",\"ts_ms\":" + now + ",\"ts_us\":" + now * 1000 + ",\"snapshot\":"
                + "\"false\",\"db\":\"postgres\",\"schema\":\"public\",\"table\":\"t\",\"lsn\":" + (1000 + id)
                + "},\"op\":\"c\",\"ts_ms\":" + now + "}";
    }

    private static double failures(SimpleMeterRegistry r) {
        return r.find("migmon.observability.failures").counters().stream().mapToDouble(Counter::count).sum();
    }

    /**
     * The test's target: applies event ids below {@code failFrom}; from it on, an apply waits until the processor is
     * closing, keeps running {@code holdMs} more (a statement finishing) and then fails as a target whose connection
     * the shutdown closed. Records when it ran and when it was closed.
     */
    private static final class ClosingTarget implements ChangeApplier {
        final long failFrom;
        final long holdMs;
        volatile Supplier<Boolean> closing = () -> false;
        final CountDownLatch failing = new CountDownLatch(1);
        final AtomicInteger applied = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        final AtomicLong applyEndedNanos = new AtomicLong();
        final AtomicLong closedNanos = new AtomicLong();
        volatile int runningAtClose = -1;

        ClosingTarget(long failFrom, long holdMs) {
            this.failFrom = failFrom;
            this.holdMs = holdMs;
        }

        @Override
        public void apply(List<ChangeEvent> batch) throws Exception {
            running.incrementAndGet();
            try {
                for (ChangeEvent e : batch) {
                    if (e.afterJson() != null && Long.parseLong(e.afterJson().replaceAll("\\D", "")) >= failFrom) {
                        failing.countDown();
                        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                        while (!closing.get() && System.nanoTime() < deadline) {
                            Thread.sleep(10);
                        }
                        Thread.sleep(holdMs);
                        throw new IllegalStateException("target connection closed by the shutdown");
                    }
                }
                applied.addAndGet(batch.size());
            } finally {
                applyEndedNanos.set(System.nanoTime());
                running.decrementAndGet();
            }
        }

        @Override
        public void close() {
            runningAtClose = running.get();
            closedNanos.set(System.nanoTime());
        }
    }

    /**
     * process(...) on the host's thread (the embedded-engine path, no poll loop): close() must not close the applier
     * while that apply runs, and the apply failing because of the shutdown must not be dead-lettered into the
     * closing producer (with applyRetries(0): before, one failed attempt made it a dead letter at once).
     */
    @Test
    void closeWaitsForAProcessCallsApplyAndDeadLettersNothing() throws Exception {
        String dlq = "ca.dlq.process";
        createTopic(dlq);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ClosingTarget target = new ClosingTarget(1, 500);
        CdcEventProcessor processor = CdcEventProcessor.builder("close-process").meterRegistry(registry)
                .applier(target).applyRetries(0).deadLetterTopic(dlq)
                .kafkaProducer(Map.of("bootstrap.servers", kafka.bootstrapServers()))
                .closeTimeout(Duration.ofSeconds(10)).build();
        target.closing = () -> processor.pipeline().closing();
        Future<?> host = threads.submit(() -> {
            processor.process(List.of(CdcRecord.of("ca.public.t", "{\"id\":1}", change(1))));
            return null;
        });
        assertThat(target.failing.await(30, TimeUnit.SECONDS)).as("apply running").isTrue();
        processor.close();
        long closeReturned = System.nanoTime();

        assertThat(target.runningAtClose).as("applies running when the applier was closed").isZero();
        assertThat(target.closedNanos.get()).as("applier closed after the apply ended")
                .isGreaterThanOrEqualTo(target.applyEndedNanos.get());
        assertThat(closeReturned).isGreaterThanOrEqualTo(target.applyEndedNanos.get());
        assertThatThrownBy(() -> host.get(30, TimeUnit.SECONDS)).hasCauseInstanceOf(CdcProcessingException.class)
                .cause().hasMessageContaining("processor closing").hasMessageNotContaining("dead-letter");
        assertThat(endOffset(dlq)).as("records in the dead-letter topic").isZero();
        assertThat(processor.deadLettered()).isZero();
        assertThat(failures(registry)).as("contained failures (a send to the closed producer)").isZero();
    }

    /**
     * The poll loop without a dead-letter topic (poison events are counted and dropped): an apply failing because of
     * the shutdown, with applyRetries(0), must leave its record uncommitted for the next owner, not drop it.
     */
    @Test
    void anApplyFailingDuringCloseIsLeftUncommittedNotDropped() throws Exception {
        String topic = "ca.public.loop";
        String group = "close-loop";
        createTopic(topic);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ClosingTarget target = new ClosingTarget(2, 0);
        Map<String, Object> c = new HashMap<>();
        c.put("bootstrap.servers", kafka.bootstrapServers());
        c.put("group.id", group);
        CdcEventProcessor processor = CdcEventProcessor.builder("close-loop").meterRegistry(registry)
                .kafkaConsumer(c).topics(topic).applier(target).applyRetries(0)
                .pollTimeout(Duration.ofMillis(100)).closeTimeout(Duration.ofSeconds(10)).build();
        target.closing = () -> processor.pipeline().closing();
        Future<?> loop = threads.submit(processor);
        try {
            producer.send(new ProducerRecord<>(topic, 0, "{\"id\":1}".getBytes(StandardCharsets.UTF_8),
                    change(1).getBytes(StandardCharsets.UTF_8))).get();
            Await.until(Duration.ofSeconds(60), "first change applied", () -> target.applied.get() == 1);
            producer.send(new ProducerRecord<>(topic, 0, "{\"id\":2}".getBytes(StandardCharsets.UTF_8),
                    change(2).getBytes(StandardCharsets.UTF_8))).get();
            assertThat(target.failing.await(30, TimeUnit.SECONDS)).as("second apply running").isTrue();
        } finally {
            processor.close();
            loop.get(30, TimeUnit.SECONDS);
        }
        long committed;
        try (Admin admin = kafka.admin()) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(topic, 0));
            committed = o == null ? 0 : o.offset();
        }
        assertThat(committed).as("committed offset: the failed record (offset 1) waits for the next owner").isEqualTo(1);
        assertThat(processor.deadLettered()).as("dropped as poison").isZero();
        assertThat(registry.find("cdc.dead.letters").counters().stream().mapToDouble(Counter::count).sum()).isZero();
    }
}
