package io.migmon.cdc.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.DeadLetterReason;
import io.migmon.cdc.event.Operation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Streaming parser of Debezium JSON records (JsonConverter output, with or without the {@code schema}/{@code payload}
 * wrapper). Reads only the fields migmon uses; row images are skipped, or captured as raw JSON text (a byte slice of
 * the input, no tree) when {@code captureRows} is set.
 *
 * <p><b>Known schema blocks.</b> JsonConverter with {@code schemas.enable=true} (its default) writes
 * {@code {"schema":{...},"payload":{...}}}, and the schema block (usually 2-3 KB, most of the record) is byte for byte
 * the same on every record of a topic until the table's schema changes. The parser remembers, per topic, the raw bytes
 * of the last schema block it parsed (and, once captured, the row field types read from it). A record that starts with
 * {@code {"schema":}, followed by exactly those bytes and {@code ,"payload":}, is parsed from its payload on, without
 * tokenizing the schema (a byte comparison instead); the payload must then close the record ({@code }} and whitespace
 * only). Anything else (another schema version, a different layout, any error) takes the full parse, which gives the
 * same result or the same error as before and remembers the new block. Correctness never depends on the cache: a hit
 * means the bytes are identical, so the skipped block would have parsed to the same values.
 *
 * <p>Thread-safe: the per-topic cache is a concurrent map of immutable entries (last writer wins), at most
 * {@value #MAX_KNOWN_TOPICS} topics.
 */
public final class EnvelopeParser {

    /** Bound of the schema cache (topics); beyond it, records of new topics take the full parse. */
    static final int MAX_KNOWN_TOPICS = 4096;
    private static final byte[] SCHEMA_PREFIX = "{\"schema\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PAYLOAD_KEY = ",\"payload\":".getBytes(StandardCharsets.US_ASCII);

    private final JsonFactory factory;
    /** The factory of the fast path: one level less nesting allowed, as its parser starts inside the record. */
    private final JsonFactory payloadFactory;
    private final String heartbeatTopicPrefix;
    private final String transactionTopicSuffix;
    private final ConcurrentHashMap<String, KnownSchema> knownSchemas = new ConcurrentHashMap<>();
    /** Records parsed from their payload on (tests; a plain field, approximate under concurrent use). */
    long knownSchemaHits;

    public EnvelopeParser(JsonFactory factory, String heartbeatTopicPrefix, String transactionTopicSuffix) {
        this.factory = Objects.requireNonNull(factory, "factory");
        StreamReadConstraints limits = factory.streamReadConstraints();
        this.payloadFactory = factory.rebuild().streamReadConstraints(limits.rebuild()
                .maxNestingDepth(Math.max(1, limits.getMaxNestingDepth() - 1)).build()).build();
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

    /**
     * Whether {@code topic} may be a transaction metadata topic ({@code <topic.prefix><suffix>}): it ends with the
     * suffix. A data topic of a table named like the suffix ({@code shop.public.transaction}) ends with it too: its
     * records are told apart by {@link #isChangeOnDataTopic}.
     */
    public boolean isTransactionTopic(String topic) {
        return transactionTopicSuffix != null && topic.endsWith(transactionTopicSuffix);
    }

    /**
     * Whether a record of {@code topic} (one {@link #isTransactionTopic} accepts) is a row change of a table named like
     * the suffix: it has an {@code op} and its {@code source.name} (the connector's {@code topic.prefix}) names a
     * connector whose transaction topic, {@code <source.name><suffix>}, is another topic. Debezium's transaction topic
     * is exactly that name, so a change naming its own connector's transaction topic stays "not a transaction record".
     */
    static boolean isChangeOnDataTopic(String topic, String op, String sourceName, String suffix) {
        return op != null && sourceName != null && !topic.equals(sourceName + suffix);
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
        ChangeEvent fast = parseKnownSchema(record, value, captureRows);
        if (fast != null) {
            return fast;
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
            readObject(p, st, captureRows, value, 0, 0);
            if (p.nextToken() != null) {
                throw new EnvelopeException(DeadLetterReason.UNPARSEABLE, "trailing content after the JSON object",
                        st.deadTransactionId(), st.deadTotalOrder());
            }
        } catch (IOException e) {
            // Jackson's message names the location, never the content beyond a short excerpt of the token
            throw new EnvelopeException(DeadLetterReason.UNPARSEABLE, "invalid JSON: " + firstLine(e.getMessage()),
                    st.deadTransactionId(), st.deadTotalOrder());
        } catch (EnvelopeException e) {
            throw e.transactionId() != null || st.deadTransactionId() == null ? e
                    : new EnvelopeException(e.reason(), e.getMessage(), st.deadTransactionId(), st.deadTotalOrder());
        }
        ChangeEvent event = build(record, st, heartbeatTopic);
        remember(topic, value, st, captureRows);
        return event;
    }

    /**
     * The fast path: a record whose schema block is byte-identical to the one last seen on its topic. Returns null
     * when it does not apply or anything is unusual (the caller then runs the full parse, which reports errors).
     */
    private ChangeEvent parseKnownSchema(CdcRecord record, byte[] value, boolean captureRows) throws EnvelopeException {
        KnownSchema known = knownSchemas.get(record.topic());
        if (known == null || (captureRows && !known.typesRead)) {
            return null;
        }
        int schemaStart = SCHEMA_PREFIX.length;
        int schemaEnd = schemaStart + known.bytes.length;
        int payloadStart = schemaEnd + PAYLOAD_KEY.length;
        if (value.length <= payloadStart
                || !Arrays.equals(value, 0, schemaStart, SCHEMA_PREFIX, 0, schemaStart)
                || !Arrays.equals(value, schemaStart, schemaEnd, known.bytes, 0, known.bytes.length)
                || !Arrays.equals(value, schemaEnd, payloadStart, PAYLOAD_KEY, 0, PAYLOAD_KEY.length)) {
            return null;
        }
        State st = new State();
        try (JsonParser p = payloadFactory.createParser(value, payloadStart, value.length - payloadStart)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            readObject(p, st, captureRows, value, payloadStart, 1);
            // the payload's closing brace; the sub-parser's offsets count from payloadStart
            long close = p.currentTokenLocation().getByteOffset();
            if (close < 0 || !onlyClosingBrace(value, payloadStart + (int) close + 1)) {
                return null;
            }
        } catch (IOException | EnvelopeException e) {
            return null; // the full parse reports it, with its own message
        }
        if (captureRows) {
            st.rowFieldTypes = known.types;
        }
        ChangeEvent event = build(record, st, isHeartbeatTopic(record.topic()));
        knownSchemaHits++;
        return event;
    }

    /** Whether {@code value[from..]} is whitespace, one {@code }}, whitespace. */
    private static boolean onlyClosingBrace(byte[] value, int from) {
        int i = from;
        while (i < value.length && isJsonWhitespace(value[i])) {
            i++;
        }
        if (i >= value.length || value[i] != '}') {
            return false;
        }
        i++;
        while (i < value.length && isJsonWhitespace(value[i])) {
            i++;
        }
        return i == value.length;
    }

    private static boolean isJsonWhitespace(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    /** After a successful full parse: remembers the schema block if the record has the JsonConverter layout. */
    private void remember(String topic, byte[] value, State st, boolean captureRows) {
        if (st.schemaStart != SCHEMA_PREFIX.length || st.schemaEnd <= st.schemaStart
                || st.schemaEnd + PAYLOAD_KEY.length > value.length) {
            return;
        }
        int start = (int) st.schemaStart;
        int end = (int) st.schemaEnd;
        if (!Arrays.equals(value, 0, start, SCHEMA_PREFIX, 0, start)
                || !Arrays.equals(value, end, end + PAYLOAD_KEY.length, PAYLOAD_KEY, 0, PAYLOAD_KEY.length)) {
            return;
        }
        KnownSchema current = knownSchemas.get(topic);
        if (current != null && (current.typesRead || !captureRows)
                && Arrays.equals(value, start, end, current.bytes, 0, current.bytes.length)) {
            return;
        }
        if (current == null && knownSchemas.size() >= MAX_KNOWN_TOPICS) {
            return;
        }
        knownSchemas.put(topic, new KnownSchema(Arrays.copyOfRange(value, start, end),
                captureRows ? st.rowFieldTypes : null, captureRows));
    }

    private ChangeEvent build(CdcRecord record, State st, boolean heartbeatTopic) throws EnvelopeException {
        String topic = record.topic();
        if (st.payloadNull) {
            return ChangeEvent.builder(record, ChangeEvent.Kind.TOMBSTONE).build();
        }
        ChangeEvent.Kind kind;
        Operation op = null;
        if (heartbeatTopic) {
            kind = ChangeEvent.Kind.HEARTBEAT;
        } else if (isTransactionTopic(topic)
                && !isChangeOnDataTopic(topic, st.op, st.name, transactionTopicSuffix)) {
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
                        "unknown op '" + abbreviate(st.op) + "'", st.txBlockId, st.totalOrder);
            }
            kind = ChangeEvent.Kind.CHANGE;
        } else {
            throw new EnvelopeException(DeadLetterReason.NOT_AN_ENVELOPE, "not a Debezium envelope: no 'op' field",
                    st.txBlockId, st.totalOrder);
        }
        return ChangeEvent.builder(record, kind)
                .operation(op)
                .sourceName(st.name).connector(st.connector).database(st.db).schema(st.schema).table(st.table)
                .snapshot(st.snapshot)
                .sourceTsNanos(nanos(st.srcNs, st.srcUs, st.srcMs))
                .eventTsNanos(nanos(st.ns, st.us, st.ms))
                .lsn(st.lsn).sequence(st.sequence).txId(st.txId)
                .transactionId(kind == ChangeEvent.Kind.TRANSACTION ? st.id : st.txBlockId)
                .transactionTotalOrder(st.totalOrder)
                .transactionDataCollectionOrder(st.dataCollectionOrder)
                .transactionStatus(kind == ChangeEvent.Kind.TRANSACTION ? st.status : null)
                .transactionEventCount(st.eventCount)
                .transactionDataCollections(kind == ChangeEvent.Kind.TRANSACTION ? st.dataCollections : null)
                .beforeJson(st.before).afterJson(st.after)
                .rowFieldTypes(st.rowFieldTypes)
                .build();
    }

    /**
     * @param base where the parser's input starts in {@code src} (its byte offsets count from there)
     */
    private void readObject(JsonParser p, State st, boolean capture, byte[] src, int base, int depth)
            throws IOException, EnvelopeException {
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "payload":
                    if (depth == 0 && v == JsonToken.START_OBJECT) {
                        readObject(p, st, capture, src, base, 1);
                    } else if (depth == 0 && v == JsonToken.VALUE_NULL) {
                        st.payloadNull = true;
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "schema":
                    if (depth == 0 && v == JsonToken.START_OBJECT) {
                        st.schemaStart = base + p.currentTokenLocation().getByteOffset();
                        if (capture) {
                            readEnvelopeSchema(p, st);
                        } else {
                            p.skipChildren();
                        }
                        st.schemaEnd = base + p.currentTokenLocation().getByteOffset() + 1;
                    } else {
                        p.skipChildren();
                    }
                    break;
                case "op":
                    st.op = text(p, v);
                    break;
                case "before":
                    st.before = capture ? capture(p, v, src, base) : skip(p, null);
                    break;
                case "after":
                    st.after = capture ? capture(p, v, src, base) : skip(p, null);
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
                case "data_collections":
                    if (v == JsonToken.START_ARRAY) {
                        // a repeated member: the last array counts, as for every other member and as the
                        // observe-only scanner reads it (entries repeated within one array add up)
                        st.dataCollections = null;
                        readDataCollections(p, st);
                    } else {
                        p.skipChildren();
                    }
                    break;
                default:
                    // "schema" of the wrapper, "message", unknown future fields
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
            String type = null;
            String items = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken kv = p.nextToken();
                if ("field".equals(key)) {
                    field = text(p, kv);
                } else if ("name".equals(key)) {
                    semantic = text(p, kv);
                } else if ("type".equals(key)) {
                    type = text(p, kv);
                } else if ("items".equals(key) && kv == JsonToken.START_OBJECT) {
                    items = readItemsType(p);
                } else {
                    p.skipChildren();
                }
            }
            if (field == null) {
                continue;
            }
            if (semantic != null) {
                out.put(field, semantic);
            } else if ("bytes".equals(type)) {
                out.put(field, "bytes"); // binary without a semantic type: bytea, not text
            } else if ("array".equals(type) && items != null) {
                out.put(field, items + "[]");
            }
        }
        return out;
    }

    /** An array schema's {@code items}: its semantic type name, else its Connect type ({@code null} if neither). */
    private static String readItemsType(JsonParser p) throws IOException {
        String semantic = null;
        String type = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            JsonToken kv = p.nextToken();
            if ("name".equals(key)) {
                semantic = text(p, kv);
            } else if ("type".equals(key)) {
                type = text(p, kv);
            } else {
                p.skipChildren();
            }
        }
        return semantic != null ? semantic : type;
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
                case "sequence": st.sequence = text(p, v); break;
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
                case "data_collection_order": st.dataCollectionOrder = longValue(p, v); break;
                default: p.skipChildren();
            }
        }
    }

    /**
     * The {@code data_collections} array in {@code len} bytes of {@code src} from {@code off} (the observe-only
     * scan found it there); null when it holds no entry with a name and a count.
     *
     * @throws IOException when the full parse would fail on it (e.g. a count beyond a long's range): the scanner then
     *         hands the record to the full parse, which dead-letters it
     */
    static Map<String, Long> dataCollections(byte[] src, int off, int len) throws IOException {
        try (JsonParser p = SHARED_FACTORY.createParser(src, off, len)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                throw new IOException("data_collections is not an array");
            }
            State st = new State();
            readDataCollections(p, st);
            return st.dataCollections;
        }
    }

    private static final JsonFactory SHARED_FACTORY = new JsonFactory();

    /**
     * The {@code data_collections} array of a transaction record: {@code [{"data_collection": "public.orders",
     * "event_count": 2}, ...]}. Entries without a name or a count are skipped; counts of a repeated name add up
     * (Debezium names each collection once; summing keeps the END's {@code event_count} the sum of its entries).
     */
    private static void readDataCollections(JsonParser p, State st) throws IOException {
        JsonToken t;
        while ((t = p.nextToken()) != JsonToken.END_ARRAY && t != null) {
            if (t != JsonToken.START_OBJECT) {
                p.skipChildren();
                continue;
            }
            String collection = null;
            long count = -1;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "data_collection": collection = text(p, v); break;
                    case "event_count": count = longValue(p, v); break;
                    default: p.skipChildren();
                }
            }
            if (collection != null && count >= 0) {
                if (st.dataCollections == null) {
                    st.dataCollections = new java.util.LinkedHashMap<>(4);
                }
                st.dataCollections.merge(collection, count, Long::sum);
            }
        }
    }

    private static String capture(JsonParser p, JsonToken v, byte[] src, int base) throws IOException {
        if (v == JsonToken.VALUE_NULL) {
            return null;
        }
        if (v != JsonToken.START_OBJECT) {
            p.skipChildren();
            return null;
        }
        long start = base + p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        long end = base + p.currentTokenLocation().getByteOffset() + 1;
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

    /** The raw bytes of a topic's last schema block, and the row field types read from it (when captured). */
    private static final class KnownSchema {
        final byte[] bytes;
        final Map<String, String> types;
        final boolean typesRead;

        KnownSchema(byte[] bytes, Map<String, String> types, boolean typesRead) {
            this.bytes = bytes;
            this.types = types;
            this.typesRead = typesRead;
        }
    }

    private static final class State {
        long schemaStart = -1;
        long schemaEnd = -1;
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
        String sequence;
        String txId;
        String txBlockId;
        long totalOrder = -1;
        long dataCollectionOrder = -1;
        String status;
        String id;
        long eventCount = -1;
        Map<String, Long> dataCollections;

        /**
         * The transaction a record found unusable belongs to, as far as it was read: its {@code transaction.id}, or
         * a transaction record's own {@code id} once its {@code status} was read (a broken {@code END} names its
         * transaction: issue 11 attack 8 finding 1); else null.
         */
        String deadTransactionId() {
            return txBlockId != null ? txBlockId : status != null ? id : null;
        }

        /** The {@code total_order} read with {@link #deadTransactionId()}'s block, else -1. */
        long deadTotalOrder() {
            return txBlockId != null ? totalOrder : -1;
        }
    }
}
