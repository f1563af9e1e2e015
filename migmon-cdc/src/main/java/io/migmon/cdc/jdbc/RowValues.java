package io.migmon.cdc.jdbc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.migmon.cdc.event.ChangeEvent;

import java.io.IOException;
import java.time.DateTimeException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Debezium's encodings of single values that PostgreSQL cannot read as they are, turned into the column type's input
 * text: {@code bytea} (base64 or hex text, per {@code binary.handling.mode}) as {@code \x...}, {@code interval} in
 * {@code interval.handling.mode=numeric} (microseconds) as days and microseconds, {@code json}/{@code jsonb} (the
 * document's text in a JSON string, {@code io.debezium.data.Json}) as the document; and Debezium's
 * {@code unavailable.value.placeholder} (an unchanged TOASTed value) recognised so that it is never written. Shared by
 * the typed path ({@link TypedRows}) and the {@code json_populate_record} path ({@link #rewrite}). Thread-safe.
 */
final class RowValues {

    private static final JsonFactory JSON = new JsonFactory();
    private static final long MICROS_PER_DAY = 86_400_000_000L;
    /** Marker (by identity) for a value Debezium did not send: an unchanged TOASTed column. */
    static final String UNAVAILABLE = new String("<unavailable>");

    private RowValues() {
    }

    /**
     * The input text of column {@code c} for a JSON string value, or {@link #UNAVAILABLE} for the placeholder.
     *
     * @throws IllegalArgumentException naming the table and field (never the value) when a binary value cannot be
     *         decoded
     */
    static String fromString(JdbcChangeApplier.TableInfo info, int c, String text, String field) {
        if (text.equals(info.placeholder)) {
            return UNAVAILABLE;
        }
        if (info.byteaAt[c]) {
            byte[] bytes;
            try {
                bytes = decode(info.binaryMode, text);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("apply to " + info.quoted + " failed: value of bytea field " + field
                        + " is not " + info.binaryMode.describe() + " (set binaryHandlingMode to the connector's"
                        + " binary.handling.mode)", null);
            }
            if (Arrays.equals(bytes, info.placeholderBytes)) {
                return UNAVAILABLE;
            }
            return "\\x" + HexFormat.of().formatHex(bytes);
        }
        return text; // json/jsonb: the string holds the document's text (Debezium's io.debezium.data.Json)
    }

    private static byte[] decode(JdbcChangeApplier.BinaryMode mode, String text) {
        switch (mode) {
            case HEX:
                return HexFormat.of().parseHex(text);
            case BASE64_URL_SAFE:
                return Base64.getUrlDecoder().decode(text);
            default:
                return Base64.getDecoder().decode(text);
        }
    }

    /**
     * PostgreSQL's input text of an interval of {@code micros} microseconds ({@code interval.handling.mode=numeric}):
     * whole days as days (as Debezium counted them, 24 h each), the rest as microseconds.
     */
    static String interval(long micros) {
        return (micros / MICROS_PER_DAY) + " days " + (micros % MICROS_PER_DAY) + " microseconds";
    }

    /** A row image made readable by {@code json_populate_record}, and the columns it lacks values for. */
    static final class Rewritten {
        final String json;
        /** Columns whose value Debezium did not send (placeholder): never written. */
        final List<String> unavailable;

        Rewritten(String json, List<String> unavailable) {
            this.json = json;
            this.unavailable = unavailable;
        }
    }

    /**
     * The row image with every value converted as the typed path does (temporal numbers, binary, interval, json
     * documents) and placeholders replaced by {@code null} (listed in {@link Rewritten#unavailable}); with
     * {@code keysOnly} (a delete's key image) only the key columns are converted.
     *
     * @throws IllegalArgumentException naming the table and field (never the value)
     */
    static Rewritten rewrite(JdbcChangeApplier.TableInfo info, ChangeEvent e, String json, boolean keysOnly) {
        Map<String, String> types = e.rowFieldTypes();
        StringBuilder out = null;
        int copied = 0;
        List<String> unavailable = List.of();
        String field = null;
        java.util.Set<String> placeholders = containerPlaceholders(info.placeholder);
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("apply to " + info.quoted + " failed: row image is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                field = p.currentName();
                JsonToken v = p.nextToken();
                Integer col = info.index.get(field);
                if (col == null || (keysOnly && !info.isKeyAt[col])) {
                    p.skipChildren();
                    continue;
                }
                int c = col;
                int start = (int) p.currentTokenLocation().getCharOffset();
                int end;
                String replacement = null;
                if (v == JsonToken.VALUE_STRING) {
                    String text = p.getText();
                    end = stringEnd(json, start);
                    String conv = fromString(info, c, text, field);
                    if (conv == UNAVAILABLE) {
                        replacement = "null";
                        unavailable = add(unavailable, field);
                    } else if (info.jsonAt[c]) {
                        replacement = conv;
                    } else if (!conv.equals(text)) {
                        replacement = quote(conv);
                    }
                } else if (v == JsonToken.VALUE_NUMBER_INT) {
                    String text = p.getText();
                    end = start + text.length();
                    if (!json.startsWith(text, start)) {
                        throw new IllegalArgumentException("apply to " + info.quoted + " failed: cannot locate the value"
                                + " of field " + field);
                    }
                    if (info.intervalAt[c]) {
                        replacement = quote(interval(p.getLongValue()));
                    } else if (!info.jsonAt[c]) {
                        TemporalValues.Unit u = types != null ? TemporalValues.unitOfSemanticType(types.get(field))
                                : info.inferredUnitAt[c];
                        if (u != null) {
                            replacement = quote(TemporalValues.format(u, p.getLongValue()));
                        }
                    }
                } else if (v == JsonToken.START_ARRAY || v == JsonToken.START_OBJECT) {
                    p.skipChildren();
                    end = (int) p.currentLocation().getCharOffset();
                    if (end > start && end <= json.length() && end - start < 1024
                            && placeholders.contains(json.substring(start, end).replace(" ", ""))) {
                        replacement = "null"; // a TOASTed array (or hstore) left unchanged
                        unavailable = add(unavailable, field);
                    } else if (v == JsonToken.START_ARRAY) {
                        TemporalValues.Unit u = types != null ? TemporalValues.unitOfSemanticType(elementType(
                                types.get(field))) : info.inferredUnitAt[c];
                        if (info.byteaArrayAt[c] || info.jsonArrayAt[c] || u != null) {
                            // elements as their scalar type's are: json_populate_record reads a string element as
                            // the element type's input text (a number too), and a json/jsonb element as JSON
                            replacement = convertArray(info, c, u, json.substring(start, end), field);
                        }
                    }
                } else {
                    continue; // scalars: nothing to convert
                }
                if (replacement != null) {
                    if (out == null) {
                        out = new StringBuilder(json.length() + 32);
                    }
                    out.append(json, copied, start).append(replacement);
                    copied = end;
                }
            }
        } catch (DateTimeException | ArithmeticException | com.fasterxml.jackson.core.exc.InputCoercionException ex) {
            throw new IllegalArgumentException("apply to " + info.quoted + " failed: value of field " + field
                    + " is out of range", null);
        } catch (IOException ex) {
            throw new IllegalArgumentException("apply to " + info.quoted + " failed: row image is not valid JSON", null);
        }
        String result = out == null ? json : out.append(json, copied, json.length()).toString();
        return new Rewritten(result, unavailable);
    }

    /** The element type of an array field's type entry ({@code X[]}, see ChangeEvent#rowFieldTypes), else null. */
    static String elementType(String type) {
        return type != null && type.endsWith("[]") ? type.substring(0, type.length() - 2) : null;
    }

    /**
     * An array value (JSON) with its elements converted: bytea elements decoded to {@code \x...}, json/jsonb elements
     * (the document's text in a JSON string) as the document itself, temporal numbers in {@code unit} as ISO text;
     * nulls and nested arrays kept (nested arrays converted element by element).
     */
    private static String convertArray(JdbcChangeApplier.TableInfo info, int c, TemporalValues.Unit unit,
                                       String array, String field) throws IOException {
        StringBuilder b = new StringBuilder(array.length() + 16);
        try (JsonParser p = JSON.createParser(array)) {
            p.nextToken();
            convertArray(info, c, unit, p, field, b);
        }
        return b.toString();
    }

    private static void convertArray(JdbcChangeApplier.TableInfo info, int c, TemporalValues.Unit unit, JsonParser p,
                                     String field, StringBuilder b) throws IOException {
        b.append('[');
        JsonToken t;
        boolean first = true;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
            if (t == null) {
                throw new IOException("truncated array");
            }
            if (!first) {
                b.append(',');
            }
            first = false;
            switch (t) {
                case START_ARRAY:
                    convertArray(info, c, unit, p, field, b);
                    break;
                case VALUE_STRING:
                    String text = p.getText();
                    if (info.byteaArrayAt[c]) {
                        byte[] bytes;
                        try {
                            bytes = decode(info.binaryMode, text);
                        } catch (IllegalArgumentException ex) {
                            throw new IllegalArgumentException("apply to " + info.quoted + " failed: element of bytea[]"
                                    + " field " + field + " is not " + info.binaryMode.describe() + " (set"
                                    + " binaryHandlingMode to the connector's binary.handling.mode)", null);
                        }
                        b.append(quote("\\x" + HexFormat.of().formatHex(bytes)));
                    } else if (info.jsonArrayAt[c]) {
                        b.append(document(info, text, field));
                    } else {
                        b.append(quote(text));
                    }
                    break;
                case VALUE_NUMBER_INT:
                    b.append(unit == null ? p.getText() : quote(TemporalValues.format(unit, p.getLongValue())));
                    break;
                case VALUE_NULL:
                    b.append("null");
                    break;
                case VALUE_NUMBER_FLOAT:
                case VALUE_TRUE:
                case VALUE_FALSE:
                    b.append(p.getText());
                    break;
                default:
                    throw new IllegalArgumentException("apply to " + info.quoted + " failed: element of array field "
                            + field + " is not a scalar", null);
            }
        }
        b.append(']');
    }

    /**
     * The JSON document held as text by a json/jsonb array element, checked to be one JSON value (it is spliced into
     * the row image). A document {@code null} (jsonb {@code 'null'}) cannot be told from a SQL NULL element there:
     * json_populate_record stores both as a NULL element.
     */
    private static String document(JdbcChangeApplier.TableInfo info, String text, String field) throws IOException {
        try (JsonParser d = JSON.createParser(text)) {
            JsonToken t = d.nextToken();
            if (t != null) {
                d.skipChildren();
                if (d.nextToken() == null) {
                    return text;
                }
            }
        } catch (IOException ex) {
            // reported below
        }
        throw new IllegalArgumentException("apply to " + info.quoted + " failed: element of json array field " + field
                + " is not a JSON document", null);
    }

    private static final Map<String, java.util.Set<String>> CONTAINER_PLACEHOLDERS =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * The JSON forms of Debezium's placeholder for TOASTed containers (its {@code UnchangedToastedPlaceholder}):
     * text arrays {@code ["p"]}, int/bigint arrays the placeholder's bytes as numbers, binary arrays its bytes in
     * base64, uuid arrays its name-based UUID, hstore {@code {"p":"p"}}.
     */
    static java.util.Set<String> containerPlaceholders(String placeholder) {
        return CONTAINER_PLACEHOLDERS.computeIfAbsent(placeholder, ph -> {
            byte[] bytes = ph.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            StringBuilder ints = new StringBuilder("[");
            for (int i = 0; i < bytes.length; i++) {
                ints.append(i == 0 ? "" : ",").append((int) bytes[i]);
            }
            return java.util.Set.of("[" + quote(ph) + "]", ints.append(']').toString(),
                    "[" + quote(Base64.getEncoder().encodeToString(bytes)) + "]",
                    "[" + quote(java.util.UUID.nameUUIDFromBytes(bytes).toString()) + "]",
                    "{" + quote(ph) + ":" + quote(ph) + "}");
        });
    }

    private static List<String> add(List<String> list, String field) {
        List<String> out = list.isEmpty() ? new ArrayList<>() : list;
        out.add(field);
        return out;
    }

    /** The offset just past the JSON string token starting at {@code start} (its opening quote). */
    private static int stringEnd(String json, int start) {
        if (start < 0 || start >= json.length() || json.charAt(start) != '"') {
            throw new IllegalArgumentException("cannot locate a string value in the row image");
        }
        int i = start + 1;
        while (i < json.length()) {
            char ch = json.charAt(i);
            if (ch == '\\') {
                i += 2;
                continue;
            }
            if (ch == '"') {
                return i + 1;
            }
            i++;
        }
        throw new IllegalArgumentException("row image is not valid JSON");
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        JsonStringEncoder.getInstance().quoteAsString(s, b);
        return b.append('"').toString();
    }
}
