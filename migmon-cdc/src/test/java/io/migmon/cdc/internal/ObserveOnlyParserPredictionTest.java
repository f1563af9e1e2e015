package io.migmon.cdc.internal;

import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.DeadLetterReason;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static io.migmon.cdc.internal.ParserFixture.concat;
import static io.migmon.cdc.internal.ParserFixture.outcome;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The fast paths of {@link ObserveOnlyParser}'s walk and their fallbacks, against the ground truth of
 * {@code ObserveOnlyParserTest}, the full (Jackson) parse: predicted row-image field names (kept from the previous
 * row, so one long-lived parser sees predictions that hold, half hold or do not hold), digits read eight at a time,
 * field names found a word at a time, and Strings reused by their bytes. Every record: the same event or the same
 * error (reason and message) as a fresh full parse.
 */
class ObserveOnlyParserPredictionTest {

    private static final String TOPIC = "shop.public.orders";

    private static final String ROW = "{\"id\":17,\"customer_id\":977,\"status\":\"NEW\",\"amount\":\"AeI=\","
            + "\"created_at\":1764063000123456,\"note\":\"a \\\"quoted\\\" note – ü\",\"active\":true}";

    private static String record(String before, String after, String op) {
        return "{\"before\":" + before + ",\"after\":" + after + ",\"source\":{\"name\":\"shop\",\"ts_ms\":1764063000123,"
                + "\"db\":\"src\",\"schema\":\"public\",\"table\":\"orders\"},\"op\":\"" + op + "\",\"ts_ms\":1764063000330}";
    }

    /** Rows whose names differ from the predicted ones somewhere (first, middle, last member, count, layout). */
    private static final String[] SHAPES = {
        ROW,
        "{\"customer_id\":977,\"id\":17,\"status\":\"NEW\",\"amount\":\"AeI=\",\"created_at\":1,\"note\":null,\"active\":true}",
        "{\"id\":17,\"customer_id\":977,\"status\":\"NEW\"}",
        "{\"id\":17,\"customer_id\":977,\"status\":\"NEW\",\"amount\":\"AeI=\",\"created_at\":1,\"note\":null,\"active\":true,"
            + "\"extra\":[1,{\"a\":\"}\"}]}",
        "{\"idx\":17,\"customer_id\":977}",
        "{\"i\":17,\"customer_id\":977}",
        "{\"id\" :17,\"customer_id\":977}",
        "{\"id\": 17,\"customer_id\" : 977 }",
        "{ \"id\":17,\n\"customer_id\":977}",
        "{\"i\\u0064\":17,\"customer_id\":977}",
        "{\"größe\":17,\"customer_id\":977,\"straße_nr\":\"ä\"}",
        "{\"eight_ch\":1,\"sixteen_chars_ab\":2,\"a_name_of_more_than_sixteen\":3}",
        "{}",
        "{\"id\":17,\"customer_id\":977,\"status\":\"NEW\",\"amount\":\"AeI=\",\"created_at\":1,\"note\":{\"id\":1},\"active\":true}",
        "{\"id\":{\"id\":17,\"customer_id\":977},\"customer_id\":[{\"id\":1}]}",
    };

    @Test
    void rowNamesThatDoNotHoldTheirPredictionAreWalked() throws Exception {
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        Random rnd = new Random(7);
        for (int k = 0; k < 600; k++) {
            String before = SHAPES[rnd.nextInt(SHAPES.length)];
            String after = SHAPES[rnd.nextInt(SHAPES.length)];
            String v = record(before, after, "u");
            compare(parser, v);
            if (!v.contains("\\u0064")) {
                long fallbacks = parser.fallbacks;
                parser.parse(ParserFixture.record(TOPIC, v));
                assertThat(parser.fallbacks).as("answered by the scanner: %s", v).isEqualTo(fallbacks);
            }
        }
    }

    @Test
    void malformedValuesAfterPredictedNamesAreDeadLetteredAsTheFullParseDoes() {
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        String[] badValues = {"01", "tru", "nul", "1.", "-", "+1", "\"bad \\x\"", "\"raw\ttab\"", "}", ",", "", " ", "[1,]",
            "{\"a\" 1}", "12345678x", "1234567890123456.", "NaN", "\"unterminated"};
        for (String bad : badValues) {
            compare(parser, record(ROW, ROW, "u")); // the names of ROW are predicted from here
            String row = ROW.replace("\"customer_id\":977", "\"customer_id\":" + bad);
            String v = record(ROW, row, "u");
            compare(parser, v);
            assertThatThrownBy(() -> parser.parse(ParserFixture.record(TOPIC, v))).as(v).isInstanceOfSatisfying(EnvelopeException.class,
                    e -> assertThat(e.reason()).isEqualTo(DeadLetterReason.UNPARSEABLE));
        }
        // truncated anywhere in a row whose names are predicted
        String full = record(ROW, ROW, "u");
        for (int len = 1; len < full.length(); len++) {
            compare(parser, full);
            compare(parser, full.substring(0, len));
        }
    }

    @Test
    void longsAreReadEightDigitsAtATimeExactlyAsTheFullParseReadsThem() throws Exception {
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        List<String> numbers = new ArrayList<>(List.of("0", "7", "-7", "00", "01", "-0", "12345678", "123456789",
                "1234567812345678", "12345678123456781", "1764063000330512345", "9223372036854775807",
                "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "8999999999999999999", "-8999999999999999999", "9300000000000000000", "99999999999999999999",
                "12345678901234567890123", "1764063000330.5", "1764063000330e3", "17640630003305120", "1234567\u00e9"));
        String digits = "1764063000330512345";
        for (int at = 0; at < digits.length(); at++) {
            for (char c : new char[] {'/', ':', 'a', '.', 'e', '-', ' ', '\u00ff', '"', '}'}) {
                numbers.add(digits.substring(0, at) + c + digits.substring(at + 1));
            }
        }
        for (String number : numbers) {
            compare(parser, "{\"after\":{\"n\":" + number + "},\"source\":{\"table\":\"t\",\"ts_us\":" + number + "},"
                    + "\"op\":\"c\",\"ts_ns\":" + number + "}");
            compare(parser, "{\"after\":{\"n\":" + number + ",\"m\":[" + number + "]},\"op\":\"c\"}");
        }
        ChangeEvent e = parser.parse(ParserFixture.record(TOPIC,
                "{\"source\":{\"table\":\"t\",\"ts_ns\":1764063000330512345},"
                + "\"op\":\"c\",\"ts_us\":1764063000330512}"));
        assertThat(e.sourceTsNanos()).isEqualTo(1764063000330512345L);
        assertThat(e.eventTsNanos()).isEqualTo(1764063000330512000L);
    }

    @Test
    void fieldNamesOfEveryLengthAndContentGiveTheFullParsesOutcome() {
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        String[] parts = {"a", "op", "table", "é", "日本", "😀", "\\\"", "\\u0041", "\\\\", "\t", "x\u0001"};
        for (int len = 0; len <= 20; len++) {
            for (String part : parts) {
                String name = "n".repeat(len) + part + "m".repeat(len % 9);
                compare(parser, "{\"" + name + "\":1,\"source\":{\"" + name + "\":2,\"table\":\"t\"},\"op\":\"c\"}");
                compare(parser, "{\"after\":{\"" + name + "\":1,\"" + name + "2\":2},\"op\":\"c\"}");
            }
        }
    }

    @Test
    void repeatedTextIsTheSameStringAndChangedTextANewOne() throws Exception {
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        String[] tables = {"orders", "orders", "ordert", "orders2", "örders", "ørders", "örders", "", "orders"};
        ChangeEvent previous = null;
        for (String table : tables) {
            String v = "{\"source\":{\"table\":\"" + table + "\",\"db\":\"src\"},\"op\":\"c\"}";
            compare(parser, v);
            ChangeEvent e = parser.parse(ParserFixture.record(TOPIC, v));
            assertThat(e.table()).isEqualTo(table.isEmpty() ? null : table);
            if (previous != null && table.equals(previous.table())) {
                assertThat(e.table()).as("the previous record's String").isSameAs(previous.table());
            }
            assertThat(e.database()).isEqualTo("src");
            previous = e;
        }
    }

    /**
     * Random byte edits of 10-column rows under a long-lived parser: predictions are built from edited rows too, and
     * whatever the scanner answers must be what the full parse answers.
     */
    @Test
    void randomEditsOfPredictedRowsGiveTheFullParsesOutcome() throws Exception {
        byte[] alphabet = "{}[]\":,\\ \n0123456789-.eEtrufalsnu\u00e9x".getBytes(StandardCharsets.UTF_8);
        int answered = 0;
        for (long seed = 1; seed <= 4; seed++) {
            Random rnd = new Random(seed);
            ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
            for (int k = 0; k < 3_000; k++) {
                String seedRecord = record(ROW, ROW.replace("NEW", "SHIPPED"), "u");
                byte[] v = seedRecord.getBytes(StandardCharsets.UTF_8);
                if (rnd.nextInt(4) != 0) {
                    int rowEnd = seedRecord.indexOf(",\"source\"");
                    for (int e = 1 + rnd.nextInt(2); e > 0; e--) {
                        int at = rnd.nextInt(Math.min(rowEnd, v.length));
                        byte c = rnd.nextInt(8) == 0 ? (byte) rnd.nextInt(256) : alphabet[rnd.nextInt(alphabet.length)];
                        switch (rnd.nextInt(3)) {
                            case 0 -> v[at] = c;
                            case 1 -> v = concat(Arrays.copyOf(v, at), new byte[] {c}, Arrays.copyOfRange(v, at, v.length));
                            default -> v = concat(Arrays.copyOf(v, at), Arrays.copyOfRange(v, at + 1, v.length));
                        }
                    }
                }
                long before = parser.fallbacks;
                compare(parser, CdcRecord.of(TOPIC, 0, k, 1L, null, v));
                if (parser.fallbacks == before) {
                    answered++;
                }
            }
        }
        assertThat(answered).isGreaterThan(3_000);
    }

    private static void compare(ObserveOnlyParser parser, String value) {
        compare(parser, ParserFixture.record(TOPIC, value));
    }

    private static void compare(ObserveOnlyParser parser, CdcRecord r) {
        Object expected = outcome(r, null);
        Object actual = outcome(r, parser);
        if (!expected.equals(actual)) {
            String s = new String(r.value(), StandardCharsets.UTF_8);
            assertThat(actual).as("%s", s.length() > 600 ? s.substring(0, 600) + "..." : s).isEqualTo(expected);
        }
    }
}
