package io.migmon.cdc.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.event.ChangeEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property test of the known-schema fast path: a long-lived parser (whose per-topic schema cache evolves over the
 * sequence) must give exactly what a fresh parser (no cache, always the full parse) gives, on every record of a
 * generated stream: JsonConverter envelopes with and without schemas, schema changes mid-stream (also changes that keep
 * the block's length), several topics, unicode and escapes in values, nested structs, null payloads, tombstones,
 * unusual layouts and malformed records. The ground truth is the full parse, which the existing tests pin.
 */
class EnvelopeParserKnownSchemaTest {

    private static final int RECORDS_PER_SEED = 3_000;

    @Test
    void fastPathGivesTheFullParsesResultOnGeneratedStreams() throws Exception {
        long hits = 0;
        long total = 0;
        for (long seed = 1; seed <= 8; seed++) {
            Random rnd = new Random(seed);
            EnvelopeParser observe = EnvelopeParser.withDefaults();
            EnvelopeParser capture = EnvelopeParser.withDefaults();
            EnvelopeParser mixed = EnvelopeParser.withDefaults();
            Generator g = new Generator(rnd);
            for (int i = 0; i < RECORDS_PER_SEED; i++) {
                CdcRecord r = g.next(i);
                String where = "seed " + seed + " record " + i;
                compare(observe, r, false, where);
                compare(capture, r, true, where);
                compare(mixed, r, rnd.nextBoolean(), where);
                total += 3;
            }
            hits += observe.knownSchemaHits + capture.knownSchemaHits + mixed.knownSchemaHits;
        }
        // the comparison is not vacuous: most wrapped records took the fast path
        assertThat(hits).as("fast-path hits of %d parses", total).isGreaterThan(total / 3);
    }

    @Test
    void schemaChangeOfSameLengthIsAMiss() throws Exception {
        EnvelopeParser parser = EnvelopeParser.withDefaults();
        String v1 = wrapped("io.debezium.time.Date", "{\"id\":1}");
        String v2 = wrapped("io.debezium.time.Year", "{\"id\":1}");
        assertThat(v1.length()).isEqualTo(v2.length());
        ChangeEvent a = parser.parse(EnvelopeParserTest.record("t", v1), true);
        ChangeEvent b = parser.parse(EnvelopeParserTest.record("t", v1), true);
        ChangeEvent c = parser.parse(EnvelopeParserTest.record("t", v2), true);
        assertThat(parser.knownSchemaHits).isEqualTo(1);
        assertThat(a.rowFieldTypes()).containsEntry("d", "io.debezium.time.Date");
        assertThat(b.rowFieldTypes()).isEqualTo(a.rowFieldTypes());
        assertThat(c.rowFieldTypes()).containsEntry("d", "io.debezium.time.Year");
        assertThat(parser.parse(EnvelopeParserTest.record("t", v2), true).rowFieldTypes())
                .containsEntry("d", "io.debezium.time.Year");
        assertThat(parser.knownSchemaHits).isEqualTo(2);
    }

    @Test
    void nestingLimitIsTheFullParsesAlthoughTheFastPathStartsInsideTheRecord() throws Exception {
        int limit = StreamReadConstraints.defaults().getMaxNestingDepth();
        for (int depth = limit - 3; depth <= limit + 2; depth++) {
            // record depth: the record 1, payload 2, after 3, then depth - 3 arrays
            String after = "{\"id\":" + "[".repeat(depth - 3) + "]".repeat(depth - 3) + "}";
            EnvelopeParser parser = EnvelopeParser.withDefaults();
            parser.parse(EnvelopeParserTest.record("t", wrapped("io.debezium.time.Date", "{\"id\":1}")), false);
            CdcRecord deep = EnvelopeParserTest.record("t", wrapped("io.debezium.time.Date", after));
            compare(parser, deep, false, "depth " + depth);
            compare(parser, deep, true, "depth " + depth);
        }
    }

    private static String wrapped(String semantic, String after) {
        return "{\"schema\":{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"optional\":true,"
                + "\"name\":\"" + semantic + "\",\"field\":\"d\"}],\"optional\":true,\"field\":\"after\"}],\"name\":\"t.Envelope\"},"
                + "\"payload\":{\"before\":null,\"after\":" + after + ",\"source\":{\"table\":\"t\",\"ts_ms\":5},\"op\":\"c\"}}";
    }

    private static final JsonFactory FACTORY = new JsonFactory();

    private static void compare(EnvelopeParser cached, CdcRecord r, boolean captureRows, String where) {
        // a new parser has no known schema: the full parse
        Object expected = outcome(new EnvelopeParser(FACTORY, "__debezium-heartbeat", ".transaction"), r, captureRows);
        Object actual = outcome(cached, r, captureRows);
        if (!expected.equals(actual)) {
            assertThat(actual).as("capture=%s %s: %s", captureRows, where, show(r)).isEqualTo(expected);
        }
    }

    /** Every accessor of the event, or the error's reason and message. */
    private static Object outcome(EnvelopeParser parser, CdcRecord r, boolean captureRows) {
        try {
            ChangeEvent e = parser.parse(r, captureRows);
            return Arrays.asList(e.record(), e.kind(), e.operation(), e.sourceName(), e.connector(), e.database(),
                    e.schema(), e.table(), e.snapshot(), e.sourceTsNanos(), e.eventTsNanos(), e.lsn(), e.txId(),
                    e.transactionId(), e.transactionTotalOrder(), e.transactionDataCollectionOrder(),
                    e.transactionStatus(), e.transactionEventCount(),
                    e.beforeJson(), e.afterJson(), e.rowFieldTypes());
        } catch (EnvelopeException ex) {
            return List.of("error", ex.reason(), ex.getMessage());
        }
    }

    private static String show(CdcRecord r) {
        if (r.value() == null) {
            return r.topic() + " null";
        }
        String s = new String(r.value(), StandardCharsets.UTF_8);
        return r.topic() + " " + (s.length() > 400 ? s.substring(0, 200) + " ... " + s.substring(s.length() - 200) : s);
    }

    /** A stream of records over a few topics whose schemas evolve now and then. */
    private static final class Generator {
        private static final String[] TOPICS = {"shop.public.orders", "shop.public.users", "shop.inventory.items"};
        private static final String[] SEMANTIC = {null, null, "io.debezium.time.Date", "io.debezium.time.Year",
                "io.debezium.time.MicroTimestamp", "io.debezium.time.NanoTimestamp", "io.debezium.data.Json",
                "org.apache.kafka.connect.data.Decimal"};
        private static final String[] TYPES = {"int32", "int64", "string", "boolean", "double", "bytes"};
        private static final String[] TEXT = {"alice", "ålice", "\\\"quoted\\\"", "back\\\\slash", "\\u00e9t\\u00e9",
                "日本語", "emoji 😀", "tab\\tnew\\nline", "{\\\"not\\\":\\\"json\\\"}", "", "schema", "payload",
                "},\\\"payload\\\":{"};
        private static final String[] OPS = {"c", "u", "d", "r", "t", "m", "c", "u", "x", null};

        private final Random rnd;
        private final List<List<String[]>> columns = new ArrayList<>();
        private final String[] schemas = new String[TOPICS.length];

        Generator(Random rnd) {
            this.rnd = rnd;
            for (int t = 0; t < TOPICS.length; t++) {
                columns.add(new ArrayList<>());
                for (int c = 0; c < 3 + rnd.nextInt(8); c++) {
                    columns.get(t).add(column(c));
                }
                schemas[t] = schema(t);
            }
        }

        private String[] column(int c) {
            return new String[] {"col_" + c + (rnd.nextInt(5) == 0 ? "_ü" : ""), TYPES[rnd.nextInt(TYPES.length)],
                    SEMANTIC[rnd.nextInt(SEMANTIC.length)], String.valueOf(rnd.nextBoolean())};
        }

        CdcRecord next(int offset) {
            int t = rnd.nextInt(TOPICS.length);
            int roll = rnd.nextInt(100);
            if (roll < 3) { // schema evolution: add a column, or change one in place (often keeping the length)
                List<String[]> cols = columns.get(t);
                if (rnd.nextBoolean()) {
                    cols.add(column(cols.size()));
                } else {
                    String[] c = cols.get(rnd.nextInt(cols.size()));
                    c[2] = SEMANTIC[rnd.nextInt(SEMANTIC.length)];
                    if (c[1].startsWith("int")) {
                        c[1] = c[1].equals("int32") ? "int64" : "int32"; // same length, different bytes
                    } else {
                        c[3] = String.valueOf(!Boolean.parseBoolean(c[3]));
                    }
                }
                schemas[t] = schema(t);
            }
            String topic = roll == 3 ? "__debezium-heartbeat.shop" : roll == 4 ? "shop.transaction" : TOPICS[t];
            String value;
            if (roll == 5) {
                value = null;
            } else if (roll < 8) {
                value = "null";
            } else if (roll < 35) {
                value = payload(t); // schemas.enable=false
            } else if (roll < 38) {
                value = "{\"schema\":null,\"payload\":" + (rnd.nextBoolean() ? "null" : payload(t)) + "}";
            } else {
                value = "{\"schema\":" + schemas[t] + ",\"payload\":" + payload(t) + "}";
                value = mutate(value);
            }
            byte[] bytes = value == null ? null : value.getBytes(StandardCharsets.UTF_8);
            return CdcRecord.of(topic, 0, offset, 1_764_063_000_000L + offset, null, bytes);
        }

        /** Mostly unchanged; sometimes a layout the fast path must hand over, or a malformed record. */
        private String mutate(String v) {
            int roll = rnd.nextInt(60);
            int payloadAt = v.indexOf(",\"payload\":");
            switch (roll) {
                case 0: return v + " ";
                case 1: return v + "\n}";
                case 2: return v.substring(0, v.length() - 1) + ",\"op\":\"d\"}";
                case 3: return v.substring(0, v.length() - 1) + ",\"payload\":null}";
                case 4: return v.substring(0, v.length() - 3);
                case 5: return v + "x";
                case 6: return v.substring(0, payloadAt) + ", \"payload\":" + v.substring(payloadAt + 11);
                case 7: return v.substring(0, payloadAt) + ",\"payload\":null}";
                case 8: return v.substring(0, payloadAt) + ",\"payload\":[1]}";
                case 9: return v.substring(0, v.length() - 2) + ",}}";
                case 10: return v.replace("\"op\":", "\"op\" ");
                case 11: return v.substring(0, payloadAt) + ",\"payload\":\"x\"}";
                case 12: return v.substring(0, v.length() - 1) + "}}";
                default: return v;
            }
        }

        private String schema(int t) {
            StringBuilder row = new StringBuilder("{\"type\":\"struct\",\"fields\":[");
            List<String[]> cols = columns.get(t);
            for (int i = 0; i < cols.size(); i++) {
                String[] c = cols.get(i);
                row.append(i == 0 ? "" : ",").append("{\"type\":\"").append(c[1]).append("\",\"optional\":").append(c[3]);
                if (c[2] != null) {
                    row.append(",\"name\":\"").append(c[2]).append("\",\"version\":1");
                }
                row.append(",\"field\":\"").append(c[0]).append("\"}");
            }
            row.append("],\"optional\":true,\"name\":\"").append(TOPICS[t]).append(".Value\",\"field\":\"%s\"}");
            String r = row.toString();
            return "{\"type\":\"struct\",\"fields\":[" + String.format(r, "before") + "," + String.format(r, "after") + ","
                    + "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},"
                    + "{\"type\":\"int64\",\"optional\":false,\"field\":\"ts_ms\"},{\"type\":\"string\",\"optional\":false,\"field\":\"table\"}],"
                    + "\"optional\":false,\"name\":\"io.debezium.connector.postgresql.Source\",\"field\":\"source\"},"
                    + "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"}],"
                    + "\"optional\":false,\"name\":\"" + TOPICS[t] + ".Envelope\",\"version\":2}";
        }

        private String payload(int t) {
            if (rnd.nextInt(40) == 0) { // transaction-topic and heartbeat shapes
                return rnd.nextBoolean()
                        ? "{\"status\":\"END\",\"id\":\"771:" + rnd.nextInt(1000) + "\",\"event_count\":" + rnd.nextInt(9)
                                + ",\"ts_ms\":1764063000" + rnd.nextInt(999) + "}"
                        : "{\"ts_ms\":1764063000" + rnd.nextInt(999) + "}";
            }
            String op = OPS[rnd.nextInt(OPS.length)];
            StringBuilder b = new StringBuilder("{");
            List<String> parts = new ArrayList<>();
            parts.add("\"before\":" + (rnd.nextInt(3) == 0 ? "null" : row(t)));
            parts.add("\"after\":" + (rnd.nextInt(4) == 0 ? "null" : row(t)));
            StringBuilder src = new StringBuilder("{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"shop\"");
            if (rnd.nextBoolean()) {
                src.append(",\"ts_ms\":").append(1_764_063_000_000L + rnd.nextInt(100_000));
            }
            if (rnd.nextBoolean()) {
                src.append(",\"ts_us\":").append(1_764_063_000_000_000L + rnd.nextInt(100_000_000));
            }
            src.append(",\"snapshot\":\"").append(rnd.nextInt(5) == 0 ? "last" : "false").append("\",\"db\":\"src\"")
                    .append(",\"sequence\":\"[null,\\\"").append(rnd.nextInt(1_000_000)).append("\\\"]\"")
                    .append(",\"schema\":\"").append(rnd.nextInt(9) == 0 ? "sch\\u00e9ma" : "public").append('"')
                    .append(",\"table\":\"").append(TOPICS[t].substring(TOPICS[t].lastIndexOf('.') + 1)).append('"')
                    .append(",\"txId\":").append(rnd.nextInt(100_000)).append(",\"lsn\":").append(rnd.nextInt(1 << 30))
                    .append(",\"xmin\":null}");
            parts.add("\"source\":" + src);
            parts.add("\"transaction\":" + (rnd.nextBoolean() ? "null"
                    : "{\"id\":\"" + rnd.nextInt(1000) + ":" + rnd.nextInt(1 << 20) + "\",\"total_order\":" + rnd.nextInt(50)
                            + ",\"data_collection_order\":1}"));
            if (op != null) {
                parts.add("\"op\":\"" + op + "\"");
            }
            parts.add("\"ts_ms\":" + (1_764_063_000_000L + rnd.nextInt(100_000)));
            if (rnd.nextBoolean()) {
                parts.add("\"ts_ns\":" + (1_764_063_000_000_000_000L + rnd.nextInt(Integer.MAX_VALUE)));
            }
            if (rnd.nextInt(10) == 0) {
                parts.add("\"schema\":{\"nested\":\"in payload\"}");
            }
            if (rnd.nextInt(4) == 0) {
                java.util.Collections.shuffle(parts, rnd);
            }
            b.append(String.join(",", parts)).append('}');
            return b.toString();
        }

        private String row(int t) {
            StringBuilder b = new StringBuilder("{");
            List<String[]> cols = columns.get(t);
            for (int i = 0; i < cols.size(); i++) {
                b.append(i == 0 ? "" : ",").append('"').append(cols.get(i)[0]).append("\":").append(value());
            }
            return b.append('}').toString();
        }

        private String value() {
            switch (rnd.nextInt(8)) {
                case 0: return "null";
                case 1: return String.valueOf(rnd.nextLong());
                case 2: return String.valueOf(rnd.nextDouble() * 1e6);
                case 3: return rnd.nextBoolean() ? "true" : "false";
                case 4: return "{\"scale\":2,\"value\":\"AeI=\",\"inner\":{\"a\":[1,{\"b\":\"}\"}],\"c\":null}}";
                case 5: return "[\"x\",\"y\\\"\",[]]";
                default: return "\"" + TEXT[rnd.nextInt(TEXT.length)] + "\"";
            }
        }
    }
}
