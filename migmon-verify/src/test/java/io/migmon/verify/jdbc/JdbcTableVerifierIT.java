package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.HealthStatus;
import io.migmon.verify.Checkpoint;
import io.migmon.verify.CheckpointStore;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationException;
import io.migmon.verify.VerificationHealthCheck;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two real PostgreSQL servers; ground truth is what each test changed on the target. */
class JdbcTableVerifierIT {

    private static final String TYPED = "CREATE TABLE typed (id int PRIMARY KEY, name text, amount numeric(12,2), "
            + "ratio numeric, at timestamptz, payload bytea, doc jsonb, raw json, flag boolean, d date)";
    private static final String FILL = "INSERT INTO typed SELECT g, 'name ' || g, g * 1.25, g / 8.0, "
            + "timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute', decode(md5(g::text), 'hex'), "
            + "jsonb_build_object('a', g, 'b', 'x' || g), json_build_object('p', g, 'q', g + 1), g % 2 = 0, "
            + "date '2026-01-01' + g FROM generate_series(1, 5000) g";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private JdbcTableVerifier.Builder verifier(TwoPostgres.Pair p, String table) {
        return JdbcTableVerifier.builder(table).source(p.source()).target(p.target()).meterRegistry(registry)
                .chunkRows(1000);
    }

    @Test
    void identicalTablesAreIdenticalAndCostOneChecksumPerRangeAndSide() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both(TYPED, FILL);
        VerificationHealthCheck health = VerificationHealthCheck.create();
        try (JdbcTableVerifier v = verifier(p, "typed").healthCheck(health).build()) {
            VerificationReport r = v.verify();
            assertThat(r.status()).isEqualTo(VerificationStatus.IDENTICAL);
            assertThat(r.exitCode()).isZero();
            assertThat(r.sourceRows()).isEqualTo(5000);
            assertThat(r.targetRows()).isEqualTo(5000);
            assertThat(r.rowsChecked()).isEqualTo(5000);
            assertThat(r.rangesDiffering()).isZero();
            // 5000 rows fit in one window (1,024 ranges of 1000 rows): one checksum query per side, nothing split
            assertThat(r.rangesCompared()).isEqualTo(1);
            assertThat(r.keyColumns()).containsExactly("id");
            assertThat(health.check().status()).isEqualTo(HealthStatus.UP);
            assertThat(registry.get("migration.validation.rows").tag("table", "typed").counter().count()).isEqualTo(5000);
            assertThat(registry.get("migration.validation.differences").gauge().value()).isZero();
            assertThat(registry.get("migration.validation.progress").gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("migration.validation.duration").tag("status", "identical").timer().count()).isEqualTo(1);
        }
    }

    @Test
    void missingExtraAndChangedRowsAreReportedWithTheirColumns() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both(TYPED, FILL);
        p.onTarget(
                "DELETE FROM typed WHERE id IN (17, 2500)",                                   // missing
                "INSERT INTO typed (id, name) VALUES (9001, 'only in target')",              // extra
                "UPDATE typed SET name = '' WHERE id = 100",                                  // text -> ''
                "UPDATE typed SET name = NULL WHERE id = 101",                                // text -> NULL
                "UPDATE typed SET amount = amount + 0.01 WHERE id = 102",                     // numeric value
                "UPDATE typed SET at = at + interval '1 microsecond' WHERE id = 103",        // timestamptz
                "UPDATE typed SET payload = payload || '\\x00'::bytea WHERE id = 104",       // bytea
                "UPDATE typed SET doc = doc || '{\"b\": \"changed\"}' WHERE id = 105",        // jsonb value
                "UPDATE typed SET flag = NOT flag, d = d + 1 WHERE id = 4999");               // two columns
        p.onSource("UPDATE typed SET name = '' WHERE id = 200");
        p.onTarget("UPDATE typed SET name = NULL WHERE id = 200");                            // '' vs NULL
        VerificationHealthCheck health = VerificationHealthCheck.create();
        try (JdbcTableVerifier v = verifier(p, "typed").healthCheck(health).build()) {
            VerificationReport r = v.verify();
            assertThat(r.status()).isEqualTo(VerificationStatus.DIFFERENT);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.differences()).containsExactlyInAnyOrder(
                    missing(17), missing(2500), extra(9001),
                    changed(100, "name"), changed(101, "name"), changed(102, "amount"), changed(103, "at"),
                    changed(104, "payload"), changed(105, "doc"), changed(4999, "flag", "d"), changed(200, "name"));
            assertThat(r.count(DifferenceKind.MISSING)).isEqualTo(2);
            assertThat(r.count(DifferenceKind.EXTRA)).isEqualTo(1);
            assertThat(r.count(DifferenceKind.CHANGED)).isEqualTo(8);
            assertThat(r.sourceRows()).isEqualTo(5000);
            assertThat(r.targetRows()).isEqualTo(4999);

            assertThat(health.check().status()).isEqualTo(HealthStatus.DOWN);
            assertThat(registry.get("migration.validation.mismatches").tags("table", "typed", "kind", "changed")
                    .counter().count()).isEqualTo(8);
            assertThat(registry.get("migration.validation.mismatches").tags("table", "typed", "kind", "missing")
                    .counter().count()).isEqualTo(2);
            assertThat(registry.get("migration.validation.differences").gauge().value()).isEqualTo(11);

            JsonNode json = new ObjectMapper().readTree(r.toJson());
            assertThat(json.path("schema").asText()).isEqualTo("migmon.verify.report/v1");
            assertThat(json.path("status").asText()).isEqualTo("different");
            assertThat(json.path("exitCode").asInt()).isEqualTo(1);
            assertThat(json.path("differences").path("total").asLong()).isEqualTo(11);
            assertThat(json.path("differences").path("items")).hasSize(11);
            assertThat(json.path("rows").path("source").asLong()).isEqualTo(5000);

            // repaired target: the same verifier reports identical, the gauge drops to 0 and health recovers
            p.onTarget("DROP TABLE typed", TYPED, FILL, "UPDATE typed SET name = '' WHERE id = 200");
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
            assertThat(health.check().status()).isEqualTo(HealthStatus.UP);
            assertThat(registry.get("migration.validation.differences").gauge().value()).isZero();
        }
    }

    @Test
    void equalValuesInDifferentFormsAreEqual() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE forms (id int PRIMARY KEY, amount numeric(10,2), at timestamptz, raw json, doc jsonb, f float8)",
                "SET TimeZone = 'Europe/Berlin'",
                "INSERT INTO forms VALUES (1, 1.5, '2026-03-01 12:00:00+01', '{\"a\": 1, \"b\": [1, 2]}', '{\"a\": 1, \"b\": 2}', 0.1)");
        // target: different column types / text forms of the same values
        p.onTarget("CREATE TABLE forms (id bigint PRIMARY KEY, amount numeric, at timestamptz, raw json, doc jsonb, f float8)",
                "SET TimeZone = 'America/New_York'",
                "INSERT INTO forms VALUES (1, 1.500, '2026-03-01 06:00:00-05', '{ \"b\": [1,2], \"a\": 1 }', '{\"b\": 2, \"a\": 1}', 0.1)");
        try (JdbcTableVerifier v = verifier(p, "forms").build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
        try (JdbcTableVerifier strict = verifier(p, "forms").strictNumericScale(true).build()) {
            assertThat(strict.verify().differences()).containsExactly(changed(1, "amount"));
        }
    }

    @Test
    void compositeKeysAreSplitAndReportedByEveryKeyColumn() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE lines (tenant text, order_id bigint, line int, sku text, qty int, "
                        + "PRIMARY KEY (tenant, order_id, line))",
                "INSERT INTO lines SELECT 't' || (g % 7), g / 7, g % 5, 'sku' || g, g % 13 FROM generate_series(1, 20000) g "
                        + "ON CONFLICT DO NOTHING");
        p.onTarget("DELETE FROM lines WHERE tenant = 't3' AND order_id = 1000 AND line = 3",
                "UPDATE lines SET qty = qty + 1 WHERE tenant = 't5' AND order_id = 2000 AND line = 0",
                "INSERT INTO lines VALUES ('t9', 1, 1, 'new', 1)");
        try (JdbcTableVerifier v = verifier(p, "lines").build()) {
            VerificationReport r = v.verify();
            assertThat(r.keyColumns()).containsExactly("tenant", "order_id", "line");
            assertThat(r.differences()).containsExactlyInAnyOrder(
                    new RowDifference(DifferenceKind.MISSING, Map.of("tenant", "t3", "order_id", "1000", "line", "3"), List.of()),
                    new RowDifference(DifferenceKind.CHANGED, Map.of("tenant", "t5", "order_id", "2000", "line", "0"), List.of("qty")),
                    new RowDifference(DifferenceKind.EXTRA, Map.of("tenant", "t9", "order_id", "1", "line", "1"), List.of()));
            assertThat(r.rangesDiffering()).isGreaterThan(3);
        }
        // explicit key columns work on a table without a primary key
        p.both("CREATE TABLE nokey AS SELECT tenant, order_id, line, qty FROM lines");
        try (JdbcTableVerifier v = verifier(p, "nokey").keyColumns("tenant", "order_id", "line").build()) {
            assertThat(v.verify().totalDifferences()).isEqualTo(3);
        }
    }

    @Test
    void whereAndExcludedColumnsRestrictTheComparison() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both(TYPED, FILL);
        p.onTarget("UPDATE typed SET name = 'x' WHERE id = 10", "UPDATE typed SET flag = NOT flag WHERE id = 3000");
        try (JdbcTableVerifier v = verifier(p, "typed").where("id > 1000").build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).containsExactly(changed(3000, "flag"));
            assertThat(r.sourceRows()).isEqualTo(4000);
            assertThat(r.filter()).isEqualTo("id > 1000");
        }
        try (JdbcTableVerifier v = verifier(p, "typed").excludeColumns("flag", "name").build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
    }

    @Test
    void emptyOrMissingSidesAndBadConfigurationFailClearly() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE t (id int PRIMARY KEY, v text)");
        p.onSource("INSERT INTO t SELECT g, 'v' FROM generate_series(1, 3000) g");
        try (JdbcTableVerifier v = verifier(p, "t").maxReportedDifferences(5).build()) {
            VerificationReport r = v.verify();
            assertThat(r.count(DifferenceKind.MISSING)).isEqualTo(3000);
            assertThat(r.differences()).hasSize(5);
            assertThat(r.truncated()).isTrue();
        }
        p.onSource("CREATE TABLE other (id int PRIMARY KEY)");
        try (JdbcTableVerifier v = verifier(p, "other").build()) {
            assertThatThrownBy(v::verify).isInstanceOf(VerificationException.class).hasMessageContaining("does not exist");
        }
        p.both("CREATE TABLE heap (a int, b text)");
        try (JdbcTableVerifier v = verifier(p, "heap").build()) {
            assertThatThrownBy(v::verify).isInstanceOf(VerificationException.class).hasMessageContaining("no primary key");
        }
        assertThatThrownBy(() -> JdbcTableVerifier.builder("t").chunkRows(5)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chunkRows");
        assertThatThrownBy(() -> JdbcTableVerifier.builder("t").source(p.source()).target(p.target()).build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("meterRegistry");
        assertThatThrownBy(() -> JdbcTableVerifier.builder("t").maxRowsPerSecond(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxRowsPerSecond");
        // every setter fails with IllegalArgumentException naming its field (no NullPointerException)
        assertThatThrownBy(() -> JdbcTableVerifier.builder("t").source(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("source must not be null");
        assertThatThrownBy(() -> JdbcTableVerifier.builder("t").instrumentation(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("instrumentation must not be null");
        assertThatThrownBy(() -> JdbcTableVerifier.builder("t").excludeColumns((String[]) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("excludeColumns");
        assertThatThrownBy(() -> JdbcTableVerifier.builder("t").pollInterval(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("pollInterval");
        assertThatThrownBy(() -> JdbcTableVerifier.builder(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("table");
    }

    @Test
    void valuesSwappedBetweenTwoRowsOfOneRangeAreFound() {
        // hash_record_extended alone combines column hashes linearly: a sum over the rows of a range did not change
        // when two rows swapped a column's values (the ground truth: two changed rows)
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both(TYPED, FILL);
        p.onTarget("UPDATE typed SET name = CASE id WHEN 10 THEN 'name 11' ELSE 'name 10' END WHERE id IN (10, 11)");
        try (JdbcTableVerifier v = verifier(p, "typed").build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).containsExactlyInAnyOrder(changed(10, "name"), changed(11, "name"));
        }
    }

    @Test
    void anInterruptedRunResumesFromItsCheckpoint(@TempDir Path dir) {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both(TYPED, FILL);
        p.onTarget("UPDATE typed SET name = 'early' WHERE id = 500", "UPDATE typed SET name = 'late' WHERE id = 4500");
        CheckpointStore files = CheckpointStore.directory(dir);
        AtomicInteger saves = new AtomicInteger();
        // the checkpoint's id: v.id() plus both databases (current_database@address:port)
        java.util.concurrent.atomic.AtomicReference<String> savedId = new java.util.concurrent.atomic.AtomicReference<>();
        CheckpointStore failing = new CheckpointStore() {
            @Override
            public Optional<Checkpoint> load(String id) {
                return files.load(id);
            }

            @Override
            public void save(Checkpoint checkpoint) {
                files.save(checkpoint);
                savedId.set(checkpoint.id());
                if (saves.incrementAndGet() == 1) {
                    throw new IllegalStateException("simulated crash after the first window");
                }
            }

            @Override
            public void clear(String id) {
                files.clear(id);
            }
        };
        // chunks of 100 rows, windows of 32 chunks: the first window ends at id 3200
        try (JdbcTableVerifier v = verifier(p, "typed").chunkRows(100).windowRanges(32).checkpoints(failing).build()) {
            assertThatThrownBy(v::verify).hasMessageContaining("simulated crash");
            assertThat(savedId.get()).startsWith(v.id());
            Checkpoint cp = files.load(savedId.get()).orElseThrow();
            assertThat(cp.lastKey()).containsExactly("3200");
            assertThat(cp.candidates()).extracting(RowDifference::key).containsExactly(Map.of("id", "500"));
        }
        try (JdbcTableVerifier v = verifier(p, "typed").chunkRows(100).windowRanges(32).checkpoints(files).build()) {
            VerificationReport r = v.verify();
            assertThat(r.resumed()).isTrue();
            assertThat(r.differences()).containsExactlyInAnyOrder(changed(500, "name"), changed(4500, "name"));
            assertThat(r.sourceRows()).isEqualTo(5000);
            assertThat(files.load(savedId.get())).isEmpty();
        }
    }

    /**
     * A checkpoint written before checkpoints carried the row-hash version (or by another version) is not resumed:
     * the windows it covered were compared with another row hash (before 2026-11-26 one that missed some changes
     * outright, see FoldedHashIT), so trusting them could call a differing table identical. The run starts the table
     * over. Ground truth: the stale checkpoint claims the first window clean although id 500 differs.
     */
    @Test
    void aCheckpointOfAnotherRowHashVersionIsNotResumed(@TempDir Path dir) throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both(TYPED, FILL);
        p.onTarget("UPDATE typed SET name = 'early' WHERE id = 500", "UPDATE typed SET name = 'late' WHERE id = 4500");
        CheckpointStore files = CheckpointStore.directory(dir);
        java.util.concurrent.atomic.AtomicReference<String> savedId = new java.util.concurrent.atomic.AtomicReference<>();
        CheckpointStore crashing = new CheckpointStore() {
            @Override
            public Optional<Checkpoint> load(String id) {
                return files.load(id);
            }

            @Override
            public void save(Checkpoint checkpoint) {
                files.save(checkpoint);
                savedId.set(checkpoint.id());
                throw new IllegalStateException("simulated crash after the first window");
            }

            @Override
            public void clear(String id) {
                files.clear(id);
            }
        };
        try (JdbcTableVerifier v = verifier(p, "typed").chunkRows(100).windowRanges(32).checkpoints(crashing).build()) {
            assertThatThrownBy(v::verify).hasMessageContaining("simulated crash");
        }
        // make the file look like one of the previous format: no hash version, and the first window found clean
        Path file;
        try (var listing = java.nio.file.Files.list(dir)) {
            file = listing.filter(f -> f.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        var node = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(file.toFile());
        assertThat(node.has("hashVersion")).as("the current format names its row-hash version").isTrue();
        node.remove("hashVersion");
        node.putArray("candidates");
        java.nio.file.Files.writeString(file, json.writeValueAsString(node));
        assertThat(files.load(savedId.get()).orElseThrow().hashVersion()).isZero();

        try (JdbcTableVerifier v = verifier(p, "typed").chunkRows(100).windowRanges(32).checkpoints(files).build()) {
            VerificationReport r = v.verify();
            assertThat(r.resumed()).isFalse();
            assertThat(r.differences()).containsExactlyInAnyOrder(changed(500, "name"), changed(4500, "name"));
            assertThat(r.sourceRows()).isEqualTo(5000);
            assertThat(files.load(savedId.get())).isEmpty();
        }
        // the same through the API: a checkpoint naming another hash version, in memory
        CheckpointStore memory = CheckpointStore.inMemory();
        memory.save(new Checkpoint(savedId.get(), List.of("3200"), 3200, 3200, 3200, 1, 0, List.of(), Map.of(),
                JdbcTableVerifier.ROW_HASH_VERSION - 1));
        try (JdbcTableVerifier v = verifier(p, "typed").chunkRows(100).windowRanges(32).checkpoints(memory).build()) {
            VerificationReport r = v.verify();
            assertThat(r.resumed()).isFalse();
            assertThat(r.differences()).containsExactlyInAnyOrder(changed(500, "name"), changed(4500, "name"));
        }
    }

    @Test
    void throttleLimitsRowsPerSecond() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both(TYPED, FILL);
        try (JdbcTableVerifier v = verifier(p, "typed").maxRowsPerSecond(10_000).build()) {
            long t0 = System.nanoTime();
            VerificationReport r = v.verify();
            // 5000 rows at 10,000 rows/s cannot take less than 0.5 s (a lower bound; no upper bound is asserted)
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isGreaterThanOrEqualTo(Duration.ofMillis(450));
            assertThat(r.status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
    }

    static RowDifference missing(int id) {
        return new RowDifference(DifferenceKind.MISSING, Map.of("id", Integer.toString(id)), List.of());
    }

    static RowDifference extra(int id) {
        return new RowDifference(DifferenceKind.EXTRA, Map.of("id", Integer.toString(id)), List.of());
    }

    static RowDifference changed(int id, String... columns) {
        return new RowDifference(DifferenceKind.CHANGED, Map.of("id", Integer.toString(id)), List.of(columns));
    }
}
