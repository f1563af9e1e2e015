package io.migmon.verify.jdbc;

import io.migmon.verify.Checkpoint;
import io.migmon.verify.CheckpointStore;
import io.migmon.verify.TwoPostgres;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Optional;
import java.util.function.IntConsumer;
import javax.sql.DataSource;

/**
 * Set-up shared by the verifier's integration tests on keys ranged by an expression ({@code ExpressionWindowsIT},
 * {@code VerifyAttack5IT}, {@code VerifyAttack6IT}, {@code VerifyAttack6FixIT}): the {@code character(8)} /
 * {@code text} key table on the {@link TwoPostgres} pair, a checkpoint store that watches (or kills) a run, and a
 * {@code count(*)} read back as ground truth.
 */
final class VerifyFixtures {

    private VerifyFixtures() {
    }

    /**
     * Table {@code table} with a {@code character(8)} primary key on the source and a {@code text} one on the target
     * (keys of differing types: compared as canonical text), columns {@code v text} and, when {@code withN},
     * {@code n int}; rows {@code 1 .. rows} on both sides as {@code (lpad(g, 8, '0'), 'v' || g[, g])}, then
     * {@code moreOnBoth} on both sides, then {@code ANALYZE}.
     */
    static void charKeyTable(TwoPostgres.Pair p, String table, int rows, boolean withN, String... moreOnBoth) {
        String n = withN ? ", n int" : "";
        p.onSource("CREATE TABLE " + table + " (id character(8) PRIMARY KEY, v text" + n + ")");
        p.onTarget("CREATE TABLE " + table + " (id text PRIMARY KEY, v text" + n + ")");
        p.both("INSERT INTO " + table + " SELECT lpad(g::text, 8, '0'), 'v' || g" + (withN ? ", g" : "")
                + " FROM generate_series(1, " + rows + ") g");
        if (moreOnBoth.length > 0) {
            p.both(moreOnBoth);
        }
        p.both("ANALYZE " + table);
    }

    /** The first column of the one row {@code sql} returns on {@code ds}, as a number. */
    static long count(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * A store around {@code memory} that adds every checkpoint it saved to {@code saved} and then runs
     * {@code onSave} with the save's number (1, 2, ...): a test counts the saves or kills the run by throwing.
     */
    static CheckpointStore store(CheckpointStore memory, List<Checkpoint> saved, IntConsumer onSave) {
        return new CheckpointStore() {
            @Override
            public Optional<Checkpoint> load(String id) {
                return memory.load(id);
            }

            @Override
            public void save(Checkpoint checkpoint) {
                memory.save(checkpoint);
                saved.add(checkpoint);
                onSave.accept(saved.size());
            }

            @Override
            public void clear(String id) {
                memory.clear(id);
            }
        };
    }

    /** {@link #store} that fails the run (an {@link IllegalStateException} "killed") at its {@code n}-th save. */
    static CheckpointStore dyingAt(CheckpointStore memory, List<Checkpoint> saved, int n) {
        return store(memory, saved, i -> {
            if (i == n) {
                throw new IllegalStateException("killed");
            }
        });
    }
}
