package io.migmon.verify.jdbc;

import static io.migmon.verify.jdbc.VerifyFixtures.count;
import static io.migmon.verify.jdbc.VerifyFixtures.dyingAt;
import static io.migmon.verify.jdbc.VerifyFixtures.rowsRead;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.Checkpoint;
import io.migmon.verify.CheckpointStore;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Seventh attack on migmon-verify (issue 17), aimed at what branch verify19 changed: a {@code numeric} key compared
 * with a key of another type by value (the text side's trailing fractional zeros dropped), the checkpoint key order
 * {@code text-trimmed}, and the throttle's charge of passes over keys ranged by an expression. Ground truth: the
 * differences each test writes into the target (read back to check it did), {@code count(*)} on both servers, and the
 * servers' own counters of rows read ({@code pg_stat_user_tables}) against the run's elapsed time.
 */
class VerifyAttack7IT {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static RowDifference diff(DifferenceKind kind, String key, String... columns) {
        return new RowDifference(kind, Map.of("id", key), List.of(columns));
    }

    // ---- numeric keys against text keys: the awkward forms --------------------------------------------------------

    /**
     * A {@code numeric} key (no type modifier: each value keeps the scale it was written with) migrated to
     * {@code text} by {@code id::text}: 400 filler keys {@code 10000 + g / 4.0} (scale 20: {@code
     * '10000.25000000000000000000'}, very long trailing zeros), {@code NaN}, {@code 1e20} (numeric writes all 21
     * digits), {@code 0.0}, negative {@code -1.50} and {@code -0.50}, {@code 1000.000}, a 34-digit fraction with
     * trailing zeros, {@code 8.10}. A later step rewrote some of the target's texts without the trailing zeros (the
     * same numbers). Real defects: a changed row, and keys written in forms numeric never writes, which the docs call
     * other keys (a leading blank, a leading {@code +}, an exponent): each is missing (the number) and extra (the
     * text).
     */
    private static TwoPostgres.Pair awkwardNumericToText() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE an (id numeric PRIMARY KEY, v text)",
                "INSERT INTO an SELECT 10000 + g / 4.0, 'v' || g FROM generate_series(1, 400) g",
                "INSERT INTO an VALUES ('NaN', 'nan'), (1e20, 'e20'), (0.0, 'zero'), (-1.50, 'neg'), (-0.50, 'negf'), "
                        + "(1000.000, 'thousand'), (1.1234567890123456789012345678900000, 'long'), (8.10, 'eight'), "
                        + "(2.5, 'two'), (3.5, 'three'), (5, 'five'), (7.25, 'seven')",
                "ANALYZE an");
        p.onTarget("ALTER TABLE an ALTER COLUMN id TYPE text USING id::text",
                "UPDATE an SET id = trim_scale(id::numeric)::text WHERE id IN ('-1.50', '1000.000', '-0.50', '8.10', "
                        + "'1.1234567890123456789012345678900000', '10000.50000000000000000000')",
                "UPDATE an SET id = ' 2.5' WHERE id = '2.5'", "UPDATE an SET id = '+3.5' WHERE id = '3.5'",
                "UPDATE an SET id = '5e0' WHERE id = '5'", "UPDATE an SET v = 'wrong' WHERE id = '7.25'",
                "ANALYZE an");
        return p;
    }

    private static final List<RowDifference> AWKWARD = List.of(
            diff(DifferenceKind.CHANGED, "7.25", "v"),
            diff(DifferenceKind.MISSING, "2.5"), diff(DifferenceKind.MISSING, "3.5"),
            diff(DifferenceKind.MISSING, "5"),
            diff(DifferenceKind.EXTRA, " 2.5"), diff(DifferenceKind.EXTRA, "+3.5"), diff(DifferenceKind.EXTRA, "5e0"));

    @Test
    void awkwardNumericKeysAgainstTextKeysCompareByValue() throws SQLException {
        TwoPostgres.Pair p = awkwardNumericToText();
        assertThat(count(p.target(), "SELECT count(*) FROM an WHERE id IN ('NaN', '100000000000000000000', '0.0', "
                + "'-1.5', '-0.5', '1000', '1.12345678901234567890123456789', '8.1', '10000.5', "
                + "'10000.25000000000000000000')")).as("the target's forms").isEqualTo(10);
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("an").source(p.source()).target(p.target())
                .chunkRows(100).windowRanges(1).meterRegistry(registry).build()) {
            r = v.verify();
        }
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrderElementsOf(AWKWARD);
        assertThat(r.sourceRows()).isEqualTo(count(p.source(), "SELECT count(*) FROM an"));
        assertThat(r.targetRows()).isEqualTo(count(p.target(), "SELECT count(*) FROM an"));
    }

    /** The same table with every candidate re-checked by key (an applied watermark an hour ahead). */
    @Test
    void awkwardNumericKeysSurviveTheReCheck() throws SQLException {
        TwoPostgres.Pair p = awkwardNumericToText();
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("an").source(p.source()).target(p.target())
                .chunkRows(100).windowRanges(1).meterRegistry(registry)
                .appliedWatermark(() -> Optional.of(Instant.now().plusSeconds(3600))).build()) {
            r = v.verify();
        }
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrderElementsOf(AWKWARD);
        assertThat(r.unresolved()).as(r.toJson()).isZero();
    }

    /**
     * The target holds one number in two texts ({@code '1.50'} and {@code '1.5'}: no unique violation for text):
     * one key held by two rows; as the docs' Limits say, the duplicate is extra, the other keys are identical.
     */
    @Test
    void oneNumberWrittenTwiceOnTheTextSideIsOneExtraDuplicate() throws SQLException {
        TwoPostgres.Pair p = numberWrittenTwice();
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("dn").source(p.source()).target(p.target())
                .chunkRows(100).windowRanges(1).meterRegistry(registry).build()) {
            r = v.verify();
        }
        assertThat(r.differences()).as(r.toJson()).containsExactly(diff(DifferenceKind.EXTRA, "1.5"));
        assertThat(r.exitCode()).isEqualTo(1);
    }

    private static TwoPostgres.Pair numberWrittenTwice() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE dn (id numeric(10,2) PRIMARY KEY, v text)",
                "INSERT INTO dn SELECT g / 4.0, 'v' || g FROM generate_series(1, 400) g", "ANALYZE dn");
        p.onTarget("ALTER TABLE dn ALTER COLUMN id TYPE text USING id::text",
                "INSERT INTO dn VALUES ('1.5', 'v6')", "ANALYZE dn");
        assertThat(count(p.target(), "SELECT count(*) FROM dn WHERE id IN ('1.5', '1.50') AND v = 'v6'"))
                .isEqualTo(2);
        return p;
    }

    /**
     * Finding 1 (wrong report, verdict right): a key held by two identical rows on the target (an at-least-once
     * duplicate in a target without the unique constraint, or one number written as {@code '1.50'} and {@code '1.5'})
     * is reported {@code extra} by the run (docs, Limits: "the duplicates are extra (or missing), rows of one key with
     * different values changed"), but once re-checked against an applied watermark it is reported <b>{@code changed}
     * with no differing column</b>: expected {@code [extra {id=500}]} / {@code [extra {id=1.5}]}, actual
     * {@code [changed {id=500} columns []]} / {@code [changed {id=1.5} columns []]}. The mismatches counter's
     * {@code kind} tag and the report's per-kind counts are wrong in every CDC-aware run that meets a duplicate
     * ({@code VerifierAttackIT} asserts only the total). The in-flight probe turns any pair of differing hashes into
     * {@code CHANGED} without looking at the row counts of the key.
     */
    @Disabled("finding 1: a duplicated key re-checked against the watermark is reported changed, no column, not extra")
    @Test
    void aDuplicateReCheckedAgainstTheWatermarkStaysExtra() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE dupk (id int PRIMARY KEY, name text)");
        p.onTarget("CREATE TABLE dupk (id int, name text)");
        p.both("INSERT INTO dupk SELECT g, 'n' || g FROM generate_series(1, 1000) g");
        p.onTarget("INSERT INTO dupk VALUES (500, 'n500')");
        assertThat(count(p.target(), "SELECT count(*) FROM dupk WHERE id = 500 AND name = 'n500'")).isEqualTo(2);
        VerificationReport plain;
        VerificationReport rechecked;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("dupk").source(p.source()).target(p.target())
                .meterRegistry(registry).build()) {
            plain = v.verify();
        }
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("dupk").source(p.source()).target(p.target())
                .meterRegistry(registry).appliedWatermark(() -> Optional.of(Instant.now().plusSeconds(3600)))
                .build()) {
            rechecked = v.verify();
        }
        assertThat(plain.differences()).as(plain.toJson()).containsExactly(diff(DifferenceKind.EXTRA, "500"));
        assertThat(rechecked.differences()).as(rechecked.toJson())
                .containsExactly(diff(DifferenceKind.EXTRA, "500"));

        TwoPostgres.Pair q = numberWrittenTwice();
        VerificationReport numeric;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("dn").source(q.source()).target(q.target())
                .chunkRows(100).windowRanges(1).meterRegistry(registry)
                .appliedWatermark(() -> Optional.of(Instant.now().plusSeconds(3600))).build()) {
            numeric = v.verify();
        }
        assertThat(numeric.differences()).as(numeric.toJson()).containsExactly(diff(DifferenceKind.EXTRA, "1.5"));
    }

    /**
     * Finding 1, the resume path: the same duplicate found before a crash and carried over in the checkpoint is probed
     * again at the end of the resumed run (no watermark) and must stay {@code extra}. Expected {@code [extra
     * {id=50}]}, actual {@code [changed {id=50} columns []]}: the probe of a carried-over difference has the same
     * flaw as the in-flight re-check.
     */
    @Disabled("finding 1: a duplicated key carried over a resume is reported changed with no column, not extra")
    @Test
    void aCarriedOverDuplicateStaysExtraAfterAResume() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE dupr (id int PRIMARY KEY, name text)");
        p.onTarget("CREATE TABLE dupr (id int, name text)");
        p.both("INSERT INTO dupr SELECT g, 'n' || g FROM generate_series(1, 1000) g", "ANALYZE dupr");
        p.onTarget("INSERT INTO dupr VALUES (50, 'n50')", "ANALYZE dupr");
        CheckpointStore memory = CheckpointStore.inMemory();
        List<Checkpoint> died = new ArrayList<>();
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("dupr").source(p.source()).target(p.target())
                .chunkRows(100).windowRanges(1).meterRegistry(registry).checkpoints(dyingAt(memory, died, 2))
                .build()) {
            assertThatThrownBy(v::verify).hasMessageContaining("killed");
        }
        assertThat(died.get(1).candidates()).as("found before the crash").hasSize(1);
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("dupr").source(p.source()).target(p.target())
                .chunkRows(100).windowRanges(1).meterRegistry(registry).checkpoints(memory).build()) {
            r = v.verify();
        }
        assertThat(r.resumed()).isTrue();
        assertThat(r.differences()).as(r.toJson()).containsExactly(diff(DifferenceKind.EXTRA, "50"));
    }

    // ---- the checkpoint's key order ------------------------------------------------------------------------------

    /**
     * A run over {@code numeric} keys on both sides (ordered by number: {@code 2 < 10}) killed after its 2nd window,
     * then the target's key migrated to {@code text}; the next run orders keys as trimmed text ({@code '10' < '2'}),
     * so the old position means other rows: it must start over, not resume (which would skip rows such as
     * {@code 2.x} behind the numeric position {@code 50}). One changed row before the old position.
     */
    @Test
    void aNumericKeyPositionIsNotResumedOnceTheTargetKeyIsText() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE ck (id numeric(10,2) PRIMARY KEY, v text)",
                "INSERT INTO ck SELECT g / 4.0, 'v' || g FROM generate_series(1, 1000) g", "ANALYZE ck");
        CheckpointStore memory = CheckpointStore.inMemory();
        List<Checkpoint> died = new ArrayList<>();
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("ck").source(p.source()).target(p.target())
                .chunkRows(100).windowRanges(1).meterRegistry(registry).checkpoints(dyingAt(memory, died, 2))
                .build()) {
            assertThatThrownBy(v::verify).hasMessageContaining("killed");
        }
        assertThat(died.get(1).lastKey()).containsExactly("50");
        p.onTarget("ALTER TABLE ck ALTER COLUMN id TYPE text USING id::text",
                "UPDATE ck SET v = 'wrong' WHERE id = '2.25'", "ANALYZE ck");
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("ck").source(p.source()).target(p.target())
                .chunkRows(100).windowRanges(1).meterRegistry(registry).checkpoints(memory).build()) {
            r = v.verify();
        }
        assertThat(r.resumed()).as(r.toJson()).isFalse();
        assertThat(r.differences()).as(r.toJson()).containsExactly(diff(DifferenceKind.CHANGED, "2.25", "v"));
        assertThat(r.sourceRows()).isEqualTo(1000);
    }

    // ---- the throttle's charge -----------------------------------------------------------------------------------

    /**
     * {@code numeric(10,2)} / {@code text} keys, 4,000 rows, three changed rows, an applied watermark an hour ahead
     * (every candidate re-checked: without commit timestamps each is probed until its source row held still across
     * the watermark, at least twice) at 4,000 rows per second. A probe of such a key scans the {@code text} side (its
     * index cannot find a trimmed text). Every row the servers read must fit the rate over the run's elapsed time.
     *
     * <p>Finding 2 (throttle broken, verdict right): the in-flight re-check's probes are not charged at all
     * ({@code InFlightResolver} calls {@code probe} directly; only the probes of carried-over differences after a
     * resume are charged). Expected: elapsed at least {@code max(rows read) / rate}
     * (12.0 s for 48,000 rows at 4,000/s):
     * actual (2026-11-28, loaded): source 48,000 and target 44,000 rows read in 6.4 s, about 24,000 rows per side
     * (two scanning probes of each of the three candidates) read at full speed. A hot row is probed every
     * {@code pollInterval} (200 ms) until its column held still for two watermark rounds, or until
     * {@code inFlightTimeout} (5 min), each probe a scan of both tables when the key is compared as text: the
     * docs' "every read counts against the rate" does not hold for CDC-aware runs.
     */
    @Disabled("finding 2: the in-flight re-check's probes are not charged by the throttle (table scans at full speed)")
    @Test
    void reChecksOfNumericTextKeysAreChargedTheScansTheyAre() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE rc (id numeric(10,2) PRIMARY KEY, v text)",
                "INSERT INTO rc SELECT g / 4.0, 'v' || g FROM generate_series(1, 4000) g", "ANALYZE rc");
        p.onTarget("ALTER TABLE rc ALTER COLUMN id TYPE text USING id::text",
                "UPDATE rc SET v = 'wrong' WHERE id IN ('100.25', '200.50', '300.75')", "ANALYZE rc");
        long source0 = rowsRead(p.source(), "rc");
        long target0 = rowsRead(p.target(), "rc");
        int rate = 4000;
        long t0 = System.nanoTime();
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("rc").source(p.source()).target(p.target())
                .chunkRows(500).windowRanges(1).maxRowsPerSecond(rate).meterRegistry(registry)
                .appliedWatermark(() -> Optional.of(Instant.now().plusSeconds(3600))).build()) {
            r = v.verify();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long source = rowsRead(p.source(), "rc") - source0;
        long target = rowsRead(p.target(), "rc") - target0;
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrder(
                diff(DifferenceKind.CHANGED, "100.25", "v"), diff(DifferenceKind.CHANGED, "200.5", "v"),
                diff(DifferenceKind.CHANGED, "300.75", "v"));
        String figures = "rows read: source " + source + ", target " + target + "; elapsed " + ms + " ms; rechecked "
                + r.inFlightRechecked();
        System.out.println(figures);
        assertThat(ms).as("charged at least what the busier server read: " + figures)
                .isGreaterThanOrEqualTo(Math.max(source, target) * 1000 / rate - 20);
    }

    /**
     * The same keys, resumed after a crash, with a {@code where} no index serves ({@code v <> 'x'}: every row), no
     * watermark: the resumed run's passes and its probes of the two differences carried over (each a scan), against
     * the servers' counts.
     */
    @Test
    void aResumedFilteredRunIsChargedTheRowsTheServersRead() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE rw (id numeric(10,2) PRIMARY KEY, v text)",
                "INSERT INTO rw SELECT g / 4.0, 'v' || g FROM generate_series(1, 4000) g", "ANALYZE rw");
        p.onTarget("ALTER TABLE rw ALTER COLUMN id TYPE text USING id::text",
                "UPDATE rw SET v = 'wrong' WHERE id IN ('0.25', '0.50', '900.50')", "ANALYZE rw");
        CheckpointStore memory = CheckpointStore.inMemory();
        List<Checkpoint> died = new ArrayList<>();
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("rw").source(p.source()).target(p.target())
                .where("v <> 'x'").chunkRows(500).windowRanges(1).meterRegistry(registry)
                .checkpoints(dyingAt(memory, died, 2)).build()) {
            assertThatThrownBy(v::verify).hasMessageContaining("killed");
        }
        assertThat(died.get(1).candidates()).as("found before the crash").hasSize(2);
        long source0 = rowsRead(p.source(), "rw");
        long target0 = rowsRead(p.target(), "rw");
        int rate = 4000;
        long t0 = System.nanoTime();
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("rw").source(p.source()).target(p.target())
                .where("v <> 'x'").chunkRows(500).windowRanges(1).maxRowsPerSecond(rate).meterRegistry(registry)
                .checkpoints(memory).build()) {
            r = v.verify();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        long source = rowsRead(p.source(), "rw") - source0;
        long target = rowsRead(p.target(), "rw") - target0;
        assertThat(r.resumed()).isTrue();
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrder(
                diff(DifferenceKind.CHANGED, "0.25", "v"), diff(DifferenceKind.CHANGED, "0.5", "v"),
                diff(DifferenceKind.CHANGED, "900.5", "v"));
        String figures = "rows read: source " + source + ", target " + target + "; elapsed " + ms + " ms";
        System.out.println(figures);
        assertThat(ms).as("charged at least what the busier server read: " + figures)
                .isGreaterThanOrEqualTo(Math.max(source, target) * 1000 / rate - 20);
    }

    // ---- a numeric key against a double precision key ------------------------------------------------------------

    /**
     * A {@code numeric} key migrated to {@code double precision} (the docs' rule covers "a numeric key against a key
     * of another type": compared by value). Every value is exactly representable as a double, so the migration is
     * lossless and the tables hold the same numbers; one row changed. Values of 1e15 and more and below 1e-4 are
     * where {@code float8}'s text switches to exponent form ({@code 1e+20}, {@code 1.52587890625e-05}).
     *
     * <p>Finding 3 (wrong verdict: false differences): expected {@code [changed {id=2.5} [v]]}; actual, besides it,
     * each of the three equal numbers reported missing (the number's text, {@code 100000000000000000000},
     * {@code 0.0000152587890625}, {@code 1125899906842624}) and extra (the double's text, {@code 1e+20},
     * {@code 1.52587890625e-05}, {@code 1.125899906842624e+15}): the double side's key is its {@code float8} text
     * with only trailing fractional zeros dropped, and {@code float8} writes exponents. The docs' type table says a
     * numeric key against a key of another type compares by value and that exponent forms are other keys because
     * "numeric never writes them", which holds for a text written from a numeric, not for a {@code double
     * precision} (or {@code real}) side. Fix or document: compare such keys as numbers, or refuse/limit the pair.
     */
    @Disabled("finding 3: numeric key vs double precision key: equal numbers >= 1e15 or < 1e-4 reported missing+extra")
    @Test
    void numericKeysAgainstDoubleKeysCompareByValue() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE nd (id numeric PRIMARY KEY, v text)",
                "INSERT INTO nd SELECT g / 4.0, 'v' || g FROM generate_series(1, 300) g",
                "INSERT INTO nd VALUES (100000000000000000000, 'e20'), (0.0000152587890625, '2^-16'), "
                        + "(1125899906842624, '2^50')",
                "ANALYZE nd");
        p.onTarget("ALTER TABLE nd ALTER COLUMN id TYPE double precision USING id::double precision",
                "UPDATE nd SET v = 'wrong' WHERE id = 2.5", "ANALYZE nd");
        assertThat(count(p.target(),
                "SELECT count(*) FROM nd WHERE id IN (1e20, 0.0000152587890625, 1125899906842624)"))
                .as("exact doubles").isEqualTo(3);
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("nd").source(p.source()).target(p.target())
                .chunkRows(100).windowRanges(1).meterRegistry(registry).build()) {
            r = v.verify();
        }
        assertThat(r.differences()).as(r.toJson()).containsExactly(diff(DifferenceKind.CHANGED, "2.5", "v"));
    }

    // ---- from the test list ------------------------------------------------------------------------------

    /**
     * The two databases in other time zones ({@code ALTER DATABASE .. SET timezone}: Asia/Kathmandu +05:45 and
     * America/St_Johns -03:30), rows written with offsets (the same instants) and one written as a local time without
     * offset on the target (another instant): only that one differs. Also NULL against {@code ''}, a {@code bytea}
     * byte, {@code jsonb} key order (equal), and a target with an extra column (not compared).
     */
    @Test
    void timeZonesOfTheDatabasesNullEmptyBytesJsonbAndAnExtraColumn() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), "
                + "'Asia/Kathmandu'); END $$");
        p.onTarget("DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET timezone = %L', current_database(), "
                + "'America/St_Johns'); END $$");
        p.both("CREATE TABLE tz (id int PRIMARY KEY, at timestamptz, note text, b bytea, j jsonb)",
                "INSERT INTO tz SELECT g, timestamptz '2026-03-29 00:30:00+00' + g * interval '7 minutes', "
                        + "CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END, decode(md5(g::text), 'hex'), "
                        + "jsonb_build_object('a', g, 'b', 'x') FROM generate_series(1, 1000) g",
                "ANALYZE tz");
        p.onTarget("ALTER TABLE tz ADD COLUMN migrated_at timestamptz DEFAULT now()",
                "UPDATE tz SET j = '{\"b\": \"x\", \"a\": 5}' WHERE id = 5",
                "UPDATE tz SET at = '2026-03-29 02:00:00' WHERE id = 10",
                "UPDATE tz SET at = '2026-03-29 02:00:00-02:30' WHERE id = 11",
                "UPDATE tz SET note = '' WHERE id = 30", "UPDATE tz SET b = b || '\\x00'::bytea WHERE id = 40");
        p.onSource("UPDATE tz SET at = '2026-03-29 02:00:00-02:30' WHERE id = 11");
        assertThat(count(p.target(), "SELECT count(*) FROM tz WHERE id = 5 AND j = '{\"a\": 5, \"b\": \"x\"}'"))
                .isOne();
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("tz").source(p.source()).target(p.target())
                .chunkRows(100).windowRanges(1).meterRegistry(registry).build()) {
            r = v.verify();
        }
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrder(
                new RowDifference(DifferenceKind.CHANGED, Map.of("id", "10"), List.of("at")),
                new RowDifference(DifferenceKind.CHANGED, Map.of("id", "30"), List.of("note")),
                new RowDifference(DifferenceKind.CHANGED, Map.of("id", "40"), List.of("b")));
    }

    /**
     * A composite key {@code (region, n)} given by {@code keyColumns} on tables without a primary key, its part
     * {@code region} nullable (no NULL yet): compared, one missing and one changed row. Then a NULL in that part on
     * the target only: the run fails naming the column (docs, Limits), never a verdict.
     */
    @Test
    void compositeKeysWithANullablePart() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE ck2 (region text, n int NOT NULL, v text)",
                "INSERT INTO ck2 SELECT 'r' || (g % 7), g, 'v' || g FROM generate_series(1, 2000) g", "ANALYZE ck2");
        p.onTarget("DELETE FROM ck2 WHERE region = 'r3' AND n = 3", "UPDATE ck2 SET v = 'w' WHERE n = 700");
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("ck2").source(p.source()).target(p.target())
                .keyColumns("region", "n").chunkRows(300).windowRanges(1).meterRegistry(registry).build()) {
            r = v.verify();
        }
        assertThat(r.differences()).as(r.toJson()).containsExactlyInAnyOrder(
                new RowDifference(DifferenceKind.MISSING, Map.of("region", "r3", "n", "3"), List.of()),
                new RowDifference(DifferenceKind.CHANGED, Map.of("region", "r0", "n", "700"), List.of("v")));
        p.onTarget("UPDATE ck2 SET region = NULL WHERE n = 1500");
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("ck2").source(p.source()).target(p.target())
                .keyColumns("region", "n").chunkRows(300).windowRanges(1).meterRegistry(registry).build()) {
            assertThatThrownBy(v::verify).hasMessageContaining("region").hasMessageContaining("NULL");
        }
    }
}
