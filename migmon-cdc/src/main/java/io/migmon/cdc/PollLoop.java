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
            try {
                try {
                    consumer.commitSync(commit);
                } catch (WakeupException e) {
                    // close() during apply: commit what was applied, then stop (the wakeup is consumed by the throw)
                    consumer.commitSync(commit);
                    closing = true;
                }
                health.lastProgressMs = config.clock.millis();
                committed.forEach(pipeline::completed);
            } catch (WakeupException e) {
                throw e;
            } catch (RuntimeException e) {
                // e.g. a rebalance took the partitions away: the new owner re-applies (idempotent), nothing is lost
                meters.recordFailure(e);
                committed.forEach(b -> pipeline.rewound(b, "offset commit failed: " + e.getClass().getSimpleName()));
            }
        }
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

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // nothing pending: each poll's offsets were committed synchronously before the next poll
            lag.revoked(partitions);
            pipeline.revoked(partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            lag.assigned(partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            lag.revoked(partitions);
            pipeline.revoked(partitions);
        }
    }
}
