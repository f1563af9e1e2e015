package io.migmon.grafana.rules;

import static io.migmon.core.metrics.MetricCatalog.CDC_CONNECTOR_STATE;
import static io.migmon.core.metrics.MetricCatalog.CDC_CONSUMER_LAG;
import static io.migmon.core.metrics.MetricCatalog.CDC_CONSUMER_LAG_SECONDS;
import static io.migmon.core.metrics.MetricCatalog.CDC_EVENTS_PROCESSED;
import static io.migmon.core.metrics.MetricCatalog.CDC_REPLICATION_LAG;
import static io.migmon.core.metrics.MetricCatalog.CDC_TRANSACTION_APPLY_LAG;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_DATA_LAG;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_ERRORS;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_LAST_PROGRESS;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_ROWS;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_STATUS;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_THROUGHPUT;

import io.migmon.core.MigrationStatus;
import io.migmon.core.anomaly.ErrorRateDetector;
import io.migmon.core.anomaly.LowThroughputDetector;
import io.migmon.core.anomaly.StallDetector;
import io.migmon.core.health.LagThresholds;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.grafana.MetricNames;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * migmon's Prometheus alerting rules, every expression built from {@link io.migmon.core.metrics.MetricCatalog}
 * names for the host's {@link MetricsOptions}. Two groups:
 *
 * <ul>
 *   <li>{@code migmon-migrations}: {@code low_throughput} (warning: rows per second below
 *       {@link Builder#throughputFactor(double) 0.4x} the expected throughput while running, the default ratio
 *       of {@link LowThroughputDetector#DEFAULT_RATIO the detector}),
 *       {@code high_error_rate} (critical: errors per row above {@link Builder#errorRatio(double) 1%}),
 *       {@code high_data_lag} (warning: {@code migration_data_lag_seconds} above
 *       {@link Builder#lagThreshold(Duration) 300 s}), {@code stall} (warning: running without
 *       progress for {@link Builder#stallAfter(Duration) 10 min}), {@code migration_failed} (critical:
 *       {@code migration_status{status="failed"} == 1}), {@code validation_differences} (critical: the latest
 *       migmon-verify run of a verification found differences, {@code migration_validation_differences > 0}, by
 *       verification and table);</li>
 *   <li>{@code migmon-cdc}: {@code cdc_stall} (critical: consumer lag but no event processed),
 *       {@code cdc_high_consumer_lag} and {@code cdc_high_replication_lag} (warning: above the lag threshold; a
 *       partition's consumer lag and a table's replication lag held through a
 *       {@link Builder#lagGapWindow(Duration) gap} (2 min) in which no member reads a number for it, e.g. a
 *       rebalance),
 *       {@code cdc_high_transaction_apply_lag} (warning: the 95th percentile of
 *       {@code cdc_transaction_apply_lag_seconds} over the rate window above the lag threshold, per source),
 *       {@code cdc_connector_failed} (critical: a connector in state FAILED), {@code cdc_processor_down}
 *       (critical: {@code cdc_processor_up == 0}, the processor was closed or its poll loop failed) and
 *       {@code cdc_processor_absent} (critical: a processor that reported {@code cdc_processor_up} within the
 *       {@link Builder#absentWindow(Duration) absent window} (1 h) no longer does: the host stopped or stopped being
 *       scraped, and with it every lag series of the processor vanished).</li>
 * </ul>
 *
 * "Expected throughput" is a fixed rate when {@link Builder#expectedRowsPerSecond(double)} is set, otherwise the
 * migration's own average throughput ({@code migration_throughput_rows_per_second}) over the
 * {@link Builder#baselineWindow(Duration) baseline window} (1 h). Immutable; build with {@link #builder()}.
 */
public final class MigmonAlertRules {

    // Alert names: one snake_case vocabulary with core's anomaly types and the embedded alert dispatcher
    // (AnomalyAlerts names an alert after the anomaly type). Where a rule and a detector judge the same condition
    // they share the name, so that one Alertmanager route or inhibit rule covers both. See docs/grafana.md.
    /** Rows per second below the expected rate: the name of {@link LowThroughputDetector#TYPE}. */
    public static final String LOW_THROUGHPUT = LowThroughputDetector.TYPE;
    /** Errors per row above the ratio: the name of {@link ErrorRateDetector#TYPE}. */
    public static final String HIGH_ERROR_RATE = ErrorRateDetector.TYPE;
    /** Running without progress: the name of {@link StallDetector#TYPE}. */
    public static final String STALL = StallDetector.TYPE;
    /** {@code migration_data_lag_seconds} above the lag threshold (no detector: {@code lag_trend} is a trend). */
    public static final String HIGH_DATA_LAG = "high_data_lag";
    /** The last run failed. */
    public static final String MIGRATION_FAILED = "migration_failed";
    /** The latest verification (migmon-verify) of a table found verified differences. */
    public static final String VALIDATION_DIFFERENCES = "validation_differences";
    /** CDC consumer lag but no event processed. */
    public static final String CDC_STALL = "cdc_stall";
    /** CDC consumer lag in seconds above the lag threshold. */
    public static final String CDC_HIGH_CONSUMER_LAG = "cdc_high_consumer_lag";
    /** CDC replication lag above the lag threshold. */
    public static final String CDC_HIGH_REPLICATION_LAG = "cdc_high_replication_lag";
    /** p95 apply lag of whole source transactions (transaction metadata) above the lag threshold. */
    public static final String CDC_HIGH_TRANSACTION_APPLY_LAG = "cdc_high_transaction_apply_lag";
    /** A Kafka Connect connector in state FAILED. */
    public static final String CDC_CONNECTOR_FAILED = "cdc_connector_failed";

    /** A CDC processor reports {@code cdc_processor_up == 0} (closed, or its poll loop failed). */
    public static final String CDC_PROCESSOR_DOWN = "cdc_processor_down";
    /** A CDC processor's {@code cdc_processor_up} series, present within the absent window, is gone. */
    public static final String CDC_PROCESSOR_ABSENT = "cdc_processor_absent";

    /** Name of the migration rule group. */
    public static final String MIGRATIONS_GROUP = "migmon-migrations";
    /** Name of the CDC rule group. */
    public static final String CDC_GROUP = "migmon-cdc";

    private static final Pattern LABEL = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private final MetricNames names;
    private final Duration rateWindow;
    private final double throughputFactor;
    private final Double expectedRowsPerSecond;
    private final Duration baselineWindow;
    private final double errorRatio;
    private final Duration lagThreshold;
    private final Duration stallAfter;
    private final Duration pending;
    private final Duration absentWindow;
    private final Duration lagGapWindow;
    private final Map<String, String> extraLabels;
    private final String runbookBaseUrl;
    private final boolean valueInAnnotations;
    private final List<RuleGroup> groups;

    private MigmonAlertRules(Builder b) {
        this.names = MetricNames.of(b.options);
        this.rateWindow = b.rateWindow;
        this.throughputFactor = b.throughputFactor;
        this.expectedRowsPerSecond = b.expectedRowsPerSecond;
        this.baselineWindow = b.baselineWindow;
        this.errorRatio = b.errorRatio;
        this.lagThreshold = b.lagThreshold;
        this.stallAfter = b.stallAfter;
        this.pending = b.pending;
        this.absentWindow = b.absentWindow;
        this.lagGapWindow = b.lagGapWindow;
        this.extraLabels = Map.copyOf(b.extraLabels);
        this.runbookBaseUrl = b.runbookBaseUrl;
        this.valueInAnnotations = b.valueInAnnotations;
        this.groups = List.of(migrationGroup(), cdcGroup());
    }

    /** A builder with the defaults described in the class comment. */
    public static Builder builder() {
        return new Builder();
    }

    /** The rules with every default. */
    public static MigmonAlertRules defaults() {
        return builder().build();
    }

    /** Both groups. */
    public List<RuleGroup> groups() {
        return groups;
    }

    /** Every rule of every group. */
    public List<AlertRule> rules() {
        return groups.stream().flatMap(g -> g.rules().stream()).toList();
    }

    /** The rule with this alert name. */
    public AlertRule rule(String alert) {
        return rules().stream().filter(r -> r.alert().equals(alert)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no alert named '" + alert + "'"));
    }

    /** A Prometheus rule file with both groups. */
    public String toRuleFileYaml() {
        return RuleFiles.ruleFile(groups);
    }

    /** The same groups as a Kubernetes {@code PrometheusRule} resource. */
    public String toPrometheusRuleYaml(String name, String namespace, Map<String, String> labels) {
        return RuleFiles.prometheusRule(name, namespace, labels, groups);
    }

    private RuleGroup migrationGroup() {
        String w = "[" + RuleFiles.duration(rateWindow) + "]";
        String running = "max by (migration_id) (" + names.name(MIGRATION_STATUS) + "{status=\""
                + MigrationStatus.RUNNING.tagValue() + "\"}) == 1";
        String rowsRate = "sum by (migration_id) (rate(" + names.name(MIGRATION_ROWS) + w + "))";
        String expected = expectedRowsPerSecond != null ? num(expectedRowsPerSecond)
                : "avg by (migration_id) (avg_over_time(" + names.name(MIGRATION_THROUGHPUT) + "["
                        + RuleFiles.duration(baselineWindow) + "]))";
        List<AlertRule> rules = new ArrayList<>();
        rules.add(rule(LOW_THROUGHPUT, "warning",
                rowsRate + " < " + num(throughputFactor) + " * " + expected + " and on (migration_id) " + running,
                pending.multipliedBy(2),
                "Migration {{ $labels.migration_id }} is slower than expected",
                "Rows per second over " + RuleFiles.duration(rateWindow) + " are below " + num(throughputFactor)
                        + "x the expected throughput: " + (expectedRowsPerSecond != null ? num(expectedRowsPerSecond)
                        + " rows/s" : "its own average over " + RuleFiles.duration(baselineWindow))
                        + value(" (now {{ $value | humanize }} rows/s)")));
        rules.add(rule(HIGH_ERROR_RATE, "critical",
                "sum by (migration_id) (rate(" + names.name(MIGRATION_ERRORS) + w + ")) / " + rowsRate + " > "
                        + num(errorRatio),
                pending,
                "Migration {{ $labels.migration_id }} has an error rate above " + percent(errorRatio),
                "Errors per migrated row over " + RuleFiles.duration(rateWindow) + " exceed " + percent(errorRatio)
                        + value(" (now {{ $value | humanizePercentage }})")));
        rules.add(rule(HIGH_DATA_LAG, "warning",
                "max by (migration_id) (" + names.name(MIGRATION_DATA_LAG) + ") > " + lagThreshold.getSeconds(),
                pending,
                "Migration {{ $labels.migration_id }} data lags the source by more than "
                        + RuleFiles.duration(lagThreshold),
                names.name(MIGRATION_DATA_LAG) + " is above " + lagThreshold.getSeconds() + " s"
                        + value(" (now {{ $value | humanizeDuration }})")));
        rules.add(rule(STALL, "warning",
                "(time() - max by (migration_id) (" + names.name(MIGRATION_LAST_PROGRESS) + ")) > "
                        + stallAfter.getSeconds() + " and on (migration_id) " + running,
                pending,
                "Migration {{ $labels.migration_id }} is running without progress",
                "No rows recorded for more than " + RuleFiles.duration(stallAfter) + " while the status is running"
                        + value(" (last progress {{ $value | humanizeDuration }} ago)")));
        rules.add(rule(MIGRATION_FAILED, "critical",
                names.name(MIGRATION_STATUS) + "{status=\"" + MigrationStatus.FAILED.tagValue() + "\"} == 1",
                Duration.ZERO,
                "Migration {{ $labels.migration_id }} failed",
                "The last run of migration {{ $labels.migration_id }} ended with status failed"));
        rules.add(rule(VALIDATION_DIFFERENCES, "critical",
                "max by (verification, table) (" + names.name(MetricCatalog.VALIDATION_DIFFERENCES) + ") > 0",
                Duration.ZERO,
                "Target differs from source in {{ $labels.table }} ({{ $labels.verification }})",
                "The latest migmon-verify run of verification {{ $labels.verification }} (table {{ $labels.table }}) "
                        + "found verified differences between source and target: do not cut over"
                        + value(" ({{ $value }} rows)")));
        return new RuleGroup(MIGRATIONS_GROUP, null, rules);
    }

    private RuleGroup cdcGroup() {
        String w = "[" + RuleFiles.duration(rateWindow) + "]";
        List<AlertRule> rules = new ArrayList<>();
        // per processor (and per instance of one processor name): summed over all, one flowing processor's rate
        // masked another's stall (issue 11, finding 11). "unless ... > 0" also covers a processor whose counter does
        // not exist yet (nothing ever processed).
        String by = "by (processor, instance) ";
        rules.add(rule(CDC_STALL, "critical",
                "sum " + by + "(" + names.name(CDC_CONSUMER_LAG) + ") > 0 unless on (processor, instance) (sum " + by
                        + "(rate(" + names.name(CDC_EVENTS_PROCESSED) + w + ")) > 0)",
                pending.multipliedBy(2),
                "CDC pipeline stalled: consumer lag but no change event processed",
                "Records are waiting (" + names.name(CDC_CONSUMER_LAG) + " > 0) but no event was processed in the last "
                        + RuleFiles.duration(rateWindow) + value(" ({{ $value }} records waiting)")));
        // the same rebalance gap per partition (the member that reads a partition changes; its old series NaN or
        // gone): a partition's lag as read now when any member reads a number for it, else its highest read within
        // the gap window; then the topic's highest partition. Per partition, not per topic: the topic's other
        // partitions read numbers all through a rebalance and would hide the moved one's high lag
        String consumer = names.name(CDC_CONSUMER_LAG_SECONDS);
        String partition = "by (processor, topic, partition) ";
        rules.add(rule(CDC_HIGH_CONSUMER_LAG, "warning",
                "max by (processor, topic) (max " + partition + "(" + consumer + " >= 0) or (max " + partition
                        + "(max_over_time(" + consumer + "[" + RuleFiles.duration(lagGapWindow) + "])) unless on"
                        + " (processor, topic, partition) max " + partition + "(" + consumer + " >= 0))) > "
                        + lagThreshold.getSeconds(),
                pending,
                "CDC consumer lag on {{ $labels.topic }} above " + RuleFiles.duration(lagThreshold),
                "The oldest unconsumed record of topic {{ $labels.topic }} is older than "
                        + lagThreshold.getSeconds() + " s" + value(" (now {{ $value | humanizeDuration }})")
                        + "; while no member reads a number for a partition (NaN or no series, e.g. during a"
                        + " rebalance) its highest read within the last " + RuleFiles.duration(lagGapWindow)
                        + " counts"));
        // a rebalance leaves a table with no number for a moment (the old owner's series NaN or gone, the new
        // owner's not there until its first lag refresh): the lag as read now when any member reads a number (a
        // true drop resolves at once), else the highest read within the gap window, so that the gap neither
        // resolves a firing alert nor restarts a pending one's for (issue 16 leftover, see docs/grafana.md)
        String table = "by (processor, source_table, target_table) ";
        String replication = names.name(CDC_REPLICATION_LAG);
        String threshold = Long.toString(lagThreshold.getSeconds());
        rules.add(rule(CDC_HIGH_REPLICATION_LAG, "warning",
                "max " + table + "(" + replication + ") > " + threshold + " or (max " + table + "(max_over_time("
                        + replication + "[" + RuleFiles.duration(lagGapWindow) + "])) > " + threshold
                        + " unless on (processor, source_table, target_table) max " + table + "(" + replication
                        + " >= 0))",
                pending,
                "CDC replication lag {{ $labels.source_table }} -> {{ $labels.target_table }} above "
                        + RuleFiles.duration(lagThreshold),
                "Changes reach the target more than " + threshold + " s after the source commit"
                        + value(" (now {{ $value | humanizeDuration }})") + "; while no member reads a number for"
                        + " the table (NaN or no series, e.g. during a rebalance) the highest read within the last "
                        + RuleFiles.duration(lagGapWindow) + " counts"));
        // transactions completed in the window only: none completed gives NaN, which never fires (a stalled
        // pipeline is cdc_stall's and cdc_high_replication_lag's to catch)
        rules.add(rule(CDC_HIGH_TRANSACTION_APPLY_LAG, "warning",
                "histogram_quantile(0.95, sum by (processor, source, le) (rate(" + names.bucket(CDC_TRANSACTION_APPLY_LAG) + w
                        + "))) > " + lagThreshold.getSeconds(),
                pending,
                "CDC transactions from {{ $labels.source }} applied more than " + RuleFiles.duration(lagThreshold)
                        + " after their source commit",
                "The 95th percentile of the apply lag of whole source transactions from {{ $labels.source }} ("
                        + names.name(CDC_TRANSACTION_APPLY_LAG) + ", transaction metadata) over the last "
                        + RuleFiles.duration(rateWindow) + " is above " + lagThreshold.getSeconds() + " s"
                        + value(" (now {{ $value | humanizeDuration }})")));
        rules.add(rule(CDC_CONNECTOR_FAILED, "critical",
                names.name(CDC_CONNECTOR_STATE) + "{state=~\"FAILED|UNREACHABLE\"} == 1",
                Duration.ofMinutes(1),
                "CDC connector {{ $labels.connector }} failed or cannot be seen ({{ $labels.state }})",
                "Kafka Connect reports connector {{ $labels.connector }} in state FAILED, or its worker does not"
                        + " answer the status request (UNREACHABLE: the connector's state is unknown)"));
        String up = names.name(MetricCatalog.CDC_PROCESSOR_UP);
        rules.add(rule(CDC_PROCESSOR_DOWN, "critical",
                up + " == 0",
                pending,
                "CDC processor {{ $labels.processor }} is down",
                "CDC processor {{ $labels.processor }} was closed or its poll loop failed: changes are not applied "
                        + "and its lag series are gone (only " + up + " stays registered)"));
        // scoped to processors seen within the window: a bare absent() would fire wherever no CDC runs at all
        rules.add(rule(CDC_PROCESSOR_ABSENT, "critical",
                "max_over_time(" + up + "[" + RuleFiles.duration(absentWindow) + "]) unless " + up,
                pending,
                "CDC processor {{ $labels.processor }} no longer reports",
                "CDC processor {{ $labels.processor }} reported " + up + " within the last "
                        + RuleFiles.duration(absentWindow) + " but no longer does: its host stopped or is not "
                        + "scraped, and none of its lag series can fire"));
        return new RuleGroup(CDC_GROUP, null, rules);
    }

    private AlertRule rule(String alert, String severity, String expr, Duration forDuration, String summary,
            String description) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("severity", severity);
        labels.put("component", "migmon");
        labels.putAll(new java.util.TreeMap<>(extraLabels));
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("summary", summary);
        annotations.put("description", description);
        if (runbookBaseUrl != null) {
            annotations.put("runbook_url", runbookBaseUrl + alert.toLowerCase(Locale.ROOT));
        }
        return new AlertRule(alert, expr, forDuration, labels, annotations);
    }

    private String value(String text) {
        return valueInAnnotations ? text : "";
    }

    private static String num(double d) {
        if (d == Math.rint(d) && Math.abs(d) < 1e15) {
            return Long.toString((long) d);
        }
        return Double.toString(d);
    }

    private static String percent(double ratio) {
        return num(ratio * 100) + "%";
    }

    @Override
    public String toString() {
        return "MigmonAlertRules{" + names + ", errorRatio=" + errorRatio + ", throughputFactor=" + throughputFactor
                + ", lag=" + lagThreshold + ", stallAfter=" + stallAfter + "}";
    }

    /** Builder of {@link MigmonAlertRules}; not thread-safe. Every threshold is validated with a clear message. */
    public static final class Builder {
        private MetricsOptions options = MetricsOptions.defaults();
        private Duration rateWindow = Duration.ofMinutes(5);
        private double throughputFactor = LowThroughputDetector.DEFAULT_RATIO;
        private Double expectedRowsPerSecond;
        private Duration baselineWindow = Duration.ofHours(1);
        private double errorRatio = 0.01;
        private Duration lagThreshold = LagThresholds.CRITICAL;
        private Duration stallAfter = Duration.ofMinutes(10);
        private Duration pending = Duration.ofMinutes(5);
        private Duration absentWindow = Duration.ofHours(1);
        private Duration lagGapWindow = Duration.ofMinutes(2);
        private final Map<String, String> extraLabels = new LinkedHashMap<>();
        private String runbookBaseUrl;
        private boolean valueInAnnotations = true;

        private Builder() {
        }

        /** The options the host registers migmon's meters with (prefix). */
        public Builder metricsOptions(MetricsOptions value) {
            this.options = Objects.requireNonNull(value, "metricsOptions must not be null");
            return this;
        }

        /** Window of the {@code rate(...)} expressions (default 5 min). */
        public Builder rateWindow(Duration window) {
            this.rateWindow = wholeSeconds(window, "rateWindow");
            return this;
        }

        /**
         * Throughput below this fraction of the expected throughput warns (default
         * {@link LowThroughputDetector#DEFAULT_RATIO}, 0.4, the detector's own default; 0.5 until 2026-11-27; between
         * 0 and 1, exclusive).
         */
        public Builder throughputFactor(double factor) {
            if (!(factor > 0 && factor < 1)) {
                throw new IllegalArgumentException("throughputFactor must be between 0 and 1 (exclusive), was "
                        + factor);
            }
            this.throughputFactor = factor;
            return this;
        }

        /** A fixed expected throughput in rows per second; by default each migration's own average is used. */
        public Builder expectedRowsPerSecond(double rowsPerSecond) {
            if (!(rowsPerSecond > 0) || !Double.isFinite(rowsPerSecond)) {
                throw new IllegalArgumentException("expectedRowsPerSecond must be a positive number, was "
                        + rowsPerSecond);
            }
            this.expectedRowsPerSecond = rowsPerSecond;
            return this;
        }

        /** Window of the throughput baseline when no fixed expectation is set (default 1 h). */
        public Builder baselineWindow(Duration window) {
            this.baselineWindow = wholeSeconds(window, "baselineWindow");
            return this;
        }

        /** Errors per migrated row above which the error-rate alert fires (default 0.01 = 1%; between 0 and 1, exclusive). */
        public Builder errorRatio(double ratio) {
            if (!(ratio > 0 && ratio < 1)) {
                throw new IllegalArgumentException("errorRatio must be between 0 and 1 (exclusive), was " + ratio);
            }
            this.errorRatio = ratio;
            return this;
        }

        /**
         * How far back {@code cdc_processor_absent} looks for processors that reported {@code cdc_processor_up}
         * (default 1 h): a processor gone for longer than this no longer alerts.
         */
        public Builder absentWindow(Duration window) {
            this.absentWindow = wholeSeconds(window, "absentWindow");
            return this;
        }

        /**
         * How long {@code cdc_high_replication_lag} holds a table's last high reading (and
         * {@code cdc_high_consumer_lag} a partition's) while no member of the processor reads a number for it (every series NaN or gone: a rebalance moving the table, the new owner
         * not having read it yet), default 2 min. Within it a firing alert keeps firing and a pending one keeps its
         * {@code for} running; a table nobody reads for longer resolves. A number read again (any member) is used
         * at once, so a true recovery resolves without this delay. Make it longer than a scrape interval plus the
         * longest rebalance (a crashed member's partitions move after the group's session timeout, 45 s by
         * default).
         */
        public Builder lagGapWindow(Duration window) {
            this.lagGapWindow = wholeSeconds(window, "lagGapWindow");
            return this;
        }

        /** Data, consumer and replication lag above which the lag alerts fire (default {@link LagThresholds#CRITICAL}, 300 s). */
        public Builder lagThreshold(Duration threshold) {
            this.lagThreshold = wholeSeconds(threshold, "lagThreshold");
            return this;
        }

        /** Time without progress after which a running migration counts as stalled (default 10 min). */
        public Builder stallAfter(Duration after) {
            this.stallAfter = wholeSeconds(after, "stallAfter");
            return this;
        }

        /**
         * How long a condition must hold before most alerts fire ({@code for}, default 5 min; throughput and
         * pipeline-stalled use twice this, migration-failed fires at once).
         */
        public Builder pending(Duration forDuration) {
            if (forDuration == null || forDuration.isNegative() || forDuration.getNano() != 0) {
                throw new IllegalArgumentException("pending must be zero or whole positive seconds, was "
                        + forDuration);
            }
            this.pending = forDuration;
            return this;
        }

        /** A label added to every alert, e.g. {@code team=data}. */
        public Builder label(String name, String value) {
            if (name == null || !LABEL.matcher(name).matches() || name.startsWith("__")
                    || name.equals("severity") || name.equals("component")) {
                throw new IllegalArgumentException("label name must be a Prometheus label name other than severity "
                        + "and component, was '" + name + "'");
            }
            if (value == null || value.isEmpty()) {
                throw new IllegalArgumentException("label '" + name + "' must have a value");
            }
            extraLabels.put(name, value);
            return this;
        }

        /** Adds {@code runbook_url: <base><alert name in lowercase>} to every alert. */
        public Builder runbookBaseUrl(String baseUrl) {
            if (baseUrl == null || !(baseUrl.startsWith("http://") || baseUrl.startsWith("https://"))) {
                throw new IllegalArgumentException("runbookBaseUrl must start with http:// or https://, was '"
                        + baseUrl + "'");
            }
            this.runbookBaseUrl = baseUrl;
            return this;
        }

        /**
         * Whether descriptions quote the current value ({@code {{ $value }}}, default {@code true}). Off gives
         * stable texts, e.g. for notification deduplication by text or promtool unit tests.
         */
        public Builder valueInAnnotations(boolean on) {
            this.valueInAnnotations = on;
            return this;
        }

    /** Builds the rules; the builder may be reused. */
        public MigmonAlertRules build() {
            return new MigmonAlertRules(this);
        }

        private static Duration wholeSeconds(Duration d, String field) {
            if (d == null || d.isNegative() || d.isZero() || d.getNano() != 0) {
                throw new IllegalArgumentException(field + " must be a positive whole number of seconds, was " + d);
            }
            return d;
        }
    }
}
