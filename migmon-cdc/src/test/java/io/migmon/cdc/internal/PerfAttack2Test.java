package io.migmon.cdc.internal;

import static io.migmon.cdc.internal.ParserFixture.outcome;
import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.cdc.CdcRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Second attack on the observe-only scanner of issue 16 ({@link ObserveOnlyParser}): one long-lived scanner (its
 * known-schema cache and predicted row names carried from record to record) against a fresh full parse of every
 * record ({@link EnvelopeParser}, the ground truth): the same event (every accessor it fills) or the same dead-letter
 * reason and message. Records are generated: schema blocks that change by one byte at the same length, gain a field
 * (ADD COLUMN) and change back; envelope, source and transaction members reordered, duplicated, dropped or spelled
 * with escapes; numbers at the edges of long; rows whose field order changes; several topics interleaved.
 */
class PerfAttack2Test {

    private static final String[] TOPICS = {"shop.public.orders", "shop.public.items", "shop.transaction",
        "__debezium-heartbeat.shop"};

    private static String schema(String extraField, char variant) {
        return "{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":[{\"type\":\"int64\",\"optional\":false,"
                + "\"field\":\"id\"},{\"type\":\"string\",\"optional\":true,\"field\":\"note\"}" + extraField
                + "],\"optional\":true,\"name\":\"shop.public.orders.Value\",\"field\":\"after\"},{\"type\":\"string\","
                + "\"optional\":false,\"field\":\"op\"}],\"optional\":false,\"name\":\"shop.Envelop" + variant + "\"}";
    }

    private static final String[] SCHEMAS = {
        schema("", 'e'),
        schema("", 'f'), // same length, one byte differs
        schema(",{\"type\":\"int32\",\"optional\":true,\"field\":\"qty\"}", 'e'), // ADD COLUMN
        schema("", 'e').replace("\"optional\":false,\"field\":\"id\"", "\"optional\":false,\"field\":\"i\\u0064\""),
        schema("", 'e').substring(0, 40), // truncated schema block
        "{\"type\":\"struct\",\"fields\":[{\"a\":1e400,\"b\":-0,\"c\":\"\\ud83d\\ude00\"}]}",
        "null",
    };

    private static final String[] NUMBERS = {"1764063000123", "0", "-0", "-1", "1e3", "1.0", "1E+3", "-0.0",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
        "8999999999999999999", "9000000000000000000", "9099999999999999999", "1234567890123456789", "12345678",
        "123456789", "99999999", "100000000", "00", "01", "null", "\"123\"", "true", "[]", "{}", "1764063000123456789",
        "17640630001234567890", " 5 ", "5\n"};

    private static final String[] TEXTS = {"\"shop\"", "\"sh\\u006fp\"", "\"\"", "null", "1", "\"é\"", "\"\\\"q\\\"\"",
        "{}", "[\"a\"]", "\"orders\"", "\"a\\/b\"", "\"\\u0000\"", "\"\\ud800\"", "\"😀\"", "\"x\\\\\"", "true"};

    private static final String[] OPS = {"\"c\"", "\"u\"", "\"d\"", "\"r\"", "\"t\"", "\"m\"", "\"x\"", "\"\\u0063\"",
        "\"cc\"", "null", "1", "\"\"", "\"C\""};

    private static final String[] ROW_VALUES = {"1", "-0", "1.5e-7", "\"a\\\"b\"", "\"\\u00e9\"", "null", "true",
        "[1,{\"x\":\"}\"}]", "{\"n\":{}}", "12345678901234567890", "-9223372036854775808", "0.0", "1E400", "\"😀\""};

    private static String pick(Random rnd, String[] a) {
        return a[rnd.nextInt(a.length)];
    }

    private static String name(Random rnd, String n) {
        if (rnd.nextInt(25) == 0) {
            return "\"\\u" + String.format("%04x", (int) n.charAt(0)) + n.substring(1) + "\"";
        }
        return "\"" + n + "\"";
    }

    private static String object(Random rnd, List<String> members) {
        List<String> m = new ArrayList<>(members);
        if (rnd.nextInt(4) == 0) {
            Collections.shuffle(m, rnd);
        }
        if (rnd.nextInt(15) == 0 && !m.isEmpty()) {
            m.remove(rnd.nextInt(m.size()));
        }
        if (rnd.nextInt(15) == 0 && !m.isEmpty()) {
            m.add(m.get(rnd.nextInt(m.size()))); // a duplicate member
        }
        String ws = rnd.nextInt(20) == 0 ? " " : "";
        return "{" + ws + String.join("," + ws, m) + ws + "}";
    }

    private static String num(Random rnd) {
        return rnd.nextInt(3) == 0 ? pick(rnd, NUMBERS) : Long.toString(1764063000000L + rnd.nextInt(1_000_000));
    }

    private static String txt(Random rnd, String usual) {
        return rnd.nextInt(6) == 0 ? pick(rnd, TEXTS) : "\"" + usual + "\"";
    }

    private static String row(Random rnd) {
        List<String> m = new ArrayList<>();
        m.add(name(rnd, "id") + ":" + (rnd.nextInt(5) == 0 ? pick(rnd, ROW_VALUES) : Integer.toString(rnd.nextInt(1000))));
        m.add(name(rnd, "note") + ":" + (rnd.nextInt(3) == 0 ? pick(rnd, ROW_VALUES) : "\"n\""));
        if (rnd.nextBoolean()) {
            m.add(name(rnd, "qty") + ":" + pick(rnd, ROW_VALUES));
        }
        if (rnd.nextInt(4) == 0) {
            Collections.reverse(m); // field order changes between rows
        }
        return "{" + String.join(",", m) + "}";
    }

    private static String payload(Random rnd, String topic) {
        if (topic.startsWith("__debezium-heartbeat")) {
            return object(rnd, List.of(name(rnd, "ts_ms") + ":" + num(rnd)));
        }
        if (topic.endsWith(".transaction")) {
            return object(rnd, List.of(name(rnd, "status") + ":" + (rnd.nextBoolean() ? "\"BEGIN\"" : "\"END\""),
                    name(rnd, "id") + ":" + txt(rnd, "700:26589128"), name(rnd, "event_count") + ":"
                            + (rnd.nextBoolean() ? num(rnd) : "null"),
                    name(rnd, "data_collections") + ":" + (rnd.nextBoolean() ? "null"
                            : "[{\"data_collection\":\"public.orders\",\"event_count\":" + rnd.nextInt(100) + "}]"), // beyond long: finding 2
                    name(rnd, "ts_ms") + ":" + num(rnd)));
        }
        String op = rnd.nextInt(5) == 0 ? pick(rnd, OPS) : pick(rnd, new String[] {"\"c\"", "\"u\"", "\"d\""});
        String source = object(rnd, List.of(name(rnd, "version") + ":\"3.6.0.Final\"",
                name(rnd, "connector") + ":" + txt(rnd, "postgresql"), name(rnd, "name") + ":" + txt(rnd, "shop"),
                name(rnd, "ts_ms") + ":" + num(rnd), name(rnd, "ts_us") + ":" + num(rnd),
                name(rnd, "ts_ns") + ":" + num(rnd), name(rnd, "snapshot") + ":" + txt(rnd, "false"),
                name(rnd, "db") + ":" + txt(rnd, "src"), name(rnd, "schema") + ":" + txt(rnd, "public"),
                name(rnd, "table") + ":" + txt(rnd, topic.substring(topic.lastIndexOf('.') + 1)),
                name(rnd, "lsn") + ":" + num(rnd), name(rnd, "txId") + ":" + num(rnd)));
        List<String> m = new ArrayList<>();
        m.add(name(rnd, "before") + ":" + (rnd.nextBoolean() ? "null" : row(rnd)));
        m.add(name(rnd, "after") + ":" + (rnd.nextInt(4) == 0 ? "null" : row(rnd)));
        m.add(name(rnd, "source") + ":" + source);
        if (rnd.nextBoolean()) {
            m.add(name(rnd, "transaction") + ":" + object(rnd, List.of(name(rnd, "id") + ":" + txt(rnd, "700:1"),
                    name(rnd, "total_order") + ":" + num(rnd), name(rnd, "data_collection_order") + ":" + num(rnd))));
        }
        m.add(name(rnd, "op") + ":" + op);
        m.add(name(rnd, "ts_ms") + ":" + num(rnd));
        if (rnd.nextBoolean()) {
            m.add(name(rnd, "ts_us") + ":" + num(rnd));
            m.add(name(rnd, "ts_ns") + ":" + num(rnd));
        }
        return object(rnd, m);
    }

    private static String record(Random rnd, String topic, String schema) {
        String payload = payload(rnd, topic);
        switch (rnd.nextInt(12)) {
            case 0:
                return payload; // schemaless
            case 1:
                return "{\"payload\":" + payload + ",\"schema\":" + schema + "}"; // other layout
            case 2:
                return "{\"schema\":" + schema + ",\"payload\":" + payload + "} "; // trailing whitespace
            case 3:
                return "{\"schema\":" + schema + ",\"payload\":" + payload + ",\"extra\":1}";
            case 4:
                String whole = "{\"schema\":" + schema + ",\"payload\":" + payload + "}";
                return whole.substring(0, rnd.nextInt(whole.length())); // truncated
            default:
                return "{\"schema\":" + schema + ",\"payload\":" + payload + "}";
        }
    }

    /**
     * Finding 2: a transaction END whose {@code data_collections} holds a count the full parse cannot read (beyond
     * long, here) is dead-lettered by the full parse (UNPARSEABLE, "Numeric value ... out of range of long"); the
     * scanner reads the array with {@code EnvelopeParser.dataCollections}, which swallows the IOException and returns
     * null, so the record is accepted as an END without data collections (the per-table END accounting then has
     * nothing to close). Found by {@link #generatedStreamsGiveTheFullParsesOutcomeRecordByRecord} (seed 1).
     */
    @Test
    void dataCollectionsOutOfRangeCountIsDeadLetteredAsByTheFullParse() {
        String v = "{\"status\":\"END\",\"id\":\"700:26589128\",\"event_count\":2,\"data_collections\":"
                + "[{\"data_collection\":\"public.orders\",\"event_count\":-9223372036854775809}],\"ts_ms\":1764063574027}";
        CdcRecord r = CdcRecord.of("shop.transaction", 0, 0, 1L, null, v.getBytes(StandardCharsets.UTF_8));
        Object expected = outcome(r, null);
        assertThat(expected).asList().startsWith("error"); // the full parse: UNPARSEABLE
        assertThat(outcome(r, new ObserveOnlyParser(EnvelopeParser.withDefaults()))).isEqualTo(expected);
    }


    /**
     * Held: rows past the prediction's bounds (256 members, 8 KB): 300 members, a 9 KB value, and after a row that
     * set the prediction, rows that differ (a renamed, malformed, truncated or reordered member) at member 0, 255,
     * 256, 257 and 299, each against a fresh full parse.
     */
    @Test
    void rowsPastThePredictionBoundsGiveTheFullParsesOutcome() {
        ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        String[] edits = {"rename", "malformed", "bigger", "swap", "none", "escape"};
        int[] at = {0, 1, 254, 255, 256, 257, 298, 299};
        long answered = 0;
        for (String edit : edits) {
            for (int k : at) {
                for (int round = 0; round < 3; round++) {
                    StringBuilder row = new StringBuilder("{");
                    for (int i = 0; i < 300; i++) {
                        String name = "c" + i;
                        String value = i == 100 ? "\"" + "y".repeat(9_000) + "\"" : Integer.toString(i);
                        if (round == 2 && i == k) {
                            switch (edit) {
                                case "rename": name = "d" + i; break;
                                case "malformed": value = "01"; break;
                                case "bigger": value = "1234567890123456789012"; break;
                                case "swap": name = "c" + (i == 299 ? 0 : i + 1); break;
                                case "escape": name = "c\\u0031" + i; break;
                                default: break;
                            }
                        }
                        row.append(i == 0 ? "" : ",").append('"').append(name).append("\":").append(value);
                    }
                    row.append('}');
                    String v = "{\"before\":null,\"after\":" + row + ",\"source\":{\"name\":\"shop\",\"ts_ms\":1,"
                            + "\"schema\":\"public\",\"table\":\"wide\"},\"op\":\"c\",\"ts_ms\":2}";
                    CdcRecord r = CdcRecord.of("shop.public.wide", 0, 0, 1L, null, v.getBytes(StandardCharsets.UTF_8));
                    long before = parser.fallbacks;
                    Object expected = outcome(r, null);
                    assertThat(outcome(r, parser)).as("%s at member %d, round %d", edit, k, round).isEqualTo(expected);
                    if (parser.fallbacks == before) {
                        answered++;
                    }
                    // every truncation of the edited row's record near the edit
                    if (round == 2) {
                        int cut = v.indexOf("\"" + (edit.equals("rename") ? "d" : "c") + k);
                        for (int c = Math.max(1, cut - 3); c < Math.min(v.length(), cut + 12); c++) {
                            CdcRecord t = CdcRecord.of("shop.public.wide", 0, 0, 1L, null,
                                    v.substring(0, c).getBytes(StandardCharsets.UTF_8));
                            assertThat(outcome(t, parser)).isEqualTo(outcome(t, null));
                        }
                    }
                }
            }
        }
        assertThat(answered).isGreaterThan(100);
    }

    @Test
    void generatedStreamsGiveTheFullParsesOutcomeRecordByRecord() {
        long answered = 0;
        long hits = 0;
        for (int seed = 1; seed <= 6; seed++) {
            Random rnd = new Random(seed * 7919L);
            ObserveOnlyParser parser = new ObserveOnlyParser(EnvelopeParser.withDefaults());
            String[] current = new String[TOPICS.length];
            for (int t = 0; t < TOPICS.length; t++) {
                current[t] = SCHEMAS[0];
            }
            for (int k = 0; k < 5_000; k++) {
                int t = rnd.nextInt(10) < 7 ? 0 : rnd.nextInt(TOPICS.length);
                if (rnd.nextInt(40) == 0) {
                    current[t] = pick(rnd, SCHEMAS); // schema change mid-stream (and back)
                }
                String v = record(rnd, TOPICS[t], current[t]);
                CdcRecord r = CdcRecord.of(TOPICS[t], 0, k, 1L, null, v.getBytes(StandardCharsets.UTF_8));
                long before = parser.fallbacks;
                Object expected = outcome(r, null);
                Object actual = outcome(r, parser);
                if (!expected.equals(actual)) {
                    assertThat(actual).as("seed %d record %d: %s", seed, k, v).isEqualTo(expected);
                }
                if (parser.fallbacks == before) {
                    answered++;
                }
            }
            hits += parser.knownSchemaHits;
        }
        // teeth: most records answered by the scanner itself, many through the known-schema skip
        assertThat(answered).isGreaterThan(4_000);
        assertThat(hits).as("known-schema skips").isGreaterThan(1_000);
    }
}
