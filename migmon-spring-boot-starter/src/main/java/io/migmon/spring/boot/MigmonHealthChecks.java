package io.migmon.spring.boot;

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
 * {@code _ . : -} replaced by {@code _}.
 */
public final class MigmonHealthChecks {

    private final Supplier<Collection<HealthCheck>> beans;
    private final Supplier<Map<String, HealthCheck>> migrations;
    private final Supplier<List<ObservableMigration>> frameworkMigrations;
    private final MigmonProperties.Health thresholds;
    private final Map<ObservableMigration, HealthCheck> frameworkChecks = new WeakHashMap<>();

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

    /** The current checks by component name, in a stable order. */
    public Map<String, HealthCheck> current() {
        Map<String, HealthCheck> out = new LinkedHashMap<>();
        for (HealthCheck c : beans.get()) {
            out.putIfAbsent(componentName(c.name()), c);
        }
        migrations.get().forEach((n, c) -> out.putIfAbsent(componentName(n), c));
        List<ObservableMigration> fw = runLevel(frameworkMigrations.get());
        synchronized (frameworkChecks) {
            for (ObservableMigration m : fw) {
                HealthCheck c = frameworkChecks.computeIfAbsent(m, k -> MigmonMigrations.migrationHealthCheck(k, thresholds));
                out.putIfAbsent(componentName(m.migrationId()), c);
            }
        }
        return out;
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
