package io.migmon.spring.boot.internal;

import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.HealthAlerts;
import io.migmon.core.health.HealthCheck;
import io.migmon.spring.boot.MigmonHealthChecks;
import io.migmon.spring.boot.MigmonMigrations;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * The starter's one scheduling thread ({@code migmon-watcher}, daemon): every {@code migmon.health.evaluation-interval}
 * it samples the running migrations of {@link MigmonMigrations} (feeding anomaly detectors) and, when an
 * {@link AlertDispatcher} exists, evaluates every migmon health check once as {@link HealthAlerts}
 * ({@code health_degraded} / {@code health_down}, label {@code check}). Started and stopped with the context; a
 * failing tick is logged once and never stops the schedule.
 */
public final class MigmonWatcher implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger("io.migmon.spring.boot");

    private final MigmonMigrations migrations;
    private final MigmonHealthChecks checks;
    private final AlertDispatcher dispatcher;
    private final Duration interval;
    private final Map<String, HealthAlerts> alerts = new ConcurrentHashMap<>();
    private final Map<String, HealthCheck> alertedChecks = new ConcurrentHashMap<>();
    private final AtomicBoolean warned = new AtomicBoolean();
    private volatile ScheduledExecutorService executor;

    /** @param dispatcher null when alerting is not configured */
    public MigmonWatcher(MigmonMigrations migrations, MigmonHealthChecks checks, AlertDispatcher dispatcher, Duration interval) {
        if (interval == null || interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("migmon.health.evaluation-interval must be a positive duration, was " + interval);
        }
        this.migrations = migrations;
        this.checks = checks;
        this.dispatcher = dispatcher;
        this.interval = interval;
    }

    /**
     * One tick (also for tests). Never throws: any {@link Throwable} (an {@link Error} from a user's check included)
     * is logged and the schedule stays alive; one failing check does not stop the others' evaluation.
     */
    public void tick() {
        try {
            migrations.sampleRunning();
        } catch (Throwable e) {
            failed(e);
        }
        if (dispatcher == null) {
            return;
        }
        Map<String, HealthCheck> current;
        try {
            current = checks.current();
        } catch (Throwable e) {
            failed(e);
            return;
        }
        for (Map.Entry<String, HealthCheck> e : current.entrySet()) {
            try {
                HealthCheck known = alertedChecks.put(e.getKey(), e.getValue());
                HealthAlerts a = alerts.get(e.getKey());
                if (a == null || known != e.getValue()) {
                    a = HealthAlerts.watch(guarded(e.getValue()), dispatcher);
                    alerts.put(e.getKey(), a);
                }
                a.evaluate();
            } catch (Throwable t) {
                failed(t);
            }
        }
    }

    /** The check, with a Throwable turned into DOWN naming its type (so health_down fires for it). */
    static HealthCheck guarded(HealthCheck check) {
        return HealthCheck.of(check.name(), () -> {
            try {
                io.migmon.core.health.Health h = check.check();
                return h != null ? h : io.migmon.core.health.Health.down("check returned null");
            } catch (Throwable t) {
                if (t instanceof VirtualMachineError) {
                    LOG.error("migmon health check {} failed: {}", check.name(), t.getClass().getSimpleName());
                }
                return io.migmon.core.health.Health.down("check threw " + t.getClass().getSimpleName());
            }
        });
    }

    private void failed(Throwable e) {
        if (e instanceof VirtualMachineError) {
            LOG.error("migmon watcher tick failed ({}); the schedule continues", e.getClass().getSimpleName());
        } else if (warned.compareAndSet(false, true)) {
            LOG.warn("migmon watcher tick failed ({}); later failures are logged at DEBUG", e.getClass().getSimpleName());
        } else {
            LOG.debug("migmon watcher tick failed: {}", e.getClass().getSimpleName());
        }
    }

    @Override
    public synchronized void start() {
        if (executor != null) {
            return;
        }
        ScheduledExecutorService s = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "migmon-watcher");
            t.setDaemon(true);
            return t;
        });
        s.scheduleWithFixedDelay(this::tick, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        executor = s;
    }

    @Override
    public synchronized void stop() {
        ScheduledExecutorService s = executor;
        executor = null;
        if (s != null) {
            s.shutdownNow();
            try {
                s.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return executor != null;
    }
}
