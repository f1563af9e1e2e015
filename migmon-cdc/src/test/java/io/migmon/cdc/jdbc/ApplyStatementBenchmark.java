package io.migmon.cdc.jdbc;

import io.migmon.testsupport.EmbeddedPostgresFixture;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;

import java.io.StringReader;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The statement forms a multi-row upsert can take (issue 16), without Kafka or parsing: 150,000 inserts then 50,000
 * updates of the {@code CdcApplyBenchmark} table shape, 2,000 rows per statement and transaction, as text values:
 * <ol>
 *   <li>{@code unnest(?::text[], ...)} with a cast per value ({@code a0::timestamp}): the applier before this change;</li>
 *   <li>{@code unnest(?::timestamp[], ...)} of untyped array literals, read by each type's input function: the applier
 *       now;</li>
 *   <li>{@code COPY} into a temporary staging table ({@code ON COMMIT DELETE ROWS}), then
 *       {@code INSERT ... SELECT ... ON CONFLICT} from it.</li>
 * </ol>
 * After each variant an md5 of the whole table is compared with the first one's. One warm-up round, then 3.
 *
 * <p>Run: {@code mvn -B -pl migmon-cdc -am test -Dexcluded.groups= -Dgroups=benchmark -Dtest=ApplyStatementBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("benchmark")
class ApplyStatementBenchmark {

    private static final int ROWS_PER_STATEMENT = 2_000;
    private static final int ROUNDS = 3;
    private static final String COLS = "id, customer_id, status, amount, qty, active, note, created_at, updated_at, order_date";
    private static final String SET = " ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id,"
            + " status = EXCLUDED.status, amount = EXCLUDED.amount, qty = EXCLUDED.qty, active = EXCLUDED.active,"
            + " note = EXCLUDED.note, created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at,"
            + " order_date = EXCLUDED.order_date";
    private static final String[] TYPES = {"bigint", "integer", "character varying", "numeric", "integer", "boolean",
            "text", "timestamp without time zone", "timestamp with time zone", "date"};

    @Test
    void textArraysVersusTypedArraysVersusCopyAndMerge() throws Exception {
        Path dir = Path.of("target", "stmt-bench-" + UUID.randomUUID().toString().substring(0, 8)).toAbsolutePath();
        try (EmbeddedPostgresFixture pg = EmbeddedPostgresFixture.builder("stmt-bench").baseDirectory(dir).start()) {
            pg.execute("CREATE TABLE t (id bigint PRIMARY KEY, customer_id int NOT NULL, status varchar(20),"
                    + " amount numeric(12,2), qty int, active boolean, note text, created_at timestamp(6),"
                    + " updated_at timestamptz, order_date date)");
            StringBuilder text = new StringBuilder("INSERT INTO t (" + COLS + ") SELECT ");
            StringBuilder typed = new StringBuilder("INSERT INTO t (" + COLS + ") SELECT * FROM unnest(");
            StringBuilder params = new StringBuilder();
            for (int i = 0; i < TYPES.length; i++) {
                String sep = i == 0 ? "" : ", ";
                text.append(sep).append("a").append(i).append("::").append(TYPES[i]);
                params.append(sep).append("?::text[]");
                typed.append(sep).append("?::").append(TYPES[i]).append("[]");
            }
            text.append(" FROM unnest(").append(params).append(") AS u(a0, a1, a2, a3, a4, a5, a6, a7, a8, a9)").append(SET);
            typed.append(")").append(SET);
            String[] variants = {"unnest text[] + casts", "unnest typed arrays", "COPY staging + merge"};
            Map<String, List<Double>> results = new LinkedHashMap<>();
            String reference = null;
            try (Connection c = pg.dataSource().getConnection()) {
                c.setAutoCommit(false);
                for (int round = -1; round < ROUNDS; round++) {
                    for (String v : variants) {
                        try (Statement s = c.createStatement()) {
                            s.execute("TRUNCATE t");
                        }
                        c.commit();
                        long t0 = System.nanoTime();
                        for (int b = 0; b < 75; b++) { // 150,000 inserts
                            run(c, v, v.startsWith("unnest text") ? text.toString() : typed.toString(), b * ROWS_PER_STATEMENT, 0);
                        }
                        for (int b = 0; b < 25; b++) { // 50,000 updates
                            run(c, v, v.startsWith("unnest text") ? text.toString() : typed.toString(), b * ROWS_PER_STATEMENT, 1);
                        }
                        double rate = 200_000 / ((System.nanoTime() - t0) / 1e9);
                        String sum = checksum(c);
                        if (reference == null) {
                            reference = sum;
                        }
                        assertThat(sum).as("target after " + v).isEqualTo(reference);
                        if (round >= 0) {
                            results.computeIfAbsent(v, k -> new ArrayList<>()).add(rate);
                        }
                        System.out.printf("%s %-24s %,9.0f rows/s  md5 %s%n", round < 0 ? "warm-up" : "round " + round, v,
                                rate, sum);
                    }
                }
            }
            System.out.println("| statement | rows/s median | min | max |");
            System.out.println("|---|---:|---:|---:|");
            results.forEach((k, r) -> {
                r.sort(Double::compare);
                System.out.printf("| %s | %,.0f | %,.0f | %,.0f |%n", k, r.get(r.size() / 2), r.get(0), r.get(r.size() - 1));
            });
        }
    }

    private static void run(Connection c, String variant, String sql, int from, int version) throws Exception {
        String[][] cols = new String[10][ROWS_PER_STATEMENT];
        for (int r = 0; r < ROWS_PER_STATEMENT; r++) {
            long id = from + r + 1;
            cols[0][r] = Long.toString(id);
            cols[1][r] = Long.toString(id % 9_973);
            cols[2][r] = version == 0 ? "NEW" : "PAID";
            cols[3][r] = Double.toString(((id * 37 + version) % 1_000_000) / 100.0);
            cols[4][r] = Long.toString(id % 17 + version);
            cols[5][r] = (id + version) % 3 != 0 ? "true" : "false";
            cols[6][r] = ("order " + id + " v" + version + " — “quoted” and \\ escaped ").repeat(2);
            cols[7][r] = "2025-11-25 09:30:00." + (100_000 + r);
            cols[8][r] = "2025-11-25T09:3" + version + ":00.123456Z";
            cols[9][r] = "2022-01-0" + (1 + r % 9);
        }
        if (variant.startsWith("COPY")) {
            try (Statement s = c.createStatement()) {
                s.execute("CREATE TEMP TABLE IF NOT EXISTS stage (LIKE t) ON COMMIT DELETE ROWS");
            }
            StringBuilder b = new StringBuilder(ROWS_PER_STATEMENT * 200);
            for (int r = 0; r < ROWS_PER_STATEMENT; r++) {
                for (int k = 0; k < 10; k++) {
                    if (k > 0) {
                        b.append('\t');
                    }
                    String v = cols[k][r];
                    for (int i = 0; i < v.length(); i++) {
                        char ch = v.charAt(i);
                        switch (ch) {
                            case '\\': b.append("\\\\"); break;
                            case '\t': b.append("\\t"); break;
                            case '\n': b.append("\\n"); break;
                            case '\r': b.append("\\r"); break;
                            default: b.append(ch);
                        }
                    }
                }
                b.append('\n');
            }
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY stage (" + COLS + ") FROM STDIN",
                    new StringReader(b.toString()));
            try (Statement s = c.createStatement()) {
                s.executeUpdate("INSERT INTO t (" + COLS + ") SELECT " + COLS + " FROM stage" + SET);
            }
        } else {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                StringBuilder literal = new StringBuilder();
                for (int k = 0; k < 10; k++) {
                    if (variant.startsWith("unnest text")) {
                        ps.setArray(k + 1, c.createArrayOf("text", cols[k]));
                    } else {
                        ps.setObject(k + 1, TypedRows.arrayLiteral(cols[k], ROWS_PER_STATEMENT, literal), Types.OTHER);
                    }
                }
                ps.executeUpdate();
            }
        }
        c.commit();
    }

    private static String checksum(Connection c) throws Exception {
        try (Statement s = c.createStatement()) {
            s.execute("SET TIME ZONE 'UTC'");
            try (ResultSet rs = s.executeQuery("SELECT count(*), md5(string_agg(t::text, E'\\n' ORDER BY id)) FROM t")) {
                rs.next();
                return rs.getLong(1) + "/" + rs.getString(2);
            }
        }
    }
}
