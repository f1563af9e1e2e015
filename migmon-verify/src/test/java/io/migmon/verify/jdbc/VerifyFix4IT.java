package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.Checkpoint;
import io.migmon.verify.CheckpointStore;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * The fixes of the fourth review's findings beyond the attack's own tests (VerifyAttack4IT): the other key-type
 * pairs of finding 5, the meters' ownership and in-run publication of finding 2, the unresolved keys of finding 1.
 * Ground truth: what each test put into the tables, and PostgreSQL's own statistics of what was read.
 */
class VerifyFix4IT {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static long[] scans(DataSource ds, String table) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            var rs = s.executeQuery("SELECT coalesce(seq_scan, 0), coalesce(seq_tup_read, 0), coalesce(idx_scan, 0), "
                    + "coalesce(idx_tup_fetch, 0) FROM pg_stat_user_tables WHERE relname = '" + table + "'");
            rs.next();
            return new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)};
        }
    }

    /**
     * Finding 5, another pair: {@code character(8)} on the source, {@code text} on the target (keys compared as
     * text, no index serves the ranges). 100,000 identical rows at 20,000 rows per second: the source's statistics
     * show the rows read over the run's duration within the limit, and a bounded number of sequential scans (not one
     * per window).
     */
    @Test
    void theThrottleHoldsForKeysComparedAsText() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE ck (id character(8) PRIMARY KEY, v text)");
        p.onTarget("CREATE TABLE ck (id text PRIMARY KEY, v text)");
        p.both("INSERT INTO ck SELECT lpad(g::text, 8, '0'), 'v' || g FROM generate_series(1, 100000) g",
                "VACUUM ANALYZE ck");
        Thread.sleep(1200);
        long[] before = scans(p.source(), "ck");
        long t0 = System.nanoTime();
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("ck").source(p.source()).target(p.target())
                .meterRegistry(registry).maxRowsPerSecond(20_000).build()) {
            r = v.verify();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        Thread.sleep(1200);
        long[] after = scans(p.source(), "ck");
        long read = after[1] - before[1] + after[3] - before[3];
        System.out.printf("throttle char/text: %s, %d seq scans, %d rows read in %.2f s = %.0f/s (limit 20000)%n",
                r.status(), after[0] - before[0], read, seconds, read / seconds);
        assertThat(r.status()).isEqualTo(VerificationStatus.IDENTICAL);
        assertThat(after[0] - before[0]).as("sequential scans of the source").isLessThanOrEqualTo(2);
        assertThat(read / seconds).isLessThanOrEqualTo(20_000 * 1.2);
    }

    /**
     * Finding 5, the re-check in that mode: 30 changed rows with keys compared as text ({@code character(8)} /
     * {@code text}) and a watermark, so every candidate is probed on both sides at least twice. The probes use the
     * key index: the source's sequential scans stay those of the window passes, far fewer than the probes.
     */
    @Test
    void probesOfKeysComparedAsTextUseTheIndex() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE cp (id character(8) PRIMARY KEY, v text)");
        p.onTarget("CREATE TABLE cp (id text PRIMARY KEY, v text)");
        p.both("INSERT INTO cp SELECT lpad(g::text, 8, '0'), 'v' || g FROM generate_series(1, 20000) g",
                "VACUUM ANALYZE cp");
        p.onTarget("UPDATE cp SET v = 'x' WHERE id::int % 600 = 0");
        Thread.sleep(600);
        long[] before = scans(p.source(), "cp");
        VerificationReport r;
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("cp").source(p.source()).target(p.target())
                .meterRegistry(registry).appliedWatermark(() -> Optional.of(Instant.now().plusSeconds(3600)))
                .pollInterval(Duration.ofMillis(20)).build()) {
            r = v.verify();
        }
        Thread.sleep(1200);
        long[] after = scans(p.source(), "cp");
        System.out.printf("probes char/text: %s, %d seq scans, %d index scans%n", r.status(), after[0] - before[0],
                after[2] - before[2]);
        assertThat(r.count(DifferenceKind.CHANGED)).as(r.toString()).isEqualTo(33);
        assertThat(r.totalDifferences()).isEqualTo(33);
        assertThat(after[2] - before[2]).as("index scans (probes)").isGreaterThanOrEqualTo(66);
        assertThat(after[0] - before[0]).as("sequential scans of the source").isLessThanOrEqualTo(6);
    }

    /**
     * Finding 2: the differences are published while the run goes on (the mismatches counter and the gauge after
     * the window that found them, read when the run saves its checkpoint after that window), and a later verifier of
     * the same name takes the meters over (its run's result replaces the last one's); removeMeters() removes them.
     */
    @Test
    void differencesArePublishedDuringTheRunAndTheMetersBelongToTheName() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE m (id int PRIMARY KEY, v text)",
                "INSERT INTO m SELECT g, 'v' || g FROM generate_series(1, 3000) g", "ANALYZE m");
        p.onTarget("UPDATE m SET v = 'x' WHERE id IN (10, 20)");
        List<double[]> seen = new ArrayList<>();
        CheckpointStore memory = CheckpointStore.inMemory();
        CheckpointStore watching = new CheckpointStore() {
            @Override
            public Optional<Checkpoint> load(String id) {
                return memory.load(id);
            }

            @Override
            public void save(Checkpoint checkpoint) {
                seen.add(new double[] {gauge("migration.validation.differences"),
                        registry.get("migration.validation.mismatches").tag("kind", "changed").counter().count()});
                memory.save(checkpoint);
            }

            @Override
            public void clear(String id) {
                memory.clear(id);
            }
        };
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("m").source(p.source()).target(p.target())
                .meterRegistry(registry).chunkRows(1000).windowRanges(1).checkpoints(watching).build()) {
            assertThat(v.verify().totalDifferences()).isEqualTo(2);
        }
        assertThat(seen).isNotEmpty();
        assertThat(seen.get(0)).as("after the first window").containsExactly(2.0, 2.0);
        assertThat(gauge("migration.validation.differences")).as("after close").isEqualTo(2.0);

        p.onTarget("UPDATE m SET v = 'v10' WHERE id = 10", "UPDATE m SET v = 'v20' WHERE id = 20");
        JdbcTableVerifier again = JdbcTableVerifier.builder("m").source(p.source()).target(p.target())
                .meterRegistry(registry).build();
        assertThat(again.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        again.close();
        assertThat(gauge("migration.validation.differences")).as("the later run of the same name").isEqualTo(0.0);
        assertThat(gauge("migration.validation.progress")).isEqualTo(1.0);
        again.removeMeters();
        assertThat(registry.find("migration.validation.differences").gauges()).isEmpty();
        assertThat(registry.find("migration.validation.mismatches").counters()).isEmpty();
    }

    /**
     * Finding 2 with a pipeline: differences verified by the re-check are published one by one as they are
     * confirmed, not only when the run ends. The watermark supplier (read before each probe) records the gauge.
     */
    @Test
    void differencesVerifiedByTheRecheckArePublishedAsTheyAreConfirmed() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE m (id int PRIMARY KEY, v text)",
                "INSERT INTO m SELECT g, 'v' || g FROM generate_series(1, 500) g");
        p.onTarget("UPDATE m SET v = 'x' WHERE id IN (10, 20)");
        List<Double> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("m").source(p.source()).target(p.target())
                .meterRegistry(registry).pollInterval(Duration.ofMillis(20)).appliedWatermark(() -> {
                    registry.find("migration.validation.differences").gauges()
                            .forEach(g -> seen.add(g.value()));
                    return Optional.of(Instant.now().plusSeconds(3600));
                }).build()) {
            assertThat(v.verify().totalDifferences()).isEqualTo(2);
        }
        assertThat(seen).as("the gauge while the re-check ran").contains(0.0, 1.0);
        assertThat(gauge("migration.validation.differences")).isEqualTo(2.0);
        assertThat(registry.get("migration.validation.mismatches").tag("kind", "changed").counter().count())
                .isEqualTo(2.0);
    }

    private double gauge(String name) {
        return registry.get(name).tag("verification", "m").gauge().value();
    }

    /**
     * Finding 1, second half: candidates left unresolved (the watermark never passes them) are named in the
     * report and its JSON, at most maxReportedDifferences of them; all are counted.
     */
    @Test
    void unresolvedKeysAreNamedAndBounded() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE u (id int PRIMARY KEY, v text)",
                "INSERT INTO u SELECT g, 'v' || g FROM generate_series(1, 500) g");
        p.onTarget("UPDATE u SET v = 'x' WHERE id IN (5, 6, 7)");
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("u").source(p.source()).target(p.target())
                .meterRegistry(registry).appliedWatermark(() -> Optional.of(Instant.parse("2000-01-01T00:00:00Z")))
                .inFlightTimeout(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50))
                .maxReportedDifferences(2).build()) {
            VerificationReport r = v.verify();
            assertThat(r.status()).isEqualTo(VerificationStatus.INCONCLUSIVE);
            assertThat(r.unresolved()).isEqualTo(3);
            assertThat(r.unresolvedKeys()).hasSize(2).isSubsetOf(Map.of("id", "5"), Map.of("id", "6"),
                    Map.of("id", "7"));
            JsonNode json = new ObjectMapper().readTree(r.toJson()).path("inFlight");
            assertThat(json.path("unresolved").asLong()).isEqualTo(3);
            assertThat(json.path("unresolvedKeys")).hasSize(2);
            assertThat(json.path("unresolvedKeys").get(0).path("id").asText()).isIn("5", "6", "7");
            assertThat(r.differences()).isEmpty();
        }
    }

    /** Finding 7, the re-check: a timestamp / timestamptz key found changed is probed and confirmed by its instant. */
    @Test
    void aTimestampKeyAgainstTimestamptzIsProbedByItsInstant() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE tz (at timestamp PRIMARY KEY, v text)",
                "INSERT INTO tz SELECT timestamp '2026-01-01' + g * interval '1 minute', 'v' || g "
                        + "FROM generate_series(1, 300) g");
        p.onTarget("CREATE TABLE tz (at timestamptz PRIMARY KEY, v text)",
                "INSERT INTO tz SELECT timestamptz '2026-01-01 00:00+00' + g * interval '1 minute', 'v' || g "
                        + "FROM generate_series(1, 300) g",
                "UPDATE tz SET v = 'x' WHERE at = timestamptz '2026-01-01 00:07+00'");
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("tz").source(p.source()).target(p.target())
                .meterRegistry(registry).appliedWatermark(() -> Optional.of(Instant.now().plusSeconds(3600)))
                .pollInterval(Duration.ofMillis(20)).build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).as(r.toString()).containsExactly(new RowDifference(DifferenceKind.CHANGED,
                    Map.of("at", "2026-01-01 00:07:00"), List.of("v")));
        }
    }
}
