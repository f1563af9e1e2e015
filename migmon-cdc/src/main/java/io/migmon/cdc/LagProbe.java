package io.migmon.cdc;

import io.migmon.cdc.internal.PartitionLag;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Consumer lag of the assigned partitions: end offsets against the group consumer's position, and the timestamp of
 * the oldest waiting record read with a second consumer that this probe owns (the peek consumer). Called from the
 * poll-loop thread; the lag values are read by gauges and the health check from any thread.
 */
final class LagProbe implements AutoCloseable {

    private final ProcessorConfig config;
    private final CdcMeters meters;
    private final Map<TopicPartition, PartitionLag> lags = new ConcurrentHashMap<>();
    private Consumer<byte[], byte[]> peek;
    private long nextRefreshMs;

    LagProbe(ProcessorConfig config, CdcMeters meters) {
        this.config = config;
        this.meters = meters;
    }

    void open() {
        peek = config.clients.peekConsumer(config.peekProperties());
    }

    void assigned(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            PartitionLag lag = new PartitionLag(config.clock);
            lags.put(tp, lag);
            meters.registerPartition(tp, lag);
        }
        nextRefreshMs = 0;
    }

    void revoked(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            lags.remove(tp);
            meters.removePartition(tp);
        }
    }

    Collection<PartitionLag> lags() {
        return lags.values();
    }

    /** Refreshes the lag after a poll: cheaply from the fetch metadata, fully every lag refresh interval. */
    void refresh(Consumer<byte[], byte[]> consumer) {
        long now = config.clock.millis();
        if (now < nextRefreshMs) {
            // between refreshes, the fetch responses' high watermark gives the lag in messages for free
            for (Map.Entry<TopicPartition, PartitionLag> en : lags.entrySet()) {
                consumer.currentLag(en.getKey()).ifPresent(en.getValue()::messages);
            }
            return;
        }
        nextRefreshMs = now + config.lagRefreshInterval.toMillis();
        try {
            Set<TopicPartition> assigned = consumer.assignment();
            if (assigned.isEmpty()) {
                return;
            }
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, config.pollTimeout);
            Map<TopicPartition, Long> toPeek = new LinkedHashMap<>();
            for (TopicPartition tp : assigned) {
                PartitionLag lag = lags.get(tp);
                Long end = ends.get(tp);
                if (lag == null || end == null) {
                    continue;
                }
                long position = consumer.position(tp, config.pollTimeout);
                lag.messages(end - position);
                if (end - position > 0) {
                    toPeek.put(tp, position);
                }
            }
            if (!toPeek.isEmpty()) {
                peekTimestamps(toPeek, now);
            }
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            meters.recordFailure(e);
        }
    }

    /** Reads the timestamp of the record at each partition's position with the peek consumer. */
    private void peekTimestamps(Map<TopicPartition, Long> positions, long now) {
        peek.assign(positions.keySet());
        positions.forEach(peek::seek);
        Set<TopicPartition> missing = new HashSet<>(positions.keySet());
        long deadline = System.nanoTime() + config.pollTimeout.toNanos();
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            ConsumerRecords<byte[], byte[]> recs = peek.poll(Duration.ofMillis(50));
            for (TopicPartition tp : recs.partitions()) {
                if (missing.remove(tp)) {
                    long ts = recs.records(tp).get(0).timestamp();
                    lags.get(tp).oldestUnconsumedTimestampMs(ts, now);
                    peek.pause(List.of(tp));
                }
            }
        }
        peek.resume(peek.paused());
    }

    @Override
    public void close() {
        meters.removeAllPartitions();
        lags.clear();
        if (peek != null) {
            try {
                peek.close();
            } catch (RuntimeException ignored) {
                // closing on shutdown
            }
        }
    }
}
