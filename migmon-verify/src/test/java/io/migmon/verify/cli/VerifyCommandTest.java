package io.migmon.verify.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migmon.verify.internal.UrlDataSource;
import java.util.List;
import org.junit.jupiter.api.Test;

class VerifyCommandTest {

    @Test
    void parsesEveryOption() {
        VerifyCommand.Options o = VerifyCommand.Options.parse(List.of("--source", "jdbc:postgresql://a/db",
                "--target=jdbc:postgresql://b/db", "--table", "public.orders", "--key", "tenant, id", "--key", "line",
                "--where", "id > 10", "--exclude", "migrated_at", "--max-rows-per-second", "5000", "--chunk-rows",
                "1000", "--max-reported", "7", "--strict-numeric-scale", "--report", "r.json", "--json",
                "--checkpoint-dir", "cp", "--target-table", "orders_v2"));
        assertThat(o.keys).containsExactly("tenant", "id", "line");
        assertThat(o.target).isEqualTo("jdbc:postgresql://b/db");
        assertThat(o.where).isEqualTo("id > 10");
        assertThat(o.maxRowsPerSecond).isEqualTo(5000.0);
        assertThat(o.chunkRows).isEqualTo(1000);
        assertThat(o.maxReported).isEqualTo(7);
        assertThat(o.strictNumericScale).isTrue();
        assertThat(o.json).isTrue();
        assertThat(o.targetTable).isEqualTo("orders_v2");
        assertThat(o.mongo()).isFalse();
    }

    @Test
    void rejectsBadArgumentsClearly() {
        assertThatThrownBy(() -> VerifyCommand.Options.parse(List.of("--source", "a", "--target", "b")))
                .hasMessageContaining("--table");
        assertThatThrownBy(() -> VerifyCommand.Options.parse(List.of("--source", "a", "--target", "b", "--table",
                "t", "--chunk-rows", "many"))).hasMessageContaining("--chunk-rows must be a whole number");
        assertThatThrownBy(() -> VerifyCommand.Options.parse(List.of("--table"))).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> VerifyCommand.Options.parse(List.of("stray"))).hasMessageContaining("unexpected");
    }

    @Test
    void passwordsAreMasked() {
        assertThat(UrlDataSource.redact("jdbc:postgresql://h/db?user=u&password=s3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://h/db?user=u&password=***&ssl=true");
        assertThat(UrlDataSource.redact("mongodb://u:s3cret@h:27017/db")).isEqualTo("mongodb://u:***@h:27017/db");
    }
}
