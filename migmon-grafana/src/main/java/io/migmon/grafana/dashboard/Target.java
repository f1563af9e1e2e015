package io.migmon.grafana.dashboard;

import java.util.Objects;

/**
 * One Prometheus query of a panel: the PromQL expression and the legend format ({@code {{label}}} placeholders).
 * Immutable; the {@code refId} (A, B, ...) is assigned by the panel in order.
 *
 * @param expr         PromQL expression; may use dashboard variables ({@code $migration_id})
 * @param legendFormat legend template, or {@code null} for Grafana's default
 */
public record Target(String expr, String legendFormat) {

    /**
     * @throws IllegalArgumentException if the expression is blank
     */
    public Target {
        if (expr == null || expr.isBlank()) {
            throw new IllegalArgumentException("target expr must not be blank");
        }
    }

    /** A query without legend format. */
    public static Target of(String expr) {
        return new Target(expr, null);
    }

    /** A query with a legend format such as {@code {{migration_id}}}. */
    public static Target of(String expr, String legendFormat) {
        return new Target(expr, legendFormat);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Target t && t.expr.equals(expr) && Objects.equals(t.legendFormat, legendFormat);
    }

    @Override
    public int hashCode() {
        return Objects.hash(expr, legendFormat);
    }
}
