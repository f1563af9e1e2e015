package io.migmon.verify.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Fourth review of issue 17: the command's argument parsing (no database needed). */
class VerifyAttack4Test {

    private static final List<String> BASE = List.of("--source", "jdbc:postgresql://a/db", "--target",
            "jdbc:postgresql://b/db", "--table", "orders");

    private static List<String> with(String... more) {
        List<String> all = new java.util.ArrayList<>(BASE);
        all.addAll(List.of(more));
        return all;
    }

    /**
     * Flags given with a value: {@code --strict-numeric-scale=false} (how CI templates often spell a switch) turns
     * the switch ON, {@code --json=false} prints JSON. Expected: false, or refused as a flag that takes no value.
     */
    @Test
    void aFlagWithTheValueFalseIsNotSwitchedOn() {
        try {
            VerifyCommand.Options o = VerifyCommand.Options.parse(with("--strict-numeric-scale=false", "--json=false"));
            assertThat(o.strictNumericScale).as("--strict-numeric-scale=false").isFalse();
            assertThat(o.json).as("--json=false").isFalse();
        } catch (IllegalArgumentException refused) {
            assertThat(refused).hasMessageContaining("strict-numeric-scale");
        }
    }

    /**
     * An option given twice: {@code --where a --where b} (a gate assembled from two fragments) silently compares
     * with the last condition only; {@code --table} twice verifies the second table. Expected: refused (as
     * {@code --key} accumulates, {@code --where} cannot). Not a correctness bug if documented; recorded as held
     * when refused.
     */
    @Test
    void anOptionGivenTwiceIsRefused() {
        assertThatThrownBy(() -> VerifyCommand.Options.parse(with("--where", "id > 10", "--where", "id < 20")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--where");
        assertThatThrownBy(() -> VerifyCommand.Options.parse(with("--table", "customers")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--table");
    }
}
