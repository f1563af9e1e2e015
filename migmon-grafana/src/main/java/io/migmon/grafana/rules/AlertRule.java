package io.migmon.grafana.rules;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One Prometheus alerting rule. Immutable; labels and annotations keep their insertion order.
 *
 * @param alert       alert name (a Prometheus metric-name-like identifier, e.g. {@code migration_failed})
 * @param expr        PromQL expression; every result series is an alert
 * @param pending     how long the expression must hold before the alert fires ({@code for}); zero fires at once
 * @param labels      labels added to the alert, including {@code severity}
 * @param annotations {@code summary}, {@code description}, ... (Go templates such as {@code {{ $labels.migration_id }}})
 */
public record AlertRule(String alert, String expr, Duration pending, Map<String, String> labels,
        Map<String, String> annotations) {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /**
     * @throws IllegalArgumentException naming the field when the name is not an identifier, the expression is blank,
     *     the pending duration is negative or a label name is invalid
     */
    public AlertRule {
        if (alert == null || !NAME.matcher(alert).matches()) {
            throw new IllegalArgumentException("alert name must be letters, digits and '_', was '" + alert + "'");
        }
        if (expr == null || expr.isBlank()) {
            throw new IllegalArgumentException("alert '" + alert + "': expr must not be blank");
        }
        if (pending == null || pending.isNegative()) {
            throw new IllegalArgumentException("alert '" + alert + "': for must be zero or positive, was " + pending);
        }
        labels = copy(alert, "label", labels);
        annotations = copy(alert, "annotation", annotations);
    }

    /** The {@code severity} label, or {@code null}. */
    public String severity() {
        return labels.get("severity");
    }

    private static Map<String, String> copy(String alert, String what, Map<String, String> in) {
        Map<String, String> out = new LinkedHashMap<>();
        if (in != null) {
            in.forEach((k, v) -> {
                if (k == null || !NAME.matcher(k).matches() || k.startsWith("__")) {
                    throw new IllegalArgumentException("alert '" + alert + "': " + what + " name must be letters, "
                            + "digits and '_' (not starting with '__'), was '" + k + "'");
                }
                if (v == null) {
                    throw new IllegalArgumentException("alert '" + alert + "': " + what + " '" + k
                            + "' must not be null");
                }
                out.put(k, v);
            });
        }
        return Collections.unmodifiableMap(out);
    }
}
