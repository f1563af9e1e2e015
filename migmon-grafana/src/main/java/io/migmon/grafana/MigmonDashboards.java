package io.migmon.grafana;

import static io.migmon.core.metrics.MetricCatalog.ALERTS_DROPPED;
import static io.migmon.core.metrics.MetricCatalog.ALERTS_FAILED;
import static io.migmon.core.metrics.MetricCatalog.ALERTS_SENT;
import static io.migmon.core.metrics.MetricCatalog.ALERT_QUEUE_DEPTH;
import static io.migmon.core.metrics.MetricCatalog.CDC_CONNECTOR_STATE;
import static io.migmon.core.metrics.MetricCatalog.CDC_CONSUMER_LAG;
import static io.migmon.core.metrics.MetricCatalog.CDC_CONSUMER_LAG_SECONDS;
import static io.migmon.core.metrics.MetricCatalog.CDC_DEAD_LETTERS;
import static io.migmon.core.metrics.MetricCatalog.CDC_EVENTS_PROCESSED;
import static io.migmon.core.metrics.MetricCatalog.CDC_REPLICATION_LAG;
import static io.migmon.core.metrics.MetricCatalog.CDC_STAGE_LATENCY;
import static io.migmon.core.metrics.MetricCatalog.CDC_TASK_STATE;
import static io.migmon.core.metrics.MetricCatalog.HEALTH_STATUS;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_ANOMALIES;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_DATA_LAG;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_DURATION;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_ERRORS;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_ETA;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_LAST_PROGRESS;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_PROGRESS;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_ROWS;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_ROWS_EXPECTED;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_STATUS;
import static io.migmon.core.metrics.MetricCatalog.MIGRATION_THROUGHPUT;
import static io.migmon.core.metrics.MetricCatalog.MONGODB_MIGRATION_DOCUMENTS;
import static io.migmon.core.metrics.MetricCatalog.MONGODB_MIGRATION_DURATION;
import static io.migmon.core.metrics.MetricCatalog.MONGODB_MIGRATION_ERRORS;
import static io.migmon.core.metrics.MetricCatalog.MONGODB_MIGRATION_VALIDATIONS;
import static io.migmon.core.metrics.MetricCatalog.OBSERVABILITY_FAILURES;
import static io.migmon.core.metrics.MetricCatalog.TAG_OVERFLOW;
import static io.migmon.core.metrics.MetricCatalog.VALIDATION_DIFFERENCES;
import static io.migmon.core.metrics.MetricCatalog.VALIDATION_ETA;
import static io.migmon.core.metrics.MetricCatalog.VALIDATION_PROGRESS;
import static io.migmon.core.metrics.MetricCatalog.VALIDATION_ROWS;

import io.migmon.core.health.LagThresholds;
import io.migmon.core.metrics.MeterDefinition;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.grafana.dashboard.Dashboard;
import io.migmon.grafana.dashboard.Panel;
import io.migmon.grafana.dashboard.Thresholds;
import io.migmon.grafana.dashboard.Units;
import io.migmon.grafana.dashboard.Variable;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * migmon's ready-made dashboards, every query built from {@link MetricCatalog} names for the host's
 * {@link MetricsOptions} (so a prefix is honoured): migration overview, MongoDB migrations, CDC pipeline and
 * alerting / migmon health. Immutable; build with {@link #builder()}.
 *
 * <pre>{@code
 * MigmonDashboards dashboards = MigmonDashboards.builder().metricsOptions(options).build();
 * for (Dashboard d : dashboards.all()) { Files.writeString(dir.resolve(d.uid() + ".json"), d.toJson()); }
 * }</pre>
 */
public final class MigmonDashboards {


    private static final Pattern WINDOW = Pattern.compile("[1-9][0-9]*(s|m|h|d)");
    private static final Pattern UID_PREFIX = Pattern.compile("[A-Za-z0-9_-]{1,20}");

    private final MetricNames names;
    private final String window;
    private final String uidPrefix;
    private final String refresh;
    private final Thresholds lagThresholds;

    private MigmonDashboards(Builder b) {
        this.names = MetricNames.of(b.options);
        this.window = b.rateWindow;
        this.uidPrefix = b.uidPrefix;
        this.refresh = b.refresh;
        this.lagThresholds = Thresholds.greenYellowRed(b.lagWarning, b.lagCritical);
    }

    /** A builder with the defaults: no prefix, {@code [5m]} rate window, uids {@code migmon-*}, 60/300 s lag. */
    public static Builder builder() {
        return new Builder();
    }

    /** The dashboards with every default. */
    public static MigmonDashboards defaults() {
        return builder().build();
    }

    /** All five dashboards: the four topic dashboards and the catalog explorer. */
    public List<Dashboard> all() {
        return List.of(migrationOverview(), mongoMigrations(), cdcPipeline(), alertingHealth(), allMeters());
    }

    /** The names this instance uses. */
    public MetricNames names() {
        return names;
    }

    /**
     * Migration overview: status, progress, ETA and data lag per migration, rows per second (the seed's
     * {@code rate(migration_rows_total[5m])}), errors per second ({@code rate(migration_errors_total[5m])}), data lag
     * ({@code migration_data_lag_seconds}) with 60/300 s thresholds, throughput, rows per table, durations and
     * anomalies; a validation row (verified differences, progress, ETA and rows per second of migmon-verify).
     * Variables: data source, {@code migration_id}, {@code table}.
     */
    public Dashboard migrationOverview() {
        String id = "migration_id=~\"$migration_id\"";
        String idTable = id + ", table_name=~\"$table\"";
        return base("overview", "migmon / Migration overview",
                "Progress, throughput, errors and data lag of migrations recorded by migmon")
                .variable(Variable.labelValues("migration_id", n(MIGRATION_STATUS), MetricCatalog.MIGRATION_ID)
                        .withLabel("Migration"))
                .variable(Variable.labelValues("table", n(MIGRATION_ROWS) + "{" + id + "}", MetricCatalog.TABLE_NAME)
                        .withLabel("Table"))
                .row("Status")
                .panel(Panel.stat("Status")
                        .query(n(MIGRATION_STATUS) + "{" + id + "} == 1", "{{migration_id}}: {{status}}")
                        .showSeriesName().description("Current status of each migration (state set)"))
                .panel(Panel.gauge("Progress")
                        .query(n(MIGRATION_PROGRESS) + "{" + id + "}", "{{migration_id}}")
                        .unit(Units.PERCENT_UNIT).min(0).max(1).decimals(1)
                        .thresholds(Thresholds.base("blue").step(1, "green")))
                .panel(Panel.stat("ETA")
                        .query(n(MIGRATION_ETA) + "{" + id + "}", "{{migration_id}}").unit(Units.SECONDS)
                        .description("Estimated time to completion (no estimate before 1% is done)"))
                .panel(Panel.stat("Data lag")
                        .query(n(MIGRATION_DATA_LAG) + "{" + id + "}", "{{migration_id}}").unit(Units.SECONDS)
                        .thresholds(lagThresholds))
                .row("Throughput and errors")
                .panel(Panel.timeseries("Rows per second")
                        .query("sum by (migration_id) (rate(" + n(MIGRATION_ROWS) + "{" + idTable + "}" + w() + "))",
                                "{{migration_id}}")
                        .unit(Units.ROWS_PER_SECOND))
                .panel(Panel.timeseries("Errors per second")
                        .query("sum by (migration_id, error_type) (rate(" + n(MIGRATION_ERRORS) + "{" + id + "}"
                                + w() + "))", "{{migration_id}} {{error_type}}")
                        .unit(Units.OPS_PER_SECOND))
                .panel(Panel.timeseries("Data lag")
                        .query("max by (migration_id) (" + n(MIGRATION_DATA_LAG) + "{" + id + "})", "{{migration_id}}")
                        .unit(Units.SECONDS).thresholds(lagThresholds))
                .panel(Panel.timeseries("Throughput (EWMA)")
                        .query(n(MIGRATION_THROUGHPUT) + "{" + id + "}", "{{migration_id}}")
                        .unit(Units.ROWS_PER_SECOND))
                .row("Details")
                .panel(Panel.barGauge("Rows per table")
                        .query("sum by (table_name) (" + n(MIGRATION_ROWS) + "{" + idTable + "})", "{{table_name}}")
                        .unit(Units.SHORT))
                .panel(Panel.table("Rows done vs expected")
                        .query("sum by (migration_id) (" + n(MIGRATION_ROWS) + "{" + id + "})", "done")
                        .query(n(MIGRATION_ROWS_EXPECTED) + "{" + id + "}", "expected"))
                .panel(Panel.table("Last progress")
                        .query(n(MIGRATION_LAST_PROGRESS) + "{" + id + "} * 1000", "{{migration_id}}")
                        .unit(Units.DATE_TIME_FROM_NOW_MS)
                        .description("When rows were last recorded"))
                .panel(Panel.table("Mean duration by status")
                        .query("sum by (migration_id, status) (" + names.sum(MIGRATION_DURATION) + "{" + id + "})"
                                + " / sum by (migration_id, status) (" + names.count(MIGRATION_DURATION) + "{" + id
                                + "})", "{{migration_id}} {{status}}"))
                .panel(Panel.timeseries("Anomalies per second")
                        .query("sum by (migration_id, type, severity) (rate(" + n(MIGRATION_ANOMALIES) + "{" + id + "}"
                                + w() + "))", "{{migration_id}} {{type}} {{severity}}")
                        .unit(Units.OPS_PER_SECOND).size(24, 6))
                .row("Validation")
                .panel(Panel.stat("Verified differences")
                        .query("max by (verification, table) (" + n(VALIDATION_DIFFERENCES) + ")", "{{verification}}")
                        .thresholds(Thresholds.base("green").step(1, "red"))
                        .description("Differences between source and target found by the latest migmon-verify run "
                                + "(0 = identical; do not cut over while red)"))
                .panel(Panel.gauge("Validation progress")
                        .query(n(VALIDATION_PROGRESS), "{{verification}}")
                        .unit(Units.PERCENT_UNIT).min(0).max(1).decimals(1)
                        .thresholds(Thresholds.base("blue").step(1, "green")))
                .panel(Panel.stat("Validation ETA")
                        .query(n(VALIDATION_ETA), "{{verification}}").unit(Units.SECONDS))
                .panel(Panel.timeseries("Rows validated per second")
                        .query("sum by (verification, table) (rate(" + n(VALIDATION_ROWS) + w() + "))", "{{verification}}")
                        .unit(Units.ROWS_PER_SECOND))
                .build();
    }

    /** MongoDB migrations: documents and errors per second by version / collection, version durations and outcomes. */
    public Dashboard mongoMigrations() {
        String sel = "version=~\"$version\", collection=~\"$collection\"";
        String ver = "version=~\"$version\"";
        return base("mongodb", "migmon / MongoDB migrations",
                "Versioned MongoDB migrations recorded by migmon-mongo")
                .variable(Variable.labelValues("version", n(MONGODB_MIGRATION_DOCUMENTS), MetricCatalog.VERSION)
                        .withLabel("Version"))
                .variable(Variable.labelValues("collection", n(MONGODB_MIGRATION_DOCUMENTS) + "{" + ver + "}",
                        MetricCatalog.COLLECTION).withLabel("Collection"))
                .row("Documents")
                .panel(Panel.timeseries("Documents per second")
                        .query("sum by (version, collection) (rate(" + n(MONGODB_MIGRATION_DOCUMENTS) + "{" + sel + "}"
                                + w() + "))", "{{version}} {{collection}}")
                        .unit(Units.DOCUMENTS_PER_SECOND))
                .panel(Panel.timeseries("Errors per second")
                        .query("sum by (version, error_type) (rate(" + n(MONGODB_MIGRATION_ERRORS) + "{" + ver + "}"
                                + w() + "))", "{{version}} {{error_type}}")
                        .unit(Units.OPS_PER_SECOND))
                .panel(Panel.barGauge("Documents per collection")
                        .query("sum by (collection) (" + n(MONGODB_MIGRATION_DOCUMENTS) + "{" + sel + "})",
                                "{{collection}}")
                        .unit(Units.SHORT))
                .panel(Panel.stat("Documents written")
                        .query("sum(" + n(MONGODB_MIGRATION_DOCUMENTS) + "{" + sel + "})", "documents")
                        .unit(Units.SHORT))
                .panel(Panel.stat("Errors")
                        // failure counters exist only after the first failure: show 0, not "No data", until then
                        .query("sum(" + n(MONGODB_MIGRATION_ERRORS) + "{" + ver + "}) or vector(0)", "errors")
                        .thresholds(Thresholds.base("green").step(1, "red")))
                .row("Versions")
                .panel(Panel.table("Version runs by status")
                        .query("sum by (version, status) (" + names.count(MONGODB_MIGRATION_DURATION) + "{" + ver + "})",
                                "{{version}} {{status}}"))
                .panel(Panel.table("Version duration")
                        .query("sum by (version, status) (" + names.sum(MONGODB_MIGRATION_DURATION) + "{" + ver + "})",
                                "{{version}} {{status}}"))
                .panel(Panel.table("Validations by check and result")
                        .query("sum by (version, check, status) (" + n(MONGODB_MIGRATION_VALIDATIONS) + "{" + ver + "})",
                                "{{version}} {{check}} {{status}}"))
                .panel(Panel.timeseries("Version duration p95")
                        .query("histogram_quantile(0.95, sum by (le) (rate(" + names.bucket(MONGODB_MIGRATION_DURATION)
                                + "{" + ver + "}" + w() + ")))", "p95")
                        .unit(Units.SECONDS).size(12, 6))
                .build();
    }

    /**
     * CDC pipeline: events per second by operation, consumer lag in messages and seconds, per-stage latency,
     * replication lag, whole-transaction apply lag (transaction metadata), dead letters and connector / task states.
     */
    public Dashboard cdcPipeline() {
        String table = "table=~\"$table\"";
        String topic = "topic=~\"$topic\"";
        return base("cdc", "migmon / CDC pipeline", "Debezium change events processed by migmon-cdc")
                .variable(Variable.labelValues("table", n(CDC_EVENTS_PROCESSED), MetricCatalog.TABLE).withLabel("Table"))
                .variable(Variable.labelValues("topic", n(CDC_CONSUMER_LAG), MetricCatalog.TOPIC).withLabel("Topic"))
                .row("Events")
                .panel(Panel.timeseries("Events per second by operation")
                        .query("sum by (operation) (rate(" + n(CDC_EVENTS_PROCESSED) + "{" + table + "}" + w() + "))",
                                "{{operation}}")
                        .unit(Units.EVENTS_PER_SECOND))
                .panel(Panel.timeseries("Events per second by table")
                        .query("sum by (source, table) (rate(" + n(CDC_EVENTS_PROCESSED) + "{" + table + "}" + w()
                                + "))", "{{source}} {{table}}")
                        .unit(Units.EVENTS_PER_SECOND))
                .row("Lag")
                .panel(Panel.timeseries("Consumer lag (messages)")
                        .query("sum by (topic) (" + n(CDC_CONSUMER_LAG) + "{" + topic + "})", "{{topic}}")
                        .unit(Units.MESSAGES))
                .panel(Panel.timeseries("Consumer lag (seconds)")
                        .query("max by (topic) (" + n(CDC_CONSUMER_LAG_SECONDS) + "{" + topic + "})", "{{topic}}")
                        .unit(Units.SECONDS).thresholds(lagThresholds))
                .panel(Panel.timeseries("Replication lag")
                        .query("max by (source_table, target_table) (" + n(CDC_REPLICATION_LAG) + ")",
                                "{{source_table}} → {{target_table}}")
                        .unit(Units.SECONDS).thresholds(lagThresholds))
                .panel(Panel.timeseries("Stage latency p95")
                        .query("histogram_quantile(0.95, sum by (le, stage) (rate(" + names.bucket(CDC_STAGE_LATENCY)
                                + w() + ")))", "{{stage}}")
                        .unit(Units.SECONDS))
                .panel(Panel.timeseries("Transaction apply lag p95 (commit to last event applied)")
                        .query("histogram_quantile(0.95, sum by (le, source) (rate("
                                + names.bucket(MetricCatalog.CDC_TRANSACTION_APPLY_LAG) + w() + ")))", "{{source}}")
                        .unit(Units.SECONDS))
                .row("Dead letters and connectors")
                .panel(Panel.timeseries("Dead letters per second")
                        .query("sum by (topic, reason) (rate(" + n(CDC_DEAD_LETTERS) + "{" + topic + "}" + w() + "))",
                                "{{topic}} {{reason}}")
                        .unit(Units.OPS_PER_SECOND))
                .panel(Panel.stat("Dead letters")
                        .query("sum(" + n(CDC_DEAD_LETTERS) + "{" + topic + "}) or vector(0)", "dead letters")
                        .thresholds(Thresholds.base("green").step(1, "red")))
                .panel(Panel.stat("Connector state")
                        .query(n(CDC_CONNECTOR_STATE) + " == 1", "{{connector}}: {{state}}").showSeriesName())
                .panel(Panel.table("Task states")
                        .query(n(CDC_TASK_STATE) + " == 1", "{{connector}}/{{task}}: {{state}}"))
                .build();
    }

    /** Alerting and migmon's own health: notifications, drops, queue, contained failures, tag overflow, health. */
    public Dashboard alertingHealth() {
        return base("alerting", "migmon / Alerting and health",
                "migmon's alert dispatcher, contained failures, tag-cardinality overflow and health checks")
                .row("Notifications")
                .panel(Panel.timeseries("Sent per second")
                        .query("sum by (sink, severity) (rate(" + n(ALERTS_SENT) + w() + "))", "{{sink}} {{severity}}")
                        .unit(Units.OPS_PER_SECOND))
                .panel(Panel.timeseries("Failed per second")
                        .query("sum by (sink, severity) (rate(" + n(ALERTS_FAILED) + w() + "))",
                                "{{sink}} {{severity}}")
                        .unit(Units.OPS_PER_SECOND))
                .panel(Panel.timeseries("Dropped per second")
                        .query("sum by (severity, reason) (rate(" + n(ALERTS_DROPPED) + w() + "))",
                                "{{severity}} {{reason}}")
                        .unit(Units.OPS_PER_SECOND))
                .panel(Panel.gauge("Queue depth")
                        .query("sum(" + n(ALERT_QUEUE_DEPTH) + ")", "queued")
                        .min(0).thresholds(Thresholds.base("green").step(100, "yellow").step(1000, "red")))
                .panel(Panel.stat("Failed notifications")
                        .query("sum(" + n(ALERTS_FAILED) + ") or vector(0)", "failed")
                        .thresholds(Thresholds.base("green").step(1, "red")))
                .row("migmon health")
                .panel(Panel.stat("Health checks")
                        .query(n(HEALTH_STATUS) + " == 1", "{{check}}: {{status}}").showSeriesName())
                .panel(Panel.timeseries("Contained failures per second")
                        .query("sum by (component) (rate(" + n(OBSERVABILITY_FAILURES) + w() + "))", "{{component}}")
                        .unit(Units.OPS_PER_SECOND))
                .panel(Panel.barGauge("Tag values folded into 'other'")
                        .query("sum by (tag_key) (" + n(TAG_OVERFLOW) + ")", "{{tag_key}}"))
                .panel(Panel.text("About",
                        "Dashboards generated by **migmon-grafana** from the metric catalog; see docs/grafana.md. "
                                + "Contained failures are errors migmon absorbed instead of breaking the host."))
                .build();
    }

    /**
     * Catalog explorer: one panel for every {@link MetricCatalog} meter, generated from its definition (counters as
     * per-second rates by every tag, gauges as is, histograms as p95), one row per section of the catalog. A meter
     * added to the catalog shows up here without any change to this class.
     */
    public Dashboard allMeters() {
        Dashboard.Builder b = base("catalog", "migmon / All meters",
                "Every meter of migmon's metric catalog, generated from its definition");
        String section = null;
        for (MeterDefinition def : MetricCatalog.all()) {
            String s = section(def);
            if (!s.equals(section)) {
                b.row(s);
                section = s;
            }
            String by = def.tagKeys().isEmpty() ? "" : " by (" + String.join(", ", def.tagKeys()) + ")";
            String legend = def.tagKeys().stream().map(k -> "{{" + k + "}}").reduce((a, c) -> a + " " + c)
                    .orElse(def.prometheusName());
            Panel.Builder p = Panel.timeseries(def.name()).description(def.description()).size(8, 7);
            switch (def.type()) {
                case COUNTER -> p.query("sum" + by + " (rate(" + n(def) + w() + "))", legend).unit(Units.OPS_PER_SECOND);
                case GAUGE -> p.query(n(def), legend).unit(unit(def));
                case TIMER, DISTRIBUTION_SUMMARY -> {
                    String histogramBy = def.tagKeys().isEmpty() ? "le" : "le, " + String.join(", ", def.tagKeys());
                    p.query("histogram_quantile(0.95, sum by (" + histogramBy + ") (rate(" + names.bucket(def) + w()
                            + ")))", legend.equals(def.prometheusName()) ? "p95" : "p95 " + legend).unit(unit(def));
                }
                default -> throw new IllegalStateException("unknown meter type " + def.type());
            }
            b.panel(p);
        }
        return b.build();
    }

    private static String section(MeterDefinition def) {
        String n = def.name();
        if (n.startsWith("mongodb.")) {
            return "MongoDB";
        }
        if (n.startsWith("cdc.")) {
            return "CDC";
        }
        if (n.startsWith("migration.")) {
            return "Migrations";
        }
        return "migmon";
    }

    private static String unit(MeterDefinition def) {
        String u = def.baseUnit();
        if ("seconds".equals(u)) {
            return Units.SECONDS;
        }
        if ("ratio".equals(u)) {
            return Units.PERCENT_UNIT;
        }
        return Units.SHORT;
    }

    private Dashboard.Builder base(String suffix, String title, String description) {
        return Dashboard.builder(uidPrefix + "-" + suffix, title)
                .description(description)
                .tags("migmon")
                .time("now-1h", "now")
                .refresh(refresh)
                .prometheusDatasource();
    }

    private String n(MeterDefinition def) {
        return names.name(def);
    }

    private String w() {
        return "[" + window + "]";
    }

    @Override
    public String toString() {
        return "MigmonDashboards{" + names + ", window=" + window + ", uidPrefix=" + uidPrefix + "}";
    }

    /** Builder of {@link MigmonDashboards}; not thread-safe. */
    public static final class Builder {
        private MetricsOptions options = MetricsOptions.defaults();
        private String rateWindow = "5m";
        private String uidPrefix = "migmon";
        private String refresh = "30s";
        private double lagWarning = LagThresholds.WARNING.toSeconds();
        private double lagCritical = LagThresholds.CRITICAL.toSeconds();

        private Builder() {
        }

        /** The options the host registers migmon's meters with (prefix). */
        public Builder metricsOptions(MetricsOptions value) {
            this.options = Objects.requireNonNull(value, "metricsOptions must not be null");
            return this;
        }

        /** Window of {@code rate(...)} queries, e.g. {@code 5m} (default) or {@code 1m}. */
        public Builder rateWindow(String window) {
            if (window == null || !WINDOW.matcher(window).matches()) {
                throw new IllegalArgumentException("rateWindow must be a duration like '5m' or '30s', was '"
                        + window + "'");
            }
            this.rateWindow = window;
            return this;
        }

        /** Prefix of the dashboard uids ({@code <prefix>-overview}, ...): 1 to 20 letters, digits, - or _. */
        public Builder uidPrefix(String prefix) {
            if (prefix == null || !UID_PREFIX.matcher(prefix).matches()) {
                throw new IllegalArgumentException("uidPrefix must be 1 to 20 letters, digits, '-' or '_', was '"
                        + prefix + "'");
            }
            this.uidPrefix = prefix;
            return this;
        }

        /** Auto-refresh of the dashboards, e.g. {@code 30s} (default). */
        public Builder refresh(String interval) {
            Dashboard.builder("check", "check").refresh(interval);
            this.refresh = interval;
            return this;
        }

        /**
         * Lag (seconds) from which lag panels turn yellow and red (default {@link LagThresholds#WARNING} and
         * {@link LagThresholds#CRITICAL}: 60 and 300).
         */
        public Builder lagThresholds(double warningSeconds, double criticalSeconds) {
            if (!(warningSeconds > 0) || !(criticalSeconds > warningSeconds) || !Double.isFinite(criticalSeconds)) {
                throw new IllegalArgumentException("lagThresholds must satisfy 0 < warning < critical, was "
                        + warningSeconds + " and " + criticalSeconds);
            }
            this.lagWarning = warningSeconds;
            this.lagCritical = criticalSeconds;
            return this;
        }

    /** Builds the dashboards factory; the builder may be reused. */
        public MigmonDashboards build() {
            return new MigmonDashboards(this);
        }
    }
}
