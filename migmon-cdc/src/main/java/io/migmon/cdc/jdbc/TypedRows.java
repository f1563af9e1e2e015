package io.migmon.cdc.jdbc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.migmon.cdc.event.ChangeEvent;

import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.DateTimeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One chunk of same-kind events of one table, converted in a single streaming pass per row image into one text
 * array per column (epoch-based temporal numbers already ISO text, {@code json}/{@code jsonb} columns as JSON text)
 * and bound as untyped array literals, {@code unnest(?::type[], ...)}, of one multi-row statement. An upsert
 * statement holds each key once (a multi-row {@code ON CONFLICT} statement may touch a row once): it ends before the
 * first event whose key it already holds, and that event starts the next statement of the chunk. So the rows are
 * written in the events' order, every image is written (a rejected one fails its statement, so it is dead-lettered as
 * on the per-event path), and a UNIQUE non-key column sees the same intermediate states as one statement per event.
 * Images merged instead (the last of a key at the key's first position) reordered a key's update before another
 * key's and swallowed a rejected image replaced later (issue 16, findings 1 and 5). Deletes of a repeated key are
 * written once (deleting twice is deleting once). Not thread-safe; one per chunk.
 */
final class TypedRows {

    private static final JsonFactory JSON = new JsonFactory();

    /** A field the table's cached metadata lacks: refresh / evolve the table, then convert again. */
    boolean unknownField;
    /**
     * A JSON object or array in a column that is not json/jsonb (arrays, composites), or an unchanged TOASTed value
     * (Debezium's placeholder: only the row's other columns may be written): use the JSON path.
     */
    boolean needsJson;
    private final String[][] values;
    private int rows;
    /** Where each upsert statement's rows start (its end: the next one's start, or {@link #rows}). */
    private int[] starts = new int[4];
    private int statements;
    /** The field names of the row being read (reused). */
    private final List<String> seen = new ArrayList<>();

    private TypedRows(int columns, int capacity) {
        this.values = new String[columns][capacity];
    }

    /**
     * Converts the chunk; never null: check {@link #unknownField} and {@link #needsJson} before {@link #execute}.
     *
     * @throws IllegalArgumentException naming the table and field (never the value) for out-of-range temporal
     *         numbers, images that are not JSON objects, events without the needed image
     */
    static TypedRows convert(JdbcChangeApplier.TableInfo info, boolean upsert, List<ChangeEvent> events) {
        int width = info.index.size();
        TypedRows out = new TypedRows(upsert ? width : info.keyAt.length, events.size());
        for (int k : info.keyAt) {
            if (k < 0) {
                out.needsJson = true; // a configured key column the table lacks: the JSON path reports it
                return out;
            }
        }
        String[] row = new String[width];
        Map<Object, Integer> rowOfKey = new HashMap<>(events.size() * 2);
        for (ChangeEvent e : events) {
            String json = upsert ? e.afterJson() : JdbcChangeApplier.deleteKey(e);
            if (json == null) {
                throw new IllegalArgumentException("event without " + (upsert ? "after" : "before/key") + " image: " + e);
            }
            Arrays.fill(row, null);
            if (!out.readRow(info, e, json, row, upsert)) {
                return out;
            }
            Object key = keyOf(info, row);
            Integer at = rowOfKey.putIfAbsent(key, out.rows);
            if (upsert && (at != null || out.statements == 0)) {
                if (at != null) {
                    // a key the statement holds: this event starts the next one
                    rowOfKey.clear();
                    rowOfKey.put(key, out.rows);
                }
                if (out.statements == out.starts.length) {
                    out.starts = Arrays.copyOf(out.starts, out.statements * 2);
                }
                out.starts[out.statements++] = out.rows;
                at = null;
            }
            int target = at == null ? out.rows++ : at;
            if (upsert) {
                for (int c = 0; c < width; c++) {
                    out.values[c][target] = row[c];
                }
            } else {
                for (int k = 0; k < info.keyAt.length; k++) {
                    out.values[k][target] = row[info.keyAt[k]];
                }
            }
        }
        return out;
    }

    private static Object keyOf(JdbcChangeApplier.TableInfo info, String[] row) {
        if (info.keyAt.length == 1) {
            String k = row[info.keyAt[0]];
            return k == null ? NULL_KEY : k;
        }
        String[] key = new String[info.keyAt.length];
        for (int i = 0; i < key.length; i++) {
            key[i] = row[info.keyAt[i]];
        }
        return Arrays.asList(key);
    }

    private static final Object NULL_KEY = new Object();

    /** Reads one row image into {@code row} by column position; false when the chunk cannot take the typed path. */
    private boolean readRow(JdbcChangeApplier.TableInfo info, ChangeEvent e, String json, String[] row, boolean upsert) {
        Map<String, String> types = e.rowFieldTypes();
        // the plan of this schema version: the row's fields in the order of the last image read, each with its
        // column and temporal unit (the events of one schema version share one types map, so identity decides)
        RowPlan plan = info.plan;
        if (plan != null && plan.types != types) {
            plan = null;
        }
        boolean missed = plan == null;
        seen.clear();
        String field = null;
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("apply to " + info.quoted + " failed: row image is not a JSON object");
            }
            JsonToken t;
            int i = 0;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                field = p.currentName();
                JsonToken v = p.nextToken();
                int c;
                TemporalValues.Unit unit;
                if (plan != null && i < plan.fields.length && plan.fields[i].equals(field)) {
                    c = plan.column[i];
                    unit = plan.unit[i];
                } else {
                    missed = true;
                    c = columnOf(info, field);
                    unit = unitOf(info, types, field, c);
                }
                seen.add(field);
                i++;
                if (c == SKIPPED) {
                    p.skipChildren(); // a generated column: PostgreSQL computes it
                    continue;
                }
                if (!upsert && c >= 0 && !info.isKeyAt[c]) {
                    p.skipChildren(); // deletes need the key columns only: nothing else is read or converted
                    continue;
                }
                if (c < 0) {
                    if (upsert && v == JsonToken.VALUE_NULL && types == null && info.skipUnknownNulls) {
                        continue; // its type cannot be known yet; nothing is lost (see JdbcChangeApplier)
                    }
                    if (upsert) {
                        unknownField = true;
                        return false;
                    }
                    p.skipChildren(); // deletes need the key columns only
                    continue;
                }
                switch (v) {
                    case VALUE_NULL:
                        row[c] = null;
                        break;
                    case VALUE_STRING:
                        String s = RowValues.fromString(info, c, p.getText(), field);
                        if (s == RowValues.UNAVAILABLE) {
                            if (upsert) {
                                needsJson = true;
                                return false;
                            }
                            s = null; // a delete needs the key only
                        }
                        row[c] = s;
                        break;
                    case VALUE_NUMBER_INT:
                        row[c] = info.intervalAt[c] ? RowValues.interval(p.getLongValue())
                                : unit == null ? p.getText() : TemporalValues.format(unit, p.getLongValue());
                        break;
                    case VALUE_NUMBER_FLOAT:
                        row[c] = p.getText();
                        break;
                    case VALUE_TRUE:
                        row[c] = "true";
                        break;
                    case VALUE_FALSE:
                        row[c] = "false";
                        break;
                    case START_OBJECT:
                    case START_ARRAY:
                        if (!info.jsonAt[c]) {
                            needsJson = true;
                            return false;
                        }
                        int start = (int) p.currentTokenLocation().getCharOffset();
                        p.skipChildren();
                        int end = (int) p.currentLocation().getCharOffset();
                        if (start < 0 || end <= start || end > json.length()) {
                            needsJson = true;
                            return false;
                        }
                        row[c] = json.substring(start, end);
                        break;
                    default:
                        throw new IllegalArgumentException("apply to " + info.quoted + " failed: row image is not valid JSON");
                }
            }
            if (t != JsonToken.END_OBJECT) {
                throw new IllegalArgumentException("apply to " + info.quoted + " failed: row image is not valid JSON");
            }
            if (missed) {
                info.plan = RowPlan.of(info, types, seen);
            }
        } catch (DateTimeException | ArithmeticException | com.fasterxml.jackson.core.exc.InputCoercionException ex) {
            throw new IllegalArgumentException("apply to " + info.quoted + " failed: value of field " + field
                    + " is out of range", null);
        } catch (IOException ex) {
            throw new IllegalArgumentException("apply to " + info.quoted + " failed: row image is not valid JSON", null);
        }
        return true;
    }

    /** The unit of a field's integer values: by its semantic type with a schema, else by the column's type. */
    private static TemporalValues.Unit unitOf(JdbcChangeApplier.TableInfo info, Map<String, String> types, String field,
                                              int c) {
        if (c < 0 || info.jsonAt[c]) {
            return null;
        }
        return types != null ? TemporalValues.unitOfSemanticType(types.get(field)) : info.inferredUnitAt[c];
    }

    /**
     * What a row image of one schema version needs, resolved once: its fields in order, each field's column (-1:
     * the table lacks it) and temporal unit. Keyed by the identity of the events' semantic-type map (one instance per
     * schema version, from the parser's schema cache; {@code null} for records without a schema). A row whose
     * fields differ from the plan's order falls back to look-ups field by field and replaces the plan. Immutable.
     */
    static final class RowPlan {
        final Map<String, String> types;
        final String[] fields;
        final int[] column;
        final TemporalValues.Unit[] unit;

        private RowPlan(Map<String, String> types, String[] fields, int[] column, TemporalValues.Unit[] unit) {
            this.types = types;
            this.fields = fields;
            this.column = column;
            this.unit = unit;
        }

        static RowPlan of(JdbcChangeApplier.TableInfo info, Map<String, String> types, List<String> fields) {
            String[] names = fields.toArray(new String[0]);
            int[] column = new int[names.length];
            TemporalValues.Unit[] unit = new TemporalValues.Unit[names.length];
            for (int i = 0; i < names.length; i++) {
                column[i] = columnOf(info, names[i]);
                unit[i] = unitOf(info, types, names[i], column[i]);
            }
            return new RowPlan(types, names, column, unit);
        }
    }

    /** A field of a column the applier never writes (a generated column). */
    static final int SKIPPED = -2;

    /** The column position of a field: -1 when the table lacks it, {@link #SKIPPED} for a generated column. */
    static int columnOf(JdbcChangeApplier.TableInfo info, String field) {
        Integer col = info.index.get(field);
        if (col != null) {
            return col;
        }
        return info.skipped.contains(field) ? SKIPPED : -1;
    }

    /**
     * Runs the chunk on {@code c} (inside the caller's transaction): deletes as one statement, upserts as one
     * statement per run of distinct keys, in order; several go as one JDBC batch.
     */
    void execute(Connection c, JdbcChangeApplier.TableInfo info, boolean upsert) throws SQLException {
        if (rows == 0) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(upsert ? info.typedUpsertSql : info.typedDeleteSql)) {
            StringBuilder literal = new StringBuilder(rows * 16);
            int n = upsert ? statements : 1;
            for (int s = 0; s < n; s++) {
                int from = upsert ? starts[s] : 0;
                int to = upsert && s + 1 < n ? starts[s + 1] : rows;
                for (int col = 0; col < values.length; col++) {
                    // untyped: the statement's ?::type[] makes PostgreSQL read it with the column type's input
                    // function
                    ps.setObject(col + 1, arrayLiteral(values[col], from, to, literal), Types.OTHER);
                }
                if (n == 1) {
                    ps.executeUpdate();
                } else {
                    ps.addBatch();
                }
            }
            if (n > 1) {
                ps.executeBatch();
            }
        }
    }

    /** {@link #arrayLiteral(String[], int, int, StringBuilder)} of the first {@code n} values. */
    static String arrayLiteral(String[] values, int n, StringBuilder b) {
        return arrayLiteral(values, 0, n, b);
    }

    /**
     * PostgreSQL's array literal of {@code values[first, end)}: {@code {"v1","v2",NULL}}, every value quoted with
     * {@code "} and {@code \} escaped, so no value can end an element or the array.
     */
    static String arrayLiteral(String[] values, int first, int end, StringBuilder b) {
        b.setLength(0);
        b.append('{');
        for (int i = first; i < end; i++) {
            if (i > first) {
                b.append(',');
            }
            String s = values[i];
            if (s == null) {
                b.append("NULL");
                continue;
            }
            b.append('"');
            int from = 0;
            for (int j = 0; j < s.length(); j++) {
                char ch = s.charAt(j);
                if (ch == '"' || ch == '\\') {
                    b.append(s, from, j).append('\\');
                    from = j;
                }
            }
            b.append(s, from, s.length()).append('"');
        }
        return b.append('}').toString();
    }
}
