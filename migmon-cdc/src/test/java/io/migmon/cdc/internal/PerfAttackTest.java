package io.migmon.cdc.internal;

import static io.migmon.cdc.internal.ParserFixture.outcome;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.event.ChangeEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.json.JsonConverter;
import org.junit.jupiter.api.Test;

/**
 * Attack on the observe-only scanner of issue 16 with envelopes written by the real Kafka Connect
 * {@link JsonConverter} (schemas.enable true and false), one scanner instance across a stream that mixes two topics
 * with byte-identical schema blocks, a same-length schema change, hostile strings, tombstones, null images and ops
 * c/u/d/r/t/m. References: the full parse (fresh per record) and a Jackson readTree of the same bytes.
 */
class PerfAttackTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private static Schema row(String name, Schema customerType) {
        return SchemaBuilder.struct().name(name).optional()
                .field("id", Schema.INT64_SCHEMA)
                .field("customer_id", customerType)
                .field("note", Schema.OPTIONAL_STRING_SCHEMA)
                .build();
    }

    private static final Schema SOURCE = SchemaBuilder.struct().name("io.debezium.connector.postgresql.Source")
            .field("version", Schema.STRING_SCHEMA).field("connector", Schema.STRING_SCHEMA)
            .field("name", Schema.STRING_SCHEMA).field("ts_ms", Schema.INT64_SCHEMA)
            .field("snapshot", SchemaBuilder.string().optional().defaultValue("false").build())
            .field("db", Schema.STRING_SCHEMA).field("sequence", Schema.OPTIONAL_STRING_SCHEMA)
            .field("ts_us", Schema.OPTIONAL_INT64_SCHEMA).field("ts_ns", Schema.OPTIONAL_INT64_SCHEMA)
            .field("schema", Schema.STRING_SCHEMA).field("table", Schema.STRING_SCHEMA)
            .field("txId", Schema.OPTIONAL_INT64_SCHEMA).field("lsn", Schema.OPTIONAL_INT64_SCHEMA)
            .field("xmin", Schema.OPTIONAL_INT64_SCHEMA).build();

    private static final Schema TX = SchemaBuilder.struct().name("event.block").optional()
            .field("id", Schema.STRING_SCHEMA).field("total_order", Schema.INT64_SCHEMA)
            .field("data_collection_order", Schema.INT64_SCHEMA).build();

    private static Schema envelope(String valueName, Schema customerType) {
        Schema r = row(valueName, customerType);
        return SchemaBuilder.struct().name("shop.Envelope").version(2)
                .field("before", r).field("after", r).field("source", SOURCE)
                .field("transaction", TX).field("op", Schema.STRING_SCHEMA)
                .field("ts_ms", Schema.OPTIONAL_INT64_SCHEMA).field("ts_us", Schema.OPTIONAL_INT64_SCHEMA)
                .field("ts_ns", Schema.OPTIONAL_INT64_SCHEMA).build();
    }

    private static final String[] NOTES = {
        "plain", "}}]]{[\",\"op\":\"d\"}", "\"schema\":{\"type\":\"struct\"},\"payload\":null",
        "\\u0000 not an escape but text", "unicode ålice 日本語 😀 \u00e9", "\u0001\u001f controls", "",
        "{\"schema\":", ",\"payload\":", "x".repeat(20_000),
    };

    private static byte[] event(JsonConverter converter, String topic, Schema env, String table, String op, int i,
                                String note) {
        Schema rowSchema = env.field("after").schema();
        Object customer = rowSchema.field("customer_id").schema().type() == Schema.Type.INT32 ? (Object) (i % 977)
                : (Object) (long) (i % 977);
        Struct image = new Struct(rowSchema).put("id", (long) i).put("customer_id", customer).put("note", note);
        Struct src = new Struct(SOURCE).put("version", "3.6.0.Final").put("connector", "postgresql").put("name", "shop")
                .put("ts_ms", 1764063000123L + i).put("snapshot", op.equals("r") ? "true" : "false").put("db", "src")
                .put("sequence", "[\"" + (26589000 + i) + "\",\"" + (26589128 + i) + "\"]")
                .put("ts_us", (1764063000123L + i) * 1000 + 456).put("ts_ns", ((1764063000123L + i) * 1000 + 456) * 1000)
                .put("schema", "public").put("table", table).put("txId", 700L + i).put("lsn", 26589128L + i);
        Struct env2 = new Struct(env).put("source", src).put("op", op)
                .put("ts_ms", 1764063000330L + i).put("ts_us", (1764063000330L + i) * 1000)
                .put("ts_ns", (1764063000330L + i) * 1_000_000);
        if (!op.equals("c") && !op.equals("r") && !op.equals("t") && !op.equals("m")) {
            env2.put("before", image);
        }
        if (!op.equals("d") && !op.equals("t") && !op.equals("m")) {
            env2.put("after", image);
        }
        if (i % 3 != 0) {
            env2.put("transaction", new Struct(TX).put("id", (700 + i / 4) + ":" + 26589128)
                    .put("total_order", (long) (i % 4 + 1)).put("data_collection_order", 1L));
        }
        return converter.fromConnectData(topic, env, env2);
    }

    private static JsonConverter converter(boolean schemas) {
        JsonConverter c = new JsonConverter();
        c.configure(Map.of("schemas.enable", String.valueOf(schemas), "converter.type", "value"), false);
        return c;
    }

    /** op, table, source ts and event ts of the record by a Jackson readTree: the obviously-correct reference. */
    private static List<Object> reference(byte[] value) throws Exception {
        if (value == null) {
            return List.of("tombstone");
        }
        JsonNode root = MAPPER.readTree(value);
        JsonNode p = root.has("schema") && root.has("payload") ? root.get("payload") : root;
        if (p == null || p.isNull()) {
            return List.of("tombstone");
        }
        JsonNode s = p.path("source");
        return List.of(p.path("op").asText(), s.path("schema").asText() + "." + s.path("table").asText(),
                s.path("ts_ns").asLong(), p.path("ts_ns").asLong(), p.path("transaction").path("id").asText(""));
    }

    private static List<Object> ofEvent(ChangeEvent e) {
        if (e.kind() == ChangeEvent.Kind.TOMBSTONE) {
            return List.of("tombstone");
        }
        return List.of(String.valueOf(e.operation().code()), e.qualifiedTable(), e.sourceTsNanos(), e.eventTsNanos(),
                e.transactionId() == null ? "" : e.transactionId());
    }

    /** Held (see report): the scanner gives the full parse's event and readTree's counts on real converter output. */
    @Test
    void realConverterStreamMatchesFullParseAndReadTree() throws Exception {
        for (boolean schemas : new boolean[] {true, false}) {
            JsonConverter converter = converter(schemas);
            ObserveOnlyParser scanner = new ObserveOnlyParser(EnvelopeParser.withDefaults());
            // two topics of the same table name in two schemas: byte-identical schema blocks
            Schema v1 = envelope("shop.Value", Schema.INT32_SCHEMA);
            Schema v2 = envelope("shop.Value", Schema.INT64_SCHEMA); // int32 -> int64: same length schema block
            Random rnd = new Random(16);
            String[] ops = {"c", "u", "d", "r", "t", "m"};
            for (int i = 0; i < 3000; i++) {
                String topic = rnd.nextBoolean() ? "shop.public.orders" : "shop.archive.orders";
                Schema env = i < 1500 ? v1 : v2;
                String op = ops[rnd.nextInt(ops.length)];
                String table = topic.contains("archive") ? "orders_archive" : "orders";
                byte[] value = i % 97 == 0 ? null
                        : event(converter, topic, env, table, op, i, NOTES[rnd.nextInt(NOTES.length)]);
                CdcRecord r = CdcRecord.of(topic, 0, i, 1L, null, value);
                Object full = outcome(r, null);
                Object fast = outcome(r, scanner);
                assertThat(fast).as("record %d (schemas %s, %s)", i, schemas, topic).isEqualTo(full);
                ChangeEvent e = scanner.parse(r);
                assertThat(ofEvent(e)).as("record %d vs readTree", i).isEqualTo(reference(value));
            }
            if (schemas) {
                assertThat(scanner.knownSchemaHits).as("schema blocks compared, not scanned").isGreaterThan(2000);
            }
            assertThat(scanner.fallbacks).as("records handed to the full parse (tombstones, escapes)").isLessThan(3000);
        }
    }

    /** Held: pretty-printed, payload-first, exponent timestamps and duplicated blocks give the full parse's event. */
    @Test
    void unusualLayoutsOfTheSameEventGiveTheFullParsesEvent() throws Exception {
        JsonConverter converter = converter(true);
        Schema v1 = envelope("shop.Value", Schema.INT32_SCHEMA);
        byte[] base = event(converter, "t", v1, "orders", "u", 5, "n");
        JsonNode tree = MAPPER.readTree(base);
        List<String> variants = new ArrayList<>();
        variants.add(new String(base, StandardCharsets.UTF_8));
        variants.add(MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(tree));
        variants.add("{\"payload\":" + MAPPER.writeValueAsString(tree.get("payload")) + ",\"schema\":"
                + MAPPER.writeValueAsString(tree.get("schema")) + "}");
        String compact = new String(base, StandardCharsets.UTF_8);
        variants.add(compact.replace("\"ts_ms\":1764063000335", "\"ts_ms\":1.764063000335E12"));
        variants.add(compact.replace("\"ts_ns\":1764063000335000000", "\"ts_ns\":1764063000335000000.0"));
        variants.add(compact.replace("\"op\":\"u\"", "\"op\":\"\\u0075\""));
        variants.add(compact.replace("\"table\":\"orders\"", "\"table\":\"ord\\u0065rs\""));
        variants.add(compact.substring(0, compact.length() - 1) + ",\"payload\":{\"op\":\"d\"}}");
        variants.add(compact.replace("\"source\":", "\"source\":{\"table\":\"ghost\"},\"source\":"));
        ObserveOnlyParser scanner = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        for (int round = 0; round < 2; round++) { // the second round meets a known schema block
            for (String v : variants) {
                CdcRecord r = ParserFixture.record("t", v);
                assertThat(outcome(r, scanner)).as(v.length() > 300 ? v.substring(v.length() - 300) : v)
                        .isEqualTo(outcome(r, null));
            }
        }
    }
}
