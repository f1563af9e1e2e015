package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationException;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Fourth independent review of issue 17 (JDBC): the last fix round and the areas never attacked. Ground truth: what
 * each test put into (or changed in) the tables. Each finding is a failing test, disabled with its number.
 */
class VerifyAttack4IT {

    private static final AtomicInteger ROLES = new AtomicInteger();

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private JdbcTableVerifier.Builder verifier(TwoPostgres.Pair p, String table) {
        return JdbcTableVerifier.builder(table).source(p.source()).target(p.target()).meterRegistry(registry);
    }

    private static DataSource as(String url, String user) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setUrl(url);
        ds.setUser(user);
        return ds;
    }

    /**
     * A SELECT-only role that may not read one column (column privileges, common for PII), with that column
     * excluded: the verification should run and find the one changed row it can see.
     */
    @Test
    void aSelectOnlyRoleWithoutOneColumnVerifiesTheOthers() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        String role = "ro_v4_" + ROLES.incrementAndGet() + "_" + System.nanoTime() % 100000;
        p.both("CREATE TABLE pii (id int PRIMARY KEY, v text, secret text)",
                "INSERT INTO pii SELECT g, 'v' || g, 's' || g FROM generate_series(1, 3000) g",
                "ANALYZE pii",
                "CREATE ROLE " + role + " LOGIN",
                "GRANT SELECT (id, v) ON pii TO " + role);
        p.onTarget("UPDATE pii SET v = 'changed' WHERE id = 42", "UPDATE pii SET secret = 'x' WHERE id = 43");
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("pii").source(as(p.sourceUrl(), role))
                .target(as(p.targetUrl(), role)).excludeColumns("secret").meterRegistry(registry).build()) {
            assertThat(v.verify().differences()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "42"), List.of("v")));
        }
    }

    /**
     * The same, without excluding the column: a clear failure naming the column, not a wrong verdict. Actual:
     * "verification of pii failed: ERROR: permission denied for table pii (SQLState 42501)" although the role can
     * read the table's other columns; nothing says which column or that excludeColumns/--exclude is the way out.
     */
    @Test
    void aRoleWithoutAccessToAColumnFailsNamingIt() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        String role = "ro_v4b_" + ROLES.incrementAndGet() + "_" + System.nanoTime() % 100000;
        p.both("CREATE TABLE pii (id int PRIMARY KEY, v text, secret text)",
                "INSERT INTO pii SELECT g, 'v' || g, 's' || g FROM generate_series(1, 300) g",
                "CREATE ROLE " + role + " LOGIN",
                "GRANT SELECT (id, v) ON pii TO " + role);
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("pii").source(as(p.sourceUrl(), role))
                .target(as(p.targetUrl(), role)).meterRegistry(registry).build()) {
            assertThatThrownBy(v::verify).isInstanceOf(VerificationException.class).hasMessageContaining("secret");
        }
    }

    /** timestamp 'infinity' on both sides is identical; 'infinity' against '-infinity' is a change. */
    @Test
    void infiniteTimestamps() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE inf (id int PRIMARY KEY, t timestamp, tz timestamptz)");
        p.onSource("INSERT INTO inf VALUES (1, 'infinity', 'infinity'), (2, 'infinity', 'infinity'), "
                + "(3, '-infinity', '-infinity'), (4, '2026-01-01', '2026-01-01')");
        p.onTarget("INSERT INTO inf VALUES (1, 'infinity', 'infinity'), (2, '-infinity', '-infinity'), "
                + "(3, '-infinity', '-infinity'), (4, '2026-01-01', '2026-01-01')");
        try (JdbcTableVerifier v = verifier(p, "inf").build()) {
            assertThat(v.verify().differences()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "2"), List.of("t", "tz")));
        }
    }

    /** timestamp on the source, timestamptz on the target (compared as UTC): infinity too. */
    @Test
    void infiniteTimestampAgainstTimestamptz() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE inf (id int PRIMARY KEY, t timestamp)",
                "INSERT INTO inf VALUES (1, 'infinity'), (2, 'infinity'), (3, '-infinity')");
        p.onTarget("CREATE TABLE inf (id int PRIMARY KEY, t timestamptz)",
                "INSERT INTO inf VALUES (1, 'infinity'), (2, '-infinity'), (3, '-infinity')");
        try (JdbcTableVerifier v = verifier(p, "inf").build()) {
            assertThat(v.verify().differences()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "2"), List.of("t")));
        }
    }

    /** A float key: -0 on one side, 0 on the other are one row for PostgreSQL (-0 = 0, unique index). */
    @Test
    void aFloatKeyNegativeZero() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE fk (k float8 PRIMARY KEY, v text)");
        p.onSource("INSERT INTO fk VALUES ('-0', 'a'), (1.5, 'b')");
        p.onTarget("INSERT INTO fk VALUES (0, 'a'), (1.5, 'b')");
        try (JdbcTableVerifier v = verifier(p, "fk").build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
    }

    /** A quoted table name holding a dot and capitals, with a where qualified by that name. */
    @Test
    void aQuotedTableNameWithADotAndAQualifiedWhere() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE SCHEMA \"Sales\"", "CREATE TABLE \"Sales\".\"Ord.ers\" (id int PRIMARY KEY, v text)",
                "INSERT INTO \"Sales\".\"Ord.ers\" SELECT g, 'v' || g FROM generate_series(1, 1000) g");
        p.onTarget("UPDATE \"Sales\".\"Ord.ers\" SET v = 'x' WHERE id IN (10, 900)");
        try (JdbcTableVerifier v = verifier(p, "\"Sales\".\"Ord.ers\"").where("\"Ord.ers\".id < 500")
                .appliedWatermark(() -> java.util.Optional.of(java.time.Instant.now().plusSeconds(3600)))
                .build()) {
            assertThat(v.verify().differences()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "10"), List.of("v")));
        }
    }

    /**
     * The target's server kills the verifier's sessions mid-run (a restart, a failover, a DBA's
     * pg_terminate_backend): the run must fail (exception, or not IDENTICAL), never report identical, and end.
     */
    @Test
    void theTargetKillsTheVerifiersSessionsMidRun() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE big (id int PRIMARY KEY, v text)",
                "INSERT INTO big SELECT g, 'v' || g FROM generate_series(1, 60000) g", "ANALYZE big");
        p.onTarget("UPDATE big SET v = 'x' WHERE id = 59000");
        CompletableFuture<Object> run = CompletableFuture.supplyAsync(() -> {
            try (JdbcTableVerifier v = verifier(p, "big").maxRowsPerSecond(10_000).build()) {
                return v.verify();
            } catch (RuntimeException e) {
                return e;
            }
        });
        String db;
        try (Connection c = p.target().getConnection(); Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT current_database()");
            rs.next();
            db = rs.getString(1);
        }
        Thread.sleep(2500);
        int killed = 0;
        for (int i = 0; i < 20 && !run.isDone(); i++) {
            try (Connection c = TwoPostgres.fresh().target().getConnection(); Statement s = c.createStatement()) {
                var rs = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '"
                        + db + "' AND pid <> pg_backend_pid()");
                rs.next();
                killed += rs.getInt(1);
            }
            Thread.sleep(300);
        }
        Object result = run.get(120, TimeUnit.SECONDS);
        assertThat(killed).isPositive();
        if (result instanceof VerificationReport r) {
            assertThat(r.status()).as("report after the target killed the sessions: " + r).isNotEqualTo(
                    VerificationStatus.IDENTICAL);
            assertThat(r.differences()).contains(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "59000"), List.of("v")));
        } else {
            assertThat(result).isInstanceOf(VerificationException.class);
        }
    }

    /**
     * A real difference on a row that is also being updated: the pipeline applies every change of {@code v} one
     * second late, but never the column {@code tag} (the target's tag of id 1 is wrong, a real defect). The source
     * updates id 1 every 50 ms for the whole run. Ground truth: id 1 differs in {@code tag}, permanently; every
     * other row is identical. Expected: DIFFERENT, changed id 1 [tag]. Actual (2026-11-27, both with and without
     * commitTimestamps): INCONCLUSIVE, unresolved=1, no difference listed, after inFlightTimeout (20 s here; 5 min
     * by default): every probe sees a new source version (xmin) or a commit younger than the watermark, so neither
     * the "applied" nor the "stable" rule ever holds, although {@code tag} never changed at the source. The report
     * (and its JSON, {@code inFlight.unresolved}) gives only a count: the unresolved key is named nowhere.
     */
    @Test
    void aRealDifferenceOnAHotRowIsReported() throws Exception {
        hotRow(false);
    }

    @Test
    void aRealDifferenceOnAHotRowIsReportedWithCommitTimestamps() throws Exception {
        hotRow(true);
    }

    private void hotRow(boolean commitTimestamps) throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE hot (id int PRIMARY KEY, v int, tag text)",
                "INSERT INTO hot SELECT g, 0, 't' || g FROM generate_series(1, 1000) g");
        p.onTarget("UPDATE hot SET tag = 'wrong' WHERE id = 1");
        java.util.concurrent.ConcurrentLinkedDeque<Object[]> queue = new java.util.concurrent.ConcurrentLinkedDeque<>();
        java.util.concurrent.atomic.AtomicReference<java.time.Instant> watermark =
                new java.util.concurrent.atomic.AtomicReference<>(java.time.Instant.now().minusSeconds(5));
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread writer = new Thread(() -> {
            try (Connection c = p.source().getConnection(); Statement s = c.createStatement()) {
                for (int v = 1; running.get(); v++) {
                    s.execute("UPDATE hot SET v = " + v + " WHERE id = 1");
                    var rs = s.executeQuery("SELECT clock_timestamp()");
                    rs.next();
                    queue.addLast(new Object[] {v, rs.getTimestamp(1).toInstant(), System.nanoTime()});
                    Thread.sleep(50);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread applier = new Thread(() -> {
            try (Connection c = p.target().getConnection(); Statement s = c.createStatement()) {
                while (running.get()) {
                    Object[] head = queue.peekFirst();
                    if (head != null && System.nanoTime() - (long) head[2] >= 1_000_000_000L) {
                        s.execute("UPDATE hot SET v = " + head[0] + " WHERE id = 1");
                        watermark.set((java.time.Instant) head[1]);
                        queue.pollFirst();
                    } else {
                        Thread.sleep(5);
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        applier.start();
        try {
            Thread.sleep(1500);
            try (JdbcTableVerifier v = verifier(p, "hot").appliedWatermark(() -> java.util.Optional.of(watermark.get()))
                    .commitTimestamps(commitTimestamps).inFlightTimeout(Duration.ofSeconds(20)).build()) {
                VerificationReport r = v.verify();
                assertThat(r.differences()).as(r.toString()).containsExactly(
                        new RowDifference(DifferenceKind.CHANGED, Map.of("id", "1"), List.of("tag")));
                assertThat(r.status()).isEqualTo(VerificationStatus.DIFFERENT);
            }
        } finally {
            running.set(false);
            writer.join();
            applier.join();
        }
    }

    /**
     * What a user sees in Prometheus after the documented usage (docs/verify.md "In a few lines": the verifier in
     * try-with-resources, meterRegistry(registry)). Ground truth: 2 rows changed on the target. The rule
     * {@code validation_differences} is {@code max by (verification, table) (migration_validation_differences) > 0};
     * it can only fire if the scrape after the run still holds that gauge with the run's value. Actual: the scrape
     * is empty (JdbcTableVerifier.close() -> ValidationMeters.close() removes every meter), so the rule, the panel
     * and the mismatches counter see nothing unless a scrape happens to land during the run (and the differences
     * gauge is only set at the very end of it). The health check keeps its DOWN state; the meters do not.
     */
    @Test
    void theDifferencesGaugeOutlivesTheDocumentedTryWithResources() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE orders (id int PRIMARY KEY, v text)",
                "INSERT INTO orders SELECT g, 'v' || g FROM generate_series(1, 500) g");
        p.onTarget("UPDATE orders SET v = 'x' WHERE id IN (3, 4)");
        io.micrometer.prometheusmetrics.PrometheusMeterRegistry prometheus =
                new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
                        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
        io.migmon.verify.VerificationHealthCheck health = io.migmon.verify.VerificationHealthCheck.create();
        VerificationReport report;
        try (JdbcTableVerifier verifier = JdbcTableVerifier.builder("public.orders").source(p.source())
                .target(p.target()).healthCheck(health).meterRegistry(prometheus).build()) {
            report = verifier.verify();
        }
        assertThat(report.exitCode()).isEqualTo(1);
        String scrape = prometheus.scrape();
        assertThat(scrape).as("scrape after the documented run:\n" + scrape)
                .containsPattern("(?m)^migration_validation_differences\\{[^}]*\\} 2\\.0$")
                .containsPattern("(?m)^migration_validation_mismatches_total\\{[^}]*kind=\"changed\"[^}]*\\} 2\\.0$");
    }

    /**
     * A huge number of differences: the target holds 1 row of 300,000 (a text key, so the hash-bucket path).
     * Ground truth: 299,999 missing. The report must count them all and list a bounded number.
     */
    @Test
    void aHugeNumberOfDifferencesIsCountedAndTheListBounded() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE many (id text PRIMARY KEY, v int)");
        p.onSource("INSERT INTO many SELECT 'k' || g, g FROM generate_series(1, 300000) g", "ANALYZE many");
        p.onTarget("INSERT INTO many VALUES ('k7', 7)");
        long before = usedHeap();
        try (JdbcTableVerifier v = verifier(p, "many").build()) {
            VerificationReport r = v.verify();
            assertThat(r.count(DifferenceKind.MISSING)).as(r.toString()).isEqualTo(299_999);
            assertThat(r.totalDifferences()).isEqualTo(299_999);
            assertThat(r.differences()).hasSize(100);
            assertThat(r.truncated()).isTrue();
            assertThat(r.toJson().length()).isLessThan(50_000);
        }
        System.out.println("heap delta MB " + (usedHeap() - before) / 1_000_000);
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.totalMemory() - rt.freeMemory();
    }

    /**
     * Resumable ranges after a crash mid-run, with the data changing before the resume. 3,000 rows in windows of
     * 500 (six windows). First run: target id 100 differs (window 1); the run dies after the third window (the
     * checkpoint store fails, as a killed process would stop there). Before the resume, the target's id 100 is
     * repaired (re-synced) and id 2,900 (window 6) changes on the target. Ground truth at resume time: only id
     * 2,900 differs. Actual: changed [100, 2900]: the candidates saved in the checkpoint are reported as they were
     * found before the crash, without a re-check (without a watermark), although one probe of the key would show id
     * 100 is now equal. Related (not asserted, a limit to document): a change made after the crash inside the ranges
     * already covered (ids up to 1,500 here) is never seen by the resumed run, and nothing in the report or in
     * docs/verify.md says that a resumed report stitches verdicts taken at different times.
     */
    @Test
    void aResumedRunDoesNotReportARowRepairedSinceTheCrash() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE r (id int PRIMARY KEY, v text)",
                "INSERT INTO r SELECT g, 'v' || g FROM generate_series(1, 3000) g", "ANALYZE r");
        p.onTarget("UPDATE r SET v = 'wrong' WHERE id = 100");
        io.migmon.verify.CheckpointStore memory = io.migmon.verify.CheckpointStore.inMemory();
        AtomicInteger saves = new AtomicInteger();
        io.migmon.verify.CheckpointStore dying = new io.migmon.verify.CheckpointStore() {
            @Override
            public java.util.Optional<io.migmon.verify.Checkpoint> load(String id) {
                return memory.load(id);
            }

            @Override
            public void save(io.migmon.verify.Checkpoint checkpoint) {
                memory.save(checkpoint);
                if (saves.incrementAndGet() == 3) {
                    throw new IllegalStateException("killed");
                }
            }

            @Override
            public void clear(String id) {
                memory.clear(id);
            }
        };
        try (JdbcTableVerifier v = verifier(p, "r").chunkRows(500).windowRanges(1).checkpoints(dying).build()) {
            assertThatThrownBy(v::verify).hasMessageContaining("killed");
        }
        p.onTarget("UPDATE r SET v = 'v100' WHERE id = 100", "UPDATE r SET v = 'wrong' WHERE id = 2900");
        try (JdbcTableVerifier v = verifier(p, "r").chunkRows(500).windowRanges(1).checkpoints(memory).build()) {
            VerificationReport r = v.verify();
            assertThat(r.resumed()).isTrue();
            assertThat(r.differences()).as(r.toString()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "2900"), List.of("v")));
        }
    }

    /**
     * --max-rows-per-second as a DBA sees it: rows read on the source (pg_stat_user_tables / _indexes) over the
     * run's duration. 40,000 identical rows at 10,000 rows per second. Held (2026-11-27): 80,003 rows read (the
     * key-index walk and the checksum scan of each 10,000-row window, as documented) in 8.5-8.7 s, about 9,200/s; a
     * DBA sees one window scanned at full speed, then a pause. The margin only grows when the machine is loaded.
     */
    @Test
    void theThrottleAsTheSourceSeesIt() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE th (id int PRIMARY KEY, v text)",
                "INSERT INTO th SELECT g, 'v' || g FROM generate_series(1, 40000) g", "VACUUM ANALYZE th");
        Thread.sleep(1200);
        long before = tuplesRead(p.source(), "th");
        long t0 = System.nanoTime();
        VerificationReport r;
        try (JdbcTableVerifier v = verifier(p, "th").maxRowsPerSecond(10_000).build()) {
            r = v.verify();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(1200);
        System.out.println("throttle stats: " + stats(p.source(), "th"));
        long read = tuplesRead(p.source(), "th") - before;
        System.out.printf("throttle: %s, %d tuples read on the source in %.2f s = %.0f/s (limit 10000)%n",
                r.status(), read, seconds, read / seconds);
        assertThat(r.status()).isEqualTo(VerificationStatus.IDENTICAL);
        assertThat(read / seconds).isLessThanOrEqualTo(10_000 * 1.2);
    }

    private static String stats(DataSource ds, String table) throws java.sql.SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT t.seq_scan, t.seq_tup_read, t.idx_scan, t.idx_tup_fetch, i.idx_tup_read "
                    + "FROM pg_stat_user_tables t JOIN pg_stat_user_indexes i USING (relid) WHERE t.relname = '" + table + "'");
            rs.next();
            return "seq_scan=" + rs.getLong(1) + " seq_tup_read=" + rs.getLong(2) + " idx_scan=" + rs.getLong(3)
                    + " idx_tup_fetch=" + rs.getLong(4) + " idx_tup_read=" + rs.getLong(5);
        }
    }

    private static long tuplesRead(DataSource ds, String table) throws java.sql.SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            // rows read: by sequential scans plus index entries read (an index scan's heap fetches are the same rows)
            var rs = s.executeQuery("SELECT (SELECT coalesce(sum(seq_tup_read), 0) FROM pg_stat_user_tables "
                    + "WHERE relname = '" + table + "') + (SELECT coalesce(sum(idx_tup_read), 0) FROM pg_stat_user_indexes "
                    + "WHERE relname = '" + table + "')");
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * The throttle with a key whose type differs between the sides in name only: {@code varchar} on the source,
     * {@code text} on the target (a common migration). The verifier then ranges keys as text in the C collation
     * "without the key index" (docs/verify.md, Limits), so every throttled window's bound is found by sorting the
     * whole rest of the table and every window's checksum scans the table. Ground truth: 100,000 identical rows;
     * limit 20,000 rows per second; what the source's statistics show read over the run's duration. Actual
     * (2026-11-27): 13 sequential scans, 1,200,000 rows read in 10.1 s = 119,000 rows/s, 6x the limit (the same
     * table with an int key: 9,100/s). The walk and the checksum of each window are charged windowRows each, but
     * each reads the whole table, so the excess grows with the table: about 2 x rows^2 / limit rows in total (10M
     * rows at 20,000/s: 500 windows, 10^10 rows read). The same path is taken for every text key when the servers'
     * encodings differ (LATIN1/WIN1252 source, UTF8 target) and for citext/text or enum/text keys; in-flight
     * re-checks then scan the table per probe too.
     */
    @Test
    void theThrottleHoldsWhenTheKeyTypesDifferByName() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE tk (id varchar(20) PRIMARY KEY, v text)");
        p.onTarget("CREATE TABLE tk (id text PRIMARY KEY, v text)");
        p.both("INSERT INTO tk SELECT lpad(g::text, 8, '0'), 'v' || g FROM generate_series(1, 100000) g",
                "VACUUM ANALYZE tk");
        Thread.sleep(1200);
        long before = tuplesRead(p.source(), "tk");
        long t0 = System.nanoTime();
        VerificationReport r;
        try (JdbcTableVerifier v = verifier(p, "tk").maxRowsPerSecond(20_000).build()) {
            r = v.verify();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(1200);
        System.out.println("throttle varchar/text stats: " + stats(p.source(), "tk"));
        long read = tuplesRead(p.source(), "tk") - before;
        System.out.printf("throttle varchar/text: %s, %d rows read on the source in %.2f s = %.0f/s (limit 20000)%n",
                r.status(), read, seconds, read / seconds);
        assertThat(r.status()).isEqualTo(VerificationStatus.IDENTICAL);
        assertThat(read / seconds).isLessThanOrEqualTo(20_000 * 1.2);
    }

    /** An unquoted table name longer than 63 bytes: PostgreSQL truncates it (NAMEDATALEN), so does its catalog. */
    @Test
    void aLongTableNameIsTruncatedAsPostgresqlDoes() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        String name = "orders_of_the_year_two_thousand_twenty_six_archived_for_the_auditors";
        assertThat(name.length()).isGreaterThan(63);
        p.both("CREATE TABLE " + name + " (id int PRIMARY KEY, v text)",
                "INSERT INTO " + name + " SELECT g, 'v' || g FROM generate_series(1, 100) g");
        p.onTarget("UPDATE " + name + " SET v = 'x' WHERE id = 7");
        try (JdbcTableVerifier v = verifier(p, name).build()) {
            assertThat(v.verify().differences()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "7"), List.of("v")));
        }
    }

    /** An unqualified name resolves through the session's search_path, as PostgreSQL resolves it. */
    @Test
    void anUnqualifiedNameFollowsTheSearchPath() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE SCHEMA app", "CREATE TABLE app.orders (id int PRIMARY KEY, v text)",
                "INSERT INTO app.orders SELECT g, 'v' || g FROM generate_series(1, 100) g");
        for (DataSource ds : List.of(p.source(), p.target())) {
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                var rs = st.executeQuery("SELECT current_database()");
                rs.next();
                st.execute("ALTER DATABASE " + rs.getString(1) + " SET search_path = app, public");
            }
        }
        p.onTarget("UPDATE app.orders SET v = 'x' WHERE id = 7");
        try (JdbcTableVerifier v = verifier(p, "orders").build()) {
            assertThat(v.verify().differences()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "7"), List.of("v")));
        }
    }

    /** A where calling nextval (a write outside the row data): refused by the read-only transaction, nothing moved. */
    @Test
    void aWhereCallingNextvalMovesNoSequence() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE SEQUENCE s", "CREATE TABLE w (id int PRIMARY KEY, v text)",
                "INSERT INTO w SELECT g, 'v' || g FROM generate_series(1, 100) g");
        try (JdbcTableVerifier v = verifier(p, "w").where("nextval('s') > 0").build()) {
            assertThatThrownBy(v::verify).isInstanceOf(VerificationException.class);
        }
        for (DataSource ds : List.of(p.source(), p.target())) {
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                var rs = st.executeQuery("SELECT last_value, is_called FROM s");
                rs.next();
                assertThat(rs.getBoolean(2)).as("sequence untouched").isFalse();
            }
        }
    }

    /**
     * An integer key that became numeric with a scale on the target ({@code 1} / {@code 1.0}): the same rows, in
     * several windows. docs/verify.md: such keys compare by their canonical text, numeric without its trailing
     * fractional zeros.
     */
    @Test
    void anIntegerKeyThatBecameNumericWithAScale() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE nk (id int PRIMARY KEY, v text)",
                "INSERT INTO nk SELECT g, 'v' || g FROM generate_series(1, 5000) g", "ANALYZE nk");
        p.onTarget("CREATE TABLE nk (id numeric(12,1) PRIMARY KEY, v text)",
                "INSERT INTO nk SELECT g, 'v' || g FROM generate_series(1, 5000) g",
                "UPDATE nk SET v = 'x' WHERE id = 4321");
        try (JdbcTableVerifier v = verifier(p, "nk").chunkRows(1000).windowRanges(1).build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).as(r.toString()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "4321"), List.of("v")));
        }
    }

    /**
     * A timestamp key that became timestamptz (the usual fix of a naive timestamp column). As a compared column
     * docs/verify.md compares the timestamp as a UTC instant; as a key (types differ: compared as canonical text)
     * the same instants must still match. Ground truth: 300 identical rows (UTC), one changed value. Actual: 300
     * missing and 300 extra (the key's text is {@code 2026-01-01 00:01:00} on one side and
     * {@code 2026-01-01 00:01:00+00} on the other), exit 1 for every row of a correct migration, and the real change
     * is not reported as such.
     */
    @Test
    void aTimestampKeyThatBecameTimestamptz() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE tk (at timestamp PRIMARY KEY, v text)",
                "INSERT INTO tk SELECT timestamp '2026-01-01' + g * interval '1 minute', 'v' || g "
                        + "FROM generate_series(1, 300) g");
        p.onTarget("CREATE TABLE tk (at timestamptz PRIMARY KEY, v text)",
                "INSERT INTO tk SELECT timestamptz '2026-01-01 00:00+00' + g * interval '1 minute', 'v' || g "
                        + "FROM generate_series(1, 300) g",
                "UPDATE tk SET v = 'x' WHERE at = timestamptz '2026-01-01 00:07+00'");
        try (JdbcTableVerifier v = verifier(p, "tk").build()) {
            VerificationReport r = v.verify();
            assertThat(r.totalDifferences()).as(r.toString()).isEqualTo(1);
            assertThat(r.count(DifferenceKind.CHANGED)).isEqualTo(1);
        }
    }

    /**
     * A SELECT-only role (no superuser) with the applied watermark and commit timestamps: the re-check reads
     * xmin and pg_xact_commit_timestamp. Ground truth: one real difference on a row nobody writes.
     */
    @Test
    void aSelectOnlyRoleWithTheWatermarkAndCommitTimestamps() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        String role = "ro_v4c_" + ROLES.incrementAndGet() + "_" + System.nanoTime() % 100000;
        p.both("CREATE TABLE c (id int PRIMARY KEY, v text)",
                "INSERT INTO c SELECT g, 'v' || g FROM generate_series(1, 1000) g", "ANALYZE c",
                "CREATE ROLE " + role + " LOGIN", "GRANT SELECT ON c TO " + role);
        p.onTarget("UPDATE c SET v = 'x' WHERE id = 77");
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("c").source(as(p.sourceUrl(), role))
                .target(as(p.targetUrl(), role)).meterRegistry(registry).commitTimestamps(true)
                .appliedWatermark(() -> java.util.Optional.of(java.time.Instant.now()))
                .inFlightTimeout(Duration.ofSeconds(30)).build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).as(r.toString()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "77"), List.of("v")));
        }
    }

    /**
     * Writes continue at the pipeline's full rate for the whole run (they are not stopped as in
     * InFlightVerificationIT) and the pipeline lags 2 s. Ground truth: the pipeline applies every change, nothing
     * is corrupted, so no difference may be confirmed (unresolved ones are acceptable, exit 2).
     */
    @Test
    void noDifferenceIsConfirmedWhileALaggingPipelineKeepsWriting() throws Exception {
        for (boolean commitTimestamps : new boolean[] {false, true}) {
            TwoPostgres.Pair p = TwoPostgres.fresh();
            p.both("CREATE TABLE events (id bigint PRIMARY KEY, v int, note text)",
                    "INSERT INTO events SELECT g, g, 'n' || g FROM generate_series(1, 20000) g");
            try (io.migmon.verify.SimulatedPipeline pipeline = new io.migmon.verify.SimulatedPipeline(p.source(),
                    p.target(), 2000, 2_000);
                    JdbcTableVerifier v = verifier(p, "events").chunkRows(500)
                            .appliedWatermark(pipeline::appliedWatermark).commitTimestamps(commitTimestamps)
                            .inFlightTimeout(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(50)).build()) {
                Thread.sleep(2500);
                long before = pipeline.changes();
                VerificationReport r = v.verify();
                System.out.println("lagging pipeline, commitTimestamps=" + commitTimestamps + ": " + r + ", rechecked "
                        + r.inFlightRechecked() + ", resolved " + r.inFlightResolved() + ", writes during "
                        + (pipeline.changes() - before));
                pipeline.drain();
                assertThat(pipeline.failure()).isNull();
                assertThat(r.differences()).as(r.toString()).isEmpty();
            }
        }
    }

    /**
     * A partitioned source (two range partitions, a dropped column, columns named like keywords and with quotes)
     * against a plain target: the same rows. Ground truth: one changed value in each partition, one missing row.
     */
    @Test
    void aPartitionedSourceWithADroppedColumnAndOddNames() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE pt (id int, gone text, \"order\" int, \"We\"\"ird Name\" text, PRIMARY KEY (id)) "
                        + "PARTITION BY RANGE (id)",
                "CREATE TABLE pt_a PARTITION OF pt FOR VALUES FROM (MINVALUE) TO (2501)",
                "CREATE TABLE pt_b PARTITION OF pt FOR VALUES FROM (2501) TO (MAXVALUE)",
                "ALTER TABLE pt DROP COLUMN gone",
                "INSERT INTO pt SELECT g, g % 7, 'w' || g FROM generate_series(1, 5000) g", "ANALYZE pt");
        p.onTarget("CREATE TABLE pt (id int PRIMARY KEY, \"order\" int, \"We\"\"ird Name\" text)",
                "INSERT INTO pt SELECT g, g % 7, 'w' || g FROM generate_series(1, 5000) g",
                "UPDATE pt SET \"order\" = 99 WHERE id = 10", "UPDATE pt SET \"We\"\"ird Name\" = 'x' WHERE id = 4000",
                "DELETE FROM pt WHERE id = 2501");
        try (JdbcTableVerifier v = verifier(p, "pt").chunkRows(1000).windowRanges(1).build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).as(r.toString()).containsExactlyInAnyOrder(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "10"), List.of("order")),
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "4000"), List.of("We\"ird Name")),
                    new RowDifference(DifferenceKind.MISSING, Map.of("id", "2501"), List.of()));
        }
    }

    /**
     * A numeric key whose scale changed ({@code numeric(10,1)} on the source, {@code numeric} on the target, the
     * values copied as they are: {@code 5.0} became {@code 5}). PostgreSQL's {@code =} says 5.0 = 5 (one row);
     * numeric columns compare by value (docs/verify.md). Ground truth: 200 rows, one changed value.
     */
    @Test
    void aNumericKeyWhoseScaleChanged() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE nk (id numeric(10,1) PRIMARY KEY, v text)",
                "INSERT INTO nk SELECT g, 'v' || g FROM generate_series(1, 200) g");
        p.onTarget("CREATE TABLE nk (id numeric PRIMARY KEY, v text)",
                "INSERT INTO nk SELECT g, 'v' || g FROM generate_series(1, 200) g",
                "UPDATE nk SET v = 'x' WHERE id = 50");
        try (JdbcTableVerifier v = verifier(p, "nk").build()) {
            VerificationReport r = v.verify();
            assertThat(r.totalDifferences()).as(r.toString()).isEqualTo(1);
            assertThat(r.count(DifferenceKind.CHANGED)).isEqualTo(1);
        }
    }
}
