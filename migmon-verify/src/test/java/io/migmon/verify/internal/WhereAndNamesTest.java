package io.migmon.verify.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.assertThatCode;

import org.junit.jupiter.api.Test;

/** What {@code where} and table names the verifier accepts (issue 17, third review, findings 6 and 9). */
class WhereAndNamesTest {

    /**
     * The driver's parser decides what it sends as one statement: text it splits is refused even where our own scan
     * sees a dollar quote ({@code €$$} is one identifier for pgjdbc and PostgreSQL).
     */
    @Test
    void aConditionTheDriverSplitsIsRefused() {
        assertThat(PgTable.statementSeparator("true) WINDOW \u20ac$$ AS (); DROP TABLE orders; SELECT 1 WHERE ( $$t$$"))
                .as("our own scan alone misses it").isEqualTo(-1);
        assertThatThrownBy(() -> PgTable.requireOneCondition(
                "true) WINDOW \u20ac$$ AS (); DROP TABLE orders; SELECT 1 WHERE ( $$t$$"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JDBC driver reads it as");
        assertThatThrownBy(() -> PgTable.requireOneCondition("a = 1; DROP TABLE t"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("';'");
        // an open quote or comment in the driver's view would swallow the rest of the verifier's SQL
        assertThatThrownBy(() -> PgTable.requireOneCondition("x = \u20ac$$ /* "))
                .isInstanceOf(IllegalArgumentException.class);
        // ends the literal only with standard_conforming_strings on (a where may not rely on the setting)
        assertThatThrownBy(() -> PgTable.requireOneCondition("path = 'C:\\' OR true"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("standard_conforming_strings off");
        assertThatCode(() -> PgTable.requireOneCondition("path = E'C:\\\\' OR true")).doesNotThrowAnyException();
    }

    @Test
    void ordinaryConditionsPass() {
        for (String ok : new String[] {"created_at < '2026-01-01' AND note <> 'it''s; ok'",
                "\"we;ird\" = 1 AND x = $$a;b$$ AND y = $t$;$t$ /* ; */ -- ;\n", "note = E'\\'; still a literal'",
                "tags ?? 'a'", "orders.created > now() - interval '1 day' -- trailing comment"}) {
            assertThatCode(() -> PgTable.requireOneCondition(ok)).as(ok).doesNotThrowAnyException();
        }
    }

    @Test
    void tableNamesAreReadAsPostgresqlReadsThem() {
        assertThat(PgTable.quoteRelation("orders")).isEqualTo("\"orders\"");
        assertThat(PgTable.quoteRelation("Shipments")).isEqualTo("\"shipments\"");
        assertThat(PgTable.quoteRelation("public.\"Orders\"")).isEqualTo("\"public\".\"Orders\"");
        assertThat(PgTable.quoteRelation("\"My \"\"odd\"\" table\"")).isEqualTo("\"My \"\"odd\"\" table\"");
        assertThat(PgTable.quoteRelation(" Sales . \"a.b\" ")).isEqualTo("\"sales\".\"a.b\"");
        assertThat(PgTable.quoteRelation("db.s.t$1")).isEqualTo("\"db\".\"s\".\"t$1\"");
        assertThat(PgTable.quoteRelation("\u00c9t\u00e9")).as("non-ASCII letters are not folded").isEqualTo("\"\u00c9t\u00e9\"");
        String quoted = PgTable.quoteRelation("public.\"Orders\"");
        assertThat(PgTable.quoteRelation(quoted)).as("idempotent").isEqualTo(quoted);
        for (String bad : new String[] {"", "public.", ".orders", "\"open", "\"\"", "my table", "1orders",
                "a.b.c.d", "orders;drop", "public.\"Orders\"x"}) {
            assertThatThrownBy(() -> PgTable.quoteRelation(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not a PostgreSQL table name");
        }
    }
}
