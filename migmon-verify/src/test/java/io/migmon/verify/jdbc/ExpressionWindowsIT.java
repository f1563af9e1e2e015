package io.migmon.verify.jdbc;

import static io.migmon.verify.jdbc.VerifyFixtures.charKeyTable;
import static io.migmon.verify.jdbc.VerifyFixtures.count;
import static io.migmon.verify.jdbc.VerifyFixtures.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.Checkpoint;
import io.migmon.verify.CheckpointStore;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Keys ranged by an expression (finding 4 of the fifth review): keys of differing types compared as canonical text
 * ({@code character(8)} source, {@code text} target) and text keys compared as UTF-8 bytes across encodings (WIN1252
 * source, UTF8 target) are planned into windows by one pass per side, compared window by window with a checkpoint
 * after each, and resumed from a checkpoint after a run died mid-way. Ground truth: the rows the test changed on the
 * target, and {@code count(*)} on both servers.
 */
class ExpressionWindowsIT {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /** 6,000 rows, keys character(8) / text; the target misses, changes and adds rows in early and late windows. */
    private static TwoPostgres.Pair textKeyTables() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        charKeyTable(p, "ew", 6000, true);
        p.onTarget("DELETE FROM ew WHERE id IN ('00000100', '00005555')",
                "UPDATE ew SET v = 'wrong' WHERE id = '00000700'", "UPDATE ew SET n = -1 WHERE id = '00004321'",
                "INSERT INTO ew VALUES ('00002500x', 'extra', 0), ('00009999', 'extra', 0)");
        return p;
    }

    private static List<RowDifference> textKeyTruth() {
        return List.of(new RowDifference(DifferenceKind.MISSING, Map.of("id", "00000100"), List.of()),
                new RowDifference(DifferenceKind.MISSING, Map.of("id", "00005555"), List.of()),
                new RowDifference(DifferenceKind.CHANGED, Map.of("id", "00000700"), List.of("v")),
                new RowDifference(DifferenceKind.CHANGED, Map.of("id", "00004321"), List.of("n")),
                new RowDifference(DifferenceKind.EXTRA, Map.of("id", "00002500x"), List.of()),
                new RowDifference(DifferenceKind.EXTRA, Map.of("id", "00009999"), List.of()));
    }

    private JdbcTableVerifier.Builder verifier(TwoPostgres.Pair p) {
        return JdbcTableVerifier.builder("ew").source(p.source()).target(p.target()).chunkRows(500).windowRanges(1)
                .meterRegistry(registry);
    }

    @Test
    void textKeysAreComparedInWindowsWithACheckpointAfterEach() throws SQLException {
        TwoPostgres.Pair p = textKeyTables();
        List<Checkpoint> saved = new ArrayList<>();
        VerificationReport r;
        try (JdbcTableVerifier v = verifier(p).checkpoints(store(CheckpointStore.inMemory(), saved, n -> { }))
                .build()) {
            r = v.verify();
        }
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrderElementsOf(textKeyTruth());
        assertThat(r.sourceRows()).isEqualTo(count(p.source(), "SELECT count(*) FROM ew"));
        assertThat(r.targetRows()).isEqualTo(count(p.target(), "SELECT count(*) FROM ew"));
        // 6,000 rows in windows of 500: 12 bounds (the last one the source's last key), 13 windows
        assertThat(saved).as("a checkpoint after each bounded window").hasSize(12);
        assertThat(saved).extracting(c -> c.lastKey().get(0)).isSorted().first().isEqualTo("00000500");
        // rows checked = the larger side per window: 6,000 source rows, and 00002500x (extra) beside 500 source rows
        assertThat(saved.get(saved.size() - 1).rowsChecked()).as("rows checked before the last window")
                .isEqualTo(6001);
        assertThat(r.rangesCompared()).as("13 windows, then buckets of the differing ones")
                .isGreaterThan(13);
    }

    /** The run dies (the checkpoint store throws after its 5th save); the next run resumes after that window. */
    @Test
    void aRunThatDiesMidwayIsResumedAfterItsLastCheckpoint() throws SQLException {
        TwoPostgres.Pair p = textKeyTables();
        CheckpointStore memory = CheckpointStore.inMemory();
        List<Checkpoint> died = new ArrayList<>();
        try (JdbcTableVerifier v = verifier(p).checkpoints(store(memory, died, n -> {
            if (n == 5) {
                throw new IllegalStateException("killed");
            }
        })).build()) {
            assertThatThrownBy(v::verify).hasMessageContaining("killed");
        }
        assertThat(died.get(4).lastKey()).containsExactly("00002500");
        assertThat(died.get(4).candidates()).as("found before the crash")
                .extracting(d -> d.key().get("id")).containsExactlyInAnyOrder("00000100", "00000700");
        List<Checkpoint> resumedSaves = new ArrayList<>();
        VerificationReport r;
        try (JdbcTableVerifier v = verifier(p).checkpoints(store(memory, resumedSaves, n -> { })).build()) {
            r = v.verify();
        }
        assertThat(r.resumed()).isTrue();
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrderElementsOf(textKeyTruth());
        assertThat(r.sourceRows()).isEqualTo(count(p.source(), "SELECT count(*) FROM ew"));
        assertThat(r.targetRows()).isEqualTo(count(p.target(), "SELECT count(*) FROM ew"));
        assertThat(resumedSaves).as("windows after 00002500 only").isNotEmpty()
                .allSatisfy(c -> assertThat(c.lastKey().get(0)).isGreaterThan("00002500"));
        assertThat(resumedSaves).hasSize(7);
        assertThat(memory.load(died.get(0).id())).as("cleared at the end").isEmpty();
    }

    /**
     * The verifier's own source session is terminated by the server ({@code pg_terminate_backend}) after the third
     * window's checkpoint: the run fails at its next statement on the source (windows whose sums the planning pass
     * already compared as equal need none: here the window holding 00004321), and the next run resumes after the
     * last checkpoint saved before that.
     */
    @Test
    void aKilledSessionIsResumedAfterItsLastCheckpoint() throws SQLException {
        TwoPostgres.Pair p = textKeyTables();
        CheckpointStore memory = CheckpointStore.inMemory();
        List<Checkpoint> died = new ArrayList<>();
        try (JdbcTableVerifier v = verifier(p).checkpoints(store(memory, died, n -> {
            if (n == 3) {
                try (Connection c = p.source().getConnection(); Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                + "WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
                    rs.next();
                    assertThat(rs.getLong(1)).as("verifier sessions terminated").isPositive();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        })).build()) {
            assertThatThrownBy(v::verify).isNotNull();
        }
        assertThat(died).hasSizeGreaterThanOrEqualTo(3);
        VerificationReport r;
        List<Checkpoint> resumedSaves = new ArrayList<>();
        try (JdbcTableVerifier v = verifier(p).checkpoints(store(memory, resumedSaves, n -> { })).build()) {
            r = v.verify();
        }
        assertThat(r.resumed()).isTrue();
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrderElementsOf(textKeyTruth());
        assertThat(resumedSaves).as("windows after the last saved key only").isNotEmpty()
                .allSatisfy(c -> assertThat(c.lastKey().get(0))
                        .isGreaterThan(died.get(died.size() - 1).lastKey().get(0)));
    }

    /**
     * Text keys across encodings (WIN1252 source, UTF8 target) are ranged by their UTF-8 bytes: windows, checkpoints
     * and a resume after a crash, with a changed, a missing and an extra row (keys starting with € and Š, whose
     * WIN1252 bytes sort below é and ÿ and whose UTF-8 bytes above).
     */
    @Test
    void utf8RangedKeysAcrossEncodingsAreResumed() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        String fill = "INSERT INTO wr SELECT (ARRAY['a', '\u20ac', '\u00e9', 'z', '\u00ff', '\u0160'])[1 + g % 6] || g, g "
                + "FROM generate_series(1, 3000) g";
        DataSource win = VerifyAttack2IT.database(p.source(), p.sourceUrl(), "WIN1252");
        VerifyAttack2IT.exec(win, "CREATE TABLE wr (k text PRIMARY KEY, v int)", fill, "ANALYZE wr");
        DataSource utf = VerifyAttack2IT.database(p.target(), p.targetUrl(), "UTF8");
        VerifyAttack2IT.exec(utf, "CREATE TABLE wr (k text PRIMARY KEY, v int)", fill, "ANALYZE wr",
                "UPDATE wr SET v = -1 WHERE k = '\u20ac1'", "DELETE FROM wr WHERE k = '\u00e92'",
                "INSERT INTO wr VALUES ('\u01609999', 0)");
        List<RowDifference> truth = List.of(
                new RowDifference(DifferenceKind.CHANGED, Map.of("k", "\u20ac1"), List.of("v")),
                new RowDifference(DifferenceKind.MISSING, Map.of("k", "\u00e92"), List.of()),
                new RowDifference(DifferenceKind.EXTRA, Map.of("k", "\u01609999"), List.of()));
        CheckpointStore memory = CheckpointStore.inMemory();
        List<Checkpoint> died = new ArrayList<>();
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("wr").source(win).target(utf).chunkRows(200)
                .windowRanges(1).meterRegistry(registry).checkpoints(store(memory, died, n -> {
                    if (n == 4) {
                        throw new IllegalStateException("killed");
                    }
                })).build()) {
            assertThatThrownBy(v::verify).hasMessageContaining("killed");
        }
        List<Checkpoint> resumedSaves = new ArrayList<>();
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("wr").source(win).target(utf).chunkRows(200)
                .windowRanges(1).meterRegistry(registry).checkpoints(store(memory, resumedSaves, n -> { })).build()) {
            r = v.verify();
        }
        assertThat(r.resumed()).isTrue();
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrderElementsOf(truth);
        assertThat(r.sourceRows()).isEqualTo(count(win, "SELECT count(*) FROM wr"));
        assertThat(r.targetRows()).isEqualTo(count(utf, "SELECT count(*) FROM wr"));
        assertThat(resumedSaves).as("3,000 rows in windows of 200: 15 bounds, 4 saved before the crash").hasSize(11);
    }

    /**
     * A composite key whose first column differs in type ({@code character(3)} / {@code text}): every key column is
     * ranged as canonical text ({@code b} too, so 10 sorts before 9), windows bucketed by a CASE over the bounds.
     * 4,000 rows in windows of 400, a crash after the 6th checkpoint, a resume; ground truth: the three rows changed.
     */
    @Test
    void compositeTextKeysAreResumedWithExactDifferences() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE ck2 (a character(3), b int, v text, PRIMARY KEY (a, b))");
        p.onTarget("CREATE TABLE ck2 (a text, b int, v text, PRIMARY KEY (a, b))");
        p.both("INSERT INTO ck2 SELECT lpad((g % 40)::text, 3, '0'), g / 40, 'v' || g FROM generate_series(0, 3999) g",
                "ANALYZE ck2");
        p.onTarget("UPDATE ck2 SET v = 'wrong' WHERE a = '003' AND b = 7", "DELETE FROM ck2 WHERE a = '031' AND b = 99",
                "INSERT INTO ck2 VALUES ('020', 100, 'extra')");
        List<RowDifference> truth = List.of(
                new RowDifference(DifferenceKind.CHANGED, Map.of("a", "003", "b", "7"), List.of("v")),
                new RowDifference(DifferenceKind.MISSING, Map.of("a", "031", "b", "99"), List.of()),
                new RowDifference(DifferenceKind.EXTRA, Map.of("a", "020", "b", "100"), List.of()));
        CheckpointStore memory = CheckpointStore.inMemory();
        List<Checkpoint> died = new ArrayList<>();
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("ck2").source(p.source()).target(p.target()).chunkRows(400)
                .windowRanges(1).meterRegistry(registry).checkpoints(store(memory, died, n -> {
                    if (n == 6) {
                        throw new IllegalStateException("killed");
                    }
                })).build()) {
            assertThatThrownBy(v::verify).hasMessageContaining("killed");
        }
        VerificationReport r;
        List<Checkpoint> resumedSaves = new ArrayList<>();
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("ck2").source(p.source()).target(p.target()).chunkRows(400)
                .windowRanges(1).meterRegistry(registry).checkpoints(store(memory, resumedSaves, n -> { })).build()) {
            r = v.verify();
        }
        assertThat(r.resumed()).isTrue();
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrderElementsOf(truth);
        assertThat(r.sourceRows()).isEqualTo(count(p.source(), "SELECT count(*) FROM ck2"));
        assertThat(r.targetRows()).isEqualTo(count(p.target(), "SELECT count(*) FROM ck2"));
        assertThat(resumedSaves).as("4,000 rows in windows of 400: 10 bounds, 6 saved before the crash").hasSize(4);
    }
}
