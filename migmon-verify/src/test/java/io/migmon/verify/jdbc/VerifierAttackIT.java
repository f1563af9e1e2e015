package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationException;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Inputs the first tests did not use (independent review of issue 17). Ground truth: what each test changed on one
 * side, and what the connections show after the run.
 */
class VerifierAttackIT {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private JdbcTableVerifier.Builder verifier(TwoPostgres.Pair p, String table) {
        return JdbcTableVerifier.builder(table).source(p.source()).target(p.target()).meterRegistry(registry);
    }

    /**
     * A target without the primary key (typical during a backfill) holding an at-least-once duplicate: the source
     * has 1000 rows, the target 1001, so the tables are not identical.
     */
    @Test
    void aDuplicatedRowInATargetWithoutPrimaryKeyIsNotIdentical() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE dup (id int PRIMARY KEY, name text)");
        p.onTarget("CREATE TABLE dup (id int, name text)");
        p.both("INSERT INTO dup SELECT g, 'n' || g FROM generate_series(1, 1000) g");
        p.onTarget("INSERT INTO dup VALUES (500, 'n500')");
        try (JdbcTableVerifier v = verifier(p, "dup").build()) {
            VerificationReport r = v.verify();
            assertThat(r.targetRows()).isEqualTo(1001);
            assertThat(r.status()).isEqualTo(VerificationStatus.DIFFERENT);
            assertThat(r.count(DifferenceKind.EXTRA)).isEqualTo(1);
        }
    }

    /**
     * The same duplicate with a CDC watermark that has passed everything (the pipeline is idle and caught up): the
     * re-check must not settle the duplicate as "in flight" because the first target row it reads equals the source.
     */
    @Test
    void aDuplicatedRowStaysADifferenceWhenReCheckedAgainstTheWatermark() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE dupw (id int PRIMARY KEY, name text)");
        p.onTarget("CREATE TABLE dupw (id int, name text)");
        p.both("INSERT INTO dupw SELECT g, 'n' || g FROM generate_series(1, 1000) g");
        p.onTarget("INSERT INTO dupw VALUES (500, 'n500')");
        for (boolean commitTimestamps : new boolean[] {false, true}) {
            try (JdbcTableVerifier v = verifier(p, "dupw").commitTimestamps(commitTimestamps)
                    .appliedWatermark(() -> java.util.Optional.of(java.time.Instant.now().plusSeconds(3600)))
                    .pollInterval(java.time.Duration.ofMillis(50)).inFlightTimeout(java.time.Duration.ofSeconds(30))
                    .build()) {
                VerificationReport r = v.verify();
                assertThat(r.status()).as("commitTimestamps " + commitTimestamps).isEqualTo(VerificationStatus.DIFFERENT);
                assertThat(r.totalDifferences()).isEqualTo(1);
            }
        }
    }

    /**
     * One checkpoint directory for two environments (the same table name, another target database): a run against
     * target B must not resume the interrupted run against target A, or B's differences before A's checkpoint are
     * never compared.
     */
    @Test
    void aCheckpointOfAnotherTargetDatabaseIsNotResumed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        TwoPostgres.Pair a = TwoPostgres.fresh();
        TwoPostgres.Pair b = TwoPostgres.fresh();
        a.both("CREATE TABLE env (id int PRIMARY KEY, v text)",
                "INSERT INTO env SELECT g, 'v' || g FROM generate_series(1, 5000) g");
        b.onTarget("CREATE TABLE env (id int PRIMARY KEY, v text)",
                "INSERT INTO env SELECT g, 'v' || g FROM generate_series(1, 5000) g",
                "UPDATE env SET v = 'B only' WHERE id = 100");
        io.migmon.verify.CheckpointStore files = io.migmon.verify.CheckpointStore.directory(dir);
        java.util.concurrent.atomic.AtomicInteger saves = new java.util.concurrent.atomic.AtomicInteger();
        io.migmon.verify.CheckpointStore crashing = new io.migmon.verify.CheckpointStore() {
            @Override
            public java.util.Optional<io.migmon.verify.Checkpoint> load(String id) {
                return files.load(id);
            }

            @Override
            public void save(io.migmon.verify.Checkpoint checkpoint) {
                files.save(checkpoint);
                if (saves.incrementAndGet() == 3) {
                    throw new IllegalStateException("simulated crash");
                }
            }

            @Override
            public void clear(String id) {
                files.clear(id);
            }
        };
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("env").source(a.source()).target(a.target())
                .meterRegistry(registry).chunkRows(100).windowRanges(10).checkpoints(crashing).build()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(v::verify).hasMessageContaining("simulated crash");
        }
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("env").source(a.source()).target(b.target())
                .meterRegistry(registry).chunkRows(100).windowRanges(10).checkpoints(files).build()) {
            VerificationReport r = v.verify();
            assertThat(r.resumed()).isFalse();
            assertThat(r.count(DifferenceKind.CHANGED)).isEqualTo(1);
        }
    }

    /**
     * One key duplicated 1,000 times in a target without the primary key (more rows than a leaf): splitting the range
     * at its row-count boundaries yields the same key again and again; the verifier must still end and report them.
     */
    @Test
    void aKeyDuplicatedMoreOftenThanALeafHoldsEndsAndIsReported() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE dupm (id int PRIMARY KEY, name text)");
        p.onTarget("CREATE TABLE dupm (id int, name text)");
        p.both("INSERT INTO dupm SELECT g, 'n' || g FROM generate_series(1, 5000) g");
        p.onTarget("INSERT INTO dupm SELECT 2500, 'n2500' FROM generate_series(1, 1000)");
        try (JdbcTableVerifier v = verifier(p, "dupm").maxReportedDifferences(5).build()) {
            VerificationReport r = v.verify();
            assertThat(r.targetRows()).isEqualTo(6000);
            assertThat(r.count(DifferenceKind.EXTRA)).isEqualTo(1000);
            assertThat(r.totalDifferences()).isEqualTo(1000);
        }
        // the same with a text key (hash buckets)
        p.onSource("CREATE TABLE dupmt (code text PRIMARY KEY)", "INSERT INTO dupmt SELECT 'c' || g FROM generate_series(1, 5000) g");
        p.onTarget("CREATE TABLE dupmt (code text)", "INSERT INTO dupmt SELECT 'c' || g FROM generate_series(1, 5000) g",
                "INSERT INTO dupmt SELECT 'c77' FROM generate_series(1, 1000)");
        try (JdbcTableVerifier v = verifier(p, "dupmt").build()) {
            assertThat(v.verify().count(DifferenceKind.EXTRA)).isEqualTo(1000);
        }
    }

    /** The same with a text key (hash buckets instead of key ranges). */
    @Test
    void aDuplicatedRowWithATextKeyIsNotIdentical() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE dupt (code text PRIMARY KEY, n int)");
        p.onTarget("CREATE TABLE dupt (code text, n int)");
        p.both("INSERT INTO dupt SELECT 'c' || g, g FROM generate_series(1, 1000) g");
        p.onTarget("INSERT INTO dupt VALUES ('c77', 77)");
        try (JdbcTableVerifier v = verifier(p, "dupt").build()) {
            VerificationReport r = v.verify();
            assertThat(r.status()).isEqualTo(VerificationStatus.DIFFERENT);
            assertThat(r.count(DifferenceKind.EXTRA)).isEqualTo(1);
        }
    }

    /** Key columns given for a table without primary key that hold a NULL: a changed NULL-key row must not vanish. */
    @Test
    void aChangedRowWithANullKeyIsNotIdentical() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE nk (k int, v text)",
                "INSERT INTO nk SELECT g, 'v' || g FROM generate_series(1, 1000) g",
                "INSERT INTO nk VALUES (NULL, 'same')");
        p.onTarget("UPDATE nk SET v = 'changed' WHERE k IS NULL");
        try (JdbcTableVerifier v = verifier(p, "nk").keyColumns("k").build()) {
            VerificationReport r = v.verify();
            assertThat(r.status()).isNotEqualTo(VerificationStatus.IDENTICAL);
        } catch (VerificationException e) {
            // failing fast on a NULL key is fine too, as long as it names the key
            assertThat(e.getMessage()).contains("NULL").contains("k");
        }
    }

    /** Several windows: rows whose key is NULL must not fall out of every window. */
    @Test
    void aNullKeyRowIsNotSkippedAcrossWindows() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE nkw (k text, v text)",
                "INSERT INTO nkw SELECT 'k' || g, 'v' || g FROM generate_series(1, 1000) g",
                "INSERT INTO nkw VALUES (NULL, 'same')");
        p.onTarget("UPDATE nkw SET v = 'changed' WHERE k IS NULL");
        try (JdbcTableVerifier v = verifier(p, "nkw").keyColumns("k").chunkRows(100).windowRanges(2).build()) {
            VerificationReport r = v.verify();
            assertThat(r.status()).isNotEqualTo(VerificationStatus.IDENTICAL);
        } catch (VerificationException e) {
            assertThat(e.getMessage()).contains("NULL").contains("k");
        }
    }

    /**
     * The host hands its pool to the verifier: the session settings the verifier needs (TimeZone, DateStyle,
     * IntervalStyle, extra_float_digits, bytea_output) must not stay on the host's pooled connections.
     */
    @Test
    void theHostsPooledConnectionsKeepTheirSessionSettings() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE pooled (id int PRIMARY KEY, at timestamptz)",
                "INSERT INTO pooled SELECT g, timestamptz '2026-01-01 12:00+01' FROM generate_series(1, 100) g");
        try (Connection src = p.source().getConnection(); Connection tgt = p.target().getConnection()) {
            String settings = "SET TimeZone = 'Europe/Berlin'; SET DateStyle = 'ISO, DMY'; "
                    + "SET IntervalStyle = 'postgres_verbose'; SET extra_float_digits = 0; SET bytea_output = 'escape'";
            for (Connection c : new Connection[] {src, tgt}) {
                try (Statement st = c.createStatement()) {
                    st.execute(settings);
                }
            }
            String before = settings(src);
            try (JdbcTableVerifier v = JdbcTableVerifier.builder("pooled").source(pool(src)).target(pool(tgt))
                    .meterRegistry(registry).build()) {
                assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
            }
            assertThat(settings(src)).isEqualTo(before);
            assertThat(settings(tgt)).isEqualTo(before);
            // also after a failed run (a filter naming no column)
            try (JdbcTableVerifier v = JdbcTableVerifier.builder("pooled").source(pool(src)).target(pool(tgt))
                    .meterRegistry(registry).where("no_such_column > 0").build()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(v::verify).isInstanceOf(VerificationException.class);
            }
            assertThat(settings(src)).isEqualTo(before);
            assertThat(settings(tgt)).isEqualTo(before);
        }
    }

    private static String settings(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting('TimeZone') "
                + "|| ' ' || current_setting('DateStyle') || ' ' || current_setting('IntervalStyle') || ' ' || "
                + "current_setting('extra_float_digits') || ' ' || current_setting('bytea_output') || ' ' || "
                + "current_setting('plan_cache_mode')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A one-connection "pool": close() hands the connection back instead of closing it. */
    static DataSource pool(Connection c) {
        Connection handle = (Connection) Proxy.newProxyInstance(VerifierAttackIT.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, m, args) -> {
                    if (m.getName().equals("close")) {
                        return null;
                    }
                    try {
                        return m.invoke(c, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return new DataSource() {
            @Override
            public Connection getConnection() {
                return handle;
            }

            @Override
            public Connection getConnection(String u, String pw) {
                return handle;
            }

            @Override
            public PrintWriter getLogWriter() {
                return null;
            }

            @Override
            public void setLogWriter(PrintWriter out) {
            }

            @Override
            public void setLoginTimeout(int seconds) {
            }

            @Override
            public int getLoginTimeout() {
                return 0;
            }

            @Override
            public Logger getParentLogger() {
                return Logger.getGlobal();
            }

            @Override
            public <T> T unwrap(Class<T> iface) throws SQLException {
                throw new SQLException("no");
            }

            @Override
            public boolean isWrapperFor(Class<?> iface) {
                return false;
            }
        };
    }

    /**
     * The throttle must bound the rate while scanning, not sleep after a full-speed scan: 20,000 rows at 5,000
     * rows/s must be checksummed in several windows (each at most about one second's worth of rows).
     */
    @Test
    void theThrottleBoundsTheRowsOfEachScan() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE thr (id int PRIMARY KEY, v text)",
                "INSERT INTO thr SELECT g, 'v' || g FROM generate_series(1, 20000) g", "ANALYZE thr");
        try (JdbcTableVerifier v = verifier(p, "thr").maxRowsPerSecond(5000).build()) {
            long t0 = System.nanoTime();
            VerificationReport r = v.verify();
            assertThat(r.status()).isEqualTo(VerificationStatus.IDENTICAL);
            // one window per second's worth of rows at most: >= 4 checksummed windows for 20,000 rows
            assertThat(r.rangesCompared()).isGreaterThanOrEqualTo(4);
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(2_500_000_000L);
        }
    }

    /** PostgreSQL's {@code ?} operator in a filter, written {@code ??} as documented (JDBC escaping). */
    @Test
    void aWhereWithTheJsonbKeyExistsOperator() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE jq (id int PRIMARY KEY, doc jsonb)",
                "INSERT INTO jq SELECT g, CASE WHEN g % 2 = 0 THEN '{\"a\": 1}'::jsonb ELSE '{\"b\": 1}' END "
                        + "FROM generate_series(1, 1000) g");
        p.onTarget("UPDATE jq SET doc = '{\"a\": 2}' WHERE id = 10", "UPDATE jq SET doc = '{\"b\": 2}' WHERE id = 11");
        try (JdbcTableVerifier v = verifier(p, "jq").where("doc ?? 'a' AND id <> 999").build()) {
            VerificationReport r = v.verify();
            assertThat(r.sourceRows()).isEqualTo(500);
            assertThat(r.differences()).extracting(d -> d.key().get("id")).containsExactly("10");
        }
    }

    /** A {@code --where} ending in a SQL line comment must not swallow the rest of the verifier's SQL. */
    @Test
    void aWhereWithATrailingLineCommentWorks() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE wc (id int PRIMARY KEY, v text)",
                "INSERT INTO wc SELECT g, 'v' || g FROM generate_series(1, 1000) g");
        p.onTarget("UPDATE wc SET v = 'x' WHERE id = 900");
        try (JdbcTableVerifier v = verifier(p, "wc").where("id > 500 -- recent rows only").build()) {
            VerificationReport r = v.verify();
            assertThat(r.status()).isEqualTo(VerificationStatus.DIFFERENT);
            assertThat(r.count(DifferenceKind.CHANGED)).isEqualTo(1);
            assertThat(r.sourceRows()).isEqualTo(500);
        }
    }
}
