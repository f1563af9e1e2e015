package io.migmon.grafana.dashboard;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Grafana dashboard built in code: uid, title, tags, time range, refresh, template variables, rows and panels,
 * laid out automatically on Grafana's 24-column grid (left to right, wrapping when a panel does not fit, a row
 * starting a new line). Renders to the dashboard JSON model ({@link #toJson()}) accepted by
 * {@code POST /api/dashboards/db} and as the {@code spec} of the Grafana 12+ dashboard resource. Immutable and
 * thread-safe.
 *
 * <pre>{@code
 * Dashboard d = Dashboard.builder("migmon-overview", "Migrations")
 *         .tags("migmon").time("now-1h", "now").refresh("10s")
 *         .prometheusDatasource()
 *         .variable(Variable.labelValues("migration_id", "migration_status", "migration_id"))
 *         .row("Throughput")
 *         .panel(Panel.timeseries("Rows per second")
 *                 .query("sum by (migration_id) (rate(migration_rows_total{migration_id=~\"$migration_id\"}[5m]))",
 *                         "{{migration_id}}").unit(Units.ROWS_PER_SECOND))
 *         .build();
 * }</pre>
 */
public final class Dashboard {

    /** Default {@code schemaVersion}: Grafana 10.4 / 11; newer Grafana versions migrate it on load. */
    public static final int DEFAULT_SCHEMA_VERSION = 39;
    /** Name of the data source variable added by {@link Builder#prometheusDatasource()}. */
    public static final String DATASOURCE_VARIABLE = "datasource";

    private static final Pattern UID = Pattern.compile("[A-Za-z0-9_-]{1,40}");
    private static final Pattern INTERVAL = Pattern.compile("[1-9][0-9]*(ms|s|m|h|d|w|y)");
    private static final Pattern VARIABLE_REF = Pattern.compile("\\$\\{?([A-Za-z_][A-Za-z0-9_]*)");
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String uid;
    private final String title;
    private final String description;
    private final List<String> tags;
    private final String timeFrom;
    private final String timeTo;
    private final String refresh;
    private final int schemaVersion;
    private final String timezone;
    private final String datasourceUid;
    private final List<Variable> variables;
    private final List<Object> items;

    private Dashboard(Builder b) {
        this.uid = b.uid;
        this.title = b.title;
        this.description = b.description;
        this.tags = List.copyOf(b.tags);
        this.timeFrom = b.timeFrom;
        this.timeTo = b.timeTo;
        this.refresh = b.refresh;
        this.schemaVersion = b.schemaVersion;
        this.timezone = b.timezone;
        this.datasourceUid = b.datasourceUid;
        this.variables = List.copyOf(b.variables);
        this.items = List.copyOf(b.items);
    }

    /**
     * A builder for the dashboard with this uid and title.
     *
     * @param uid   1 to 40 letters, digits, {@code -} or {@code _}: the stable identity across Grafana instances
     * @param title non-blank title
     * @throws IllegalArgumentException naming the field when either is invalid
     */
    public static Builder builder(String uid, String title) {
        return new Builder(uid, title);
    }

    /** The dashboard uid. */
    public String uid() {
        return uid;
    }

    /** The dashboard title. */
    public String title() {
        return title;
    }

    /** Tags, in insertion order without duplicates. */
    public List<String> tags() {
        return tags;
    }

    /** Template variables in declaration order (the data source variable first). */
    public List<Variable> variables() {
        return variables;
    }

    /** Every panel (rows left out), in layout order. */
    public List<Panel> panels() {
        List<Panel> panels = new ArrayList<>();
        for (Object item : items) {
            if (item instanceof Panel p) {
                panels.add(p);
            }
        }
        return Collections.unmodifiableList(panels);
    }

    /** Titles of the rows, in order. */
    public List<String> rows() {
        List<String> rows = new ArrayList<>();
        for (Object item : items) {
            if (item instanceof Row r) {
                rows.add(r.title());
            }
        }
        return Collections.unmodifiableList(rows);
    }

    /** Every PromQL expression of every panel, in layout order (duplicates kept). */
    public List<String> queries() {
        List<String> q = new ArrayList<>();
        for (Panel p : panels()) {
            for (Target t : p.targets()) {
                q.add(t.expr());
            }
        }
        return Collections.unmodifiableList(q);
    }

    /** The dashboard JSON model as a fresh tree the caller may change. */
    public ObjectNode json() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        ObjectNode datasource = datasourceRef(f);
        ObjectNode d = f.objectNode();
        d.put("uid", uid);
        d.put("title", title);
        if (description != null) {
            d.put("description", description);
        }
        ArrayNode tagArray = d.putArray("tags");
        tags.forEach(tagArray::add);
        d.put("timezone", timezone);
        d.put("editable", true);
        d.put("graphTooltip", 1);
        d.put("schemaVersion", schemaVersion);
        d.put("fiscalYearStartMonth", 0);
        d.put("liveNow", false);
        d.putObject("time").put("from", timeFrom).put("to", timeTo);
        if (refresh != null) {
            d.put("refresh", refresh);
        }
        d.putObject("timepicker");
        d.putArray("links");
        ObjectNode builtIn = d.putObject("annotations").putArray("list").addObject();
        builtIn.put("builtIn", 1);
        builtIn.putObject("datasource").put("type", "grafana").put("uid", "-- Grafana --");
        builtIn.put("enable", true);
        builtIn.put("hide", true);
        builtIn.put("iconColor", "rgba(0, 211, 255, 1)");
        builtIn.put("name", "Annotations & Alerts");
        builtIn.put("type", "dashboard");
        ArrayNode vars = d.putObject("templating").putArray("list");
        for (Variable v : variables) {
            vars.add(v.toJson(f, datasource));
        }
        layout(f, d.putArray("panels"), datasource);
        return d;
    }

    /** The dashboard JSON model, pretty-printed. */
    public String toJson() {
        try {
            return MAPPER.writeValueAsString(json());
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private ObjectNode datasourceRef(JsonNodeFactory f) {
        if (datasourceUid == null) {
            return null;
        }
        return f.objectNode().put("type", "prometheus").put("uid", datasourceUid);
    }

    private void layout(JsonNodeFactory f, ArrayNode out, ObjectNode datasource) {
        int id = 1;
        int x = 0;
        int y = 0;
        int lineHeight = 0;
        for (Object item : items) {
            if (item instanceof Row row) {
                if (x > 0) {
                    y += lineHeight;
                }
                ObjectNode r = out.addObject();
                r.put("type", "row");
                r.put("id", id++);
                r.put("title", row.title());
                r.put("collapsed", false);
                r.putObject("gridPos").put("h", 1).put("w", Panel.GRID_COLUMNS).put("x", 0).put("y", y);
                r.putArray("panels");
                y += 1;
                x = 0;
                lineHeight = 0;
            } else {
                Panel p = (Panel) item;
                if (x + p.width() > Panel.GRID_COLUMNS) {
                    y += lineHeight;
                    x = 0;
                    lineHeight = 0;
                }
                out.add(p.toJson(f, id++, x, y, datasource));
                x += p.width();
                lineHeight = Math.max(lineHeight, p.height());
            }
        }
    }

    @Override
    public String toString() {
        return "Dashboard{" + uid + " '" + title + "', " + panels().size() + " panels}";
    }

    private record Row(String title) {
    }

    /** Builder of a {@link Dashboard}; not thread-safe. {@link #build()} validates and copies. */
    public static final class Builder {
        private final String uid;
        private final String title;
        private String description;
        private final Set<String> tags = new LinkedHashSet<>();
        private String timeFrom = "now-1h";
        private String timeTo = "now";
        private String refresh = "30s";
        private int schemaVersion = DEFAULT_SCHEMA_VERSION;
        private String timezone = "browser";
        private String datasourceUid;
        private final List<Variable> variables = new ArrayList<>();
        private final List<Object> items = new ArrayList<>();

        private Builder(String uid, String title) {
            if (uid == null || !UID.matcher(uid).matches()) {
                throw new IllegalArgumentException(
                        "dashboard uid must be 1 to 40 letters, digits, '-' or '_', was '" + uid + "'");
            }
            if (title == null || title.isBlank()) {
                throw new IllegalArgumentException("dashboard '" + uid + "': title must not be blank");
            }
            this.uid = uid;
            this.title = title;
        }

    /** Dashboard description. */
        public Builder description(String text) {
            this.description = text;
            return this;
        }

        /** Adds tags (duplicates ignored). */
        public Builder tags(String... values) {
            for (String t : values) {
                if (t == null || t.isBlank()) {
                    throw new IllegalArgumentException("dashboard '" + uid + "': tags must not be blank");
                }
                tags.add(t);
            }
            return this;
        }

        /** Default time range, e.g. {@code now-1h} .. {@code now}. */
        public Builder time(String from, String to) {
            if (from == null || from.isBlank() || to == null || to.isBlank()) {
                throw new IllegalArgumentException("dashboard '" + uid + "': time from and to must not be blank");
            }
            this.timeFrom = from;
            this.timeTo = to;
            return this;
        }

        /** Auto-refresh interval such as {@code 10s}, {@code 1m}; {@code null} for none. */
        public Builder refresh(String interval) {
            if (interval != null && !INTERVAL.matcher(interval).matches()) {
                throw new IllegalArgumentException("dashboard '" + uid
                        + "': refresh must be an interval like '10s' or '1m', was '" + interval + "'");
            }
            this.refresh = interval;
            return this;
        }

        /** The JSON model's {@code schemaVersion} (default {@value #DEFAULT_SCHEMA_VERSION}). */
        public Builder schemaVersion(int version) {
            if (version < 1) {
                throw new IllegalArgumentException("dashboard '" + uid + "': schemaVersion must be >= 1, was "
                        + version);
            }
            this.schemaVersion = version;
            return this;
        }

        /** {@code browser}, {@code utc} or an IANA zone id. */
        public Builder timezone(String zone) {
            if (zone == null || zone.isBlank()) {
                throw new IllegalArgumentException("dashboard '" + uid + "': timezone must not be blank");
            }
            this.timezone = zone;
            return this;
        }

        /**
         * Adds a Prometheus data source variable named {@value #DATASOURCE_VARIABLE} and points every panel and
         * query variable at {@code ${datasource}}.
         */
        public Builder prometheusDatasource() {
            variables.add(0, Variable.datasource(DATASOURCE_VARIABLE, "prometheus"));
            this.datasourceUid = "${" + DATASOURCE_VARIABLE + "}";
            return this;
        }

        /** Points every panel at the Prometheus data source with this uid (instead of a variable). */
        public Builder datasourceUid(String dsUid) {
            if (dsUid == null || dsUid.isBlank()) {
                throw new IllegalArgumentException("dashboard '" + uid + "': datasourceUid must not be blank");
            }
            this.datasourceUid = dsUid;
            return this;
        }

    /** Adds a template variable. */
        public Builder variable(Variable variable) {
            variables.add(Objects.requireNonNull(variable, "dashboard '" + uid + "': variable must not be null"));
            return this;
        }

        /** Starts a new row (full width) below everything before it. */
        public Builder row(String rowTitle) {
            if (rowTitle == null || rowTitle.isBlank()) {
                throw new IllegalArgumentException("dashboard '" + uid + "': row title must not be blank");
            }
            items.add(new Row(rowTitle));
            return this;
        }

    /** Adds a panel at the next free grid position. */
        public Builder panel(Panel panel) {
            items.add(Objects.requireNonNull(panel, "dashboard '" + uid + "': panel must not be null"));
            return this;
        }

        /** Builds the panel and adds it. */
        public Builder panel(Panel.Builder panel) {
            return panel(panel.build());
        }

        /**
         * @throws IllegalArgumentException naming the field when there is no panel, variable names repeat, or a query
         *     refers to a variable ({@code $name}) the dashboard does not declare
         */
        public Dashboard build() {
            if (items.stream().noneMatch(i -> i instanceof Panel)) {
                throw new IllegalArgumentException("dashboard '" + uid + "': panels must contain at least one panel");
            }
            Set<String> names = new HashSet<>();
            for (Variable v : variables) {
                if (!names.add(v.name())) {
                    throw new IllegalArgumentException("dashboard '" + uid + "': variable '" + v.name()
                            + "' is declared twice");
                }
            }
            for (Variable v : variables) {
                if (v.kind() == Variable.Kind.QUERY) {
                    checkRefs(names, v.query(), "variable '" + v.name() + "'");
                }
            }
            for (Object item : items) {
                if (item instanceof Panel p) {
                    for (Target t : p.targets()) {
                        checkRefs(names, t.expr(), "panel '" + p.title() + "'");
                    }
                }
            }
            return new Dashboard(this);
        }

        private void checkRefs(Set<String> declared, String expr, String where) {
            Matcher m = VARIABLE_REF.matcher(expr);
            while (m.find()) {
                String ref = m.group(1);
                if (!ref.startsWith("__") && !declared.contains(ref)) {
                    throw new IllegalArgumentException("dashboard '" + uid + "': " + where
                            + " refers to undeclared variable '$" + ref + "' (declared: " + declared + ")");
                }
            }
        }
    }
}
