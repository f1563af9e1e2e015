package io.migmon.cli.internal;

import io.migmon.core.metrics.MeterDefinition;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Every PromQL expression the command line sends, built from {@link MetricCatalog} names for the host's metrics
 * prefix ({@link MeterDefinition#prometheusName(String)}) and the catalog's tag keys; never retyped.
 */
public final class MetricQueries {

    private final String prefix;
    private final String migrationId;

    public MetricQueries(MetricsOptions options, String migrationId) {
        this.prefix = options.prefix();
        this.migrationId = migrationId;
    }

    /** The rendered series name of a catalog meter for this prefix. */
    public String name(MeterDefinition def) {
        return def.prometheusName(prefix);
    }

    /** {@code name{migration_id="id"}}. */
    public String ofMigration(MeterDefinition def) {
        return name(def) + "{" + MetricCatalog.MIGRATION_ID + "=\"" + escape(migrationId) + "\"}";
    }

    /** Raw samples of the status state set over the window: {@code migration_status{migration_id="id"}[w]}. */
    public String statusSamples(String window) {
        return ofMigration(MetricCatalog.MIGRATION_STATUS) + "[" + window + "]";
    }

    /** Raw samples of the data lag gauge over the window. */
    public String dataLagSamples(String window) {
        return ofMigration(MetricCatalog.MIGRATION_DATA_LAG) + "[" + window + "]";
    }

    /**
     * The run's total of a counter as last scraped within the window, summed over its other tags:
     * {@code sum(max_over_time(migration_rows_total{migration_id="id"}[w]))}. A counter's highest value in the
     * window is its latest value unless the process restarted; unlike {@code increase()} it also counts a counter
     * whose first sample was already above zero.
     */
    public String counterTotal(MeterDefinition counter, String window) {
        return "sum(max_over_time(" + ofMigration(counter) + "[" + window + "]))";
    }

    /** Totals of the anomalies counter by type and severity within the window. */
    public String anomaliesByType(String window) {
        return "sum by (" + MetricCatalog.TYPE + ", " + MetricCatalog.SEVERITY + ") (max_over_time("
                + ofMigration(MetricCatalog.MIGRATION_ANOMALIES) + "[" + window + "]))";
    }

    /** Raw samples of a health check's state set over the window. */
    public String healthSamples(String checkName, String window) {
        return name(MetricCatalog.HEALTH_STATUS) + "{" + MetricCatalog.CHECK + "=\"" + escape(checkName) + "\"}["
                + window + "]";
    }

    /**
     * The highest value of a CDC lag gauge within the window, over the series of the same scrape target as the
     * migration ({@code scope}: the migration's {@code job}/{@code instance} labels; empty for all).
     */
    public String maxOverWindow(MeterDefinition gauge, Map<String, String> scope, String window) {
        return "max(max_over_time(" + name(gauge) + selector(scope) + "[" + window + "]))";
    }

    /** The latest value of a gauge of this migration within the window. */
    public String latest(MeterDefinition gauge, String window) {
        return "max(last_over_time(" + ofMigration(gauge) + "[" + window + "]))";
    }

    /** The latest value of a CDC gauge of the scope within the window. */
    public String latestScoped(MeterDefinition gauge, Map<String, String> scope, String window) {
        return "max(last_over_time(" + name(gauge) + selector(scope) + "[" + window + "]))";
    }

    /** Migration ids known to Prometheus (for "did you mean" messages): {@code migration_status} label values. */
    public String knownMigrations(String window) {
        return "count by (" + MetricCatalog.MIGRATION_ID + ") (last_over_time(" + name(MetricCatalog.MIGRATION_STATUS)
                + "[" + window + "]))";
    }

    /** Scrape targets that carry any migmon migration meter: {@code count by (job, instance) (migration_status)}. */
    public String targetsWithMigmonMeters() {
        return "count by (job, instance) (" + name(MetricCatalog.MIGRATION_STATUS) + " or "
                + name(MetricCatalog.HEALTH_STATUS) + " or " + name(MetricCatalog.OBSERVABILITY_FAILURES) + ")";
    }

    /** The {@code up} series of one target (by instance), or of all targets. */
    public static String up(String instance) {
        return instance == null ? "up" : "up{instance=\"" + escape(instance) + "\"}";
    }

    static String selector(Map<String, String> scope) {
        if (scope.isEmpty()) {
            return "";
        }
        StringJoiner j = new StringJoiner(", ", "{", "}");
        scope.forEach((k, v) -> j.add(k + "=\"" + escape(v) + "\""));
        return j.toString();
    }

    /** Escapes a PromQL string literal's content. */
    public static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
