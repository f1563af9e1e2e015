package io.migmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.health.HealthMeters;
import io.migmon.core.health.MigrationHealthCheck;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.core.metrics.MigmonMeters;
import io.migmon.core.testing.Await;
import io.migmon.core.testing.ExternalTools;
import io.migmon.grafana.it.PrometheusServer;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code migmon check} against a real Prometheus (Debian package, 1 s scrape) scraping three host processes in
 * miniature ({@link MetricsApp}: a PrometheusMeterRegistry served over HTTP) while instrumented migrations run
 * through migmon's real API: one app without prefix, one with the prefix {@code myapp.db}, one that "dies" for the
 * stale-data case. Each test uses its own migration id. Ground truth is what the test recorded (lag, rows, errors,
 * outcome), never what the CLI computed.
 */
class CheckAgainstPrometheusIT {

    private static final Duration DEADLINE = Duration.ofSeconds(90);
    /** Held strongly: Micrometer gauges keep only a weak reference to their object. */
    private static final double[] CDC_LAGS = {45.0, 12.0};
    private static MetricsApp app;
    private static MetricsApp prefixed;
    private static MetricsApp dying;
    private static PrometheusServer prometheus;
    private static final List<AutoCloseable> CLOSE = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        Path binary = ExternalTools.require("prometheus", "prometheus");
        app = new MetricsApp(MetricsOptions.defaults());
        prefixed = new MetricsApp(MetricsOptions.builder().prefix("myapp.db").build());
        dying = new MetricsApp(MetricsOptions.defaults());
        prometheus = new PrometheusServer(binary, Path.of("target", "prometheus-cli-it").toAbsolutePath(),
                List.of(app.target(), prefixed.target(), dying.target()), List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        for (AutoCloseable c : CLOSE) {
            c.close();
        }
        for (MetricsApp a : new MetricsApp[] {app, prefixed, dying}) {
            if (a != null) {
                a.close();
            }
        }
    }

    static String url() {
        return prometheus.uri().toString();
    }

    static Cli.Result check(Map<String, String> env, String id, String... more) {
        List<String> args = new ArrayList<>(List.of("check", "--prometheus-url", url(), "--migration-id", id,
                "--wait", "--poll-interval", "1s", "--timeout", DEADLINE.toSeconds() + "s"));
        args.addAll(List.of(more));
        return Cli.run(env, args.toArray(String[]::new));
    }

    private static ObservableMigration migration(MetricsApp a, String id, long expected) {
        ObservableMigration m = a.migration(id).expectedRows(expected).build();
        CLOSE.add(m);
        return m;
    }

    @Test
    void healthyRunPassesWithJsonStepSummaryAndNoAnnotations() throws Exception {
        ObservableMigration m = migration(app, "healthy-run", 10_000);
        MigrationHealthCheck health = MigrationHealthCheck.builder(m).maxDataLag(Duration.ofSeconds(60),
                Duration.ofSeconds(300)).build();
        MigmonMeters meters = MigmonMeters.create(app.registry);
        HealthMeters bound = HealthMeters.bind(meters, health);
        CLOSE.add(bound);
        MigrationRun run = m.start();
        for (int i = 0; i < 10; i++) {
            run.recordRows("orders", 1_000);
            run.recordDataLag(Duration.ofSeconds(2 + i % 3)); // ground truth: max 4 s
            run.sample();
        }
        run.succeed();
        Path summary = Path.of("target", "step-summary-healthy.md").toAbsolutePath();
        Files.deleteIfExists(summary);
        Map<String, String> env = Map.of("GITHUB_STEP_SUMMARY", summary.toString(), "GITHUB_ACTIONS", "true");

        Cli.Result r = check(env, "healthy-run", "--max-lag", "300", "--max-error-rate", "0.01",
                "--require-status", "success", "--output", "json", "--grafana-url", "http://grafana.example:3000");

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(Schemas.validate("check-result-v1.schema.json", r.out())).as(r.out()).isEmpty();
        JsonNode json = Schemas.parse(r.out());
        assertThat(json.path("verdict").asText()).isEqualTo("pass");
        assertThat(json.path("status").asText()).isEqualTo("success");
        assertThat(json.path("dashboardUrl").asText())
                .isEqualTo("http://grafana.example:3000/d/migmon-overview?var-migration_id=healthy-run");
        Map<String, JsonNode> checks = byName(json);
        // the last recorded lag was 2 + 9 % 3 = 2 s; the highest scraped value can only be one the test recorded
        // (2, 3 or 4 s), and the final one (2 s) is certainly scraped since the gauge holds it after the end
        assertThat(checks.get("data_lag").path("value").asDouble()).isBetween(2.0, 4.0);
        assertThat(checks.get("data_lag").path("verdict").asText()).isEqualTo("pass");
        assertThat(checks.get("data_lag").path("threshold").asDouble()).isEqualTo(300.0);
        assertThat(checks.get("error_rate").path("value").asDouble()).isZero();
        assertThat(checks.get("error_rate").path("message").asText()).contains("10,000 rows");
        assertThat(checks.get("status").path("verdict").asText()).isEqualTo("pass");
        assertThat(checks.get("health").path("display").asText()).isEqualTo(health.check().status().name());
        assertThat(checks.get("freshness").path("verdict").asText()).isEqualTo("pass");
        // no breach: no annotation lines (stdout is pure JSON, annotations would go to stderr)
        assertThat(r.err()).doesNotContain("::error", "::warning");

        String md = Files.readString(summary);
        assertThat(md).contains("### migmon check: `healthy-run` ✅ PASS")
                .contains("| Check | Value | Threshold | Verdict | Detail |")
                .containsPattern("\\| data_lag \\| [234] s \\| <= 300 s \\| PASS \\|")
                .contains("| status | success | = success | PASS |")
                .contains("[migmon / Migration overview](http://grafana.example:3000/d/migmon-overview?var-migration_id=healthy-run)");
    }

    @Test
    void lagAboveMaxLagFailsWithTheMeasuredValue() throws Exception {
        ObservableMigration m = migration(app, "laggy-run", 1_000);
        MigrationRun run = m.start();
        run.recordRows("orders", 1_000);
        run.recordDataLag(Duration.ofSeconds(420));
        run.succeed();
        Path summary = Path.of("target", "step-summary-laggy.md").toAbsolutePath();
        Files.deleteIfExists(summary);

        Cli.Result r = check(Map.of("GITHUB_ACTIONS", "true", "GITHUB_STEP_SUMMARY", summary.toString()),
                "laggy-run", "--max-lag", "300");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("max data lag over the last 15m was 420 s (last 420 s), above --max-lag 300 s")
                .containsPattern("data_lag +420 s +<= 300 s +FAIL")
                .contains("::error title=migmon data_lag (laggy-run)::max data lag over the last 15m was 420 s");
        assertThat(Files.readString(summary)).contains("❌ FAIL").contains("| data_lag | 420 s | <= 300 s | FAIL |");
    }

    @Test
    void errorRateAboveThresholdFails() {
        ObservableMigration m = migration(app, "erroring-run", 1_000);
        MigrationRun run = m.start();
        run.recordRows("orders", 1_000);
        for (int i = 0; i < 50; i++) {
            run.recordError(i % 2 == 0 ? "SQLException" : "DataIntegrityViolation");
        }
        run.succeed();

        Cli.Result r = check(Map.of(), "erroring-run", "--max-error-rate", "0.01", "--max-errors", "10");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("50 errors / 1,000 rows over the last 15m = 5.00%, above --max-error-rate 0.01")
                .contains("50 errors over the last 15m, above --max-errors 10");
    }

    @Test
    void failedMigrationFails() {
        ObservableMigration m = migration(app, "failing-run", 1_000);
        try {
            m.run(ctx -> {
                ctx.recordRows("orders", 10);
                throw new IllegalStateException("duplicate key");
            });
        } catch (Exception expected) {
            // recorded as failed
        }

        Cli.Result r = check(Map.of(), "failing-run");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("the migration ended with status failed");
    }

    @Test
    void unknownMigrationIdCannotBeEvaluated() throws Exception {
        ObservableMigration m = migration(app, "known-run", 10);
        m.start().recordRows("t", 10);
        assertThat(prometheus.awaitData(Map.of("migration_status{migration_id=\"known-run\"}", "known"), false,
                DEADLINE)).isEmpty();

        Cli.Result r = Cli.run("check", "--prometheus-url", url(), "--migration-id", "no-such-run", "--max-lag", "300");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).contains("CANNOT EVALUATE: no series migration_status{migration_id=\"no-such-run\"}")
                .contains("migration ids it knows:").contains("known-run")
                .contains("Check --migration-id, --metrics-prefix");
    }

    @Test
    void prometheusDownCannotBeEvaluated() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Cli.Result r = Cli.run(Map.of("GITHUB_ACTIONS", "true"), "check", "--prometheus-url",
                "http://user:s3cret-pw@127.0.0.1:" + port, "--migration-id", "any", "--max-lag", "300");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).contains("cannot reach Prometheus at http://127.0.0.1:" + port + "/")
                .contains("connection refused").contains("Check --prometheus-url")
                .contains("::error title=migmon check any::");
        assertThat(r.all()).doesNotContain("s3cret-pw").doesNotContain("user:");
    }

    @Test
    void staleDataCannotBeEvaluated() throws Exception {
        ObservableMigration m = dying.migration("stale-run").expectedRows(1_000).build();
        CLOSE.add(m);
        MigrationRun run = m.start();
        run.recordRows("orders", 100);
        assertThat(prometheus.awaitData(Map.of("migration_status{migration_id=\"stale-run\",status=\"running\"} == 1",
                "running"), false, DEADLINE)).isEmpty();
        Cli.Result fresh = Cli.run("check", "--prometheus-url", url(), "--migration-id", "stale-run",
                "--stale-after", "8s");
        assertThat(fresh.exitCode()).as(fresh.toString()).isZero();

        dying.stop(); // the process is gone while the migration still says "running"
        Cli.Result[] last = new Cli.Result[1];
        Await.until(Duration.ofSeconds(60), Duration.ofSeconds(1), () -> {
            last[0] = Cli.run("check", "--prometheus-url", url(), "--migration-id", "stale-run", "--stale-after", "8s");
            return last[0].exitCode() != 0;
        }, () -> "check still passes after the target stopped: " + last[0]);
        Cli.Result r = last[0];
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).contains("stale data: the newest sample of migration_status{migration_id=\"stale-run\"}")
                .contains("says running").contains("/targets");
    }

    @Test
    void waitReturnsWhenTheRunEnds() throws Exception {
        ObservableMigration m = migration(app, "waited-run", 1_000);
        MigrationRun run = m.start();
        run.recordRows("orders", 500);
        CompletableFuture<Cli.Result> checking = CompletableFuture.supplyAsync(() -> check(Map.of(), "waited-run",
                "--require-status", "success"));
        assertThat(prometheus.awaitData(Map.of("migration_status{migration_id=\"waited-run\",status=\"running\"} == 1",
                "running"), false, DEADLINE)).isEmpty();
        Thread.sleep(2_000); // the check has seen "running" and keeps polling
        assertThat(checking).as("check --wait returned while the migration was running").isNotDone();

        run.recordRows("orders", 500);
        Instant ended = Instant.now();
        run.succeed();
        Cli.Result r = checking.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
        Instant returned = Instant.now();

        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(returned).isAfter(ended);
        assertThat(r.err()).contains("waiting for waited-run to end: status running");
        assertThat(r.out()).contains("status is success").contains("1,000 rows");
    }

    @Test
    void waitTimesOutOnARunThatDoesNotEnd() throws Exception {
        ObservableMigration m = migration(app, "endless-run", 1_000);
        m.start().recordRows("orders", 1);
        assertThat(prometheus.awaitData(Map.of("migration_status{migration_id=\"endless-run\"}", "endless"), false,
                DEADLINE)).isEmpty();

        Cli.Result r = Cli.run("check", "--prometheus-url", url(), "--migration-id", "endless-run", "--wait",
                "--poll-interval", "1s", "--timeout", "12s");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(1);
        assertThat(r.out()).contains("the migration is still running after --timeout 12 s");
    }

    @Test
    void prefixedMetricsAreFoundWithTheirPrefixOnly() {
        ObservableMigration m = prefixed.migration("prefixed-run").expectedRows(100).build();
        CLOSE.add(m);
        MigrationRun run = m.start();
        run.recordRows("orders", 100);
        run.recordDataLag(Duration.ofSeconds(7));
        run.succeed();

        Cli.Result r = check(Map.of(), "prefixed-run", "--metrics-prefix", "myapp.db", "--max-lag", "60");
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("max data lag over the last 15m was 7 s");

        Cli.Result unprefixed = Cli.run("check", "--prometheus-url", url(), "--migration-id", "prefixed-run");
        assertThat(unprefixed.exitCode()).as(unprefixed.toString()).isEqualTo(2);
        assertThat(unprefixed.out()).contains("no series migration_status{migration_id=\"prefixed-run\"}");
    }

    @Test
    void cdcReplicationAndConsumerLagOfTheMigrationsTargetAreGated() {
        // a CDC processor in the same (prefixed) process as the migration: its lag gauges, as migmon-cdc registers them
        MigmonMeters cdc = MigmonMeters.create(prefixed.registry, prefixed.options);
        CLOSE.add(cdc);
        double[] lags = CDC_LAGS; // ground truth: replication 45 s, consumer 12 s
        cdc.gauge(MetricCatalog.CDC_REPLICATION_LAG, lags, l -> l[0], MetricCatalog.PROCESSOR, "replica",
                MetricCatalog.SOURCE_TABLE, "public.orders",
                MetricCatalog.TARGET_TABLE, "orders");
        cdc.gauge(MetricCatalog.CDC_CONSUMER_LAG_SECONDS, lags, l -> l[1], MetricCatalog.PROCESSOR, "replica",
                MetricCatalog.TOPIC,
                "inventory.public.orders", MetricCatalog.PARTITION, "0");
        ObservableMigration m = prefixed.migration("cdc-run").expectedRows(10).build();
        CLOSE.add(m);
        MigrationRun run = m.start();
        run.recordRows("orders", 10);
        run.succeed();

        Cli.Result breached = check(Map.of(), "cdc-run", "--metrics-prefix", "myapp.db", "--max-replication-lag", "30");
        assertThat(breached.exitCode()).as(breached.toString()).isEqualTo(1);
        assertThat(breached.out()).contains("max replication lag over the last 15m was 45 s, above --max-replication-lag 30 s")
                .contains("max consumer lag over the last 15m was 12 s, within --max-replication-lag 30 s");

        Cli.Result within = check(Map.of(), "cdc-run", "--metrics-prefix", "myapp.db", "--max-replication-lag", "60");
        assertThat(within.exitCode()).as(within.toString()).isZero();
    }

    @Test
    void replicationLagLimitWithoutCdcDataIsNotAPass() {
        ObservableMigration m = migration(app, "cdc-less-run", 10);
        MigrationRun run = m.start();
        run.recordRows("orders", 10);
        run.succeed();

        Cli.Result r = check(Map.of(), "cdc-less-run", "--max-replication-lag", "60");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        assertThat(r.out()).contains("no CDC replication or consumer lag over the last 15m: cannot check --max-replication-lag 60 s");
    }

    @Test
    void lagThresholdWithoutLagDataIsNotAPass() {
        ObservableMigration m = migration(app, "lagless-run", 10);
        MigrationRun run = m.start();
        run.recordRows("orders", 10);
        run.succeed();

        Cli.Result r = check(Map.of(), "lagless-run", "--max-lag", "300", "--output", "json");

        assertThat(r.exitCode()).as(r.toString()).isEqualTo(2);
        JsonNode json = Schemas.parse(r.out());
        assertThat(json.path("verdict").asText()).isEqualTo("error");
        assertThat(byName(json).get("data_lag").path("verdict").asText()).isEqualTo("unknown");
        assertThat(r.err()).contains("cannot check --max-lag 300 s");
    }

    @Test
    void startVerifiesScrapingPrintsTheDashboardAndAnnotates() throws Exception {
        ObservableMigration m = migration(app, "started-run", 10);
        m.start().recordRows("t", 1);
        assertThat(prometheus.awaitData(Map.of("up{instance=\"" + app.target() + "\"} == 1", "up"), false, DEADLINE))
                .isEmpty();
        try (FakeGrafanaAnnotations grafana = new FakeGrafanaAnnotations()) {
            Map<String, String> env = new HashMap<>();
            env.put("GRAFANA_TOKEN", "glsa_secret_token_123");
            Cli.Result r = Cli.run(env, "start", "--prometheus-url", url(), "--migration-id", "started-run",
                    "--target", app.target(), "--grafana-url", grafana.url());
            assertThat(r.exitCode()).as(r.toString()).isZero();
            assertThat(r.out()).contains("READY").contains("target " + app.target() + " is up and scraped")
                    .contains(grafana.url() + "/d/migmon-overview?var-migration_id=started-run")
                    .contains("annotation  written");
            assertThat(grafana.requests()).hasSize(1);
            assertThat(grafana.requests().get(0).authorization()).isEqualTo("Bearer glsa_secret_token_123");
            JsonNode body = Schemas.parse(grafana.requests().get(0).body());
            assertThat(body.path("text").asText()).isEqualTo("migration started-run started");
            assertThat(body.path("tags").toString()).contains("migration:started-run");
            assertThat(r.all()).doesNotContain("glsa_secret_token_123");

            // check writes the matching "ended" annotation
            m.currentRun().orElseThrow().succeed();
            Cli.Result c = check(env, "started-run", "--grafana-url", grafana.url());
            assertThat(c.exitCode()).as(c.toString()).isZero();
            assertThat(grafana.requests()).hasSize(2);
            assertThat(Schemas.parse(grafana.requests().get(1).body()).path("text").asText())
                    .isEqualTo("migration started-run ended: success, check pass");
            assertThat(c.all()).doesNotContain("glsa_secret_token_123");
        }

        Cli.Result notScraped = Cli.run("start", "--prometheus-url", url(), "--migration-id", "started-run",
                "--target", "127.0.0.1:1");
        assertThat(notScraped.exitCode()).as(notScraped.toString()).isEqualTo(1);
        assertThat(notScraped.out()).contains("NOT READY").contains("Prometheus does not scrape 127.0.0.1:1");

        Cli.Result anyMigmon = Cli.run("start", "--prometheus-url", url(), "--migration-id", "next-run");
        assertThat(anyMigmon.exitCode()).as(anyMigmon.toString()).isZero();
        assertThat(anyMigmon.out()).contains("Prometheus scrapes migmon meters from").contains(app.target());

        Cli.Result json = Cli.run("start", "--prometheus-url", url(), "--migration-id", "next-run", "--target",
                app.target(), "--output", "json");
        assertThat(json.exitCode()).as(json.toString()).isZero();
        JsonNode start = Schemas.parse(json.out());
        assertThat(start.path("schema").asText()).isEqualTo("migmon.start-result/v1");
        assertThat(start.path("ready").asBoolean()).isTrue();
        assertThat(start.path("prometheusVersion").asText()).startsWith("2.");
        assertThat(start.path("targets").toString()).contains(app.target());
    }

    static Map<String, JsonNode> byName(JsonNode json) {
        Map<String, JsonNode> m = new HashMap<>();
        json.path("checks").forEach(c -> m.put(c.path("name").asText(), c));
        return m;
    }
}
