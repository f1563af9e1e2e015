package io.migmon.alerting;

import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.alerting.internal.AlertEngine;
import io.migmon.alerting.internal.AlertMeters;
import io.migmon.alerting.internal.DeliverySource;
import io.migmon.alerting.internal.Signal;
import io.migmon.alerting.internal.SignalQueue;
import io.migmon.alerting.internal.SinkWorker;
import io.migmon.alerting.internal.Ticket;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.metrics.Instrumentation;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.core.support.Require;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embedded alert dispatcher with Alertmanager semantics: hysteresis (flap suppression), routing, grouping,
 * group wait / interval, repeat interval, resolved notifications, deduplication by fingerprint, inhibition and
 * silences, delivering to {@link AlertSink}s with retries, per-sink timeouts and bounded queues.
 *
 * <p><b>Calling it.</b> The host calls {@link #fire(Alert)} each time it evaluates a condition as true and
 * {@link #resolve(Alert)} each time as false (both count as evaluations for {@link Hysteresis}). Neither ever
 * blocks nor throws: they put a signal on a bounded queue that holds at most one entry per alert (fingerprint):
 * repeated evaluations of a queued alert are merged into it (latest state and annotations win, consecutive
 * evaluations are counted for the hysteresis), so a flood of one alert takes one slot. When the queue is full and
 * a new alert arrives, the least severe queued <em>fire</em> is dropped; a resolve is dropped only when the queue
 * holds nothing but resolves. Drops are counted in {@code migmon_alerts_dropped_total{reason="queue_full"}}.
 *
 * <p><b>Delivery.</b> What a sink has been told is recorded when it accepted a notification, never when one was
 * queued: each sink's queue holds at most one entry per group, and the content is computed from the group's current
 * state when the sink sends. Retryable failures are retried (backoff, {@link SinkOptions}) until delivered or
 * superseded, so a resolve is not lost to a receiver outage.
 *
 * <p><b>Threads.</b> By default {@link Builder#build()} starts, all as daemon threads and all stopped by
 * {@link #close()}: {@code migmon-alert-dispatcher} (evaluates signals and timers), and per sink
 * {@code migmon-alert-sink-<name>} (delivery loop) with up to two {@code migmon-alert-sink-<name>-call-N} threads
 * (the calls, so that a hung destination can be timed out). HTTP sinks additionally own a JDK {@code HttpClient}.
 * With {@link Builder#manualTick()} no thread is started: the host calls {@link #tick()} on its own schedule and
 * deliveries run on that thread (sink timeouts then rely on the sinks' own I/O timeouts).
 *
 * <p><b>Metrics</b> (in the host's registry, removed by close): {@code migmon_alerts_sent_total{sink,severity}},
 * {@code migmon_alerts_failed_total{sink,severity}}, {@code migmon_alerts_dropped_total{severity,reason}},
 * {@code migmon_alerts_queue_depth}. Counts are per alert in a notification.
 *
 * <p>Thread-safe. Build with {@link #builder(MeterRegistry)}.
 */
public final class AlertDispatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger("io.migmon.alerting");

    private final String name;
    private final Clock clock;
    private final AlertEngine engine;
    private final SignalQueue signals;
    private final Map<String, SinkWorker> workers;
    private final AlertMeters meters;
    private final boolean threaded;
    private final Duration tickInterval;
    private final Duration shutdownTimeout;
    private final ReentrantLock engineLock = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Thread dispatcherThread;
    private volatile ShutdownReport report;

    private AlertDispatcher(Builder b) {
        this.name = b.name;
        this.clock = b.clock;
        this.threaded = !b.manual;
        this.tickInterval = b.tickInterval;
        this.shutdownTimeout = b.shutdownTimeout;
        MigmonMeters mm = MigmonMeters.create(b.registry, b.metricsOptions);
        this.meters = new AlertMeters(mm);
        this.signals = new SignalQueue(b.queueCapacity);
        DeliverySource source = new EngineSource();
        Map<String, SinkWorker> w = new LinkedHashMap<>();
        b.sinks.forEach((name, sink) -> w.put(name, new SinkWorker(sink, b.sinkOptions.get(name), clock, meters, source)));
        this.workers = Map.copyOf(w);
        Route def = b.defaultRoute;
        if (def == null && b.routes.isEmpty()) {
            def = Route.builder(b.sinks.keySet().toArray(String[]::new)).name("default").build();
        }
        this.engine = new AlertEngine(b.routes, def, b.hysteresis, b.inhibitRules);
        mm.gauge(MetricCatalog.ALERT_QUEUE_DEPTH, this, AlertDispatcher::queueDepth);
        if (threaded) {
            workers.values().forEach(SinkWorker::start);
            dispatcherThread = new Thread(this::runLoop,
                    DEFAULT_NAME.equals(name) ? "migmon-alert-dispatcher" : "migmon-alert-dispatcher-" + name);
            dispatcherThread.setDaemon(true);
            dispatcherThread.start();
        } else {
            dispatcherThread = null;
        }
    }

    /** The name of a dispatcher built without one. */
    public static final String DEFAULT_NAME = "default";
    private static final java.util.regex.Pattern NAME = java.util.regex.Pattern.compile("[a-zA-Z0-9_.-]{1,64}");

    /**
     * A builder for a dispatcher named {@code name} (its identity: in its thread's name
     * {@code migmon-alert-dispatcher-<name>} and its log lines); give it the host's registry with
     * {@link Builder#instrumentation(Instrumentation)} or {@link Builder#meterRegistry(MeterRegistry)}.
     *
     * @throws IllegalArgumentException if the name is not 1-64 of {@code [a-zA-Z0-9_.-]}
     */
    public static Builder builder(String name) {
        return new Builder(Require.matches(name, NAME, "name"));
    }

    /** A builder for the dispatcher named {@value #DEFAULT_NAME} (thread {@code migmon-alert-dispatcher}). */
    public static Builder builder() {
        return new Builder(DEFAULT_NAME);
    }

    /**
     * Shortcut for {@code builder().meterRegistry(registry)}: the {@value #DEFAULT_NAME} dispatcher registering
     * its meters in {@code registry} (the host's).
     */
    public static Builder builder(MeterRegistry registry) {
        return new Builder(DEFAULT_NAME).meterRegistry(registry);
    }

    /** The dispatcher's name (its identity). */
    public String name() {
        return name;
    }

    /**
     * One evaluation with the alert's condition true. Never blocks, never throws; the alert fires once the
     * {@link Hysteresis} is satisfied and is deduplicated by fingerprint while active.
     */
    public void fire(Alert alert) {
        offer(alert, true);
    }

    /** One evaluation with the alert's condition false (the alert is identified by its fingerprint). */
    public void resolve(Alert alert) {
        offer(alert, false);
    }

    private void offer(Alert alert, boolean firing) {
        if (alert == null) {
            return;
        }
        try {
            if (closed.get()) {
                meters.dropped(alert.severity(), AlertMeters.CLOSED);
                return;
            }
            Alert dropped = signals.offer(alert, firing, clock.instant());
            if (dropped != null) {
                meters.dropped(dropped.severity(), AlertMeters.QUEUE_FULL);
            }
        } catch (RuntimeException e) {
            meters.meters().recordFailure("alerting", e);
        }
    }

    /**
     * Evaluates queued signals and due timers now, and hands due notifications to the sinks. Called by the
     * dispatcher thread; with {@link Builder#manualTick()} the host calls it (and deliveries run on its thread).
     */
    public void tick() {
        try {
            List<Ticket> out;
            engineLock.lock();
            try {
                Instant now = clock.instant();
                for (Signal s : signals.drain()) {
                    engine.apply(s);
                }
                out = engine.flush(now, false);
            } finally {
                engineLock.unlock();
            }
            dispatch(out);
            if (!threaded) {
                Instant now = clock.instant();
                workers.values().forEach(w -> w.deliverDue(now));
            }
        } catch (RuntimeException | Error e) { // NOPMD: never into the host's loop
            meters.meters().recordFailure("alerting", e);
        }
    }

    private void dispatch(List<Ticket> out) {
        for (Ticket t : out) {
            SinkWorker w = workers.get(t.sink());
            if (w != null) {
                w.enqueue(t);
            }
        }
    }

    /** The engine for the sinks' delivery loops, under the engine lock. */
    private final class EngineSource implements DeliverySource {
        @Override
        public Notification content(Ticket ticket, Instant now) {
            engineLock.lock();
            try {
                return engine.content(ticket, now);
            } finally {
                engineLock.unlock();
            }
        }

        @Override
        public void delivered(Ticket ticket, Notification n, Instant now) {
            withEngine(() -> engine.delivered(ticket, n, now));
        }

        @Override
        public void failed(Ticket ticket, Notification n) {
            withEngine(() -> engine.failed(ticket));
        }

        @Override
        public void rejected(Ticket ticket, Notification n, Instant now) {
            withEngine(() -> engine.delivered(ticket, n, now));
        }
    }

    private void runLoop() {
        while (!closed.get()) {
            try {
                tick();
                long wait = tickInterval.toNanos();
                Instant due;
                engineLock.lock();
                try {
                    due = engine.nextDue();
                } finally {
                    engineLock.unlock();
                }
                if (due != null) {
                    wait = Math.max(0, Math.min(wait, Duration.between(clock.instant(), due).toNanos()));
                }
                signals.awaitSignal(wait);
            } catch (InterruptedException e) {
                if (closed.get()) {
                    return;
                }
            } catch (RuntimeException e) {
                meters.meters().recordFailure("alerting", e);
            }
        }
    }

    /**
     * Mutes matching alerts from {@code startsAt} until {@code endsAt}; returns the silence id. Expired silences
     * are removed at the next tick.
     */
    public String silence(Matcher matcher, Instant startsAt, Instant endsAt, String comment) {
        Silence s = new Silence(UUID.randomUUID().toString(), matcher, startsAt, endsAt, comment);
        withEngine(() -> engine.addSilence(s));
        return s.id();
    }

    /** Mutes matching alerts for {@code duration} from now; returns the silence id. */
    public String silenceFor(Matcher matcher, Duration duration, String comment) {
        Instant now = clock.instant();
        return silence(matcher, now, now.plus(duration), comment);
    }

    /** Ends a silence early; false when unknown or already expired. */
    public boolean expireSilence(String id) {
        boolean[] r = new boolean[1];
        withEngine(() -> r[0] = engine.expireSilence(id));
        return r[0];
    }

    /** Silences in force or scheduled. */
    public List<Silence> silences() {
        List<List<Silence>> r = new ArrayList<>();
        withEngine(() -> r.add(engine.silences()));
        return r.get(0);
    }

    /** Alerts that have fired and not resolved, as of the last tick. */
    public List<Alert> activeAlerts() {
        List<List<Alert>> r = new ArrayList<>();
        withEngine(() -> r.add(engine.activeAlerts()));
        return r.get(0);
    }

    /** Alerts whose condition holds but which wait for the hysteresis, as of the last tick. */
    public List<Alert> pendingAlerts() {
        List<List<Alert>> r = new ArrayList<>();
        withEngine(() -> r.add(engine.pendingAlerts()));
        return r.get(0);
    }

    /** Signals waiting for evaluation plus notifications waiting for (or in) delivery. */
    public int queueDepth() {
        int d = signals.size();
        for (SinkWorker w : workers.values()) {
            d += w.depth();
        }
        return d;
    }

    private void withEngine(Runnable r) {
        engineLock.lock();
        try {
            r.run();
        } finally {
            engineLock.unlock();
        }
    }

    /** Closes with the builder's shutdown timeout; see {@link #close(Duration)}. */
    @Override
    public void close() {
        close(shutdownTimeout);
    }

    /**
     * Stops accepting alerts, evaluates what is queued, sends every pending group change at once (ignoring group
     * wait/interval), waits up to {@code timeout} for the sinks, stops the threads, removes the meters and returns
     * what was not delivered (also logged at WARN, without secrets). Idempotent: later calls return the first report.
     */
    public ShutdownReport close(Duration timeout) {
        if (!closed.compareAndSet(false, true)) {
            return report;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        if (dispatcherThread != null) {
            dispatcherThread.interrupt();
            try {
                dispatcherThread.join(TimeUnit.NANOSECONDS.toMillis(Math.max(1_000_000, timeout.toNanos())));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        List<Ticket> out;
        engineLock.lock();
        try {
            for (Signal s : signals.drain()) {
                engine.apply(s);
            }
            out = engine.flush(clock.instant(), true);
        } finally {
            engineLock.unlock();
        }
        dispatch(out);
        List<ShutdownReport.Undelivered> undelivered = new ArrayList<>();
        for (SinkWorker w : workers.values()) {
            for (SinkWorker.Undelivered u : w.drainAndStop(deadline, threaded)) {
                for (Alert a : u.notification().alerts()) {
                    undelivered.add(new ShutdownReport.Undelivered(w.name(), a.name(), a.fingerprint(), a.severity(),
                            a.resolved(), u.reason()));
                }
            }
        }
        report = new ShutdownReport(undelivered, meters.overflowDrops());
        if (!report.complete()) {
            LOG.warn("alert dispatcher '{}' closed with {} undelivered alert notification(s) and {} alert(s) dropped by "
                    + "full queues: {}", name, undelivered.size(), report.dropped(),
                    undelivered.stream().limit(10).map(u -> u.sink() + ":" + u.alertName() + " (" + u.reason() + ")").toList());
        }
        meters.meters().close();
        return report;
    }

    /**
     * Builds an {@link AlertDispatcher}. Validates eagerly; the built dispatcher shares nothing with the builder.
     * Not thread-safe.
     */
    public static final class Builder {
        private MeterRegistry registry;
        private MetricsOptions metricsOptions = MetricsOptions.defaults();
        private Clock clock = Clock.systemUTC();
        private final Map<String, AlertSink> sinks = new LinkedHashMap<>();
        private final Map<String, SinkOptions> sinkOptions = new LinkedHashMap<>();
        private final List<Route> routes = new ArrayList<>();
        private Route defaultRoute;
        private final List<InhibitRule> inhibitRules = new ArrayList<>();
        private Hysteresis hysteresis = Hysteresis.NONE;
        private int queueCapacity = 10_000;
        private boolean manual;
        private Duration tickInterval = Duration.ofMillis(200);
        private Duration shutdownTimeout = Duration.ofSeconds(5);

        private final String name;

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Registry, metric options and clock in one value (core's {@link Instrumentation}); the clock drives
         * hysteresis, grouping, silences and backoff. The setters below change one part each; the last call wins.
         */
        public Builder instrumentation(Instrumentation instrumentation) {
            Require.notNull(instrumentation, "instrumentation");
            this.registry = instrumentation.registry();
            this.metricsOptions = instrumentation.options();
            this.clock = instrumentation.clock();
            return this;
        }

        /** The host's registry for the dispatcher's meters (required, here or through {@link #instrumentation}). */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Require.notNull(registry, "meterRegistry");
            return this;
        }

        /** Prefix and tag cap for the meters; default {@link MetricsOptions#defaults()}. */
        public Builder metricsOptions(MetricsOptions options) {
            this.metricsOptions = Require.notNull(options, "metricsOptions");
            return this;
        }

        /** The clock for hysteresis, grouping, silences and backoff (tests pass a mutable one). */
        public Builder clock(Clock clock) {
            this.clock = Require.notNull(clock, "clock");
            return this;
        }

        /** Adds a sink with {@link SinkOptions#DEFAULTS}. */
        public Builder sink(AlertSink sink) {
            return sink(sink, SinkOptions.DEFAULTS);
        }

        /** Adds a sink; names must be unique. */
        public Builder sink(AlertSink sink, SinkOptions options) {
            Objects.requireNonNull(sink, "sink must not be null");
            Objects.requireNonNull(options, "sinkOptions must not be null");
            String name = sink.name();
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("sink.name must not be blank");
            }
            if (sinks.containsKey(name)) {
                throw new IllegalArgumentException("sink.name '" + name + "' is used twice");
            }
            sinks.put(name, sink);
            sinkOptions.put(name, options);
            return this;
        }

        /** Adds a route; routes are tried in the order added. */
        public Builder route(Route route) {
            routes.add(Objects.requireNonNull(route, "route must not be null"));
            return this;
        }

        /**
         * The route for alerts no other route matched. Without one, unmatched alerts are not notified, unless no
         * route was added at all: then every alert goes to every sink with the Route defaults.
         */
        public Builder defaultRoute(Route route) {
            this.defaultRoute = Objects.requireNonNull(route, "defaultRoute must not be null");
            return this;
        }

        /** Adds an inhibition rule, e.g. {@link InhibitRule#criticalMutesWarnings(String...)}. */
        public Builder inhibit(InhibitRule rule) {
            inhibitRules.add(Objects.requireNonNull(rule, "inhibitRule must not be null"));
            return this;
        }

        /** Flap suppression for every alert; default {@link Hysteresis#NONE}. */
        public Builder hysteresis(Hysteresis h) {
            this.hysteresis = Objects.requireNonNull(h, "hysteresis must not be null");
            return this;
        }

        /** Capacity of the inbound queue of fire/resolve calls; default 10,000. */
        public Builder queueCapacity(int capacity) {
            if (capacity < 1) {
                throw new IllegalArgumentException("queueCapacity must be >= 1, was " + capacity);
            }
            this.queueCapacity = capacity;
            return this;
        }

        /** Start no threads: the host calls {@link AlertDispatcher#tick()}; deliveries run on its thread. */
        public Builder manualTick() {
            this.manual = true;
            return this;
        }

        /** Longest wait of the dispatcher thread between evaluations; default 200 ms. */
        public Builder tickInterval(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("tickInterval must be > 0, was " + d);
            }
            this.tickInterval = d;
            return this;
        }

        /** How long {@link AlertDispatcher#close()} waits for sinks; default 5 s. */
        public Builder shutdownTimeout(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("shutdownTimeout must be >= 0, was " + d);
            }
            this.shutdownTimeout = d;
            return this;
        }

        /** Validates (every route names known sinks) and builds; starts the threads unless {@link #manualTick()}. */
        public AlertDispatcher build() {
            if (registry == null) {
                throw new IllegalStateException("meterRegistry must be set: call meterRegistry(..) or "
                        + "instrumentation(..); the dispatcher's meters go to the host's registry");
            }
            if (sinks.isEmpty()) {
                throw new IllegalArgumentException("sinks must not be empty: add at least one AlertSink");
            }
            List<Route> all = new ArrayList<>(routes);
            if (defaultRoute != null) {
                all.add(defaultRoute);
            }
            for (Route r : all) {
                for (String s : r.sinks()) {
                    if (!sinks.containsKey(s)) {
                        throw new IllegalArgumentException("route '" + r.name() + "' names unknown sink '" + s
                                + "'; known: " + sinks.keySet());
                    }
                }
            }
            return new AlertDispatcher(this);
        }
    }
}
