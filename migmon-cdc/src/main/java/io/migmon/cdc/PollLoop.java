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

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Kafka poll loop: poll, hand each partition's records to the {@link ChangePipeline}, commit what was applied or
 * dead-lettered, rewind what must be redelivered, refresh the lag. Runs on the host's thread until {@link #stop()}.
 *
 * <p><b>Pipelined apply.</b> With an applier, the database round trip of poll N runs on the processor's apply thread
 * while this thread polls and parses poll N+1; poll N is then finished (outcome, retries, dead letters, offset
 * commit) before anything of N+1 is observed or applied. At most one poll is in hand; offsets are committed only
 * after the target committed; a partition's batches are applied in order, one at a time; a partition rewound by
 * N's outcome drops its records of N+1 (they are fetched again). The lag refresh, a rebalance and stopping first
 * finish the poll in hand.
 */
final class PollLoop {

    private static final Logger LOG = LoggerFactory.getLogger(PollLoop.class);
    /** Poll timeout while a poll is in hand (see {@link #pollNext()}). */
    private static final Duration IN_FLIGHT_POLL = Duration.ofMillis(2);
    /** The shortest interval between reads of the side consumer while a poll is in hand ({@link #sideDue()}). */
    private static final long SIDE_READ_MIN_MS = 100;

    private final ProcessorConfig config;
    private final ChangePipeline pipeline;
    private final LagProbe lag;
    private final ProcessorHealth health;
    private final CdcMeters meters;
    private final Set<String> warnedOnce = ConcurrentHashMap.newKeySet();
    private volatile boolean closing;
    private volatile Consumer<byte[], byte[]> consumer;
    /** Reads the heartbeat topics outside the group ({@link #pollSide()}); null when not used. */
    private volatile Consumer<byte[], byte[]> side;
    /** The side consumer's partitions (poll thread only). */
    private final Set<TopicPartition> sideAssigned = new HashSet<>();
    private long nextSideLookMs;
    private boolean sideLooked;
    /** When the side consumer is read next while a poll is in hand ({@link #sideDue()}; poll thread only). */
    private long nextSideReadMs;
    /**
     * The single thread that runs the first apply attempt of each batch while this loop polls and parses the next
     * one ({@code migmon-cdc-apply-<name>}, daemon); started by {@link #run()} when there is an applier, shut down
     * when it returns. Null in observe-only mode.
     */
    private ExecutorService applyThread;
    /** The poll whose changes are being applied (poll thread only); null when nothing is in hand. */
    private List<Begun> inFlight;
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
            if (config.applier != null) {
                applyThread = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "migmon-cdc-apply-" + config.name);
                    t.setDaemon(true);
                    return t;
                });
            }
            openSide();
            if (side != null && config.topicPattern != null) {
                consumer.subscribe(config.groupPattern(), new Rebalance());
            } else if (side != null) {
                consumer.subscribe(config.topics.stream().filter(t -> !config.sideTopic(t)).toList(), new Rebalance());
            } else if (config.topicPattern != null) {
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
                    records = pollNext();
                } catch (WakeupException e) {
                    continue;
                }
                health.lastPollMs = config.clock.millis();
                lag.afterPoll(consumer, records.partitions());
                if (!records.isEmpty()) {
                    handlePoll(records);
                }
                if (inFlight != null && (lag.refreshDue() || records.isEmpty())) {
                    // the lag refresh reads positions as applied and committed: nothing may be in hand; an empty
                    // poll: nothing to overlap with, commit now. The heartbeats first: read after the changes in hand
                    // arrived, one emitted after them confirms them the moment they are applied (fix 7.1)
                    pollSide();
                    awaitApplied();
                    finishInFlight();
                }
                retryPendingCommit();
                lag.refresh(consumer);
                if (inFlight == null || sideDue()) {
                    pollSide();
                }
            }
            finishInFlight();
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
            if (inFlight != null) {
                // stopped by a failure (or a wakeup) with a batch in hand: its outcome is awaited, but its offsets
                // are not committed (redelivered to the next owner; appliers are idempotent)
                abandonInFlight();
            }
            if (applyThread != null) {
                applyThread.shutdown();
                // an attempt still running ends before run() returns (close() closes the applier after it): the
                // attempts queued behind it see the pipeline closing and do not apply
                try {
                    if (!applyThread.awaitTermination(config.closeTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                        LOG.warn("cdc processor {}: apply still running after {}", config.name, config.closeTimeout);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            lag.close();
            if (side != null) {
                try {
                    side.close();
                } catch (RuntimeException ignored) {
                    // closing on shutdown
                }
            }
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

    /**
     * Polls; with a poll in hand, only for records that are already fetched or arrive before its apply completes
     * (never a whole poll timeout: that would hold the commit back).
     */
    private ConsumerRecords<byte[], byte[]> pollNext() {
        if (inFlight == null) {
            return consumer.poll(config.pollTimeout);
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ZERO);
        while (records.isEmpty() && !closing && !inFlightApplied()) {
            if (sideDue()) {
                pollSide();
            }
            records = consumer.poll(IN_FLIGHT_POLL);
        }
        return records;
    }

    /**
     * Whether the side consumer is to be read now although a poll is in hand: at most every
     * max(100 ms, heartbeat interval / 4) (issue 11 fix 7.1). In a backlog the poll thread always has a batch in hand,
     * and reading the heartbeats only with nothing in hand left the newest heartbeat seconds old at the backlog's
     * end (the lag after the last apply read now − an old bound until the next read). The read is a zero-timeout poll
     * on the poll thread: the apply thread goes on meanwhile.
     */
    private boolean sideDue() {
        if (side == null) {
            return false;
        }
        long now = config.clock.millis();
        if (now < nextSideReadMs) {
            return false;
        }
        long every = config.heartbeatInterval == null ? SIDE_READ_MIN_MS
                : Math.max(SIDE_READ_MIN_MS, config.heartbeatInterval.toMillis() / 4);
        nextSideReadMs = now + every;
        return true;
    }

    private boolean inFlightApplied() {
        for (Begun b : inFlight) {
            Future<Long> attempt = b.pending.firstAttempt;
            if (attempt != null && !attempt.isDone()) {
                return false;
            }
        }
        return true;
    }

    /**
     * One poll: parses every partition's records (pure, while the previous poll is still being applied on the apply
     * thread), finishes the previous poll (its outcome, dead letters, offset commit), then begins this one (observes
     * it and hands its changes to the apply thread). Records of a partition that the previous poll's outcome rewound
     * are dropped: they are fetched again after the rewound ones.
     */
    private void handlePoll(ConsumerRecords<byte[], byte[]> records) {
        long consumedNanos = pipeline.nanosNow();
        List<TopicPartition> partitions = new ArrayList<>(records.partitions());
        List<ChangePipeline.Parsed> parsed = new ArrayList<>(partitions.size());
        for (TopicPartition tp : partitions) {
            List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
            List<CdcRecord> batch = new ArrayList<>(list.size());
            for (ConsumerRecord<byte[], byte[]> r : list) {
                batch.add(CdcRecord.of(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value()));
            }
            parsed.add(pipeline.parse(batch));
        }
        // a heartbeat read while waiting is processed at once, before this poll's records are begun: it counts as
        // processed before their changes (it confirms none of them; the next one does), and it is no bound for
        // their partitions' unread records (PartitionProgress#seenConfirmedNanos). Holding it until they were begun
        // left the idle tables' confirmation an apply older (one 2.2 s sample at a truth of 0, 1 s heartbeats)
        awaitApplied();
        Set<TopicPartition> rewound = finishInFlight();
        List<Begun> begun = new ArrayList<>(partitions.size());
        for (int i = 0; i < partitions.size(); i++) {
            TopicPartition tp = partitions.get(i);
            if (rewound.contains(tp) || pipeline.interrupted) {
                if (!rewound.contains(tp)) {
                    consumer.seek(tp, parsed.get(i).records.get(0).offset());
                }
                continue;
            }
            begun.add(new Begun(tp, pipeline.begin(parsed.get(i), consumedNanos, applyThread)));
        }
        inFlight = begun.isEmpty() ? null : begun;
        if (applyThread == null) {
            finishInFlight(); // observe-only: nothing runs in the background, commit now
        }
    }

    /**
     * Waits until the first apply attempt of every batch in hand has returned, reading the side consumer on its time
     * budget ({@link #sideDue()}) meanwhile: every wait of the poll thread for an apply does (attack 5 finding 7,
     * 1 s heartbeats: a wait for the batch in hand plus one for the lag refresh's finish, ~2 applies of 1.2 s, left
     * the heartbeats unread for 2 s). Returns at once without a side consumer (the finish waits), when closing, or
     * when interrupted (the finish handles it).
     */
    private void awaitApplied() {
        if (side == null || inFlight == null) {
            return;
        }
        while (!closing && !inFlightApplied()) {
            if (sideDue()) {
                pollSide();
            }
            long waitMs = Math.max(1, Math.min(SIDE_READ_MIN_MS, nextSideReadMs - config.clock.millis()));
            if (!awaitAttempt(waitMs)) {
                return;
            }
        }
    }

    /** Waits up to {@code ms} for the first unfinished apply attempt in hand; false when interrupted. */
    private boolean awaitAttempt(long ms) {
        for (Begun b : inFlight) {
            Future<Long> attempt = b.pending.firstAttempt;
            if (attempt != null && !attempt.isDone()) {
                try {
                    attempt.get(ms, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                } catch (ExecutionException | TimeoutException | CancellationException e) {
                    // its outcome is the finish's to handle; a timeout: read the side consumer again
                }
                return true;
            }
        }
        return true;
    }

    /**
     * Finishes the poll in hand, if any: each partition's outcome, then one synchronous commit of what was applied
     * or dead-lettered; rewinds (seeks back) what must be redelivered. Returns the rewound partitions.
     */
    private Set<TopicPartition> finishInFlight() {
        List<Begun> batches = inFlight;
        if (batches == null) {
            return Set.of();
        }
        inFlight = null;
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        List<List<CdcRecord>> committed = new ArrayList<>();
        Set<TopicPartition> rewound = new HashSet<>();
        for (Begun b : batches) {
            List<CdcRecord> batch = b.pending.records;
            boolean done;
            try {
                done = pipeline.finish(b.pending);
            } catch (RetriableApplyException e) {
                done = false;
                if (!pipeline.closing()) {
                    warnOnce("retriable", "target unavailable, rewinding {} and retrying: {}", b.tp, e.getMessage());
                }
            }
            if (done) {
                commit.put(b.tp, new OffsetAndMetadata(batch.get(batch.size() - 1).offset() + 1));
                committed.add(batch);
            } else {
                consumer.seek(b.tp, batch.get(0).offset());
                rewound.add(b.tp);
                pipeline.rewound(batch, pipeline.blockedReason);
                pipeline.backOff();
            }
        }
        if (!commit.isEmpty()) {
            commit(commit, committed);
        }
        return rewound;
    }

    /** After a failure of the loop: waits for the batch in hand to leave the target consistent, commits nothing. */
    private void abandonInFlight() {
        List<Begun> batches = inFlight;
        inFlight = null;
        for (Begun b : batches) {
            Future<Long> attempt = b.pending.firstAttempt;
            if (attempt == null) {
                continue;
            }
            try {
                attempt.get(config.closeTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException | TimeoutException | CancellationException e) {
                // not committed either way
            }
            pipeline.rewound(b.pending.records, "processor stopped before the offsets were committed");
        }
    }

    /** A partition's batch between {@link ChangePipeline#begin} and {@link ChangePipeline#finish}. */
    private record Begun(TopicPartition tp, ChangePipeline.Pending pending) {
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

    /** Asks the loop to stop and wakes the consumers; callable from any thread. */
    void stop() {
        closing = true;
        pipeline.close();
        Consumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        Consumer<byte[], byte[]> s = side;
        if (s != null) {
            s.wakeup();
        }
    }

    /**
     * Creates the side consumer when the subscription can include heartbeat topics
     * ({@link ProcessorConfig#sideTopic}) and some data topic remains for the group (else the group reads them all,
     * as before).
     */
    private void openSide() {
        boolean possible = config.topicPattern != null
                ? config.heartbeatTopicPrefix != null
                : config.topics.stream().anyMatch(config::sideTopic)
                        && !config.topics.stream().allMatch(config::sideTopic);
        if (possible) {
            side = config.clients.sideConsumer(config.sideProperties());
        }
    }

    /**
     * Reads the heartbeat topics outside group management (scale-out, issue 11 attack 4 finding 2:
     * Debezium's heartbeat topic has one partition, so in a group of several processors only one member would see
     * the heartbeats, and every other one would read its idle tables stale and its connector silent). Every member
     * assigns itself all partitions of its side topics: found every {@link ProcessorConfig#PATTERN_METADATA_MAX_AGE_MS}
     * (or every lag refresh until one is found); those found at the first look start at their end (nothing old is
     * needed: the next heartbeat confirms), later ones (a topic created meanwhile) at their beginning. No offsets
     * are committed. Their records go through the pipeline on this thread, between polls, like the group's: always
     * with nothing in hand, and on a time budget ({@link #sideDue()}) while a poll is in hand or the poll thread
     * waits for an apply ({@link #awaitApplied()}), so that a backlog does not starve them; a heartbeat read then is
     * processed after the changes in hand (processing order, as for any change that arrived before it) and confirms
     * them only once they are applied; one read while the next poll's records are parsed is processed before those
     * (it confirms none of them). A failure is counted and retried at the next call, never thrown.
     */
    private void pollSide() {
        Consumer<byte[], byte[]> s = side;
        if (s == null || closing) {
            return;
        }
        try {
            long now = config.clock.millis();
            if (now >= nextSideLookMs) {
                lookForSideTopics(s, now);
                health.sideFailure = null; // answered
            }
            if (sideAssigned.isEmpty()) {
                return;
            }
            ConsumerRecords<byte[], byte[]> records = s.poll(Duration.ZERO);
            if (!records.isEmpty()) {
                health.sideFailure = null;
            }
            processSide(s, records);
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            if (e instanceof org.apache.kafka.common.KafkaException) {
                // the client's own error (unreachable, not authorized), not a failure of handling what it read
                health.sideFailure = e.getClass().getSimpleName() + ": " + e.getMessage();
            }
            meters.recordFailure(e);
            warnOnce("side", "cdc processor {}: reading the heartbeat topics failed ({}: {}); retried",
                    config.name, e.getClass().getSimpleName(), e.getMessage());
        }
    }

    /**
     * Processes side records read by {@link #pollSide()}, each partition's as one batch consumed now (one clock read
     * for the poll). A batch that must be redelivered is read again at the next call.
     */
    private void processSide(Consumer<byte[], byte[]> s, ConsumerRecords<byte[], byte[]> records) {
        if (records.isEmpty()) {
            return;
        }
        long readNanos = pipeline.nanosNow();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
            List<CdcRecord> batch = new ArrayList<>(list.size());
            for (ConsumerRecord<byte[], byte[]> r : list) {
                batch.add(CdcRecord.of(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value()));
            }
            boolean done;
            try {
                done = pipeline.handle(batch, readNanos);
            } catch (RetriableApplyException e) {
                done = false;
            }
            if (done) {
                pipeline.completed(batch);
            } else {
                s.seek(tp, batch.get(0).offset()); // read again at the next call
                pipeline.rewound(batch, pipeline.blockedReason);
            }
        }
    }

    private void lookForSideTopics(Consumer<byte[], byte[]> s, long now) {
        nextSideLookMs = now + config.lagRefreshInterval.toMillis(); // a failed look is retried, not at every poll
        Set<TopicPartition> found = new HashSet<>();
        if (config.topicPattern != null) {
            for (Map.Entry<String, List<org.apache.kafka.common.PartitionInfo>> t
                    : s.listTopics(config.pollTimeout).entrySet()) {
                if (config.sideTopic(t.getKey()) && config.topicPattern.matcher(t.getKey()).matches()) {
                    t.getValue().forEach(i -> found.add(new TopicPartition(i.topic(), i.partition())));
                }
            }
        } else {
            for (String topic : config.topics) {
                if (config.sideTopic(topic)) {
                    List<org.apache.kafka.common.PartitionInfo> infos = s.partitionsFor(topic, config.pollTimeout);
                    if (infos != null) {
                        infos.forEach(i -> found.add(new TopicPartition(i.topic(), i.partition())));
                    }
                }
            }
        }
        boolean first = !sideLooked;
        sideLooked = true;
        nextSideLookMs = now + (found.isEmpty() ? config.lagRefreshInterval.toMillis()
                : ProcessorConfig.PATTERN_METADATA_MAX_AGE_MS);
        if (found.isEmpty() || sideAssigned.containsAll(found)) {
            return;
        }
        List<TopicPartition> added = new ArrayList<>(found);
        added.removeAll(sideAssigned);
        sideAssigned.addAll(found);
        s.assign(new ArrayList<>(sideAssigned)); // partitions kept keep their positions
        if (first) {
            s.seekToEnd(added);
        } else {
            s.seekToBeginning(added);
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

    /**
     * The log end offsets of the transaction topic partitions among {@code partitions}, read now (in the rebalance
     * callback, bounded by the poll timeout): an {@code END} at or past one was written after the assignment, whatever
     * the Connect worker's clock says (attack 10 finding 7). Empty when none is assigned or the request fails (then
     * the Kafka timestamp decides, as before).
     */
    private Map<TopicPartition, Long> transactionEndOffsets(Collection<TopicPartition> partitions) {
        List<TopicPartition> tx = new ArrayList<>();
        for (TopicPartition tp : partitions) {
            if (pipeline.transactionTopic(tp.topic())) {
                tx.add(tp);
            }
        }
        if (tx.isEmpty()) {
            return Map.of();
        }
        try {
            Map<TopicPartition, Long> ends = consumer.endOffsets(tx, config.pollTimeout);
            Map<TopicPartition, Long> known = new HashMap<>();
            ends.forEach((tp, end) -> {
                if (end != null) {
                    known.put(tp, end);
                }
            });
            return known;
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            LOG.debug("end offsets of {} at the assignment not read ({}): their ENDs are judged by Kafka timestamp", tx,
                    e.toString());
            return Map.of();
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // the poll in hand is finished and committed first: nothing is pending past this point
            finishInFlight();
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
            pipeline.assigned(partitions, consumer.subscription(), transactionEndOffsets(partitions));
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // the in-hand poll's outcome is awaited; its commit fails (not ours any more) and is redelivered
            finishInFlight();
            dropPending(partitions);
            lag.revoked(partitions);
            pipeline.lost(partitions);
        }
    }
}
