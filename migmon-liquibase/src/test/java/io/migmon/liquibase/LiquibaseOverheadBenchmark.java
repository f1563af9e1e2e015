package io.migmon.liquibase;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import javax.sql.DataSource;
import liquibase.Liquibase;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.resource.DirectoryResourceAccessor;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Overhead of {@link MigmonLiquibaseListener}, side by side with a baseline in the same run. Excluded from the
 * default build; run with
 * {@code mvn -B -pl migmon-liquibase -am test -Dexcluded.groups= -Dgroups=benchmark -Dtest=LiquibaseOverheadBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 * Results in docs/performance/liquibase.md.
 */
@Tag("benchmark")
class LiquibaseOverheadBenchmark {

    private static final liquibase.change.Change CHANGE = new liquibase.change.core.RawSQLChange("SELECT 1");

    private static final int CHANGESETS = 200;
    private static final int ROUNDS = 5;
    private static final int WARMUP = 2;

    /** Real Liquibase on real PostgreSQL: 200 small changesets into a fresh database, without and with migmon. */
    @Test
    void updateWithAndWithoutMigmon() throws Exception {
        Path dir = Files.createDirectories(Path.of("target", "bench-changelog").toAbsolutePath());
        StringBuilder sql = new StringBuilder("--liquibase formatted sql\n");
        for (int v = 1; v <= CHANGESETS; v++) {
            sql.append("\n--changeset bench:").append(v).append('\n')
                    .append("CREATE TABLE t").append(v).append(" (id BIGINT PRIMARY KEY, v TEXT);\n")
                    .append("INSERT INTO t").append(v).append(" SELECT g, 'x' || g FROM generate_series(1, 100) g;\n");
        }
        Files.writeString(dir.resolve("changelog.sql"), sql);
        try (EmbeddedPostgresFixture pg = EmbeddedPostgresFixture.builder("bench").start()) {
            List<Long> bare = new ArrayList<>();
            List<Long> observed = new ArrayList<>();
            for (int round = 0; round < WARMUP + ROUNDS; round++) {
                boolean bareFirst = round % 2 == 0;
                long a = bareFirst ? update(pg.freshDatabase(), dir, false) : 0;
                long b = update(pg.freshDatabase(), dir, true);
                if (!bareFirst) {
                    a = update(pg.freshDatabase(), dir, false);
                }
                if (round >= WARMUP) {
                    bare.add(a);
                    observed.add(b);
                }
            }
            long mb = median(bare);
            long mo = median(observed);
            System.out.printf("BENCH liquibase update %d changesets: bare median %.1f ms %s, migmon median %.1f ms %s,"
                    + " overhead %.1f ms (%.2f%%, %.0f us/changeset)%n", CHANGESETS, mb / 1e6, millis(bare),
                    mo / 1e6, millis(observed), (mo - mb) / 1e6, 100.0 * (mo - mb) / mb, (mo - mb) / 1e3 / CHANGESETS);
        }
    }

    /** The listener alone, no database: cost of one changeset's willRun/ran pair (real ChangeSet objects). */
    @Test
    void eventCostWithoutDatabase() throws Exception {
        ch.qos.logback.classic.Logger migmonLogs =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.migmon");
        ch.qos.logback.classic.Level before = migmonLogs.getLevel();
        DatabaseChangeLog log = new DatabaseChangeLog("bench.sql");
        int n = 20_000;
        ChangeSet[] known = new ChangeSet[n];
        for (int i = 0; i < n; i++) {
            known[i] = new ChangeSet(String.valueOf(i % 20 + 1), "bench", false, false, "bench.sql", null, null, log);
        }
        try {
            for (ch.qos.logback.classic.Level level : List.of(ch.qos.logback.classic.Level.INFO,
                    ch.qos.logback.classic.Level.WARN)) {
                migmonLogs.setLevel(level);
                System.out.println("BENCH io.migmon log level " + level + " (console appender)");
                PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
                for (int pass = 0; pass < 5; pass++) {
                    try (MigmonLiquibaseListener l = MigmonLiquibaseListener.builder().meterRegistry(registry)
                            .migrationId("bench").build()) {
                        long t0 = System.nanoTime();
                        for (ChangeSet cs : known) {
                            l.willRun(cs, log, null, ChangeSet.RunStatus.NOT_RAN);
                            l.willRun(CHANGE, cs, log, null); // the run starts at the first change
                            l.ran(cs, log, null, ChangeSet.ExecType.EXECUTED);
                        }
                        long warm = System.nanoTime() - t0;
                        long t1 = System.nanoTime();
                        for (int i = 0; i < 200; i++) {
                            ChangeSet cs = new ChangeSet("new-" + pass + "-" + i, "bench", false, false, "bench.sql",
                                    null, null, log);
                            l.willRun(cs, log, null, ChangeSet.RunStatus.NOT_RAN);
                            l.willRun(CHANGE, cs, log, null); // the run starts at the first change
                            l.ran(cs, log, null, ChangeSet.ExecType.EXECUTED);
                        }
                        long cold = System.nanoTime() - t1;
                        System.out.printf("BENCH liquibase events pass %d: known changeset %.2f us/changeset, new"
                                + " changeset (meters registered, one evicted) %.1f us/changeset%n", pass,
                                warm / 1e3 / n, cold / 1e3 / 200);
                    }
                }
            }
        } finally {
            migmonLogs.setLevel(before);
        }
    }

    private static long update(DataSource ds, Path dir, boolean withMigmon) throws Exception {
        MigmonLiquibaseListener migmon = withMigmon ? MigmonLiquibaseListener.builder()
                .meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                .migrationId("bench").maxTrackedChangeSets(CHANGESETS).build() : null;
        try (Connection c = ds.getConnection()) {
            Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            Liquibase liquibase = new Liquibase("changelog.sql", new DirectoryResourceAccessor(dir), database);
            long t0 = System.nanoTime();
            if (migmon != null) {
                liquibase.setChangeExecListener(migmon);
                migmon.observe(liquibase::update);
            } else {
                liquibase.update();
            }
            return System.nanoTime() - t0;
        } finally {
            if (migmon != null) {
                migmon.close();
            }
        }
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
