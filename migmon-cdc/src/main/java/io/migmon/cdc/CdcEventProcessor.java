package io.migmon.cdc;

import com.fasterxml.jackson.core.JsonFactory;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.migmon.cdc.internal.EnvelopeException;
import io.migmon.cdc.internal.EnvelopeParser;
import io.migmon.cdc.internal.PartitionLag;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.cdc.spi.RetriableApplyException;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.metrics.MigmonMeters;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;

/**
 * Consumes Debezium change events, records what happens to them in the host's {@link MeterRegistry}, applies them
 * through an optional {@link ChangeApplier}, and dead-letters poison events.
 *
 * <p><b>Threads.</b> The host owns the thread: submit the processor ({@link Runnable}) to an executor of yours;
 * {@link #run()} polls Kafka until {@link #close()} is called from any thread. Besides the threads the Kafka clients
 * start internally (consumer heartbeat/background thread, producer sender for the dead-letter topic), migmon starts
 * none. Events that do not travel through Kafka (a Debezium embedded engine) go through {@link #process(List)}
 * instead, on the caller's thread.
 *
 * <p><b>Delivery.</b> Offsets are committed (synchronously) only after the events of a poll were applied or
 * dead-lettered, so delivery to the applier is at least once; appliers must be idempotent. A transient applier
 * failure ({@link RetriableApplyException}) rewinds the partition and retries after a back-off.
 *
 * <p><b>Meters</b> (all from {@link MetricCatalog}): {@code cdc_events_processed_total{source,table,operation}},
 * {@code cdc_consumer_lag_messages} and {@code cdc_consumer_lag_seconds} per assigned partition,
 * {@code cdc_replication_lag_seconds{source_table,target_table}} (with an applier),
 * {@code cdc_stage_latency_seconds{stage}}, {@code cdc_dead_letters_total{topic,reason}}. {@link #close()} removes
 * them. Build with {@link #builder()}.
 */
public final class CdcEventProcessor implements Runnable, Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(CdcEventProcessor.class);
    private static final String COMPONENT = "cdc-processor";

    /** Stage tag values of {@code cdc_stage_latency_seconds}. */
    public static final String STAGE_SOURCE_TO_CONNECTOR = "source_to_connector";
    /** See {@link #STAGE_SOURCE_TO_CONNECTOR}. */
    public static final String STAGE_CONNECTOR_TO_BROKER = "connector_to_broker";
    /** See {@link #STAGE_SOURCE_TO_CONNECTOR}. */
    public static final String STAGE_BROKER_TO_CONSUMER = "broker_to_consumer";
    /** See {@link #STAGE_SOURCE_TO_CONNECTOR}. */
    public static final String STAGE_CONSUMER_TO_APPLIED = "consumer_to_applied";

    private final Config config;
    private final MigmonMeters meters;
    private final EnvelopeParser parser;
    private final Clock clock;
    private final ChangeApplier applier;
    private final Timer sourceToConnector;
    private final Timer connectorToBroker;
    private final Timer brokerToConsumer;
    private final Timer consumerToApplied;
    private final Map<String, Counter> eventCounters = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetterCounters = new ConcurrentHashMap<>();
    private final Map<String, AtomicLong> replicationLagNanos = new ConcurrentHashMap<>();
    private final Map<TopicPartition, PartitionLag> lags = new ConcurrentHashMap<>();
    private final Map<TopicPartition, List<Gauge>> lagGauges = new ConcurrentHashMap<>();
    private final ReentrantLock batchLock = new ReentrantLock();
    private final AtomicBoolean running = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Set<String> warnedOnce = ConcurrentHashMap.newKeySet();
    private final HealthCheck healthCheck;

    private volatile boolean closing;
    private volatile boolean closed;
    private volatile Throwable failure;
    private volatile KafkaConsumer<byte[], byte[]> consumer;
    private volatile KafkaProducer<byte[], byte[]> producer;
    private final long createdMs;
    private volatile long lastPollMs = -1;
    private volatile long lastRecordMs = -1;
    private volatile long lastHeartbeatMs = -1;
    private volatile long lastChangeMs = -1;
    private volatile long lastProgressMs = -1;
    private final AtomicLong eventsProcessed = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    private long nextLagRefreshMs;
    // last-table counter cache, guarded by batchLock
    private String lastSource;
    private String lastSchema;
    private String lastDatabase;
    private String lastTable;
    private Counter[] lastCounters;

    private CdcEventProcessor(Config config) {
        this.config = config;
        this.clock = config.clock;
        this.meters = MigmonMeters.create(config.registry, config.metricsOptions);
        this.parser = new EnvelopeParser(new JsonFactory(), config.heartbeatTopicPrefix, config.transactionTopicSuffix);
        this.applier = config.applier;
        this.sourceToConnector = meters.timer(MetricCatalog.CDC_STAGE_LATENCY, MetricCatalog.STAGE, STAGE_SOURCE_TO_CONNECTOR);
        this.connectorToBroker = meters.timer(MetricCatalog.CDC_STAGE_LATENCY, MetricCatalog.STAGE, STAGE_CONNECTOR_TO_BROKER);
        this.brokerToConsumer = meters.timer(MetricCatalog.CDC_STAGE_LATENCY, MetricCatalog.STAGE, STAGE_BROKER_TO_CONSUMER);
        this.consumerToApplied = applier == null ? null
                : meters.timer(MetricCatalog.CDC_STAGE_LATENCY, MetricCatalog.STAGE, STAGE_CONSUMER_TO_APPLIED);
        this.createdMs = clock.millis();
        this.healthCheck = HealthCheck.of(config.name, this::health);
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Polls Kafka until {@link #close()}: parses, records, applies, dead-letters and commits. Call at most once, on a
     * thread the host owns. Returns normally after {@link #close()}; an unexpected failure (for example the consumer
     * lost its connection for good) is rethrown after the clients were closed, and the health check reports DOWN.
     *
     * @throws IllegalStateException if the processor was built without Kafka consumer properties, or already ran
     */
    @Override
    public void run() {
        if (config.consumerProperties == null) {
            throw new IllegalStateException("built without kafka consumer properties: use process(records) instead");
        }
        if (closed || !running.compareAndSet(false, true)) {
            throw new IllegalStateException("run() may be called once, and not after close()");
        }
        KafkaConsumer<byte[], byte[]> peek = null;
        try {
            consumer = new KafkaConsumer<>(config.consumerProperties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            peek = new KafkaConsumer<>(config.peekProperties(), new ByteArrayDeserializer(), new ByteArrayDeserializer());
            if (config.topicPattern != null) {
                consumer.subscribe(config.topicPattern, new Rebalance());
            } else {
                consumer.subscribe(config.topics, new Rebalance());
            }
            long now = clock.millis();
            lastProgressMs = now;
            lastRecordMs = now;
            while (!closing) {
                ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(config.pollTimeout);
                } catch (WakeupException e) {
                    continue;
                }
                lastPollMs = clock.millis();
                if (!records.isEmpty()) {
                    handlePoll(records);
                }
                refreshLag(peek);
            }
        } catch (WakeupException e) {
            if (!closing) {
                failure = e;
                throw e;
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            meters.recordFailure(COMPONENT, e);
            throw e;
        } finally {
            closeQuietly(peek);
            closeQuietly(consumer);
            closeQuietly(producer);
            removeAllLagGauges();
            stopped.countDown();
        }
    }

    private void handlePoll(ConsumerRecords<byte[], byte[]> records) {
        long consumedNanos = nanosNow();
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> list = records.records(tp);
            List<CdcRecord> batch = new ArrayList<>(list.size());
            for (ConsumerRecord<byte[], byte[]> r : list) {
                batch.add(CdcRecord.of(r.topic(), r.partition(), r.offset(), r.timestamp(), r.key(), r.value()));
            }
            boolean done;
            try {
                done = handleBatch(batch, consumedNanos, false);
            } catch (RetriableApplyException e) {
                done = false;
                warnOnce("retriable", "target unavailable, rewinding {} and retrying: {}", tp, e.getMessage());
            }
            if (done) {
                commit.put(tp, new OffsetAndMetadata(list.get(list.size() - 1).offset() + 1));
            } else {
                consumer.seek(tp, list.get(0).offset());
                backOff();
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
                lastProgressMs = clock.millis();
            } catch (WakeupException e) {
                throw e;
            } catch (RuntimeException e) {
                // e.g. a rebalance took the partitions away: the new owner re-applies (idempotent), nothing is lost
                meters.recordFailure(COMPONENT, e);
            }
        }
    }

    /**
     * Processes events that did not come through Kafka, typically from a Debezium embedded engine's
     * {@code ChangeConsumer.handleBatch} (then mark them processed after this returns). Parses, records, applies and
     * dead-letters exactly as the poll loop does. Thread-safe (batches are serialized).
     *
     * @throws CdcProcessingException if the applier kept reporting the target as unavailable, or the dead-letter
     *         topic could not be written; the batch must not be marked processed: offer it again (re-applying is
     *         idempotent)
     */
    public void process(List<CdcRecord> records) {
        Objects.requireNonNull(records, "records must not be null");
        if (closed) {
            throw new IllegalStateException("processor is closed");
        }
        if (records.isEmpty()) {
            return;
        }
        if (lastProgressMs < 0) {
            lastProgressMs = clock.millis();
        }
        lastPollMs = clock.millis();
        Exception last = null;
        for (int attempt = 0; attempt <= config.applyRetries; attempt++) {
            try {
                if (handleBatch(records, nanosNow(), true)) {
                    lastProgressMs = clock.millis();
                    return;
                }
                last = new IllegalStateException("dead-letter topic " + config.deadLetterTopic + " could not be written");
            } catch (RetriableApplyException e) {
                last = e;
            }
            backOff();
        }
        throw new CdcProcessingException("batch not processed after " + (config.applyRetries + 1) + " attempts: "
                + last.getMessage(), last);
    }

    /** Returns false when the batch must be redelivered (dead-letter topic unreachable). */
    private boolean handleBatch(List<CdcRecord> records, long consumedNanos, boolean embedded)
            throws RetriableApplyException {
        batchLock.lock();
        try {
            List<ChangeEvent> changes = applier == null ? null : new ArrayList<>(records.size());
            List<DeadLetter> dead = null;
            long nowMs = consumedNanos / 1_000_000L;
            for (CdcRecord r : records) {
                lastRecordMs = nowMs;
                ChangeEvent e;
                try {
                    e = parser.parse(r, applier != null);
                } catch (EnvelopeException ex) {
                    if (dead == null) {
                        dead = new ArrayList<>();
                    }
                    dead.add(new DeadLetter(r, ex.reason(), ex.getMessage()));
                    continue;
                }
                observe(e, consumedNanos);
                if (changes != null && e.kind() == ChangeEvent.Kind.CHANGE && e.operation() != Operation.MESSAGE) {
                    changes.add(e);
                }
            }
            if (changes != null && !changes.isEmpty()) {
                List<DeadLetter> rejected = apply(changes, consumedNanos);
                if (!rejected.isEmpty()) {
                    if (dead == null) {
                        dead = new ArrayList<>();
                    }
                    dead.addAll(rejected);
                }
            }
            if (dead != null) {
                return deadLetter(dead);
            }
            return true;
        } finally {
            batchLock.unlock();
        }
    }

    private void observe(ChangeEvent e, long consumedNanos) {
        CdcRecord r = e.record();
        long eventTs = e.eventTsNanos();
        if (r.timestampMs() > 0) {
            long brokerNanos = r.timestampMs() * 1_000_000L;
            brokerToConsumer.record(Math.max(0, consumedNanos - brokerNanos), TimeUnit.NANOSECONDS);
            if (eventTs > 0 && e.kind() == ChangeEvent.Kind.CHANGE) {
                connectorToBroker.record(Math.max(0, brokerNanos - eventTs), TimeUnit.NANOSECONDS);
            }
        }
        switch (e.kind()) {
            case HEARTBEAT:
                lastHeartbeatMs = consumedNanos / 1_000_000L;
                return;
            case CHANGE:
                lastChangeMs = consumedNanos / 1_000_000L;
                if (eventTs > 0 && e.sourceTsNanos() > 0) {
                    sourceToConnector.record(Math.max(0, eventTs - e.sourceTsNanos()), TimeUnit.NANOSECONDS);
                }
                eventCounter(e).increment();
                eventsProcessed.incrementAndGet();
                return;
            default:
                // tombstones and transaction boundaries: no meter of their own
        }
    }

    private Counter eventCounter(ChangeEvent e) {
        // fast path (under batchLock): consecutive events of one table reuse the counters without building a key
        int op = e.operation().ordinal();
        if (lastCounters != null && Objects.equals(e.table(), lastTable) && Objects.equals(e.schema(), lastSchema)
                && Objects.equals(e.sourceName(), lastSource) && Objects.equals(e.database(), lastDatabase)) {
            Counter c = lastCounters[op];
            if (c == null) {
                c = lookupEventCounter(e);
                lastCounters[op] = c;
            }
            return c;
        }
        Counter c = lookupEventCounter(e);
        lastSource = e.sourceName();
        lastSchema = e.schema();
        lastDatabase = e.database();
        lastTable = e.table();
        lastCounters = new Counter[Operation.values().length];
        lastCounters[op] = c;
        return c;
    }

    private Counter lookupEventCounter(ChangeEvent e) {
        String source = e.sourceName() == null ? "unknown" : e.sourceName();
        String table = e.qualifiedTable() == null ? "unknown" : e.qualifiedTable();
        String op = e.operation().tagValue();
        return eventCounters.computeIfAbsent(source + '\u0000' + table + '\u0000' + op,
                k -> meters.counter(MetricCatalog.CDC_EVENTS_PROCESSED,
                        MetricCatalog.SOURCE, source, MetricCatalog.TABLE, table, MetricCatalog.OPERATION, op));
    }

    private List<DeadLetter> apply(List<ChangeEvent> changes, long consumedNanos) throws RetriableApplyException {
        Exception last = null;
        for (int attempt = 0; attempt <= config.applyRetries; attempt++) {
            try {
                applier.apply(List.copyOf(changes));
                applied(changes, consumedNanos);
                return List.of();
            } catch (RetriableApplyException e) {
                throw e;
            } catch (Exception e) {
                last = e;
                if (attempt < config.applyRetries) {
                    backOff();
                }
            }
        }
        if (changes.size() == 1) {
            return List.of(new DeadLetter(changes.get(0).record(), DeadLetterReason.APPLY_FAILED, describe(last)));
        }
        // isolate the poison events: apply one by one, in order
        List<DeadLetter> rejected = new ArrayList<>();
        for (ChangeEvent e : changes) {
            try {
                applier.apply(List.of(e));
                applied(List.of(e), consumedNanos);
            } catch (RetriableApplyException ex) {
                throw ex;
            } catch (Exception ex) {
                rejected.add(new DeadLetter(e.record(), DeadLetterReason.APPLY_FAILED, describe(ex)));
            }
        }
        return rejected;
    }

    private void applied(List<ChangeEvent> changes, long consumedNanos) {
        long appliedNanos = nanosNow();
        consumerToApplied.record(Math.max(0, appliedNanos - consumedNanos), TimeUnit.NANOSECONDS);
        String lastKey = null;
        AtomicLong lastHolder = null;
        for (ChangeEvent e : changes) {
            if (e.sourceTsNanos() <= 0 || e.qualifiedTable() == null) {
                continue;
            }
            String source = e.qualifiedTable();
            String target;
            try {
                target = applier.targetTable(e);
            } catch (RuntimeException ex) {
                meters.recordFailure(COMPONENT, ex);
                continue;
            }
            String key = source + '\u0000' + target;
            if (!key.equals(lastKey)) {
                lastHolder = replicationLagNanos.computeIfAbsent(key, k -> {
                    AtomicLong holder = new AtomicLong();
                    meters.gauge(MetricCatalog.CDC_REPLICATION_LAG, holder, h -> h.get() / 1e9,
                            MetricCatalog.SOURCE_TABLE, source, MetricCatalog.TARGET_TABLE, target == null ? "unknown" : target);
                    return holder;
                });
                lastKey = key;
            }
            lastHolder.set(Math.max(0, appliedNanos - e.sourceTsNanos()));
        }
    }

    /** Sends dead letters; false when the dead-letter topic could not be written (the batch must be redelivered). */
    private boolean deadLetter(List<DeadLetter> dead) {
        for (DeadLetter d : dead) {
            if (config.deadLetterTopic != null) {
                try {
                    RecordHeaders headers = new RecordHeaders();
                    headers.add(DeadLetterReason.HEADER, utf8(d.reason));
                    headers.add(DeadLetterReason.ERROR_HEADER, utf8(d.error == null ? "" : d.error));
                    headers.add(DeadLetterReason.TOPIC_HEADER, utf8(d.record.topic()));
                    headers.add(DeadLetterReason.PARTITION_HEADER, utf8(Integer.toString(d.record.partition())));
                    headers.add(DeadLetterReason.OFFSET_HEADER, utf8(Long.toString(d.record.offset())));
                    producer().send(new ProducerRecord<>(config.deadLetterTopic, null, null,
                            d.record.key(), d.record.value(), headers)).get(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                } catch (Exception e) {
                    meters.recordFailure(COMPONENT, e);
                    return false;
                }
            } else {
                warnOnce("dlq-" + d.reason, "dropping a poison event (no dead-letter topic configured): {} reason={} {}",
                        d.record, d.reason, d.error);
            }
            deadLetterCounter(d.record.topic(), d.reason).increment();
            deadLettered.incrementAndGet();
        }
        return true;
    }

    private Counter deadLetterCounter(String topic, String reason) {
        return deadLetterCounters.computeIfAbsent(topic + '\u0000' + reason, k -> meters.counter(
                MetricCatalog.CDC_DEAD_LETTERS, MetricCatalog.TOPIC, topic, MetricCatalog.REASON, reason));
    }

    private KafkaProducer<byte[], byte[]> producer() {
        KafkaProducer<byte[], byte[]> p = producer;
        if (p == null) {
            p = new KafkaProducer<>(config.producerProperties, new ByteArraySerializer(), new ByteArraySerializer());
            producer = p;
        }
        return p;
    }

    private void refreshLag(KafkaConsumer<byte[], byte[]> peek) {
        long now = clock.millis();
        if (now < nextLagRefreshMs) {
            // between refreshes, the fetch responses' high watermark gives the lag in messages for free
            for (Map.Entry<TopicPartition, PartitionLag> en : lags.entrySet()) {
                consumer.currentLag(en.getKey()).ifPresent(en.getValue()::messages);
            }
            return;
        }
        nextLagRefreshMs = now + config.lagRefreshInterval.toMillis();
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
                peekTimestamps(peek, toPeek, now);
            }
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            meters.recordFailure(COMPONENT, e);
        }
    }

    /** Reads the timestamp of the record at each partition's position with the second consumer. */
    private void peekTimestamps(KafkaConsumer<byte[], byte[]> peek, Map<TopicPartition, Long> positions, long now) {
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

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            // nothing pending: each poll's offsets were committed synchronously before the next poll
            partitions.forEach(CdcEventProcessor.this::removeLagGauges);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            for (TopicPartition tp : partitions) {
                PartitionLag lag = new PartitionLag(clock);
                lags.put(tp, lag);
                String partition = Integer.toString(tp.partition());
                lagGauges.put(tp, List.of(
                        meters.gauge(MetricCatalog.CDC_CONSUMER_LAG, lag, l -> (double) l.messages(),
                                MetricCatalog.TOPIC, tp.topic(), MetricCatalog.PARTITION, partition),
                        meters.gauge(MetricCatalog.CDC_CONSUMER_LAG_SECONDS, lag, PartitionLag::seconds,
                                MetricCatalog.TOPIC, tp.topic(), MetricCatalog.PARTITION, partition)));
            }
            nextLagRefreshMs = 0;
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(CdcEventProcessor.this::removeLagGauges);
        }
    }

    private void removeLagGauges(TopicPartition tp) {
        lags.remove(tp);
        List<Gauge> gs = lagGauges.remove(tp);
        if (gs != null) {
            gs.forEach(meters::remove);
        }
    }

    private void removeAllLagGauges() {
        new ArrayList<>(lagGauges.keySet()).forEach(this::removeLagGauges);
    }

    /** The health check: see the class documentation of {@link Builder#heartbeatInterval(Duration)}. */
    public HealthCheck healthCheck() {
        return healthCheck;
    }

    private Health health() {
        long now = clock.millis();
        long stallMs = config.stallTimeout().toMillis();
        long lagMessages = 0;
        double lagSeconds = 0;
        for (PartitionLag l : lags.values()) {
            lagMessages += l.messages();
            lagSeconds = Math.max(lagSeconds, l.seconds());
        }
        Health.Builder b = Health.builder()
                .detail("lagMessages", lagMessages)
                .detail("lagSeconds", lagSeconds)
                .detail("eventsProcessed", eventsProcessed.get())
                .detail("deadLettered", deadLettered.get());
        if (lastHeartbeatMs > 0) {
            b.detail("lastHeartbeatAgeMs", now - lastHeartbeatMs);
        }
        if (closed) {
            return b.down("processor closed").build();
        }
        if (failure != null) {
            return b.down("poll loop failed: " + failure.getClass().getSimpleName()).build();
        }
        if (lastPollMs < 0) {
            if (now - createdMs > stallMs) {
                return b.down("not started: no poll or process call for " + (now - createdMs) + " ms").build();
            }
            return b.detail("state", "starting").build();
        }
        long sincePoll = now - lastPollMs;
        if (config.consumerProperties != null && running.get() && sincePoll > stallMs + config.pollTimeout.toMillis()) {
            b.down("poll loop stalled: no poll for " + sincePoll + " ms");
        }
        if (config.heartbeatInterval != null) {
            long sinceRecord = now - Math.max(lastRecordMs, Math.max(lastHeartbeatMs, createdMs));
            if (sinceRecord > stallMs) {
                b.down("stalled: no heartbeat or change event for " + sinceRecord + " ms (> 2 heartbeat intervals)");
            }
        }
        long sinceProgress = now - lastProgressMs;
        if (lagMessages > 0 && sinceProgress > stallMs) {
            b.down("stalled: " + lagMessages + " messages behind, no committed progress for " + sinceProgress + " ms");
        }
        boolean idle = lagMessages == 0 && (lastChangeMs < 0 || now - lastChangeMs > stallMs);
        return b.detail("state", idle ? "idle" : "streaming").build();
    }

    /** Change events counted so far (all partitions, both paths). */
    public long eventsProcessed() {
        return eventsProcessed.get();
    }

    /** Events dead-lettered so far. */
    public long deadLettered() {
        return deadLettered.get();
    }

    /**
     * Stops the poll loop (wakes the consumer), waits up to the configured close timeout for {@link #run()} to
     * return, closes the applier and removes this processor's meters. Idempotent; callable from any thread.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closing = true;
        KafkaConsumer<byte[], byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (running.get()) {
            try {
                if (!stopped.await(config.closeTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("cdc processor: poll loop did not stop within {}", config.closeTimeout);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            closeQuietly(producer);
        }
        closed = true;
        if (applier != null) {
            try {
                applier.close();
            } catch (RuntimeException e) {
                meters.recordFailure(COMPONENT, e);
            }
        }
        meters.close();
    }

    private void backOff() {
        try {
            Thread.sleep(config.retryBackoff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closing = true;
        }
    }

    private long nanosNow() {
        Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    private void warnOnce(String key, String format, Object... args) {
        if (warnedOnce.add(key)) {
            LOG.warn(format, args);
        } else {
            LOG.debug(format, args);
        }
    }

    private static String describe(Exception e) {
        String m = e == null ? null : e.getMessage();
        String s = e == null ? "unknown" : e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        return s.length() > 500 ? s.substring(0, 500) : s;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception ignored) {
                // closing on shutdown: nothing to do
            }
        }
    }

    @Override
    public String toString() {
        return "CdcEventProcessor{" + config.name + ", topics=" + (config.topicPattern != null ? config.topicPattern : config.topics) + "}";
    }

    private static final class DeadLetter {
        final CdcRecord record;
        final String reason;
        final String error;

        DeadLetter(CdcRecord record, String reason, String error) {
            this.record = record;
            this.reason = reason;
            this.error = error;
        }
    }

    /** Immutable configuration copied from the builder. */
    private static final class Config {
        String name;
        MeterRegistry registry;
        MetricsOptions metricsOptions;
        Map<String, Object> consumerProperties;
        Map<String, Object> producerProperties;
        List<String> topics;
        Pattern topicPattern;
        ChangeApplier applier;
        String deadLetterTopic;
        Duration heartbeatInterval;
        Duration stallTimeoutOverride;
        Duration lagRefreshInterval;
        Duration pollTimeout;
        Duration retryBackoff;
        Duration closeTimeout;
        int applyRetries;
        String heartbeatTopicPrefix;
        String transactionTopicSuffix;
        Clock clock;

        Duration stallTimeout() {
            if (stallTimeoutOverride != null) {
                return stallTimeoutOverride;
            }
            return heartbeatInterval != null ? heartbeatInterval.multipliedBy(2) : Duration.ofMinutes(1);
        }

        Map<String, Object> peekProperties() {
            Map<String, Object> p = new HashMap<>(consumerProperties);
            p.remove(ConsumerConfig.GROUP_ID_CONFIG);
            p.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
            p.remove(ConsumerConfig.GROUP_PROTOCOL_CONFIG);
            p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);
            p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 65_536);
            Object clientId = consumerProperties.get(ConsumerConfig.CLIENT_ID_CONFIG);
            if (clientId != null) {
                p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId + "-lag");
            }
            return p;
        }
    }

    /**
     * Builds a {@link CdcEventProcessor}. Not thread-safe; {@link #build()} validates eagerly and copies, so the
     * processor never shares state with the builder.
     */
    public static final class Builder {
        private String name = "cdc";
        private MeterRegistry registry;
        private MetricsOptions metricsOptions = MetricsOptions.defaults();
        private Map<String, Object> consumerProperties;
        private Map<String, Object> producerProperties;
        private final List<String> topics = new ArrayList<>();
        private Pattern topicPattern;
        private ChangeApplier applier;
        private String deadLetterTopic;
        private Duration heartbeatInterval;
        private Duration stallTimeout;
        private Duration lagRefreshInterval = Duration.ofSeconds(1);
        private Duration pollTimeout = Duration.ofMillis(500);
        private Duration retryBackoff = Duration.ofMillis(200);
        private Duration closeTimeout = Duration.ofSeconds(30);
        private int applyRetries = 2;
        private String heartbeatTopicPrefix = "__debezium-heartbeat";
        private String transactionTopicSuffix = ".transaction";
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Name of the health check (default {@code cdc}). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** The host's registry (required). */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = registry;
            return this;
        }

        /** Prefix and tag cap (default {@link MetricsOptions#defaults()}). */
        public Builder metricsOptions(MetricsOptions options) {
            this.metricsOptions = options;
            return this;
        }

        /**
         * Kafka consumer properties for {@link #run()}: {@code bootstrap.servers} and {@code group.id} are required;
         * {@code enable.auto.commit} is forced to false (it may not be set to true), deserializers are byte arrays.
         * Omit for a processor fed only through {@link CdcEventProcessor#process(List)}.
         */
        public Builder kafkaConsumer(Map<String, ?> properties) {
            this.consumerProperties = properties == null ? null : new HashMap<>(properties);
            return this;
        }

        /** Topics to subscribe to (Debezium data topics, plus the heartbeat and transaction topics if wanted). */
        public Builder topics(String... topics) {
            this.topics.addAll(List.of(topics));
            return this;
        }

        /** Topics to subscribe to (see {@link #topics(String...)}). */
        public Builder topics(Collection<String> topics) {
            this.topics.addAll(topics);
            return this;
        }

        /** A pattern subscription instead of {@link #topics(String...)}, e.g. {@code server\\..*|__debezium-heartbeat\\..*}. */
        public Builder topicPattern(Pattern pattern) {
            this.topicPattern = pattern;
            return this;
        }

        /** Applies changes to a target; without one the processor only observes. */
        public Builder applier(ChangeApplier applier) {
            this.applier = applier;
            return this;
        }

        /**
         * Topic that receives poison events (original key and value, reason in headers). Without one, poison events
         * are counted, logged and skipped.
         */
        public Builder deadLetterTopic(String topic) {
            this.deadLetterTopic = topic;
            return this;
        }

        /** Producer properties for the dead-letter topic; default: the consumer's {@code bootstrap.servers}, acks=all. */
        public Builder kafkaProducer(Map<String, ?> properties) {
            this.producerProperties = properties == null ? null : new HashMap<>(properties);
            return this;
        }

        /**
         * The connector's {@code heartbeat.interval.ms}. When set, the health check is DOWN when neither a heartbeat
         * nor a change event arrived for two intervals (Debezium emits heartbeats while the source is idle, so their
         * absence means a stalled connector, broker or poll loop); idle with heartbeats flowing is UP.
         */
        public Builder heartbeatInterval(Duration interval) {
            this.heartbeatInterval = interval;
            return this;
        }

        /** How long without progress counts as stalled; default 2 heartbeat intervals, or 1 minute without heartbeats. */
        public Builder stallTimeout(Duration timeout) {
            this.stallTimeout = timeout;
            return this;
        }

        /** How often the poll loop refreshes end offsets and peeks at the oldest unconsumed record (default 1 s). */
        public Builder lagRefreshInterval(Duration interval) {
            this.lagRefreshInterval = interval;
            return this;
        }

        /** {@code poll} timeout (default 500 ms); also bounds the lag refresh's remote calls. */
        public Builder pollTimeout(Duration timeout) {
            this.pollTimeout = timeout;
            return this;
        }

        /** Retries of a failing batch before the events are applied one by one (default 2). */
        public Builder applyRetries(int retries) {
            this.applyRetries = retries;
            return this;
        }

        /** Back-off between apply retries, on the processing thread (default 200 ms). */
        public Builder retryBackoff(Duration backoff) {
            this.retryBackoff = backoff;
            return this;
        }

        /** How long {@link CdcEventProcessor#close()} waits for the poll loop (default 30 s). */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = timeout;
            return this;
        }

        /** Heartbeat topic prefix (Debezium's {@code topic.heartbeat.prefix}, default {@code __debezium-heartbeat}). */
        public Builder heartbeatTopicPrefix(String prefix) {
            this.heartbeatTopicPrefix = prefix;
            return this;
        }

        /** Suffix of the transaction metadata topic (default {@code .transaction}). */
        public Builder transactionTopicSuffix(String suffix) {
            this.transactionTopicSuffix = suffix;
            return this;
        }

        /** Clock for lag and latency (default UTC system clock). */
        public Builder clock(Clock clock) {
            this.clock = clock;
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the offending field
         */
        public CdcEventProcessor build() {
            require(registry != null, "meterRegistry is required");
            require(metricsOptions != null, "metricsOptions must not be null");
            require(clock != null, "clock must not be null");
            require(name != null && !name.isBlank(), "name must not be blank");
            positive(lagRefreshInterval, "lagRefreshInterval");
            positive(pollTimeout, "pollTimeout");
            positive(closeTimeout, "closeTimeout");
            require(retryBackoff != null && !retryBackoff.isNegative(), "retryBackoff must be >= 0");
            require(applyRetries >= 0, "applyRetries must be >= 0, was " + applyRetries);
            if (heartbeatInterval != null) {
                positive(heartbeatInterval, "heartbeatInterval");
            }
            if (stallTimeout != null) {
                positive(stallTimeout, "stallTimeout");
            }
            Config c = new Config();
            if (consumerProperties != null) {
                require(!topics.isEmpty() || topicPattern != null, "topics or topicPattern is required with kafkaConsumer");
                require(topics.isEmpty() || topicPattern == null, "set either topics or topicPattern, not both");
                topics.forEach(t -> require(t != null && !t.isBlank(), "topics must not contain blank names"));
                require(heartbeatInterval == null || topicPattern != null || heartbeatTopicPrefix == null
                                || topics.stream().anyMatch(t -> t.startsWith(heartbeatTopicPrefix)),
                        "heartbeatInterval needs the heartbeat topic (" + heartbeatTopicPrefix + ".<topic.prefix>) among topics,"
                                + " or idle would look stalled");
                require(present(consumerProperties, ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG),
                        "kafkaConsumer: bootstrap.servers is required");
                require(present(consumerProperties, ConsumerConfig.GROUP_ID_CONFIG),
                        "kafkaConsumer: group.id is required (offsets are committed after apply)");
                Object auto = consumerProperties.get(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG);
                require(auto == null || "false".equalsIgnoreCase(String.valueOf(auto)),
                        "kafkaConsumer: enable.auto.commit must be false (offsets are committed after apply)");
                require(!consumerProperties.containsKey(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG)
                                && !consumerProperties.containsKey(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG),
                        "kafkaConsumer: key/value deserializers are set by the processor (byte arrays)");
                Map<String, Object> cp = new HashMap<>(consumerProperties);
                cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
                cp.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                c.consumerProperties = Map.copyOf(cp);
            } else {
                require(topics.isEmpty() && topicPattern == null, "topics need kafkaConsumer properties");
            }
            if (deadLetterTopic != null) {
                require(!deadLetterTopic.isBlank(), "deadLetterTopic must not be blank");
                Map<String, Object> pp = producerProperties != null ? new HashMap<>(producerProperties) : new HashMap<>();
                if (!present(pp, ProducerConfig.BOOTSTRAP_SERVERS_CONFIG) && consumerProperties != null) {
                    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, consumerProperties.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG));
                    for (Map.Entry<String, Object> e : consumerProperties.entrySet()) {
                        // carry security settings (never logged)
                        if (e.getKey().startsWith("security.") || e.getKey().startsWith("sasl.") || e.getKey().startsWith("ssl.")) {
                            pp.putIfAbsent(e.getKey(), e.getValue());
                        }
                    }
                }
                require(present(pp, ProducerConfig.BOOTSTRAP_SERVERS_CONFIG),
                        "deadLetterTopic needs bootstrap.servers in kafkaProducer or kafkaConsumer properties");
                pp.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
                pp.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
                pp.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
                c.producerProperties = Map.copyOf(pp);
            }
            c.name = name;
            c.registry = registry;
            c.metricsOptions = metricsOptions;
            c.topics = List.copyOf(topics);
            c.topicPattern = topicPattern;
            c.applier = applier;
            c.deadLetterTopic = deadLetterTopic;
            c.heartbeatInterval = heartbeatInterval;
            c.stallTimeoutOverride = stallTimeout;
            c.lagRefreshInterval = lagRefreshInterval;
            c.pollTimeout = pollTimeout;
            c.retryBackoff = retryBackoff;
            c.closeTimeout = closeTimeout;
            c.applyRetries = applyRetries;
            c.heartbeatTopicPrefix = heartbeatTopicPrefix;
            c.transactionTopicSuffix = transactionTopicSuffix;
            c.clock = clock;
            return new CdcEventProcessor(c);
        }

        private static boolean present(Map<String, Object> props, String key) {
            Object v = props.get(key);
            return v != null && !String.valueOf(v).isBlank();
        }

        private static void positive(Duration d, String field) {
            require(d != null && !d.isNegative() && !d.isZero(), field + " must be positive, was " + d);
        }

        private static void require(boolean ok, String message) {
            if (!ok) {
                throw new IllegalArgumentException(message);
            }
        }
    }
}
