package io.migmon.examples.docs;

// The imports a reader needs for the snippets of docs/cdc.md.
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.cdc.CdcEventProcessor;
import io.migmon.cdc.PublicationAudit;
import io.migmon.cdc.connect.ConnectorConfig;
import io.migmon.cdc.connect.ConnectorStatus;
import io.migmon.cdc.connect.KafkaConnectClient;
import io.migmon.cdc.debezium.DebeziumEngineConsumer;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.health.CompositeHealthCheck;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import javax.sql.DataSource;

/**
 * The code snippets of docs/cdc.md, verbatim (DocsSnippetsTest checks that every java block of that file appears
 * here, whitespace aside), so the build compiles them.
 */
@SuppressWarnings("unused")
final class CdcSnippets {
    /** Compiled, not run (it needs Kafka Connect and the source database). */
    static void publicationAudit(KafkaConnectClient connect, DataSource sourceDataSource,
            CompositeHealthCheck.Builder healthComposite) {
        // tables the connector includes but its publication lacks: their changes never reach Kafka
        PublicationAudit audit = PublicationAudit.of(sourceDataSource, connect.config("shop-orders"));
        healthComposite.add(audit.healthCheck());   // DOWN naming each unpublished table; UP once ADD TABLE ran
    }

    /** Compiled, not run (it needs Kafka Connect, Kafka and a target database). */
    static void pipeline(MeterRegistry registry, String password, DataSource targetDataSource, ExecutorService executor,
            CompositeHealthCheck.Builder healthComposite) throws Exception {
        // 1. register the connector (validated first: Connect's own validation errors, not a bare 500)
        try (KafkaConnectClient connect = KafkaConnectClient.builder(URI.create("http://connect:8083"))
                .meterRegistry(registry).build()) {                       // cdc_connector_state / _task_state gauges
            connect.createOrUpdate(ConnectorConfig.debeziumPostgres("shop-orders")   // pgoutput, heartbeats, decimal=string
                    .put("database.hostname", "db").put("database.port", "5432")
                    .put("database.user", "cdc").put("database.password", password)   // never logged, redacted from errors
                    .put("database.dbname", "shop").put("topic.prefix", "shop")
                    .put("table.include.list", "public.orders").put("slot.name", "shop_orders")
                    .put("heartbeat.interval.ms", "10000")
                    .build());
            ConnectorStatus status = connect.status("shop-orders");       // also updates the state gauges
        }

        // 2. consume, observe, apply; the host owns the thread
        CdcEventProcessor processor = CdcEventProcessor.builder("shop-replica")   // name of its health check
                .meterRegistry(registry)
                .kafkaConsumer(Map.of("bootstrap.servers", "kafka:9092", "group.id", "shop-replica"))
                .topics("shop.public.orders", "__debezium-heartbeat.shop")
                .applier(JdbcChangeApplier.builder(targetDataSource).build())    // omit for observe-only
                .deadLetterTopic("shop.dlq")
                .heartbeatInterval(Duration.ofSeconds(10))                       // = the connector's heartbeat.interval.ms
                .build();
        // JdbcChangeApplier.builder(ds).schemaEvolution(true): add columns/tables the source grows (default: dead-letter)
        executor.submit(processor);                     // Runnable: polls until close()
        healthComposite.add(processor.healthCheck());   // UP idle / UP streaming / DOWN stalled, naming partition and stage
        Optional<Instant> applied = processor.appliedWatermark(); // source time up to which everything seen is applied
        // ... on shutdown
        processor.close();                              // wakes the consumer (and a blocked dead-letter send), waits for the loop, removes its meters
    }

    /** Compiled, not run. */
    static void engine(Properties props, CdcEventProcessor processor) {
        DebeziumEngine.create(Json.class).using(props)
                .notifying(new DebeziumEngineConsumer(processor))   // processor.process(batch), then markProcessed
                .build();
    }

    /** docs "Anomaly detection: the pipeline as a source": compiled, not run (it needs Kafka and a target). */
    static CdcEventProcessor anomalies(MeterRegistry registry, DataSource targetDataSource,
            CompositeHealthCheck.Builder healthComposite) {
        AnomalyMonitor.Builder detectors = AnomalyMonitor.builder("shop-replica")   // migration_id tag of the anomalies
                .meterRegistry(registry)                                            // migration_anomalies_total
                .listener(anomaly -> System.err.println(anomaly.message()));        // or the alerting module's bridge
        CdcEventProcessor.defaultAnomalyDetectors().forEach(detectors::detector);   // drop, spike, error rate, stall, lag trend
        AnomalyMonitor monitor = detectors.build();

        CdcEventProcessor processor = CdcEventProcessor.builder("shop-replica")
                .meterRegistry(registry)
                .kafkaConsumer(Map.of("bootstrap.servers", "kafka:9092", "group.id", "shop-replica"))
                .topics("shop.public.orders", "__debezium-heartbeat.shop")
                .applier(JdbcChangeApplier.builder(targetDataSource).build())
                .deadLetterTopic("shop.dlq")
                .heartbeatInterval(Duration.ofSeconds(10))
                .anomalyMonitor(monitor)                          // fed by the processor's own sampler thread
                .anomalySampleInterval(Duration.ofSeconds(5))     // default 5 s; 1-60 s give the same verdicts
                .build();
        healthComposite.add(monitor.healthCheck());           // DOWN on stall / high_error_rate, DEGRADED on drop / lag trend
        return processor;
    }

    private CdcSnippets() {
    }
}
