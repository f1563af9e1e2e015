package io.migmon.core.report;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;

/** A minimal JSON writer (core has no JSON library): objects, arrays, strings, numbers, null. Not thread-safe. */
final class JsonText {

    private final StringBuilder sb = new StringBuilder();
    private boolean needComma;
    private int depth;

    JsonText beginObject() {
        comma();
        sb.append('{');
        depth++;
        needComma = false;
        return this;
    }

    JsonText endObject() {
        depth--;
        newline();
        sb.append('}');
        needComma = true;
        return this;
    }

    JsonText beginArray(String name) {
        key(name);
        sb.append('[');
        depth++;
        needComma = false;
        return this;
    }

    JsonText endArray() {
        depth--;
        newline();
        sb.append(']');
        needComma = true;
        return this;
    }

    JsonText name(String name) {
        key(name);
        needComma = false;
        return this;
    }

    JsonText field(String name, String value) {
        key(name);
        if (value == null) {
            sb.append("null");
        } else {
            string(value);
        }
        needComma = true;
        return this;
    }

    JsonText field(String name, Instant value) {
        return field(name, value == null ? null : value.toString());
    }

    JsonText field(String name, long value) {
        key(name);
        sb.append(value);
        needComma = true;
        return this;
    }

    /** NaN and infinities become {@code null} (JSON has no such numbers). */
    JsonText field(String name, double value) {
        key(name);
        sb.append(Double.isFinite(value) ? number(value) : "null");
        needComma = true;
        return this;
    }

    JsonText field(String name, Map<String, Long> counts) {
        name(name).beginObject();
        Iterator<Map.Entry<String, Long>> it = counts.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Long> e = it.next();
            field(e.getKey(), e.getValue().longValue());
        }
        return endObject();
    }

    JsonText stringArray(String name, Iterable<String> values) {
        beginArray(name);
        for (String v : values) {
            comma();
            newline();
            string(v);
            needComma = true;
        }
        return endArray();
    }

    private void key(String name) {
        comma();
        newline();
        string(name);
        sb.append(": ");
    }

    private void comma() {
        if (needComma) {
            sb.append(',');
        }
    }

    private void newline() {
        sb.append('\n');
        sb.append("  ".repeat(Math.max(0, depth)));
    }

    private static String number(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v) + ".0";
        }
        return Double.toString(v);
    }

    private void string(String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    @Override
    public String toString() {
        return sb.toString();
    }
}
