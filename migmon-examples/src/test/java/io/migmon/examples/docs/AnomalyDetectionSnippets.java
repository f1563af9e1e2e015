package io.migmon.examples.docs;

// The imports a reader needs for the snippets of docs/anomaly-detection.md.
import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.cdc.CdcEventProcessor;
import io.migmon.cdc.CdcRecord;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.anomaly.LowThroughputDetector;
import io.migmon.core.health.CompositeHealthCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The code snippets of docs/anomaly-detection.md, verbatim (DocsSnippetsTest checks that every java block of that file appears
 * here, whitespace aside), so the build compiles them.
 */
@SuppressWarnings("unused")
final class AnomalyDetectionSnippets {
    private static final Logger log = LoggerFactory.getLogger(AnomalyDetectionSnippets.class);

    static MigrationRun monitor(MeterRegistry registry, ScheduledExecutorService scheduler,
            CompositeHealthCheck.Builder healthRegistry) {
        AnomalyMonitor monitor = AnomalyMonitor.builder("orders-backfill")
                .meterRegistry(registry)                                   // the host's registry
                .defaultDetectors()                                        // drop, spike, error rate, stall, lag trend
                .detector(LowThroughputDetector.builder(5_000).build())    // only if you know the expected rows/s
                .listener(anomaly -> log.warn("{}", anomaly.message()))    // or the alerting bridge
                .build();

        ObservableMigration migration = ObservableMigration.builder("orders-backfill")
                .meterRegistry(registry)
                .listener(monitor.migrationListener())                     // feeds the monitor from the run's own samples
                .build();

        MigrationRun run = migration.start();
        scheduler.scheduleAtFixedRate(run::sample, 5, 5, TimeUnit.SECONDS);  // the host's schedule (1-60 s), the host's thread
        // ...
        healthRegistry.add(monitor.healthCheck());                         // DOWN on CRITICAL, DEGRADED on WARNING
        return run;
    }

    static void pause(MigrationRun run, AnomalyMonitor monitor) {
        run.pause("throttled for the nightly backup");   // MigrationRun: progress state PAUSED, listeners told
        // ...
        run.resume();
        // or, on a monitor fed directly (a CDC consumer):
        monitor.pause(Instant.now(), "maintenance window");
        monitor.resume(Instant.now());
    }

    private AnomalyDetectionSnippets() {
    }

    /** docs "CDC as a source": runs without a server (DocsSnippetsTest / CdcSourceSnippetTest). */
    static AnomalyMonitor cdcSource(MeterRegistry registry, List<CdcRecord> records,
            CompositeHealthCheck.Builder healthChecks) {
        AnomalyMonitor.Builder builder = AnomalyMonitor.builder("orders-cdc").meterRegistry(registry);
        CdcEventProcessor.defaultAnomalyDetectors().forEach(builder::detector);  // stall: a lag of exactly 0 means idle
        AnomalyMonitor monitor = builder.build();
        try (CdcEventProcessor processor = CdcEventProcessor.builder("orders-cdc")
                .meterRegistry(registry)
                .applier(batch -> { })                          // your ChangeApplier, e.g. JdbcChangeApplier
                .heartbeatInterval(Duration.ofSeconds(10))      // the connector's heartbeat.interval.ms
                .anomalyMonitor(monitor)
                .anomalySampleInterval(Duration.ofSeconds(1))
                .build()) {
            processor.process(records);                         // e.g. a Debezium embedded engine's batch
            // ... the sampler feeds the monitor every second; its health check and listeners report what fires
            healthChecks.add(monitor.healthCheck());
        }
        return monitor;
    }

    /** docs "A run resumed after a restart". */
    static MigrationRun resumedAfterARestart(ObservableMigration migration, long checkpointRows) {
        MigrationRun run = migration.start();
        run.expectRows(1_000_000);               // the whole job
        run.recordRowsAlreadyDone(checkpointRows); // done before the restart
        return run;
    }
}
