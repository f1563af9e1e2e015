package io.migmon.alerting.spi;

import io.migmon.alerting.Alert;
import io.migmon.core.Severity;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a sink receives: the alerts of one group (firing and, if the route sends resolutions, resolved), like the
 * body of an Alertmanager webhook. Immutable.
 *
 * @param groupKey    stable id of the group: route name plus the group-by label values
 * @param sink        the receiving sink's name
 * @param groupLabels the group-by labels and their values
 * @param alerts      the alerts, firing first, then resolved; never empty
 * @param at          when the dispatcher produced it
 * @param repeat      true when this re-sends an unchanged group after the repeat interval
 */
public record Notification(String groupKey, String sink, Map<String, String> groupLabels, List<Alert> alerts,
                           Instant at, boolean repeat) {

    /** Validates and copies. */
    public Notification {
        Objects.requireNonNull(groupKey, "groupKey");
        Objects.requireNonNull(sink, "sink");
        groupLabels = Map.copyOf(groupLabels);
        alerts = List.copyOf(alerts);
        Objects.requireNonNull(at, "at");
        if (alerts.isEmpty()) {
            throw new IllegalArgumentException("a notification needs at least one alert");
        }
    }

    /** {@code firing} when any alert fires, else {@code resolved}. */
    public String status() {
        return firing().isEmpty() ? "resolved" : "firing";
    }

    /** The firing alerts. */
    public List<Alert> firing() {
        return alerts.stream().filter(a -> !a.resolved()).toList();
    }

    /** The resolved alerts. */
    public List<Alert> resolved() {
        return alerts.stream().filter(Alert::resolved).toList();
    }

    /** The most severe firing alert's severity, or the most severe overall when all resolved. */
    public Severity severity() {
        List<Alert> pool = firing().isEmpty() ? alerts : firing();
        return pool.stream().map(Alert::severity).max(Enum::compareTo).orElse(Severity.INFO);
    }

    /** Labels with equal values on every alert. */
    public Map<String, String> commonLabels() {
        Map<String, String> common = new TreeMap<>(alerts.get(0).identityLabels());
        for (Alert a : alerts) {
            common.entrySet().removeIf(e -> !e.getValue().equals(a.label(e.getKey())));
        }
        return common;
    }

    /** A short title: status, count and alert names, e.g. {@code [FIRING:2] high_error_rate}. */
    public String title() {
        String names = alerts.stream().map(Alert::name).distinct().reduce((x, y) -> x + ", " + y).orElse("");
        return "[" + status().toUpperCase(java.util.Locale.ROOT) + ":" + (firing().isEmpty() ? alerts.size() : firing().size())
                + "] " + names;
    }
}
