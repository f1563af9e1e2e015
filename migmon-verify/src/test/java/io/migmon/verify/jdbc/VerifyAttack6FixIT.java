package io.migmon.verify.jdbc;

import static io.migmon.verify.jdbc.VerifyFixtures.charKeyTable;
import static io.migmon.verify.jdbc.VerifyFixtures.count;
import static io.migmon.verify.jdbc.VerifyFixtures.dyingAt;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.Checkpoint;
import io.migmon.verify.CheckpointStore;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Fixes of the sixth attack's open findings (issue 17, branch verify19). Finding 2: a {@code numeric} key compared
 * with a key of another type ({@code numeric(10,2)} migrated to {@code text}) is compared by value, as
 * {@code numeric} columns are: trailing fractional zeros do not matter unless {@code strictNumericScale}. The
 * expected differences are the ones each test writes into the target (and reads back to check it did). Finding 3:
 * the throttle charges every pass over keys ranged by an expression as the rows the databases read for it; ground
 * truth: the servers' own counters of rows read ({@code pg_stat_user_tables}: {@code seq_tup_read +
 * idx_tup_fetch}) over the run, against its elapsed time (the throttle cannot let the run end before the rows it
 * was charged fit the rate, so a run that read more rows than {@code rate x elapsed} was under-charged).
 */
class VerifyAttack6FixIT {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static RowDifference diff(DifferenceKind kind, String key, String... columns) {
        return new RowDifference(kind, Map.of("id", key), List.of(columns));
    }

    /**
     * {@code numeric(10,2)} source keys (0.25 .. 100.00), a {@code text} target written by {@code id::text}
     * ({@code '0.50'}) and then partly rewritten without trailing zeros ({@code '0.5'}, {@code '10'}) by a later
     * step of the migration: both forms are the same number. Beside them the real defects: a changed row, a
     * missing row, and extra keys that are the same number written otherwise ({@code '01.25'}, {@code '+2.25'},
     * {@code '3.25e0'}: numeric never writes them, so they are other keys) or no number ({@code 'n/a'}).
     */
    private static TwoPostgres.Pair numericToText() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE nt (id numeric(10,2) PRIMARY KEY, v text)",
                "INSERT INTO nt SELECT g / 4.0, 'v' || g FROM generate_series(1, 400) g", "ANALYZE nt");
        p.onTarget("ALTER TABLE nt ALTER COLUMN id TYPE text USING id::text",
                "UPDATE nt SET id = regexp_replace(regexp_replace(id, '0$', ''), '\\.0$', '') "
                        + "WHERE id IN ('0.50', '10.00', '20.50', '99.00', '100.00', '50.50')",
                "UPDATE nt SET v = 'wrong' WHERE id = '20.5'", "UPDATE nt SET v = 'wrong too' WHERE id = '7.75'",
                "DELETE FROM nt WHERE id IN ('50.00', '0.25')",
                "INSERT INTO nt VALUES ('01.25', 'v5'), ('+2.25', 'v9'), ('3.25e0', 'v13'), ('n/a', 'none')",
                "ANALYZE nt");
        assertThat(count(p.target(), "SELECT count(*) FROM nt WHERE id IN ('0.5', '10', '20.5', '99', '100', "
                + "'50.5')")).as("rewritten without trailing zeros").isEqualTo(6);
        return p;
    }

    private static final List<RowDifference> NUMERIC_TO_TEXT = List.of(
            diff(DifferenceKind.CHANGED, "20.5", "v"), diff(DifferenceKind.CHANGED, "7.75", "v"),
            diff(DifferenceKind.MISSING, "50"), diff(DifferenceKind.MISSING, "0.25"),
            diff(DifferenceKind.EXTRA, "01.25"), diff(DifferenceKind.EXTRA, "+2.25"),
            diff(DifferenceKind.EXTRA, "3.25e0"), diff(DifferenceKind.EXTRA, "n/a"));

    @Test
    void numericKeysAgainstTextKeysCompareByValueInEveryWindow() throws SQLException {
        TwoPostgres.Pair p = numericToText();
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("nt").source(p.source()).target(p.target())
                .chunkRows(100).windowRanges(1).meterRegistry(registry).build()) {
            r = v.verify();
        }
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrderElementsOf(NUMERIC_TO_TEXT);
        assertThat(r.sourceRows()).isEqualTo(count(p.source(), "SELECT count(*) FROM nt"));
        assertThat(r.targetRows()).isEqualTo(count(p.target(), "SELECT count(*) FROM nt"));
    }

    /**
     * The same table re-checked by key (an applied watermark an hour ahead): the probe of a {@code text} key must
     * not look the row up by the canonical text ({@code '20.5'} finds no {@code '20.50'}), only by the value.
     */
    @Test
    void numericKeysAgainstTextKeysSurviveTheReCheck() throws SQLException {
        TwoPostgres.Pair p = numericToText();
        p.onTarget("UPDATE nt SET v = 'wrong' WHERE id = '30.50'");
        assertThat(count(p.target(), "SELECT count(*) FROM nt WHERE id = '30.50' AND v = 'wrong'")).isOne();
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("nt").source(p.source()).target(p.target())
                .chunkRows(100).windowRanges(1).meterRegistry(registry)
                .appliedWatermark(() -> Optional.of(Instant.now().plusSeconds(3600))).build()) {
            r = v.verify();
        }
        List<RowDifference> expected = new java.util.ArrayList<>(NUMERIC_TO_TEXT);
        expected.add(diff(DifferenceKind.CHANGED, "30.5", "v"));
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrderElementsOf(expected);
    }

    /**
     * With {@code strictNumericScale} the scale is part of the value, for keys too: {@code '0.5'} is not
     * {@code 0.50}, so each rewritten key is missing (the number) and extra (the text).
     */
    @Test
    void withStrictScaleARewrittenKeyIsMissingAndExtra() throws SQLException {
        TwoPostgres.Pair p = numericToText();
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("nt").source(p.source()).target(p.target())
                .strictNumericScale(true).chunkRows(100).windowRanges(1).meterRegistry(registry).build()) {
            r = v.verify();
        }
        List<RowDifference> expected = new java.util.ArrayList<>(List.of(
                diff(DifferenceKind.CHANGED, "7.75", "v"),
                diff(DifferenceKind.MISSING, "50.00"), diff(DifferenceKind.MISSING, "0.25"),
                diff(DifferenceKind.EXTRA, "01.25"), diff(DifferenceKind.EXTRA, "+2.25"),
                diff(DifferenceKind.EXTRA, "3.25e0"), diff(DifferenceKind.EXTRA, "n/a")));
        for (String[] k : new String[][] {{"0.50", "0.5"}, {"10.00", "10"}, {"20.50", "20.5"}, {"99.00", "99"},
                {"100.00", "100"}, {"50.50", "50.5"}}) {
            expected.add(diff(DifferenceKind.MISSING, k[0]));
            expected.add(diff(DifferenceKind.EXTRA, k[1]));
        }
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrderElementsOf(expected);
    }

    /**
     * The reverse migration, {@code text} keys to {@code numeric(10,2)}: the text {@code '0.5'} and the number
     * {@code 0.50} are one key; a text {@code '1.0'} and {@code '1.00'} are both the number {@code 1.00} on the
     * target, so one of them is missing (a key held twice on the source, once on the target).
     */
    @Test
    void textKeysMigratedToNumericCompareByValue() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE tn (id text PRIMARY KEY, v text)");
        p.onTarget("CREATE TABLE tn (id numeric(10,2) PRIMARY KEY, v text)");
        p.onSource("INSERT INTO tn SELECT trim_scale(g / 4.0)::text, 'v' || g FROM generate_series(1, 300) g",
                "INSERT INTO tn VALUES ('1.0', 'v4')", "ANALYZE tn");
        p.onTarget("INSERT INTO tn SELECT g / 4.0, 'v' || g FROM generate_series(1, 300) g",
                "UPDATE tn SET v = 'wrong' WHERE id = 12.5", "DELETE FROM tn WHERE id = 60", "ANALYZE tn");
        assertThat(count(p.source(), "SELECT count(*) FROM tn WHERE id IN ('0.5', '12.5', '60', '1', '1.0')"))
                .isEqualTo(5);
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("tn").source(p.source()).target(p.target())
                .chunkRows(100).windowRanges(1).meterRegistry(registry).build()) {
            r = v.verify();
        }
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrder(
                diff(DifferenceKind.CHANGED, "12.5", "v"), diff(DifferenceKind.MISSING, "60"),
                diff(DifferenceKind.MISSING, "1"));
    }

    // ---- finding 3: the throttle's charge against the rows the servers read -------------------------------------

    /**
     * Rows the server of {@code ds} read from {@code table} so far ({@code seq_tup_read + idx_tup_fetch}), once every
     * other session of the database has ended (a backend flushes its counters when it exits) and the value held
     * still for half a second.
     */
    private static long rowsRead(DataSource ds, String table) throws SQLException {
        long last = -1;
        long since = System.nanoTime();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (true) {
            try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                boolean alone;
                try (ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                        + "current_database() AND pid <> pg_backend_pid()")) {
                    rs.next();
                    alone = rs.getLong(1) == 0;
                }
                if (alone) {
                    st.execute("SELECT pg_stat_clear_snapshot()");
                    try (PreparedStatement ps = c.prepareStatement("SELECT coalesce(seq_tup_read, 0) + "
                            + "coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables WHERE relname = ?")) {
                        ps.setString(1, table);
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            long v = rs.getLong(1);
                            if (v != last) {
                                last = v;
                                since = System.nanoTime();
                            } else if (System.nanoTime() - since >= 500_000_000L) {
                                return v;
                            }
                        }
                    }
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the counters of " + table + " did not settle within 30 s (last " + last + ")");
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /**
     * {@code character(8)} / {@code text} keys, 4,000 rows, a run killed after 3,000 rows (12 checkpoints), resumed at
     * 2,000 rows per second with one changed row after the checkpoint. Each of its passes (bounds, sums, the differing
     * window's buckets and rows) scans the whole table on its side, although 1,000 rows are in range. The servers'
     * counters say how many rows the resumed run read on each side; it must have taken at least that many rows at
     * the rate (before the fix: 16,000 rows read per side, charged 5,000).
     */
    @Test
    void aResumedRunIsChargedTheRowsTheServersRead() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        charKeyTable(p, "rr", 4000, false);
        p.onTarget("UPDATE rr SET v = 'wrong' WHERE id = '00003500'");
        CheckpointStore memory = CheckpointStore.inMemory();
        List<Checkpoint> died = new ArrayList<>();
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("rr").source(p.source()).target(p.target())
                .chunkRows(250).windowRanges(1).meterRegistry(registry).checkpoints(dyingAt(memory, died, 12))
                .build()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(v::verify).hasMessageContaining("killed");
        }
        assertThat(died.get(11).lastKey()).containsExactly("00003000");
        long source0 = rowsRead(p.source(), "rr");
        long target0 = rowsRead(p.target(), "rr");
        int rate = 2000;
        long t0 = System.nanoTime();
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("rr").source(p.source()).target(p.target())
                .chunkRows(250).windowRanges(1).maxRowsPerSecond(rate).meterRegistry(registry)
                .checkpoints(memory).build()) {
            r = v.verify();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long source = rowsRead(p.source(), "rr") - source0;
        long target = rowsRead(p.target(), "rr") - target0;
        assertThat(r.resumed()).isTrue();
        assertThat(r.differences()).as(r.toJson()).containsExactly(diff(DifferenceKind.CHANGED, "00003500", "v"));
        String figures = "rows read: source " + source + ", target " + target + "; elapsed " + ms + " ms";
        System.out.println(figures);
        assertThat(Math.max(source, target)).as("passes over the whole table: " + figures).isGreaterThan(3 * 4000);
        assertThat(ms).as("charged at least what the busier server read: " + figures)
                .isGreaterThanOrEqualTo(Math.max(source, target) * 1000 / rate - 20);
    }

    /**
     * A {@code where} that no index serves ({@code n % 2 = 0}: half the rows) with {@code character(8)} /
     * {@code text} keys and one changed row, at 4,000 rows per second: every pass scans the whole table and drops
     * the other half, so the run is charged the table, not the 2,000 filtered rows (before the fix: half).
     */
    @Test
    void aFilterNoIndexServesIsChargedTheWholeTable() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        charKeyTable(p, "rf", 4000, true);
        p.onTarget("UPDATE rf SET v = 'wrong' WHERE n IN (1200, 1201)");
        long source0 = rowsRead(p.source(), "rf");
        long target0 = rowsRead(p.target(), "rf");
        int rate = 4000;
        long t0 = System.nanoTime();
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("rf").source(p.source()).target(p.target())
                .where("n % 2 = 0").chunkRows(250).windowRanges(1).maxRowsPerSecond(rate).meterRegistry(registry)
                .build()) {
            r = v.verify();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long source = rowsRead(p.source(), "rf") - source0;
        long target = rowsRead(p.target(), "rf") - target0;
        assertThat(r.differences()).as(r.toJson()).containsExactly(diff(DifferenceKind.CHANGED, "00001200", "v"));
        assertThat(r.sourceRows()).isEqualTo(2000);
        String figures = "rows read: source " + source + ", target " + target + "; elapsed " + ms + " ms";
        System.out.println(figures);
        assertThat(Math.max(source, target)).as("passes over the whole table: " + figures).isGreaterThan(3 * 4000);
        assertThat(ms).as("charged at least what the busier server read: " + figures)
                .isGreaterThanOrEqualTo(Math.max(source, target) * 1000 / rate - 20);
    }

    /**
     * {@code numeric(10,2)} / {@code text} keys (neither side's probe can use its key index), 4,000 rows, three
     * changed rows in the first window; the run dies after its 2nd checkpoint and is resumed at 4,000 rows per second
     * with no difference left after the checkpoint. The resumed run probes the three carried-over differences again
     * at its end, each probe a scan of both tables: they are charged as such (before the fix: one row each).
     */
    @Test
    void probesOfCarriedOverDifferencesAreChargedTheScansTheyAre() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE pc (id numeric(10,2) PRIMARY KEY, v text)",
                "INSERT INTO pc SELECT g / 4.0, 'v' || g FROM generate_series(1, 4000) g", "ANALYZE pc");
        p.onTarget("ALTER TABLE pc ALTER COLUMN id TYPE text USING id::text",
                "UPDATE pc SET v = 'wrong' WHERE id IN ('0.25', '0.50', '0.75')", "ANALYZE pc");
        CheckpointStore memory = CheckpointStore.inMemory();
        List<Checkpoint> died = new ArrayList<>();
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("pc").source(p.source()).target(p.target())
                .chunkRows(500).windowRanges(1).meterRegistry(registry).checkpoints(dyingAt(memory, died, 2))
                .build()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(v::verify).hasMessageContaining("killed");
        }
        assertThat(died.get(1).candidates()).as("found before the crash").hasSize(3);
        long source0 = rowsRead(p.source(), "pc");
        long target0 = rowsRead(p.target(), "pc");
        int rate = 4000;
        long t0 = System.nanoTime();
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("pc").source(p.source()).target(p.target())
                .chunkRows(500).windowRanges(1).maxRowsPerSecond(rate).meterRegistry(registry).checkpoints(memory)
                .build()) {
            r = v.verify();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long source = rowsRead(p.source(), "pc") - source0;
        long target = rowsRead(p.target(), "pc") - target0;
        assertThat(r.resumed()).isTrue();
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrder(diff(DifferenceKind.CHANGED, "0.25", "v"),
                diff(DifferenceKind.CHANGED, "0.5", "v"), diff(DifferenceKind.CHANGED, "0.75", "v"));
        String figures = "rows read: source " + source + ", target " + target + "; elapsed " + ms + " ms";
        System.out.println(figures);
        assertThat(Math.min(source, target)).as("three probes scanned each table: " + figures)
                .isGreaterThanOrEqualTo(3 * 4000);
        assertThat(ms).as("charged at least what the busier server read: " + figures)
                .isGreaterThanOrEqualTo(Math.max(source, target) * 1000 / rate - 20);
    }
}
