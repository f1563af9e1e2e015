package io.migmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.testing.ExternalTools;
import io.migmon.grafana.it.PrometheusServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code migmon watch} driven through whole runs against a real Prometheus: in-process with the non-interactive
 * (CI) output captured line by line, and as the packaged {@code target/migmon.jar} in a pseudo-terminal
 * ({@code script}) where it redraws in place. Also the packaged jar and the launcher script themselves.
 */
class WatchAndJarIT {

    private static final Path JAR = Path.of("target", "migmon.jar").toAbsolutePath();
    private static final Pattern PROGRESS = Pattern.compile("progress=([0-9.]+)%");
    private static MetricsApp app;
    private static PrometheusServer prometheus;

    @BeforeAll
    static void start() throws Exception {
        Path binary = ExternalTools.require("prometheus", "prometheus");
        app = new MetricsApp(MetricsOptions.defaults());
        prometheus = new PrometheusServer(binary, Path.of("target", "prometheus-watch-it").toAbsolutePath(),
                List.of(app.target()), List.of());
    }

    @AfterAll
    static void stop() {
        if (prometheus != null) {
            prometheus.close();
        }
        if (app != null) {
            app.close();
        }
    }

    /** Copies 20,000 rows in 40 batches over ~12 s, with a 1 s data lag, then succeeds. */
    private static CompletableFuture<Void> runMigration(String id) {
        ObservableMigration m = app.migration(id).expectedRows(20_000).build();
        MigrationRun run = m.start();
        return CompletableFuture.runAsync(() -> {
            try {
                for (int i = 0; i < 40; i++) {
                    run.recordRows("orders", 500);
                    run.recordDataLag(Duration.ofSeconds(1));
                    run.sample();
                    Thread.sleep(300);
                }
                Thread.sleep(3_000); // a few scrapes at 100% before the end
                run.succeed();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                run.abort("interrupted");
            }
        });
    }

    @Test
    void watchPrintsOnePlainLinePerIntervalThroughAWholeRun() throws Exception {
        CompletableFuture<Void> migration = runMigration("watched-run");
        Cli.Result r = Cli.run(Map.of("CI", "true"), "watch", "--prometheus-url", prometheus.uri().toString(),
                "--migration-id", "watched-run", "--interval", "1s", "--timeout", "120s", "--max-lag", "30");
        migration.get(30, TimeUnit.SECONDS);

        assertThat(r.exitCode()).as(r.toString()).isZero();
        List<String> lines = r.out().lines().filter(l -> l.contains(" watched-run status=")).toList();
        assertThat(lines).as(r.out()).hasSizeGreaterThanOrEqualTo(3);
        assertThat(lines).anyMatch(l -> l.contains("status=running"));
        String last = lines.get(lines.size() - 1);
        assertThat(last).contains("status=success", "progress=100.0%", "rows=20,000/20,000", "data_lag=1.0s",
                "errors=0");
        List<Double> progress = new ArrayList<>();
        for (String l : lines) {
            Matcher m = PROGRESS.matcher(l);
            if (m.find()) {
                progress.add(Double.parseDouble(m.group(1)));
            }
        }
        assertThat(progress).isSorted();
        assertThat(r.out()).doesNotContain("\u001b[");
        assertThat(r.out()).contains("PASS: migration watched-run passed");
    }

    @Test
    void watchWithJsonOutputKeepsStdoutForTheResult() throws Exception {
        ObservableMigration m = app.migration("json-watched-run").expectedRows(10).build();
        MigrationRun run = m.start();
        run.recordRows("orders", 10);
        run.recordError("SQLException");
        run.succeed();

        Cli.Result r = Cli.run(Map.of("CI", "true"), "watch", "--prometheus-url", prometheus.uri().toString(),
                "--migration-id", "json-watched-run", "--interval", "1s", "--timeout", "90s", "--max-errors", "0",
                "--output", "json");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(Schemas.validate("check-result-v1.schema.json", r.out())).as(r.out()).isEmpty();
        assertThat(Schemas.parse(r.out()).path("summary").asText())
                .isEqualTo("FAIL: migration json-watched-run: 1 error over the last 15m, above --max-errors 0");
        assertThat(r.err()).contains("json-watched-run status=success").contains("rows=10/10").contains("errors=1");
    }

    @Test
    void watchRedrawsInAPseudoTerminal() throws Exception {
        Path script = ExternalTools.require("script", "bsdutils");
        assertThat(JAR).as("mvn package builds target/migmon.jar before the ITs").exists();
        CompletableFuture<Void> migration = runMigration("pty-run");
        String command = "'" + javaBin() + "' -jar '" + JAR + "' watch --prometheus-url " + prometheus.uri()
                + " --migration-id pty-run --interval 1s --timeout 120s";
        Path typescript = Path.of("target", "watch-pty.typescript").toAbsolutePath();
        ProcessBuilder pb = new ProcessBuilder(script.toString(), "-qefc", command, typescript.toString())
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                .redirectErrorStream(true)
                .redirectOutput(Path.of("target", "watch-pty.out").toFile());
        pb.environment().remove("CI");
        pb.environment().put("TERM", "xterm");
        Process p = pb.start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        migration.get(30, TimeUnit.SECONDS);
        String out = Files.readString(Path.of("target", "watch-pty.out"));

        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).contains("migmon watch  pty-run  RUNNING")
                .contains("\u001b[4F") // moves back up over its 4 lines to redraw them
                .contains("\u001b[2K")
                .contains("[##############################] 100.0%  20,000 / 20,000 rows")
                .contains("PASS: migration pty-run passed");
        assertThat(out.lines().filter(l -> l.contains(" pty-run status=")).count()).as("no plain lines on a tty")
                .isZero();
    }

    @Test
    void theJarAndTheLauncherScriptRun() throws Exception {
        ExternalTools.Result help = ExternalTools.run(null, List.of(javaBin(), "-jar", JAR.toString(), "--help"), 60);
        assertThat(help.exitCode()).as(help.output()).isZero();
        assertThat(help.output()).contains("Usage: migmon", "check", "watch", "start", "dashboards", "rules",
                "connector", "Exit codes: 0 passed, 1 breached or failed, 2 cannot evaluate");
        assertThat(help.output()).doesNotContain("SLF4J");

        ExternalTools.Result checkHelp = ExternalTools.run(null, List.of(Path.of("src/main/scripts/migmon")
                .toAbsolutePath().toString(), "check", "--help"), 60);
        assertThat(checkHelp.exitCode()).as(checkHelp.output()).isZero();
        assertThat(checkHelp.output()).contains("--max-lag=SECONDS", "--report=FILE", "--wait", "--output=FORMAT");

        ExternalTools.Result down = ExternalTools.run(null, List.of(javaBin(), "-jar", JAR.toString(), "check",
                "--prometheus-url", "http://127.0.0.1:1", "--migration-id", "x"), 60);
        assertThat(down.exitCode()).as(down.output()).isEqualTo(2);
        assertThat(down.output()).contains("cannot reach Prometheus at http://127.0.0.1:1/");

        ExternalTools.Result version = ExternalTools.run(null, List.of(javaBin(), "-jar", JAR.toString(), "--version"), 60);
        assertThat(version.output()).startsWith("migmon ");
    }

    private static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
