package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The chained row hash (row-hash version 3): NOT NULL columns chained, rarely-NULL columns chained with the term form
 * as the fallback for a row holding a NULL, other columns as terms. Ground truth: what each test changed on the
 * target. The sides differ in their NOT NULL constraints, as migrated schemas often do.
 */
class RowHashChainIT {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void chainedOptimisticAndTermColumnsFindEveryChangeAndAgreeOnEqualRows() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        // n is NOT NULL on the source only (a term, not chained: the hash must be the same function on both sides)
        p.onSource("CREATE TABLE r (id bigint PRIMARY KEY, n bigint NOT NULL, a text NOT NULL, b text, c text, "
                + "at timestamptz, m money)");
        p.onTarget("CREATE TABLE r (id bigint PRIMARY KEY, n bigint, a text NOT NULL, b text, c text, "
                + "at timestamptz, m money)");
        // b never NULL, at NULL in one row (both rarely NULL: chained), c NULL in every other row (a term)
        p.both("INSERT INTO r SELECT g, g, 'a' || g, 'b' || g, CASE WHEN g % 2 = 0 THEN 'c' || g END, "
                + "CASE WHEN g <> 10 THEN timestamptz '2026-01-01 00:00:00+00' + g * interval '1 minute' END, "
                + "(g * 1.5)::numeric::money FROM generate_series(1, 3000) g", "ANALYZE r");
        try (JdbcTableVerifier v = verifier(p, "r").build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
        p.onTarget("UPDATE r SET n = 4294967300 WHERE id = 5",                       // 5 -> its 32-bit folded twin
                "UPDATE r SET a = CASE id WHEN 6 THEN 'a7' ELSE 'a6' END WHERE id IN (6, 7)", // two rows swap a
                "UPDATE r SET b = NULL WHERE id = 9",                                // a chained column turns NULL
                "UPDATE r SET c = '' WHERE id = 11",                                 // NULL -> ''
                "UPDATE r SET b = c, c = b WHERE id = 12",                           // two columns swap values
                "UPDATE r SET at = NULL WHERE id = 13",                              // value -> NULL
                "UPDATE r SET m = m + 0.01::numeric::money WHERE id = 14",
                "UPDATE r SET b = '' WHERE id = 15");                                // value -> ''
        try (JdbcTableVerifier v = verifier(p, "r").chunkRows(500).build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).containsExactlyInAnyOrder(changed(5, "n"), changed(6, "a"), changed(7, "a"),
                    changed(9, "b"), changed(11, "c"), changed(12, "b", "c"), changed(13, "at"), changed(14, "m"),
                    changed(15, "b"));
        }
    }

    @Test
    void aTableOfNotNullColumnsOnlyIsOnePureChain() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE nn (id int PRIMARY KEY, x int NOT NULL, y int NOT NULL, t text NOT NULL)",
                "INSERT INTO nn SELECT g, g, -g, '' FROM generate_series(1, 2000) g", "ANALYZE nn");
        try (JdbcTableVerifier v = verifier(p, "nn").build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
        p.onTarget("UPDATE nn SET x = y, y = x WHERE id = 3",                        // columns swap
                "UPDATE nn SET x = CASE id WHEN 4 THEN 5 ELSE 4 END WHERE id IN (4, 5)", // rows swap x
                "UPDATE nn SET t = ' ' WHERE id = 6");
        try (JdbcTableVerifier v = verifier(p, "nn").chunkRows(500).build()) {
            assertThat(v.verify().differences()).containsExactlyInAnyOrder(changed(3, "x", "y"), changed(4, "x"),
                    changed(5, "x"), changed(6, "t"));
        }
    }

    /**
     * Row-hash version 6: {@code smallint} / {@code integer} on both sides are hashed by their 32-bit value (no
     * widening), {@code integer} against {@code bigint} widened on both sides. Equal values of different widths hash
     * alike; every change is found, at the extremes of the 32-bit range too, and so are swaps.
     */
    @Test
    void integersNarrowerThanBigintFindEveryChangeAndMixedWidthsAgree() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource("CREATE TABLE ni (id int PRIMARY KEY, a smallint NOT NULL, b int, c int NOT NULL, w int)");
        p.onTarget("CREATE TABLE ni (id int PRIMARY KEY, a int NOT NULL, b smallint, c bigint NOT NULL, w int)");
        p.both("INSERT INTO ni SELECT g, (g % 30000) - 15000, CASE WHEN g % 7 <> 0 THEN g % 32000 END, "
                + "g * 1000, CASE g WHEN 20 THEN 2147483647 WHEN 21 THEN -2147483648 ELSE -g END "
                + "FROM generate_series(1, 3000) g", "ANALYZE ni");
        try (JdbcTableVerifier v = verifier(p, "ni").build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
        p.onTarget("UPDATE ni SET a = -a WHERE id = 3",                                // sign
                "UPDATE ni SET b = NULL WHERE id = 4",                                 // value -> NULL
                "UPDATE ni SET b = 0 WHERE id = 7",                                    // NULL -> 0
                "UPDATE ni SET c = c + 4294967296 WHERE id = 8",                       // bigint side: + 2^32
                "UPDATE ni SET w = -2147483648 WHERE id = 20",                         // max -> min
                "UPDATE ni SET w = 2147483647 WHERE id = 21",                          // min -> max
                "UPDATE ni SET a = b, b = a WHERE id = 9",                             // two columns swap
                "UPDATE ni SET w = CASE id WHEN 10 THEN -11 ELSE -10 END WHERE id IN (10, 11)"); // rows swap w
        try (JdbcTableVerifier v = verifier(p, "ni").chunkRows(500).build()) {
            assertThat(v.verify().differences()).containsExactlyInAnyOrder(changed(3, "a"), changed(4, "b"),
                    changed(7, "b"), changed(8, "c"), changed(20, "w"), changed(21, "w"), changed(9, "a", "b"),
                    changed(10, "w"), changed(11, "w"));
        }
    }

    private JdbcTableVerifier.Builder verifier(TwoPostgres.Pair p, String table) {
        return JdbcTableVerifier.builder(table).source(p.source()).target(p.target()).meterRegistry(registry);
    }

    private static RowDifference changed(long id, String... columns) {
        return new RowDifference(DifferenceKind.CHANGED, Map.of("id", Long.toString(id)), List.of(columns));
    }
}
