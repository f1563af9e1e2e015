package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.Checkpoint;
import io.migmon.verify.CheckpointStore;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Second independent review of issue 17 (JDBC). Ground truth: what each test put into (or changed in) the tables.
 * Each finding is a failing test, disabled with the finding's number so the build stays green.
 */
class VerifyAttack2IT {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private JdbcTableVerifier.Builder verifier(TwoPostgres.Pair p, String table) {
        return JdbcTableVerifier.builder(table).source(p.source()).target(p.target()).meterRegistry(registry);
    }

    /** A checkpoint store that fails (like a killed process) right after the n-th checkpoint was written. */
    private static CheckpointStore crashingAfter(CheckpointStore files, int n) {
        AtomicInteger saves = new AtomicInteger();
        return new CheckpointStore() {
            @Override
            public Optional<Checkpoint> load(String id) {
                return files.load(id);
            }

            @Override
            public void save(Checkpoint checkpoint) {
                files.save(checkpoint);
                if (saves.incrementAndGet() == n) {
                    throw new IllegalStateException("simulated crash");
                }
            }

            @Override
            public void clear(String id) {
                files.clear(id);
            }
        };
    }

    /**
     * Finding 1. A run keyed by {@code id} is killed after three windows (checkpoint: last key id = 300). The user
     * reruns with {@code --key ord} (another unique column, in reverse order) and the same checkpoint directory: the
     * checkpoint id names tables and filter only, so the new run "resumes" with {@code ord > 300} and never compares
     * the rows with ord <= 300, among them the one changed row. Ground truth: ord = 100 differs on the target.
     */
    @Test
    void aCheckpointOfARunWithOtherKeyColumnsIsNotResumed(@TempDir Path dir) {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE kc (id int PRIMARY KEY, ord int NOT NULL UNIQUE, v text)",
                "INSERT INTO kc SELECT g, 5001 - g, 'v' || g FROM generate_series(1, 5000) g");
        p.onTarget("UPDATE kc SET v = 'changed' WHERE ord = 100");
        CheckpointStore files = CheckpointStore.directory(dir);
        try (JdbcTableVerifier v = verifier(p, "kc").chunkRows(100).windowRanges(1)
                .checkpoints(crashingAfter(files, 3)).build()) {
            assertThatThrownBy(v::verify).hasMessageContaining("simulated crash");
        }
        try (JdbcTableVerifier v = verifier(p, "kc").keyColumns("ord").chunkRows(100).windowRanges(1)
                .checkpoints(files).build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("ord", "100"), List.of("v")));
            assertThat(r.resumed()).isFalse();
        }
    }

    /**
     * Finding 9, the other half: a filter that writes without a second statement (a volatile function) fails
     * because the verifier's sessions are read-only. Ground truth: the sequence's value on the source, unchanged.
     */
    @Test
    void aFilterThatWritesFailsInTheReadOnlySession() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE SEQUENCE ro_seq", "CREATE TABLE ro (id int PRIMARY KEY, v text)",
                "INSERT INTO ro SELECT g, 'v' FROM generate_series(1, 100) g");
        try (JdbcTableVerifier v = verifier(p, "ro").where("nextval('ro_seq') > 0").build()) {
            assertThatThrownBy(v::verify).hasMessageContaining("read-only transaction");
        }
        try (Connection c = p.source().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT is_called FROM ro_seq")) {
            rs.next();
            assertThat(rs.getBoolean(1)).as("nextval never ran on the source").isFalse();
        }
    }

    /**
     * Finding 2. The throttle's window size is bypassed when the source's planner estimate is stale: 100 rows when
     * analyzed, 20,000 now (a bulk load autovacuum has not analyzed yet; here autovacuum is off for the table so the
     * estimate stays put). With 5,000 rows/s every window must hold at most about 5,000 rows (>= 4 windows for
     * 20,000 rows, as {@code theThrottleBoundsTheRowsOfEachScan} requires for a fresh estimate), but the whole table
     * is checksummed in one full-speed window followed by a long sleep.
     */
    @Test
    void aStaleRowEstimateDoesNotDefeatTheThrottle() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE stale (id int PRIMARY KEY, v text) WITH (autovacuum_enabled = false)",
                "INSERT INTO stale SELECT g, 'v' || g FROM generate_series(1, 100) g", "ANALYZE stale",
                "INSERT INTO stale SELECT g, 'v' || g FROM generate_series(101, 20000) g");
        try (JdbcTableVerifier v = verifier(p, "stale").maxRowsPerSecond(5000).build()) {
            VerificationReport r = v.verify();
            assertThat(r.status()).isEqualTo(VerificationStatus.IDENTICAL);
            assertThat(r.sourceRows()).isEqualTo(20_000);
            assertThat(r.rangesCompared()).as("windows of at most one second's worth of rows")
                    .isGreaterThanOrEqualTo(4);
        }
    }

    /**
     * Finding 3. A LATIN1 source database migrated to a UTF8 target (a classic migration): the same characters on
     * both sides ('café', 'Ærø' as text and as a text key) are reported changed / missing+extra, because the row
     * and key hashes are computed over each server's encoded bytes.
     */
    @Test
    void theSameTextInALatin1SourceAndAUtf8TargetIsIdentical() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        DataSource latin1 = database(p.source(), p.sourceUrl(), "LATIN1");
        exec(latin1, "CREATE TABLE enc (code text PRIMARY KEY, name text)",
                "INSERT INTO enc VALUES ('cafe', 'café'), ('aero', 'Ærø'), ('plain', 'plain'), ('naïve', 'x')");
        p.onTarget("CREATE TABLE enc (code text PRIMARY KEY, name text)",
                "INSERT INTO enc VALUES ('cafe', 'café'), ('aero', 'Ærø'), ('plain', 'plain'), ('naïve', 'x')");
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("enc").source(latin1).target(p.target())
                .meterRegistry(registry).build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).isEmpty();
            assertThat(r.status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
    }

    /**
     * Finding 4. An integer key with a skewed distribution (3,000 dense keys and one far away) and a column named
     * {@code a}: the dense bucket is bisected with {@code bucketChecksums}, whose FROM joins a derived table exposing
     * a column {@code a} ({@code migmon_t.a}); the table's own column {@code a} in the row hash becomes ambiguous and
     * the run fails instead of reporting the one changed row.
     */
    @Test
    void aColumnNamedAInASkewedIntegerKeyTable() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE skew (id bigint PRIMARY KEY, a text, b int)",
                "INSERT INTO skew SELECT g, 'a' || g, g FROM generate_series(1, 3000) g",
                "INSERT INTO skew VALUES (1000000000000, 'far', 0)");
        p.onTarget("UPDATE skew SET a = 'changed' WHERE id = 1500");
        try (JdbcTableVerifier v = verifier(p, "skew").build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "1500"), List.of("a")));
        }
    }

    /**
     * Finding 5. {@code interval '1 mon'} and {@code interval '30 days'} (also '1 year' and '360 days') compare
     * equal: the interval hash normalizes months to 30 days. They are different values for every date computation
     * ({@code date '2026-02-01' + interval '1 mon'} is March 1, {@code + interval '30 days'} March 3), so a
     * migration that rewrote months as days passes verification.
     */
    @Test
    void aMonthRewrittenAsThirtyDaysIsADifference() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE plan (id int PRIMARY KEY, period interval)",
                "INSERT INTO plan VALUES (1, '1 mon'), (2, '1 year'), (3, '2 days')");
        p.onTarget("UPDATE plan SET period = '30 days' WHERE id = 1", "UPDATE plan SET period = '360 days' WHERE id = 2");
        assertThat(dateShift(p.source(), 1)).isNotEqualTo(dateShift(p.target(), 1)); // the ground truth differs
        try (JdbcTableVerifier v = verifier(p, "plan").build()) {
            VerificationReport r = v.verify();
            assertThat(r.count(DifferenceKind.CHANGED)).isEqualTo(2);
        }
    }

    /**
     * Finding 7. The throttle counts each window's rows once, but a differing window is read three times per side
     * (window checksum, bucket pass, rows of the differing buckets). With every row changed (a systematic transform
     * bug on the target: exactly when a verification runs long) {@code maxRowsPerSecond(5000)} reads far more than
     * 5,000 rows per second from the source. Ground truth: the source server's own counters of rows read from the
     * table ({@code pg_stat_user_tables}: sequential + index fetches) over the run's wall time.
     */
    @Test
    void theThrottleBoundsTheRowsReadWhenEveryWindowDiffers() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE thr2 (id int PRIMARY KEY, v text)",
                "INSERT INTO thr2 SELECT g, 'v' || g FROM generate_series(1, 20000) g", "ANALYZE thr2");
        p.onTarget("UPDATE thr2 SET v = v || ' migrated'");
        long before = rowsRead(p.source(), "thr2");
        long t0 = System.nanoTime();
        try (JdbcTableVerifier v = verifier(p, "thr2").maxRowsPerSecond(5000).maxReportedDifferences(1).build()) {
            VerificationReport r = v.verify();
            assertThat(r.count(DifferenceKind.CHANGED)).isEqualTo(20_000);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long read = settledRowsRead(p.source(), "thr2") - before;
        assertThat(read).as("rows read from the source").isGreaterThanOrEqualTo(20_000);
        assertThat(read / seconds).as("source rows read per second (%d rows in %.1f s)", read, seconds)
                .isLessThanOrEqualTo(5000 * 1.25);
    }

    /** Rows read from {@code table} according to the server (sequential scans + index fetches). */
    static long rowsRead(DataSource ds, String table) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) "
                        + "FROM pg_stat_user_tables WHERE relname = '" + table + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** {@link #rowsRead} once the verifier's sessions have flushed their statistics (stable for a second). */
    static long settledRowsRead(DataSource ds, String table) throws Exception {
        long last = -1;
        for (int i = 0; i < 20; i++) {
            long now = rowsRead(ds, table);
            if (now == last) {
                return now;
            }
            last = now;
            Thread.sleep(1000);
        }
        return last;
    }

    /**
     * Finding 8. {@code numeric} compares by value (1.5 equals 1.50, docs/verify.md), also through a domain over
     * numeric, but not through a domain over such a domain: only one level of domain is resolved to its base type, the
     * rest falls back to the text form, so 2.5 and 2.50 differ there (a false difference).
     */
    @Test
    void aNumericBehindTwoDomainsComparesByValue() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE DOMAIN amount AS numeric CHECK (VALUE >= 0)", "CREATE DOMAIN price AS amount",
                "CREATE TABLE dd (id int PRIMARY KEY, one amount, two price)",
                "INSERT INTO dd VALUES (1, 1.5, 2.5)");
        p.onTarget("UPDATE dd SET one = 1.50, two = 2.50");
        try (JdbcTableVerifier v = verifier(p, "dd").build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).isEmpty();
        }
    }

    /**
     * Finding 13. A key whose type sorts differently on the two sides although its values compare equal by text:
     * {@code citext} on the source, {@code text} on the target (dropping the citext extension), or an enum key
     * column that became {@code text}. Both tables hold the same 3,000 rows and one window says identical, but with
     * several windows (tables over 25.6M rows, and every throttled run: a window is one second's worth of rows) each
     * side's key ranges hold other rows and thousands of false missing/extra rows are reported. The collation check
     * added for {@code VerifierCollationIT} compares collation names only, not the key types' orderings.
     */
    @Test
    void aKeyWhoseTypeSortsDifferentlyOnTheTargetAcrossWindows() {
        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE EXTENSION IF NOT EXISTS citext", "CREATE TABLE ci (code citext PRIMARY KEY, v int)");
        p.onTarget("CREATE TABLE ci (code text PRIMARY KEY, v int)");
        p.both("INSERT INTO ci SELECT CASE WHEN g % 2 = 0 THEN 'K' ELSE 'k' END || g, g FROM generate_series(1, 3000) g");
        try (JdbcTableVerifier v = verifier(p, "ci").build()) {
            assertThat(v.verify().status()).as("one window").isEqualTo(VerificationStatus.IDENTICAL);
        }
        try (JdbcTableVerifier v = verifier(p, "ci").chunkRows(100).windowRanges(1).build()) {
            VerificationReport r = v.verify();
            soft.assertThat(r.totalDifferences()).as("citext: windows of 100 rows").isZero();
        }
        p.onSource("CREATE TYPE region AS ENUM ('west', 'east', 'north')",
                "CREATE TABLE sales (region region, id int, amount int, PRIMARY KEY (region, id))");
        p.onTarget("CREATE TABLE sales (region text, id int, amount int, PRIMARY KEY (region, id))");
        String fill = "INSERT INTO sales SELECT (ARRAY['west', 'east', 'north'])[1 + g % 3]::TYPE, g, g "
                + "FROM generate_series(1, 3000) g";
        p.onSource(fill.replace("TYPE", "region"));
        p.onTarget(fill.replace("TYPE", "text"));
        try (JdbcTableVerifier v = verifier(p, "sales").maxRowsPerSecond(1000).build()) {
            VerificationReport r = v.verify();
            soft.assertThat(r.totalDifferences()).as("enum: throttled, windows of 1,000 rows").isZero();
        }
        soft.assertAll();
    }

    /**
     * Finding 14. With a {@code where} filter (the common CLI use: "verify what the backfill copied so far") the
     * progress and ETA gauges stay NaN for the whole run: the only estimate used is {@code pg_class.reltuples},
     * skipped when a filter is set. Ground truth: a throttled run over 20,000 filtered rows takes about 4 s; the
     * gauges are sampled while it runs and must show progress strictly between 0 and 1 at least once.
     */
    @Test
    void progressIsReportedForAFilteredRun() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE pr (id int PRIMARY KEY, v text)",
                "INSERT INTO pr SELECT g, 'v' || g FROM generate_series(1, 40000) g", "ANALYZE pr");
        java.util.List<Double> samples = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (JdbcTableVerifier v = verifier(p, "pr").where("id <= 20000").maxRowsPerSecond(5000).build()) {
            java.util.concurrent.ExecutorService sampler = java.util.concurrent.Executors.newSingleThreadExecutor();
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            sampler.submit(() -> {
                while (!done.get()) {
                    registry.find("migration.validation.progress").tag("table", "pr").gauges()
                            .forEach(g -> samples.add(g.value()));
                    Thread.sleep(200);
                }
                return null;
            });
            VerificationReport r = v.verify();
            done.set(true);
            sampler.shutdown();
            sampler.awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.sourceRows()).isEqualTo(20_000);
        }
        assertThat(samples).as("progress samples during the run").anyMatch(x -> x > 0 && x < 1);
    }

    /**
     * Finding 15. Without commit timestamps (the default) a candidate is verified when "the source row is unchanged
     * since the previous probe at t' and W >= t'" — but "unchanged" is judged by an equal row hash. A source row that
     * changes A -> B -> A between two probes (a flag toggled back, a counter that went up and down) while the pipeline
     * has applied B but not yet the second A is confirmed as a defect although it is in flight. Ground truth: the
     * simulated pipeline below applies every change in order and keeps its watermark promise (W = a time after B's
     * commit and before the second A's commit while the target holds B); it then applies A. The tables end up equal,
     * so the run must not report a difference.
     */
    @Test
    void aValueThatChangesBackBetweenProbesIsNotConfirmed() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE flag (id int PRIMARY KEY, v text)",
                "INSERT INTO flag SELECT g, 'A' FROM generate_series(1, 1000) g");
        p.onTarget("UPDATE flag SET v = 'OLD' WHERE id = 1"); // the pipeline has not applied 'A' yet
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> watermark =
                new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.EPOCH);
        java.util.concurrent.ExecutorService pipeline = java.util.concurrent.Executors.newSingleThreadExecutor();
        try (JdbcTableVerifier v = verifier(p, "flag").appliedWatermark(() -> Optional.of(watermark.get()))
                .pollInterval(java.time.Duration.ofMillis(100)).inFlightTimeout(java.time.Duration.ofSeconds(30))
                .build()) {
            java.util.concurrent.Future<?> applier = pipeline.submit(() -> {
                // wait for the first probe of the candidate (the in-flight gauge shows it), then let it finish
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (registry.find("migration.validation.in.flight").tag("table", "flag").gauges().stream()
                        .noneMatch(g -> g.value() > 0)) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("no candidate in flight");
                    }
                    Thread.sleep(20);
                }
                Thread.sleep(500);
                p.onTarget("UPDATE flag SET v = 'A' WHERE id = 1");        // applies A (committed before the probe)
                p.onSource("UPDATE flag SET v = 'B' WHERE id = 1");        // c2
                java.time.Instant between = sourceClock(p.source());       // c2 < between < c3
                p.onSource("UPDATE flag SET v = 'A' WHERE id = 1");        // c3
                p.onTarget("UPDATE flag SET v = 'B' WHERE id = 1");        // applies c2
                watermark.set(between);                                    // everything up to 'between' applied
                Thread.sleep(1500);
                p.onTarget("UPDATE flag SET v = 'A' WHERE id = 1");        // applies c3
                watermark.set(sourceClock(p.source()));
                return null;
            });
            VerificationReport r = v.verify();
            applier.get(60, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.differences()).as("the tables are equal once the pipeline caught up").isEmpty();
            assertThat(r.status()).isEqualTo(VerificationStatus.IDENTICAL);
        } finally {
            pipeline.shutdownNow();
        }
    }

    private static java.time.Instant sourceClock(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT clock_timestamp()")) {
            rs.next();
            return rs.getObject(1, java.time.OffsetDateTime.class).toInstant();
        }
    }

    /**
     * Finding 16. A filter that qualifies its columns with the table name ({@code where("wq.created > ...")}, natural
     * when copying a condition from the migration's own SQL) works for the whole scan, then fails the run in the
     * in-flight re-check: the probe aliases the table ({@code LEFT JOIN "wq" AS t}), so {@code wq.created} is an
     * "invalid reference to FROM-clause entry". With a CDC watermark the run ends in an exception (exit 2) after the
     * complete scan instead of reporting the one changed row.
     */
    @Test
    void aFilterQualifiedWithTheTableNameWorksWithAWatermark() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE wq (id int PRIMARY KEY, created int, v text)",
                "INSERT INTO wq SELECT g, g, 'v' FROM generate_series(1, 1000) g");
        p.onTarget("UPDATE wq SET v = 'x' WHERE id = 900");
        try (JdbcTableVerifier v = verifier(p, "wq").where("wq.created > 500")
                .appliedWatermark(() -> Optional.of(java.time.Instant.now().plusSeconds(3600)))
                .pollInterval(java.time.Duration.ofMillis(50)).inFlightTimeout(java.time.Duration.ofSeconds(20))
                .build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "900"), List.of("v")));
        }
    }

    /**
     * Finding 17. The host cancels a verification by interrupting its thread (a timeout wrapper, an executor shut down
     * with {@code shutdownNow()}, application shutdown) while the target is still scanning. The verifier throws at
     * once, skips putting back the target's session settings ("closing the connection aborts the scan"), and closes
     * the target connection — which, taken from the host's pool, is not closed but handed back to the pool, with the
     * verifier's {@code TimeZone=UTC}, {@code DateStyle}, {@code IntervalStyle} (and the scan still running on it).
     * The host's next statements on it format and parse dates in another time zone and style.
     */
    @Test
    void anInterruptedRunPutsBackTheTargetsSessionSettings() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE intr (id int PRIMARY KEY, v text)");
        p.onSource("INSERT INTO intr SELECT g, 'v' || g FROM generate_series(1, 100) g", "ANALYZE intr");
        // the target is much larger (a runaway duplicate load): its window scan takes seconds
        p.onTarget("INSERT INTO intr SELECT g, repeat('v', 200) || g FROM generate_series(1, 1500000) g", "ANALYZE intr");
        try (Connection src = p.source().getConnection(); Connection tgt = p.target().getConnection()) {
            for (Connection c : new Connection[] {src, tgt}) {
                try (Statement st = c.createStatement()) {
                    st.execute("SET TimeZone = 'Europe/Berlin'; SET DateStyle = 'ISO, DMY'; "
                            + "SET IntervalStyle = 'postgres_verbose'");
                }
            }
            String before = sessionSettings(tgt);
            java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
            Thread run = new Thread(() -> {
                try (JdbcTableVerifier v = JdbcTableVerifier.builder("intr").source(VerifierAttackIT.pool(src))
                        .target(VerifierAttackIT.pool(tgt)).meterRegistry(registry).build()) {
                    v.verify();
                } catch (Throwable t) {
                    thrown.set(t);
                }
            });
            run.start();
            // interrupt while the target is scanning: wait until its scan shows in pg_stat_activity (a fixed sleep
            // let the whole run finish first on a quiet machine)
            long deadline = System.nanoTime() + 60_000_000_000L;
            boolean scanning = false;
            while (!scanning && run.isAlive() && System.nanoTime() < deadline) {
                scanning = targetScanning(p.target(), tgt);
                if (!scanning) {
                    Thread.sleep(5);
                }
            }
            assertThat(scanning).as("the target's scan was seen running").isTrue();
            run.interrupt();
            run.join(120_000);
            assertThat(thrown.get()).as("the run was cancelled").isNotNull();
            assertThat(sessionSettings(src)).as("source").isEqualTo(before);
            assertThat(sessionSettings(tgt)).as("target").isEqualTo(before);
        }
    }

    /** Whether the verifier's connection {@code tgt} runs a statement on {@code intr} now. */
    private static boolean targetScanning(DataSource target, Connection tgt) throws SQLException {
        int pid = tgt.unwrap(org.postgresql.PGConnection.class).getBackendPID();
        try (Connection c = target.getConnection(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE pid = " + pid + " AND state = 'active' "
                        + "AND query ILIKE '%intr%'")) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }

    private static String sessionSettings(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting('TimeZone') "
                + "|| ' ' || current_setting('DateStyle') || ' ' || current_setting('IntervalStyle')")) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static String dateShift(DataSource ds, int id) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT (date '2026-02-01' + period)::date::text FROM plan WHERE id = " + id)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A new database with this encoding on the server of {@code any} (C locale, from template0). */
    static DataSource database(DataSource any, String anyUrl, String encoding) throws SQLException {
        String current;
        String name;
        try (Connection c = any.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT current_database()")) {
                rs.next();
                current = rs.getString(1);
            }
            name = current + "_" + encoding.toLowerCase(java.util.Locale.ROOT).replace("-", "");
            s.execute("CREATE DATABASE " + name + " ENCODING '" + encoding + "' LC_COLLATE 'C' LC_CTYPE 'C' "
                    + "TEMPLATE template0");
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(anyUrl.replace("/" + current + "?", "/" + name + "?").replaceAll("/" + current + "$", "/" + name));
        return ds;
    }

    static void exec(DataSource ds, String... sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (String q : sql) {
                s.execute(q);
            }
        }
    }
}
