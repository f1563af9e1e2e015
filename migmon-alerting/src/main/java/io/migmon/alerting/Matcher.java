package io.migmon.alerting;

import io.migmon.core.Severity;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Selects alerts by a severity range and exact label values (on {@link Alert#identityLabels()}). Immutable.
 *
 * @param minSeverity alerts at least this severe match; null for no lower bound
 * @param maxSeverity alerts at most this severe match; null for no upper bound
 * @param labels      label values that must be equal; empty matches everything
 */
public record Matcher(Severity minSeverity, Severity maxSeverity, Map<String, String> labels) {

    /** Matches every alert. */
    public static final Matcher ANY = new Matcher(null, null, Map.of());

    /** Copies the labels. */
    public Matcher {
        labels = Map.copyOf(new TreeMap<>(Objects.requireNonNull(labels, "matcher labels")));
    }

    /** Alerts with severity at least {@code s}. */
    public static Matcher severityAtLeast(Severity s) {
        return new Matcher(Objects.requireNonNull(s, "severity"), null, Map.of());
    }

    /** Alerts with severity at most {@code s}. */
    public static Matcher severityAtMost(Severity s) {
        return new Matcher(null, Objects.requireNonNull(s, "severity"), Map.of());
    }

    /** Alerts with exactly these label values (key, value pairs). */
    public static Matcher labels(String... keyValues) {
        return ANY.and(keyValues);
    }

    /** This matcher plus label equalities (key, value pairs). */
    public Matcher and(String... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("matcher labels must be key/value pairs");
        }
        Map<String, String> m = new TreeMap<>(labels);
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put(keyValues[i], keyValues[i + 1]);
        }
        return new Matcher(minSeverity, maxSeverity, m);
    }

    /** Whether the alert matches. */
    public boolean matches(Alert alert) {
        if (minSeverity != null && alert.severity().compareTo(minSeverity) < 0) {
            return false;
        }
        if (maxSeverity != null && alert.severity().compareTo(maxSeverity) > 0) {
            return false;
        }
        for (Map.Entry<String, String> e : labels.entrySet()) {
            if (!e.getValue().equals(alert.label(e.getKey()))) {
                return false;
            }
        }
        return true;
    }
}
