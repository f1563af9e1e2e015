package io.migmon.cdc.internal;

import com.fasterxml.jackson.core.JsonFactory;
import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.DeadLetterReason;
import io.migmon.cdc.event.Operation;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.migmon.cdc.internal.ParserFixture.concat;
import static io.migmon.cdc.internal.ParserFixture.outcome;
import static io.migmon.cdc.internal.ParserFixture.record;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The observe-only byte scanner against its ground truth, the full (Jackson) parse of {@link EnvelopeParser}, which
 * {@code EnvelopeParserTest} pins: on every record, the scanner must give the same event (every accessor) or the same
 * error (reason and message), but for the source's {@code lsn} and {@code txId}, which observing does not read. The
 * comparison has teeth only where the scanner answers itself (elsewhere it hands over
 * to the full parse), so each test also checks that it did answer the valid records itself.
 */
class ObserveOnlyParserTest {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final String TOPIC = "shop.public.orders";

    private static final String SCHEMA = "{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":["
            + "{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"note\"}],"
            + "\"optional\":true,\"name\":\"shop.public.orders.Value\",\"field\":\"after\"},"
            + "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},"
            + "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Enum\",\"version\":1,"
            + "\"parameters\":{\"allowed\":\"true,last,false\"},\"default\":\"false\",\"field\":\"snapshot\"}],"
            + "\"optional\":false,\"name\":\"io.debezium.connector.postgresql.Source\",\"field\":\"source\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"}],\"optional\":false,\"name\":\"shop.Envelope\",\"version\":2}";

    /** A payload whose row images hold {@code note} (a JSON string literal, quotes included). */
    private static String payload(String op, String note, long i) {
        String row = "{\"id\":" + i + ",\"note\":" + note + ",\"nested\":{\"a\":[1,-2.5e3,true,false,null,{\"b\":\"}]\"}],\"c\":{}}}";
        return "{\"before\":" + (op.equals("c") ? "null" : row) + ",\"after\":" + (op.equals("d") ? "null" : row)
                + ",\"source\":{\"version\":\"3.6.0.Final\",\"connector\":\"postgresql\",\"name\":\"shop\",\"ts_ms\":1764063000123,"
                + "\"snapshot\":\"false\",\"db\":\"src\",\"sequence\":\"[\\\"1\\\",\\\"2\\\"]\",\"ts_us\":1764063000123456,"
                + "\"schema\":\"public\",\"table\":\"orders\",\"txId\":" + (700 + i) + ",\"lsn\":" + (26589128 + i) + ",\"xmin\":null},"
                + "\"transaction\":{\"id\":\"" + (700 + i) + ":26589128\",\"total_order\":" + (i % 4 + 1) + ",\"data_collection_order\":1},"
                + "\"op\":\"" + op + "\",\"ts_ms\":1764063000330,\"ts_us\":1764063000330512,\"ts_ns\":1764063000330512345}";
    }

    private static String wrapped(String payload) {
        return "{\"schema\":" + SCHEMA + ",\"payload\":" + payload + "}";
    }

    /** Row values that a scanner without proper string handling gets wrong. */
    private static final String[] NOTES = {
        "\"plain\"",
        "\"escaped \\\"quotes\\\" and a backslash \\\\\"",
        "\"ends with a backslash \\\\\"",
        "\"braces in a string: }}]] {[ \\\"}\\\" ,\\\"op\\\":\\\"d\\\"}\"",
        "\"\\\"op\\\":\\\"x\\\",\\\"payload\\\":{}\"",
        "\"unicode: ålice, 日本語, emoji 😀, \\u00e9t\\u00e9, \\ud83d\\ude00\"",
        "\"controls escaped: \\b\\f\\n\\r\\t\\/\"",
        "\"\"",
        "null",
        "12345678901234567890123",
        "-0.0e-7",
        "[\"}\",\"{\",[],{}]",
    };

    @Test
    void validRecordsAreAnsweredByTheScannerWithTheFullParsesEvent() throws Exception {
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        int records = 0;
        for (int i = 0; i < NOTES.length; i++) {
            for (String op : new String[] {"c", "u", "d", "r"}) {
                compare(parser, record(TOPIC, payload(op, NOTES[i], i)));
                compare(parser, record(TOPIC, wrapped(payload(op, NOTES[i], i))));
                compare(parser, record(TOPIC, " \n\t" + wrapped(payload(op, NOTES[i], i)) + "\r\n "));
                records += 3;
            }
        }
        assertThat(parser.fallbacks).as("handed to the full parse").isZero();
        // the first wrapped record's schema block is scanned, the others' compared
        assertThat(parser.knownSchemaHits).isEqualTo(NOTES.length * 4 - 1);
        assertThat(records).isEqualTo(NOTES.length * 12);
    }

    @Test
    void theResourceEnvelopesGiveTheFullParsesEvents() throws Exception {
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        String[][] cases = {
            {TOPIC, "pg-insert.json"}, {TOPIC, "pg-update-wrapped.json"}, {TOPIC, "pg-delete.json"},
            {TOPIC, "pg-snapshot-read.json"}, {TOPIC, "pg-truncate.json"}, {TOPIC, "pg-message.json"},
            {"mongo.inventory.items", "mongo-insert.json"}, {"__debezium-heartbeat.shop", "heartbeat.json"},
            {"shop.transaction", "tx-begin.json"}, {"shop.transaction", "tx-end.json"},
        };
        for (String[] c : cases) {
            compare(parser, CdcRecord.of(c[0], 0, 0, 1L, null, EnvelopeParserTest.read(c[1])));
        }
        ChangeEvent insert = parser.parse(CdcRecord.of(TOPIC, 0, 0, 1L, null, EnvelopeParserTest.read("pg-insert.json")));
        assertThat(insert.operation()).isEqualTo(Operation.CREATE);
        assertThat(insert.qualifiedTable()).isEqualTo("public.orders");
        assertThat(insert.transactionId()).isEqualTo("771:26589128");
        assertThat(insert.afterJson()).as("observe-only: row images skipped").isNull();
        assertThat(insert.lsn()).as("not read by observing").isNull();
        assertThat(insert.txId()).as("not read by observing").isNull();
        assertThat(insert.sequence()).as("not read unless asked").isNull();
        assertThat(parser.fallbacks).isZero();
    }

    /** The embedded-engine path asks for {@code source.sequence}: the scanner reads it as the full parse does. */
    @Test
    void theSequenceIsReadWhenAskedExactlyAsTheFullParseReadsIt() throws Exception {
        ObserveOnlyParser parser = new ObserveOnlyParser(new EnvelopeParser(FACTORY, "__debezium-heartbeat", ".transaction"));
        String base = "{\"before\":null,\"after\":{\"id\":1},\"source\":{\"name\":\"shop\",\"ts_ms\":1,"
                + "\"schema\":\"public\",\"table\":\"orders\",\"sequence\":SEQ},\"op\":\"c\",\"ts_ms\":2}";
        String[] sequences = {"\"[\\\"24023928\\\",\\\"24023976\\\"]\"", "\"[null,\\\"24023976\\\"]\"", "null", "\"\"",
                "\"plain\"", "\"a\\\\b\"", "\"\\u0041\"", "17", "[1,2]"};
        for (String seq : sequences) {
            CdcRecord r = record(TOPIC, base.replace("SEQ", seq));
            ChangeEvent full = new EnvelopeParser(FACTORY, "__debezium-heartbeat", ".transaction").parse(r, false);
            assertThat(parser.parse(r, true).sequence()).as(seq).isEqualTo(full.sequence());
            assertThat(parser.parse(r, false).sequence()).as(seq).isNull();
        }
        CdcRecord pg = record(TOPIC, base.replace("SEQ", sequences[0]));
        assertThat(parser.parse(pg, true).sequence()).isEqualTo("[\"24023928\",\"24023976\"]");
    }

    @Test
    void tombstonesHeartbeatsTransactionsAndNullPayloads() throws Exception {
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        compare(parser, CdcRecord.of(TOPIC, 0, 0, 1L, null, null));
        compare(parser, record(TOPIC, "null"));
        compare(parser, record(TOPIC, "{\"schema\":null,\"payload\":null}"));
        compare(parser, record("__debezium-heartbeat.shop", "{\"schema\":{\"type\":\"struct\"},\"payload\":{\"ts_ms\":1764063000200}}"));
        compare(parser, record("shop.transaction", "{\"status\":\"BEGIN\",\"id\":\"\",\"event_count\":null,\"ts_ms\":5}"));
        compare(parser, record("shop.transaction", "{\"status\":\"END\",\"id\":771,\"event_count\":3}"));
        compare(parser, record("shop.transaction", "{\"status\":\"END\"}"));
        compare(parser, record("shop.transaction", "{\"status\":\"END\",\"id\":\"1\",\"op\":\"c\"}"));
        compare(parser, record(TOPIC, "{\"op\":\"\",\"source\":{\"table\":\"\"}}"));
        compare(parser, record(TOPIC, "{\"op\":\"c\",\"op\":\"u\",\"source\":{\"table\":\"a\",\"collection\":\"b\"},"
                + "\"source\":{\"db\":\"d\"},\"ts_ms\":null,\"ts_us\":true,\"transaction\":null}"));
        compare(parser, record(TOPIC, "{\"op\":1,\"source\":{\"name\":false,\"table\":2.5e1,\"lsn\":[1],\"txId\":{}}}"));
    }

    @Test
    void nonEnvelopesAndUnknownOperationsAreDeadLetteredWithTheirReason() {
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        assertReason(parser, "{\"source\":{\"table\":\"t\"}}", DeadLetterReason.NOT_AN_ENVELOPE);
        assertReason(parser, "{}", DeadLetterReason.NOT_AN_ENVELOPE);
        assertReason(parser, "{\"op\":\"z\"}", DeadLetterReason.UNKNOWN_OPERATION);
        assertReason(parser, "{\"op\":null,\"after\":{\"op\":\"c\"}}", DeadLetterReason.NOT_AN_ENVELOPE);
        assertReason(parser, "[1,2]", DeadLetterReason.UNPARSEABLE);
        assertReason(parser, "\"op\"", DeadLetterReason.UNPARSEABLE);
    }

    @Test
    void malformedRowImagesAreDeadLetteredAsUnparseable() {
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        String[] badRows = {
            "{\"a\":1,,\"b\":2}", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":[1 2]}", "{\"a\":[1,]}", "{\"a\":tru}", "{\"a\":nul}",
            "{\"a\":01}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":+1}", "{\"a\":1e}", "{\"a\":-}", "{\"a\":NaN}",
            "{\"a\":\"bad escape \\x\"}", "{\"a\":\"short unicode \\u12\"}", "{\"a\":\"raw\ttab\"}",
            "{\"a\":\"raw\nnewline\"}", "{a:1}", "{\"a\":'x'}", "{\"a\":1}}", "{\"a\":[}", "{\"a\":{]}", "{\"a\":\"}",
            "{\"a\":truex}",
        };
        for (String row : badRows) {
            String v = "{\"before\":null,\"after\":" + row + ",\"source\":{\"table\":\"t\"},\"op\":\"c\"}";
            assertReason(parser, v, DeadLetterReason.UNPARSEABLE);
            assertReason(parser, wrapped(v), DeadLetterReason.UNPARSEABLE);
        }
    }

    @Test
    void invalidUtf8InARowImageIsDeadLetteredAsUnparseable() {
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        byte[][] bad = {{(byte) 0xFF}, {(byte) 0x80}, {(byte) 0xC3}, {(byte) 0xE6, (byte) 0x97}, {(byte) 0xF8, (byte) 0x80, (byte) 0x80, (byte) 0x80}};
        for (byte[] seq : bad) {
            byte[] v = concat("{\"after\":{\"a\":\"x".getBytes(StandardCharsets.UTF_8), seq,
                    "\"},\"source\":{\"table\":\"t\"},\"op\":\"c\"}".getBytes(StandardCharsets.UTF_8));
            CdcRecord r = CdcRecord.of(TOPIC, 0, 0, 1L, null, v);
            compare(parser, r);
            assertThatThrownBy(() -> parser.parse(r)).isInstanceOfSatisfying(EnvelopeException.class,
                    e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.UNPARSEABLE));
        }
        // overlong and surrogate forms: the scanner leaves them to the full parse, whatever it decides
        for (byte[] seq : new byte[][] {{(byte) 0xC0, (byte) 0x80}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80}}) {
            compare(parser, CdcRecord.of(TOPIC, 0, 0, 1L, null, concat("{\"after\":{\"a\":\"".getBytes(StandardCharsets.UTF_8),
                    seq, "\"},\"op\":\"c\"}".getBytes(StandardCharsets.UTF_8))));
        }
    }

    @Test
    void everyTruncationIsDeadLetteredAsTheFullParseDoes() throws Exception {
        for (String full : List.of(payload("u", NOTES[5], 7), wrapped(payload("u", NOTES[3], 7)))) {
            byte[] bytes = full.getBytes(StandardCharsets.UTF_8);
            ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
            compare(parser, record(TOPIC, full)); // the schema block is known from here on
            for (int len = 0; len < bytes.length; len++) {
                CdcRecord r = CdcRecord.of(TOPIC, 0, len, 1L, null, Arrays.copyOf(bytes, len));
                compare(parser, r);
                if (len > 0) {
                    assertThatThrownBy(() -> parser.parse(r)).as("truncated at %d", len)
                            .isInstanceOf(EnvelopeException.class);
                }
            }
        }
    }

    @Test
    void deepNestingIsLeftToTheFullParse() throws Exception {
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        for (int depth : new int[] {ObserveOnlyParser.MAX_DEPTH - 2, ObserveOnlyParser.MAX_DEPTH + 5, 999, 1001}) {
            String row = "{\"a\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
            compare(parser, record(TOPIC, "{\"after\":" + row + ",\"op\":\"c\"}"));
        }
        String longName = "{\"" + "k".repeat(60_000) + "\":1,\"op\":\"c\"}";
        compare(parser, record(TOPIC, longName));
        String longTable = "{\"source\":{\"table\":\"" + "t".repeat(ObserveOnlyParser.MAX_TEXT_LENGTH + 1) + "\"},\"op\":\"c\"}";
        compare(parser, record(TOPIC, longTable));
        compare(parser, record(TOPIC, "{\"ts_ms\":12345678901234567890,\"op\":\"c\"}"));
        compare(parser, record(TOPIC, "{\"ts_ms\":\"17\",\"ts_us\":1.5e6,\"op\":\"c\"}"));
    }

    /** Random byte edits of valid records: whatever the scanner answers must be what the full parse answers. */
    @Test
    void randomEditsGiveTheFullParsesOutcome() throws Exception {
        Random rnd = new Random(16);
        List<String> seeds = new ArrayList<>();
        for (int i = 0; i < NOTES.length; i++) {
            seeds.add(payload(i % 3 == 0 ? "u" : "c", NOTES[i], i));
            seeds.add(wrapped(payload("d", NOTES[i], i)));
        }
        seeds.add("{\"status\":\"END\",\"id\":\"771:26589128\",\"event_count\":2,\"ts_ms\":1764063000200}");
        byte[] alphabet = "{}[]\":,\\ \n0123456789-+.eEtrufalsn\u00e9x".getBytes(StandardCharsets.UTF_8);
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        int answered = 0;
        for (int k = 0; k < 8_000; k++) {
            String seed = seeds.get(rnd.nextInt(seeds.size()));
            byte[] v = seed.getBytes(StandardCharsets.UTF_8);
            int edits = 1 + rnd.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = rnd.nextInt(v.length);
                byte c = rnd.nextInt(8) == 0 ? (byte) rnd.nextInt(256) : alphabet[rnd.nextInt(alphabet.length)];
                switch (rnd.nextInt(3)) {
                    case 0: v[at] = c; break;
                    case 1: v = concat(Arrays.copyOf(v, at), new byte[] {c}, Arrays.copyOfRange(v, at, v.length)); break;
                    default: v = concat(Arrays.copyOf(v, at), new byte[0], Arrays.copyOfRange(v, at + 1, v.length));
                }
            }
            String topic = k % 50 == 0 ? "shop.transaction" : TOPIC;
            long before = parser.fallbacks;
            compare(parser, CdcRecord.of(topic, 0, k, 1L, null, v));
            compare(parser, CdcRecord.of(topic, 0, k, 1L, null, seed.getBytes(StandardCharsets.UTF_8)));
            if (parser.fallbacks == before) {
                answered++;
            }
        }
        // many edits leave a valid record (inside a row image, a digit for a digit...): the scanner answered those
        assertThat(answered).isGreaterThan(800);
    }

    private static void assertReason(ObserveOnlyParser parser, String value, DeadLetterReason reason) {
        CdcRecord r = record(TOPIC, value);
        compare(parser, r);
        assertThatThrownBy(() -> parser.parse(r)).as(value).isInstanceOfSatisfying(EnvelopeException.class,
                e -> assertThat(e.reason()).isEqualTo(reason));
    }

    private static void compare(ObserveOnlyParser parser, CdcRecord r) {
        Object expected = outcome(r, null);
        Object actual = outcome(r, parser);
        if (!expected.equals(actual)) {
            String s = r.value() == null ? "null" : new String(r.value(), StandardCharsets.UTF_8);
            assertThat(actual).as("%s: %s", r.topic(), s.length() > 600 ? s.substring(0, 600) + "..." : s)
                    .isEqualTo(expected);
        }
    }
}
