package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL's own hash of {@code bigint}, {@code timestamp[tz]} and {@code time} folds the 64-bit value to 32 bits
 * (high half XOR low half), so values 2^32 + 1 apart hash alike whatever the seed. A checksum built on those hashes
 * misses such changes; the ground truth here is what each test changed on the target.
 */
class FoldedHashIT {

    private static final String TABLE = "CREATE TABLE folded (id bigint PRIMARY KEY, n bigint, at timestamptz, "
            + "local timestamp, t time, note text)";
    private static final String FILL = "INSERT INTO folded SELECT g, g, timestamptz '2025-01-01 00:00:00+00' + g * "
            + "interval '1 day', timestamp '2025-01-01 00:00:00' + g * interval '1 day', time '00:00:00', 'row ' || g "
            + "FROM generate_series(1, 3000) g";
    /** 2^32 + 1 microseconds: the same folded hash as the original value. */
    private static final String FOLD = "4294967297 * interval '1 microsecond'";

    @Test
    void changesThatTheTypesOwnHashFoldsAwayAreFound() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both(TABLE, FILL);
        // the premise: each pair below hashes alike with PostgreSQL's type hash
        try (Connection c = p.source().getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT hashint8extended(5, 7) = hashint8extended(4294967300, 7), "
                        + "hash_record_extended(ROW(timestamptz '2025-01-02 00:00:00+00'), 7) = hash_record_extended("
                        + "ROW(timestamptz '2025-01-02 00:00:00+00' + " + FOLD + "), 7), "
                        + "hash_record_extended(ROW(time '00:00:00'), 7) = hash_record_extended(ROW(time '00:00:00' + "
                        + FOLD + "), 7)")) {
            rs.next();
            assertThat(List.of(rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3))).containsOnly(true);
        }
        p.onTarget("UPDATE folded SET n = 4294967300 WHERE id = 5",                  // bigint: 5 -> 2^32 + 4
                "UPDATE folded SET at = at + " + FOLD + " WHERE id = 1",              // timestamptz + 71 min 34.967297 s
                "UPDATE folded SET local = local + " + FOLD + " WHERE id = 2",        // timestamp
                "UPDATE folded SET t = t + " + FOLD + " WHERE id = 3");               // time
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("folded").source(p.source()).target(p.target())
                .meterRegistry(new SimpleMeterRegistry()).chunkRows(1000).build()) {
            VerificationReport r = v.verify();
            assertThat(r.status()).isEqualTo(VerificationStatus.DIFFERENT);
            assertThat(r.differences()).containsExactlyInAnyOrder(
                    changed(5, "n"), changed(1, "at"), changed(2, "local"), changed(3, "t"));
        }
    }

    @Test
    void aKeyReplacedByItsFoldedTwinIsFound() {
        // source row (5, x), target row (4294967300 = 2^32 + 4, x): the same count and, with the type's hash, the same sum
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE k (id bigint PRIMARY KEY, v text)",
                "INSERT INTO k SELECT g, 'v' FROM generate_series(1, 100) g");
        p.onTarget("UPDATE k SET id = 4294967300 WHERE id = 5");
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("k").source(p.source()).target(p.target())
                .meterRegistry(new SimpleMeterRegistry()).chunkRows(100).build()) {
            assertThat(v.verify().differences()).containsExactlyInAnyOrder(
                    new RowDifference(DifferenceKind.MISSING, Map.of("id", "5"), List.of()),
                    new RowDifference(DifferenceKind.EXTRA, Map.of("id", "4294967300"), List.of()));
        }
    }

    private static RowDifference changed(long id, String... columns) {
        return new RowDifference(DifferenceKind.CHANGED, Map.of("id", Long.toString(id)), List.of(columns));
    }
}
