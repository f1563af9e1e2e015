package io.migmon.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.cli.internal.Check;
import io.migmon.cli.internal.CheckResult;
import io.migmon.cli.internal.MetricQueries;
import io.migmon.cli.internal.Secrets;
import io.migmon.cli.internal.Verdict;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** PromQL comes from the catalog with the prefix; renderings escape what CI systems would misread. */
class QueriesAndRenderingTest {

    @Test
    void everyQueryUsesTheCatalogNameWithThePrefixAndEscapesTheId() {
        MetricQueries q = new MetricQueries(MetricsOptions.builder().prefix("myapp.db").build(), "a\"b\\c");
        List<String> queries = List.of(q.statusSamples("15m"), q.dataLagSamples("15m"),
                q.counterTotal(MetricCatalog.MIGRATION_ROWS, "15m"), q.anomaliesByType("15m"),
                q.healthSamples("migration:x", "15m"), q.latest(MetricCatalog.MIGRATION_PROGRESS, "15m"),
                q.maxOverWindow(MetricCatalog.CDC_REPLICATION_LAG, Map.of("job", "j"), "15m"),
                q.knownMigrations("15m"), q.targetsWithMigmonMeters());
        for (String query : queries) {
            assertThat(query).as(query).containsPattern("myapp_db_(migration|migmon|cdc)_");
            for (var def : MetricCatalog.all()) { // no catalog name without its prefix
                assertThat(query).as(query).doesNotContainPattern("(?<![a-z_])" + def.prometheusName() + "(?![a-z_])");
            }
        }
        assertThat(q.statusSamples("15m")).isEqualTo("myapp_db_migration_status{migration_id=\"a\\\"b\\\\c\"}[15m]");
        assertThat(q.counterTotal(MetricCatalog.MIGRATION_ERRORS, "1h"))
                .isEqualTo("sum(max_over_time(myapp_db_migration_errors_total{migration_id=\"a\\\"b\\\\c\"}[1h]))");
        assertThat(new MetricQueries(MetricsOptions.defaults(), "x").ofMigration(MetricCatalog.MIGRATION_DATA_LAG))
                .isEqualTo(MetricCatalog.MIGRATION_DATA_LAG.prometheusName() + "{migration_id=\"x\"}");
    }

    @Test
    void annotationsAndMarkdownEscapeTheirSpecialCharacters() {
        CheckResult r = new CheckResult("m:1,2", "prometheus", "http://p/", "success", "15m", Instant.EPOCH,
                List.of(new Check("data_lag", Verdict.FAIL, 400, "400 s", "<= 300 s", 300, "seconds",
                                "100% over\nthe | limit"),
                        new Check("health", Verdict.WARN, Double.NaN, "DEGRADED", "not DOWN", Double.NaN, null, "slow")),
                null, null);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.annotations()).containsExactly(
                "::error title=migmon data_lag (m%3A1%2C2)::100%25 over%0Athe | limit",
                "::warning title=migmon health (m%3A1%2C2)::slow");
        assertThat(r.toMarkdown()).contains("| data_lag | 400 s | <= 300 s | FAIL | 100% over the \\| limit |");
    }

    @Test
    void exitCodesNeverPassOnMissingData() {
        Check pass = new Check("status", Verdict.PASS, Double.NaN, "success", "-", Double.NaN, null, "ok");
        Check unknown = new Check("data_lag", Verdict.UNKNOWN, Double.NaN, "no data", "<= 1 s", 1, "seconds", "none");
        Check fail = new Check("errors", Verdict.FAIL, 3, "3", "<= 0", 0, "errors", "3 errors");
        assertThat(result(List.of(pass)).exitCode()).isZero();
        assertThat(result(List.of(pass, unknown)).exitCode()).isEqualTo(2);
        assertThat(result(List.of(pass, unknown, fail)).exitCode()).isEqualTo(1);
        assertThat(result(List.of()).exitCode()).as("no checks at all").isEqualTo(2);
    }

    @Test
    void urlsArePrintedWithoutCredentials() {
        assertThat(Secrets.url(URI.create("https://admin:pw@prom.example:9443/prometheus?token=abc#x")))
                .isEqualTo("https://prom.example:9443/prometheus");
        assertThat(Secrets.redact("failed for token abc123", "abc123")).isEqualTo("failed for token [hidden]");
    }

    @Test
    void completionScriptIsGenerated() {
        Cli.Result r = Cli.run("generate-completion");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("_picocli_migmon").contains("check").contains("watch");
    }

    private static CheckResult result(List<Check> checks) {
        return new CheckResult("m", "report", "f", "success", null, Instant.EPOCH, checks, null, null);
    }
}
