package io.migmon.verify.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.verify.TwoPostgres;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The command with inputs the first tests did not use (independent review of issue 17). */
class VerifyCommandAttackIT {

    private final CommandRun cmd = new CommandRun();

    /**
     * URLs that fail before a connection exists (a typo in the scheme, a bad option, a bad port) with a password in
     * them, also one containing '/', '@' or '#': exit 2 and the password appears nowhere.
     */
    @ParameterizedTest
    @ValueSource(strings = {"jdbc:postgres://bob:pa/ss9Secret@127.0.0.1:1/db",
            "jdbc:postgresq://127.0.0.1:1/db?user=bob&password=pa/ss9Secret",
            "jdbc:postgresql://127.0.0.1:1/db?user=bob&password=pa@ss9Secret&sslmode=bogus",
            "jdbc:postgresql://127.0.0.1:notaport/db?password=pa#ss9Secret",
            "jdbc:postgresql://127.0.0.1:1/db?password=pa;ss9Secret&loginTimeout=x",
            "jdbc:postgres://127.0.0.1:1/db?password=pa;ss9Secret",
            "jdbc:postgres://bob:pa@ss#9Secret@127.0.0.1:1/db",
            "mongodb://bob:pa%2Fss9Secret@127.0.0.1:notaport/db",
            "mongodb://bob:pa/ss9Secret@127.0.0.1/db",
            "mongodb://bob:pa@ss9Secret@127.0.0.1/db?bogusOption=1"})
    void aBrokenUrlNeverPrintsItsPassword(String url) {
        assertThat(cmd.run(Map.of(), "--source", url, "--target", url, "--table", "t")).isEqualTo(2);
        assertThat(cmd.printed()).contains("cannot evaluate").doesNotContain("ss9Secret").doesNotContain("9Secret");
    }

    /**
     * A report file that cannot be written (its directory does not exist) must not swallow the result: the summary
     * is printed, and differences still exit 1 (1 wins over 2, as for every migmon command); identical tables exit 2.
     */
    @Test
    void anUnwritableReportFileDoesNotLoseTheResult(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE orders (id int PRIMARY KEY, note text)",
                "INSERT INTO orders SELECT g, 'n' || g FROM generate_series(1, 1000) g");
        String report = dir.resolve("no-such-dir").resolve("report.json").toString();
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--report", report)).isEqualTo(2);
        assertThat(cmd.printed()).contains("orders identical").contains("cannot write the report");
        p.onTarget("UPDATE orders SET note = 'x' WHERE id = 7");
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--report", report)).isEqualTo(1);
        assertThat(cmd.printed()).contains("changed id=7 columns note").contains("cannot write the report");
    }

    /** Documented example of docs/cli.md with quotes and an injection attempt in --where: a clean 2, nothing dropped. */
    @Test
    void whereWithQuotesAndAnInjectionAttempt() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE orders (id int PRIMARY KEY, note text, created_at timestamptz)",
                "INSERT INTO orders SELECT g, 'it''s ' || g, timestamptz '2025-12-01' + g * interval '1 hour' "
                        + "FROM generate_series(1, 2000) g");
        p.onTarget("UPDATE orders SET note = 'x' WHERE id = 1999");
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--where", "created_at < '2026-01-01' AND note <> 'it''s'")).isZero();
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(), "--table", "orders",
                "--where", "1=1); DROP TABLE orders; --")).isEqualTo(2);
        assertThat(cmd.run(Map.of(), "--source", p.sourceUrl(), "--target", p.targetUrl(),
                "--table", "orders")).isEqualTo(1);
        assertThat(cmd.printed()).contains("changed id=1999 columns note");
    }
}
