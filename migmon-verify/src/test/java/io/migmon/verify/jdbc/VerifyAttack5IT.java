package io.migmon.verify.jdbc;

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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Disabled;
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
    @Disabled("finding 1: removeMeters() of one verifier removes the meters of a live verifier of the same name; its run then publishes nothing")
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
    @Disabled("finding 2: a name re-pointed at another table keeps the old table's differences gauge (stale alert under that name)")
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
    @Disabled("finding 3: a difference found before a crash is counted twice by the mismatches counter (crashed run + resumed run's finish)")
    void aCrashAndItsResumeCountADifferenceOnce() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE r (id int PRIMARY KEY, v text)",
                "INSERT INTO r SELECT g, 'v' || g FROM generate_series(1, 3000) g", "ANALYZE r");
        p.onTarget("UPDATE r SET v = 'wrong' WHERE id = 100");
        CheckpointStore memory = CheckpointStore.inMemory();
        AtomicInteger saves = new AtomicInteger();
        CheckpointStore dying = new CheckpointStore() {
            @Override
            public Optional<Checkpoint> load(String id) {
                return memory.load(id);
            }

            @Override
            public void save(Checkpoint checkpoint) {
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
     * The docs (Throttling) say "one window" but not that checkpoints and progress are lost with it.
     */
    @Test
    @Disabled("finding 4: keys compared as text are one window: no checkpoint is ever saved (a killed run starts over), progress 0 -> 1")
    void keysComparedAsTextStillSaveCheckpoints() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE ck (id character(8) PRIMARY KEY, v text)");
        p.onTarget("CREATE TABLE ck (id text PRIMARY KEY, v text)");
        p.both("INSERT INTO ck SELECT lpad(g::text, 8, '0'), 'v' || g FROM generate_series(1, 3000) g",
                "ANALYZE ck");
        CheckpointStore memory = CheckpointStore.inMemory();
        AtomicInteger saves = new AtomicInteger();
        CheckpointStore counting = new CheckpointStore() {
            @Override
            public Optional<Checkpoint> load(String id) {
                return memory.load(id);
            }

            @Override
            public void save(Checkpoint checkpoint) {
                saves.incrementAndGet();
                memory.save(checkpoint);
            }

            @Override
            public void clear(String id) {
                memory.clear(id);
            }
        };
        try (JdbcTableVerifier v = verifier(p, "ck", registry).chunkRows(500).windowRanges(1).checkpoints(counting)
                .build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
        assertThat(saves.get()).as("checkpoints saved over six windows' worth of rows").isGreaterThan(0);
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
     * row hits it under any lag.
     */
    @Test
    @Disabled("finding 5: hot row with a toggling column under a lagging (honest) pipeline is confirmed CHANGED though the sides converge")
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
    @Disabled("finding 6: --help=false prints the usage and exits 0 ('identical') without running")
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
    @Disabled("finding 7: exit 2 on a refused argument (repeated --where, --json=yes) leaves the previous --report file saying identical")
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
}
