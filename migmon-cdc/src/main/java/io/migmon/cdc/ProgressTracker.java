package io.migmon.cdc;

import org.apache.kafka.common.TopicPartition;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The watermarks of a processor: the {@link PartitionProgress} of every partition (or embedded-engine destination)
 * and the last source time the connector confirmed through heartbeats. Replication lag is computed from them at
 * read time:
 *
 * <ul>
 *   <li>when changes wait (in hand, or behind the end offset): now − source commit time of the oldest of them;</li>
 *   <li>when nothing waits and heartbeats flow (the newest is at most one heartbeat interval plus a tolerance
 *       old): 0 once a heartbeat was emitted after the last change arrived, or the last change's transaction was
 *       closed by its {@code END} record (transaction metadata); before that, changes are flowing and a newer one
 *       may be in transit, so now − source time of the last applied change;</li>
 *   <li>when nothing waits but the confirmation is older (heartbeats stopped, or none configured): now − the last
 *       confirmed source time (the newest heartbeat or applied change), so it grows 1 s per second.</li>
 * </ul>
 */
final class ProgressTracker {

    private final ProcessorConfig config;
    private final Map<TopicPartition, PartitionProgress> partitions = new ConcurrentHashMap<>();
    /** Newest source-side time per heartbeat topic (the heartbeat's own {@code ts_ms}), epoch nanos. */
    private final Map<String, Long> heartbeats = new ConcurrentHashMap<>();
    private final long toleranceNanos;
    volatile long lastSourceSignalNanos = -1;
    /** Last failure to reach the broker from the lag probe, and when; cleared by a successful refresh. */
    volatile String brokerError;
    volatile long brokerErrorMs = -1;

    ProgressTracker(ProcessorConfig config) {
        this.config = config;
        Duration hb = config.heartbeatInterval;
        this.toleranceNanos = hb == null ? 0
                : hb.toNanos() + Math.max(Duration.ofSeconds(1).toNanos(), hb.toNanos() / 2);
    }

    PartitionProgress partition(TopicPartition tp) {
        return partitions.computeIfAbsent(tp, t -> new PartitionProgress(t, isData(t.topic()), config.clock));
    }

    PartitionProgress get(TopicPartition tp) {
        return partitions.get(tp);
    }

    PartitionProgress remove(TopicPartition tp) {
        return partitions.remove(tp);
    }

    Collection<PartitionProgress> partitions() {
        return partitions.values();
    }

    boolean isData(String topic) {
        boolean hb = config.heartbeatTopicPrefix != null && topic.startsWith(config.heartbeatTopicPrefix);
        boolean tx = config.transactionTopicSuffix != null && topic.endsWith(config.transactionTopicSuffix);
        return !hb && !tx;
    }

    void heartbeat(String topic, long sourceNanos, long arrivalNanos) {
        heartbeats.merge(topic, sourceNanos, Math::max);
        confirmationArrived(arrivalNanos);
        signal(sourceNanos);
    }

    /** When the newest heartbeat or transaction END arrived at the processor (its clock), epoch nanos; -1 none. */
    volatile long lastConfirmationArrivalNanos = -1;

    private void confirmationArrived(long arrivalNanos) {
        if (arrivalNanos > lastConfirmationArrivalNanos) {
            lastConfirmationArrivalNanos = arrivalNanos;
        }
    }

    /** A heartbeat or change with this source time arrived. */
    void signal(long sourceNanos) {
        if (sourceNanos > lastSourceSignalNanos) {
            lastSourceSignalNanos = sourceNanos;
        }
    }

    /** The oldest of the newest heartbeats of each heartbeat topic (each connector confirms only itself); -1 none. */
    long heartbeatNanos() {
        long min = -1;
        for (long v : heartbeats.values()) {
            min = min < 0 ? v : Math.min(min, v);
        }
        return min;
    }

    /** Replication lag in seconds of one table pair ({@code pair} non-null) or of everything ({@code null}). */
    double stalenessSeconds(String pair) {
        long now = nowNanos();
        long oldest = oldestUnapplied(pair);
        if (oldest > 0) {
            return Math.max(0, now - oldest) / 1e9;
        }
        long applied = lastApplied(pair);
        long hb = Math.max(heartbeatNanos(), lastTxEndNanos);
        // "heartbeats flow" is judged by when the newest confirmation arrived here: a processor busy applying a
        // backlog consumes confirmations late, which says nothing about the connector
        if (config.heartbeatInterval != null && hb > 0 && now - lastConfirmationArrivalNanos <= toleranceNanos) {
            // heartbeats flow. Idle (0) once one was emitted after the last change arrived; until then changes are
            // flowing and a newer one may be committed and in transit: the last applied change is the watermark
            if (hb >= lastChangeArrivalNanos || applied < 0 || lastChangeTxClosed) {
                return 0;
            }
            return Math.max(0, now - applied) / 1e9;
        }
        long confirmed = Math.max(applied, hb);
        if (confirmed < 0) {
            return 0;
        }
        return Math.max(0, now - confirmed) / 1e9;
    }

    /** When the newest change event arrived at the processor (its clock), epoch nanos; -1 none. */
    volatile long lastChangeArrivalNanos = -1;
    /** Source transaction of the newest change (transaction metadata), or null. */
    volatile String lastChangeTxId;
    /**
     * Whether the transaction of the newest change was closed by its {@code END} record (transaction metadata
     * topic): then no later change of it is in transit, and with nothing waiting the target is current.
     */
    volatile boolean lastChangeTxClosed;

    /** A change arrived (processing thread). */
    void changeArrived(long arrivalNanos, String txId) {
        lastChangeArrivalNanos = arrivalNanos;
        if (txId == null || !txId.equals(lastChangeTxId)) {
            lastChangeTxClosed = false;
        }
        lastChangeTxId = txId;
    }

    /** Connector-side time of the newest transaction {@code END} record, epoch nanos; -1 none. */
    volatile long lastTxEndNanos = -1;

    /**
     * A transaction's {@code END} record arrived (processing thread). Its own timestamp confirms the connector was
     * current then, like a heartbeat (Debezium may emit no heartbeat while it streams a large transaction).
     */
    void transactionEnded(String txId, long endNanos, long arrivalNanos) {
        confirmationArrived(arrivalNanos);
        if (txId != null && txId.equals(lastChangeTxId)) {
            lastChangeTxClosed = true;
        }
        if (endNanos > lastTxEndNanos) {
            lastTxEndNanos = endNanos;
        }
        signal(endNanos);
    }

    /**
     * The source commit time up to which every change seen has been applied: just before the oldest waiting change
     * when one waits, else the last confirmed source time; empty before anything was seen.
     */
    Optional<Instant> appliedWatermark() {
        long oldest = oldestUnapplied(null);
        long w = oldest > 0 ? oldest - 1 : confirmed(null);
        if (w <= 0) {
            return Optional.empty();
        }
        return Optional.of(Instant.ofEpochSecond(w / 1_000_000_000L, w % 1_000_000_000L));
    }

    private long oldestUnapplied(String pair) {
        long oldest = -1;
        for (PartitionProgress p : partitions.values()) {
            if (!p.data || (pair != null && !pair.equals(p.pair))) {
                continue;
            }
            long o = p.oldestUnappliedSourceNanos();
            if (o > 0 && (oldest < 0 || o < oldest)) {
                oldest = o;
            }
        }
        return oldest;
    }

    private long confirmed(String pair) {
        return Math.max(lastApplied(pair), Math.max(heartbeatNanos(), lastTxEndNanos));
    }

    private long lastApplied(String pair) {
        long applied = -1;
        for (PartitionProgress p : partitions.values()) {
            if (p.data && (pair == null || pair.equals(p.pair))) {
                applied = Math.max(applied, p.lastAppliedSourceNanos);
            }
        }
        return applied;
    }

    long nowNanos() {
        Instant i = config.clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
