package io.migmon.grafana.rules;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A named group of rules evaluated together. Immutable.
 *
 * @param name     group name, unique within a rule file
 * @param interval evaluation interval, or {@code null} for Prometheus' global {@code evaluation_interval}
 * @param rules    the rules, in order
 */
public record RuleGroup(String name, Duration interval, List<AlertRule> rules) {

    /**
     * @throws IllegalArgumentException naming the field when the name is blank, there is no rule, an alert name
     *     repeats or the interval is not positive
     */
    public RuleGroup {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("rule group name must not be blank");
        }
        if (interval != null && (interval.isNegative() || interval.isZero())) {
            throw new IllegalArgumentException("rule group '" + name + "': interval must be positive, was " + interval);
        }
        rules = List.copyOf(rules);
        if (rules.isEmpty()) {
            throw new IllegalArgumentException("rule group '" + name + "': rules must not be empty");
        }
        Set<String> names = new HashSet<>();
        for (AlertRule r : rules) {
            if (!names.add(r.alert())) {
                throw new IllegalArgumentException("rule group '" + name + "': alert '" + r.alert()
                        + "' is defined twice");
            }
        }
    }
}
