package io.migmon.flyway;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Overhead of {@link MigmonFlywayCallback}, side by side with a baseline in the same run. Excluded from the default
 * build; run with {@code mvn -B -pl migmon-flyway -am test -Dexcluded.groups= -Dgroups=benchmark -Dtest=FlywayOverheadBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 * Results in docs/performance/flyway.md.
 */
@Tag("benchmark")
class FlywayOverheadBenchmark {

    private static final int VERSIONS = 200;
    private static final int ROUNDS = 7;
    private static final int WARMUP = 2;

    /** Real Flyway on real PostgreSQL: migrate 200 small versions into a fresh database, without and with migmon. */
    @Test
    void migrateWithAndWithoutMigmon() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "bench-migrations").toAbsolutePath());
        for (int v = 1; v <= VERSIONS; v++) {
            Files.writeString(dir.resolve("V" + v + "__step.sql"),
                    "CREATE TABLE t" + v + " (id BIGINT PRIMARY KEY, v TEXT);\n"
                            + "INSERT INTO t" + v + " SELECT g, 'x' || g FROM generate_series(1, 100) g;\n");
        }
        try (EmbeddedPostgresFixture pg = EmbeddedPostgresFixture.builder("bench").start()) {
            List<Long> bare = new ArrayList<>();
            List<Long> observed = new ArrayList<>();
            for (int round = 0; round < WARMUP + ROUNDS; round++) {
                // alternate the order so neither side always runs on a warmer server
                boolean bareFirst = round % 2 == 0;
                long a = bareFirst ? migrate(pg.freshDatabase(), dir, null) : 0;
                long b = migrate(pg.freshDatabase(), dir, () -> MigmonFlywayCallback.builder()
                        .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                        .migrationId("bench").maxTrackedVersions(VERSIONS).build());
                if (!bareFirst) {
                    a = migrate(pg.freshDatabase(), dir, null);
                }
                if (round >= WARMUP) {
                    bare.add(a);
                    observed.add(b);
                }
            }
            long mb = median(bare);
            long mo = median(observed);
            System.out.printf("BENCH flyway migrate %d versions: bare median %.1f ms %s, migmon median %.1f ms %s,"
                    + " overhead %.1f ms (%.2f%%, %.0f us/version)%n", VERSIONS, mb / 1e6, millis(bare), mo / 1e6,
                    millis(observed), (mo - mb) / 1e6, 100.0 * (mo - mb) / mb, (mo - mb) / 1e3 / VERSIONS);
        }
    }

    /** The callback alone, no database: cost of one version's BEFORE/AFTER_EACH_MIGRATE pair. */
    @Test
    void eventCostWithoutDatabase() {
        ch.qos.logback.classic.Logger migmonLogs =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.migmon");
        ch.qos.logback.classic.Level before = migmonLogs.getLevel();
        try {
            for (ch.qos.logback.classic.Level level : List.of(ch.qos.logback.classic.Level.INFO,
                    ch.qos.logback.classic.Level.WARN)) {
                migmonLogs.setLevel(level);
                System.out.println("BENCH io.migmon log level " + level + " (console appender)");
                eventCost();
            }
        } finally {
            migmonLogs.setLevel(before);
        }
    }

    private void eventCost() {
        int n = 20_000;
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        Context run = context(null);
        Context[] versions = new Context[n];
        for (int i = 0; i < n; i++) {
            versions[i] = context(String.valueOf(i % 20 + 1)); // 20 distinct versions, like maxTrackedVersions
        }
        for (int pass = 0; pass < 5; pass++) {
            try (MigmonFlywayCallback cb = MigmonFlywayCallback.builder().meterRegistry(registry)
                    .migrationId("bench").build()) {
                long t0 = System.nanoTime();
                cb.handle(Event.BEFORE_MIGRATE, run);
                for (Context c : versions) {
                    cb.handle(Event.BEFORE_EACH_MIGRATE, c);
                    cb.handle(Event.AFTER_EACH_MIGRATE, c);
                }
                cb.handle(Event.AFTER_MIGRATE, run);
                long warm = System.nanoTime() - t0;

                long t1 = System.nanoTime();
                cb.handle(Event.BEFORE_MIGRATE, run);
                for (int i = 0; i < 200; i++) {
                    Context fresh = context(String.valueOf(100_000 + pass * 1000 + i)); // first sight: builds an ObservableMigration
                    cb.handle(Event.BEFORE_EACH_MIGRATE, fresh);
                    cb.handle(Event.AFTER_EACH_MIGRATE, fresh);
                }
                cb.handle(Event.AFTER_MIGRATE, run);
                long cold = System.nanoTime() - t1;
                System.out.printf("BENCH flyway events pass %d: known version %.2f us/version, new version"
                        + " (meters registered, one evicted) %.1f us/version%n", pass, warm / 1e3 / n, cold / 1e3 / 200);
            }
        }
    }

    private static long migrate(DataSource ds, Path dir, Supplier<MigmonFlywayCallback> callback) throws Exception {
        MigmonFlywayCallback cb = callback == null ? null : callback.get();
        try {
            var config = Flyway.configure().dataSource(ds).locations("filesystem:" + dir);
            if (cb != null) {
                config.callbacks(cb);
            }
            Flyway flyway = config.load();
            long t0 = System.nanoTime();
            int applied = flyway.migrate().migrationsExecuted;
            long elapsed = System.nanoTime() - t0;
            if (applied != VERSIONS) {
                throw new IllegalStateException("applied " + applied);
            }
            return elapsed;
        } finally {
            if (cb != null) {
                cb.close();
            }
            try (Connection c = ds.getConnection()) {
                c.isValid(1);
            }
        }
    }

    private static Context context(String version) {
        MigrationInfo info = version == null ? null : (MigrationInfo) Proxy.newProxyInstance(
                FlywayOverheadBenchmark.class.getClassLoader(), new Class<?>[] {MigrationInfo.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "getVersion" -> MigrationVersion.fromVersion(version);
                    case "getScript" -> "V" + version + "__bench.sql";
                    case "getDescription" -> "bench";
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
        return (Context) Proxy.newProxyInstance(FlywayOverheadBenchmark.class.getClassLoader(),
                new Class<?>[] {Context.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "getMigrationInfo" -> info;
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    default -> null;
                });
    }

    private static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    private static String millis(List<Long> xs) {
        return xs.stream().map(x -> String.format("%.0f", x / 1e6)).toList().toString();
    }
}
