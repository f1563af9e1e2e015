package io.migmon.grafana.dashboard;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A dashboard template variable: a Prometheus data source picker, or a query variable whose values come from
 * {@code label_values(metric, label)}. Query variables are multi-value with an "All" option whose value is the regex
 * {@code .*}, so panel queries match them with {@code label=~"$variable"}. Immutable.
 */
public final class Variable {

    /** Variable names: letters, digits and underscores, not starting with a digit or {@code __} (Grafana's own). */
    static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    /** Kind of variable. */
    public enum Kind {
        /** Picks a data source of a plugin type. */
        DATASOURCE,
        /** Values from a data source query. */
        QUERY
    }

    private final Kind kind;
    private final String name;
    private final String label;
    private final String query;
    private final boolean multi;
    private final boolean includeAll;

    private Variable(Kind kind, String name, String label, String query, boolean multi, boolean includeAll) {
        this.kind = kind;
        this.name = requireName(name);
        this.label = label == null || label.isBlank() ? name : label;
        if (query == null || query.isBlank()) {
            throw new IllegalArgumentException("variable '" + name + "': query must not be blank");
        }
        this.query = query;
        this.multi = multi;
        this.includeAll = includeAll;
    }

    /**
     * A data source variable for plugin {@code pluginType} (e.g. {@code prometheus}); panels refer to it as
     * {@code ${name}}.
     */
    public static Variable datasource(String name, String pluginType) {
        return new Variable(Kind.DATASOURCE, name, "Data source", pluginType, false, false);
    }

    /**
     * A multi-value query variable with an "All" option ({@code .*}) whose values are {@code label_values(metric,
     * label)}.
     *
     * @param name   variable name used in queries as {@code $name}
     * @param metric series selector, e.g. {@code migration_status} or {@code migration_rows_total{migration_id=~"$migration_id"}}
     * @param label  the label whose values are offered
     */
    public static Variable labelValues(String name, String metric, String label) {
        if (metric == null || metric.isBlank()) {
            throw new IllegalArgumentException("variable '" + name + "': metric must not be blank");
        }
        if (label == null || !NAME.matcher(label).matches()) {
            throw new IllegalArgumentException("variable '" + name + "': label must be a Prometheus label name, was '"
                    + label + "'");
        }
        return new Variable(Kind.QUERY, name, null, "label_values(" + metric + ", " + label + ")", true, true);
    }

    /** A copy with a display label. */
    public Variable withLabel(String displayLabel) {
        return new Variable(kind, name, displayLabel, query, multi, includeAll);
    }

    /** Data source or query variable. */
    public Kind kind() {
        return kind;
    }

    /** The name queries refer to as {@code $name}. */
    public String name() {
        return name;
    }

    /** The label shown on the dashboard. */
    public String label() {
        return label;
    }

    /** The plugin type of a data source variable, or the query ({@code label_values(...)}) of a query variable. */
    public String query() {
        return query;
    }

    ObjectNode toJson(JsonNodeFactory f, ObjectNode datasource) {
        ObjectNode v = f.objectNode();
        v.put("name", name);
        v.put("label", label);
        v.put("hide", 0);
        v.put("skipUrlSync", false);
        if (kind == Kind.DATASOURCE) {
            v.put("type", "datasource");
            v.put("query", query);
            v.put("refresh", 1);
            v.put("regex", "");
            v.putArray("options");
            return v;
        }
        v.put("type", "query");
        if (datasource != null) {
            v.set("datasource", datasource.deepCopy());
        }
        ObjectNode q = v.putObject("query");
        q.put("qryType", 1);
        q.put("query", query);
        q.put("refId", "PrometheusVariableQueryEditor-VariableQuery");
        v.put("definition", query);
        v.put("refresh", 2);
        v.put("regex", "");
        v.put("sort", 1);
        v.put("multi", multi);
        v.put("includeAll", includeAll);
        if (includeAll) {
            v.put("allValue", ".*");
            ObjectNode current = v.putObject("current");
            current.put("selected", true);
            current.putArray("text").add("All");
            current.putArray("value").add("$__all");
        }
        v.putArray("options");
        return v;
    }

    private static String requireName(String name) {
        if (name == null || !NAME.matcher(name).matches() || name.startsWith("__")) {
            throw new IllegalArgumentException("variable name must be letters, digits and '_' (not starting with a "
                    + "digit or '__'), was '" + name + "'");
        }
        return name;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Variable v && v.kind == kind && v.name.equals(name) && v.query.equals(query)
                && v.label.equals(label);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, name, query, label);
    }

    @Override
    public String toString() {
        return "Variable{" + name + ", " + kind + ", " + query + "}";
    }
}
