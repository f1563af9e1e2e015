package io.migmon.verify;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One verified difference: its kind, the key of the row (column name to the key value's canonical text, in key
 * order) and, for {@link DifferenceKind#CHANGED}, the columns whose values differ. Values themselves are never
 * reported (they may be personal data). Immutable.
 */
public final class RowDifference {

    private final DifferenceKind kind;
    private final Map<String, String> key;
    private final List<String> columns;

    /**
     * @param kind    missing, extra or changed
     * @param key     key column to canonical text of its value (for MongoDB: {@code _id} to its JSON form)
     * @param columns differing columns of a changed row; empty otherwise
     */
    public RowDifference(DifferenceKind kind, Map<String, String> key, List<String> columns) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.key = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(key, "key")));
        this.columns = List.copyOf(columns);
    }

    public DifferenceKind kind() {
        return kind;
    }

    /** Key column to the canonical text of its value, in key order. */
    public Map<String, String> key() {
        return key;
    }

    /** The differing columns of a {@link DifferenceKind#CHANGED} row, in table order; empty for missing and extra. */
    public List<String> columns() {
        return columns;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RowDifference d && d.kind == kind && d.key.equals(key) && d.columns.equals(columns);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, key, columns);
    }

    @Override
    public String toString() {
        return kind.tagValue() + " " + key + (columns.isEmpty() ? "" : " " + columns);
    }
}
