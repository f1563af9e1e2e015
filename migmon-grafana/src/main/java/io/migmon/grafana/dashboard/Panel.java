package io.migmon.grafana.dashboard;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One visualisation of a {@link Dashboard}: its type, title, Prometheus queries, unit, thresholds and size. The
 * position is computed by the dashboard's automatic layout. Immutable; build with one of the static factories.
 *
 * <pre>{@code
 * Panel.timeseries("Data lag")
 *      .query("max by (migration_id) (migration_data_lag_seconds)", "{{migration_id}}")
 *      .unit(Units.SECONDS).thresholds(Thresholds.greenYellowRed(60, 300))
 *      .build();
 * }</pre>
 */
public final class Panel {

    /** Grid columns of a dashboard row. */
    public static final int GRID_COLUMNS = 24;

    private final PanelType type;
    private final String title;
    private final String description;
    private final List<Target> targets;
    private final String unit;
    private final Double min;
    private final Double max;
    private final Integer decimals;
    private final Thresholds thresholds;
    private final int width;
    private final int height;
    private final String content;
    private final boolean showSeriesName;

    private Panel(Builder b) {
        this.type = b.type;
        this.title = b.title;
        this.description = b.description;
        this.targets = List.copyOf(b.targets);
        this.unit = b.unit;
        this.min = b.min;
        this.max = b.max;
        this.decimals = b.decimals;
        this.thresholds = b.thresholds;
        this.width = b.width == null ? b.type.defaultWidth() : b.width;
        this.height = b.height == null ? b.type.defaultHeight() : b.height;
        this.content = b.content;
        this.showSeriesName = b.showSeriesName;
    }

    /** A time series graph. */
    public static Builder timeseries(String title) {
        return new Builder(PanelType.TIMESERIES, title);
    }

    /** A single-value stat. */
    public static Builder stat(String title) {
        return new Builder(PanelType.STAT, title);
    }

    /** A radial gauge. */
    public static Builder gauge(String title) {
        return new Builder(PanelType.GAUGE, title);
    }

    /** A bar gauge (one bar per series). */
    public static Builder barGauge(String title) {
        return new Builder(PanelType.BAR_GAUGE, title);
    }

    /** A table of instant query results. */
    public static Builder table(String title) {
        return new Builder(PanelType.TABLE, title);
    }

    /** A markdown text panel. */
    public static Builder text(String title, String markdown) {
        return new Builder(PanelType.TEXT, title).content(markdown);
    }

    /** The panel kind. */
    public PanelType type() {
        return type;
    }

    /** The panel title. */
    public String title() {
        return title;
    }

    /** Queries in refId order (A, B, ...); empty for text panels. */
    public List<Target> targets() {
        return targets;
    }

    /** Grafana unit id, or {@code null}. */
    public String unit() {
        return unit;
    }

    /** Thresholds, or {@code null}. */
    public Thresholds thresholds() {
        return thresholds;
    }

    /** Width in grid columns (1..24). */
    public int width() {
        return width;
    }

    /** Height in grid rows. */
    public int height() {
        return height;
    }

    ObjectNode toJson(JsonNodeFactory f, int id, int x, int y, ObjectNode datasource) {
        ObjectNode p = f.objectNode();
        p.put("id", id);
        p.put("type", type.pluginId());
        p.put("title", title);
        if (description != null) {
            p.put("description", description);
        }
        ObjectNode grid = p.putObject("gridPos");
        grid.put("h", height).put("w", width).put("x", x).put("y", y);
        if (type != PanelType.TEXT && datasource != null) {
            p.set("datasource", datasource.deepCopy());
        }
        ObjectNode fieldConfig = p.putObject("fieldConfig");
        ObjectNode defaults = fieldConfig.putObject("defaults");
        fieldConfig.putArray("overrides");
        if (unit != null) {
            defaults.put("unit", unit);
        }
        if (min != null) {
            defaults.put("min", min);
        }
        if (max != null) {
            defaults.put("max", max);
        }
        if (decimals != null) {
            defaults.put("decimals", decimals);
        }
        defaults.putArray("mappings");
        if (thresholds != null) {
            defaults.set("thresholds", thresholds.toJson(f));
            defaults.putObject("color").put("mode", "thresholds");
        } else if (type != PanelType.TEXT) {
            defaults.putObject("color").put("mode", "palette-classic");
        }
        if (type == PanelType.TIMESERIES && thresholds != null) {
            defaults.putObject("custom").putObject("thresholdsStyle").put("mode", "line");
            defaults.putObject("color").put("mode", "palette-classic");
        }
        p.set("options", options(f));
        if (type != PanelType.TEXT) {
            ArrayNode ts = p.putArray("targets");
            char refId = 'A';
            for (Target t : targets) {
                ObjectNode tj = ts.addObject();
                tj.put("refId", String.valueOf(refId++));
                if (datasource != null) {
                    tj.set("datasource", datasource.deepCopy());
                }
                tj.put("expr", t.expr());
                if (t.legendFormat() != null) {
                    tj.put("legendFormat", t.legendFormat());
                }
                boolean table = type == PanelType.TABLE;
                tj.put("instant", table);
                tj.put("range", !table);
                tj.put("format", table ? "table" : "time_series");
                tj.put("editorMode", "code");
            }
        }
        return p;
    }

    private ObjectNode options(JsonNodeFactory f) {
        ObjectNode o = f.objectNode();
        switch (type) {
            case TIMESERIES -> {
                o.putObject("legend").put("displayMode", "list").put("placement", "bottom").put("showLegend", true);
                o.putObject("tooltip").put("mode", "multi").put("sort", "desc");
            }
            case STAT -> {
                reduce(o);
                o.put("colorMode", "value");
                o.put("graphMode", showSeriesName ? "none" : "area");
                o.put("justifyMode", "auto");
                o.put("orientation", "auto");
                o.put("textMode", showSeriesName ? "name" : "auto");
            }
            case GAUGE -> {
                reduce(o);
                o.put("orientation", "auto");
                o.put("showThresholdLabels", false);
                o.put("showThresholdMarkers", true);
            }
            case BAR_GAUGE -> {
                reduce(o);
                o.put("displayMode", "gradient");
                o.put("orientation", "horizontal");
                o.put("showUnfilled", true);
            }
            case TABLE -> {
                o.put("showHeader", true);
                o.put("cellHeight", "sm");
            }
            case TEXT -> {
                o.put("mode", "markdown");
                o.put("content", content);
            }
            default -> throw new IllegalStateException(type.name());
        }
        return o;
    }

    private static void reduce(ObjectNode o) {
        ObjectNode r = o.putObject("reduceOptions");
        r.putArray("calcs").add("lastNotNull");
        r.put("fields", "");
        r.put("values", false);
    }

    @Override
    public String toString() {
        return "Panel{" + type.pluginId() + " '" + title + "', " + targets.size() + " queries}";
    }

    /** Builder of a {@link Panel}; not thread-safe. {@link #build()} validates and copies. */
    public static final class Builder {
        private final PanelType type;
        private final String title;
        private String description;
        private final List<Target> targets = new ArrayList<>();
        private String unit;
        private Double min;
        private Double max;
        private Integer decimals;
        private Thresholds thresholds;
        private Integer width;
        private Integer height;
        private String content;
        private boolean showSeriesName;

        private Builder(PanelType type, String title) {
            this.type = Objects.requireNonNull(type, "type");
            if (title == null || title.isBlank()) {
                throw new IllegalArgumentException(type.pluginId() + " panel: title must not be blank");
            }
            this.title = title;
        }

        /** Adds a query. */
        public Builder target(Target target) {
            targets.add(Objects.requireNonNull(target, "panel '" + title + "': target must not be null"));
            return this;
        }

        /** Adds a query with a legend format ({@code null} for Grafana's default). */
        public Builder query(String expr, String legendFormat) {
            try {
                return target(Target.of(expr, legendFormat));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("panel '" + title + "': " + e.getMessage(), e);
            }
        }

        /** Adds a query without legend format. */
        public Builder query(String expr) {
            return query(expr, null);
        }

        /** Panel description (shown as a tooltip). */
        public Builder description(String text) {
            this.description = text;
            return this;
        }

        /** Grafana unit id, see {@link Units}. */
        public Builder unit(String unitId) {
            if (unitId == null || unitId.isBlank()) {
                throw new IllegalArgumentException("panel '" + title + "': unit must not be blank");
            }
            this.unit = unitId;
            return this;
        }

        /** Axis / gauge minimum. */
        public Builder min(double value) {
            this.min = value;
            return this;
        }

        /** Axis / gauge maximum. */
        public Builder max(double value) {
            this.max = value;
            return this;
        }

        /** Decimals shown (0..10). */
        public Builder decimals(int value) {
            if (value < 0 || value > 10) {
                throw new IllegalArgumentException("panel '" + title + "': decimals must be 0..10, was " + value);
            }
            this.decimals = value;
            return this;
        }

        /** Colour thresholds; on time series drawn as lines. */
        public Builder thresholds(Thresholds value) {
            this.thresholds = Objects.requireNonNull(value, "panel '" + title + "': thresholds must not be null");
            return this;
        }

        /**
         * Size in grid units: {@code width} of 24 columns (1..24), {@code height} in rows (1..100). Defaults depend
         * on the {@link PanelType}.
         */
        public Builder size(int width, int height) {
            if (width < 1 || width > GRID_COLUMNS) {
                throw new IllegalArgumentException("panel '" + title + "': width must be 1.." + GRID_COLUMNS
                        + ", was " + width);
            }
            if (height < 1 || height > 100) {
                throw new IllegalArgumentException("panel '" + title + "': height must be 1..100, was " + height);
            }
            this.width = width;
            this.height = height;
            return this;
        }

        /**
         * For stat panels over state-set gauges ({@code migration_status{...} == 1}): show the series name (the legend
         * format, e.g. {@code {{status}}}) instead of the value.
         */
        public Builder showSeriesName() {
            this.showSeriesName = true;
            return this;
        }

        private Builder content(String markdown) {
            this.content = markdown;
            return this;
        }

        /**
         * @throws IllegalArgumentException naming the field when a text panel has no content or queries, another
         *     panel has no query, or min is not below max
         */
        public Panel build() {
            if (type == PanelType.TEXT) {
                if (content == null || content.isBlank()) {
                    throw new IllegalArgumentException("text panel '" + title + "': content must not be blank");
                }
                if (!targets.isEmpty()) {
                    throw new IllegalArgumentException("text panel '" + title + "': targets are not allowed");
                }
            } else if (targets.isEmpty()) {
                throw new IllegalArgumentException(type.pluginId() + " panel '" + title
                        + "': targets must contain at least one query");
            }
            if (targets.size() > 26) {
                throw new IllegalArgumentException("panel '" + title + "': at most 26 targets, was " + targets.size());
            }
            if (min != null && max != null && !(min < max)) {
                throw new IllegalArgumentException("panel '" + title + "': min (" + min + ") must be below max ("
                        + max + ")");
            }
            if (showSeriesName && type != PanelType.STAT) {
                throw new IllegalArgumentException("panel '" + title + "': showSeriesName applies to stat panels only");
            }
            return new Panel(this);
        }
    }
}
