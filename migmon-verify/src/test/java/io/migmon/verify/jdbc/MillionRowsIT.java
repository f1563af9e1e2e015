package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.CountingSocketFactory;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** 1,000,000 rows with 10 scattered differences: found exactly, with bytes over the wire far below the table size. */
class MillionRowsIT {

    static final String TABLE = "CREATE TABLE big (id bigint PRIMARY KEY, customer int, amount numeric(12,2), "
            + "status text, created timestamptz)";
    static final String FILL = "INSERT INTO big SELECT 2 * g, g % 9973, (g % 100000) / 100.0, "
            + "CASE WHEN g % 3 = 0 THEN 'paid' ELSE 'open' END, "
            + "timestamptz '2025-01-01 00:00:00+00' + g * interval '1 second' FROM generate_series(1, N) g";

    @Test
    void tenScatteredDifferencesInAMillionRowsAreFoundExactly() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both(TABLE, FILL.replace("(1, N)", "(1, 1000000)"), "VACUUM ANALYZE big");
        // ground truth: 4 changed, 3 missing, 3 extra rows spread over the key space
        p.onTarget("UPDATE big SET amount = amount + 1 WHERE id = 2",
                "UPDATE big SET status = 'void' WHERE id = 333334",
                "UPDATE big SET created = created + interval '1 ms' WHERE id = 1200000",
                "UPDATE big SET customer = NULL WHERE id = 2000000",
                "DELETE FROM big WHERE id IN (500000, 999998, 1777776)",
                "INSERT INTO big (id, status) VALUES (1, 'x'), (654321, 'x'), (2000001, 'x')");
        List<RowDifference> expected = new ArrayList<>(List.of(
                changed(2, "amount"), changed(333334, "status"), changed(1200000, "created"),
                changed(2000000, "customer")));
        for (long id : new long[] {500000, 999998, 1777776}) {
            expected.add(new RowDifference(DifferenceKind.MISSING, Map.of("id", Long.toString(id)), List.of()));
        }
        for (long id : new long[] {1, 654321, 2000001}) {
            expected.add(new RowDifference(DifferenceKind.EXTRA, Map.of("id", Long.toString(id)), List.of()));
        }
        CountingSocketFactory.reset("million-src");
        CountingSocketFactory.reset("million-tgt");
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("big").source(p.countingSource("million-src"))
                .target(p.countingTarget("million-tgt")).meterRegistry(new SimpleMeterRegistry()).build()) {
            VerificationReport r = v.verify();
            long bytes = CountingSocketFactory.read("million-src") + CountingSocketFactory.read("million-tgt");
            System.out.println("1M rows, 10 differences: " + r + ", ranges " + r.rangesCompared() + "/"
                    + r.rangesDiffering() + ", bytes read " + bytes);
            assertThat(r.differences()).containsExactlyInAnyOrderElementsOf(expected);
            assertThat(r.totalDifferences()).isEqualTo(10);
            assertThat(r.sourceRows()).isEqualTo(1_000_000);
            assertThat(r.targetRows()).isEqualTo(1_000_000);
            // the rows alone are > 40 MB as text; a checksum pass with 10 bisections reads a few hundred KB
            assertThat(bytes).isLessThan(2_000_000);
        }
    }

    private static RowDifference changed(long id, String column) {
        return new RowDifference(DifferenceKind.CHANGED, Map.of("id", Long.toString(id)), List.of(column));
    }
}
