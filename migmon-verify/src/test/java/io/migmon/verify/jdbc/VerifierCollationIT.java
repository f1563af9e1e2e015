package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationException;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Text keys whose collation differs between source and target (C on the source, a linguistic collation on the
 * target: 'B' < 'a' in C, 'a' < 'B' linguistically). Identical data must not be reported as different.
 */
class VerifierCollationIT {

    private static String linguisticCollation(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                ResultSet rs = st.executeQuery("SELECT collname FROM pg_collation WHERE collname IN "
                        + "('en-x-icu', 'und-x-icu', 'en_US.utf8', 'en_US') ORDER BY collname LIMIT 1")) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    @Test
    void identicalRowsWithDifferentKeyCollationsAcrossWindowsAreNotReportedAsDifferences() throws Exception {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        String coll = linguisticCollation(p.target());
        assumeTrue(coll != null, "no linguistic collation on this server");
        p.onSource("CREATE TABLE ct (code text COLLATE \"C\" PRIMARY KEY, v int)");
        p.onTarget("CREATE TABLE ct (code text COLLATE \"" + coll + "\" PRIMARY KEY, v int)");
        // upper and lower case initials interleave differently in the two orders
        p.both("INSERT INTO ct SELECT chr(65 + g % 26) || chr(97 + g % 26) || g, g FROM generate_series(1, 2000) g",
                "INSERT INTO ct SELECT chr(97 + g % 26) || g, g FROM generate_series(1, 2000) g");
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("ct").source(p.source()).target(p.target())
                .meterRegistry(new SimpleMeterRegistry()).chunkRows(100).windowRanges(4).build()) {
            VerificationReport r = v.verify();
            assertThat(r.totalDifferences()).as(r.toString()).isZero();
            assertThat(r.status()).isEqualTo(VerificationStatus.IDENTICAL);
        } catch (VerificationException e) {
            // refusing clearly (naming the collations) is acceptable; reporting false differences is not
            assertThat(e.getMessage()).contains("collation").contains(coll);
        }
        // one window (no key ranges): the collations do not matter and the tables are identical
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("ct").source(p.source()).target(p.target())
                .meterRegistry(new SimpleMeterRegistry()).build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
    }
}
