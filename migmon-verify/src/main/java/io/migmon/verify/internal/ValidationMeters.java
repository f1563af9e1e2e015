package io.migmon.verify.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.VerificationReport;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 *
 * <p>Bounded: a verification series is a (name, table) pair in a registry. The newest verifier of a name owns the
 * name, so building one for another table removes the name's series of the old table. At most
 * {@link MetricsOptions#maxTagValues()} (default 100) series per registry and prefix: a new one beyond that removes
 * the least recently used (built, started or finished) series whose run is not in progress, counted in
 * {@code migmon.tag.overflow{tag_key=verification}} and logged (WARN once per registry, then DEBUG). A verifier whose
 * series was removed registers it again when it runs again.
 */
public final class ValidationMeters implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ValidationMeters.class);

    /** The values behind the gauges, shared by every instance of one verification series in one registry. */
    private static final class State {
        final List<String> key;
        final AtomicLong differences = new AtomicLong();
        final AtomicLong inFlight = new AtomicLong();
        volatile double progress = Double.NaN;
        volatile double eta = Double.NaN;
        /** Ids of every meter registered for the series (guarded by {@link #STATES}). */
        final Set<Meter.Id> ids = new HashSet<>();
        /** Runs in progress (guarded by {@link #STATES}): a series with a running run is never evicted. */
        int running;
        /** Removed from the registry (evicted or removed): nothing is registered for it any more. */
        volatile boolean detached;
        /**
         * Token of the instance that registered last: only it may remove the shared meters (a token, not the
         * instance, which holds the registry: the registry is this map's weak key).
         */
        volatile Object owner;

        State(List<String> key) {
            this.key = key;
        }
    }

    /** The verification series of one registry, least recently used first. Guarded by {@link #STATES}. */
    private static final class Book {
        final LinkedHashMap<List<String>, State> series = new LinkedHashMap<>(16, 0.75f, true);
        boolean warned;
    }

    /** Series per registry (weakly: a registry the host drops takes its entries along). */
    private static final Map<MeterRegistry, Book> STATES = new WeakHashMap<>();

    private final MigmonMeters meters;
    private final MeterRegistry registry;
    private final MetricsOptions options;
    private final List<String> stateKey;
    private final String name;
    private final String table;
    private final Clock clock;
    private final Object ownerToken = new Object();
    private final long[] confirmedThisRun = new long[DifferenceKind.values().length];
    private volatile Counter rows;
    private final Map<DifferenceKind, Counter> mismatches = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile State state;
    private boolean running; // guarded by STATES
    private boolean removed; // guarded by STATES: remove() ran, nothing is registered any more
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
        this.options = options;
        this.stateKey = java.util.Arrays.asList(options.prefix(), name, table);
        this.name = name;
        this.table = table;
        this.clock = clock;
        synchronized (STATES) {
            attach();
        }
    }

    /**
     * Takes the series of this name and table over (or creates it) and registers its meters. The newest verifier of
     * a name owns the name: a series of the same name and another table is removed. A new series beyond
     * {@link MetricsOptions#maxTagValues()} series in the registry (for this prefix) removes the least recently
     * used series whose run is not in progress. Called with {@link #STATES} held.
     */
    private void attach() {
        Book book = STATES.computeIfAbsent(registry, r -> new Book());
        for (State other : new ArrayList<>(book.series.values())) {
            if (other.key.get(0).equals(stateKey.get(0)) && other.key.get(1).equals(name)
                    && !other.key.get(2).equals(table)) {
                detach(book, other); // the name was re-pointed at this table
            }
        }
        State st = book.series.get(stateKey); // also marks it used
        if (st == null) {
            st = new State(stateKey);
            book.series.put(stateKey, st);
            evictBeyondCap(book, st);
        }
        st.owner = ownerToken; // the latest verifier of the name takes the meters over
        this.state = st;
        this.rows = meters.counter(MetricCatalog.VALIDATION_ROWS, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
        for (DifferenceKind k : DifferenceKind.values()) {
            mismatches.put(k, meters.counter(MetricCatalog.VALIDATION_MISMATCHES, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table,
                    MetricCatalog.KIND, k.tagValue()));
        }
        State s = st;
        meters.gauge(MetricCatalog.VALIDATION_PROGRESS, s, m -> m.progress, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
        meters.gauge(MetricCatalog.VALIDATION_ETA, s, m -> m.eta, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
        meters.gauge(MetricCatalog.VALIDATION_DIFFERENCES, s.differences, AtomicLong::doubleValue, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
        meters.gauge(MetricCatalog.VALIDATION_IN_FLIGHT, s.inFlight, AtomicLong::doubleValue, MetricCatalog.VERIFICATION, name, MetricCatalog.TABLE, table);
        collectIds(s);
    }

    private void collectIds(State s) {
        for (Meter.Id id : meters.registeredIds()) {
            if (id.getTag(MetricCatalog.VERIFICATION) != null) {
                s.ids.add(id);
            }
        }
    }

    private void evictBeyondCap(Book book, State added) {
        int cap = options.maxTagValues();
        String prefix = added.key.get(0);
        long count = book.series.keySet().stream().filter(k -> k.get(0).equals(prefix)).count();
        for (Iterator<State> it = new ArrayList<>(book.series.values()).iterator(); count > cap && it.hasNext(); ) {
            State oldest = it.next();
            if (oldest == added || oldest.running > 0 || !oldest.key.get(0).equals(prefix)) {
                continue;
            }
            detach(book, oldest);
            count--;
            try {
                MigmonMeters.create(registry, options).counter(MetricCatalog.TAG_OVERFLOW, MetricCatalog.TAG_KEY,
                        MetricCatalog.VERIFICATION).increment();
            } catch (RuntimeException e) {
                // observability never breaks the host
            }
            if (!book.warned) {
                book.warned = true;
                LOG.warn("more than {} verification series (name, table) in one meter registry: the least recently used "
                        + "finished one ({}) was removed with its meters; further removals are logged at DEBUG and counted "
                        + "in migmon.tag.overflow{tag_key=verification} (MetricsOptions.maxTagValues)", cap,
                        oldest.key.subList(1, 3));
            } else {
                LOG.debug("verification series {} removed (more than {} in one meter registry)", oldest.key.subList(1, 3),
                        cap);
            }
        }
    }

    private void detach(Book book, State s) {
        s.detached = true;
        for (Meter.Id id : s.ids) {
            registry.remove(id);
        }
        s.ids.clear();
        book.series.remove(s.key, s);
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
        synchronized (STATES) {
            if (state.detached && !removed) {
                attach(); // the series was removed (cap, or the name re-pointed): the running verifier takes it back
            } else {
                Book book = STATES.get(registry);
                if (book != null) {
                    book.series.get(stateKey); // marks it used
                }
            }
            if (!running) {
                running = true;
                state.running++;
            }
        }
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
        ended(report.status().tagValue(), report.duration());
    }

    /** The run failed (exception): duration recorded with status {@code failed}. */
    public void failed(Duration took) {
        state.inFlight.set(0);
        state.eta = Double.NaN;
        ended("failed", took);
    }

    /** Counts a contained failure (e.g. the health check or checkpoint store threw). */
    public void recordFailure(String component, Throwable t) {
        meters.recordFailure(component, t);
    }

    /** The run ended: its duration recorded (unless the series was removed meanwhile), the series marked used. */
    private void ended(String status, Duration took) {
        synchronized (STATES) {
            if (running) {
                running = false;
                state.running--;
            }
            if (state.detached || removed) {
                return; // registering the timer would bring a removed series back
            }
            Book book = STATES.get(registry);
            if (book != null) {
                book.series.get(stateKey); // marks it used
            }
            Timer t = meters.timer(MetricCatalog.VALIDATION_DURATION, MetricCatalog.VERIFICATION, name,
                    MetricCatalog.TABLE, table, MetricCatalog.STATUS, status);
            state.ids.add(t.getId());
            t.record(took);
        }
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
            removed = true;
            if (state.detached) {
                return; // already removed (its ids may now be another verifier's series of the same name and table)
            }
            meters.close();
            Book book = STATES.get(registry);
            if (book != null) {
                detach(book, state);
            }
        }
    }
}
