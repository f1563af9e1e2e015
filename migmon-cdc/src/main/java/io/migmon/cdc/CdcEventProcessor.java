package io.migmon.cdc;

import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.cdc.spi.RetriableApplyException;
import io.migmon.core.anomaly.AnomalyDetector;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.anomaly.ErrorRateDetector;
import io.migmon.core.anomaly.LagTrendDetector;
import io.migmon.core.anomaly.StallDetector;
import io.migmon.core.anomaly.ThroughputBaselineDetector;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.Instrumentation;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.support.Require;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Consumes Debezium change events, records what happens to them in the host's {@link MeterRegistry}, applies them
 * through an optional {@link ChangeApplier}, and dead-letters poison events.
 *
 * <p><b>Threads.</b> The host owns the thread: submit the processor ({@link Runnable}) to an executor of yours;
 * {@link #run()} polls Kafka until {@link #close()} is called from any thread. Besides the threads the Kafka clients
 * start internally (consumer heartbeat/background thread, producer sender for the dead-letter topic), migmon starts
 * at most three: the anomaly sampler when {@link Builder#anomalyMonitor(AnomalyMonitor)} is set; the lag thread
 * {@code migmon-cdc-lag-<name>} (a daemon, started by {@link #run()}, stopped when it returns) that reads end offsets
 * and the oldest waiting record every {@link Builder#lagRefreshInterval(Duration) lag refresh interval} with a
 * group-less consumer of its own, so lag stays current while the poll thread is held in a long apply; and, with an
 * {@link Builder#applier(ChangeApplier) applier}, the apply thread {@code migmon-cdc-apply-<name>} (a daemon, started
 * by {@link #run()}, stopped when it returns): it runs the database round trip of one poll while the poll thread
 * fetches and parses the next (retries, one-by-one isolation of poison events, dead letters and offset commits stay
 * on the poll thread; at most one poll is in hand, its offsets are committed only after the target committed).
 * Events that do not travel through Kafka (a Debezium embedded engine) go through {@link #process(List)}
 * instead, entirely on the caller's thread (redeliveries told by the PostgreSQL {@code source.sequence}, as there
 * is no Kafka offset).
 *
 * <p><b>Delivery.</b> Offsets are committed (synchronously) only after the events of a poll were applied or
 * dead-lettered, so delivery to the applier is at least once; appliers must be idempotent. A transient applier
 * failure ({@link RetriableApplyException}) rewinds the partition and retries after a back-off.
 *
 * <p><b>Meters</b> (all from {@link MetricCatalog}): {@code cdc_events_processed_total{source,table,operation}},
 * {@code cdc_consumer_lag_messages} and {@code cdc_consumer_lag_seconds} per assigned partition,
 * {@code cdc_replication_lag_seconds{source_table,target_table}} (with an applier),
 * {@code cdc_stage_latency_seconds{stage}}, {@code cdc_dead_letters_total{topic,reason}}. Every meter carries the
 * processor's name as tag {@code processor}, so processors sharing a registry share no meter and {@link #close()}
 * removes only its own: give each processor of a registry its own name. Build with {@link #builder()}.
 *
 * <p><b>Anomaly detection</b> (opt-in, {@link Builder#anomalyMonitor(AnomalyMonitor)}): the same
 * {@link AnomalyMonitor} and detectors that watch a migration watch the pipeline. A sampler thread of the processor's
 * own (the one thread migmon starts, only when a monitor is set) feeds it every
 * {@link Builder#anomalySampleInterval(Duration) interval} with events applied (observed without an applier), dead
 * letters as errors and the overall replication lag; {@link #defaultAnomalyDetectors()} are the detectors suited to
 * a pipeline that can be idle.
 */
public final class CdcEventProcessor implements Runnable, Closeable {

    private static final Logger LOG = LoggerFactory.getLogger(CdcEventProcessor.class);

    /** Stage tag values of {@code cdc_stage_latency_seconds}. */
    public static final String STAGE_SOURCE_TO_CONNECTOR = "source_to_connector";
    /** See {@link #STAGE_SOURCE_TO_CONNECTOR}. */
    public static final String STAGE_CONNECTOR_TO_BROKER = "connector_to_broker";
    /** See {@link #STAGE_SOURCE_TO_CONNECTOR}. */
    public static final String STAGE_BROKER_TO_CONSUMER = "broker_to_consumer";
    /** See {@link #STAGE_SOURCE_TO_CONNECTOR}. */
    public static final String STAGE_CONSUMER_TO_APPLIED = "consumer_to_applied";

    private final ProcessorConfig config;
    private final CdcMeters meters;
    private final ProgressTracker progress;
    private final ProcessorHealth health;
    private final DeadLetterPublisher deadLetters;
    private final ChangePipeline pipeline;
    private final LagProbe lag;
    private final PollLoop loop;
    private final HealthCheck healthCheck;
    /** Feeds the anomaly monitor, when one was set; null otherwise. */
    private AnomalySampler anomalies;
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    /** {@code process(...)} calls in progress (guarded by itself; {@link #close()} waits for 0). */
    private final int[] inProcess = new int[1];

    private CdcEventProcessor(ProcessorConfig config) {
        this.config = config;
        this.progress = new ProgressTracker(config);
        this.health = new ProcessorHealth(config);
        health.progress(progress);
        this.meters = new CdcMeters(config, progress, health::up);
        this.deadLetters = new DeadLetterPublisher(config, meters);
        this.pipeline = new ChangePipeline(config, meters, deadLetters, health, progress);
        this.lag = new LagProbe(config, meters, progress);
        if (config.applier != null) {
            this.lag.pairs = pipeline::pairOf; // observe-only processors register no table pair
        }
        this.loop = config.consumesKafka() ? new PollLoop(config, pipeline, lag, health, meters) : null;
        this.healthCheck = HealthCheck.of(config.name, this::health);
    }

    private CdcEventProcessor withAnomalies(AnomalyMonitor monitor, Duration interval) {
        if (monitor != null) {
            anomalies = new AnomalySampler(config, monitor, interval, meters, pipeline::eventsProcessed,
                    pipeline::deadLettered, () -> progress.stalenessSeconds(null));
        }
        return this;
    }

    /**
     * The detectors {@code AnomalyMonitor.defaultDetectors()} adds, with the stall detector told that a replication
     * lag of exactly 0 means "nothing waits" ({@link StallDetector.Builder#idleAtZeroLag(boolean)}): an idle pipeline
     * whose heartbeats confirm the target is current is not stalled, one whose changes wait unapplied (target down,
     * hung apply, connector or broker silent: the lag grows) is. Add them to the monitor given to
     * {@link Builder#anomalyMonitor(AnomalyMonitor)}: {@code defaultAnomalyDetectors().forEach(builder::detector)}.
     * Templates (the monitor works on fresh copies); a new list on every call.
     */
    public static List<AnomalyDetector> defaultAnomalyDetectors() {
        return List.of(ThroughputBaselineDetector.drops().build(), ThroughputBaselineDetector.spikes().build(),
                ErrorRateDetector.builder().build(), StallDetector.builder().idleAtZeroLag(true).build(),
                LagTrendDetector.builder().build());
    }

    /** Takes one anomaly sample now, off schedule (tests); no-op without a monitor. */
    void sampleAnomalies() {
        AnomalySampler a = anomalies;
        if (a != null) {
            a.sample();
        }
    }

    /** A builder for a processor named {@code cdc} (the name of its health check). */
    public static Builder builder() {
        return new Builder("cdc");
    }

    /**
     * A builder.
     *
     * @param name the processor's name: the name of its health check and its meters' {@code processor} tag
     *             (unique among the live processors of one registry: {@link Builder#build()} fails naming
     *             {@code name} when another processor of that name has not been closed; a closed one's name may be
     *             reused)
     * @throws IllegalArgumentException if {@code name} is blank
     */
    public static Builder builder(String name) {
        return new Builder(name);
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
        if (loop == null) {
            throw new IllegalStateException("built without kafka consumer properties: use process(records) instead");
        }
        if (health.closed || !started.compareAndSet(false, true)) {
            throw new IllegalStateException("run() may be called once, and not after close()");
        }
        health.running = true;
        try {
            loop.run();
        } finally {
            deadLetters.close();
            health.running = false;
            stopped.countDown();
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
        if (health.closed) {
            throw new IllegalStateException("processor is closed");
        }
        if (records.isEmpty()) {
            return;
        }
        // counted before the pipeline's closing flag is read (in handle): close() either sees this call and waits
        // for it, or this call sees the flag and makes no apply
        synchronized (inProcess) {
            inProcess[0]++;
        }
        try {
            processCounted(records);
        } finally {
            synchronized (inProcess) {
                inProcess[0]--;
                inProcess.notifyAll();
            }
        }
    }

    private void processCounted(List<CdcRecord> records) {
        if (health.lastProgressMs < 0) {
            health.lastProgressMs = config.clock.millis();
        }
        health.lastPollMs = config.clock.millis();
        Exception last = null;
        for (int attempt = 0; attempt <= config.applyRetries; attempt++) {
            try {
                if (pipeline.handle(records, pipeline.nanosNow())) {
                    health.lastProgressMs = config.clock.millis();
                    pipeline.completed(records);
                    return;
                }
                last = new IllegalStateException(pipeline.blockedReason);
            } catch (RetriableApplyException e) {
                last = e;
            }
            pipeline.rewound(records, pipeline.blockedReason);
            if (pipeline.closing()) {
                break; // close(): no retry
            }
            pipeline.backOff();
        }
        if (pipeline.closing()) {
            throw new CdcProcessingException("batch not processed: processor closing (" + last.getMessage() + ")", last);
        }
        throw new CdcProcessingException("batch not processed after " + (config.applyRetries + 1) + " attempts: "
                + last.getMessage(), last);
    }

    /** The watermarks the lag gauges are computed from (tests, diagnostics). */
    ProgressTracker progress() {
        return progress;
    }

    /** The pipeline (tests). */
    ChangePipeline pipeline() {
        return pipeline;
    }

    /** The health check: see the class documentation of {@link Builder#heartbeatInterval(Duration)}. */
    public HealthCheck healthCheck() {
        return healthCheck;
    }

    private Health health() {
        return health.check(pipeline.eventsProcessed(), pipeline.deadLettered(), pipeline.blockedReason);
    }

    /** Change events counted so far (all partitions, both paths). */
    public long eventsProcessed() {
        return pipeline.eventsProcessed();
    }

    /** Events dead-lettered so far. */
    public long deadLettered() {
        return pipeline.deadLettered();
    }

    /**
     * The source commit time up to which every change this processor has seen is applied to the target: just before
     * the oldest change that waits (in hand, or behind a partition's end offset) when one does, else the last
     * confirmed source time (the newest applied change, or the newest heartbeat's own timestamp, whichever is later).
     * The complement of {@code cdc_replication_lag_seconds}: when changes wait, lag = now − watermark. Empty until a
     * change or heartbeat was seen. With observe-only processing (no applier) "applied" means observed. Thread-safe.
     */
    public Optional<Instant> appliedWatermark() {
        return progress.appliedWatermark();
    }

    /** Topics of the partitions a {@code process(...)} host declared assigned (guarded by itself). */
    private final java.util.Set<String> declaredTopics = new java.util.LinkedHashSet<>();

    /**
     * For a host that consumes Kafka itself and feeds {@link #process(List)}: the partitions its consumer was just
     * assigned (call it from its {@code ConsumerRebalanceListener.onPartitionsAssigned}, as the processor's own poll
     * loop does). With the partitions of a table's topic known, arrival order on them is evidence: an {@code END}
     * record of a transaction older than the ones remembered is not held once every known partition of its table
     * delivered a later change. Without the declaration such an {@code END} (its topic trailing the data by more
     * than 4,096 transactions) holds the table's lag at its commit time until the table's partitions are caught up
     * or the hold is given up (10 stall timeouts): an over-read, logged once (CdcOverreadTest finding 3).
     * Declare every assigned partition: data, transaction metadata and heartbeat topics (once any is declared, a
     * table whose topic has no partition declared is taken as another member's: its {@code END}s hold nothing).
     * Cumulative; see {@link #partitionsRevoked(Collection)}. With end offsets given ({@link #endOffset}), a data
     * partition new to this processor at the declaration (or declared again after being revoked) is not confirmed
     * current (its replication lag never 0) until a heartbeat or {@code END} processed after the declaration is
     * proven by an end offset requested after it. Call it from the thread that calls
     * {@code process(...)}, between calls (a rebalance listener runs inside the host's {@code poll}).
     * For an embedded engine there is nothing to declare (its one ordered stream is evidence already).
     *
     * @throws NullPointerException if {@code partitions} or one of them is null
     * @throws IllegalStateException if this processor runs its own consumer ({@link Builder#kafkaConsumer(Map)}:
     *         its poll loop declares them), or is closed
     */
    public void partitionsAssigned(Collection<org.apache.kafka.common.TopicPartition> partitions) {
        List<org.apache.kafka.common.TopicPartition> list = declared(partitions);
        java.util.Set<String> topics;
        synchronized (declaredTopics) {
            list.forEach(tp -> declaredTopics.add(tp.topic()));
            topics = java.util.Set.copyOf(declaredTopics);
        }
        lag.assigned(list);
        pipeline.assigned(list, topics);
    }

    /**
     * For a host feeding {@link #process(List)}: partitions its consumer lost or gave up (its
     * {@code onPartitionsRevoked} / {@code onPartitionsLost}, after the last {@code process(...)} call for them
     * returned). Their lag series stop (another member reads them), as with the processor's own poll loop.
     *
     * @throws NullPointerException if {@code partitions} or one of them is null
     * @throws IllegalStateException if this processor runs its own consumer, or is closed
     */
    public void partitionsRevoked(Collection<org.apache.kafka.common.TopicPartition> partitions) {
        List<org.apache.kafka.common.TopicPartition> list = declared(partitions);
        lag.revoked(list);
        pipeline.revoked(list);
    }

    /**
     * For a host feeding {@link #process(List)} with Kafka records: the end offset (log end offset, or high
     * watermark under {@code read_committed}) of one partition, as its consumer read it at {@code requestedAt} or
     * later ({@code Consumer.endOffsets}, or {@code position + currentLag}). Without end offsets a heartbeat read
     * ahead of the data cannot prove a data partition caught up and the replication lag trusts arrival order: it
     * reads 0 while changes wait unread at the broker (CdcOverreadTest finding 2, a documented limit). Once a data
     * partition has an end offset, a heartbeat confirms it current only through an end offset requested after the
     * heartbeat arrived that shows the partition caught up, as in the poll loop: an over-read of at most the
     * interval between two such calls, never an under-read. Call it for every assigned partition, regularly (every
     * second, as the poll loop's lag refresh interval): an end offset not refreshed keeps the last confirmation.
     *
     * @param requestedAt when the end offset was requested (before or at the read; the processor's clock)
     * @throws NullPointerException if {@code topic} or {@code requestedAt} is null
     * @throws IllegalArgumentException if {@code partition} or {@code endOffset} is negative
     * @throws IllegalStateException if this processor runs its own consumer, or is closed
     */
    public void endOffset(String topic, int partition, long endOffset, Instant requestedAt) {
        Objects.requireNonNull(topic, "topic must not be null");
        Objects.requireNonNull(requestedAt, "requestedAt must not be null");
        if (partition < 0) {
            throw new IllegalArgumentException("partition must be >= 0, was " + partition);
        }
        if (endOffset < 0) {
            throw new IllegalArgumentException("endOffset must be >= 0, was " + endOffset);
        }
        hostFeeds();
        PartitionProgress p = progress.partition(new org.apache.kafka.common.TopicPartition(topic, partition));
        p.end(endOffset, config.clock.millis());
        long at = requestedAt.toEpochMilli();
        synchronized (p) {
            if (at > p.endReadMs) {
                p.endReadMs = at;
            }
        }
    }

    private List<org.apache.kafka.common.TopicPartition> declared(
            Collection<org.apache.kafka.common.TopicPartition> partitions) {
        Objects.requireNonNull(partitions, "partitions must not be null");
        List<org.apache.kafka.common.TopicPartition> list = new ArrayList<>(partitions.size());
        for (org.apache.kafka.common.TopicPartition tp : partitions) {
            list.add(Objects.requireNonNull(tp, "partitions must not contain null"));
        }
        hostFeeds();
        return list;
    }

    private void hostFeeds() {
        if (health.closed) {
            throw new IllegalStateException("processor is closed");
        }
        if (loop != null) {
            throw new IllegalStateException("this processor runs its own Kafka consumer (kafkaConsumer(...)): its"
                    + " poll loop declares partitions and reads end offsets; only a process(...) host calls this");
        }
    }

    /**
     * Stops the poll loop (wakes the consumer), waits up to the configured close timeout for {@link #run()} to
     * return, closes the applier and removes this processor's meters. Idempotent; callable from any thread. A retry
     * back-off in progress ends at once and no further retry or one-by-one isolation of the batch in hand is made: it
     * is left uncommitted (redelivered to the next owner) and no {@code apply} call follows the return of
     * {@code close()} on the poll loop's side; a {@code process(...)} call retrying meanwhile throws
     * {@link CdcProcessingException}. An apply already running in a {@code process(...)} call (on the host's thread)
     * is waited for, up to the close timeout, before the applier is closed (beyond it a WARN is logged and the
     * applier closed anyway). A batch whose apply fails once closing has begun is never dead-lettered (the
     * dead-letter producer is closing too, and the failure may be the shutdown's): it is left uncommitted, and
     * {@code process(...)} throws {@link CdcProcessingException}.
     */
    @Override
    public void close() {
        if (health.closed) {
            return;
        }
        pipeline.close(); // a back-off ends, retries and isolation stop (the batch is redelivered)
        if (loop != null) {
            loop.stop();
        }
        // a poll thread blocked in a dead-letter send (waiting up to max.block.ms for a missing topic) is not woken by
        // the consumer's wakeup: closing the producer fails that send (nothing committed, redelivered to the next owner)
        deadLetters.close();
        if (started.get()) {
            try {
                if (!stopped.await(config.closeTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warn("cdc processor {}: poll loop did not stop within {}", config.name, config.closeTimeout);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            deadLetters.close();
        }
        awaitProcessCalls();
        health.closed = true;
        if (anomalies != null) {
            anomalies.close();
        }
        if (config.applier != null) {
            try {
                config.applier.close();
            } catch (RuntimeException e) {
                meters.recordFailure(e);
            }
        }
        meters.close();
    }

    /**
     * Waits up to the close timeout for {@code process(...)} calls in progress (an apply on a host's thread): the
     * applier is closed after them, not beneath them. Once closing they make no further attempt, so this is one
     * apply call at most.
     */
    private void awaitProcessCalls() {
        long deadline = System.nanoTime() + config.closeTimeout.toNanos();
        synchronized (inProcess) {
            long left;
            while (inProcess[0] > 0 && (left = deadline - System.nanoTime()) > 0) {
                try {
                    TimeUnit.NANOSECONDS.timedWait(inProcess, left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (inProcess[0] > 0) {
                LOG.warn("cdc processor {}: {} process(...) call(s) still applying after {}: closing the applier",
                        config.name, inProcess[0], config.closeTimeout);
            }
        }
    }

    @Override
    public String toString() {
        return "CdcEventProcessor{" + config.name + ", topics=" + config.subscription() + "}";
    }

    /**
     * Builds a {@link CdcEventProcessor}. Not thread-safe; {@link #build()} validates eagerly and copies, so the
     * processor never shares state with the builder.
     */
    public static final class Builder {
        private final String name;
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
        private Duration lagProbeTimeout;
        private Duration retryBackoff = Duration.ofMillis(200);
        private Duration closeTimeout = Duration.ofSeconds(30);
        private int applyRetries = 2;
        private String heartbeatTopicPrefix = "__debezium-heartbeat";
        private String transactionTopicSuffix = ".transaction";
        private boolean transformationsDropChanges;
        private Clock clock = Clock.systemUTC();
        private LongSupplier monotonicNanos;
        private KafkaClientFactory clients = KafkaClientFactory.DEFAULT;
        private AnomalyMonitor anomalyMonitor;
        private Duration anomalySampleInterval = Duration.ofSeconds(5);

        private Builder(String name) {
            this.name = Require.notBlank(name, "name");
        }

        /** Registry, metric options and clock in one value (sets all three). */
        public Builder instrumentation(Instrumentation instrumentation) {
            Require.notNull(instrumentation, "instrumentation");
            this.registry = instrumentation.registry();
            this.metricsOptions = instrumentation.options();
            this.clock = instrumentation.clock();
            return this;
        }

        /** The host's registry (required; shortcut for part of {@link #instrumentation}). */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Require.notNull(registry, "meterRegistry");
            return this;
        }

        /** Prefix and tag cap (default {@link MetricsOptions#defaults()}; shortcut for part of {@link #instrumentation}). */
        public Builder metricsOptions(MetricsOptions options) {
            this.metricsOptions = Require.notNull(options, "metricsOptions");
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

        /**
         * A pattern subscription instead of {@link #topics(String...)}, e.g. {@code server\\..*|__debezium-heartbeat\\..*}.
         * The {@link #deadLetterTopic(String) dead-letter topic} is never subscribed, even if the pattern matches it
         * (its records would be dead-lettered again, without end).
         */
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
         * are counted, logged and skipped. It must not be among {@link #topics(String...)} (the build fails naming it);
         * a {@link #topicPattern(Pattern)} that matches it skips it.
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
            this.heartbeatInterval = Require.positive(interval, "heartbeatInterval");
            return this;
        }

        /** How long without progress counts as stalled; default 2 heartbeat intervals, or 1 minute without heartbeats. */
        public Builder stallTimeout(Duration timeout) {
            this.stallTimeout = Require.positive(timeout, "stallTimeout");
            return this;
        }

        /**
         * How often the lag thread refreshes end offsets and peeks at the oldest unconsumed record, and the poll
         * thread refreshes positions (default 1 s).
         */
        public Builder lagRefreshInterval(Duration interval) {
            this.lagRefreshInterval = Require.positive(interval, "lagRefreshInterval");
            return this;
        }

        /** {@code poll} timeout (default 500 ms). */
        public Builder pollTimeout(Duration timeout) {
            this.pollTimeout = Require.positive(timeout, "pollTimeout");
            return this;
        }

        /**
         * Bound of each remote request of the lag probe (end offsets, metadata, the read of the oldest waiting
         * record), which runs on the processor's lag thread, not the poll thread. Default: half the stall timeout,
         * at least the poll timeout and 1 s, at most the consumer's {@code default.api.timeout.ms} (one heartbeat
         * interval with heartbeats). Must be shorter than the stall timeout: a request that takes longer says
         * nothing before the broker is judged.
         */
        public Builder lagProbeTimeout(Duration timeout) {
            this.lagProbeTimeout = Require.positive(timeout, "lagProbeTimeout");
            return this;
        }

        /** Retries of a failing batch before the events are applied one by one (default 2). */
        public Builder applyRetries(int retries) {
            this.applyRetries = Require.atLeast(retries, 0, "applyRetries");
            return this;
        }

        /** Back-off between apply retries, on the processing thread (default 200 ms). */
        public Builder retryBackoff(Duration backoff) {
            this.retryBackoff = Require.nonNegative(backoff, "retryBackoff");
            return this;
        }

        /** How long {@link CdcEventProcessor#close()} waits for the poll loop (default 30 s). */
        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = Require.positive(timeout, "closeTimeout");
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

        /**
         * Declares that a Kafka Connect transformation between Debezium and this processor drops some changes that
         * Debezium counted in the transaction topic's {@code END} records (a {@code Filter} SMT on the data topics,
         * not on the transaction topic), so a transaction's changes seen never reach its {@code event_count} (default
         * false).
         *
         * <p>By default an {@code END} whose changes of a table were not all seen holds that table's replication lag
         * at least at {@code now - its commit time} until they arrive, and ends only on positive evidence (all its
         * changes counted, a later change on every partition of the table assigned here, the partitions caught up for
         * an {@code END} that may be a redelivery, a dead letter naming the transaction); else it is given up 10
         * stall timeouts after the last of its changes arrived, counted in
         * {@code cdc_transactions_evicted_total{reason="unseen"}}. With changes dropped on purpose every such
         * transaction reads that over-read: a table changed steadily reads about 10 stall timeouts (40 s at 2 s
         * heartbeats) for good. With this option, a hold some of whose changes arrived also ends, after the stall
         * timeout, once a change of the table from a later transaction arrived on every partition its changes came
         * on. Cost: a change of it held back on a partition none of its changes came on reads current meanwhile (an
         * under-read, attack 9 finding 1 of issue 11); leave it off unless changes are dropped.
         *
         * @throws IllegalArgumentException at {@link #build()} when {@link #transactionTopicSuffix} is null, or the
         *         processor consumes Kafka topics by name and none of them is a transaction topic ({@code <topic.prefix>} + {@link #transactionTopicSuffix}): the
         *         option would change nothing
         */
        public Builder transformationsDropChanges(boolean drop) {
            this.transformationsDropChanges = drop;
            return this;
        }

        /**
         * Feeds this monitor (opt-in; default none) so that the same detectors that watch migrations watch the
         * pipeline: every {@link #anomalySampleInterval(Duration)} a sampler thread owned by the processor (a daemon
         * thread, started by {@code build()}, stopped by {@code close()}; not the poll thread, so a hung apply is
         * still judged) feeds {@code Sample.of(now, events applied, dead letters, replication lag seconds)}: events
         * counted once each when applied (observed without an applier), dead letters as errors, the overall
         * {@code cdc_replication_lag_seconds}. A failing sample is counted and logged once, never thrown.
         * {@code close()} resolves what still fires ("processor ... closed"). The host owns the monitor (its
         * listeners, health check, meters); use {@link CdcEventProcessor#defaultAnomalyDetectors()} for a pipeline
         * that can be idle.
         */
        public Builder anomalyMonitor(AnomalyMonitor monitor) {
            this.anomalyMonitor = Require.notNull(monitor, "anomalyMonitor");
            return this;
        }

        /** How often the anomaly monitor is fed (default 5 s; any interval the detectors accept, 1 s to 60 s). */
        public Builder anomalySampleInterval(Duration interval) {
            this.anomalySampleInterval = Require.positive(interval, "anomalySampleInterval");
            return this;
        }

        /** The factory of the Kafka clients (tests: kafka-clients' mock consumer and producer). */
        Builder kafkaClients(KafkaClientFactory factory) {
            this.clients = Objects.requireNonNull(factory, "kafkaClients");
            return this;
        }

        /** Clock for lag and latency (default UTC system clock). */
        public Builder clock(Clock clock) {
            this.clock = Require.notNull(clock, "clock");
            return this;
        }

        /**
         * Tests: the monotonic clock (nanoseconds, never stepping) of the elapsed-time rules of transaction
         * {@code END} holds and lost {@code END}s, apart from {@link #clock(Clock)}: a test steps the wall clock
         * alone to play an NTP step. Default: {@code System.nanoTime()} with the system clock, else the given
         * clock's time.
         */
        Builder monotonicClock(LongSupplier nanos) {
            this.monotonicNanos = Require.notNull(nanos, "monotonicClock");
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the offending field; {@code name} when a processor of that name
         *         records into the registry and has not been closed (it would share every meter with it)
         */
        public CdcEventProcessor build() {
            Require.configured(registry, "meterRegistry",
                    "call meterRegistry(..) or instrumentation(..); migmon records into the host's registry");
            Map<String, Object> cprops = null;
            Map<String, Object> pprops = null;
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
                cprops = cp;
            } else {
                require(topics.isEmpty() && topicPattern == null, "topics need kafkaConsumer properties");
            }
            if (deadLetterTopic != null) {
                require(!deadLetterTopic.isBlank(), "deadLetterTopic must not be blank");
                // consuming its own dead letters would dead-letter them again, forever (a pattern excludes it instead)
                require(!topics.contains(deadLetterTopic), "topics must not contain the deadLetterTopic ("
                        + deadLetterTopic + "): the processor would re-consume its own dead letters");
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
                // explicit, so that a record over it is known to be too large (dead-lettered as a reference)
                pp.putIfAbsent(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, DeadLetterPublisher.DEFAULT_MAX_REQUEST_SIZE);
                pp.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
                pp.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
                pprops = pp;
            }
            if (transformationsDropChanges) {
                require(transactionTopicSuffix != null, "transformationsDropChanges needs transaction metadata:"
                        + " transactionTopicSuffix is null (END records are not read)");
            }
            if (transformationsDropChanges && consumerProperties != null && topicPattern == null) {
                require(topics.stream().anyMatch(t -> t.endsWith(transactionTopicSuffix)
                                && t.length() > transactionTopicSuffix.length()),
                        "transformationsDropChanges needs a transaction topic (<topic.prefix>" + transactionTopicSuffix
                                + ") among topics " + topics + ": it only changes how transaction END records hold the lag");
            }
            if (lagProbeTimeout != null) {
                Duration stall = ProcessorConfig.stallTimeout(stallTimeout, heartbeatInterval);
                require(lagProbeTimeout.compareTo(stall) < 0, "lagProbeTimeout (" + lagProbeTimeout
                        + ") must be shorter than the stall timeout (" + stall + ")");
            }
            return new CdcEventProcessor(new ProcessorConfig(name, registry, metricsOptions, cprops, pprops, topics,
                    topicPattern, applier, deadLetterTopic, heartbeatInterval, stallTimeout, lagRefreshInterval,
                    pollTimeout, lagProbeTimeout, retryBackoff, closeTimeout, applyRetries, heartbeatTopicPrefix, transactionTopicSuffix,
                    clock, clients, monotonicNanos, transformationsDropChanges)).withAnomalies(anomalyMonitor, anomalySampleInterval);
        }

        private static boolean present(Map<String, Object> props, String key) {
            Object v = props.get(key);
            return v != null && !String.valueOf(v).isBlank();
        }

        private static void require(boolean ok, String message) {
            Require.argument(ok, message);
        }
    }
}
