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

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the end offsets and the oldest waiting record of the assigned partitions up to date, from two threads:
 *
 * <ul>
 *   <li>the poll thread: after every poll, end offsets from the fetch responses' high watermark (free), and every
 *       {@code lagRefreshInterval} the group consumer's positions (what is applied and committed when nothing is in
 *       hand);</li>
 *   <li>the processor's lag thread ({@code migmon-cdc-lag-<name>}, a daemon started by {@link #open()}, stopped by
 *       {@link #close()}, both called by the poll loop's {@code run()}): every {@code lagRefreshInterval},
 *       {@code endOffsets} of every known partition and a read of the record at the applied-and-committed offset
 *       (its Kafka timestamp and, when it is a change event, its source commit time, capped at the time it was read),
 *       with a second, group-less consumer that only this thread uses. So records arriving on any partition are
 *       counted while the poll thread is held in a long apply.</li>
 * </ul>
 *
 * <p>Each remote request is bounded by {@code lagProbeTimeout}, not the poll timeout. A failed request is remembered
 * as the broker's error (shown beside the verdict) and cleared by the next answered request; the broker is judged
 * unreachable (health stage {@code broker}) only when requests keep failing for the stall timeout
 * ({@link ProgressTracker#brokerUnreachable(long)}). The values written here are read (and aged) by gauges and the
 * health check at read time.
 */
final class LagProbe implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LagProbe.class);
    private static final int MAX_PEEK_PARSE_BYTES = 1 << 20;

    private final ProcessorConfig config;
    private final CdcMeters meters;
    private final ProgressTracker progress;
    private final EnvelopeParser parser;
    /** The probe's own group-less consumer: used only on the lag thread (and closed there). */
    private Consumer<byte[], byte[]> peek;
    private ScheduledExecutorService lagThread;
    /** Next position refresh on the poll thread (poll thread only). */
    private long nextRefreshMs;
    /**
     * Registers the {@code cdc_replication_lag_seconds} series of a change's table pair and returns its key, or null
     * (the pipeline's; set by the processor). Used to name the table of a partition assigned here before any of its
     * changes arrives (see {@link #lookBack}).
     */
    volatile java.util.function.Function<ChangeEvent, String> pairs;
    /** Partitions whose last applied change was looked for since their assignment (any thread). */
    private final Set<TopicPartition> lookedBack = java.util.concurrent.ConcurrentHashMap.newKeySet();
    /** How many records before the committed offset {@link #lookBack} reads to find the last change. */
    static final int LOOK_BACK_RECORDS = 8;
    /** Partitions with applied batches whose offset commit failed (set by the poll loop, same thread). */
    private Set<TopicPartition> uncommitted = Set.of();

    LagProbe(ProcessorConfig config, CdcMeters meters, ProgressTracker progress) {
        this.config = config;
        this.meters = meters;
        this.progress = progress;
        progress.proofWanted = this::probeSoon;
        this.parser = new EnvelopeParser(new JsonFactory(), config.heartbeatTopicPrefix, config.transactionTopicSuffix);
    }

    /** Whether an extra probe is queued on the lag thread ({@link #probeSoon}). */
    private final java.util.concurrent.atomic.AtomicBoolean soonQueued = new java.util.concurrent.atomic.AtomicBoolean();
    /** When the last extra probe was queued (processor clock, ms). */
    private volatile long soonMs = Long.MIN_VALUE;
    /** The least time between two extra probes ({@link #probeSoon}). */
    static final long SOON_MIN_GAP_MS = 100;

    /**
     * A heartbeat (or {@code END}) waits for an end offset requested after its arrival to confirm a partition current
     * ({@link PartitionProgress#pendingConfirmedNanos}): an extra probe on the lag thread now, rather than at the next
     * refresh, so a drained backlog reads 0 about one end-offsets round trip after the heartbeat, not up to a lag
     * refresh interval later (the backlog's last transaction commit age meanwhile: HeartbeatsInBacklogIT). At most
     * one queued (it reads after every confirmation that arrived before it ran), and one per
     * {@value #SOON_MIN_GAP_MS} ms, delayed rather than skipped (at 1,000 {@code END}s a second, 10 extra requests,
     * not 1,000). Any thread; nothing before {@link #open()}.
     */
    void probeSoon() {
        ScheduledExecutorService t = lagThread;
        if (t == null || !soonQueued.compareAndSet(false, true)) {
            return; // one is queued: it reads after this confirmation's arrival too
        }
        long now = config.clock.millis();
        long delay = soonMs == Long.MIN_VALUE ? 0 : Math.max(0, Math.min(SOON_MIN_GAP_MS, soonMs + SOON_MIN_GAP_MS - now));
        soonMs = now + delay;
        try {
            t.schedule(() -> {
                soonQueued.set(false);
                probe();
            }, delay, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            soonQueued.set(false); // closing
        }
    }

    /** Creates the probe's consumer and starts the lag thread (first probe at once). */
    void open() {
        peek = config.clients.peekConsumer(config.peekProperties());
        lagThread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "migmon-cdc-lag-" + config.name);
            t.setDaemon(true);
            return t;
        });
        lagThread.scheduleWithFixedDelay(this::probe, 0, config.lagRefreshInterval.toMillis(), TimeUnit.MILLISECONDS);
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
            lookedBack.remove(tp);
        }
    }

    /** After a poll: end offsets from the fetch metadata (position + current lag), no remote call. */
    void afterPoll(Consumer<byte[], byte[]> consumer, Collection<TopicPartition> polled) {
        long now = config.clock.millis();
        Set<TopicPartition> assigned = consumer.assignment();
        for (PartitionProgress p : progress.partitions()) {
            if (!assigned.contains(p.tp)) {
                continue; // a side topic's (read outside the group): the probe's end offsets cover it
            }
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

    /** Whether the next {@link #refresh} makes its calls (its interval has passed). */
    boolean refreshDue() {
        return config.clock.millis() >= nextRefreshMs;
    }

    /**
     * Every lag refresh interval, on the poll thread with nothing in hand: the group consumer's positions (local once
     * fetching; remote, bounded by the poll timeout, only right after an assignment).
     */
    void refresh(Consumer<byte[], byte[]> consumer) {
        long now = config.clock.millis();
        if (now < nextRefreshMs) {
            return;
        }
        nextRefreshMs = now + config.lagRefreshInterval.toMillis();
        try {
            for (TopicPartition tp : consumer.assignment()) {
                PartitionProgress p = progress.get(tp);
                // nothing is in hand between polls: the position is what is applied and committed, unless the
                // commit of an applied batch failed (its offsets wait for the next commit)
                if (p != null && !uncommitted.contains(tp)) {
                    p.position(consumer.position(tp, config.pollTimeout), now);
                }
            }
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            failed("position", e, now);
        }
    }

    /**
     * On the lag thread, every lag refresh interval: end offsets of every known partition (or, with none, a metadata
     * request: does the broker answer?) and the oldest waiting records. Never throws (a throw would cancel the
     * schedule): a failure is the broker's error until a request is answered again.
     */
    void probe() {
        String call = "metadata";
        progress.brokerRequestStarted(config.clock.millis());
        try {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionProgress p : progress.partitions()) {
                partitions.add(p.tp);
            }
            track(partitions);
            if (partitions.isEmpty()) {
                peek.listTopics(config.lagProbeTimeout);
                progress.brokerAnswered();
                return;
            }
            call = "end offsets";
            long requested = config.clock.millis();
            Map<TopicPartition, Long> ends = peek.endOffsets(partitions, config.lagProbeTimeout);
            long now = config.clock.millis();
            Map<TopicPartition, Long> toPeek = new LinkedHashMap<>();
            for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) {
                PartitionProgress p = progress.get(e.getKey());
                if (p == null || e.getValue() == null) {
                    continue;
                }
                p.end(e.getValue(), now);
                p.endReadMs = requested; // the broker's end offset as of the request or later
                long committed = p.committed;
                if (committed >= 0 && p.messages() > 0 && p.oldestBrokerTsMs < 0) {
                    toPeek.put(p.tp, committed);
                }
            }
            progress.brokerAnswered();
            if (!toPeek.isEmpty()) {
                call = "peek";
                peekOldest(toPeek);
            }
            Map<TopicPartition, Long> toLookBack = new LinkedHashMap<>();
            for (PartitionProgress p : progress.partitions()) {
                if (p.data && p.pair == null && p.lastAppliedSourceNanos <= 0 && p.committed > 0
                        && !lookedBack.contains(p.tp)) {
                    toLookBack.put(p.tp, p.committed);
                }
            }
            if (!toLookBack.isEmpty()) {
                call = "peek";
                lookBack(toLookBack);
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            failed(call, e, config.clock.millis());
        }
    }

    private void failed(String call, RuntimeException e, long now) {
        progress.brokerFailed(brokerError(config.consumerProperties == null ? null
                : config.consumerProperties.get(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG),
                call, e), now);
        meters.recordFailure(e);
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
     * broker's error, like a failed lag-probe request, until the probe's next request is answered.
     *
     * @return the error as the health check shows it
     */
    String commitFailed(RuntimeException e) {
        String error = brokerError(config.consumerProperties == null ? null
                : config.consumerProperties.get(org.apache.kafka.clients.consumer.ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG),
                "offset commit", e);
        progress.brokerFailed(error, config.clock.millis());
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

    /** The bootstrap servers as {@code host:port[,host:port]}, user info dropped; "the broker" when unknown. */
    static String brokers(Object servers) {
        if (servers == null) {
            return "the broker";
        }
        String list = servers instanceof Collection<?> c ? String.join(",", c.stream().map(String::valueOf).toList())
                : String.valueOf(servers);
        // host:port only: drop anything that looks like user info
        return list.replaceAll("[^,\\s]*@", "");
    }

    /**
     * Keeps the peek consumer assigned to exactly the known partitions, all paused (nothing is fetched between
     * peeks). {@code endOffsets} of a partition the consumer is not assigned logs a kafka-clients WARN ("Not updating
     * high watermark for partition ... as it is no longer assigned") per partition and request: with the assignment
     * of the last peek only, that was most partitions at every refresh. Reassigning the same set changes nothing, a
     * kept partition keeps its position; a new one is given position 0 (local, no request), so that a poll for the
     * partitions being read does not reset the positions of the others (a request each, or, with the host's
     * {@code auto.offset.reset=none}, a {@code NoOffsetForPartitionException}). A paused partition is never fetched,
     * so that position is never read; every read seeks first.
     */
    private void track(Collection<TopicPartition> partitions) {
        Set<TopicPartition> wanted = new HashSet<>(partitions);
        Set<TopicPartition> had = peek.assignment();
        if (!had.equals(wanted)) {
            Set<TopicPartition> added = new HashSet<>(wanted);
            added.removeAll(had);
            peek.assign(wanted);
            for (TopicPartition tp : added) {
                peek.seek(tp, 0);
            }
        }
        peek.pause(peek.assignment());
    }

    /** Seeks and resumes the partitions to read (assigning any the last {@link #track} did not know). */
    private void startReading(Map<TopicPartition, Long> positions) {
        if (!peek.assignment().containsAll(positions.keySet())) {
            Set<TopicPartition> all = new HashSet<>(peek.assignment());
            all.addAll(positions.keySet());
            track(all);
        }
        positions.forEach(peek::seek);
        peek.resume(positions.keySet());
    }

    /** Reads the record at each partition's committed offset with the peek consumer. */
    private void peekOldest(Map<TopicPartition, Long> positions) {
        startReading(positions);
        Set<TopicPartition> missing = new HashSet<>(positions.keySet());
        long deadline = System.nanoTime() + config.lagProbeTimeout.toNanos();
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            ConsumerRecords<byte[], byte[]> recs = peek.poll(Duration.ofMillis(50));
            for (TopicPartition tp : recs.partitions()) {
                if (missing.remove(tp)) {
                    ConsumerRecord<byte[], byte[]> r = recs.records(tp).get(0);
                    PartitionProgress p = progress.get(tp);
                    if (p != null && r.offset() == positions.get(tp)) {
                        p.peeked(r.offset(), r.timestamp(), sourceNanos(r, progress.nowNanos()));
                    }
                    peek.pause(List.of(tp));
                }
            }
        }
        peek.pause(peek.assignment());
    }

    /**
     * A data partition assigned here of which no change was seen yet (a rebalance moved it here, the table idle or its
     * connector silent: issue 11 attack 5 finding 8): reads the last records before its committed offset, once per
     * assignment. The newest change among them names the table, whose {@code cdc_replication_lag_seconds} series is
     * registered at once, and is the partition's last applied change (it is before the committed offset): the
     * table's staleness then reads from it (0 once a heartbeat of its connector confirms it, growing from its
     * commit time while none comes) instead of no series at all. Nothing found (no change among them, or not read
     * within {@code lagProbeTimeout}): the series appears with the next change, as before.
     */
    private void lookBack(Map<TopicPartition, Long> committed) {
        java.util.function.Function<ChangeEvent, String> pairOf = pairs;
        Map<TopicPartition, Long> from = new LinkedHashMap<>();
        committed.forEach((tp, c) -> from.put(tp, Math.max(0, c - LOOK_BACK_RECORDS)));
        startReading(from);
        Set<TopicPartition> missing = new HashSet<>(committed.keySet());
        Map<TopicPartition, ChangeEvent> last = new HashMap<>();
        long deadline = System.nanoTime() + config.lagProbeTimeout.toNanos();
        while (!missing.isEmpty() && System.nanoTime() < deadline) {
            ConsumerRecords<byte[], byte[]> recs = peek.poll(Duration.ofMillis(50));
            for (TopicPartition tp : recs.partitions()) {
                long c = committed.get(tp);
                for (ConsumerRecord<byte[], byte[]> r : recs.records(tp)) {
                    if (r.offset() >= c) {
                        break;
                    }
                    ChangeEvent e = change(r);
                    if (e != null) {
                        last.put(tp, e);
                    }
                }
                long position = peek.position(tp, config.lagProbeTimeout);
                if (position >= c) {
                    missing.remove(tp);
                    peek.pause(List.of(tp));
                }
            }
        }
        peek.pause(peek.assignment());
        long now = progress.nowNanos();
        for (TopicPartition tp : committed.keySet()) {
            lookedBack.add(tp); // once per assignment, found or not (records deleted, not read in time): bounded
            ChangeEvent e = last.get(tp);
            PartitionProgress p = progress.get(tp);
            if (e == null || p == null || pairOf == null || p.pair != null) {
                continue;
            }
            String pair = pairOf.apply(e);
            if (pair != null && p.pair == null && p.lastAppliedSourceNanos <= 0) {
                p.lastAppliedSourceNanos = ChangePipeline.notAfter(e.sourceTsNanos(), now);
                p.pair = pair;
            }
        }
    }

    /** The change event of a record, or null (not a change, unparseable, too large to parse here). */
    private ChangeEvent change(ConsumerRecord<byte[], byte[]> r) {
        if (r.value() == null || r.value().length > MAX_PEEK_PARSE_BYTES) {
            return null;
        }
        try {
            ChangeEvent e = parser.parse(CdcRecord.of(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(),
                    r.value()), true);
            return e.kind() == ChangeEvent.Kind.CHANGE && e.sourceTsNanos() > 0 && e.qualifiedTable() != null ? e : null;
        } catch (EnvelopeException e) {
            return null;
        }
    }

    private long sourceNanos(ConsumerRecord<byte[], byte[]> r, long readNanos) {
        if (r.value() == null || r.value().length > MAX_PEEK_PARSE_BYTES) {
            return -1;
        }
        try {
            ChangeEvent e = parser.parse(CdcRecord.of(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(),
                    r.value()), false);
            // capped at the time it was read, like every source time at consumption: a source.ts ahead of the
            // clock must not make the waiting record look current
            return e.kind() == ChangeEvent.Kind.CHANGE && e.sourceTsNanos() > 0
                    ? ChangePipeline.notAfter(e.sourceTsNanos(), readNanos) : -1;
        } catch (EnvelopeException e) {
            return -1;
        }
    }

    /**
     * Stops the lag thread (a request in progress is woken up) and closes the probe's consumer on it; waits up to the
     * probe timeout plus a second for that, then leaves the daemon thread to finish on its own.
     */
    @Override
    public void close() {
        meters.removeAllPartitions();
        Consumer<byte[], byte[]> c = peek;
        ScheduledExecutorService t = lagThread;
        if (t == null) {
            closeQuietly(c);
            return;
        }
        if (c != null) {
            c.wakeup();
        }
        try {
            t.execute(() -> closeQuietly(c)); // the consumer is closed by the only thread that uses it
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // already shut down
        }
        t.shutdown();
        try {
            if (!t.awaitTermination(config.lagProbeTimeout.toMillis() + 1_000, TimeUnit.MILLISECONDS)) {
                LOG.warn("cdc processor {}: lag thread did not stop within {}", config.name, config.lagProbeTimeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Consumer<byte[], byte[]> c) {
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // closing on shutdown
            }
        }
    }
}
