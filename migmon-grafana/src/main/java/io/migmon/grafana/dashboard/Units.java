package io.migmon.grafana.dashboard;

/**
 * Grafana unit ids used by migmon's dashboards (see Grafana's {@code valueFormats/categories.ts}); any other id or a
 * custom unit such as {@code suffix:rows} can be passed to {@link Panel.Builder#unit(String)} as well.
 */
public final class Units {

    /** Seconds. */
    public static final String SECONDS = "s";
    /** A ratio 0..1 shown as a percentage. */
    public static final String PERCENT_UNIT = "percentunit";
    /** Plain number with SI-like abbreviations. */
    public static final String SHORT = "short";
    /** No unit. */
    public static final String NONE = "none";
    /** Rows per second (custom suffix unit). */
    public static final String ROWS_PER_SECOND = "suffix: rows/s";
    /** Events per second (custom suffix unit). */
    public static final String EVENTS_PER_SECOND = "suffix: events/s";
    /** Documents per second (custom suffix unit). */
    public static final String DOCUMENTS_PER_SECOND = "suffix: docs/s";
    /** Operations per second. */
    public static final String OPS_PER_SECOND = "ops";
    /** Messages (custom suffix unit). */
    public static final String MESSAGES = "suffix: msgs";
    /** Unix time in <em>milliseconds</em> shown relative to now ("3 minutes ago"). */
    public static final String DATE_TIME_FROM_NOW_MS = "dateTimeFromNow";

    private Units() {
    }
}
