package io.migmon.cdc;

import io.migmon.cdc.spi.RetriableApplyException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The Kafka poll loop: poll, hand each partition's records to the {@link ChangePipeline}, commit what was applied or
 * dead-lettered, rewind what must be redelivered, refresh the lag. Runs on the host's thread until {@link #stop()}.
 */
final class PollLoop {

    private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);

    private final ProcessorConfig config;
    private final ChangePipeline pipeline;
    private final LagProbe lag;
    private final ProcessorHealth health;
    private final CdcMeters meters;
    private final Set<String> warnedOnce = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;
    private volatile Consumer<byte[], byte[]> consumer;
    /** Offsets of applied batches whose commit failed (poll thread only). */
    private final Map<TopicPartition, OffsetAndMetadata> pendingOffsets = new HashMap<>();
    private final List<List<CdcRecord>> pendingBatches = new ArrayList<>();
    private long nextPendingRetryMs;

    PollLoop(ProcessorConfig config, ChangePipeline pipeline, LagProbe lag, ProcessorHealth health, CdcMeters meters) {
        this.config = config;
        this.pipeline = pipeline;
        this.lag = lag;
        this.health = health;
        this.meters = meters;
    }

    void run() {
        try {
            consumer = config.clients.consumer(config.consumerProperties);
            lag.open();
            if (config.topicPattern != null) {
                consumer.subscribe(config.topicPattern, new Rebalance());
            } else {
                consumer.subscribe(config.topics, new Rebalance());
            }
            long now = config.clock.millis();
            health.lastProgressMs = now;
            health.lastRecordMs = now;
            while (!closing && !pipeline.interrupted) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(config.pollTimeout);
                } catch (WakeupException e) {
                    continue;
                }
                health.lastPollMs = config.clock.millis();
                lag.afterPoll(consumer, records.partitions());
                if (!records.isEmpty()) {
                    handlePoll(records);
                }
                retryPendingCommit();
                lag.refresh(consumer);
            }
        } catch (WakeupException e) {
            if (!closing) {
                health.failure = e;
                throw e;
            }
        } catch (RuntimeException | Error e) {
            health.failure = e;
            meters.recordFailure(e);
            throw e;
        } finally {
            lag.close();
            Consumer<byte[], byte[]> c = consumer;
            if (c != null && !pendingOffsets.isEmpty()) {
                try {
                    c.commitSync(new HashMap<>(pendingOffsets), config.commitTimeout);
                } catch (RuntimeException e) {
                    LOG.warn("cdc processor {}: offsets of applied batches not committed on close ({}); they are"
                            + " re-applied on restart", config.name, e.getClass().getSimpleName());
                }
            }
            if (c != null) {
                try {
                    c.close();
                } catch (RuntimeException ignored) {
                    // closing on shutdown
                }
            }
        }
    }

    private void handlePoll(ConsumerRecords<byte[], byte[]> records) {
        long consumedNanos = pipeline.nanosNow();
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        List<List<CdcRecord>> committed = new ArrayList<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
            List<CdcRecord> batch = new ArrayList<>(list.size());
            for (ConsumerRecord<byte[], byte[]> r : list) {
                batch.add(CdcRecord.of(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value()));
            }
            boolean done;
            try {
                done = pipeline.handle(batch, consumedNanos);
            } catch (RetriableApplyException e) {
                done = false;
                warnOnce("retriable", "target unavailable, rewinding {} and retrying: {}", tp, e.getMessage());
            }
            if (done) {
                commit.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
                committed.add(batch);
            } else {
                consumer.seek(tp, list.get(0).offset());
                pipeline.rewound(batch, pipeline.blockedReason);
                pipeline.backOff();
            }
        }
        if (!commit.isEmpty()) {
            commit(commit, committed);
        }
    }

    /**
     * Commits the offsets of applied batches together with those whose earlier commit failed, each call bounded by
     * {@link ProcessorConfig#commitTimeout} (a lost broker must not hold the poll thread for
     * {@code default.api.timeout.ms}). On failure the batches stay applied but uncommitted: the partitions count them
     * as waiting (consumer lag) with the broker's error as the reason (health stage {@code broker}), and their
     * offsets are committed with the next commit, or retried once the broker answers the lag probe again. Nothing
     * is lost: the position is past them, so while the partitions stay assigned they are not re-read; if they are
     * revoked first, the next owner re-applies from the committed offset (idempotent; counted in
     * {@code cdc_events_redelivered_total}).
     */
    private void commit(Map<TopicPartition, OffsetAndMetadata> offsets, List<List<CdcRecord>> batches) {
        Map<TopicPartition, OffsetAndMetadata> all = new HashMap<>(pendingOffsets);
        all.putAll(offsets); // a newer offset of the same partition covers the pending one
        List<List<CdcRecord>> done = new ArrayList<>(pendingBatches);
        done.addAll(batches);
        try {
            try {
                consumer.commitSync(all, config.commitTimeout);
            } catch (WakeupException e) {
                // close() during apply: commit what was applied, then stop (the wakeup is consumed by the throw)
                consumer.commitSync(all, config.commitTimeout);
                closing = true;
            }
            pendingOffsets.clear();
            pendingBatches.clear();
            lag.uncommitted(Set.of());
            health.lastProgressMs = config.clock.millis();
            done.forEach(pipeline::completed);
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            meters.recordFailure(e);
            String error = lag.commitFailed(e);
            warnOnce("commit", "cdc processor {}: {}; applied batches stay uncommitted and are committed with the next"
                    + " commit", config.name, error);
            pendingOffsets.clear();
            pendingOffsets.putAll(all);
            pendingBatches.clear();
            pendingBatches.addAll(done);
            lag.uncommitted(Set.copyOf(pendingOffsets.keySet()));
            nextPendingRetryMs = config.clock.millis() + config.commitTimeout.toMillis();
            batches.forEach(b -> pipeline.rewound(b, "offset commit failed: " + error));
        }
    }

    /**
     * Retries the commit of applied batches whose commit failed, at most once per commit timeout and only once the
     * broker answers again (the lag probe's last request succeeded), so that an outage does not hold the poll thread
     * in one commit timeout after another.
     */
    private void retryPendingCommit() {
        if (!pendingOffsets.isEmpty() && config.clock.millis() >= nextPendingRetryMs && lag.brokerAnswers()) {
            commit(Map.of(), List.of());
        }
    }

    /** Partitions left this consumer: their uncommitted offsets are the next owner's to re-apply. */
    private void dropPending(Collection<TopicPartition> partitions) {
        if (pendingOffsets.isEmpty()) {
            return;
        }
        pendingOffsets.keySet().removeAll(partitions);
        lag.uncommitted(Set.copyOf(pendingOffsets.keySet()));
        pendingBatches.removeIf(b -> !b.isEmpty()
                && partitions.contains(new TopicPartition(b.get(0).topic(), b.get(0).partition())));
    }

    /** Asks the loop to stop and wakes the consumer; callable from any thread. */
    void stop() {
        closing = true;
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
    }

    private void warnOnce(String key, String format, Object... args) {
        if (warnedOnce.add(key)) {
            LOG.warn(format, args);
        } else {
            LOG.debug(format, args);
        }
    }

    private void commitPendingOf(Collection<TopicPartition> partitions) {
        Map<TopicPartition, OffsetAndMetadata> mine = new HashMap<>();
        for (TopicPartition tp : partitions) {
            OffsetAndMetadata o = pendingOffsets.get(tp);
            if (o != null) {
                mine.put(tp, o);
            }
        }
        if (!mine.isEmpty()) {
            try {
                consumer.commitSync(mine, config.commitTimeout);
            } catch (RuntimeException e) {
                meters.recordFailure(e);
            }
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // each poll's offsets were committed synchronously before the next poll; one that failed (broker
            // lost) is tried once more, else the next owner re-applies it
            commitPendingOf(partitions);
            dropPending(partitions);
            lag.revoked(partitions);
            pipeline.revoked(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            lag.assigned(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            dropPending(partitions);
            lag.revoked(partitions);
            pipeline.revoked(partitions);
        }
    }
}
