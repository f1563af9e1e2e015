package io.migmon.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.testing.ExternalTools;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Pins every catalog meter's rendered Prometheus name, type and label set: metric names are public API. */
class MetricCatalogRenderingTest {

    /** The seed names, typed and labelled exactly as the issue lists them. */
    private static final Map<String, String> SEED = Map.of(
            "migration_duration_seconds", "histogram migration_id,status",
            "migration_rows_total", "counter migration_id,table_name",
            "migration_errors_total", "counter error_type,migration_id",
            "migration_data_lag_seconds", "gauge migration_id",
            "mongodb_migration_duration_seconds", "histogram status,version",
            "mongodb_migration_documents_total", "counter collection,version",
            "mongodb_migration_errors_total", "counter error_type,version",
            "cdc_events_processed_total", "counter operation,processor,source,table",
            "cdc_consumer_lag_messages", "gauge partition,processor,topic",
            "cdc_replication_lag_seconds", "gauge processor,source_table,target_table");

    @Test
    void everyCatalogMeterRendersWithItsPinnedNameTypeAndLabels() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MigmonMeters meters = MigmonMeters.create(registry);
        registerAll(meters);
        String scrape = registry.scrape();
        Map<String, String> rendered = parse(scrape);

        for (MeterDefinition def : MetricCatalog.all()) {
            String expectedType = switch (def.type()) {
                case COUNTER -> "counter";
                case GAUGE -> "gauge";
                case TIMER, DISTRIBUTION_SUMMARY -> "histogram";
            };
            Set<String> labels = new TreeSet<>(def.tagKeys());
            String expected = (expectedType + " " + String.join(",", labels)).trim();
            assertThat(rendered).as("rendered series of %s", def).containsEntry(def.prometheusName(), expected);
        }
        SEED.forEach((name, typeAndLabels) ->
                assertThat(rendered).as("seed meter %s", name).containsEntry(name, typeAndLabels));
    }

    @Test
    void transactionMetadataMetersArePinned() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registerAll(MigmonMeters.create(registry));
        Map<String, String> rendered = parse(registry.scrape());
        assertThat(rendered).containsEntry("cdc_transaction_apply_lag_seconds", "histogram processor,source")
                .containsEntry("cdc_transactions_evicted_total", "counter processor,reason,source");
    }

    /**
     * migmon-verify's meters: a verification is identified by its name and its table (issue 17: two verifiers of one
     * table against different targets shared one series).
     */
    @Test
    void validationMetersArePinned() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registerAll(MigmonMeters.create(registry));
        Map<String, String> rendered = parse(registry.scrape());
        assertThat(rendered).containsEntry("migration_validation_rows_total", "counter table,verification")
                .containsEntry("migration_validation_mismatches_total", "counter kind,table,verification")
                .containsEntry("migration_validation_duration_seconds", "histogram status,table,verification")
                .containsEntry("migration_validation_progress_ratio", "gauge table,verification")
                .containsEntry("migration_validation_eta_seconds", "gauge table,verification")
                .containsEntry("migration_validation_differences", "gauge table,verification")
                .containsEntry("migration_validation_in_flight", "gauge table,verification");
    }

    @Test
    void histogramsHaveTheCatalogBuckets() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registerAll(MigmonMeters.create(registry));
        String scrape = registry.scrape();
        for (String le : List.of("60.0", "300.0", "600.0", "1800.0", "3600.0", "+Inf")) {
            assertThat(scrape).contains("migration_duration_seconds_bucket{migration_id=\"m\",status=\"v\",le=\"" + le + "\"}");
        }
        for (String le : List.of("1.0", "5.0", "15.0", "30.0", "60.0", "300.0", "+Inf")) {
            assertThat(scrape).contains("mongodb_migration_duration_seconds_bucket{status=\"v\",version=\"v\",le=\"" + le + "\"}");
        }
    }

    @Test
    void everyMeterHasADescriptionAndPromtoolAcceptsTheScrape() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registerAll(MigmonMeters.create(registry));
        String scrape = registry.scrape();
        for (MeterDefinition def : MetricCatalog.all()) {
            assertThat(def.description()).isNotBlank();
            assertThat(scrape).contains("# HELP " + def.prometheusName() + " " + def.description());
        }
        ExternalTools.assertPromtoolAcceptsMetrics(scrape);
    }

    @Test
    void prefixIsPrependedToEveryName() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        MetricsOptions options = MetricsOptions.builder().prefix("shop").build();
        registerAll(MigmonMeters.create(registry, options));
        Map<String, String> rendered = parse(registry.scrape());
        for (MeterDefinition def : MetricCatalog.all()) {
            assertThat(rendered).containsKey(def.prometheusName("shop"));
        }
    }

    @Test
    void catalogNamesAreUnique() {
        Set<String> names = new LinkedHashSet<>();
        Set<String> prom = new LinkedHashSet<>();
        for (MeterDefinition def : MetricCatalog.all()) {
            assertThat(names.add(def.name())).as("duplicate name %s", def.name()).isTrue();
            assertThat(prom.add(def.prometheusName())).as("duplicate prometheus name %s", def.prometheusName()).isTrue();
        }
        assertThat(MetricCatalog.byName("migration.rows")).contains(MetricCatalog.MIGRATION_ROWS);
    }

    static void registerAll(MigmonMeters meters) {
        for (MeterDefinition def : MetricCatalog.all()) {
            List<String> kv = new ArrayList<>();
            for (String key : def.tagKeys()) {
                kv.add(key);
                kv.add(key.equals("migration_id") ? "m" : "v");
            }
            String[] tags = kv.toArray(String[]::new);
            switch (def.type()) {
                case COUNTER -> meters.counter(def, tags).increment();
                case GAUGE -> meters.gauge(def, new Object(), o -> 1.0, tags);
                case TIMER -> meters.timer(def, tags).record(java.time.Duration.ofSeconds(2));
                case DISTRIBUTION_SUMMARY -> meters.summary(def, tags).record(1);
            }
        }
    }

    private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$", Pattern.MULTILINE);
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([^}]*)\\})? ", Pattern.MULTILINE);

    /** family name as it appears in samples -> "type label1,label2" (labels sorted, le excluded). */
    static Map<String, String> parse(String scrape) {
        Map<String, String> types = new TreeMap<>();
        Matcher t = TYPE.matcher(scrape);
        while (t.find()) {
            types.put(t.group(1), t.group(2));
        }
        Map<String, String> out = new TreeMap<>();
        Matcher s = SAMPLE.matcher(scrape);
        while (s.find()) {
            String sample = s.group(1);
            Set<String> labels = new TreeSet<>();
            if (s.group(3) != null) {
                for (String pair : s.group(3).split(",(?=[a-zA-Z_]+=)")) {
                    String key = pair.substring(0, pair.indexOf('='));
                    if (!key.equals("le")) {
                        labels.add(key);
                    }
                }
            }
            String family = familyOf(sample, types);
            String type = types.get(family);
            String name = type != null && type.equals("histogram") ? family : sample;
            if (type != null && type.equals("counter") && !sample.endsWith("_created")) {
                name = sample;
            }
            if (sample.endsWith("_created")) {
                continue;
            }
            out.putIfAbsent(name, (type + " " + String.join(",", labels)).trim());
        }
        return out;
    }

    private static String familyOf(String sample, Map<String, String> types) {
        if (types.containsKey(sample)) {
            return sample;
        }
        for (String suffix : List.of("_bucket", "_count", "_sum", "_total", "_created")) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                if (types.containsKey(base)) {
                    return base;
                }
            }
        }
        return sample;
    }
}
