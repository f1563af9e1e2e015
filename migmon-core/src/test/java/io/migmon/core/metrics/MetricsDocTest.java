package io.migmon.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Keeps docs/metrics.md generated from the catalog. When it fails, regenerate with
 * {@code mvn -pl migmon-core test -Dtest=MetricsDocTest -Dmigmon.docs.regenerate=true} and commit the result.
 */
class MetricsDocTest {

    private static final Path DOC = Path.of("..", "docs", "metrics.md");

    @Test
    void docsListEveryCatalogMeterExactly() throws IOException {
        String generated = generate();
        if (Boolean.getBoolean("migmon.docs.regenerate")) {
            Files.writeString(DOC, generated, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(DOC, StandardCharsets.UTF_8))
                .as("docs/metrics.md is out of date; regenerate with -Dmigmon.docs.regenerate=true (see Javadoc)")
                .isEqualTo(generated);
    }

    static String generate() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Metrics reference\n\n")
                .append("Generated from `io.migmon.core.metrics.MetricCatalog` by `MetricsDocTest`; do not edit by hand.\n")
                .append("Prometheus names are what `micrometer-registry-prometheus` renders for the default (unprefixed)\n")
                .append("catalog; they are public API and pinned by `MetricCatalogRenderingTest`. With a prefix `p`\n")
                .append("(`MetricsOptions.builder().prefix(\"p\")`) every name becomes `p_<name>`.\n\n")
                .append("Histograms also expose `_bucket`, `_count`, `_sum` and a `_max` gauge. Tags marked * take values from\n")
                .append("input (table, collection, topic names) and are capped per tag (default 100 distinct values, then `other`).\n\n")
                .append("| Prometheus name | type | unit | tags | Micrometer name | buckets | description |\n")
                .append("|---|---|---|---|---|---|---|\n");
        for (MeterDefinition d : MetricCatalog.all()) {
            String type = switch (d.type()) {
                case COUNTER -> "counter";
                case GAUGE -> "gauge";
                case TIMER, DISTRIBUTION_SUMMARY -> "histogram";
            };
            String tags = d.tagKeys().stream().map(k -> "`" + k + "`" + (d.boundedTagKeys().contains(k) ? "*" : ""))
                    .collect(Collectors.joining(", "));
            String buckets = Arrays.stream(d.buckets()).mapToObj(b -> b == Math.rint(b) ? Long.toString((long) b) : Double.toString(b))
                    .collect(Collectors.joining(", "));
            sb.append("| `").append(d.prometheusName()).append("` | ").append(type).append(" | ")
                    .append(d.baseUnit() == null ? "" : d.baseUnit()).append(" | ").append(tags).append(" | `")
                    .append(d.name()).append("` | ").append(buckets).append(" | ")
                    .append(d.description().replace("|", "\\|")).append(" |\n");
        }
        return sb.toString();
    }
}
