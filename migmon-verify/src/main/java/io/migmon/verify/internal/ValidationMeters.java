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
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code migration_validation_*} meters of one verification (tagged with its name and its table or collection): rows covered, verified mismatches by kind,
 * run duration, progress / ETA of the running validation, verified differences of the latest run and in-flight
 * candidates. Thread-safe.
 *
 * <p>Who owns the meters: they outlive the verifier. {@link #close()} keeps them registered with the last run's
 * values, so that a scrape after the documented try-with-resources run still sees the result (the
 * {@code validation_differences} rule and the dashboard read it); the host removes them ({@link #remove()}, i.e.
 * the verifier's {@code removeMeters()}), or a later verifier of the same name (and table, in the same registry)
 * takes them over: it shares their values, and its run replaces the last one's. {@link #remove()} removes only the
 * meters this instance registered.
 */
public final class ValidationMeters implements AutoCloseable {

    /** The values behind the gauges, shared by every instance of one verification in one registry. */
    private static final class State {
        final AtomicLong differences = new AtomicLong();
        final AtomicLong inFlight = new AtomicLong();
        volatile double progress = Double.NaN;
        volatile double eta = Double.NaN;
        /**
         * Token of the instance that registered last: only it may remove the shared meters (a token, not the
         * instance, which holds the registry: the registry is this map's weak key).
         */
        volatile Object owner;
    }

    /** Gauge values per registry (weakly: a registry the host drops takes its entries along) and verification. */
    private static final Map<MeterRegistry, Map<List<String>, State>> STATES =
            java.util.Collections.synchronizedMap(new java.util.WeakHashMap<>());

    private final MigmonMeters meters;
    private final MeterRegistry registry;
    private final List<String> stateKey;
    private final String name;
    private final String table;
    private final Clock clock;
    private final Counter rows;
    private final Map<DifferenceKind, Counter> mismatches = new EnumMap<>(DifferenceKind.class);
    private final State state;
    private final Object ownerToken = new Object();
    private final long[] confirmedThisRun = new long[DifferenceKind.values().length];
    private volatile double expectedRows = Double.NaN;
    private volatile long runStartMillis;
    private volatile long doneRows;

    /**
     * @param name  the verification's name (tag {@code verification})
     * @param table the table or collection (tag {@code table})
     */
    public ValidationMeters(MeterRegistry registry, MetricsOptions options, Clock clock, String name, String table) {
        this.meters = MigmonMeters.create(registry, options);
        this.registry = registry;
        this.stateKey = java.util.Arrays.asList(options.prefix(), name, table);
        this.name = name;
        this.table = table;
        this.clock = clock;
        synchronized (STATES) {
            this.state = STATES.computeIfAbsent(registry, r -> new java.util.concurrent.ConcurrentHashMap<>())
                    .computeIfAbsent(stateKey, k -> new State());
            this.state.owner = ownerToken; // the latest verifier of the name takes the meters over
        }
        this.rows = meters.counter(MetricCatalog.VALIDATION_ROWS, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
        for (DifferenceKind k : DifferenceKind.values()) {
            mismatches.put(k, meters.counter(MetricCatalog.VALIDATION_MISMATCHES, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table,
                    MetricCatalog.KIND, k.tagValue()));
        }
        State st = state;
        meters.gauge(MetricCatalog.VALIDATION_PROGRESS, st, m -> m.progress, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
        meters.gauge(MetricCatalog.VALIDATION_ETA, st, m -> m.eta, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
        meters.gauge(MetricCatalog.VALIDATION_DIFFERENCES, st.differences, AtomicLong::doubleValue, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
        meters.gauge(MetricCatalog.VALIDATION_IN_FLIGHT, st.inFlight, AtomicLong::doubleValue, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
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
        state.progress = expected > 0 ? Math.min(1.0, alreadyDone / (double) expected) : Double.NaN;
        state.eta = Double.NaN;
        state.inFlight.set(0);
        synchronized (confirmedThisRun) {
            java.util.Arrays.fill(confirmedThisRun, 0);
        }
    }

    /**
     * Differences confirmed during the run (before it ends): counted at once, and the differences gauge shows at
     * least this run's confirmed total (it keeps the latest finished run's value until the run finishes or confirms
     * more, so that an alert does not resolve just because a new run started).
     */
    public void confirmed(DifferenceKind kind, long n) {
        if (n <= 0) {
            return;
        }
        long total;
        synchronized (confirmedThisRun) {
            confirmedThisRun[kind.ordinal()] += n;
            total = java.util.Arrays.stream(confirmedThisRun).sum();
        }
        mismatches.get(kind).increment(n);
        long t = total;
        state.differences.accumulateAndGet(t, Math::max);
    }

    /**
     * Differences a resumed run carries over from the interrupted run's checkpoint that the interrupted run already
     * counted when it found them (without a pipeline a difference found is counted at once): they count as counted
     * for this run, so that a crash and its resume count each difference once. Call after {@link #start}.
     */
    public void carriedOver(DifferenceKind kind, long n) {
        if (n <= 0) {
            return;
        }
        synchronized (confirmedThisRun) {
            confirmedThisRun[kind.ordinal()] += n;
        }
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
        state.progress = p;
        double elapsed = Math.max(1, clock.millis() - runStartMillis) / 1000.0;
        double rate = doneThisRun / elapsed;
        state.eta = rate > 0 ? Math.max(0, expected - doneSoFar) / rate : Double.NaN;
    }

    public void inFlight(long n) {
        state.inFlight.set(n);
    }

    /**
     * The run finished with this report: mismatches not yet counted by {@link #confirmed} counted, differences gauge
     * set to the report's total, progress 1, ETA 0. A run that left candidates unresolved (inconclusive) does not
     * lower the differences gauge: it could not verify that earlier differences were repaired, so the gauge keeps
     * the larger of the previous value and this run's verified total (an alert never resolves on an inconclusive
     * run).
     */
    public void finished(VerificationReport report) {
        for (DifferenceKind k : DifferenceKind.values()) {
            long already;
            synchronized (confirmedThisRun) {
                already = confirmedThisRun[k.ordinal()];
            }
            long c = report.count(k) - already;
            if (c > 0) {
                mismatches.get(k).increment(c);
            }
        }
        if (report.unresolved() > 0) {
            state.differences.accumulateAndGet(report.totalDifferences(), Math::max);
        } else {
            state.differences.set(report.totalDifferences());
        }
        state.inFlight.set(0);
        state.progress = 1.0;
        state.eta = 0;
        timer(report.status().tagValue()).record(report.duration());
    }

    /** The run failed (exception): duration recorded with status {@code failed}. */
    public void failed(Duration took) {
        state.inFlight.set(0);
        state.eta = Double.NaN;
        timer("failed").record(took);
    }

    /** Counts a contained failure (e.g. the health check or checkpoint store threw). */
    public void recordFailure(String component, Throwable t) {
        meters.recordFailure(component, t);
    }

    private Timer timer(String status) {
        return meters.timer(MetricCatalog.VALIDATION_DURATION, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table, MetricCatalog.STATUS, status);
    }

    /**
     * Keeps the meters (see the class comment: the last run stays readable after the verifier is closed). Kept as
     * {@link AutoCloseable} for the verifiers' {@code close()}.
     */
    @Override
    public void close() {
        // the meters outlive the verifier; the host removes them with remove()
    }

    /**
     * Removes the meters this instance registered (and forgets the verification's gauge values). Idempotent. Only
     * the instance that registered the verification's meters last (their owner) removes them: a retired verifier's
     * call after a later verifier of the same name took them over is a no-op (the meters are shared by id).
     */
    public void remove() {
        synchronized (STATES) {
            if (state.owner != ownerToken) {
                return;
            }
            meters.close();
            Map<List<String>, State> m = STATES.get(registry);
            if (m != null) {
                m.remove(stateKey, state);
            }
        }
    }
}
