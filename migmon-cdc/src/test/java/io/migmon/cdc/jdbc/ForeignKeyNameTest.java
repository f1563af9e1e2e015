package io.migmon.cdc.jdbc;

import org.junit.jupiter.api.Test;

import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;

/** The violated constraint's name is taken from the first line of the server's message, never its detail (values). */
class ForeignKeyNameTest {

    @Test
    void theConstraintNameComesFromTheFirstLineOnly() {
        // pgjdbc's message for 23503 (PostgreSQL 16, lc_messages=C): the detail line carries the key's values
        assertThat(JdbcChangeApplier.foreignKeyName(new SQLException("ERROR: insert or update on table \"child\""
                + " violates foreign key constraint \"child_parent_fk\"\n  Detail: Key (parent_id)=(404) is not"
                + " present in table \"parent\".", "23503"))).isEqualTo("child_parent_fk");
        assertThat(JdbcChangeApplier.foreignKeyName(new SQLException("ERROR: update or delete on table \"parent\""
                + " violates foreign key constraint \"child_parent_fk\" on table \"child\"\n  Detail: Key (id)=(1) is"
                + " still referenced from table \"child\".", "23503"))).isEqualTo("child_parent_fk");
        // another locale's wording, a name only in the detail, no message: no name (never a value)
        assertThat(JdbcChangeApplier.foreignKeyName(new SQLException("FEHLER: Einfügen oder Aktualisieren in Tabelle"
                + " »child« verletzt Fremdschlüssel-Constraint »child_parent_fk«", "23503"))).isNull();
        assertThat(JdbcChangeApplier.foreignKeyName(new SQLException("ERROR: violation\n  Detail: constraint \"x\"",
                "23503"))).isNull();
        assertThat(JdbcChangeApplier.foreignKeyName(new SQLException((String) null, "23503"))).isNull();
    }
}
