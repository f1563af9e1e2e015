package io.migmon.grafana.it;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.health.HealthMeters;
import io.migmon.core.health.MigrationHealthCheck;
import io.migmon.core.metrics.MeterDefinition;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.metrics.MigmonMeters;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A host's registry populated through migmon's real API and served for scraping on 127.0.0.1: a running migration
 * ({@code orders-backfill}: rows on two tables, errors, data lag, progress, ETA, health check), a failed one
 * ({@code users-migration}), and every other catalog meter (CDC, MongoDB, alerting, anomalies, migmon's own) registered
 * through {@link MigmonMeters} with sample tag values. A test-owned thread records rows, errors, counter increments and
 * timer samples every 100 ms so that rates are positive.
 */
final class SampleMetrics implements AutoCloseable {

    /** Sample tag values by tag key; state sets get the value whose gauge is 1. */
    private static final Map<String, String> TAG_VALUES = Map.ofEntries(
            Map.entry(MetricCatalog.MIGRATION_ID, "generic-sample"), Map.entry(MetricCatalog.STATUS, "success"),
            Map.entry(MetricCatalog.TABLE_NAME, "orders"), Map.entry(MetricCatalog.ERROR_TYPE, "SQLException"),
            Map.entry(MetricCatalog.VERSION, "V2"), Map.entry(MetricCatalog.COLLECTION, "customers"),
            Map.entry(MetricCatalog.SOURCE, "inventory"), Map.entry(MetricCatalog.TABLE, "orders"),
            Map.entry(MetricCatalog.OPERATION, "c"), Map.entry(MetricCatalog.TOPIC, "inventory.public.orders"),
            Map.entry(MetricCatalog.PARTITION, "0"), Map.entry(MetricCatalog.SOURCE_TABLE, "public.orders"),
            Map.entry(MetricCatalog.TARGET_TABLE, "orders"), Map.entry(MetricCatalog.STAGE, "consumer_to_applied"),
            Map.entry(MetricCatalog.REASON, "malformed_json"), Map.entry(MetricCatalog.CONNECTOR, "inventory-connector"),
            Map.entry(MetricCatalog.TASK, "0"), Map.entry(MetricCatalog.STATE, "RUNNING"),
            Map.entry(MetricCatalog.TYPE, "throughput_drop"), Map.entry(MetricCatalog.SEVERITY, "warning"),
            Map.entry(MetricCatalog.SINK, "slack"), Map.entry(MetricCatalog.CHECK, "counts"),
            Map.entry(MetricCatalog.COMPONENT, "listener"), Map.entry(MetricCatalog.METER, "migration.rows"),
            Map.entry(MetricCatalog.TAG_KEY, "table_name"));

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ObservableMigration running;
    private final ObservableMigration failed;
    private final MigrationRun run;
    private final MigmonMeters others;
    private final HealthMeters health;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "sample-metrics-ticker");
        t.setDaemon(true);
        return t;
    });
    private final HttpServer server;
    private final List<Counter> counters = new ArrayList<>();
    private final List<Timer> timers = new ArrayList<>();
    private final List<String> genericallyRegistered = new ArrayList<>();

    SampleMetrics(MetricsOptions options) throws IOException {
        running = ObservableMigration.builder("orders-backfill").meterRegistry(registry).metricsOptions(options)
                .expectedRows(1_000_000).build();
        run = running.start();
        run.recordRows("orders", 5_000);
        run.recordDataLag(Duration.ofSeconds(90));

        failed = ObservableMigration.builder("users-migration").meterRegistry(registry).metricsOptions(options).build();
        try {
            failed.run(ctx -> {
                ctx.recordRows("users", 100);
                throw new IllegalStateException("duplicate key");
            });
        } catch (Exception expected) {
            // recorded as failed
        }
        health = HealthMeters.bind(running.meters(), MigrationHealthCheck.builder(running).build());

        others = MigmonMeters.create(registry, options);
        for (MeterDefinition def : MetricCatalog.all()) {
            if (!registry.find(def.name(options.prefix())).meters().isEmpty()) {
                continue; // already there through the real API
            }
            genericallyRegistered.add(def.name());
            String[] tags = def.tagKeys().stream().flatMap(k -> java.util.stream.Stream.of(k,
                    TAG_VALUES.getOrDefault(k, "sample"))).toArray(String[]::new);
            switch (def.type()) {
                case COUNTER -> counters.add(others.counter(def, tags));
                case GAUGE -> others.gauge(def, def, d -> d.tagKeys().contains(MetricCatalog.STATE)
                        || d.tagKeys().contains(MetricCatalog.STATUS) ? 1.0 : 42.0, tags);
                case TIMER -> timers.add(others.timer(def, tags));
                case DISTRIBUTION_SUMMARY -> others.summary(def, tags).record(1);
                default -> throw new IllegalStateException(def.type().name());
            }
        }
        ticker.scheduleAtFixedRate(this::tick, 0, 100, TimeUnit.MILLISECONDS);

        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/metrics", ex -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    private void tick() {
        run.recordRows("orders", 900);
        run.recordRows("items", 300);
        if (Math.random() < 0.5) {
            run.recordError("SQLTransientException");
        }
        run.sample();
        counters.forEach(c -> c.increment(3));
        timers.forEach(t -> t.record(Duration.ofMillis(200)));
    }

    /** host:port of the scrape endpoint. */
    String target() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Catalog meters registered generically (not through a higher-level core API). */
    List<String> genericallyRegistered() {
        return genericallyRegistered;
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        server.stop(0);
        health.close();
        others.close();
        run.succeed();
        running.close();
        failed.close();
        registry.close();
    }
}
