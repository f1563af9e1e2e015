package io.migmon.verify.cli;

import static io.migmon.verify.cli.CommandRun.tableExists;
import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.verify.TwoPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The command, third independent review of issue 17. Ground truth: the servers' state. */
class VerifyCommandAttack3IT {

    private final CommandRun cmd = new CommandRun();

    /**
     * Finding 6. The {@code ;} check of {@code --where} ({@code PgTable.statementSeparator}) and the JDBC driver
     * disagree on where a dollar quote starts: after a character above U+007F that is not a letter ({@code €}) the
     * check sees {@code $$} open a dollar-quoted string, while pgjdbc (and PostgreSQL: such characters are
     * identifier characters, {@code €$$} is one name) do not, so the driver splits the statement at the next
     * {@code ;}. The first part is a valid statement (a {@code WINDOW} clause names {@code €$$}); the next parts
     * leave the read-only mode for the session ({@code SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE}),
     * end the read-only transaction ({@code COMMIT}) and write. Ground truth: the tables on both servers.
     */
    @Test
    void aWhereCannotSmuggleAStatementPastTheSemicolonCheck() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 100) g");
        String where = "true) WINDOW \u20ac$$ AS (); SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE; COMMIT; "
                + "DROP TABLE orders; SELECT 1 WHERE ( $$t$$";
        int code = cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--where", where);
        assertThat(tableExists(p.source(), "orders")).as("the source table still exists; " + cmd.printed()).isTrue();
        assertThat(tableExists(p.target(), "orders")).as("the target table still exists; " + cmd.printed()).isTrue();
        assertThat(code).as(cmd.printed()).isEqualTo(2);
    }

    /**
     * Finding 7. The read-only session is only a default ({@code default_transaction_read_only}), which a
     * {@code --where} can switch off for the session with {@code set_config} (allowed in a read-only transaction)
     * without any {@code ;}: the condition calls {@code set_config} while the transaction is read-only and
     * {@code nextval} once it is not; the verifier's next statement (next window) starts a read-write transaction
     * and the write runs. Ground truth: the source sequence must not have been called.
     */
    @Test
    void aWhereCannotLeaveTheReadOnlySession() throws SQLException {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE SEQUENCE ro_seq", "CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 1000) g");
        String where = "CASE WHEN current_setting('transaction_read_only') = 'on' "
                + "THEN set_config('default_transaction_read_only', 'off', false) IS NOT NULL "
                + "ELSE nextval('ro_seq') > 0 END";
        int code = cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--chunk-rows", "100", "--where", where);
        for (DataSource ds : List.of(p.source(), p.target())) {
            try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT is_called, last_value FROM ro_seq")) {
                rs.next();
                assertThat(rs.getBoolean(1)).as("nextval never ran (last_value " + rs.getLong(2) + "; exit " + code
                        + "; " + cmd.printed() + ")").isFalse();
            }
        }
    }

    /**
     * Finding 9 (low). {@code --table} names a table as PostgreSQL does ({@code schema.table}, quoted parts keep
     * their case), but {@code PgTable.quoteRelation} quotes every dot-separated part again unless the whole name
     * starts with a quote: {@code public."Orders"} becomes {@code "public"."""Orders"""} and the run cannot find the
     * table (exit 2); an unquoted {@code Orders} (PostgreSQL folds it to {@code orders}) is taken case-sensitively.
     * Ground truth: identical tables {@code "Orders"} and {@code orders} on both servers.
     */
    @Test
    void tableNamesAreResolvedAsPostgresqlResolvesThem() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE \"Orders\" (id int PRIMARY KEY)", "INSERT INTO \"Orders\" VALUES (1)",
                "CREATE TABLE Shipments (id int PRIMARY KEY)", "INSERT INTO Shipments VALUES (1)");
        org.assertj.core.api.SoftAssertions soft = new org.assertj.core.api.SoftAssertions();
        soft.assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table",
                "public.\"Orders\"")).as(cmd.printed()).isZero();
        soft.assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table",
                "Shipments")).as(cmd.printed()).isZero();
        soft.assertAll();
    }
}
