package io.migmon.core.anomaly;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.MigrationStats;
import io.migmon.core.MigrationStatus;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.metrics.Instrumentation;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.core.progress.ProgressSnapshot;
import io.migmon.core.spi.MigrationListener;
import io.migmon.core.support.Require;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.HashSet;

/**
 * Runs {@link AnomalyDetector}s over the samples of one migration, with hysteresis, and publishes what they find:
 * counts each firing anomaly in {@code migration_anomalies_total{migration_id,type,severity}}, notifies
 * {@link AnomalyListener}s (e.g. alerting) of firing and resolved anomalies, and exposes a {@link HealthCheck}
 * (a firing CRITICAL or ERROR anomaly → DOWN, WARNING → DEGRADED, INFO → UP with the anomaly in the details).
 *
 * <p>Two ways to feed it, both on the host's threads (the monitor starts none):
 * <ul>
 *   <li>attach {@link #migrationListener()} to an {@code ObservableMigration} and call
 *       {@link MigrationRun#sample()} on the host's schedule (any interval from 1 s to 60 s: every setting of the
 *       built-in detectors is a duration): each
 *       sample is read from the run's own counters ({@code rowsDone}, errors, data lag); a new run resets the
 *       detectors; the end of the run resolves what is still firing;</li>
 *   <li>or call {@link #sample(Sample)} directly (any pipeline, a CDC consumer), then {@link #reset()} between runs.</li>
 * </ul>
 *
 * <pre>{@code
 * AnomalyMonitor monitor = AnomalyMonitor.builder("orders-backfill")
 *         .meterRegistry(registry)
 *         .defaultDetectors()
 *         .detector(LowThroughputDetector.builder(5_000).build())
 *         .listener(anomaly -> log.warn(anomaly.message()))
 *         .build();
 * ObservableMigration migration = ObservableMigration.builder("orders-backfill")
 *         .meterRegistry(registry).listener(monitor.migrationListener()).build();
 * }</pre>
 *
 * <p>Detector and listener failures are contained: counted in {@code migmon_observability_failures_total} (components
 * {@code anomaly.detector}, {@code anomaly.listener}, {@code anomaly.sample}) and never thrown to the caller of
 * {@code sample}. A sample with the same timestamp as the previous one is a duplicate and skipped; one with an
 * earlier timestamp is ignored and counted as a failure ({@code anomaly.sample}).
 * Sampling is serialized by the monitor; listeners are called on the sampling thread after the detectors ran.
 * Thread-safe.
 */
public final class AnomalyMonitor implements AutoCloseable {

    private final String migrationId;
    private final MigmonMeters meters;
    private final boolean ownsMeters;
    private final List<AnomalyDetector> templates;
    private final List<AnomalyListener> listeners;
    private final Slot[] slots;
    private final Counter[] counters;
    private final long spacingMillis;
    private long lastMillis = Long.MIN_VALUE;
    private long lastRows = -1;
    private long lastErrors = -1;
    private volatile List<Anomaly> active = List.of();
    private volatile String pauseReason;
    private long pausedAtMillis = Long.MIN_VALUE;
    private boolean restartPending;
    /** Events in the order the monitor produced them (appended under the monitor's lock), delivered in that order. */
    private final java.util.concurrent.ConcurrentLinkedQueue<Anomaly> outbox = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final java.util.concurrent.locks.ReentrantLock delivery = new java.util.concurrent.locks.ReentrantLock();

    private AnomalyMonitor(Builder b) {
        this.migrationId = b.migrationId;
        this.ownsMeters = b.meters == null;
        this.meters = b.meters != null ? b.meters : MigmonMeters.create(b.registry, b.metricsOptions);
        this.templates = List.copyOf(b.detectors);
        this.listeners = List.copyOf(b.listeners);
        this.slots = new Slot[templates.size()];
        this.counters = new Counter[templates.size()];
        this.spacingMillis = b.spacingMillis;
        for (int i = 0; i < slots.length; i++) {
            AnomalyDetector d = templates.get(i).fresh();
            slots[i] = new Slot(d);
            counters[i] = meters.counter(MetricCatalog.MIGRATION_ANOMALIES, MetricCatalog.MIGRATION_ID, migrationId,
                    MetricCatalog.TYPE, d.type(), MetricCatalog.SEVERITY, d.severity().tagValue());
        }
    }

    /** A builder for the monitor of the migration (or pipeline) with this id. */
    public static Builder builder(String migrationId) {
        return new Builder(migrationId);
    }

    /** The id the anomalies carry and the counter is tagged with. */
    public String migrationId() {
        return migrationId;
    }

    /** The detector types this monitor runs, in order. */
    public List<String> types() {
        List<String> t = new ArrayList<>();
        for (Slot s : slots) {
            t.add(s.detector.type());
        }
        return List.copyOf(t);
    }

    /** Feeds one sample from the host's schedule. Never throws for bad samples; see the class comment. */
    public void sample(Instant at, long rowsDone, long errors, double lagSeconds) {
        Sample s;
        try {
            s = new Sample(at, rowsDone, errors, lagSeconds);
        } catch (RuntimeException e) {
            meters.recordFailure("anomaly.sample", e);
            return;
        }
        sample(s);
    }

    /**
     * Feeds one sample: every detector judges it and the hysteresis decides whether an anomaly fires or resolves.
     * Counters that went backwards (a new run fed without {@link #reset()}) reset the detectors first.
     *
     * @return the anomalies that fired or resolved with this sample (usually none)
     */
    public List<Anomaly> sample(Sample sample) {
        Objects.requireNonNull(sample, "sample must not be null");
        List<Anomaly> events;
        synchronized (this) {
            events = enqueue(sampleLocked(sample));
        }
        if (events.isEmpty()) {
            return List.of();
        }
        publish(events);
        return java.util.Collections.unmodifiableList(events);
    }

    /**
     * A sample more than this much before the previous one, with counters that advanced, is a step of the host's
     * clock (NTP), not a sampler that lost a race: the monitor continues on the new timeline (windows restart, as
     * after a pause) instead of ignoring every sample until the clock has caught up. One whose counters did not
     * advance is a stale sample from a held-up sampler and is dropped.
     */
    private static final long CLOCK_STEP_MILLIS = 5_000;

    private List<Anomaly> sampleLocked(Sample sample) {
        long millis = sample.at().toEpochMilli();
        if (spacingMillis > 0 && lastMillis != Long.MIN_VALUE && millis > lastMillis
                && millis - lastMillis < spacingMillis * 9 / 10
                && sample.rowsDone() >= lastRows && sample.errors() >= lastErrors) {
            return List.of(); // closer than the configured spacing: skipped, not an error
        }
        if (millis == lastMillis) {
            return List.of(); // the same instant sampled twice (two callers of MigrationRun.sample()): a duplicate
        }
        boolean clockStep = false;
        if (millis < lastMillis) {
            // a stale sample (taken before the previous one by a sampler that was held up) has not advanced the
            // counters; a clock set back has, since the work went on
            boolean advanced = sample.rowsDone() > lastRows || sample.errors() > lastErrors;
            if (lastMillis - millis <= CLOCK_STEP_MILLIS || !advanced) {
                meters.recordFailure("anomaly.sample", new IllegalArgumentException(
                        "sample at " + sample.at() + " is before the previous sample; ignored"));
                return List.of();
            }
            meters.recordFailure("anomaly.sample", new IllegalArgumentException("sample at " + sample.at()
                    + " is " + (lastMillis - millis) / 1000 + " s before the previous sample: the clock was set back;"
                    + " the detectors' windows restart on the new timeline"));
            clockStep = true;
        }
        List<Anomaly> events = new ArrayList<>(0);
        if (sample.rowsDone() < lastRows || sample.errors() < lastErrors) {
            events.addAll(resetLocked(sample.at(), "counters went backwards (new run)"));
        }
        long previousMillis = lastMillis;
        lastMillis = millis;
        lastRows = sample.rowsDone();
        lastErrors = sample.errors();
        if (pauseReason != null) {
            if (clockStep) {
                pausedAtMillis = millis; // the pause goes on, on the new timeline
            }
            return events; // a planned pause: nothing is judged
        }
        if (restartPending || clockStep) {
            double pausedSeconds = !restartPending || pausedAtMillis == Long.MIN_VALUE ? 0
                    : Math.max(0, millis - pausedAtMillis) / 1e3;
            restartPending = false;
            for (Slot slot : slots) {
                slot.restart(sample, pausedSeconds, this);
            }
            return events;
        }
        for (int i = 0; i < slots.length; i++) {
            Anomaly a = slots[i].judge(sample, previousMillis, this);
            if (a != null) {
                events.add(a);
                if (a.firing()) {
                    counters[i].increment();
                }
            }
        }
        if (!events.isEmpty()) {
            refreshActive();
        }
        return events;
    }

    /**
     * Starts over for a new run: resolves what is firing (listeners are told, with {@code reason} in the message)
     * and replaces every detector with a fresh copy.
     */
    public void reset(Instant at, String reason) {
        List<Anomaly> events;
        synchronized (this) {
            events = enqueue(resetLocked(at, reason));
            lastMillis = Long.MIN_VALUE;
            lastRows = -1;
            lastErrors = -1;
            pauseReason = null;
            restartPending = false;
        }
        publish(events);
    }

    /**
     * Declares a planned pause or throttle (a maintenance window, a rate limit the host set on purpose) starting at
     * {@code at}: until {@link #resume(Instant)} no sample is judged, so no anomaly fires; what is firing resolves
     * with the reason in its message ({@code "<type> resolved: planned pause (<reason>)"}); the health check stays UP
     * with {@code paused=<reason>} in its details. After the resume, windows restart at the next sample and what the
     * detectors learned is kept (a throughput baseline does not learn the pause, the catch-up after it is not a
     * spike). Calling it while paused only updates the reason.
     *
     * @param reason shown in the health details and in resolved anomalies, e.g. {@code "throttled for the nightly backup"}
     */
    public void pause(Instant at, String reason) {
        Objects.requireNonNull(at, "at must not be null");
        String r = reason == null || reason.isBlank() ? "planned pause" : reason;
        List<Anomaly> events;
        synchronized (this) {
            boolean already = pauseReason != null;
            pauseReason = r;
            if (already) {
                return;
            }
            // a pause cannot have started before the last sample that was judged (an earlier or uninitialised `at`
            // would credit the whole gap as a backlog and hide real spikes for hours)
            pausedAtMillis = lastMillis == Long.MIN_VALUE ? at.toEpochMilli() : Math.max(at.toEpochMilli(), lastMillis);
            events = new ArrayList<>();
            for (Slot slot : slots) {
                if (slot.firing != null) {
                    Anomaly f = slot.firing;
                    events.add(new Anomaly(migrationId, f.type(), f.severity(), f.metric(), f.value(), f.threshold(),
                            f.type() + " resolved: planned pause (" + r + ")", Instant.ofEpochMilli(pausedAtMillis), Anomaly.State.RESOLVED));
                    slot.firing = null;
                }
                slot.clearRuns();
            }
            refreshActive();
            enqueue(events);
        }
        publish(events);
    }

    /** Ends a planned pause: the next sample restarts the detectors' windows and is not judged itself. */
    public void resume(Instant at) {
        synchronized (this) {
            if (pauseReason == null) {
                return;
            }
            pauseReason = null;
            restartPending = true;
        }
    }

    /** The reason of the planned pause in force, if any. */
    public java.util.Optional<String> paused() {
        return java.util.Optional.ofNullable(pauseReason);
    }

    /** {@link #reset(Instant, String)} at the time of the last sample. */
    public void reset() {
        Instant at;
        synchronized (this) {
            at = lastMillis == Long.MIN_VALUE ? Instant.EPOCH : Instant.ofEpochMilli(lastMillis);
        }
        reset(at, "monitor reset");
    }

    private List<Anomaly> resetLocked(Instant at, String reason) {
        List<Anomaly> events = new ArrayList<>();
        for (int i = 0; i < slots.length; i++) {
            Slot s = slots[i];
            if (s.firing != null) {
                Anomaly f = s.firing;
                events.add(new Anomaly(migrationId, f.type(), f.severity(), f.metric(), f.value(), f.threshold(),
                        f.type() + " resolved: " + reason, at, Anomaly.State.RESOLVED));
            }
            slots[i] = new Slot(templates.get(i).fresh());
        }
        refreshActive();
        return events;
    }

    /** The anomalies firing now, in detector order. */
    public List<Anomaly> active() {
        return active;
    }

    /**
     * A health check named {@code anomalies:<migrationId>}: DOWN while a CRITICAL or ERROR anomaly fires,
     * DEGRADED while a WARNING one fires, otherwise UP; the firing anomalies' messages are the reasons.
     */
    public HealthCheck healthCheck() {
        return HealthCheck.of("anomalies:" + migrationId, this::health);
    }

    private Health health() {
        Health.Builder b = Health.builder();
        List<Anomaly> now = active;
        List<String> types = new ArrayList<>();
        for (Anomaly a : now) {
            types.add(a.type());
            switch (a.severity()) {
                case CRITICAL, ERROR -> b.down(a.message());
                case WARNING -> b.degraded(a.message());
                default -> { }
            }
        }
        String pause = pauseReason;
        if (pause != null) {
            b.detail("paused", pause);
        }
        return b.detail("firing", types).build();
    }

    /**
     * A listener for {@code ObservableMigration.Builder.listener(...)}: resets on run start, feeds a sample built
     * from the run's counters ({@link MigrationRun#stats()}) on every {@link MigrationRun#sample()}, and resolves
     * what is still firing when the run finishes.
     */
    public MigrationListener migrationListener() {
        return new MigrationListener() {
            @Override
            public void onStart(MigrationRun run) {
                reset(run.startedAt(), "new run");
            }

            @Override
            public void onSample(MigrationRun run, ProgressSnapshot snapshot) {
                if (run.status() != MigrationStatus.RUNNING) {
                    return; // the final sample at finish: the run is over, onFinish resolves
                }
                MigrationStats stats = run.stats();
                double lag = stats.dataLagSeconds();
                sample(new Sample(snapshot.at(), snapshot.rowsDone(), stats.errors(), Double.isNaN(lag) ? Double.NaN : Math.max(0, lag)));
            }

            @Override
            public void onPause(MigrationRun run, Instant at, String reason) {
                pause(at, reason);
            }

            @Override
            public void onResume(MigrationRun run, Instant at) {
                resume(at);
            }

            @Override
            public void onFinish(MigrationRun run, MigrationStatus status, Duration duration, Throwable failure) {
                Instant end = run.startedAt().plus(duration);
                reset(end, "run finished (" + status.tagValue() + ")");
            }

            @Override
            public String toString() {
                return "AnomalyMonitor.migrationListener[" + migrationId + "]";
            }
        };
    }

    /** Removes the anomaly counters, if the monitor registered them through its own {@link MigmonMeters}. */
    @Override
    public void close() {
        if (ownsMeters) {
            meters.close();
        }
    }

    @Override
    public String toString() {
        return "AnomalyMonitor{" + migrationId + ", detectors=" + types() + ", firing=" + active.size() + "}";
    }

    private void refreshActive() {
        List<Anomaly> a = new ArrayList<>();
        for (Slot s : slots) {
            if (s.firing != null) {
                a.add(s.firing);
            }
        }
        active = List.copyOf(a);
    }

    /**
     * Delivers what is in the outbox, in the order it was produced. Called outside the monitor's lock (listeners
     * may be slow); the outbox is filled under it (see {@link #enqueue}), so when several threads sample, a RESOLVED
     * is never delivered before the FIRING it resolves (the thread that delivers takes the others' events in order).
     */
    private void publish(List<Anomaly> events) {
        if (events.isEmpty()) {
            return;
        }
        delivery.lock();
        try {
            Anomaly a;
            while ((a = outbox.poll()) != null) {
                for (AnomalyListener l : listeners) {
                    try {
                        l.onAnomaly(a);
                    } catch (RuntimeException e) {
                        meters.recordFailure("anomaly.listener", e);
                    }
                }
            }
        } finally {
            delivery.unlock();
        }
    }

    /** Queues events for delivery; called under the monitor's lock, so the outbox holds them in production order. */
    private List<Anomaly> enqueue(List<Anomaly> events) {
        outbox.addAll(events);
        return events;
    }

    /** One detector and its hysteresis state, in time. */
    private static final class Slot {
        final AnomalyDetector detector;
        final long fireAfterMillis;
        final long clearAfterMillis;
        long abnormalSince = Long.MIN_VALUE;
        long normalSince = Long.MIN_VALUE;
        int abnormalSamples;
        Anomaly firing;
        boolean broken;

        Slot(AnomalyDetector detector) {
            this.detector = detector;
            this.fireAfterMillis = millis(detector.fireAfter());
            this.clearAfterMillis = millis(detector.clearAfter());
        }

        private static long millis(Duration d) {
            return d == null || d.isNegative() ? 0 : d.toMillis();
        }

        void clearRuns() {
            abnormalSince = Long.MIN_VALUE;
            normalSince = Long.MIN_VALUE;
            abnormalSamples = 0;
        }

        void restart(Sample sample, double pausedSeconds, AnomalyMonitor m) {
            clearRuns();
            if (broken) {
                return;
            }
            try {
                detector.restart(sample, pausedSeconds);
            } catch (RuntimeException e) {
                broken = true;
                m.meters.recordFailure("anomaly.detector", e);
            }
        }

        /**
         * A run of abnormal (normal) samples is timed from the sample before its first one (the interval in which
         * the condition started), so a run of one sample at a 60 s interval lasts 60 s. A detector with a non-zero
         * {@code fireAfter} fires only on a run of at least two abnormal samples: one sample is one window of
         * evidence, and at a 60 s interval it alone covered {@code fireAfter} (a stream that commits once a minute
         * showed an empty minute as a drop).
         */
        Anomaly judge(Sample sample, long previousMillis, AnomalyMonitor m) {
            if (broken) {
                return null;
            }
            AnomalyDetector.Condition c;
            try {
                c = detector.evaluate(sample);
            } catch (RuntimeException e) {
                broken = true; // a detector that throws once is disabled until the next reset
                m.meters.recordFailure("anomaly.detector", e);
                return null;
            }
            long now = sample.at().toEpochMilli();
            long since = previousMillis == Long.MIN_VALUE ? now : previousMillis;
            if (c == AnomalyDetector.Condition.ABNORMAL) {
                normalSince = Long.MIN_VALUE;
                if (abnormalSince == Long.MIN_VALUE) {
                    abnormalSince = since;
                    abnormalSamples = 0;
                }
                abnormalSamples++;
                if (firing == null && now - abnormalSince >= fireAfterMillis
                        && (fireAfterMillis == 0 || abnormalSamples >= 2)) {
                    firing = m.event(detector, sample.at(), Anomaly.State.FIRING);
                    return firing;
                }
            } else if (c == AnomalyDetector.Condition.NORMAL) {
                abnormalSince = Long.MIN_VALUE;
                abnormalSamples = 0;
                if (normalSince == Long.MIN_VALUE) {
                    normalSince = since;
                }
                if (firing != null && now - normalSince >= clearAfterMillis) {
                    firing = null;
                    return m.event(detector, sample.at(), Anomaly.State.RESOLVED);
                }
            }
            return null;
        }
    }

    private Anomaly event(AnomalyDetector d, Instant at, Anomaly.State state) {
        String message;
        try {
            message = d.describe(state == Anomaly.State.FIRING);
        } catch (RuntimeException e) {
            meters.recordFailure("anomaly.detector", e);
            message = d.type() + (state == Anomaly.State.FIRING ? " firing" : " resolved");
        }
        return new Anomaly(migrationId, d.type(), d.severity(), d.metric(), d.value(), d.threshold(),
                message == null ? d.type() : message, at, state);
    }

    /** Builder; validates eagerly, not thread-safe. */
    public static final class Builder {
        private final String migrationId;
        private MeterRegistry registry;
        private MigmonMeters meters;
        private MetricsOptions metricsOptions = MetricsOptions.defaults();
        private final List<AnomalyDetector> detectors = new ArrayList<>();
        private final List<AnomalyListener> listeners = new ArrayList<>();
        private long spacingMillis;

        private Builder(String migrationId) {
            this.migrationId = Require.notBlank(migrationId, "migrationId");
        }

        /**
         * Registry and metric options in one value (the monitor takes time from the samples, so the clock is not
         * used). Replaces both; {@link #meterRegistry} and {@link #metricsOptions} can still change one part.
         */
        public Builder instrumentation(Instrumentation instrumentation) {
            Require.notNull(instrumentation, "instrumentation");
            this.registry = instrumentation.registry();
            this.metricsOptions = instrumentation.options();
            return this;
        }

        /** The host's registry; the monitor registers its counters through its own {@link MigmonMeters}. */
        public Builder meterRegistry(MeterRegistry registry) {
            this.registry = Require.notNull(registry, "meterRegistry");
            return this;
        }

        /** Options for the monitor's own {@link MigmonMeters} (prefix, tag cap). */
        public Builder metricsOptions(MetricsOptions options) {
            this.metricsOptions = Require.notNull(options, "metricsOptions");
            return this;
        }

        /**
         * Registers through these meters instead (e.g. {@code migration.meters()}, so that closing the migration
         * also removes the anomaly counters). Takes precedence over {@link #meterRegistry}.
         */
        public Builder meters(MigmonMeters meters) {
            this.meters = Require.notNull(meters, "meters");
            return this;
        }

        /** Adds a detector (used as a template: the monitor works on {@link AnomalyDetector#fresh()} copies). */
        public Builder detector(AnomalyDetector detector) {
            detectors.add(Require.notNull(detector, "detector"));
            return this;
        }

        /**
         * Adds the detectors that need no expected rate, with default settings (the same at any sampling interval
         * from 1 s to 60 s): throughput drop and spike, error rate above 1%, stall after 60 s without progress (or
         * three times the longest usual gap between commits), lag trend towards 300 s.
         * Add a {@link LowThroughputDetector} when the expected rate is known.
         */
        public Builder defaultDetectors() {
            detector(ThroughputBaselineDetector.drops().build());
            detector(ThroughputBaselineDetector.spikes().build());
            detector(ErrorRateDetector.builder().build());
            detector(StallDetector.builder().build());
            detector(LagTrendDetector.builder().build());
            return this;
        }

        /**
         * Judges at most one sample per {@code spacing} (with 10% tolerance for scheduling jitter) and skips the
         * others silently, to save the detectors' cost on a fast schedule. The verdicts do not depend on it (every
         * setting is a duration). Default: every sample is judged.
         */
        public Builder minSampleSpacing(Duration spacing) {
            this.spacingMillis = DetectorBuilder.nonNegative(spacing, "minSampleSpacing").toMillis();
            return this;
        }

        /** Adds a listener, e.g. the alerting module's bridge. */
        public Builder listener(AnomalyListener listener) {
            listeners.add(Require.notNull(listener, "listener"));
            return this;
        }

        /**
         * @throws IllegalStateException if neither a registry nor meters were set, if no detector was added, or if
         *                               two detectors share a type
         */
        public AnomalyMonitor build() {
            if (meters == null) {
                Require.configured(registry, "meterRegistry",
                        "call meterRegistry(..), instrumentation(..) or meters(..); anomalies are counted in the host's registry");
            }
            if (detectors.isEmpty()) {
                throw new IllegalStateException("detectors: add at least one detector (or call defaultDetectors())");
            }
            Set<String> types = new HashSet<>();
            for (AnomalyDetector d : detectors) {
                if (!types.add(d.type())) {
                    throw new IllegalStateException("detectors: two detectors have type '" + d.type()
                            + "'; each type may appear once per monitor");
                }
            }
            return new AnomalyMonitor(this);
        }
    }
}
