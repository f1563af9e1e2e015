package io.migmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code migmon verify} through the CLI entry point: arguments reach migmon-verify's command, its exit code returns. */
class VerifyCommandTest {

    @Test
    void verifyIsListedAndItsHelpComesFromMigmonVerify() {
        Cli.Result top = Cli.run("--help");
        assertThat(top.exitCode()).isZero();
        assertThat(top.out()).contains("verify").contains("Prove the target equals the source");

        Cli.Result help = Cli.run("verify", "--help");
        assertThat(help.exitCode()).as(help.toString()).isZero();
        assertThat(help.out()).contains("Usage: migmon verify --source URL --target URL --table NAME")
                .contains("--max-rows-per-second");
    }

    @Test
    void argumentErrorsAreExitTwoWithMigmonVerifysMessage() {
        Cli.Result r = Cli.run("verify", "--source", "jdbc:postgresql://127.0.0.1:1/a", "--bogus-option", "x");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).startsWith("migmon verify: ").contains("Usage: migmon verify");
    }

    @Test
    void anUnreachableDatabaseIsExitTwoWithoutThePassword() {
        Cli.Result r = Cli.run(Map.of("MIGMON_SOURCE_PASSWORD", "Src$ecret1", "MIGMON_TARGET_PASSWORD", "Tgt$ecret2"),
                "verify", "--source", "jdbc:postgresql://127.0.0.1:1/a?password=UrlS3cret", "--target",
                "jdbc:postgresql://127.0.0.1:1/b", "--table", "orders");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.err()).contains("migmon verify: cannot evaluate").doesNotContainIgnoringCase("no suitable driver");
        assertThat(r.all()).doesNotContain("UrlS3cret").doesNotContain("Src$ecret1").doesNotContain("Tgt$ecret2");
    }
}
