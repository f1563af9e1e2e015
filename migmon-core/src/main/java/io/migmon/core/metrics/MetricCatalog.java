package io.migmon.core.metrics;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * The single source of truth for every meter migmon registers: name, type, unit, description, tag keys and
 * histogram buckets. Every module, the Grafana dashboard builder, the Prometheus rule generator and
 * {@code docs/metrics.md} read these constants, so a name cannot drift between code, dashboards and alerts.
 *
 * <p>Names are public API: the {@link MeterDefinition#prometheusName() Prometheus names} are pinned by a test.
 * Use {@link MigmonMeters} to register them in a host's {@code MeterRegistry}.
 */
public final class MetricCatalog {

    // ---- tag keys ---------------------------------------------------------------------------------------------
    public static final String MIGRATION_ID = "migration_id";
    public static final String STATUS = "status";
    public static final String TABLE_NAME = "table_name";
    public static final String ERROR_TYPE = "error_type";
    public static final String VERSION = "version";
    public static final String COLLECTION = "collection";
    public static final String SOURCE = "source";
    public static final String TABLE = "table";
    public static final String OPERATION = "operation";
    public static final String TOPIC = "topic";
    public static final String PARTITION = "partition";
    public static final String SOURCE_TABLE = "source_table";
    public static final String TARGET_TABLE = "target_table";
    public static final String STAGE = "stage";
    public static final String REASON = "reason";
    public static final String CONNECTOR = "connector";
    public static final String TASK = "task";
    public static final String STATE = "state";
    public static final String TYPE = "type";
    public static final String SEVERITY = "severity";
    public static final String SINK = "sink";
    public static final String CHECK = "check";
    public static final String COMPONENT = "component";
    public static final String METER = "meter";
    public static final String TAG_KEY = "tag_key";
    /** Name of a CDC processor ({@code CdcEventProcessor.builder(name)}). */
    public static final String PROCESSOR = "processor";
    public static final String KIND = "kind";
    /**
     * Name of a verification (migmon-verify: {@code JdbcTableVerifier.builder(table).name(..)}, default the table or
     * collection), so that two verifications of one table against different targets keep apart.
     */
    public static final String VERIFICATION = "verification";

    // ---- migrations (any engine) ------------------------------------------------------------------------------
    public static final MeterDefinition MIGRATION_DURATION = MeterDefinition.builder("migration.duration", MeterType.TIMER)
            .baseUnit("seconds").description("Wall-clock duration of a migration run, by final status")
            .tags(MIGRATION_ID, STATUS).buckets(60, 300, 600, 1800, 3600)
            .prometheus("migration_duration_seconds").build();

    public static final MeterDefinition MIGRATION_ROWS = MeterDefinition.builder("migration.rows", MeterType.COUNTER)
            .baseUnit("rows").description("Rows migrated, by table")
            .tags(MIGRATION_ID, TABLE_NAME).bounded(TABLE_NAME)
            .prometheus("migration_rows_total").build();

    public static final MeterDefinition MIGRATION_ERRORS = MeterDefinition.builder("migration.errors", MeterType.COUNTER)
            .baseUnit("errors").description("Errors seen by a migration, by exception type")
            .tags(MIGRATION_ID, ERROR_TYPE).bounded(ERROR_TYPE)
            .prometheus("migration_errors_total").build();

    public static final MeterDefinition MIGRATION_DATA_LAG = MeterDefinition.builder("migration.data.lag", MeterType.GAUGE)
            .baseUnit("seconds").description("How far the migrated data trails the source, in seconds")
            .tags(MIGRATION_ID)
            .prometheus("migration_data_lag_seconds").build();

    public static final MeterDefinition MIGRATION_PROGRESS = MeterDefinition.builder("migration.progress", MeterType.GAUGE)
            .baseUnit("ratio").description("Fraction of expected rows done (0..1); NaN when the expected total is unknown")
            .tags(MIGRATION_ID)
            .prometheus("migration_progress_ratio").build();

    public static final MeterDefinition MIGRATION_ETA = MeterDefinition.builder("migration.eta", MeterType.GAUGE)
            .baseUnit("seconds").description("Estimated seconds until the migration completes; NaN before 1% and 7 s of rows, while stalled, past the declared total while running, after a failure or abort; 0 after success")
            .tags(MIGRATION_ID)
            .prometheus("migration_eta_seconds").build();

    public static final MeterDefinition MIGRATION_ROWS_EXPECTED = MeterDefinition.builder("migration.rows.expected", MeterType.GAUGE)
            .description("Total rows the migration expects to process; NaN when not declared")
            .tags(MIGRATION_ID)
            .prometheus("migration_rows_expected").build();

    public static final MeterDefinition MIGRATION_THROUGHPUT = MeterDefinition.builder("migration.throughput", MeterType.GAUGE)
            .baseUnit("rows_per_second").description("Exponentially weighted moving average of rows per second")
            .tags(MIGRATION_ID)
            .prometheus("migration_throughput_rows_per_second").build();

    public static final MeterDefinition MIGRATION_STATUS = MeterDefinition.builder("migration.status", MeterType.GAUGE)
            .description("State set: 1 for the migration's current status (pending, running, success, failed, aborted), 0 for the others")
            .tags(MIGRATION_ID, STATUS)
            .prometheus("migration_status").build();

    public static final MeterDefinition MIGRATION_LAST_PROGRESS = MeterDefinition.builder("migration.last.progress", MeterType.GAUGE)
            .baseUnit("seconds").description("Unix time of the last recorded progress (rows) of the migration")
            .tags(MIGRATION_ID)
            .prometheus("migration_last_progress_seconds").build();

    public static final MeterDefinition MIGRATION_ANOMALIES = MeterDefinition.builder("migration.anomalies", MeterType.COUNTER)
            .description("Anomalies detected during a migration, by detector type and severity")
            .tags(MIGRATION_ID, TYPE, SEVERITY)
            .prometheus("migration_anomalies_total").build();

    public static final MeterDefinition HEALTH_STATUS = MeterDefinition.builder("migmon.health.status", MeterType.GAUGE)
            .description("State set: 1 for the health check's current status (UP, DEGRADED, DOWN), 0 for the others")
            .tags(CHECK, STATUS)
            .prometheus("migmon_health_status").build();

    // ---- MongoDB migrations -----------------------------------------------------------------------------------
    public static final MeterDefinition MONGODB_MIGRATION_DURATION = MeterDefinition.builder("mongodb.migration.duration", MeterType.TIMER)
            .baseUnit("seconds").description("Duration of a MongoDB migration version, by final status")
            .tags(VERSION, STATUS).buckets(1, 5, 15, 30, 60, 300)
            .prometheus("mongodb_migration_duration_seconds").build();

    public static final MeterDefinition MONGODB_MIGRATION_DOCUMENTS = MeterDefinition.builder("mongodb.migration.documents", MeterType.COUNTER)
            .baseUnit("documents").description("Documents written by a MongoDB migration version, by collection")
            .tags(VERSION, COLLECTION).bounded(COLLECTION)
            .prometheus("mongodb_migration_documents_total").build();

    public static final MeterDefinition MONGODB_MIGRATION_ERRORS = MeterDefinition.builder("mongodb.migration.errors", MeterType.COUNTER)
            .baseUnit("errors").description("Errors of a MongoDB migration version, by exception type")
            .tags(VERSION, ERROR_TYPE).bounded(ERROR_TYPE)
            .prometheus("mongodb_migration_errors_total").build();

    public static final MeterDefinition MONGODB_MIGRATION_VALIDATIONS = MeterDefinition.builder("mongodb.migration.validations", MeterType.COUNTER)
            .description("Validation checks run after a MongoDB migration version (counts, sampled documents, indexes), by check and result (passed, failed)")
            .tags(VERSION, CHECK, STATUS).bounded(CHECK)
            .prometheus("mongodb_migration_validations_total").build();

    // ---- CDC ----------------------------------------------------------------------------------------------------
    public static final MeterDefinition CDC_EVENTS_PROCESSED = MeterDefinition.builder("cdc.events.processed", MeterType.COUNTER)
            .description("Change events processed, by source (connector), table and operation")
            .tags(PROCESSOR, SOURCE, TABLE, OPERATION).bounded(SOURCE, TABLE)
            .prometheus("cdc_events_processed_total").build();

    public static final MeterDefinition CDC_CONSUMER_LAG = MeterDefinition.builder("cdc.consumer.lag", MeterType.GAUGE)
            .baseUnit("messages").description("Records between the consumer's position and the partition's end offset")
            .tags(PROCESSOR, TOPIC, PARTITION).bounded(TOPIC)
            .prometheus("cdc_consumer_lag_messages").build();

    /**
     * Consumer lag in seconds. The Micrometer name carries {@code .seconds} (an exception to "unit only in
     * baseUnit") so that it renders as {@code cdc_consumer_lag_seconds} next to {@code cdc_consumer_lag_messages}.
     */
    public static final MeterDefinition CDC_CONSUMER_LAG_SECONDS = MeterDefinition.builder("cdc.consumer.lag.seconds", MeterType.GAUGE)
            .baseUnit("seconds").description("Age of the oldest unconsumed record of the partition, 0 when caught up")
            .tags(PROCESSOR, TOPIC, PARTITION).bounded(TOPIC)
            .prometheus("cdc_consumer_lag_seconds").build();

    public static final MeterDefinition CDC_REPLICATION_LAG = MeterDefinition.builder("cdc.replication.lag", MeterType.GAUGE)
            .baseUnit("seconds").description("Time from the source commit to the change being applied to the target")
            .tags(PROCESSOR, SOURCE_TABLE, TARGET_TABLE).bounded(SOURCE_TABLE, TARGET_TABLE)
            .prometheus("cdc_replication_lag_seconds").build();

    public static final MeterDefinition CDC_STAGE_LATENCY = MeterDefinition.builder("cdc.stage.latency", MeterType.TIMER)
            .baseUnit("seconds").description("Latency of each pipeline stage: source_to_connector, connector_to_broker, broker_to_consumer, consumer_to_applied;"
                    + " one sample per batch and stage, the first three the mean over the batch's events: _count counts batches,"
                    + " _sum/_count is the mean of batch means (not of events), buckets and max describe batch means")
            .tags(PROCESSOR, STAGE).buckets(0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)
            .prometheus("cdc_stage_latency_seconds").build();

    public static final MeterDefinition CDC_DEAD_LETTERS = MeterDefinition.builder("cdc.dead.letters", MeterType.COUNTER)
            .description("Events sent to the dead-letter path, by topic and reason")
            .tags(PROCESSOR, TOPIC, REASON).bounded(TOPIC)
            .prometheus("cdc_dead_letters_total").build();

    public static final MeterDefinition CDC_EVENTS_REDELIVERED = MeterDefinition.builder("cdc.events.redelivered", MeterType.COUNTER)
            .description("Change events delivered again after a retry, a rewind or a rebalance (not counted again in cdc_events_processed_total), by source and table")
            .tags(PROCESSOR, SOURCE, TABLE).bounded(SOURCE, TABLE)
            .prometheus("cdc_events_redelivered_total").build();

    public static final MeterDefinition CDC_REPLICATION_LAG_OVERALL = MeterDefinition.builder("cdc.replication.lag.overall", MeterType.GAUGE)
            .baseUnit("seconds").description("Staleness of the whole target: now minus the source commit time of the oldest change not yet applied, across all tables of the processor")
            .tags(PROCESSOR)
            .prometheus("cdc_replication_lag_overall_seconds").build();

    public static final MeterDefinition CDC_PROCESSOR_UP = MeterDefinition.builder("cdc.processor.up", MeterType.GAUGE)
            .description("1 while the CDC processor runs (or accepts process calls), 0 once it is closed or its poll loop failed; stays registered after close")
            .tags(PROCESSOR)
            .prometheus("cdc_processor_up").build();

    /**
     * Apply lag of whole source transactions (Debezium transaction metadata, {@code provide.transaction.metadata=true}):
     * from the source commit to the moment the last event of the transaction is applied. Its {@code _count} is the
     * number of transactions completed.
     */
    public static final MeterDefinition CDC_TRANSACTION_APPLY_LAG = MeterDefinition.builder("cdc.transaction.apply.lag", MeterType.TIMER)
            .baseUnit("seconds").description("Time from a source transaction's commit to the apply of its last event (transaction metadata); the count is the number of transactions completed, by source (connector)")
            .tags(PROCESSOR, SOURCE).bounded(SOURCE).buckets(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800)
            .prometheus("cdc_transaction_apply_lag_seconds").build();

    public static final MeterDefinition CDC_TRANSACTIONS_EVICTED = MeterDefinition.builder("cdc.transactions.evicted", MeterType.COUNTER)
            .description("Source transactions given up before all their events were applied, by source and reason (rebalance, expired, capacity, dead_lettered, unseen)")
            .tags(PROCESSOR, SOURCE, REASON).bounded(SOURCE)
            .prometheus("cdc_transactions_evicted_total").build();

    public static final MeterDefinition CDC_CONNECTOR_STATE = MeterDefinition.builder("cdc.connector.state", MeterType.GAUGE)
            .description("State set: 1 for the connector's current Kafka Connect state, 0 for the others")
            .tags(CONNECTOR, STATE).bounded(CONNECTOR)
            .prometheus("cdc_connector_state").build();

    public static final MeterDefinition CDC_TASK_STATE = MeterDefinition.builder("cdc.connector.task.state", MeterType.GAUGE)
            .description("State set: 1 for each connector task's current Kafka Connect state, 0 for the others")
            .tags(CONNECTOR, TASK, STATE).bounded(CONNECTOR)
            .prometheus("cdc_connector_task_state").build();

    // ---- validation (migmon-verify) ---------------------------------------------------------------------------
    public static final MeterDefinition VALIDATION_ROWS = MeterDefinition.builder("migration.validation.rows", MeterType.COUNTER)
            .baseUnit("rows").description("Rows covered by a source/target validation (checksummed or compared), by table or collection")
            .tags(VERIFICATION, TABLE).bounded(VERIFICATION, TABLE)
            .prometheus("migration_validation_rows_total").build();

    public static final MeterDefinition VALIDATION_MISMATCHES = MeterDefinition.builder("migration.validation.mismatches", MeterType.COUNTER)
            .description("Verified differences found by a validation, by table and kind (missing, extra, changed)")
            .tags(VERIFICATION, TABLE, KIND).bounded(VERIFICATION, TABLE)
            .prometheus("migration_validation_mismatches_total").build();

    public static final MeterDefinition VALIDATION_DURATION = MeterDefinition.builder("migration.validation.duration", MeterType.TIMER)
            .baseUnit("seconds").description("Duration of a validation run, by table and result (identical, different, inconclusive, failed)")
            .tags(VERIFICATION, TABLE, STATUS).bounded(VERIFICATION, TABLE).buckets(1, 10, 60, 300, 1800, 3600)
            .prometheus("migration_validation_duration_seconds").build();

    public static final MeterDefinition VALIDATION_PROGRESS = MeterDefinition.builder("migration.validation.progress", MeterType.GAUGE)
            .baseUnit("ratio").description("Fraction of the estimated rows a running validation has covered (0..1); NaN when unknown")
            .tags(VERIFICATION, TABLE).bounded(VERIFICATION, TABLE)
            .prometheus("migration_validation_progress_ratio").build();

    public static final MeterDefinition VALIDATION_ETA = MeterDefinition.builder("migration.validation.eta", MeterType.GAUGE)
            .baseUnit("seconds").description("Estimated seconds until a running validation completes; NaN when unknown, 0 when done")
            .tags(VERIFICATION, TABLE).bounded(VERIFICATION, TABLE)
            .prometheus("migration_validation_eta_seconds").build();

    public static final MeterDefinition VALIDATION_DIFFERENCES = MeterDefinition.builder("migration.validation.differences", MeterType.GAUGE)
            .description("Verified differences of the latest validation of a table or collection (0 when identical)")
            .tags(VERIFICATION, TABLE).bounded(VERIFICATION, TABLE)
            .prometheus("migration_validation_differences").build();

    public static final MeterDefinition VALIDATION_IN_FLIGHT = MeterDefinition.builder("migration.validation.in.flight", MeterType.GAUGE)
            .description("Differences a running validation holds as in flight, waiting for the CDC applied watermark before a re-check")
            .tags(VERIFICATION, TABLE).bounded(VERIFICATION, TABLE)
            .prometheus("migration_validation_in_flight").build();

    // ---- alerting -----------------------------------------------------------------------------------------------
    public static final MeterDefinition ALERTS_SENT = MeterDefinition.builder("migmon.alerts.sent", MeterType.COUNTER)
            .description("Notifications delivered, by sink and severity")
            .tags(SINK, SEVERITY)
            .prometheus("migmon_alerts_sent_total").build();

    public static final MeterDefinition ALERTS_FAILED = MeterDefinition.builder("migmon.alerts.failed", MeterType.COUNTER)
            .description("Notifications rejected for good, or failed maxAttempts times (delivery keeps retrying until superseded), by sink and severity")
            .tags(SINK, SEVERITY)
            .prometheus("migmon_alerts_failed_total").build();

    public static final MeterDefinition ALERTS_DROPPED = MeterDefinition.builder("migmon.alerts.dropped", MeterType.COUNTER)
            .description("Alerts dropped by the dispatcher (queue overflow, shutdown), by severity and reason")
            .tags(SEVERITY, REASON)
            .prometheus("migmon_alerts_dropped_total").build();

    public static final MeterDefinition ALERT_QUEUE_DEPTH = MeterDefinition.builder("migmon.alerts.queue.depth", MeterType.GAUGE)
            .description("Alerts waiting in the dispatcher's queue")
            .tags()
            .prometheus("migmon_alerts_queue_depth").build();

    // ---- migmon's own health ------------------------------------------------------------------------------------
    public static final MeterDefinition OBSERVABILITY_FAILURES = MeterDefinition.builder("migmon.observability.failures", MeterType.COUNTER)
            .description("Failures inside migmon that were contained instead of breaking the host, by component")
            .tags(COMPONENT)
            .prometheus("migmon_observability_failures_total").build();

    public static final MeterDefinition TAG_OVERFLOW = MeterDefinition.builder("migmon.tag.overflow", MeterType.COUNTER)
            .description("Tag values folded into 'other' because a tag exceeded its distinct-value cap")
            .tags(TAG_KEY)
            .prometheus("migmon_tag_overflow_total").build();

    private static final List<MeterDefinition> ALL = scan();

    private MetricCatalog() {
    }

    /** Every definition, in declaration order. */
    public static List<MeterDefinition> all() {
        return ALL;
    }

    /** The definition with this Micrometer name (unprefixed), if any. */
    public static Optional<MeterDefinition> byName(String name) {
        return ALL.stream().filter(d -> d.name().equals(name)).findFirst();
    }

    private static List<MeterDefinition> scan() {
        List<MeterDefinition> list = new ArrayList<>();
        for (Field f : MetricCatalog.class.getDeclaredFields()) {
            if (Modifier.isStatic(f.getModifiers()) && f.getType() == MeterDefinition.class) {
                try {
                    list.add((MeterDefinition) f.get(null));
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return Collections.unmodifiableList(list);
    }
}
