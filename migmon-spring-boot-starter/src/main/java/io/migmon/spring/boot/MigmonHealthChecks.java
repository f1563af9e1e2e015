package io.migmon.spring.boot;

import io.migmon.core.MigrationStatus;
import io.migmon.core.ObservableMigration;
import io.migmon.core.health.HealthCheck;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * Every migmon health check of the application, by component name: the {@link HealthCheck} beans, the migrations of
 * {@link MigmonMigrations} (and their anomaly monitors), the Flyway and Liquibase runs the starter observes, and the
 * CDC processor. The Actuator contributor {@code migmon} and the health alerts both read it, so what
 * {@code /actuator/health} shows is what alerts fire on. Thread-safe.
 *
 * <p>Component names are the check names (migration ids), with characters other than letters, digits and
 * {@code _ . : -} replaced by {@code _}; a name already taken gets the suffix {@code -2}, {@code -3}, ... (see
 * {@link #current()}).
 */
public final class MigmonHealthChecks {

    private final Supplier<Collection<HealthCheck>> beans;
    private final Supplier<Map<String, HealthCheck>> migrations;
    private final Supplier<List<ObservableMigration>> frameworkMigrations;
    private final MigmonProperties.Health thresholds;
    private final Map<ObservableMigration, HealthCheck> frameworkChecks = new WeakHashMap<>();
    private final Map<HealthCheck, HealthCheck> timed = new WeakHashMap<>();
    private static final java.util.concurrent.ExecutorService CHECKS = java.util.concurrent.Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "migmon-health-check");
        t.setDaemon(true);
        return t;
    });

    /**
     * @param beans               the application's HealthCheck beans (including the CDC processor's)
     * @param migrations          checks of the factory's migrations
     * @param frameworkMigrations the Flyway/Liquibase migrations to judge (run level)
     * @param thresholds          thresholds for the framework migrations' checks
     */
    public MigmonHealthChecks(Supplier<Collection<HealthCheck>> beans, Supplier<Map<String, HealthCheck>> migrations,
            Supplier<List<ObservableMigration>> frameworkMigrations, MigmonProperties.Health thresholds) {
        this.beans = beans;
        this.migrations = migrations;
        this.frameworkMigrations = frameworkMigrations;
        this.thresholds = thresholds;
    }

    /**
     * The current checks by component name, in a stable order: the framework runs first, then the factory's
     * migrations, then the HealthCheck beans (and CDC processors). Names never hide one another: a check whose
     * component name is already taken is shown as {@code <name>-2} ({@code -3}, ...), so two beans named alike, or
     * a bean named like a migration, are both shown (the migration keeps its id). Flyway/Liquibase migrations that
     * never ran (framework disabled, or Boot's Liquibase run-level entry, which has no hook) are not shown.
     */
    public Map<String, HealthCheck> current() {
        Map<String, HealthCheck> out = new LinkedHashMap<>();
        List<ObservableMigration> ran = frameworkMigrations.get().stream()
                .filter(m -> m.status() != MigrationStatus.PENDING).toList();
        List<ObservableMigration> fw = runLevel(ran);
        synchronized (frameworkChecks) {
            for (ObservableMigration m : fw) {
                HealthCheck c = frameworkChecks.computeIfAbsent(m, k -> MigmonMigrations.migrationHealthCheck(k, thresholds));
                put(out, m.migrationId(), c);
            }
        }
        migrations.get().forEach((n, c) -> put(out, n, c));
        for (HealthCheck c : beans.get()) {
            put(out, c.name(), c);
        }
        return out;
    }

    private void put(Map<String, HealthCheck> out, String checkName, HealthCheck original) {
        HealthCheck check;
        synchronized (timed) {
            check = timed.computeIfAbsent(original, c -> withTimeout(c, thresholds.getCheckTimeout()));
        }
        if (out.containsValue(check)) {
            return; // the same check reached us twice (a bean that is also a migration's check)
        }
        String base = componentName(checkName);
        String name = base;
        for (int i = 2; out.containsKey(name); i++) {
            name = base + "-" + i;
        }
        out.put(name, check);
    }

    /**
     * The check bounded by {@code timeout} ({@code migmon.health.check-timeout}): evaluated on a daemon thread; a
     * slower evaluation is DOWN ("timed out after ...") and, while it still runs, the check is not started again
     * (DOWN "still running"), so a hanging check costs at most one thread. Anything thrown is DOWN with its type.
     *
     * <p>Concurrent callers (the watcher's tick and an {@code /actuator/health} request) share one evaluation: a
     * caller that finds an evaluation in flight that has not yet overrun the timeout waits for it (up to the end of
     * that evaluation's timeout) and gets its result. Only an evaluation older than the timeout makes a caller
     * answer DOWN "still running": an evaluation merely started by another caller is not a timeout.
     */
    static HealthCheck withTimeout(HealthCheck check, java.time.Duration timeout) {
        long timeoutNanos = timeout.toNanos();
        Object lock = new Object();
        InFlight[] inFlight = new InFlight[1];
        return HealthCheck.of(check.name(), () -> {
            InFlight f;
            synchronized (lock) {
                f = inFlight[0];
                if (f == null || f.future.isDone()) {
                    f = new InFlight(CHECKS.submit(check::check), System.nanoTime());
                    inFlight[0] = f;
                }
            }
            long remaining = f.startedNanos + timeoutNanos - System.nanoTime();
            if (remaining <= 0 && !f.future.isDone()) {
                return io.migmon.core.health.Health.down("check still running after timing out (over " + timeout + ")");
            }
            try {
                io.migmon.core.health.Health h = f.future.get(Math.max(remaining, 0), java.util.concurrent.TimeUnit.NANOSECONDS);
                return h != null ? h : io.migmon.core.health.Health.down("check returned null");
            } catch (java.util.concurrent.TimeoutException e) {
                return io.migmon.core.health.Health.down("check timed out after " + timeout);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return io.migmon.core.health.Health.down("interrupted while waiting for the check");
            } catch (java.util.concurrent.ExecutionException e) {
                return io.migmon.core.health.Health.down("check threw " + e.getCause().getClass().getSimpleName());
            }
        });
    }

    /** One evaluation of a check and when it was started. */
    private record InFlight(java.util.concurrent.Future<io.migmon.core.health.Health> future, long startedNanos) {
    }

    /** A valid Actuator component name for a check name. */
    public static String componentName(String checkName) {
        return checkName.replaceAll("[^A-Za-z0-9_.:\\-]", "_");
    }

    /**
     * The run-level migrations: per-version runs ({@code <id>:<version>}) are left out, their failure also fails
     * the run they belong to. Liquibase records only changeset runs (Boot's SpringLiquibase has no update-level
     * hook), so those stay.
     */
    static List<ObservableMigration> runLevel(List<ObservableMigration> all) {
        Set<String> ids = all.stream().map(ObservableMigration::migrationId).collect(Collectors.toSet());
        List<ObservableMigration> out = new ArrayList<>();
        for (ObservableMigration m : all) {
            String id = m.migrationId();
            int colon = id.lastIndexOf(':');
            boolean version = false;
            while (colon > 0) {
                if (ids.contains(id.substring(0, colon))) {
                    version = true;
                    break;
                }
                colon = id.lastIndexOf(':', colon - 1);
            }
            if (!version) {
                out.add(m);
            }
        }
        return out;
    }
}
