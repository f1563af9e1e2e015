package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.cdc.spi.RetriableApplyException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The pipelined apply of the poll loop (issue 16): poll N+1 is fetched and parsed while poll N is applied on the
 * processor's apply thread, and yet offsets are committed only after the target committed, a partition's batches are
 * applied in order, a rewind drops what was fetched ahead, and close() waits for the batch in hand. Ground truth: the
 * consumer's committed offsets and position, the order and thread of the applier's calls.
 */
class PipelinedApplyTest {

    private static final String TOPIC = "shop.public.orders";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final RecordingConsumer consumer = new RecordingConsumer();
    private final MockConsumer<byte[], byte[]> peek = new MockConsumer<>("earliest");
    private final MockProducer<byte[], byte[]> producer =
            new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private CdcEventProcessor processor;

    private final KafkaClientFactory clients = new FixedKafkaClients(consumer, peek, producer);

    @AfterEach
    void tearDown() {
        if (processor != null) {
            processor.close();
        }
        executor.shutdownNow();
    }

    private static String envelope(int id) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"shop\",\"ts_ms\":1,\"schema\":\"public\","
                + "\"table\":\"orders\"},\"op\":\"c\",\"ts_ms\":2}";
    }

    private void addRecords(int from, int to) {
        for (int i = from; i < to; i++) {
            consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, i, null, envelope(i).getBytes(StandardCharsets.UTF_8)));
        }
    }

    /**
     * Poll 1 returns offsets 0-2, poll 2 offsets 3-5, poll 3 offsets 6-8 (end offset 9). The lag refresh (which
     * finishes the poll in hand first) runs once, after poll 1: poll 3 is fetched ahead while poll 2 applies.
     */
    private Future<?> startThreePolls(ChangeApplier applier) {
        consumer.schedulePollTask(() -> {
            consumer.rebalance(List.of(TP));
            consumer.updateBeginningOffsets(Map.of(TP, 0L));
            consumer.updateEndOffsets(Map.of(TP, 9L));
            peek.updateEndOffsets(Map.of(TP, 9L)); // the lag thread asks the probe's own consumer
            addRecords(0, 3);
        });
        consumer.schedulePollTask(() -> addRecords(3, 6));
        consumer.schedulePollTask(() -> addRecords(6, 9));
        processor = CdcEventProcessor.builder().meterRegistry(registry)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g"))
                .topics(TOPIC).applier(applier).deadLetterTopic("shop.dlq")
                .pollTimeout(Duration.ofMillis(20)).retryBackoff(Duration.ofMillis(1))
                .lagRefreshInterval(Duration.ofHours(1))
                .kafkaClients(clients).build();
        return executor.submit(processor);
    }

    /** The last offset committed (readable after the consumer was closed); -1 before any commit. */
    private long committed() {
        return consumer.lastCommitted;
    }

    /** Remembers what was committed, also after close(). */
    private static final class RecordingConsumer extends MockConsumer<byte[], byte[]> {
        volatile long lastCommitted = -1;

        RecordingConsumer() {
            super("earliest");
        }

        @Override
        public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
            super.commitSync(offsets);
            OffsetAndMetadata o = offsets.get(TP);
            if (o != null) {
                lastCommitted = o.offset();
            }
        }
    }

    private static List<Long> offsets(List<io.migmon.cdc.event.ChangeEvent> batch) {
        List<Long> out = new ArrayList<>();
        batch.forEach(e -> out.add(e.record().offset()));
        return out;
    }

    @Test
    void theNextPollIsFetchedWhileTheCurrentOneAppliesAndNothingIsCommittedBeforeTheTargetCommitted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        List<List<Long>> calls = new CopyOnWriteArrayList<>();
        List<String> threads = new CopyOnWriteArrayList<>();
        startThreePolls(batch -> {
            threads.add(Thread.currentThread().getName());
            if (offsets(batch).contains(3L)) {
                assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
            }
            calls.add(offsets(batch));
        });
        try {
            // the second apply is blocked: the third poll was fetched meanwhile, only the first poll is committed
            Await.until(Duration.ofSeconds(30), "third poll fetched during the second apply",
                    () -> consumer.position(TP) == 9);
            assertThat(committed()).isEqualTo(3);
            assertThat(calls).containsExactly(List.of(0L, 1L, 2L));
            assertThat(processor.eventsProcessed()).isEqualTo(3);
        } finally {
            release.countDown();
        }
        Await.until(Duration.ofSeconds(30), "all polls committed", () -> committed() == 9);
        assertThat(calls).containsExactly(List.of(0L, 1L, 2L), List.of(3L, 4L, 5L), List.of(6L, 7L, 8L));
        assertThat(threads).containsOnly("migmon-cdc-apply-cdc");
        assertThat(processor.eventsProcessed()).isEqualTo(9);
        assertThat(registry.get("cdc.events.processed").counter().count()).isEqualTo(9);
    }

    @Test
    void aRetriableFailureDropsWhatWasFetchedAheadAndReappliesInOrder() throws Exception {
        AtomicInteger failures = new AtomicInteger();
        List<List<Long>> succeeded = new CopyOnWriteArrayList<>();
        List<Long> committedAtEachCall = new CopyOnWriteArrayList<>();
        startThreePolls(batch -> {
            committedAtEachCall.add(committed());
            if (failures.get() == 0 && offsets(batch).contains(3L)) {
                // fail only once the next poll (6-8) has been fetched ahead
                Await.until(Duration.ofSeconds(30), "poll 3 fetched", () -> consumer.position(TP) == 9);
                failures.incrementAndGet();
                // the broker redelivers from the rewound position (MockConsumer drains what it returned)
                consumer.schedulePollTask(() -> addRecords(3, 9));
                throw new RetriableApplyException("target down", null);
            }
            succeeded.add(offsets(batch));
        });
        Await.until(Duration.ofSeconds(30), "all committed after the outage", () -> committed() == 9);
        List<Long> flat = new ArrayList<>();
        succeeded.forEach(flat::addAll);
        // nothing of 6-8 was applied before 3-5, nothing twice, and the failed batch was not committed
        assertThat(failures.get()).isEqualTo(1);
        assertThat(flat).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L);
        assertThat(committedAtEachCall).startsWith(-1L, 3L, 3L);
        assertThat(processor.deadLettered()).isZero();
        assertThat(processor.eventsProcessed()).isEqualTo(9);
    }

    @Test
    void aFailingBatchIsRetriedAndItsPoisonEventDeadLetteredAsWithoutPipelining() throws Exception {
        List<Long> applied = new CopyOnWriteArrayList<>();
        startThreePolls(batch -> {
            if (batch.stream().anyMatch(e -> e.record().offset() == 4)) {
                throw new IllegalArgumentException("apply to t failed: value of field x is out of range");
            }
            batch.forEach(e -> applied.add(e.record().offset()));
        });
        Await.until(Duration.ofSeconds(30), "all committed", () -> committed() == 9);
        assertThat(applied).containsExactly(0L, 1L, 2L, 3L, 5L, 6L, 7L, 8L);
        assertThat(producer.history()).singleElement().satisfies(r -> {
            assertThat(r.topic()).isEqualTo("shop.dlq");
            assertThat(new String(r.headers().lastHeader(io.migmon.cdc.event.DeadLetterReason.OFFSET_HEADER).value(),
                    StandardCharsets.UTF_8)).isEqualTo("4");
        });
        assertThat(processor.deadLettered()).isEqualTo(1);
    }

    @Test
    void closeWaitsForTheBatchInHandCommitsItAndStopsTheApplyThread() throws Exception {
        CountDownLatch inApply = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Future<?> run = startThreePolls(batch -> {
            if (offsets(batch).contains(3L)) {
                inApply.countDown();
                assertThat(release.await(30, TimeUnit.SECONDS)).isTrue();
            }
        });
        assertThat(inApply.await(30, TimeUnit.SECONDS)).isTrue();
        Await.until(Duration.ofSeconds(30), "third poll fetched ahead", () -> consumer.position(TP) == 9);
        Thread closer = new Thread(processor::close, "closer");
        closer.start();
        Thread.sleep(100); // close() is waiting for the poll loop, which waits for the apply
        assertThat(committed()).isEqualTo(3);
        release.countDown();
        closer.join(30_000);
        run.get(30, TimeUnit.SECONDS);
        // what was applied is committed (the blocked poll at least), nothing beyond what was applied
        assertThat(committed()).isIn(6L, 9L);
        assertThat(processor.eventsProcessed()).isEqualTo(committed());
        Await.until(Duration.ofSeconds(30), "apply thread stopped", () -> Thread.getAllStackTraces().keySet().stream()
                .noneMatch(t -> t.getName().startsWith("migmon-cdc-apply-") && t.isAlive()));
    }
}
