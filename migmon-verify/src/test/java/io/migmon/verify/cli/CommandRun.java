package io.migmon.verify.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/** Shared set-up of the command tests: runs {@link VerifyCommand} capturing what it prints. */
final class CommandRun {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    /** Runs the command with {@code env} as its environment; the output of an earlier run is dropped. */
    int run(Map<String, String> env, String... args) {
        out.reset();
        err.reset();
        return VerifyCommand.run(List.of(args), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env::get);
    }

    /** What the last run printed on stdout. */
    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /** What the last run printed on stderr. */
    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** Stdout then stderr of the last run. */
    String printed() {
        return out() + err();
    }

    /** Whether {@code table} exists on the server of {@code ds} (ground truth: {@code to_regclass}). */
    static boolean tableExists(DataSource ds, String table) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT to_regclass('" + table + "') IS NOT NULL")) {
            rs.next();
            return rs.getBoolean(1);
        }
    }
}
