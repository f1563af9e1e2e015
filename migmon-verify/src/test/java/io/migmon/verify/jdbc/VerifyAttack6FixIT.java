package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Fixes of the sixth attack's open findings (issue 17, branch verify19). Finding 2: a {@code numeric} key compared
 * with a key of another type ({@code numeric(10,2)} migrated to {@code text}) is compared by value, as
 * {@code numeric} columns are: trailing fractional zeros do not matter unless {@code strictNumericScale}. The
 * expected differences are the ones each test writes into the target (and reads back to check it did).
 */
class VerifyAttack6FixIT {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static long count(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

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
}
