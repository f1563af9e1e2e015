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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Identifiers, key types, value types and table shapes the first tests did not use (independent review of issue 17).
 * Ground truth: what each test changed on one side.
 */
class VerifierInputsIT {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private JdbcTableVerifier.Builder verifier(TwoPostgres.Pair p, String table) {
        return JdbcTableVerifier.builder(table).source(p.source()).target(p.target()).meterRegistry(registry);
    }

    /** Quoted mixed-case schema, table and column names with spaces; a composite key of text and timestamptz. */
    @Test
    void quotedIdentifiersAndATextTimestamptzKeyAcrossWindows() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE SCHEMA \"Sales\"",
                "CREATE TABLE \"Sales\".\"Order Items\" (\"Tenant\" text, \"At\" timestamptz, \"Qty\" int, "
                        + "PRIMARY KEY (\"Tenant\", \"At\"))",
                "INSERT INTO \"Sales\".\"Order Items\" SELECT 't' || (g % 7), timestamptz '2026-01-01 00:00+00' "
                        + "+ g * interval '1 second', g FROM generate_series(1, 3000) g");
        p.onTarget("UPDATE \"Sales\".\"Order Items\" SET \"Qty\" = -1 WHERE \"Qty\" = 1500",
                "DELETE FROM \"Sales\".\"Order Items\" WHERE \"Qty\" = 2999");
        try (JdbcTableVerifier v = verifier(p, "\"Sales\".\"Order Items\"").chunkRows(100).windowRanges(4).build()) {
            VerificationReport r = v.verify();
            assertThat(r.keyColumns()).containsExactly("Tenant", "At");
            assertThat(r.differences()).containsExactlyInAnyOrder(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("Tenant", "t2", "At", "2026-01-01 00:25:00+00"),
                            List.of("Qty")),
                    new RowDifference(DifferenceKind.MISSING, Map.of("Tenant", "t3", "At", "2026-01-01 00:49:59+00"),
                            List.of()));
        }
        // names are read as PostgreSQL reads them (third review, finding 9): the unquoted form is not this table
        // (Sales folds to sales, a space needs quotes) and is refused when the verifier is built
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> verifier(p, "Sales.Order Items"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not a PostgreSQL table name");
    }

    /** A uuid key, and the target's columns in another order with a target-only column. */
    @Test
    void uuidKeyColumnOrderAndATargetOnlyColumn() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE u (id uuid PRIMARY KEY, a text, b int)");
        p.onTarget("CREATE TABLE u (b int, migrated_at timestamptz DEFAULT now(), a text, id uuid PRIMARY KEY)");
        p.both("INSERT INTO u (id, a, b) SELECT md5(g::text)::uuid, 'a' || g, g FROM generate_series(1, 2000) g");
        try (JdbcTableVerifier v = verifier(p, "u").build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
        p.onTarget("UPDATE u SET a = 'x' WHERE b = 10");
        try (JdbcTableVerifier v = verifier(p, "u").build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).containsExactly(new RowDifference(DifferenceKind.CHANGED,
                    Map.of("id", "d3d94468-02a4-4259-755d-38e6d163e820"), List.of("a")));
        }
        // a column only the source has cannot be compared: a clear error naming it
        p.onSource("ALTER TABLE u ADD COLUMN only_src int");
        try (JdbcTableVerifier v = verifier(p, "u").build()) {
            assertThatThrownBy(v::verify).isInstanceOf(VerificationException.class).hasMessageContaining("only_src");
        }
    }

    /**
     * Values that are equal although written differently: float NaN, Infinity and -0.0 = 0.0 (PostgreSQL's
     * equality), numeric 1.0 = 1.00, json on one side and jsonb on the other, timestamptz written under different
     * session time zones. Then real differences among them.
     */
    @Test
    void equalValuesOfTrickyTypesAndTheirDifferences() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE tv (id int PRIMARY KEY, f float8, n numeric, doc json, at timestamptz, arr int[])");
        p.onTarget("CREATE TABLE tv (id int PRIMARY KEY, f float8, n numeric, doc jsonb, at timestamptz, arr int[])");
        p.onSource("SET TimeZone = 'Europe/Berlin'", "INSERT INTO tv VALUES "
                + "(1, 'NaN', 1.0, '{\"b\": 1, \"a\": [1, 2]}', '2026-06-01 14:00', '{1,2}'), "
                + "(2, '-0', 'NaN', '{}', '2026-01-01 01:00', '{}'), "
                + "(3, 'Infinity', 10.500, 'null', '2026-01-01 00:00', NULL)");
        p.onTarget("SET TimeZone = 'America/New_York'", "INSERT INTO tv VALUES "
                + "(1, 'NaN', 1.00, '{\"a\": [1, 2], \"b\": 1}', '2026-06-01 08:00', '{1,2}'), "
                + "(2, '0', 'NaN', '{}', '2025-12-31 19:00', '{}'), "
                + "(3, 'Infinity', 10.5, 'null', '2025-12-31 18:00', NULL)");
        try (JdbcTableVerifier v = verifier(p, "tv").build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).isEmpty();
            assertThat(r.status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
        p.onTarget("UPDATE tv SET f = 'Infinity', arr = '{2,1}' WHERE id = 1", "UPDATE tv SET n = 0 WHERE id = 2",
                "UPDATE tv SET doc = '\"null\"', arr = '{}' WHERE id = 3");
        try (JdbcTableVerifier v = verifier(p, "tv").build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).containsExactlyInAnyOrder(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "1"), List.of("f", "arr")),
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "2"), List.of("n")),
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "3"), List.of("doc", "arr")));
        }
    }

    /**
     * A partitioned source table, a view as target (a reshaped schema behind a compatibility view, key columns given)
     * and 300 columns: a change in the last column is found and named.
     */
    @Test
    void partitionedSourceViewTargetAndManyColumns() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        StringBuilder cols = new StringBuilder();
        StringBuilder vals = new StringBuilder();
        for (int i = 1; i <= 300; i++) {
            cols.append(", c").append(i).append(" int");
            vals.append(", g + ").append(i);
        }
        p.onSource("CREATE TABLE wide (id int PRIMARY KEY" + cols + ") PARTITION BY RANGE (id)",
                "CREATE TABLE wide_1 PARTITION OF wide FOR VALUES FROM (0) TO (1000)",
                "CREATE TABLE wide_2 PARTITION OF wide FOR VALUES FROM (1000) TO (100000)",
                "INSERT INTO wide SELECT g" + vals + " FROM generate_series(1, 3000) g");
        p.onTarget("CREATE TABLE wide_base (id int PRIMARY KEY" + cols + ")",
                "INSERT INTO wide_base SELECT g" + vals + " FROM generate_series(1, 3000) g",
                "CREATE VIEW wide AS SELECT * FROM wide_base");
        try (JdbcTableVerifier v = verifier(p, "wide").build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
        p.onTarget("UPDATE wide_base SET c300 = 0 WHERE id = 2500");
        try (JdbcTableVerifier v = verifier(p, "wide").chunkRows(100).windowRanges(5).build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).containsExactly(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "2500"), List.of("c300")));
        }
    }

    /**
     * The common int to bigint key upgrade (and varchar(20) to text): identical data is identical, a missing row and
     * a changed row in a differing window are found through the integer key path.
     */
    @Test
    void anIntKeyUpgradedToBigint() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE up (id int PRIMARY KEY, qty smallint, name varchar(20))");
        p.onTarget("CREATE TABLE up (id bigint PRIMARY KEY, qty int, name text)");
        p.both("INSERT INTO up SELECT g, g % 100, 'n' || g FROM generate_series(1, 20000) g");
        try (JdbcTableVerifier v = verifier(p, "up").build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
        p.onTarget("DELETE FROM up WHERE id = 12345", "UPDATE up SET qty = -1 WHERE id = 777");
        try (JdbcTableVerifier v = verifier(p, "up").build()) {
            assertThat(v.verify().differences()).containsExactlyInAnyOrder(
                    new RowDifference(DifferenceKind.MISSING, Map.of("id", "12345"), List.of()),
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "777"), List.of("qty")));
        }
    }

    /** Large values: a one-byte change deep inside 8 MB of bytea and 8 MB of text is found and named. */
    @Test
    void aChangeDeepInsideHugeValues() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE big (id int PRIMARY KEY, t text, b bytea)",
                "INSERT INTO big SELECT g, repeat('x', 8 * 1024 * 1024), decode(repeat('ab', 8 * 1024 * 1024), 'hex') "
                        + "FROM generate_series(1, 3) g");
        p.onTarget("UPDATE big SET t = overlay(t placing 'y' from 5000000) WHERE id = 2",
                "UPDATE big SET b = set_byte(b, 7000000, 0) WHERE id = 3");
        try (JdbcTableVerifier v = verifier(p, "big").build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).containsExactlyInAnyOrder(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "2"), List.of("t")),
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "3"), List.of("b")));
        }
    }

    /**
     * Empty and one-sided tables: both empty is identical; 200,000 rows against none are counted exactly as missing
     * (listed up to the bound), and the meters agree with those counts.
     */
    @Test
    void emptyAndOneSidedTablesAndTheMeters() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE e (id bigint PRIMARY KEY, v text)");
        try (JdbcTableVerifier v = verifier(p, "e").build()) {
            VerificationReport r = v.verify();
            assertThat(r.status()).isEqualTo(VerificationStatus.IDENTICAL);
            assertThat(r.rowsChecked()).isZero();
        }
        p.onSource("INSERT INTO e SELECT g, 'v' FROM generate_series(1, 200000) g");
        p.onTarget("INSERT INTO e VALUES (-5, 'extra')");
        try (JdbcTableVerifier v = verifier(p, "e").maxReportedDifferences(10).build()) {
            VerificationReport r = v.verify();
            assertThat(r.count(DifferenceKind.MISSING)).isEqualTo(200_000);
            assertThat(r.count(DifferenceKind.EXTRA)).isEqualTo(1);
            assertThat(r.differences()).hasSize(10);
            assertThat(r.truncated()).isTrue();
            assertThat(r.sourceRows()).isEqualTo(200_000);
            assertThat(r.targetRows()).isEqualTo(1);
            assertThat(registry.get("migration.validation.mismatches").tag("table", "e").tag("kind", "missing")
                    .counter().count()).isEqualTo(200_000);
            assertThat(registry.get("migration.validation.mismatches").tag("table", "e").tag("kind", "extra")
                    .counter().count()).isEqualTo(1);
            assertThat(registry.get("migration.validation.differences").tag("table", "e").gauge().value())
                    .isEqualTo(200_001);
        }
    }
}
