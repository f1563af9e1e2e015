package io.migmon.verify.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.verify.internal.PgTable.Column;
import io.migmon.verify.internal.PgTable.HashMode;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How columns enter the row hash: decided from both sides together, so both compute the same function. */
class PgTableTest {

    private static final List<Column> COLUMNS = List.of(new Column("id", "bigint", "bigint"),
            new Column("a", "text", "text"), new Column("b", "text", "text"), new Column("c", "text", "text"),
            new Column("d", "text", "text"), new Column("e", "text", "text"));

    @Test
    void notNullOnBothSidesChainsRareNullsAreOptimisticTheRestAreTerms() {
        Map<String, Double> source = Map.of("id", -1.0, "a", -1.0, "b", 0.0, "c", 0.06, "d", 0.05, "e", 0.5);
        // a is NOT NULL on the source only; e has no statistics on the target (never analyzed)
        Map<String, Double> target = Map.of("id", -1.0, "a", 0.0, "b", 0.01, "c", 0.0, "d", 0.07);
        assertThat(PgTable.hashModes(COLUMNS, source, target)).containsExactly(HashMode.CHAIN, HashMode.OPTIMISTIC,
                HashMode.OPTIMISTIC, HashMode.OPTIMISTIC, HashMode.TERM, HashMode.TERM);
        // a (0), b (0.01), c (0.06): 0.07 in all; d (0.07) would exceed the budget of 0.10
    }

    @Test
    void theSameModesWhicheverSideIsWhich() {
        Map<String, Double> one = Map.of("id", -1.0, "a", -1.0, "b", 0.2, "c", 0.0, "d", 0.09, "e", Double.NaN);
        Map<String, Double> other = Map.of("id", -1.0, "a", 0.0, "b", 0.0, "c", 0.03, "d", 0.0, "e", 0.0);
        assertThat(PgTable.hashModes(COLUMNS, one, other)).isEqualTo(PgTable.hashModes(COLUMNS, other, one))
                .containsExactly(HashMode.CHAIN, HashMode.OPTIMISTIC, HashMode.TERM, HashMode.OPTIMISTIC,
                        HashMode.TERM, HashMode.TERM);
    }

    @Test
    void integersNarrowerThanBigintOnBothSidesAreHashedByTheir32BitValue() {
        Map<String, Column> source = new java.util.LinkedHashMap<>();
        Map<String, Column> target = new java.util.LinkedHashMap<>();
        for (String[] c : new String[][] {{"id", "integer", "integer"}, {"s", "smallint", "integer"},
                {"w", "integer", "bigint"}, {"d", "qty", "integer"}, {"o", "oid", "oid"}, {"t", "text", "integer"}}) {
            source.put(c[0], new Column(c[0], c[1], c[1].equals("qty") ? "integer" : c[1]));
            target.put(c[0], new Column(c[0], c[2], c[2]));
        }
        List<String> names = List.of("id", "s", "w", "d", "o", "t");
        PgTable s = PgTable.of("r", source, names, List.of("id"), null, false, "source");
        PgTable t = PgTable.of("r", target, names, List.of("id"), null, false, "target");
        // smallint / integer (and a domain over integer) on both sides; integer / bigint, oid and text are not
        assertThat(PgTable.narrowIntegers(s, t)).containsExactlyInAnyOrder("id", "s", "d")
                .isEqualTo(PgTable.narrowIntegers(t, s));
        PgTable narrow = s.withNarrowIntegers(PgTable.narrowIntegers(s, t));
        assertThat(narrow.columnHash(source.get("s"), "", 7)).isEqualTo("hashint2extended(\"s\", 7)");
        assertThat(narrow.columnHash(source.get("d"), "", 7)).isEqualTo("hashint4extended(\"d\", 7)");
        assertThat(narrow.columnHash(source.get("w"), "", 7)).isEqualTo("hashint8extended(\"w\"::int8, \"w\"::int8 # 7)");
        assertThat(s.columnHash(source.get("s"), "", 7)).as("without the decision: widened")
                .isEqualTo("hashint8extended(\"s\"::int8, \"s\"::int8 # 7)");
    }

    /** Where the driver would split off a second statement: a ';' outside literals, quoted names and comments. */
    @Test
    void aStatementSeparatorIsFoundOutsideQuotesAndComments() {
        assertThat(PgTable.statementSeparator("created_at < '2026-01-01' AND note <> 'it''s; ok'")).isEqualTo(-1);
        assertThat(PgTable.statementSeparator("\"we;ird\" = 1 AND x = $$a;b$$ AND y = $t$;$t$ /* ; */ -- ;\n"))
                .isEqualTo(-1);
        assertThat(PgTable.statementSeparator("note = E'\\'; still a literal'")).isEqualTo(-1);
        assertThat(PgTable.statementSeparator("true); DROP TABLE orders; COMMIT; SELECT (1")).isEqualTo(5);
        assertThat(PgTable.statementSeparator("a = 'x' ; DROP TABLE t")).isEqualTo(8);
        assertThat(PgTable.statementSeparator("note = 'x")).as("unterminated literal").isEqualTo(7);
        assertThat(PgTable.statementSeparator("a = 1 /* ; ")).as("unterminated comment").isEqualTo(6);
        assertThat(PgTable.statementSeparator("-- ; only a comment")).isEqualTo(-1);
    }
}
