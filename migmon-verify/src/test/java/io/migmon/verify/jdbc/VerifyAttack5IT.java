package io.migmon.verify.jdbc;

import static io.migmon.verify.jdbc.VerifyFixtures.charKeyTable;
import static io.migmon.verify.jdbc.VerifyFixtures.dyingAt;
import static io.migmon.verify.jdbc.VerifyFixtures.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.Checkpoint;
import io.migmon.verify.CheckpointStore;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import io.migmon.verify.cli.VerifyCommand;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fifth review of verify: attacks on the fixes of the fourth review (branch verify-fix4): meters that outlive
 * close(), one window for keys compared as text, the per-column confirmation of hot rows, the resumed run's end
 * re-check, exit-2 reports and CLI switches. Ground truth: what each test put into both databases.
 */
class VerifyAttack5IT {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static JdbcTableVerifier.Builder verifier(TwoPostgres.Pair p, String table, SimpleMeterRegistry r) {
        return JdbcTableVerifier.builder(table).source(p.source()).target(p.target()).meterRegistry(r);
    }

    private static String one(DataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * Two verifiers of the same name alive at once (a scheduler builds the next run's verifier before retiring the
     * previous one): the old one's removeMeters() removes the meters the new one uses, and the new one's run, which
     * finds 2 changed rows (ground truth: ids 10 and 20 differ), publishes nothing: no differences gauge, no
     * mismatches counter in the registry. Expected: removeMeters() of the retired verifier leaves the meters of a
     * live verifier of the same name (or the new run re-registers them); actual: the registry has none.
     */
    @Test
    void removeMetersOfTheRetiredVerifierLeavesTheLiveOnesMeters() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE m (id int PRIMARY KEY, v text)",
                "INSERT INTO m SELECT g, 'v' || g FROM generate_series(1, 1000) g");
        JdbcTableVerifier old = verifier(p, "m", registry).name("nightly").build();
        assertThat(old.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        try (JdbcTableVerifier next = verifier(p, "m", registry).name("nightly").build()) {
            old.removeMeters(); // retire the previous verifier
            old.close();
            p.onTarget("UPDATE m SET v = 'x' WHERE id IN (10, 20)");
            assertThat(next.verify().totalDifferences()).isEqualTo(2);
        }
        assertThat(registry.find("migration.validation.differences").tag("verification", "nightly").gauges())
                .as("differences gauge of the live verifier's run").extracting(Gauge::value).containsExactly(2.0);
        assertThat(registry.find("migration.validation.mismatches").tag("verification", "nightly")
                .tag("kind", "changed").counter()).as("mismatches counter").isNotNull();
    }

    /**
     * A verification name re-pointed at another table (the migration moved on from m_old to m_new): m_old's run left
     * differences = 2; the name's run on m_new finds nothing and the verifier is closed as documented. The registry
     * still says, under verification="cut", differences = 2 (table m_old) for as long as the process lives, so the
     * validation_differences rule keeps firing for that name. Expected: the name's latest run is what its meters say
     * (or the docs say a name must be removed before it is re-pointed); actual: a stale 2 next to the new 0.
     */
    @Test
    void aNameRepointedAtAnotherTableDoesNotKeepTheOldDifferences() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE m_old (id int PRIMARY KEY, v text)", "CREATE TABLE m_new (id int PRIMARY KEY, v text)",
                "INSERT INTO m_old SELECT g, 'v' || g FROM generate_series(1, 500) g",
                "INSERT INTO m_new SELECT g, 'v' || g FROM generate_series(1, 500) g");
        p.onTarget("UPDATE m_old SET v = 'x' WHERE id IN (1, 2)");
        try (JdbcTableVerifier v = verifier(p, "m_old", registry).name("cut").build()) {
            assertThat(v.verify().totalDifferences()).isEqualTo(2);
        }
        try (JdbcTableVerifier v = verifier(p, "m_new", registry).name("cut").build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
        assertThat(registry.find("migration.validation.differences").tag("verification", "cut").gauges())
                .as("differences gauges of the name 'cut'").extracting(Gauge::value).containsOnly(0.0);
    }

    /**
     * A crash and a resume are one verification: id 100 differs (window 1 of 6), the run dies after the third
     * window, the resumed run finishes. Ground truth: one changed row, and the resumed report says 1. The
     * mismatches counter says 2: the crashed run counted id 100 when it found it (new in the fix round), and the
     * resumed run's finish counts the report's carried-over candidate again.
     */
    @Test
    void aCrashAndItsResumeCountADifferenceOnce() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE r (id int PRIMARY KEY, v text)",
                "INSERT INTO r SELECT g, 'v' || g FROM generate_series(1, 3000) g", "ANALYZE r");
        p.onTarget("UPDATE r SET v = 'wrong' WHERE id = 100");
        CheckpointStore memory = CheckpointStore.inMemory();
        CheckpointStore dying = dyingAt(memory, new ArrayList<>(), 3);
        try (JdbcTableVerifier v = verifier(p, "r", registry).chunkRows(500).windowRanges(1).checkpoints(dying)
                .build()) {
            assertThatThrownBy(v::verify).hasMessageContaining("killed");
        }
        VerificationReport r;
        try (JdbcTableVerifier v = verifier(p, "r", registry).chunkRows(500).windowRanges(1).checkpoints(memory)
                .build()) {
            r = v.verify();
        }
        assertThat(r.resumed()).isTrue();
        assertThat(r.count(DifferenceKind.CHANGED)).isEqualTo(1);
        assertThat(registry.get("migration.validation.mismatches").tag("kind", "changed").counter().count())
                .as("verified mismatches of the one verification (crash + resume)").isEqualTo(1.0);
    }

    /**
     * Keys compared as text (character(8) / text) make the table one window: 3,000 rows in windows of 500 save no
     * checkpoint at all, so a run killed near its end starts over, and progress jumps from 0 to 1. Expected: a
     * table of six windows' worth of rows is resumable (some checkpoint saved before the end); actual: no save.
     * The docs (Throttling) say "one window" but not that checkpoints and progress are lost with it. Fixed (branch
     * verify18): such keys are planned into windows by one pass per side, a checkpoint saved after each.
     */
    @Test
    void keysComparedAsTextStillSaveCheckpoints() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        charKeyTable(p, "ck", 3000, false);
        CheckpointStore memory = CheckpointStore.inMemory();
        List<Checkpoint> saves = new ArrayList<>();
        CheckpointStore counting = store(memory, saves, n -> { });
        try (JdbcTableVerifier v = verifier(p, "ck", registry).chunkRows(500).windowRanges(1).checkpoints(counting)
                .build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
        assertThat(saves.size()).as("checkpoints saved over six windows' worth of rows").isGreaterThan(0);
    }

    /**
     * The per-column rule on a hot row with a toggling column and an honest, lagging pipeline. Source row 1 is
     * (flag true, n 1); the target still has the previous version (false, 0). Probe 1 (watermark far behind). Before
     * probe 2 the source commits (false, 2), the pipeline applies it to the target, the watermark is taken (it
     * covers that commit and not the next), then the source commits (true, 3). Probe 2: flag is true at the source
     * and false at the target in both probes, and the watermark passed probe 1: the rule confirms flag as CHANGED.
     * Ground truth: the pipeline then applies (true, 3) and both sides are identical; the row was in flight (the row
     * version, xmin, changed between the probes). Expected: not a verified difference (unresolved / inconclusive);
     * actual: CHANGED [flag]. docs/verify.md names this A->B->A case as a limit; a status flag that toggles on a hot
     * row hits it under any lag. Fixed (branch verify7): a hot row's column must be stable over two watermark rounds.
     */
    @Test
    void aToggledColumnOfAHotRowInFlightIsNotConfirmed() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE h (id int PRIMARY KEY, flag boolean, n int)",
                "INSERT INTO h SELECT g, true, g FROM generate_series(2, 200) g");
        p.onSource("INSERT INTO h VALUES (1, true, 1)");
        p.onTarget("INSERT INTO h VALUES (1, false, 0)");
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<Instant> w = new AtomicReference<>(Instant.parse("2000-01-01T00:00:00Z"));
        VerificationReport r;
        try (JdbcTableVerifier v = verifier(p, "h", registry).pollInterval(Duration.ofMillis(50))
                .inFlightTimeout(Duration.ofSeconds(2)).appliedWatermark(() -> {
                    if (calls.incrementAndGet() == 2) {
                        try {
                            p.onSource("UPDATE h SET flag = false, n = 2 WHERE id = 1");
                            p.onTarget("UPDATE h SET flag = false, n = 2 WHERE id = 1"); // the pipeline applies it
                            Thread.sleep(50);
                            w.set(Instant.now()); // everything committed so far is applied
                            Thread.sleep(50);
                            p.onSource("UPDATE h SET flag = true, n = 3 WHERE id = 1"); // not applied yet
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return Optional.of(w.get());
                }).build()) {
            r = v.verify();
        }
        p.onTarget("UPDATE h SET flag = true, n = 3 WHERE id = 1"); // the pipeline catches up
        assertThat(one(p.source(), "SELECT flag || ',' || n FROM h WHERE id = 1"))
                .isEqualTo(one(p.target(), "SELECT flag || ',' || n FROM h WHERE id = 1"));
        assertThat(calls.get()).as("watermark reads").isGreaterThanOrEqualTo(2);
        assertThat(r.differences()).as(r.toString()).isEmpty();
        assertThat(r.status()).isNotEqualTo(VerificationStatus.DIFFERENT);
    }

    /**
     * CLI switches with a value (new in the fix round: --json=false is off). --help=false still prints the usage
     * and exits 0, the code for "identical", without verifying anything: a script that passes switches as
     * --name=$VAR gets a green verification that never ran.
     */
    @Test
    void helpFalseIsNotAGreenRun() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = VerifyCommand.run(List.of("--source", "jdbc:postgresql://127.0.0.1:1/nowhere", "--target",
                "jdbc:postgresql://127.0.0.1:1/nowhere", "--table", "t", "--help=false"),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8),
                k -> null);
        assertThat(code).as("stdout: " + out + " stderr: " + err).isNotEqualTo(0);
    }

    /**
     * Exit 2 for arguments refused by the new rules (a repeated --where, --json=yes) leaves an earlier run's
     * --report file as it was (status identical): the error report is written only "after the arguments were
     * understood" (documented), but the option naming the file was understood. Expected: the file no longer says
     * identical; actual: unchanged.
     */
    @Test
    void refusedArgumentsDoNotLeaveAnEarlierVerdict(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("r.json");
        Files.writeString(report, "{\"status\": \"identical\", \"exitCode\": 0}");
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(sink, true, StandardCharsets.UTF_8);
        int code = VerifyCommand.run(List.of("--source", "jdbc:postgresql://127.0.0.1:1/a", "--target",
                "jdbc:postgresql://127.0.0.1:1/b", "--table", "t", "--report", report.toString(),
                "--where", "id > 0", "--where", "id < 10"), ps, ps, k -> null);
        assertThat(code).isEqualTo(2);
        assertThat(Files.readString(report)).as(sink.toString()).doesNotContain("identical");
    }

    private static DataSource as(String url, String user) {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setUrl(url);
        ds.setUser(user);
        return ds;
    }

    /**
     * A role granted SELECT on every column of the table by column privileges (no table-level SELECT), with a
     * pipeline (watermark) and one changed row (id 42): the re-check's probe reads the row version (xmin), a system
     * column no column grant covers. Expected: the role that can read every column verifies (CHANGED id 42), or the
     * failure names what it may not read; the fix round's hint only looks at user columns (attnum > 0) and the
     * re-check's error is not a SQLException at that point. Actual: VerificationException "re-check of {id=42} in
     * pc failed: ERROR: permission denied for table pc", no hint; the same role verifies without a watermark.
     */
    @Test
    void aRoleWithEveryColumnGrantedVerifiesWithAPipeline() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        String role = "ro_v5_" + System.nanoTime() % 1000000;
        p.both("CREATE TABLE pc (id int PRIMARY KEY, v text)",
                "INSERT INTO pc SELECT g, 'v' || g FROM generate_series(1, 300) g",
                "CREATE ROLE " + role + " LOGIN", "GRANT SELECT (id, v) ON pc TO " + role);
        p.onTarget("UPDATE pc SET v = 'x' WHERE id = 42");
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("pc").source(as(p.sourceUrl(), role))
                .target(as(p.targetUrl(), role)).meterRegistry(registry).pollInterval(Duration.ofMillis(20))
                .appliedWatermark(() -> Optional.of(Instant.now().plusSeconds(3600))).build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).as(r.toString()).hasSize(1);
            assertThat(r.count(DifferenceKind.CHANGED)).isEqualTo(1);
        }
    }

    /**
     * One window for keys compared as text (character(8) / text) with the throttle: 10,000 rows, 25 changed, 16
     * missing, 10 extra on the target; every difference found, none invented.
     */
    @Test
    void oneWindowForTextKeysFindsEveryDifferenceUnderTheThrottle() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        charKeyTable(p, "tk", 10000, false);
        p.onTarget("UPDATE tk SET v = 'x' WHERE id::int % 400 = 7",
                "DELETE FROM tk WHERE id::int % 650 = 3",
                "INSERT INTO tk SELECT lpad(g::text, 8, '0'), 'e' FROM generate_series(20001, 20010) g");
        VerificationReport r;
        try (JdbcTableVerifier v = verifier(p, "tk", registry).maxRowsPerSecond(10_000).build()) {
            r = v.verify();
        }
        assertThat(r.count(DifferenceKind.CHANGED)).as(r.toString()).isEqualTo(25);
        assertThat(r.count(DifferenceKind.MISSING)).isEqualTo(16);
        assertThat(r.count(DifferenceKind.EXTRA)).isEqualTo(10);
    }

    /** Exit 2 with a password in the URL: neither the --json error report nor the --report file carries it. */
    @Test
    void errorReportsCarryNoPassword(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("r.json");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = VerifyCommand.run(List.of("--source",
                "jdbc:postgresql://127.0.0.1:1/a?user=u&password=hunter2secret", "--target",
                "jdbc:postgresql://u:hunter3secret@127.0.0.1:1/b", "--table", "t", "--report", report.toString(),
                "--json=TRUE"), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), k -> null);
        assertThat(code).isEqualTo(2);
        String all = out + "\n" + err + "\n" + Files.readString(report);
        assertThat(all).contains("\"error\"").doesNotContain("hunter2secret").doesNotContain("hunter3secret");
    }

    /**
     * Hot row, two columns differing: a is really wrong on the target (stable), b is in flight (the source moves on
     * before every probe, the pipeline one step behind). Ground truth after the pipeline catches up: a differs, b
     * not. The per-column rule confirms CHANGED [a] only.
     */
    @Test
    void aHotRowWithOneWrongAndOneInFlightColumnNamesOnlyTheWrongOne() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE h2 (id int PRIMARY KEY, a text, b int)",
                "INSERT INTO h2 SELECT g, 'a' || g, g FROM generate_series(2, 200) g");
        p.onSource("INSERT INTO h2 VALUES (1, 'A', 1)");
        p.onTarget("INSERT INTO h2 VALUES (1, 'WRONG', 0)");
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<Instant> w = new AtomicReference<>(Instant.parse("2000-01-01T00:00:00Z"));
        VerificationReport r;
        try (JdbcTableVerifier v = verifier(p, "h2", registry).pollInterval(Duration.ofMillis(50))
                .inFlightTimeout(Duration.ofSeconds(3)).appliedWatermark(() -> {
                    int n = calls.incrementAndGet();
                    if (n >= 2 && n <= 6) {
                        try {
                            // the pipeline applies the previous source version of b, then the source moves on
                            p.onTarget("UPDATE h2 SET b = " + (n - 1) + " WHERE id = 1");
                            Thread.sleep(30);
                            w.set(Instant.now());
                            Thread.sleep(30);
                            p.onSource("UPDATE h2 SET b = " + n + " WHERE id = 1");
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return Optional.of(w.get());
                }).build()) {
            r = v.verify();
        }
        assertThat(r.differences()).as(r.toString()).containsExactly(new io.migmon.verify.RowDifference(
                DifferenceKind.CHANGED, java.util.Map.of("id", "1"), List.of("a")));
    }

    /**
     * The differences gauge across runs of one name: run 1 (no pipeline) verifies 2 changed rows; nothing is
     * repaired; run 2 of the same name has a pipeline whose watermark never passes the candidates, so it ends
     * inconclusive with both unresolved. Ground truth: 2 rows still differ. The docs promise the gauge does not drop
     * "just because a new run started"; here it drops to 0 because the new run could not verify (the
     * validation_differences alert resolves while the rows are still wrong).
     */
    @Test
    void anInconclusiveRunDoesNotClearTheDifferencesGauge() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE g (id int PRIMARY KEY, v text)",
                "INSERT INTO g SELECT g, 'v' || g FROM generate_series(1, 500) g");
        p.onTarget("UPDATE g SET v = 'x' WHERE id IN (10, 20)");
        try (JdbcTableVerifier v = verifier(p, "g", registry).build()) {
            assertThat(v.verify().totalDifferences()).isEqualTo(2);
        }
        try (JdbcTableVerifier v = verifier(p, "g", registry).pollInterval(Duration.ofMillis(50))
                .inFlightTimeout(Duration.ofSeconds(1))
                .appliedWatermark(() -> Optional.of(Instant.parse("2000-01-01T00:00:00Z"))).build()) {
            VerificationReport r = v.verify();
            assertThat(r.status()).isEqualTo(VerificationStatus.INCONCLUSIVE);
            assertThat(r.unresolved()).isEqualTo(2);
        }
        assertThat(registry.get("migration.validation.differences").tag("verification", "g").gauge().value())
                .as("differences gauge after an inconclusive run; both rows still differ").isEqualTo(2.0);
    }
}
