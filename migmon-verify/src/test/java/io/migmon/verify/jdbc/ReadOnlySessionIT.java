package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Session safety of {@code where} (issue 17, third review, findings 6 and 7): every statement of a run is in a
 * read-only transaction of its own that is rolled back, so what a filter changes for the session does not reach the
 * next statement nor the host's connection; with a filter the run needs the extended query protocol. Ground truth:
 * the servers' state and the host connection's settings.
 */
class ReadOnlySessionIT {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    /**
     * A filter that moves the session's {@code search_path} to a schema with another table of the same name: if the
     * change outlived its statement, the following statements would read {@code other.orders} on the source (500 rows
     * instead of 1000: differences). Each statement is rolled back, so every statement reads {@code public.orders}.
     */
    @Test
    void whatAFilterChangesForTheSessionDoesNotReachTheNextStatement() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 1000) g");
        p.onSource("CREATE SCHEMA other", "CREATE TABLE other.orders (id int PRIMARY KEY, note text)",
                "INSERT INTO other.orders SELECT g, 'x' || g FROM generate_series(1, 500) g",
                "GRANT USAGE ON SCHEMA other TO PUBLIC");
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("orders").source(p.source()).target(p.target())
                .meterRegistry(registry).chunkRows(100)
                .where("set_config('search_path', 'other', false) IS NOT NULL").build()) {
            VerificationReport r = v.verify();
            assertThat(r.status()).as(r.toJson()).isEqualTo(VerificationStatus.IDENTICAL);
            assertThat(r.sourceRows()).isEqualTo(1000);
        }
    }

    /**
     * The host's pooled connection comes back as it was: manual/auto commit, read-only flag, and the session
     * settings a filter changed ({@code default_transaction_read_only}, {@code search_path}); the host can write on
     * it afterwards (its own default was read-write).
     */
    @Test
    void theHostsConnectionComesBackAsItWas() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 1000) g", "CREATE TABLE host_log (n int)");
        try (Connection src = p.source().getConnection(); Connection tgt = p.target().getConnection()) {
            String before = settings(src);
            String where = "set_config('default_transaction_read_only', 'off', false) IS NOT NULL "
                    + "AND set_config('search_path', 'pg_catalog', false) IS NOT NULL";
            try (JdbcTableVerifier v = JdbcTableVerifier.builder("orders").source(VerifierAttackIT.pool(src))
                    .target(VerifierAttackIT.pool(tgt)).meterRegistry(registry).chunkRows(100).where(where).build()) {
                assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
            }
            for (Connection c : new Connection[] {src, tgt}) {
                assertThat(settings(c)).isEqualTo(before);
                assertThat(c.getAutoCommit()).isTrue();
                assertThat(c.isReadOnly()).isFalse();
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("INSERT INTO host_log VALUES (1)");
                }
            }
        }
        for (DataSource ds : new DataSource[] {p.source(), p.target()}) {
            try (Connection c = ds.getConnection(); Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("SELECT count(*) FROM host_log")) {
                rs.next();
                assertThat(rs.getLong(1)).as("the host's insert was committed").isEqualTo(1);
            }
        }
    }

    /**
     * With {@code preferQueryMode=simple} the server, not the driver, splits the text into statements: a run with a
     * filter refuses such a connection (exit 2 in the CLI) before any statement with the filter runs.
     */
    @Test
    void aFilterNeedsTheExtendedQueryProtocol() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE orders (id int PRIMARY KEY, note text)", "INSERT INTO orders VALUES (1, 'a')");
        PGSimpleDataSource simple = new PGSimpleDataSource();
        simple.setUrl(p.sourceUrl());
        simple.setPreferQueryMode(org.postgresql.jdbc.PreferQueryMode.SIMPLE);
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("orders").source(simple).target(p.target())
                .meterRegistry(registry).where("id > 0").build()) {
            assertThatThrownBy(v::verify).isInstanceOf(VerificationException.class)
                    .hasMessageContaining("preferQueryMode=simple");
        }
        // without a filter every statement is the verifier's own: simple mode is fine
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("orders").source(simple).target(p.target())
                .meterRegistry(registry).build()) {
            assertThat(v.verify().status()).isEqualTo(VerificationStatus.IDENTICAL);
        }
    }

    private static String settings(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT current_setting("
                + "'default_transaction_read_only') || ' ' || current_setting('search_path') || ' ' || "
                + "current_setting('transaction_read_only')")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
