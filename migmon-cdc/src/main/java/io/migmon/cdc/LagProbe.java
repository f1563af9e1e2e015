package io.migmon.cdc;

import com.fasterxml.jackson.core.JsonFactory;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.internal.EnvelopeException;
import io.migmon.cdc.internal.EnvelopeParser;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * Keeps the end offsets and the oldest waiting record of the assigned partitions up to date: after every poll from
 * the fetch responses' high watermark (free), and every {@code lagRefreshInterval} with {@code endOffsets} plus a
 * read of the record at the applied-and-committed offset with a second, group-less consumer that this probe owns
 * (its Kafka timestamp and, when it is a change event, its source commit time). Runs on the poll-loop thread; the
 * values it writes are read (and aged) by gauges and the health check at read time.
 */
final class LagProbe implements AutoCloseable {

    private static final int MAX_PEEK_PARSE_BYTES = 1 << 20;

    private final ProcessorConfig config;
    private final CdcMeters meters;
    private final ProgressTracker progress;
    private final EnvelopeParser parser;
    private Consumer<byte[], byte[]> peek;
    private long nextRefreshMs;
    /** Partitions with applied batches whose offset commit failed (set by the poll loop, same thread). */
    private Set<TopicPartition> uncommitted = Set.of();

    LagProbe(ProcessorConfig config, CdcMeters meters, ProgressTracker progress) {
        this.config = config;
        this.meters = meters;
        this.progress = progress;
        this.parser = new EnvelopeParser(new JsonFactory(), config.heartbeatTopicPrefix, config.transactionTopicSuffix);
    }

    void open() {
        peek = config.clients.peekConsumer(config.peekProperties());
    }

    void assigned(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            meters.registerPartition(tp, progress.partition(tp));
        }
        nextRefreshMs = 0;
    }

    void revoked(Collection<TopicPartition> partitions) {
        for (TopicPartition tp : partitions) {
            progress.remove(tp);
            meters.removePartition(tp);
        }
    }

    /** After a poll: end offsets from the fetch metadata (position + current lag), no remote call. */
    void afterPoll(Consumer<byte[], byte[]> consumer, Collection<TopicPartition> polled) {
        long now = config.clock.millis();
        for (PartitionProgress p : progress.partitions()) {
            OptionalLong lag = consumer.currentLag(p.tp);
            if (lag.isPresent()) {
                try {
                    p.end(consumer.position(p.tp, Duration.ZERO) + lag.getAsLong(), now);
                } catch (RuntimeException e) {
                    // position unknown yet (no fetch position): the periodic refresh will get it
                }
            }
        }
    }

    /** Whether the next {@link #refresh} makes its remote calls (its interval has passed). */
    boolean refreshDue() {
        return config.clock.millis() >= nextRefreshMs;
    }

    /** Every lag refresh interval: end offsets, positions and the oldest waiting records. */
    void refresh(Consumer<byte[], byte[]> consumer) {
        long now = config.clock.millis();
        if (now < nextRefreshMs) {
            return;
        }
        nextRefreshMs = now + config.lagRefreshInterval.toMillis();
        String call = "metadata";
        try {
            Set<TopicPartition> assigned = consumer.assignment();
            if (assigned.isEmpty()) {
                // nothing assigned (yet, or lost): still find out whether the broker answers
                consumer.listTopics(config.pollTimeout);
                progress.brokerError = null;
                return;
            }
            call = "end offsets";
            Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, config.pollTimeout);
            call = "position";
            Map<TopicPartition, Long> toPeek = new LinkedHashMap<>();
            for (TopicPartition tp : assigned) {
                PartitionProgress p = progress.get(tp);
                Long end = ends.get(tp);
                if (p == null || end == null) {
                    continue;
                }
                // nothing is in hand between polls: the position is what is applied and committed, unless the
                // commit of an applied batch failed (its offsets wait for the next commit)
                if (!uncommitted.contains(tp)) {
                    p.position(consumer.position(tp, config.pollTimeout), now);
                }
                p.end(end, now);
                if (p.messages() > 0 && p.oldestBrokerTsMs < 0) {
                    toPeek.put(tp, p.committed);
                }
            }
            progress.brokerError = null;
            if (!toPeek.isEmpty()) {
                call = "peek";
                peekOldest(toPeek);
            }
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            progress.brokerError = brokerError(config.consumerProperties == null ? null
                    : config.consumerProperties.get(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG),
                    call, e);
            progress.brokerErrorMs = now;
            meters.recordFailure(e);
        }
    }

    /** The partitions whose applied batches are not committed yet (the poll loop's pending offsets). */
    void uncommitted(Set<TopicPartition> partitions) {
        this.uncommitted = partitions;
    }

    /** Whether the broker answered the last request (no broker error since the last successful refresh). */
    boolean brokerAnswers() {
        return progress.brokerError == null;
    }

    /**
     * An offset commit failed (timed out: the broker is lost, or the group coordinator moved): remembered as the
     * broker's error (health stage {@code broker}, like a failing lag refresh, until a refresh succeeds).
     *
     * @return the error as the health check shows it
     */
    String commitFailed(RuntimeException e) {
        String error = brokerError(config.consumerProperties == null ? null
                : config.consumerProperties.get(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG),
                "offset commit", e);
        progress.brokerError = error;
        progress.brokerErrorMs = config.clock.millis();
        return error;
    }

    /**
     * The root cause as the health check shows it: which call failed, against which brokers (host:port only), and
     * the Kafka exception (class and message, plus its cause's); never a property value other than the addresses.
     */
    static String brokerError(Object bootstrapServers, String call, RuntimeException e) {
        StringBuilder b = new StringBuilder("Kafka ").append(call).append(" request to ").append(brokers(bootstrapServers))
                .append(" failed: ").append(e.getClass().getSimpleName());
        if (e.getMessage() != null) {
            b.append(": ").append(e.getMessage());
        }
        Throwable c = e.getCause();
        if (c != null && c != e) {
            b.append(" (cause ").append(c.getClass().getSimpleName())
                    .append(c.getMessage() == null ? "" : ": " + c.getMessage()).append(')');
        }
        return b.length() > 400 ? b.substring(0, 400) : b.toString();
    }

    private static String brokers(Object servers) {
        if (servers == null) {
            return "the broker";
        }
        String list = servers instanceof Collection<?> c ? String.join(",", c.stream().map(String::valueOf).toList())
                : String.valueOf(servers);
        // host:port only: drop anything that looks like user info
        return list.replaceAll("[^,\\s]*@", "");
    }

    /** Reads the record at each partition's committed offset with the peek consumer. */
    private void peekOldest(Map<TopicPartition, Long> positions) {
        peek.assign(positions.keySet());
        positions.forEach(peek::seek);
        Set<TopicPartition> missing = new HashSet<>(positions.keySet());
        long deadline = System.nanoTime() + config.pollTimeout.toNanos();
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            ConsumerRecords<byte[], byte[]> recs = peek.poll(Duration.ofMillis(50));
            for (TopicPartition tp : recs.partitions()) {
                if (missing.remove(tp)) {
                    ConsumerRecord<byte[], byte[]> r = recs.records(tp).get(0);
                    PartitionProgress p = progress.get(tp);
                    if (p != null && r.offset() == positions.get(tp) && p.committed == r.offset()) {
                        p.oldestBrokerTsMs = r.timestamp();
                        p.oldestSourceNanos = sourceNanos(r);
                    }
                    peek.pause(List.of(tp));
                }
            }
        }
        peek.resume(peek.paused());
    }

    private long sourceNanos(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null || r.value().length > MAX_PEEK_PARSE_BYTES) {
            return -1;
        }
        try {
            ChangeEvent e = parser.parse(CdcRecord.of(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(),
                    r.value()), false);
            return e.kind() == ChangeEvent.Kind.CHANGE ? e.sourceTsNanos() : -1;
        } catch (EnvelopeException e) {
            return -1;
        }
    }

    @Override
    public void close() {
        meters.removeAllPartitions();
        if (peek != null) {
            try {
                peek.close();
            } catch (RuntimeException ignored) {
                // closing on shutdown
            }
        }
    }
}
