package io.migmon.core.report;

import io.migmon.core.MigrationRun;
import io.migmon.core.MigrationStats;
import io.migmon.core.MigrationStatus;
import io.migmon.core.anomaly.Anomaly;
import io.migmon.core.anomaly.AnomalyListener;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.progress.ProgressSnapshot;
import io.migmon.core.spi.MigrationListener;
import io.migmon.core.support.Require;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a {@link RunReport} as JSON when a migration run ends: the one line a host adds so that
 * {@code migmon check --report FILE} can gate a pipeline without Prometheus.
 *
 * <pre>{@code
 * ObservableMigration.builder("orders-backfill").meterRegistry(registry)
 *         .listener(RunReportWriter.toFile(Path.of("build/migmon-report.json")))
 *         .build();
 * }</pre>
 *
 * <p>It is also an {@link AnomalyListener}: add it to an {@code AnomalyMonitor} to list the anomalies that fired,
 * and give it a {@link Builder#healthCheck(HealthCheck) health check} to record the health at the end. The data lag
 * it reports is the highest value seen at the run's samples ({@link MigrationRun#sample()}) and at its end.
 *
 * <p>The file is written to a temporary file beside it and moved into place, so a reader never sees half a report.
 * A write failure is logged and thrown to the migration's listener guard, which counts it in
 * {@code migmon_observability_failures_total{component="listener"}}; it never fails the migration. Thread-safe; a
 * writer may serve several consecutive runs of the same migration (each overwrites the file).
 */
public final class RunReportWriter implements MigrationListener, AnomalyListener {

    private static final Logger LOG = LoggerFactory.getLogger(RunReportWriter.class);

    private final Path file;
    private final HealthCheck healthCheck;
    private final Consumer<RunReport> onReport;
    private final Object lock = new Object();
    private final Map<String, Long> errorsByType = new LinkedHashMap<>();
    private final Map<String, RunReport.AnomalySummary> anomalies = new LinkedHashMap<>();
    private double maxLag = Double.NaN;
    private volatile RunReport last;

    private RunReportWriter(Builder b) {
        this.file = b.file;
        this.healthCheck = b.healthCheck;
        this.onReport = b.onReport;
    }

    /** A writer to {@code file} with no health check. */
    public static RunReportWriter toFile(Path file) {
        return builder(file).build();
    }

    /** A builder for a writer to {@code file} (parent folders are created when the report is written). */
    public static Builder builder(Path file) {
        return new Builder(file);
    }

    /** The file the report goes to. */
    public Path file() {
        return file;
    }

    /** The report of the last finished run, or {@code null} before the first one ends. */
    public RunReport lastReport() {
        return last;
    }

    @Override
    public void onStart(MigrationRun run) {
        synchronized (lock) {
            errorsByType.clear();
            anomalies.clear();
            maxLag = Double.NaN;
        }
    }

    @Override
    public void onSample(MigrationRun run, ProgressSnapshot snapshot) {
        observeLag(run.stats().dataLagSeconds());
    }

    @Override
    public void onError(MigrationRun run, String errorType) {
        synchronized (lock) {
            errorsByType.merge(errorType, 1L, Long::sum);
        }
    }

    @Override
    public void onAnomaly(Anomaly anomaly) {
        if (anomaly.state() != Anomaly.State.FIRING) {
            return;
        }
        String severity = anomaly.severity().name().toLowerCase(Locale.ROOT);
        synchronized (lock) {
            anomalies.merge(anomaly.type() + "/" + severity,
                    new RunReport.AnomalySummary(anomaly.type(), severity, 1, anomaly.message()),
                    (a, b) -> new RunReport.AnomalySummary(a.type(), a.severity(), a.count() + 1, b.lastMessage()));
        }
    }

    @Override
    public void onFinish(MigrationRun run, MigrationStatus status, Duration duration, Throwable failure) {
        MigrationStats stats = run.stats();
        observeLag(stats.dataLagSeconds());
        RunReport.HealthSummary health = null;
        if (healthCheck != null) {
            Health h;
            try {
                h = healthCheck.check();
            } catch (RuntimeException e) {
                h = Health.down("health check threw " + e.getClass().getSimpleName());
            }
            health = new RunReport.HealthSummary(healthCheck.name(), h.status().name(), h.reasons());
        }
        RunReport report;
        synchronized (lock) {
            report = new RunReport(run.migrationId(), status, run.startedAt(), run.startedAt().plus(duration),
                    stats.rows(), run.progress().expectedRows(), stats.errors(), errorsByType, maxLag,
                    stats.dataLagSeconds(), new ArrayList<>(anomalies.values()), health,
                    failure == null ? null : simpleName(failure));
        }
        last = report;
        write(report);
        if (onReport != null) {
            onReport.accept(report);
        }
    }

    private void observeLag(double lag) {
        if (Double.isNaN(lag)) {
            return;
        }
        synchronized (lock) {
            if (Double.isNaN(maxLag) || lag > maxLag) {
                maxLag = lag;
            }
        }
    }

    private void write(RunReport report) {
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) {
                Files.createDirectories(dir);
            }
            Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
            Files.writeString(tmp, report.toJson(), StandardCharsets.UTF_8);
            try {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            LOG.info("migration {} run report written to {}", report.migrationId(), file);
        } catch (IOException e) {
            LOG.warn("migration {}: cannot write the run report to {}: {}", report.migrationId(), file, e.toString());
            throw new UncheckedIOException("cannot write the run report to " + file, e);
        }
    }

    private static String simpleName(Throwable t) {
        String s = t.getClass().getSimpleName();
        return s.isEmpty() ? t.getClass().getName() : s;
    }

    @Override
    public String toString() {
        return "RunReportWriter[" + file + "]";
    }

    /** Builder of a {@link RunReportWriter}; not thread-safe. */
    public static final class Builder {
        private final Path file;
        private HealthCheck healthCheck;
        private Consumer<RunReport> onReport;

        private Builder(Path file) {
            Require.notNull(file, "file");
            if (file.getFileName() == null) {
                throw new IllegalArgumentException("file must name a file, was '" + file + "'");
            }
            this.file = file;
        }

        /** A health check evaluated once at the end of each run; its verdict goes into the report. */
        public Builder healthCheck(HealthCheck check) {
            this.healthCheck = Require.notNull(check, "healthCheck");
            return this;
        }

        /** Also hands each report to {@code consumer} after it was written (e.g. to print it). */
        public Builder onReport(Consumer<RunReport> consumer) {
            this.onReport = Require.notNull(consumer, "onReport");
            return this;
        }

        /** Builds the writer (immutable, thread-safe). */
        public RunReportWriter build() {
            return new RunReportWriter(this);
        }
    }

}
