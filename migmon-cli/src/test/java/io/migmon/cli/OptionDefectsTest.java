package io.migmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Regression tests for the tester's medium defects 14-16: output streams and option validation. */
class OptionDefectsTest {

    @Test
    void defect14StartJsonStaysJsonWithGithubAnnotations() throws Exception {
        try (FakePrometheus p = new FakePrometheus()) {
            Cli.Result r = Cli.run(Map.of("GITHUB_ACTIONS", "true"), "start", "--prometheus-url", p.url(),
                    "--migration-id", "m1", "-o", "json");
            assertThat(r.exitCode()).as(r.toString()).isEqualTo(1); // no target is up in the fake
            assertThat(new ObjectMapper().readTree(r.out()).path("ready").asBoolean(true)).isFalse();
            assertThat(r.out()).doesNotContain("::error");
            assertThat(r.err()).contains("::error title=migmon start (m1)::");
        }
    }

    @Test
    void defect15GrafanaUrlWithQueryOrFragmentIsRefused() throws Exception {
        try (FakePrometheus p = new FakePrometheus(); FakeGrafanaAnnotations g = new FakeGrafanaAnnotations()) {
            for (String url : new String[] {g.url() + "/?auth=S3cretQ", g.url() + "/#S3cretF"}) {
                Cli.Result r = Cli.run(Map.of("GRAFANA_TOKEN", "glsa_x"), "check", "--prometheus-url", p.url(),
                        "--migration-id", "m1", "--grafana-url", url);
                assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
                assertThat(r.err()).contains("must not have a query").doesNotContain("S3cret");
            }
            assertThat(g.requests()).isEmpty();
        }
    }

    @Test
    void defect16DurationsWindowsAndIntervals() throws Exception {
        try (FakePrometheus p = new FakePrometheus()) {
            Cli.Result compound = Cli.run("check", "--prometheus-url", p.url(), "--migration-id", "m1", "--window",
                    "1h30m");
            assertThat(compound.exitCode()).as(compound.toString()).isZero();
            assertThat(p.queries).anySatisfy(q -> assertThat(q).contains("[1h30m]"));

            Cli.Result tiny = Cli.run("check", "--prometheus-url", p.url(), "--migration-id", "m1", "--window", "10ms");
            assertThat(tiny.exitCode()).isEqualTo(2);
            assertThat(tiny.err()).contains("--window must be at least 1s").doesNotContain("no migmon");

            for (String[] bad : new String[][] {{"--http-timeout", "500ms"}, {"--http-timeout", "0"},
                    {"--poll-interval", "0"}, {"--timeout", "0"}, {"--stale-after", "0"}}) {
                Cli.Result r = Cli.run("check", "--prometheus-url", p.url(), "--migration-id", "m1", "--wait",
                        bad[0], bad[1]);
                assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
                assertThat(r.err()).contains(bad[0] + " must be at least").doesNotContain("unexpected error");
            }
            Cli.Result watch = Cli.run("watch", "--prometheus-url", p.url(), "--migration-id", "m1", "--interval", "0");
            assertThat(watch.exitCode()).isEqualTo(2);
            assertThat(watch.err()).contains("--interval must be at least 1 s");
            Cli.Result iso = Cli.run("check", "--prometheus-url", p.url(), "--migration-id", "m1", "--timeout", "PXT");
            assertThat(iso.exitCode()).isEqualTo(2);
            assertThat(iso.err()).doesNotContain("unexpected error");
        }
        assertThat(Durations.parse("1h30m")).hasMinutes(90);
        assertThat(Durations.parse("90")).hasSeconds(90);
        assertThat(Durations.parse("1.5s").toMillis()).isEqualTo(1500);
    }
}
