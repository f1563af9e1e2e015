package io.migmon.grafana.dashboard;

/** The Grafana panel plugins the builder supports, with their plugin ids. */
public enum PanelType {
    /** Time series graph ({@code timeseries}). */
    TIMESERIES("timeseries", 12, 8),
    /** Single value ({@code stat}). */
    STAT("stat", 6, 4),
    /** Radial gauge ({@code gauge}). */
    GAUGE("gauge", 6, 4),
    /** Bar gauge ({@code bargauge}). */
    BAR_GAUGE("bargauge", 12, 8),
    /** Table ({@code table}); its queries are instant queries in table format. */
    TABLE("table", 12, 8),
    /** Markdown text ({@code text}); has no queries. */
    TEXT("text", 24, 3);

    private final String pluginId;
    private final int defaultWidth;
    private final int defaultHeight;

    PanelType(String pluginId, int defaultWidth, int defaultHeight) {
        this.pluginId = pluginId;
        this.defaultWidth = defaultWidth;
        this.defaultHeight = defaultHeight;
    }

    /** Grafana's plugin id, the panel JSON's {@code type}. */
    public String pluginId() {
        return pluginId;
    }

    /** Width in grid columns (of 24) used when the panel does not set one. */
    public int defaultWidth() {
        return defaultWidth;
    }

    /** Height in grid rows used when the panel does not set one. */
    public int defaultHeight() {
        return defaultHeight;
    }
}
