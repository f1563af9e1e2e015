package io.migmon.cdc.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.DeadLetterReason;
import io.migmon.cdc.event.Operation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Streaming parser of Debezium JSON records (JsonConverter output, with or without the {@code schema}/{@code payload}
 * wrapper). Reads only the fields migmon uses; row images are skipped, or captured as raw JSON text (a byte slice of
 * the input, no tree) when {@code captureRows} is set. Thread-safe (stateless apart from the shared factory).
 */
public final class EnvelopeParser {

    private final JsonFactory factory;
    private final String heartbeatTopicPrefix;
    private final String transactionTopicSuffix;

    public EnvelopeParser(JsonFactory factory, String heartbeatTopicPrefix, String transactionTopicSuffix) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.heartbeatTopicPrefix = heartbeatTopicPrefix;
        this.transactionTopicSuffix = transactionTopicSuffix;
    }

    /** Parser with Debezium's default topic names ({@code __debezium-heartbeat}, {@code .transaction}). */
    public static EnvelopeParser withDefaults() {
        return new EnvelopeParser(new JsonFactory(), "__debezium-heartbeat", ".transaction");
    }

    public boolean isHeartbeatTopic(String topic) {
        return heartbeatTopicPrefix != null && topic.startsWith(heartbeatTopicPrefix);
    }

    public boolean isTransactionTopic(String topic) {
        return transactionTopicSuffix != null && topic.endsWith(transactionTopicSuffix);
    }

    /**
     * Parses one record.
     *
     * @param captureRows whether to capture {@code before}/{@code after} as JSON text
     * @throws EnvelopeException with reason {@link DeadLetterReason#UNPARSEABLE} (not JSON, not an object),
     *         {@link DeadLetterReason#NOT_AN_ENVELOPE} (an object without {@code op}; on the transaction topic, without
     *         {@code status} and {@code id}) or {@link DeadLetterReason#UNKNOWN_OPERATION}
     */
    public ChangeEvent parse(CdcRecord record, boolean captureRows) throws EnvelopeException {
        byte[] value = record.value();
        String topic = record.topic();
        boolean heartbeatTopic = isHeartbeatTopic(topic);
        if (value == null) {
            return ChangeEvent.builder(record, heartbeatTopic ? ChangeEvent.Kind.HEARTBEAT : ChangeEvent.Kind.TOMBSTONE)
                    .build();
        }
        State st = new State();
        try (JsonParser p = factory.createParser(value)) {
            JsonToken first = p.nextToken();
            if (first == JsonToken.VALUE_NULL) {
                return ChangeEvent.builder(record, heartbeatTopic ? ChangeEvent.Kind.HEARTBEAT : ChangeEvent.Kind.TOMBSTONE)
                        .build();
            }
            if (first != JsonToken.START_OBJECT) {
                throw new EnvelopeException(DeadLetterReason.UNPARSEABLE, "value is not a JSON object");
            }
            readObject(p, st, captureRows, value, 0);
            if (p.nextToken() != null) {
                throw new EnvelopeException(DeadLetterReason.UNPARSEABLE, "trailing content after the JSON object");
            }
        } catch (IOException e) {
            // Jackson's message names the location, never the content beyond a short excerpt of the token
            throw new EnvelopeException(DeadLetterReason.UNPARSEABLE, "invalid JSON: " + firstLine(e.getMessage()));
        }
        if (st.payloadNull) {
            return ChangeEvent.builder(record, ChangeEvent.Kind.TOMBSTONE).build();
        }
        ChangeEvent.Kind kind;
        Operation op = null;
        if (heartbeatTopic) {
            kind = ChangeEvent.Kind.HEARTBEAT;
        } else if (isTransactionTopic(topic)) {
            // the transaction-record shape is recognised only here, and only it
            if (st.status == null || st.id == null || st.op != null) {
                throw new EnvelopeException(DeadLetterReason.NOT_AN_ENVELOPE,
                        "not a Debezium transaction record: needs 'status' and 'id' on the transaction topic");
            }
            kind = ChangeEvent.Kind.TRANSACTION;
        } else if (st.op != null) {
            op = Operation.fromCode(st.op);
            if (op == null) {
                throw new EnvelopeException(DeadLetterReason.UNKNOWN_OPERATION,
                        "unknown op '" + abbreviate(st.op) + "'");
            }
            kind = ChangeEvent.Kind.CHANGE;
        } else {
            throw new EnvelopeException(DeadLetterReason.NOT_AN_ENVELOPE, "not a Debezium envelope: no 'op' field");
        }
        return ChangeEvent.builder(record, kind)
                .operation(op)
                .sourceName(st.name).connector(st.connector).database(st.db).schema(st.schema).table(st.table)
                .snapshot(st.snapshot)
                .sourceTsNanos(nanos(st.srcNs, st.srcUs, st.srcMs))
                .eventTsNanos(nanos(st.ns, st.us, st.ms))
                .lsn(st.lsn).txId(st.txId)
                .transactionId(kind == ChangeEvent.Kind.TRANSACTION ? st.id : st.txBlockId)
                .transactionTotalOrder(st.totalOrder)
                .transactionStatus(kind == ChangeEvent.Kind.TRANSACTION ? st.status : null)
                .transactionEventCount(st.eventCount)
                .beforeJson(st.before).afterJson(st.after)
                .rowFieldTypes(st.rowFieldTypes)
                .build();
    }

    private void readObject(JsonParser p, State st, boolean capture, byte[] src, int depth)
            throws IOException, EnvelopeException {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "payload":
                    if (depth == 0 && v == JsonToken.START_OBJECT) {
                        readObject(p, st, capture, src, 1);
                    } else if (depth == 0 && v == JsonToken.VALUE_NULL) {
                        st.payloadNull = true;
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "schema":
                    if (depth == 0 && capture && v == JsonToken.START_OBJECT) {
                        readEnvelopeSchema(p, st);
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "op":
                    st.op = text(p, v);
                    break;
                case "before":
                    st.before = capture ? capture(p, v, src) : skip(p, null);
                    break;
                case "after":
                    st.after = capture ? capture(p, v, src) : skip(p, null);
                    break;
                case "source":
                    if (v == JsonToken.START_OBJECT) {
                        readSource(p, st);
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "ts_ms":
                    st.ms = longValue(p, v);
                    break;
                case "ts_us":
                    st.us = longValue(p, v);
                    break;
                case "ts_ns":
                    st.ns = longValue(p, v);
                    break;
                case "transaction":
                    if (v == JsonToken.START_OBJECT) {
                        readTransactionBlock(p, st);
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "status":
                    st.status = v == JsonToken.VALUE_STRING ? p.getText() : skip(p, null);
                    break;
                case "id":
                    st.id = v.isScalarValue() && v != JsonToken.VALUE_NULL ? p.getText() : skip(p, null);
                    break;
                case "event_count":
                    st.eventCount = longValue(p, v);
                    break;
                default:
                    // "schema" of the wrapper, "message", "data_collections", unknown future fields
                    p.skipChildren();
            }
        }
        if (t != JsonToken.END_OBJECT) {
            throw new EnvelopeException(DeadLetterReason.UNPARSEABLE, "malformed JSON object");
        }
    }

    /**
     * Reads the semantic type names of the row fields from the wrapper's schema: the {@code fields} entry named
     * {@code after} (or {@code before}) is a struct whose fields carry {@code field} and optionally {@code name}.
     */
    private static void readEnvelopeSchema(JsonParser p, State st) throws IOException {
        Map<String, String> types = null;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (!"fields".equals(name) || v != JsonToken.START_ARRAY) {
                p.skipChildren();
                continue;
            }
            while (p.nextToken() == JsonToken.START_OBJECT) {
                String field = null;
                Map<String, String> rowTypes = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    JsonToken kv = p.nextToken();
                    if ("field".equals(key)) {
                        field = text(p, kv);
                    } else if ("fields".equals(key) && kv == JsonToken.START_ARRAY) {
                        rowTypes = readRowFieldNames(p);
                    } else {
                        p.skipChildren();
                    }
                }
                if (rowTypes != null && ("after".equals(field) || ("before".equals(field) && types == null))) {
                    types = rowTypes;
                }
            }
        }
        st.rowFieldTypes = types == null ? null : Map.copyOf(types);
    }

    private static Map<String, String> readRowFieldNames(JsonParser p) throws IOException {
        Map<String, String> out = new HashMap<>();
        while (p.nextToken() == JsonToken.START_OBJECT) {
            String field = null;
            String semantic = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken kv = p.nextToken();
                if ("field".equals(key)) {
                    field = text(p, kv);
                } else if ("name".equals(key)) {
                    semantic = text(p, kv);
                } else {
                    p.skipChildren();
                }
            }
            if (field != null && semantic != null) {
                out.put(field, semantic);
            }
        }
        return out;
    }

    private static void readSource(JsonParser p, State st) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "name": st.name = text(p, v); break;
                case "connector": st.connector = text(p, v); break;
                case "db": st.db = text(p, v); break;
                case "schema": st.schema = text(p, v); break;
                case "table":
                case "collection":
                    st.table = text(p, v);
                    break;
                case "snapshot": st.snapshot = text(p, v); break;
                case "ts_ms": st.srcMs = longValue(p, v); break;
                case "ts_us": st.srcUs = longValue(p, v); break;
                case "ts_ns": st.srcNs = longValue(p, v); break;
                case "lsn": st.lsn = text(p, v); break;
                case "txId": st.txId = text(p, v); break;
                default: p.skipChildren();
            }
        }
    }

    private static void readTransactionBlock(JsonParser p, State st) throws IOException {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "id": st.txBlockId = text(p, v); break;
                case "total_order": st.totalOrder = longValue(p, v); break;
                default: p.skipChildren();
            }
        }
    }

    private static String capture(JsonParser p, JsonToken v, byte[] src) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        long start = p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        long end = p.currentTokenLocation().getByteOffset() + 1;
        if (start < 0 || end > src.length || end <= start) {
            return null;
        }
        return new String(src, (int) start, (int) (end - start), StandardCharsets.UTF_8);
    }

    private static String skip(JsonParser p, String result) throws IOException {
        p.skipChildren();
        return result;
    }

    private static String text(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (!v.isScalarValue()) {
            p.skipChildren();
            return null;
        }
        String t = p.getText();
        return t.isEmpty() ? null : t;
    }

    private static long longValue(JsonParser p, JsonToken v) throws IOException {
        if (v == JsonToken.VALUE_NUMBER_INT) {
            return p.getLongValue();
        }
        if (v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NUMBER_FLOAT) {
            return p.getValueAsLong(-1);
        }
        p.skipChildren();
        return -1;
    }

    private static long nanos(long ns, long us, long ms) {
        if (ns > 0) {
            return ns;
        }
        if (us > 0) {
            return us * 1_000L;
        }
        if (ms > 0) {
            return ms * 1_000_000L;
        }
        return -1;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return abbreviate(nl < 0 ? s : s.substring(0, nl));
    }

    private static String abbreviate(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "...";
    }

    private static final class State {
        boolean payloadNull;
        String op;
        String before;
        String after;
        Map<String, String> rowFieldTypes;
        String name;
        String connector;
        String db;
        String schema;
        String table;
        String snapshot;
        long srcMs = -1;
        long srcUs = -1;
        long srcNs = -1;
        long ms = -1;
        long us = -1;
        long ns = -1;
        String lsn;
        String txId;
        String txBlockId;
        long totalOrder = -1;
        String status;
        String id;
        long eventCount = -1;
    }
}
