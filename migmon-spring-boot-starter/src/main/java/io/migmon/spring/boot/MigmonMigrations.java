package io.migmon.spring.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.MigrationStatus;
import io.migmon.core.ObservableMigration;
import io.migmon.core.anomaly.AnomalyListener;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.health.MigrationHealthCheck;
import io.migmon.core.metrics.MetricsOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The application's {@link ObservableMigration}s, one per id, recording into the application's MeterRegistry, with
 * health (Actuator component {@code migmon.<id>}), anomaly detection, alerting and periodic sampling wired by the
 * starter. A service runs a backfill in two lines:
 *
 * <pre>{@code
 * ObservableMigration backfill = migrations.migration("orders-backfill", 1_000_000);
 * long copied = backfill.run(ctx -> copyInBatches(ctx));   // no catch needed if copyInBatches throws nothing checked
 * }</pre>
 *
 * <p>{@link #migration(String)} returns the same instance for the same id (migmon allows one live instance per id
 * and registry), so calling it on every request is fine. Everything is closed (meters removed) when the
 * application context closes. Thread-safe.
 */
public final class MigmonMigrations implements AutoCloseable {

    private final MeterRegistry registry;
    private final MetricsOptions options;
    private final java.time.Clock clock;
    private final MigmonProperties.Health health;
    private final boolean anomalies;
    private final List<AnomalyListener> anomalyListeners;
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private boolean closed;

    /**
     * @param registry          the application's registry
     * @param options           metric naming options
     * @param health            thresholds of each migration's health check
     * @param anomalies         whether each migration gets an AnomalyMonitor with the default detectors
     * @param anomalyListeners  receive anomalies (the starter passes AnomalyAlerts when alerting is configured)
     * @param clock             time source of the migrations (durations, throughput, ETA, samples)
     */
    public MigmonMigrations(MeterRegistry registry, MetricsOptions options, MigmonProperties.Health health,
            boolean anomalies, List<AnomalyListener> anomalyListeners, java.time.Clock clock) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.health = Objects.requireNonNull(health, "health");
        this.anomalies = anomalies;
        this.anomalyListeners = List.copyOf(anomalyListeners);
    }

    /** The migration with this id, created on first use. */
    public ObservableMigration migration(String id) {
        return migration(id, b -> { });
    }

    /** The migration with this id, created on first use with {@code expectedRows} (enables progress and ETA). */
    public ObservableMigration migration(String id, long expectedRows) {
        return migration(id, b -> b.expectedRows(expectedRows));
    }

    /**
     * The migration with this id, created on first use; {@code customizer} adjusts the builder (expected rows,
     * listeners, throughput smoothing) and is ignored when the migration exists already.
     *
     * @throws IllegalStateException once the application context is closing
     */
    public synchronized ObservableMigration migration(String id, Consumer<ObservableMigration.Builder> customizer) {
        if (closed) {
            throw new IllegalStateException("the application context is closing: migration '" + id + "' cannot be created");
        }
        Entry e = entries.get(id);
        if (e != null) {
            return e.migration;
        }
        ObservableMigration.Builder b = ObservableMigration.builder(id).meterRegistry(registry).metricsOptions(options)
                .clock(clock);
        AnomalyMonitor monitor = null;
        if (anomalies) {
            AnomalyMonitor.Builder mb = AnomalyMonitor.builder(id).meterRegistry(registry).metricsOptions(options)
                    .defaultDetectors();
            anomalyListeners.forEach(mb::listener);
            monitor = mb.build();
            b.listener(monitor.migrationListener());
        }
        customizer.accept(b);
        ObservableMigration m;
        try {
            m = b.build();
        } catch (RuntimeException ex) {
            if (monitor != null) {
                monitor.close();
            }
            throw ex;
        }
        entries.put(id, new Entry(m, healthCheck(m), monitor));
        return m;
    }

    /** The migration with this id if it was created. */
    public synchronized Optional<ObservableMigration> find(String id) {
        return Optional.ofNullable(entries.get(id)).map(e -> e.migration);
    }

    /** Every migration created so far, in creation order. */
    public synchronized List<ObservableMigration> all() {
        List<ObservableMigration> out = new ArrayList<>();
        entries.values().forEach(e -> out.add(e.migration));
        return out;
    }

    /** Health checks of every migration (and its anomaly monitor), keyed by component name. */
    public synchronized Map<String, HealthCheck> healthChecks() {
        Map<String, HealthCheck> out = new LinkedHashMap<>();
        for (Entry e : entries.values()) {
            out.put(e.migration.migrationId(), e.health);
            if (e.monitor != null) {
                out.put(e.migration.migrationId() + ".anomalies", e.monitor.healthCheck());
            }
        }
        return out;
    }

    /** Hands a progress sample of every running migration to its listeners (the starter's watcher calls it). */
    public void sampleRunning() {
        for (ObservableMigration m : all()) {
            Optional<MigrationRun> run = m.currentRun();
            if (run.isPresent() && run.get().status() == MigrationStatus.RUNNING) {
                run.get().sample();
            }
        }
    }

    /** Closes every migration and monitor (removing their meters). */
    @Override
    public synchronized void close() {
        closed = true;
        for (Entry e : entries.values()) {
            e.migration.close();
            if (e.monitor != null) {
                e.monitor.close();
            }
        }
        entries.clear();
    }

    private MigrationHealthCheck healthCheck(ObservableMigration m) {
        return migrationHealthCheck(m, health);
    }

    static MigrationHealthCheck migrationHealthCheck(ObservableMigration m, MigmonProperties.Health h) {
        MigrationHealthCheck.Builder b = MigrationHealthCheck.builder(m).name(m.migrationId())
                .maxErrorRate(h.getErrorRateWarning(), h.getErrorRateLimit(), h.getErrorRateMinSamples());
        Duration warn = h.getDataLagWarning();
        Duration limit = h.getDataLagLimit();
        if (warn != null || limit != null) {
            b.maxDataLag(warn != null ? warn : limit, limit != null ? limit : Duration.ofSeconds(Long.MAX_VALUE / 2_000_000_000L));
        }
        if (h.getStalledAfter() != null) {
            b.stalledAfter(h.getStalledAfter());
        }
        return b.build();
    }

    private record Entry(ObservableMigration migration, HealthCheck health, AnomalyMonitor monitor) {
    }
}
