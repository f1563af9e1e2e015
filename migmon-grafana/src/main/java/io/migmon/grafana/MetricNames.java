package io.migmon.grafana;

import io.migmon.core.metrics.MeterDefinition;
import io.migmon.core.metrics.MeterType;
import io.migmon.core.metrics.MetricsOptions;
import java.util.Objects;

/**
 * Prometheus series names of {@link io.migmon.core.metrics.MetricCatalog} meters for a host's {@link MetricsOptions}
 * (prefix applied exactly as Micrometer's Prometheus registry renders it). Dashboards and alert rules take every
 * name from here, so they cannot drift from what the code registers. Immutable.
 */
public final class MetricNames {

    private final MetricsOptions options;

    private MetricNames(MetricsOptions options) {
        this.options = Objects.requireNonNull(options, "metricsOptions must not be null");
    }

    /** Names for the catalog as registered with {@code options}. */
    public static MetricNames of(MetricsOptions options) {
        return new MetricNames(options);
    }

    /** Names for the default (unprefixed) catalog. */
    public static MetricNames defaults() {
        return new MetricNames(MetricsOptions.defaults());
    }

    /** The options whose prefix is applied. */
    public MetricsOptions options() {
        return options;
    }

    /** The series name, e.g. {@code migration_rows_total} or {@code myapp_migration_rows_total}. */
    public String name(MeterDefinition def) {
        return def.prometheusName(options.prefix());
    }

    /** {@code <name>_bucket} of a timer or distribution summary. */
    public String bucket(MeterDefinition def) {
        return histogram(def) + "_bucket";
    }

    /** {@code <name>_count} of a timer or distribution summary. */
    public String count(MeterDefinition def) {
        return histogram(def) + "_count";
    }

    /** {@code <name>_sum} of a timer or distribution summary. */
    public String sum(MeterDefinition def) {
        return histogram(def) + "_sum";
    }

    private String histogram(MeterDefinition def) {
        if (def.type() != MeterType.TIMER && def.type() != MeterType.DISTRIBUTION_SUMMARY) {
            throw new IllegalArgumentException(def.name() + " is a " + def.type() + ", not a histogram");
        }
        return name(def);
    }

    @Override
    public String toString() {
        return "MetricNames{prefix='" + options.prefix() + "'}";
    }
}
