package io.migmon.grafana.rules;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Renders {@link RuleGroup}s as YAML (jackson-dataformat-yaml): a Prometheus rule file ({@code rule_files:}) or a
 * Kubernetes {@code monitoring.coreos.com/v1} {@code PrometheusRule} resource for the Prometheus Operator.
 */
public final class RuleFiles {

    private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
            .build());
    private static final Pattern DNS_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");

    private RuleFiles() {
    }

    /** A Prometheus rule file ({@code groups: [...]}). */
    public static String ruleFile(List<RuleGroup> groups) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("groups", groupsJson(groups));
        return write(root);
    }

    /**
     * A {@code PrometheusRule} resource with these groups as {@code spec.groups}.
     *
     * @param name      resource name (DNS subdomain)
     * @param namespace namespace, or {@code null} to leave it to {@code kubectl -n}
     * @param labels    resource labels, e.g. the {@code release} label a Prometheus' {@code ruleSelector} matches
     * @throws IllegalArgumentException naming the field when the name or namespace is not a DNS name
     */
    public static String prometheusRule(String name, String namespace, Map<String, String> labels,
            List<RuleGroup> groups) {
        if (name == null || name.length() > 253 || !DNS_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("PrometheusRule name must be a lowercase DNS name, was '" + name + "'");
        }
        if (namespace != null && (namespace.length() > 63 || !DNS_NAME.matcher(namespace).matches()
                || namespace.contains("."))) {
            throw new IllegalArgumentException("PrometheusRule namespace must be a lowercase DNS label, was '"
                    + namespace + "'");
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("apiVersion", "monitoring.coreos.com/v1");
        root.put("kind", "PrometheusRule");
        ObjectNode metadata = root.putObject("metadata");
        metadata.put("name", name);
        if (namespace != null) {
            metadata.put("namespace", namespace);
        }
        if (labels != null && !labels.isEmpty()) {
            ObjectNode l = metadata.putObject("labels");
            labels.forEach(l::put);
        }
        root.putObject("spec").set("groups", groupsJson(groups));
        return write(root);
    }

    /** A Prometheus duration: {@code 90s} → {@code 90s}, {@code 10m}, {@code 1h}; sub-second parts are rejected. */
    public static String duration(Duration d) {
        Objects.requireNonNull(d, "duration");
        if (d.getNano() != 0) {
            throw new IllegalArgumentException("durations must be whole seconds, was " + d);
        }
        long s = d.getSeconds();
        if (s != 0 && s % 3600 == 0) {
            return s / 3600 + "h";
        }
        if (s != 0 && s % 60 == 0) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    private static ArrayNode groupsJson(List<RuleGroup> groups) {
        if (groups == null || groups.isEmpty()) {
            throw new IllegalArgumentException("groups must not be empty");
        }
        JsonNodeFactory f = JsonNodeFactory.instance;
        ArrayNode arr = f.arrayNode();
        java.util.Set<String> names = new java.util.HashSet<>();
        for (RuleGroup g : groups) {
            if (!names.add(g.name())) {
                throw new IllegalArgumentException("rule group '" + g.name() + "' appears twice");
            }
            ObjectNode gj = arr.addObject();
            gj.put("name", g.name());
            if (g.interval() != null) {
                gj.put("interval", duration(g.interval()));
            }
            ArrayNode rules = gj.putArray("rules");
            for (AlertRule r : g.rules()) {
                ObjectNode rj = rules.addObject();
                rj.put("alert", r.alert());
                rj.put("expr", r.expr());
                if (!r.pending().isZero()) {
                    rj.put("for", duration(r.pending()));
                }
                if (!r.labels().isEmpty()) {
                    ObjectNode l = rj.putObject("labels");
                    r.labels().forEach(l::put);
                }
                if (!r.annotations().isEmpty()) {
                    ObjectNode a = rj.putObject("annotations");
                    r.annotations().forEach(a::put);
                }
            }
        }
        return arr;
    }

    private static String write(ObjectNode root) {
        try {
            return YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
