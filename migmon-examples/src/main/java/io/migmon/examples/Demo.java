package io.migmon.examples;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.MigrationAbortedException;
import io.migmon.alerting.HealthAlerts;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.anomaly.LowThroughputDetector;
import io.migmon.core.health.CompositeHealthCheck;
import io.migmon.core.health.LagThresholds;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.examples.alerting.AlertingDemo;
import io.migmon.examples.cdc.CdcDemo;
import io.migmon.examples.grafana.GrafanaDemo;
import io.migmon.examples.mongo.MongoDemo;
import io.migmon.mongo.MongoRunReport;
import java.net.URI;
import java.nio.file.Path;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.health.HealthMeters;
import io.migmon.core.health.MigrationHealthCheck;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.core.progress.ProgressSnapshot;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The migmon demo, on embedded defaults (no Docker, no external server). In one JVM and one host registry it:
 * <ul>
 *   <li>writes the generated Grafana dashboards and Prometheus alert rules to {@code --out-dir}, and pushes the
 *       dashboards to Grafana when {@code --grafana-url} and the {@code GRAFANA_TOKEN} environment variable are set;</li>
 *   <li>starts a CDC pipeline (embedded PostgreSQL → Debezium → in-process Kafka → {@code CdcEventProcessor} → a
 *       replica database) unless {@code --no-cdc};</li>
 *   <li>runs versioned MongoDB migrations on an in-process MongoDB wire-protocol server unless {@code --no-mongo};</li>
 *   <li>runs a sample SQL-style migration through {@link ObservableMigration} with anomaly detectors and health checks
 *       whose findings go through the alerting dispatcher (console sink, plus a webhook when
 *       {@code MIGMON_ALERT_WEBHOOK} is set);</li>
 *   <li>serves the registry's Prometheus scrape on 127.0.0.1, prints progress, ETA and health while it runs, and
 *       exits at the end of the migration or after {@code --duration}.</li>
 * </ul>
 * Secrets (Grafana token, webhook URL) are read from the environment, never from the command line.
 *
 * <pre>
 * mvn -B -q -DskipTests install &amp;&amp; mvn -B -q -pl migmon-examples exec:java -Dexec.args="--duration 60s"
 * curl -s 127.0.0.1:9464/metrics | grep ^migration_
 * </pre>
 */
@Command(name = "migmon-demo", mixinStandardHelpOptions = true,
        description = "Runs a sample migration with migmon and serves its Prometheus metrics.")
public final class Demo implements Callable<Integer> {

    @Option(names = "--metrics-port", description = "Port of the Prometheus scrape endpoint (0 = any free). Default: ${DEFAULT-VALUE}")
    int metricsPort = 9464;

    @Option(names = "--metrics-host", description = "Address the scrape endpoint binds to. Default: ${DEFAULT-VALUE}")
    String metricsHost = "127.0.0.1";

    @Option(names = "--duration", converter = DurationConverter.class,
            description = "Stop after this long (e.g. 30s, 5m); the migration is recorded as aborted if unfinished. Default: run to the end")
    Duration duration;

    @Option(names = "--linger", converter = DurationConverter.class,
            description = "Keep serving metrics this long after the migration ends (for a scraper). Default: ${DEFAULT-VALUE}")
    Duration linger = Duration.ZERO;

    @Option(names = "--rows", description = "Rows the sample migration copies. Default: ${DEFAULT-VALUE}")
    long rows = 600_000;

    @Option(names = "--rate", description = "Target rows per second. Default: ${DEFAULT-VALUE}")
    double rate = 20_000;

    @Option(names = "--batch-size", description = "Rows per batch. Default: ${DEFAULT-VALUE}")
    int batchSize = 1_000;

    @Option(names = "--report-interval", converter = DurationConverter.class,
            description = "How often to print progress and sample detectors. Default: ${DEFAULT-VALUE}")
    Duration reportInterval = Duration.ofSeconds(1);

    @Option(names = "--migration-id", description = "The migration_id tag. Default: ${DEFAULT-VALUE}")
    String migrationId = "demo-orders-backfill";

    @Option(names = "--no-cdc", description = "Skip the CDC pipeline (embedded PostgreSQL, Kafka, Debezium; ~15 s to start)")
    boolean noCdc;

    @Option(names = "--no-mongo", description = "Skip the MongoDB migrations")
    boolean noMongo;

    @Option(names = "--out-dir", description = "Folder for the generated dashboards and alert rules. Default: ${DEFAULT-VALUE}")
    Path outDir = Path.of("target", "migmon-demo");

    @Option(names = "--grafana-url", description = "Grafana to push the dashboards to (token from the GRAFANA_TOKEN environment variable)")
    URI grafanaUrl;

    private final PrintStream out;
    private volatile int boundPort = -1;
    private final java.util.concurrent.CountDownLatch stopLinger = new java.util.concurrent.CountDownLatch(1);
    private MigmonMeters demoMeters;

    public Demo() {
        this(System.out);
    }

    Demo(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        int code = new CommandLine(new Demo()).execute(args);
        System.exit(code);
    }

    private volatile boolean stopRequested;

    /** Ends {@code --linger} early (for tests). */
    void stopLingering() {
        stopLinger.countDown();
    }

    /** Aborts the sample migration at its next batch and ends {@code --linger} (for tests). */
    void stop() {
        stopRequested = true;
        stopLingering();
    }

    /** The scrape port once bound (for tests using port 0). */
    int boundPort() {
        return boundPort;
    }

    @Override
    public Integer call() throws Exception {
        if (rows < 0 || rate <= 0 || batchSize <= 0) {
            throw new CommandLine.ParameterException(new CommandLine(this),
                    "--rows must be >= 0, --rate and --batch-size must be > 0");
        }
        Clock clock = Clock.systemUTC();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        long deadline = duration == null ? Long.MAX_VALUE : System.nanoTime() + duration.toNanos();

        ScheduledExecutorService reporter = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "demo-reporter");
            t.setDaemon(true);
            return t;
        });
        try (MetricsServer server = new MetricsServer(registry, metricsHost, metricsPort)) {
            boundPort = server.port();
            out.printf("migmon demo: metrics at http://%s:%d/metrics%n", metricsHost, server.port());
            if (outDir != null) {
                GrafanaDemo.run(outDir, grafanaUrl, System.getenv("GRAFANA_TOKEN"), MetricsOptions.defaults(), out);
            }
            try (AlertingDemo alerts = AlertingDemo.start(registry, out, System.getenv("MIGMON_ALERT_WEBHOOK"));
                 AnomalyMonitor anomalies = AnomalyMonitor.builder(migrationId)
                         .meterRegistry(registry)
                         .defaultDetectors()
                         .detector(LowThroughputDetector.builder(rate).build())   // the seed's 0.5x expected rule
                         .minSampleSpacing(Duration.ofSeconds(5))                 // detectors judge in time; spacing only saves CPU
                         .listener(a -> out.printf("[%s] anomaly %s %s: %s%n", a.migrationId(), a.state(), a.type(),
                                 a.message()))
                         .listener(alerts)
                         .build();
                 CdcDemo cdc = noCdc ? null : startCdc(registry);
                 MongoDemo mongo = noMongo ? null : MongoDemo.start(registry, out);
                 ObservableMigration migration = ObservableMigration.builder(migrationId)
                         .meterRegistry(registry)
                         .clock(clock)
                         .listener(anomalies.migrationListener())
                         .build()) {
                return runSample(registry, clock, deadline, reporter, alerts, anomalies, cdc, mongo, migration);
            }
        } finally {
            reporter.shutdownNow();
            if (demoMeters != null) {
                demoMeters.close();
            }
        }
    }

    private CdcDemo startCdc(PrometheusMeterRegistry registry) throws Exception {
        out.println("cdc demo: starting embedded PostgreSQL, Kafka and Debezium (takes ~15 s)");
        return CdcDemo.start(registry, out);
    }

    private int runSample(PrometheusMeterRegistry registry, Clock clock, long deadline, ScheduledExecutorService reporter,
            AlertingDemo alerts, AnomalyMonitor anomalies, CdcDemo cdc, MongoDemo mongo, ObservableMigration migration)
            throws Exception {
        CompositeHealthCheck.Builder checks = CompositeHealthCheck.builder("demo")
                .add(MigrationHealthCheck.builder(migration).clock(clock)
                        .maxDataLag(LagThresholds.WARNING, LagThresholds.CRITICAL)   // 60/300 s, as dashboards and rules
                        .maxErrorRate(0.001, 0.01, 100)                                 // the seed's 1% is critical
                        .stalledAfter(Duration.ofSeconds(30))
                        .build())
                .add(anomalies.healthCheck());
        if (cdc != null) {
            checks.add(cdc.healthCheck());
        }
        HealthCheck health = checks.build();
        demoMeters = MigmonMeters.create(registry);
        HealthMeters.bind(demoMeters, health);                                      // migmon_health_status{check,status}
        HealthAlerts healthAlerts = alerts.watch(health);                           // health_degraded / health_down

        reporter.scheduleAtFixedRate(() -> report(migration, health, healthAlerts), reportInterval.toMillis(),
                reportInterval.toMillis(), TimeUnit.MILLISECONDS);

        SampleMigration body = new SampleMigration(rows, batchSize, rate, clock, () -> stopRequested || System.nanoTime() > deadline);
        int exit = 0;
        try {
            long copied = migration.run(body);
            out.printf("migration %s finished: %,d rows copied%n", migrationId, copied);
        } catch (MigrationAbortedException e) {
            out.printf("migration %s aborted: %s%n", migrationId, e.getMessage());
        } catch (Exception e) {
            out.printf("migration %s failed: %s%n", migrationId, e);
            exit = 1;
        }
        reporter.shutdownNow();
        reporter.awaitTermination(5, TimeUnit.SECONDS);
        report(migration, health, healthAlerts);
        if (mongo != null) {
            try {
                MongoRunReport report = mongo.awaitReport(Duration.ofMinutes(2));
                out.printf("mongo demo: %d migration(s) applied%n", report.applied().size());
            } catch (Exception e) {
                out.printf("mongo demo failed: %s%n", e);
                exit = 1;
            }
        }
        if (cdc != null) {
            out.printf("cdc demo: %,d change events processed, source/replica rows %s%n", cdc.eventsProcessed(),
                    cdc.rowCounts());
        }
        if (!linger.isZero()) {
            out.printf("serving metrics for %s more%n", linger);
            stopLinger.await(linger.toMillis(), TimeUnit.MILLISECONDS);
        }
        return exit;
    }

    private void report(ObservableMigration migration, HealthCheck health, HealthAlerts healthAlerts) {
        try {
            healthAlerts.evaluate();
            MigrationRun run = migration.currentRun().orElse(null);
            if (run == null) {
                return;
            }
            ProgressSnapshot s = run.sample();
            Health h = health.check();
            out.printf("[%s] %-8s %s | lag %.1fs | errors %d | health %s%n", migration.migrationId(),
                    run.status().tagValue(), s.describe(), nanToZero(run.stats().dataLagSeconds()),
                    run.stats().errors(), h.status());
        } catch (RuntimeException e) {
            out.println("report failed: " + e);
        }
    }

    private static double nanToZero(double d) {
        return Double.isNaN(d) ? 0 : d;
    }

    /** Parses {@code 30s}, {@code 5m}, {@code 1h}, {@code 250ms} or ISO-8601 ({@code PT30S}). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(java.util.Locale.ROOT);
            try {
                if (v.startsWith("pt") || v.startsWith("p")) {
                    return Duration.parse(value.trim().toUpperCase(java.util.Locale.ROOT));
                }
                if (v.endsWith("ms")) {
                    return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
                }
                long n = Long.parseLong(v.substring(0, v.length() - 1));
                return switch (v.charAt(v.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    default -> Duration.ofSeconds(Long.parseLong(v));
                };
            } catch (RuntimeException e) {
                throw new CommandLine.TypeConversionException("not a duration: '" + value + "' (use e.g. 30s, 5m, 1h)");
            }
        }
    }
}
