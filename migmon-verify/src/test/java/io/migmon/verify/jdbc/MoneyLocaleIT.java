package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.testing.ExternalTools;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code money}'s text form follows {@code lc_monetary} ({@code $1,234.50} in C, {@code 1.234,50 €} in de_DE): two
 * servers with different monetary locales must agree on equal amounts and still see a changed one. Needs an
 * operating-system locale with another monetary format than C (de_DE.UTF-8: {@code localedef -i de_DE -f UTF-8
 * de_DE.UTF-8}); without one the test is skipped, saying so.
 */
class MoneyLocaleIT {

    private static final String LOCALE = "de_DE.UTF-8";

    @Test
    void equalAmountsAgreeAcrossMonetaryLocalesAndAChangeIsFound() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.onSource(monetary("C"));
        try {
            p.onTarget(monetary(LOCALE));
        } catch (IllegalStateException e) {
            String reason = "the target server has no " + LOCALE + " locale (generate it with 'localedef -i de_DE -f "
                    + "UTF-8 de_DE.UTF-8', package locales; .ci/run does): " + e.getMessage();
            if (ExternalTools.underCi()) {
                fail("CI=true and " + reason);
            }
            System.err.println("SKIPPED: " + reason);
            Assumptions.abort(reason);
        }
        p.both("CREATE TABLE prices (id int PRIMARY KEY, price money, note text)",
                "INSERT INTO prices SELECT g, (g * 1000.25)::numeric::money, 'n' || g FROM generate_series(1, 2000) g",
                "INSERT INTO prices VALUES (2001, NULL, 'null price'), (2002, (-0.01)::numeric::money, 'negative')");
        // the premise: the two sessions write equal amounts differently
        assertThat(text(p.source())).isEqualTo("$1,000.25");
        assertThat(text(p.target())).isNotEqualTo("$1,000.25").contains("1.000,25");

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("prices").source(p.source()).target(p.target())
                .meterRegistry(registry).build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
        p.onTarget("UPDATE prices SET price = price + 0.01::numeric::money WHERE id = 17",
                "UPDATE prices SET price = NULL WHERE id = 18");
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("prices").source(p.source()).target(p.target())
                .meterRegistry(registry).chunkRows(100).build()) {
            VerificationReport r = v.verify();
            assertThat(r.differences()).containsExactlyInAnyOrder(
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "17"), List.of("price")),
                    new RowDifference(DifferenceKind.CHANGED, Map.of("id", "18"), List.of("price")));
        }
    }

    /** Sets the database's monetary locale (new sessions use it). */
    private static String monetary(String locale) {
        return "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET lc_monetary = %L', current_database(), '" + locale
                + "'); END $$";
    }

    private static String text(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT price::text FROM prices WHERE id = 1")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
