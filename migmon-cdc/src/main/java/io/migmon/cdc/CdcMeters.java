package io.migmon.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.DeadLetterReason;
import io.migmon.cdc.event.Operation;
import io.migmon.core.metrics.MeterDefinition;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MigmonMeters;
import org.apache.kafka.common.TopicPartition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The meters of one processor (all from {@link MetricCatalog}): caches the counters and gauges it registered and
 * removes exactly those on {@link #close()}.
 */
final class CdcMeters implements AutoCloseable {

    /** The {@code component} tag of {@code migmon_internal_errors_total} for this module. */
    static final String COMPONENT = "cdc.processor";

    private final MigmonMeters meters;
    /** The processor's name, the {@code processor} tag of every meter: processors sharing a registry share none. */
    private final String processor;
    private final Timer sourceToConnector;
    private final Timer connectorToBroker;
    private final Timer brokerToConsumer;
    private final Timer consumerToApplied;
    private final Map<String, Counter> eventCounters = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadLetterCounters = new ConcurrentHashMap<>();
    private final Map<String, Counter> redeliveredCounters = new ConcurrentHashMap<>();
    private final Map<String, Gauge> replicationLag = new ConcurrentHashMap<>();
    private final Map<String, Timer> transactionLag = new ConcurrentHashMap<>();
    private final Map<String, Counter> transactionsEvicted = new ConcurrentHashMap<>();
    private final MigmonMeters upMeters;
    private final ProgressTracker progress;
    private final Map<TopicPartition, List<Gauge>> lagGauges = new ConcurrentHashMap<>();
    // last-table counter cache, used by the one thread that holds the pipeline's lock
    private String lastSource;
    private String lastSchema;
    private String lastDatabase;
    private String lastTable;
    private Counter[] lastCounters;
    /** The last {@code cdc_transactions_evicted_total} counter used (any thread; see {@link EvictedCounter}). */
    private EvictedCounter lastEvicted;

    /**
     * The meters a live processor has registered (every one but {@code cdc_processor_up}, which outlives close()):
     * a processor registers its stage timers when built, and close() removes them all.
     */
    private static final List<MeterDefinition> LIVE = List.of(MetricCatalog.CDC_STAGE_LATENCY,
            MetricCatalog.CDC_EVENTS_PROCESSED, MetricCatalog.CDC_CONSUMER_LAG, MetricCatalog.CDC_CONSUMER_LAG_SECONDS,
            MetricCatalog.CDC_REPLICATION_LAG, MetricCatalog.CDC_REPLICATION_LAG_OVERALL, MetricCatalog.CDC_DEAD_LETTERS,
            MetricCatalog.CDC_EVENTS_REDELIVERED, MetricCatalog.CDC_TRANSACTION_APPLY_LAG,
            MetricCatalog.CDC_TRANSACTIONS_EVICTED);

    /**
     * @throws IllegalArgumentException naming {@code name} when a live processor of that name records into the
     *         registry (its meters carry the same {@code processor} tag: Micrometer would hand this one the other's
     *         meters, and this processor's values would be invisible)
     */
    CdcMeters(ProcessorConfig config, ProgressTracker progress, BooleanSupplier up) {
        // check and register under the registry's monitor: two processors of one name built at once cannot both pass
        synchronized (config.registry) {
            requireNameFree(config);
            this.meters = MigmonMeters.create(config.registry, config.metricsOptions);
            this.processor = config.name;
            this.progress = progress;
            // cdc_processor_up outlives close() on purpose (reads 0 then): its own instance, never closed. A closed
            // processor's (the name is free: no live meter) gives way to this one, or this one's would read 0
            Meter closedUp = config.registry.find(MetricCatalog.CDC_PROCESSOR_UP.name(config.metricsOptions.prefix()))
                    .tag(MetricCatalog.PROCESSOR, config.name).meter();
            if (closedUp != null) {
                config.registry.remove(closedUp);
            }
            this.upMeters = MigmonMeters.create(config.registry, config.metricsOptions);
            upMeters.gauge(MetricCatalog.CDC_PROCESSOR_UP, up, u -> u.getAsBoolean() ? 1 : 0,
                    MetricCatalog.PROCESSOR, config.name);
            if (config.applier != null) {
                meters.gauge(MetricCatalog.CDC_REPLICATION_LAG_OVERALL, progress, t -> t.stalenessSeconds(null),
                        MetricCatalog.PROCESSOR, config.name);
            }
            this.sourceToConnector = stage(CdcEventProcessor.STAGE_SOURCE_TO_CONNECTOR);
            this.connectorToBroker = stage(CdcEventProcessor.STAGE_CONNECTOR_TO_BROKER);
            this.brokerToConsumer = stage(CdcEventProcessor.STAGE_BROKER_TO_CONSUMER);
            this.consumerToApplied = config.applier == null ? null : stage(CdcEventProcessor.STAGE_CONSUMER_TO_APPLIED);
        }
    }

    private static void requireNameFree(ProcessorConfig config) {
        String prefix = config.metricsOptions.prefix();
        for (MeterDefinition def : LIVE) {
            if (config.registry.find(def.name(prefix)).tag(MetricCatalog.PROCESSOR, config.name).meter() != null) {
                throw new IllegalArgumentException("name: a CdcEventProcessor named '" + config.name
                        + "' is already recording into this meterRegistry (its meters carry processor="
                        + config.name + "; this one's values would be invisible). Give each processor of a registry"
                        + " its own name (CdcEventProcessor.builder(name)), or close the other one first");
            }
        }
    }

    private Timer stage(String stage) {
        return meters.timer(MetricCatalog.CDC_STAGE_LATENCY, MetricCatalog.PROCESSOR, processor, MetricCatalog.STAGE, stage);
    }

    void sourceToConnector(long nanos) {
        sourceToConnector.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    void connectorToBroker(long nanos) {
        connectorToBroker.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    void brokerToConsumer(long nanos) {
        brokerToConsumer.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    void consumerToApplied(long nanos) {
        if (consumerToApplied != null) {
            consumerToApplied.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
        }
    }

    /** The {@code cdc_events_processed_total} counter of the event's source, table and operation. */
    Counter eventCounter(ChangeEvent e) {
        // fast path: consecutive events of one table reuse the counters without building a key
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
                k -> meters.counter(MetricCatalog.CDC_EVENTS_PROCESSED, MetricCatalog.PROCESSOR, processor,
                        MetricCatalog.SOURCE, source, MetricCatalog.TABLE, table, MetricCatalog.OPERATION, op));
    }

    void deadLettered(String topic, DeadLetterReason reason) {
        deadLetterCounters.computeIfAbsent(topic + '\u0000' + reason.tagValue(), k -> meters.counter(
                MetricCatalog.CDC_DEAD_LETTERS, MetricCatalog.PROCESSOR, processor, MetricCatalog.TOPIC, topic, MetricCatalog.REASON, reason.tagValue()))
                .increment();
    }

    /**
     * Registers the {@code cdc_replication_lag_seconds} gauge of a table pair on first use; it reads the pair's
     * staleness from the watermarks at scrape time.
     *
     * @return the pair key ({@code source \0 target})
     */
    String replicationLag(String sourceTable, String targetTable) {
        String target = targetTable == null ? "unknown" : targetTable;
        String key = sourceTable + '\u0000' + target;
        replicationLag.computeIfAbsent(key, k -> meters.gauge(MetricCatalog.CDC_REPLICATION_LAG, progress,
                t -> t.stalenessSeconds(k), MetricCatalog.PROCESSOR, processor, MetricCatalog.SOURCE_TABLE, sourceTable, MetricCatalog.TARGET_TABLE, target));
        return key;
    }

    /** Counts an event delivered again ({@code cdc_events_redelivered_total}). */
    void redelivered(ChangeEvent e) {
        String source = e.sourceName() == null ? "unknown" : e.sourceName();
        String table = e.qualifiedTable() == null ? "unknown" : e.qualifiedTable();
        redeliveredCounters.computeIfAbsent(source + '\u0000' + table, k -> meters.counter(
                MetricCatalog.CDC_EVENTS_REDELIVERED, MetricCatalog.PROCESSOR, processor, MetricCatalog.SOURCE, source, MetricCatalog.TABLE, table))
                .increment();
    }

    /** A source transaction's last event was applied {@code lagNanos} after its commit. */
    void transactionCompleted(String source, long lagNanos) {
        transactionLag.computeIfAbsent(source, k -> meters.timer(MetricCatalog.CDC_TRANSACTION_APPLY_LAG,
                MetricCatalog.PROCESSOR, processor, MetricCatalog.SOURCE, source)).record(Math.max(0, lagNanos), TimeUnit.NANOSECONDS);
    }

    /** A source transaction was given up before all its events were applied ({@code cdc_transactions_evicted_total}). */
    void transactionEvicted(String source, String reason) {
        // evictions come in runs of one source and reason (capacity evictions: one per new transaction when the
        // transaction topic is not read): reuse the last counter without building a key
        EvictedCounter last = lastEvicted;
        if (last != null && last.source.equals(source) && last.reason.equals(reason)) {
            last.counter.increment();
            return;
        }
        Counter c = transactionsEvicted.computeIfAbsent(source + '\u0000' + reason, k -> meters.counter(
                MetricCatalog.CDC_TRANSACTIONS_EVICTED, MetricCatalog.PROCESSOR, processor, MetricCatalog.SOURCE, source, MetricCatalog.REASON, reason));
        lastEvicted = new EvictedCounter(source, reason, c);
        c.increment();
    }

    /** Immutable, so that a racy read of {@link #lastEvicted} sees a complete entry. */
    private static final class EvictedCounter {
        final String source;
        final String reason;
        final Counter counter;

        EvictedCounter(String source, String reason, Counter counter) {
            this.source = source;
            this.reason = reason;
            this.counter = counter;
        }
    }

    void registerPartition(TopicPartition tp, PartitionProgress lag) {
        String partition = Integer.toString(tp.partition());
        lagGauges.put(tp, List.of(
                meters.gauge(MetricCatalog.CDC_CONSUMER_LAG, lag, l -> (double) l.messages(),
                        MetricCatalog.PROCESSOR, processor, MetricCatalog.TOPIC, tp.topic(), MetricCatalog.PARTITION, partition),
                meters.gauge(MetricCatalog.CDC_CONSUMER_LAG_SECONDS, lag, PartitionProgress::seconds,
                        MetricCatalog.PROCESSOR, processor, MetricCatalog.TOPIC, tp.topic(), MetricCatalog.PARTITION, partition)));
    }

    void removePartition(TopicPartition tp) {
        List<Gauge> gs = lagGauges.remove(tp);
        if (gs != null) {
            gs.forEach(meters::remove);
        }
    }

    void removeAllPartitions() {
        new ArrayList<>(lagGauges.keySet()).forEach(this::removePartition);
    }

    void recordFailure(Throwable e) {
        meters.recordFailure(COMPONENT, e);
    }

    @Override
    public void close() {
        meters.close();
    }
}
