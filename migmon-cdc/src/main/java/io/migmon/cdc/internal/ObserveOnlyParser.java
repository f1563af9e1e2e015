package io.migmon.cdc.internal;

import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.Operation;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The parse of observe-only processing (no applier): a byte-level scanner of Debezium JSON records that reads only
 * what observing needs ({@code op}, the {@code source} block, the timestamps, the {@code transaction} block, the
 * transaction-topic fields) and steps over everything else, the row images first, without tokens, trees or strings.
 *
 * <p><b>Same result or the full parse.</b> The scanner validates what it steps over (strict RFC 8259 JSON: string
 * escapes, control characters, UTF-8, number grammar, structure, nothing after the record) and accepts only a subset
 * of what {@link EnvelopeParser} (Jackson) accepts. Whenever a record is anything but ordinary (malformed, not an
 * envelope, an unknown op, escapes in a field it reads, a number it would have to convert, nesting deeper than
 * {@value #MAX_DEPTH}, a long field name, a byte-order mark, another encoding) it hands the record to
 * {@link EnvelopeParser#parse(CdcRecord, boolean) the full parse}, which returns the same event or raises the error
 * with its reason (dead-lettered by the pipeline). So a result of the scanner is the event the full parse returns
 * ({@code ObserveOnlyParserTest} compares both on generated, edited and truncated records), less what observing never
 * reads: the row images (as in any observe-only parse) and the source's {@code lsn}, {@code sequence} and
 * {@code txId} (null; they change with every record, so reading them would cost Strings per record for nothing; the
 * embedded-engine path, which needs {@code sequence} to tell redeliveries, takes the full parse).
 *
 * <p><b>Known schema blocks.</b> As in {@link EnvelopeParser}, a record that starts with {@code {"schema":}, the
 * schema block last validated on its topic (byte for byte) and {@code ,"payload":} is read from its payload on: the
 * block is compared, not scanned.
 *
 * <p><b>No per-record garbage</b> beyond the event itself: repeated values (source name, database, schema, table,
 * connector, snapshot, status, the transaction id of consecutive events of one transaction) reuse the String of the
 * previous record when their bytes are the same ASCII text, which also lets the meters' last-table cache compare by
 * identity; {@code op} is mapped from its byte. A transaction id that differs per event (Debezium 3.6.1 puts each
 * event's LSN in it) costs one String.
 *
 * <p><b>Predicted row names.</b> A row image's {@code "name":} bytes are compared with those of the previous row
 * image (JsonConverter writes a table's fields in the same order, without whitespace) instead of being searched for;
 * from the first that differ, the row is walked and its names predict the next row ({@link #skipRow}). Either way,
 * every byte of the row is validated.
 *
 * <p>Not thread-safe: one instance per thread of use (the pipeline keeps one for the poll loop's unlocked parse and one
 * for parses under its lock).
 */
public final class ObserveOnlyParser {

    /** Nesting the scanner follows; deeper records take the full parse (Jackson's own limit is far above). */
    static final int MAX_DEPTH = 64;
    /** Longest field name the scanner accepts (Jackson's limit is 50,000); longer ones take the full parse. */
    static final int MAX_NAME_LENGTH = 1_000;
    /** Longest number the scanner accepts (Jackson's limit is 1,000 characters). */
    static final int MAX_NUMBER_LENGTH = 100;
    /** Longest text the scanner reads into a String (Jackson's limit is 20,000,000); longer: the full parse. */
    static final int MAX_TEXT_LENGTH = 10_000;
    /** Bound of the schema cache (topics); records of further topics are scanned whole. */
    static final int MAX_KNOWN_TOPICS = 4096;

    private static final int FAIL = -1;
    private static final byte[] SCHEMA_PREFIX = "{\"schema\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PAYLOAD_KEY = ",\"payload\":".getBytes(StandardCharsets.US_ASCII);
    private static final VarHandle LONG_VIEW =
            MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final byte[] LONG_MAX_DIGITS = "9223372036854775807".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LONG_MIN_DIGITS = "9223372036854775808".getBytes(StandardCharsets.US_ASCII);

    // text slots: each reuses the previous record's String when the bytes match (see string(slot))
    private static final int OP = 0;
    private static final int NAME = 1;
    private static final int CONNECTOR = 2;
    private static final int DB = 3;
    private static final int SCHEMA = 4;
    private static final int TABLE = 5;
    private static final int SNAPSHOT = 6;
    private static final int STATUS = 7;
    private static final int TX_BLOCK_ID = 8;
    private static final int ID = 9;
    private static final int SEQUENCE = 10;
    private static final int SLOTS = 11;

    // long slots
    private static final int MS = 0;
    private static final int US = 1;
    private static final int NS = 2;
    private static final int SRC_MS = 3;
    private static final int SRC_US = 4;
    private static final int SRC_NS = 5;
    private static final int TOTAL_ORDER = 6;
    private static final int EVENT_COUNT = 7;
    private static final int DATA_COLLECTION_ORDER = 8;
    private static final int LONGS = 9;

    /** {@link Operation#fromCode} of each one-byte op code (null: not an op). */
    private static final Operation[] OPERATIONS = new Operation[256];

    static {
        for (int c = 0; c < 128; c++) {
            OPERATIONS[c] = Operation.fromCode(String.valueOf((char) c));
        }
    }

    /** Byte classes inside a string: 0 plain, 1 quote, 2 backslash, 3 control character, 4 non-ASCII. */
    private static final byte[] STRING_CLASS = new byte[256];

    static {
        for (int c = 0; c < 0x20; c++) {
            STRING_CLASS[c] = 3;
        }
        STRING_CLASS['"'] = 1;
        STRING_CLASS['\\'] = 2;
        for (int c = 0x80; c < 0x100; c++) {
            STRING_CLASS[c] = 4;
        }
    }

    private final EnvelopeParser full;
    private final Map<String, byte[]> knownSchemas = new HashMap<>();
    /** Records whose schema block was compared rather than scanned (tests). */
    long knownSchemaHits;
    /** Records handed to the full parse (tests). */
    long fallbacks;

    // per-topic facts of the last topic seen
    private String lastTopic;
    private boolean lastHeartbeat;
    /** Whether this record's {@code source.sequence} is read (set per call). */
    private boolean readSequence;
    private boolean lastTransaction;
    private byte[] lastSchema;

    // the record being scanned
    private byte[] b;
    private int n;
    /** Where the value of the slot starts and ends (string contents without quotes); start -1: null. */
    private final int[] textStart = new int[SLOTS];
    private final int[] textEnd = new int[SLOTS];
    private final long[] longs = new long[LONGS];
    private boolean payloadNull;
    /** Where the {@code data_collections} array of a transaction record starts and ends; start -1: none. */
    private int dataCollectionsStart = -1;
    private int dataCollectionsEnd;
    private int schemaStart;
    private int schemaEnd;
    /** Members of a row image whose names are predicted ({@link #skipRow}); further ones are walked. */
    static final int ROW_KEYS = 256;
    /** The predicted {@code "name":} bytes of the row images' members, one after the other. */
    private final byte[] rowKeys = new byte[8192];
    /** Where each predicted member's bytes end in {@link #rowKeys}. */
    private final int[] rowKeyEnds = new int[ROW_KEYS];
    private int rowKeyCount;

    /** The previous record's String of each text slot. */
    private final String[] cachedStrings = new String[SLOTS];

    public ObserveOnlyParser(EnvelopeParser full) {
        this.full = Objects.requireNonNull(full, "full");
    }

    /**
     * Parses one record as {@code full.parse(record, false)} does, with the same result (but {@code lsn} and
     * {@code txId}, when the scanner answers) or the same {@link EnvelopeException}.
     */
    public ChangeEvent parse(CdcRecord record) throws EnvelopeException {
        return parse(record, false);
    }

    /**
     * As {@link #parse(CdcRecord)}, and with {@code withSequence} also {@code source.sequence} (one String per record;
     * the embedded-engine path tells redeliveries by it). The sequence is read only when it is a string whose sole
     * escapes are {@code \"} (Debezium writes {@code "[\"24023928\",\"24023976\"]"}); any other form takes the
     * full parse.
     */
    public ChangeEvent parse(CdcRecord record, boolean withSequence) throws EnvelopeException {
        readSequence = withSequence;
        byte[] value = record.value();
        if (value != null) {
            ChangeEvent e = scan(record, value);
            if (e != null) {
                return e;
            }
        }
        fallbacks++;
        return full.parse(record, false);
    }

    private ChangeEvent scan(CdcRecord record, byte[] value) {
        String topic = record.topic();
        if (!topic.equals(lastTopic)) {
            lastTopic = topic;
            lastHeartbeat = full.isHeartbeatTopic(topic);
            lastTransaction = full.isTransactionTopic(topic);
            lastSchema = knownSchemas.get(topic);
        }
        b = value;
        n = value.length;
        try {
            if (lastSchema != null && scanKnownSchema(lastSchema)) {
                knownSchemaHits++;
                return build(record);
            }
            reset();
            int i = ws(0);
            if (i >= n || b[i] != '{') {
                return null;
            }
            i = readObject(i + 1, 0);
            if (i == FAIL || ws(i) != n) {
                return null;
            }
            ChangeEvent e = build(record);
            if (e != null) {
                remember(topic);
            }
            return e;
        } finally {
            b = null;
        }
    }

    /** The record is {@code {"schema":<known>,"payload":{...}}}: reads the payload only. */
    private boolean scanKnownSchema(byte[] known) {
        int schemaStartAt = SCHEMA_PREFIX.length;
        int schemaEndAt = schemaStartAt + known.length;
        int payloadAt = schemaEndAt + PAYLOAD_KEY.length;
        if (n <= payloadAt
                || !Arrays.equals(b, 0, schemaStartAt, SCHEMA_PREFIX, 0, schemaStartAt)
                || !Arrays.equals(b, schemaStartAt, schemaEndAt, known, 0, known.length)
                || !Arrays.equals(b, schemaEndAt, payloadAt, PAYLOAD_KEY, 0, PAYLOAD_KEY.length)) {
            return false;
        }
        reset();
        int i = ws(payloadAt);
        if (i >= n || b[i] != '{') {
            return false;
        }
        i = readObject(i + 1, 1);
        if (i == FAIL) {
            return false;
        }
        i = ws(i);
        return i < n && b[i] == '}' && ws(i + 1) == n;
    }

    /** After a whole scan: remembers the schema block if the record has the JsonConverter layout. */
    private void remember(String topic) {
        if (schemaStart != SCHEMA_PREFIX.length || schemaEnd <= schemaStart || schemaEnd + PAYLOAD_KEY.length > n
                || !Arrays.equals(b, 0, schemaStart, SCHEMA_PREFIX, 0, schemaStart)
                || !Arrays.equals(b, schemaEnd, schemaEnd + PAYLOAD_KEY.length, PAYLOAD_KEY, 0, PAYLOAD_KEY.length)) {
            return;
        }
        if (lastSchema != null && Arrays.equals(b, schemaStart, schemaEnd, lastSchema, 0, lastSchema.length)) {
            return;
        }
        if (lastSchema == null && knownSchemas.size() >= MAX_KNOWN_TOPICS) {
            return;
        }
        lastSchema = Arrays.copyOfRange(b, schemaStart, schemaEnd);
        knownSchemas.put(topic, lastSchema);
    }

    private void reset() {
        Arrays.fill(textStart, -1);
        // textStart[SEQUENCE] is reset here too: a record without the field has none
        Arrays.fill(longs, -1);
        payloadNull = false;
        dataCollectionsStart = -1;
        schemaStart = -1;
        schemaEnd = -1;
    }

    // ---------------------------------------------------------------- the envelope

    private static final int ENVELOPE_MEMBERS = 0;
    private static final int SOURCE_MEMBERS = 1;
    private static final int TRANSACTION_MEMBERS = 2;

    /**
     * The members of an object, from just after its <code>{</code>: the same dispatch as {@code EnvelopeParser.readObject}.
     *
     * @return the index after the closing brace, or {@link #FAIL}
     */
    private int readObject(int i, int depth) {
        return readMembers(i, depth, ENVELOPE_MEMBERS);
    }

    /**
     * The members of an object, from just after its opening brace, each read by the member reader of {@code kind}.
     *
     * @return the index after the closing brace, or {@link #FAIL}
     */
    private int readMembers(int i, int depth, int kind) {
        i = ws(i);
        if (i >= n) {
            return FAIL;
        }
        if (b[i] == '}') {
            return i + 1;
        }
        while (true) {
            if (i >= n || b[i] != '"') {
                return FAIL;
            }
            int ks = i + 1;
            int ke = nameEnd(ks);
            if (ke == FAIL) {
                return FAIL;
            }
            i = ws(ke + 1);
            if (i >= n || b[i] != ':') {
                return FAIL;
            }
            i = ws(i + 1);
            if (i >= n) {
                return FAIL;
            }
            i = switch (kind) {
                case SOURCE_MEMBERS -> sourceMember(ks, ke - ks, i, depth);
                case TRANSACTION_MEMBERS -> transactionMember(ks, ke - ks, i, depth);
                default -> member(ks, ke - ks, i, depth);
            };
            if (i == FAIL) {
                return FAIL;
            }
            i = ws(i);
            if (i >= n) {
                return FAIL;
            }
            byte c = b[i];
            if (c == '}') {
                return i + 1;
            }
            if (c != ',') {
                return FAIL;
            }
            i = ws(i + 1);
        }
    }

    /** One member of the record or its payload; {@code v} is at the value's first byte. */
    private int member(int k, int len, int v, int depth) {
        byte c = b[v];
        switch (len) {
            case 2:
                if (is(k, 'o', 'p')) {
                    return text(OP, v);
                }
                if (is(k, 'i', 'd')) {
                    // scalar, not null: its text (kept when empty)
                    if (c == '{' || c == '[' || c == 'n') {
                        textStart[ID] = -1;
                        return skipValue(v, depth + 1);
                    }
                    return scalar(ID, v, false);
                }
                break;
            case 5:
                if (is(k, "ts_ms")) {
                    return longValue(MS, v, depth);
                }
                if (is(k, "ts_us")) {
                    return longValue(US, v, depth);
                }
                if (is(k, "ts_ns")) {
                    return longValue(NS, v, depth);
                }
                break;
            case 6:
                if (is(k, "schema")) {
                    if (depth == 0 && c == '{') {
                        schemaStart = v;
                        int end = skipValue(v, depth + 1);
                        schemaEnd = end;
                        return end;
                    }
                    return skipValue(v, depth + 1);
                }
                if (is(k, "source")) {
                    return c == '{' ? readSource(v + 1, depth + 1) : skipValue(v, depth + 1);
                }
                if (is(k, "status")) {
                    if (c == '"') {
                        return scalar(STATUS, v, false);
                    }
                    textStart[STATUS] = -1;
                    return skipValue(v, depth + 1);
                }
                break;
            case 7:
                if (is(k, "payload")) {
                    if (depth == 0 && c == '{') {
                        return readObject(v + 1, 1);
                    }
                    if (depth == 0 && c == 'n') {
                        int end = literal(v);
                        payloadNull |= end != FAIL;
                        return end;
                    }
                    return skipValue(v, depth + 1);
                }
                break;
            case 11:
                if (is(k, "transaction")) {
                    return c == '{' ? readTransaction(v + 1, depth + 1) : skipValue(v, depth + 1);
                }
                if (is(k, "event_count")) {
                    return longValue(EVENT_COUNT, v, depth);
                }
                break;
            default:
                break;
        }
        if (c == '{' && ((len == 5 && is(k, "after")) || (len == 6 && is(k, "before")))) {
            return skipRow(v, depth + 1);
        }
        if (c == '[' && lastTransaction && len == 16 && is(k, "data_collections")) {
            // one per transaction END: its range is read with Jackson in build()
            int end = skipValue(v, depth + 1);
            if (end != FAIL) {
                dataCollectionsStart = v;
                dataCollectionsEnd = end;
            }
            return end;
        }
        // message, unknown fields
        return skipValue(v, depth + 1);
    }

    private int readSource(int i, int depth) {
        return readMembers(i, depth, SOURCE_MEMBERS);
    }

    private int sourceMember(int k, int len, int v, int depth) {
        switch (len) {
            case 2:
                if (is(k, 'd', 'b')) {
                    return text(DB, v);
                }
                break;
            case 4:
                if (is(k, "name")) {
                    return text(NAME, v);
                }
                break;
            case 5:
                if (is(k, "table")) {
                    return text(TABLE, v);
                }
                if (is(k, "ts_ms")) {
                    return longValue(SRC_MS, v, depth);
                }
                if (is(k, "ts_us")) {
                    return longValue(SRC_US, v, depth);
                }
                if (is(k, "ts_ns")) {
                    return longValue(SRC_NS, v, depth);
                }
                break;
            case 6:
                if (is(k, "schema")) {
                    return text(SCHEMA, v);
                }
                break;
            case 8:
                if (is(k, "snapshot")) {
                    return text(SNAPSHOT, v);
                }
                if (readSequence && is(k, "sequence")) {
                    return sequence(v, depth);
                }
                break;
            case 9:
                if (is(k, "connector")) {
                    return text(CONNECTOR, v);
                }
                break;
            case 10:
                if (is(k, "collection")) {
                    return text(TABLE, v);
                }
                break;
            default:
                break;
        }
        return skipValue(v, depth + 1);
    }

    private int readTransaction(int i, int depth) {
        return readMembers(i, depth, TRANSACTION_MEMBERS);
    }

    /** One member of a {@code transaction} block; {@code v} is at the value's first byte. */
    private int transactionMember(int k, int len, int v, int depth) {
        if (len == 2 && is(k, 'i', 'd')) {
            return text(TX_BLOCK_ID, v);
        }
        if (len == 11 && is(k, "total_order")) {
            return longValue(TOTAL_ORDER, v, depth);
        }
        if (len == 21 && is(k, "data_collection_order")) {
            return longValue(DATA_COLLECTION_ORDER, v, depth);
        }
        return skipValue(v, depth + 1);
    }

    /** {@code EnvelopeParser.text}: null for null, objects and arrays; the scalar's text, empty as null. */
    private int text(int slot, int v) {
        byte c = b[v];
        if (c == '{' || c == '[') {
            textStart[slot] = -1;
            return skipValue(v, 1);
        }
        if (c == 'n') {
            textStart[slot] = -1;
            return literal(v);
        }
        return scalar(slot, v, true);
    }

    /** A string, number, true or false at {@code v}: its text (a string without escapes only) into the slot. */
    private int scalar(int slot, int v, boolean emptyAsNull) {
        byte c = b[v];
        int start;
        int end;
        int next;
        if (c == '"') {
            start = v + 1;
            end = plainStringEnd(start);
            if (end == FAIL) {
                return FAIL; // escapes: the full parse decodes them
            }
            next = end + 1;
        } else if (c == 't' || c == 'f') {
            next = literal(v);
            start = v;
            end = next;
        } else {
            next = number(v);
            start = v;
            end = next;
        }
        if (next == FAIL || end - start > MAX_TEXT_LENGTH) {
            return FAIL;
        }
        if (emptyAsNull && end == start) {
            textStart[slot] = -1;
        } else {
            textStart[slot] = start;
            textEnd[slot] = end;
        }
        return next;
    }

    /**
     * {@code source.sequence}: null, or a string of ASCII whose only escapes are {@code \"} (its raw bytes into the
     * slot, unescaped when built); anything else is left to the full parse.
     */
    private int sequence(int v, int depth) {
        byte c = b[v];
        if (c == 'n') {
            textStart[SEQUENCE] = -1;
            return literal(v);
        }
        if (c != '"') {
            return FAIL;
        }
        int i = v + 1;
        while (i < n) {
            byte x = b[i];
            if (x == '"') {
                if (i - v - 1 > MAX_TEXT_LENGTH) {
                    return FAIL;
                }
                textStart[SEQUENCE] = i == v + 1 ? -1 : v + 1;
                textEnd[SEQUENCE] = i;
                return i + 1;
            }
            if (x == '\\') {
                if (i + 1 >= n || b[i + 1] != '"') {
                    return FAIL;
                }
                i += 2;
            } else if (x < 0x20) {
                return FAIL; // a control character or a non-ASCII byte (negative): the full parse
            } else {
                i++;
            }
        }
        return FAIL;
    }

    /** {@code EnvelopeParser.longValue}: an integer within a long's range; null, booleans, objects, arrays: -1. */
    private int longValue(int slot, int v, int depth) {
        byte c = b[v];
        if (c == '-' || (c >= '0' && c <= '9')) {
            int i = v;
            boolean negative = c == '-';
            if (negative) {
                i++;
            }
            int digits = i;
            long value = 0;
            byte[] buf = b;
            while (i + 8 <= n) {
                long w = (long) LONG_VIEW.get(buf, i);
                if (!allDigits(w)) {
                    break;
                }
                value = value * 100_000_000L + eightDigits(w);
                i += 8;
            }
            while (i < n && b[i] >= '0' && b[i] <= '9') {
                value = value * 10 + (b[i] - '0');
                i++;
            }
            int count = i - digits;
            if (count == 0 || (count > 1 && b[digits] == '0')
                    || count > 19 || (count == 19 && !fitsLong(digits, negative))) {
                return FAIL; // malformed, or out of range: the full parse raises it
            }
            if (i < n && (b[i] == '.' || b[i] == 'e' || b[i] == 'E')) {
                return FAIL; // a float: converted by the full parse
            }
            longs[slot] = negative ? -value : value;
            return i;
        }
        if (c == '"') {
            return FAIL; // a string: converted by the full parse
        }
        longs[slot] = -1;
        return skipValue(v, depth + 1);
    }

    /**
     * Whether the eight bytes of {@code w} (little-endian) are all ASCII digits: the lowest byte that is not has its
     * high bit set in {@code w - '0'} (below '0', or 0x80 and above) or in {@code w + 0x46} ('9' &lt; byte &lt; 0x80),
     * and bytes below it, all digits, neither borrow nor carry.
     */
    private static boolean allDigits(long w) {
        return (((w - 0x3030303030303030L) | (w + 0x4646464646464646L)) & 0x8080808080808080L) == 0;
    }

    /** The value of eight ASCII digits (little-endian word, first digit in the lowest byte). */
    private static long eightDigits(long w) {
        long v = w - 0x3030303030303030L;
        v = (v * 10) + (v >>> 8);
        return (((v & 0x000000FF000000FFL) * (100 + (1_000_000L << 32)))
                + (((v >>> 16) & 0x000000FF000000FFL) * (1 + (10_000L << 32)))) >>> 32;
    }

    /** Whether the 19 digits at {@code i} are within a long's range (epoch nanoseconds have 19 digits). */
    private boolean fitsLong(int i, boolean negative) {
        if (b[i] < '9') {
            return true; // both limits start with 9 (and a leading 0 never gets here)
        }
        byte[] limit = negative ? LONG_MIN_DIGITS : LONG_MAX_DIGITS;
        for (int k = 0; k < 19; k++) {
            int d = b[i + k] - limit[k];
            if (d != 0) {
                return d < 0;
            }
        }
        return true;
    }

    private ChangeEvent build(CdcRecord record) {
        if (payloadNull) {
            return ChangeEvent.builder(record, ChangeEvent.Kind.TOMBSTONE).build();
        }
        ChangeEvent.Kind kind;
        Operation op = null;
        if (lastHeartbeat) {
            kind = ChangeEvent.Kind.HEARTBEAT;
        } else if (lastTransaction) {
            if (textStart[STATUS] < 0 || textStart[ID] < 0 || textStart[OP] >= 0) {
                return null; // not a transaction record: the full parse raises it
            }
            kind = ChangeEvent.Kind.TRANSACTION;
        } else if (textStart[OP] >= 0) {
            op = textEnd[OP] - textStart[OP] == 1 ? OPERATIONS[b[textStart[OP]] & 0xFF] : null;
            if (op == null) {
                return null; // the full parse raises it
            }
            kind = ChangeEvent.Kind.CHANGE;
        } else {
            return null; // not an envelope: the full parse raises it
        }
        boolean transaction = kind == ChangeEvent.Kind.TRANSACTION;
        Map<String, Long> collections = null;
        if (transaction && dataCollectionsStart >= 0) {
            try {
                collections = EnvelopeParser.dataCollections(b, dataCollectionsStart,
                        dataCollectionsEnd - dataCollectionsStart);
            } catch (java.io.IOException e) {
                return null; // the full parse raises it (a count beyond a long's range)
            }
        }
        return ChangeEvent.builder(record, kind)
                .operation(op)
                .sourceName(string(NAME)).connector(string(CONNECTOR)).database(string(DB)).schema(string(SCHEMA))
                .table(string(TABLE))
                .snapshot(string(SNAPSHOT))
                .sourceTsNanos(nanos(longs[SRC_NS], longs[SRC_US], longs[SRC_MS]))
                .eventTsNanos(nanos(longs[NS], longs[US], longs[MS]))
                .transactionId(transaction ? string(ID) : string(TX_BLOCK_ID))
                .transactionTotalOrder(longs[TOTAL_ORDER])
                .transactionDataCollectionOrder(longs[DATA_COLLECTION_ORDER])
                .transactionStatus(transaction ? string(STATUS) : null)
                .transactionEventCount(longs[EVENT_COUNT])
                .transactionDataCollections(collections)
                .sequence(readSequence ? unescapedSequence() : null)
                .build();
    }

    private String unescapedSequence() {
        String raw = string(SEQUENCE);
        return raw == null || raw.indexOf('\\') < 0 ? raw : raw.replace("\\\"", "\"");
    }

    /**
     * The slot's text (valid UTF-8 without escapes), the previous record's String when the bytes are the same ASCII
     * text: no copy kept, no String built for the values that repeat (source, table, op, a transaction's id...).
     */
    private String string(int slot) {
        int start = textStart[slot];
        if (start < 0) {
            return null;
        }
        int end = textEnd[slot];
        String last = cachedStrings[slot];
        if (last != null && sameAscii(start, end, last)) {
            return last;
        }
        String s = new String(b, start, end - start, StandardCharsets.UTF_8);
        cachedStrings[slot] = s;
        return s;
    }

    /**
     * Whether the bytes {@code [start, end)} are the characters of {@code s}, all ASCII: a byte of a multi-byte UTF-8
     * sequence is negative and never equals a char, so non-ASCII text is never taken for another String.
     */
    private boolean sameAscii(int start, int end, String s) {
        int len = end - start;
        if (s.length() != len) {
            return false;
        }
        for (int j = 0; j < len; j++) {
            if (b[start + j] != s.charAt(j)) {
                return false;
            }
        }
        return true;
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

    // ---------------------------------------------------------------- validation of what is stepped over

    private int ws(int i) {
        if (i < n && b[i] > ' ') {
            return i; // the common case: JsonConverter writes no whitespace
        }
        while (i < n) {
            byte c = b[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                return i;
            }
            i++;
        }
        return i;
    }

    /** Any value at {@code i}, validated; {@code depth} is the nesting it opens (objects and arrays). */
    private int skipValue(int i, int depth) {
        if (i >= n) {
            return FAIL;
        }
        switch (b[i]) {
            case '"':
                return stringEnd(i + 1);
            case '{':
                return skipObject(i + 1, depth);
            case '[':
                return skipArray(i + 1, depth);
            case 't':
            case 'f':
            case 'n':
                return literal(i);
            default:
                return number(i);
        }
    }

    private int skipObject(int i, int depth) {
        if (depth > MAX_DEPTH) {
            return FAIL;
        }
        i = ws(i);
        if (i >= n) {
            return FAIL;
        }
        if (b[i] == '}') {
            return i + 1;
        }
        while (true) {
            if (i >= n || b[i] != '"') {
                return FAIL;
            }
            int ke = nameEnd(i + 1);
            if (ke == FAIL) {
                return FAIL;
            }
            i = ws(ke + 1);
            if (i >= n || b[i] != ':') {
                return FAIL;
            }
            i = skipValue(ws(i + 1), depth + 1);
            if (i == FAIL) {
                return FAIL;
            }
            i = ws(i);
            if (i >= n) {
                return FAIL;
            }
            byte c = b[i];
            if (c == '}') {
                return i + 1;
            }
            if (c != ',') {
                return FAIL;
            }
            i = ws(i + 1);
        }
    }

    /**
     * A row image at {@code v} (its opening brace), validated as {@link #skipObject} does (the same bytes accepted,
     * the same rejected), with its field names predicted.
     *
     * <p><b>Predicted names.</b> JsonConverter writes the fields of every row image of a table in the same order
     * (schema order), without whitespace. So the row images' {@code "name":} bytes are kept as last seen: while the
     * bytes at the next member are the predicted ones (a name validated before, so these bytes are a valid name and
     * colon, found by the walk at the same place), the value is validated right after them, without looking for the
     * name's end. From the first member that differs on, the row is walked, and its names replace the prediction
     * from there.
     *
     * @return the index after the closing brace, or {@link #FAIL}
     */
    private int skipRow(int v, int depth) {
        if (depth > MAX_DEPTH) {
            return FAIL;
        }
        int i = v + 1;
        byte[] keys = rowKeys;
        int[] ends = rowKeyEnds;
        int count = rowKeyCount;
        boolean predicting = true;
        boolean learning = true;
        int m = 0;
        int off = 0;
        i = ws(i);
        if (i >= n) {
            return FAIL;
        }
        if (b[i] == '}') {
            return i + 1;
        }
        while (true) {
            if (i >= n || b[i] != '"') {
                return FAIL;
            }
            int at;
            int len;
            if (predicting && m < count && i + (len = ends[m] - off) <= n && sameRegion(i, keys, off, len)) {
                at = ws(i + len);
            } else {
                if (predicting) {
                    predicting = false;
                    rowKeyCount = m; // the prediction holds up to here; the walk appends from here
                }
                int ke = nameEnd(i + 1);
                if (ke == FAIL) {
                    return FAIL;
                }
                int colon = ws(ke + 1);
                if (colon >= n || b[colon] != ':') {
                    return FAIL;
                }
                at = ws(colon + 1);
                if (learning) {
                    len = colon + 1 - i;
                    if (colon == ke + 1 && m < ROW_KEYS && off + len <= keys.length) {
                        System.arraycopy(b, i, keys, off, len);
                        ends[m] = off + len;
                        rowKeyCount = m + 1;
                    } else {
                        learning = false;
                    }
                }
            }
            if (at >= n) {
                return FAIL;
            }
            if (predicting || learning) {
                off = ends[m];
            }
            m++;
            i = skipValue(at, depth + 1);
            if (i == FAIL) {
                return FAIL;
            }
            i = ws(i);
            if (i >= n) {
                return FAIL;
            }
            byte c = b[i];
            if (c == '}') {
                return i + 1;
            }
            if (c != ',') {
                return FAIL;
            }
            i = ws(i + 1);
        }
    }

    /** Whether the {@code len} bytes at {@code i} are those of {@code keys} at {@code off} (both in range). */
    private boolean sameRegion(int i, byte[] keys, int off, int len) {
        byte[] buf = b;
        if (len < 8) {
            for (int j = 0; j < len; j++) {
                if (buf[i + j] != keys[off + j]) {
                    return false;
                }
            }
            return true;
        }
        int last = len - 8;
        for (int j = 0; j < last; j += 8) {
            if ((long) LONG_VIEW.get(buf, i + j) != (long) LONG_VIEW.get(keys, off + j)) {
                return false;
            }
        }
        return (long) LONG_VIEW.get(buf, i + last) == (long) LONG_VIEW.get(keys, off + last);
    }

    private int skipArray(int i, int depth) {
        if (depth > MAX_DEPTH) {
            return FAIL;
        }
        i = ws(i);
        if (i >= n) {
            return FAIL;
        }
        if (b[i] == ']') {
            return i + 1;
        }
        while (true) {
            i = skipValue(i, depth + 1);
            if (i == FAIL) {
                return FAIL;
            }
            i = ws(i);
            if (i >= n) {
                return FAIL;
            }
            byte c = b[i];
            if (c == ']') {
                return i + 1;
            }
            if (c != ',') {
                return FAIL;
            }
            i = ws(i + 1);
        }
    }

    /** {@code true}, {@code false} or {@code null} at {@code i}. */
    private int literal(int i) {
        byte c = b[i];
        if (c == 't') {
            return i + 3 < n && b[i + 1] == 'r' && b[i + 2] == 'u' && b[i + 3] == 'e' ? i + 4 : FAIL;
        }
        if (c == 'f') {
            return i + 4 < n && b[i + 1] == 'a' && b[i + 2] == 'l' && b[i + 3] == 's' && b[i + 4] == 'e'
                    ? i + 5 : FAIL;
        }
        if (c == 'n') {
            return i + 3 < n && b[i + 1] == 'u' && b[i + 2] == 'l' && b[i + 3] == 'l' ? i + 4 : FAIL;
        }
        return FAIL;
    }

    /** A number at {@code i} (RFC 8259 grammar: no leading zeros, no '+', digits on both sides of '.'). */
    private int number(int i) {
        int start = i;
        if (i < n && b[i] == '-') {
            i++;
        }
        if (i >= n) {
            return FAIL;
        }
        if (b[i] == '0') {
            i++;
        } else if (b[i] >= '1' && b[i] <= '9') {
            i = digits(i + 1);
        } else {
            return FAIL;
        }
        if (i < n && b[i] == '.') {
            int d = i + 1;
            i = digits(d);
            if (i == d) {
                return FAIL;
            }
        }
        if (i < n && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            if (i < n && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            int d = i;
            i = digits(d);
            if (i == d) {
                return FAIL;
            }
        }
        return i - start > MAX_NUMBER_LENGTH ? FAIL : i;
    }

    private int digits(int i) {
        byte[] buf = b;
        while (i + 8 <= n && allDigits((long) LONG_VIEW.get(buf, i))) {
            i += 8;
        }
        while (i < n && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        return i;
    }

    /** The closing quote of a field name starting at {@code i}: no escapes (the full parse decodes them), bounded. */
    private int nameEnd(int i) {
        byte[] buf = b;
        int start = i;
        while (i + 8 <= n) {
            long w = (long) LONG_VIEW.get(buf, i);
            long quote = w ^ 0x2222222222222222L;
            long quotes = (quote - 0x0101010101010101L) & ~quote & 0x8080808080808080L;
            long backslash = w ^ 0x5C5C5C5C5C5C5C5CL;
            long special = (quotes | ((backslash - 0x0101010101010101L) & ~backslash)
                    | (w - 0x2020202020202020L) | w) & 0x8080808080808080L;
            if (special != 0) {
                // the lowest flagged byte is exact in every mask (no borrow from below it)
                long first = special & -special;
                if ((quotes & first) == 0) {
                    break; // an escape, a control character or non-ASCII: the general loop
                }
                int end = i + (Long.numberOfTrailingZeros(first) >>> 3);
                return end - start > MAX_NAME_LENGTH ? FAIL : end;
            }
            i += 8;
            if (i - start > MAX_NAME_LENGTH) {
                return FAIL;
            }
        }
        int end = plainStringEnd(i);
        return end == FAIL || end - start > MAX_NAME_LENGTH ? FAIL : end;
    }

    /** The index of the closing quote of a string whose contents start at {@code i}, if it has no escapes. */
    private int plainStringEnd(int i) {
        byte[] buf = b;
        int limit = n;
        while (i < limit) {
            i = plainRun(buf, i, limit);
            if (i >= limit) {
                break;
            }
            int cls = STRING_CLASS[buf[i] & 0xFF];
            if (cls == 0) {
                i++;
            } else if (cls == 1) {
                return i;
            } else if (cls == 4) {
                i = utf8(i);
                if (i == FAIL) {
                    return FAIL;
                }
            } else {
                return FAIL; // escape or control character
            }
        }
        return FAIL;
    }

    /** The index after the closing quote of a string whose contents start at {@code i}, validated. */
    private int stringEnd(int i) {
        byte[] buf = b;
        int limit = n;
        while (i < limit) {
            i = plainRun(buf, i, limit);
            if (i >= limit) {
                break;
            }
            int cls = STRING_CLASS[buf[i] & 0xFF];
            if (cls == 0) {
                i++;
                continue;
            }
            switch (cls) {
                case 1:
                    return i + 1;
                case 2:
                    i = escape(i + 1);
                    break;
                case 4:
                    i = utf8(i);
                    break;
                default:
                    return FAIL; // a raw control character
            }
            if (i == FAIL) {
                return FAIL;
            }
        }
        return FAIL;
    }

    /**
     * Skips plain string bytes (printable ASCII but quote and backslash) eight at a time: the index of the first byte
     * at or after {@code i} that may need a look (exact for the first such byte of a word), or near the end.
     */
    private static int plainRun(byte[] buf, int i, int limit) {
        while (i + 8 <= limit) {
            long w = (long) LONG_VIEW.get(buf, i);
            long quote = w ^ 0x2222222222222222L;
            long backslash = w ^ 0x5C5C5C5C5C5C5C5CL;
            // a byte is flagged when zero after the xor (quote, backslash), below 0x20, or at or above 0x80
            long special = ((quote - 0x0101010101010101L) & ~quote)
                    | ((backslash - 0x0101010101010101L) & ~backslash)
                    | (w - 0x2020202020202020L) | w;
            special &= 0x8080808080808080L;
            if (special != 0) {
                return i + (Long.numberOfTrailingZeros(special) >>> 3);
            }
            i += 8;
        }
        return i;
    }

    /** The escape after a backslash: one of {@code "\/bfnrt}, or {@code u} and four hex digits. */
    private int escape(int i) {
        if (i >= n) {
            return FAIL;
        }
        switch (b[i]) {
            case '"':
            case '\\':
            case '/':
            case 'b':
            case 'f':
            case 'n':
            case 'r':
            case 't':
                return i + 1;
            case 'u':
                if (i + 4 >= n) {
                    return FAIL;
                }
                for (int k = 1; k <= 4; k++) {
                    if (!isHex(b[i + k])) {
                        return FAIL;
                    }
                }
                return i + 5;
            default:
                return FAIL;
        }
    }

    private static boolean isHex(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }

    /** A multi-byte UTF-8 sequence at {@code i} (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF). */
    private int utf8(int i) {
        int lead = b[i] & 0xFF;
        int count;
        int min2 = 0x80;
        int max2 = 0xBF;
        if (lead >= 0xC2 && lead <= 0xDF) {
            count = 1;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            count = 2;
            if (lead == 0xE0) {
                min2 = 0xA0;
            } else if (lead == 0xED) {
                max2 = 0x9F;
            }
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            count = 3;
            if (lead == 0xF0) {
                min2 = 0x90;
            } else if (lead == 0xF4) {
                max2 = 0x8F;
            }
        } else {
            return FAIL;
        }
        if (i + count >= n) {
            return FAIL;
        }
        int second = b[i + 1] & 0xFF;
        if (second < min2 || second > max2) {
            return FAIL;
        }
        for (int k = 2; k <= count; k++) {
            if ((b[i + k] & 0xC0) != 0x80) {
                return FAIL;
            }
        }
        return i + count + 1;
    }

    private boolean is(int k, char c0, char c1) {
        return b[k] == c0 && b[k + 1] == c1;
    }

    private boolean is(int k, String name) {
        for (int j = 0; j < name.length(); j++) {
            if (b[k + j] != name.charAt(j)) {
                return false;
            }
        }
        return true;
    }
}
