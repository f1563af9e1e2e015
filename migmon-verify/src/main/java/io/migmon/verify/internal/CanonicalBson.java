package io.migmon.verify.internal;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * Canonical text and 64-bit hash of BSON values: the order of a document's top-level fields does not matter (they
 * are sorted; MongoDB queries and updates address top-level fields by name), the field order of embedded documents
 * does (MongoDB compares embedded documents field by field in order: {@code {city: 'X', zip: '1'}} does not match
 * {@code {zip: '1', city: 'X'}}, and {@code _id} documents of another order are other keys), numbers compare by
 * value whatever their BSON type (int32 1, int64 1, double 1.0 and decimal 1.00 are equal, like {@code numeric}
 * without strict scale; decimal -0 is 0), every other type is tagged so that values of different types differ
 * (the string "1" differs from the number 1, null from "" and from a missing field).
 */
public final class CanonicalBson {

    private CanonicalBson() {
    }

    /** Canonical text of a value; a document's top-level fields sorted by name, embedded ones in their order. */
    public static String text(BsonValue v) {
        StringBuilder sb = new StringBuilder();
        if (v.isDocument()) {
            document(sb, new TreeMap<>(v.asDocument()));
        } else {
            write(sb, v);
        }
        return sb.toString();
    }

    /** Canonical text of a field's value (an embedded document keeps its field order). */
    private static String fieldText(BsonValue v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v);
        return sb.toString();
    }

    private static void document(StringBuilder sb, Map<String, BsonValue> fields) {
        sb.append('{');
        fields.forEach((k, x) -> {
            quote(sb, k);
            sb.append(':');
            write(sb, x);
            sb.append(',');
        });
        sb.append('}');
    }

    /** The first 64 bits of the MD5 of the canonical text. */
    public static long hash(BsonValue v) {
        byte[] d = md5(text(v));
        long h = 0;
        for (int i = 0; i < 8; i++) {
            h = (h << 8) | (d[i] & 0xff);
        }
        return h;
    }

    /** Top-level fields whose canonical values differ (or that only one side has), sorted. */
    public static List<String> differingFields(BsonDocument a, BsonDocument b) {
        Map<String, Boolean> keys = new TreeMap<>();
        a.keySet().forEach(k -> keys.put(k, true));
        b.keySet().forEach(k -> keys.put(k, true));
        List<String> out = new ArrayList<>();
        for (String k : keys.keySet()) {
            BsonValue x = a.get(k);
            BsonValue y = b.get(k);
            if (x == null || y == null || !fieldText(x).equals(fieldText(y))) {
                out.add(k);
            }
        }
        return out;
    }

    private static void write(StringBuilder sb, BsonValue v) {
        switch (v.getBsonType()) {
            case DOCUMENT -> document(sb, v.asDocument()); // embedded: in its field order
            case ARRAY -> {
                sb.append('[');
                for (BsonValue x : v.asArray()) {
                    write(sb, x);
                    sb.append(',');
                }
                sb.append(']');
            }
            case INT32 -> number(sb, BigDecimal.valueOf(v.asInt32().getValue()));
            case INT64 -> number(sb, BigDecimal.valueOf(v.asInt64().getValue()));
            case DOUBLE -> {
                double d = v.asDouble().getValue();
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    sb.append("n:").append(d);
                } else {
                    number(sb, new BigDecimal(d));
                }
            }
            case DECIMAL128 -> {
                var dec = v.asDecimal128().getValue();
                if (dec.isNaN() || dec.isInfinite()) {
                    sb.append("n:").append(dec);
                } else {
                    BigDecimal value;
                    try {
                        value = dec.bigDecimalValue();
                    } catch (ArithmeticException negativeZero) {
                        value = BigDecimal.ZERO; // -0 (refused by bigDecimalValue) is the number 0, like double -0.0
                    }
                    number(sb, value);
                }
            }
            case STRING -> {
                sb.append('s');
                quote(sb, v.asString().getValue());
            }
            case OBJECT_ID -> sb.append("o:").append(v.asObjectId().getValue().toHexString());
            case BOOLEAN -> sb.append(v.asBoolean().getValue() ? "true" : "false");
            case DATE_TIME -> sb.append("t:").append(v.asDateTime().getValue());
            case NULL -> sb.append("null");
            case BINARY -> sb.append("x").append(v.asBinary().getType()).append(':')
                    .append(HexFormat.of().formatHex(v.asBinary().getData()));
            default -> sb.append(v.getBsonType().name()).append(':').append(v);
        }
    }

    private static void number(StringBuilder sb, BigDecimal d) {
        sb.append("n:").append(d.signum() == 0 ? "0" : d.stripTrailingZeros().toPlainString());
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\');
            }
            sb.append(c);
        }
        sb.append('"');
    }

    private static byte[] md5(String s) {
        try {
            return MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
