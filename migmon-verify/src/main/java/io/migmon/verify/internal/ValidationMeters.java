package io.migmon.verify.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.VerificationReport;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code migration_validation_*} meters of one verification (tagged with its name and its table or collection): rows covered, verified mismatches by kind,
 * run duration, progress / ETA of the running validation, verified differences of the latest run and in-flight
 * candidates. Gauges stay registered (last value) until {@link #close()}. Thread-safe.
 */
public final class ValidationMeters implements AutoCloseable {

    private final MigmonMeters meters;
    private final String name;
    private final String table;
    private final Clock clock;
    private final Counter rows;
    private final Map<DifferenceKind, Counter> mismatches = new EnumMap<>(DifferenceKind.class);
    private final AtomicLong differences = new AtomicLong();
    private final AtomicLong inFlight = new AtomicLong();
    private volatile double progress = Double.NaN;
    private volatile double eta = Double.NaN;
    private volatile double expectedRows = Double.NaN;
    private volatile long runStartMillis;
    private volatile long doneRows;

    /**
     * @param name  the verification's name (tag {@code verification})
     * @param table the table or collection (tag {@code table})
     */
    public ValidationMeters(MeterRegistry registry, MetricsOptions options, Clock clock, String name, String table) {
        this.meters = MigmonMeters.create(registry, options);
        this.name = name;
        this.table = table;
        this.clock = clock;
        this.rows = meters.counter(MetricCatalog.VALIDATION_ROWS, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
        for (DifferenceKind k : DifferenceKind.values()) {
            mismatches.put(k, meters.counter(MetricCatalog.VALIDATION_MISMATCHES, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table,
                    MetricCatalog.KIND, k.tagValue()));
        }
        meters.gauge(MetricCatalog.VALIDATION_PROGRESS, this, m -> m.progress, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
        meters.gauge(MetricCatalog.VALIDATION_ETA, this, m -> m.eta, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
        meters.gauge(MetricCatalog.VALIDATION_DIFFERENCES, differences, AtomicLong::doubleValue, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
        meters.gauge(MetricCatalog.VALIDATION_IN_FLIGHT, inFlight, AtomicLong::doubleValue, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
    }

    /** Longest accepted verification name (it becomes a tag value and a health-check key). */
    public static final int MAX_NAME_LENGTH = 200;

    /**
     * Checks a verification name given to a builder: not blank, at most {@value #MAX_NAME_LENGTH} characters, no
     * control characters (it is a tag value, a health-check key and part of log lines).
     *
     * @throws IllegalArgumentException naming the field {@code name}
     */
    public static String requireName(String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        if (value.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("name must be at most " + MAX_NAME_LENGTH + " characters, was "
                    + value.length());
        }
        if (value.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("name must not contain control characters");
        }
        return value;
    }

    /** A run starts: progress 0 (or NaN when the expected rows are unknown, i.e. {@code expected <= 0}). */
    public void start(long expected, long alreadyDone) {
        this.expectedRows = expected > 0 ? expected : Double.NaN;
        this.runStartMillis = clock.millis();
        this.doneRows = alreadyDone;
        this.progress = expected > 0 ? Math.min(1.0, alreadyDone / (double) expected) : Double.NaN;
        this.eta = Double.NaN;
        this.inFlight.set(0);
    }

    /** Rows covered by one more range (counted, progress and ETA updated). */
    public void rowsChecked(long n, long doneSoFar, long doneThisRun) {
        rows.increment(n);
        doneRows = doneSoFar;
        double expected = expectedRows;
        if (Double.isNaN(expected)) {
            return;
        }
        double p = Math.min(0.99, doneSoFar / expected);
        progress = p;
        double elapsed = Math.max(1, clock.millis() - runStartMillis) / 1000.0;
        double rate = doneThisRun / elapsed;
        eta = rate > 0 ? Math.max(0, expected - doneSoFar) / rate : Double.NaN;
    }

    public void inFlight(long n) {
        inFlight.set(n);
    }

    /** The run finished with this report: mismatches counted, differences gauge set, progress 1, ETA 0. */
    public void finished(VerificationReport report) {
        for (DifferenceKind k : DifferenceKind.values()) {
            long c = report.count(k);
            if (c > 0) {
                mismatches.get(k).increment(c);
            }
        }
        differences.set(report.totalDifferences());
        inFlight.set(0);
        progress = 1.0;
        eta = 0;
        timer(report.status().tagValue()).record(report.duration());
    }

    /** The run failed (exception): duration recorded with status {@code failed}. */
    public void failed(Duration took) {
        inFlight.set(0);
        eta = Double.NaN;
        timer("failed").record(took);
    }

    /** Counts a contained failure (e.g. the health check or checkpoint store threw). */
    public void recordFailure(String component, Throwable t) {
        meters.recordFailure(component, t);
    }

    private Timer timer(String status) {
        return meters.timer(MetricCatalog.VALIDATION_DURATION, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table, MetricCatalog.STATUS, status);
    }

    @Override
    public void close() {
        meters.close();
    }
}
