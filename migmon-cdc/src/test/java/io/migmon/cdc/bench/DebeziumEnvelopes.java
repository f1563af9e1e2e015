package io.migmon.cdc.bench;

import java.nio.charset.StandardCharsets;

/**
 * Realistic Debezium PostgreSQL change events as JsonConverter writes them, for a 10-column {@code public.orders}
 * table: with {@code schemas.enable=true} (the converter's default; the {@code schema} block is the connector's real
 * envelope schema: row struct with semantic types, the full PostgreSQL {@code source} struct, {@code transaction}
 * block, three timestamps) 3.3-3.7 KB, and without
 * schemas (the bare payload) 0.6-1.0 KB.
 */
final class DebeziumEnvelopes {

    private DebeziumEnvelopes() {
    }

    private static final String ROW_FIELDS = "["
            + "{\"type\":\"int64\",\"optional\":false,\"field\":\"id\"},"
            + "{\"type\":\"int32\",\"optional\":false,\"field\":\"customer_id\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"status\"},"
            + "{\"type\":\"bytes\",\"optional\":false,\"name\":\"org.apache.kafka.connect.data.Decimal\",\"version\":1,"
            + "\"parameters\":{\"scale\":\"2\",\"connect.decimal.precision\":\"12\"},\"field\":\"amount\"},"
            + "{\"type\":\"string\",\"optional\":true,\"field\":\"channel\"},"
            + "{\"type\":\"int32\",\"optional\":true,\"name\":\"io.debezium.time.Date\",\"version\":1,\"field\":\"ship_date\"},"
            + "{\"type\":\"int64\",\"optional\":false,\"name\":\"io.debezium.time.MicroTimestamp\",\"version\":1,\"field\":\"created_at\"},"
            + "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.time.ZonedTimestamp\",\"version\":1,\"field\":\"updated_at\"},"
            + "{\"type\":\"boolean\",\"optional\":false,\"field\":\"active\"},"
            + "{\"type\":\"string\",\"optional\":true,\"field\":\"note\"}]";

    /** The value schema of {@code bench.public.orders} as JsonConverter writes it (Debezium 3.x, PostgreSQL). */
    static final String SCHEMA = "{\"type\":\"struct\",\"fields\":["
            + "{\"type\":\"struct\",\"fields\":" + ROW_FIELDS + ",\"optional\":true,\"name\":\"bench.public.orders.Value\",\"field\":\"before\"},"
            + "{\"type\":\"struct\",\"fields\":" + ROW_FIELDS + ",\"optional\":true,\"name\":\"bench.public.orders.Value\",\"field\":\"after\"},"
            + "{\"type\":\"struct\",\"fields\":["
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"version\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"connector\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},"
            + "{\"type\":\"int64\",\"optional\":false,\"field\":\"ts_ms\"},"
            + "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Enum\",\"version\":1,\"parameters\":"
            + "{\"allowed\":\"true,first,first_in_data_collection,last_in_data_collection,last,false,incremental\"},"
            + "\"default\":\"false\",\"field\":\"snapshot\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"db\"},"
            + "{\"type\":\"string\",\"optional\":true,\"field\":\"sequence\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_us\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"schema\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"table\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"field\":\"txId\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"field\":\"lsn\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"field\":\"xmin\"}],"
            + "\"optional\":false,\"name\":\"io.debezium.connector.postgresql.Source\",\"version\":1,\"field\":\"source\"},"
            + "{\"type\":\"struct\",\"fields\":["
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"id\"},"
            + "{\"type\":\"int64\",\"optional\":false,\"field\":\"total_order\"},"
            + "{\"type\":\"int64\",\"optional\":false,\"field\":\"data_collection_order\"}],"
            + "\"optional\":true,\"name\":\"event.block\",\"version\":1,\"field\":\"transaction\"},"
            + "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_us\"},"
            + "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"}],"
            + "\"optional\":false,\"name\":\"bench.public.orders.Envelope\",\"version\":2}";

    /** Event {@code i}: every 10th a delete, every 3rd an update, else an insert; source time {@code tsMs}. */
    static byte[] envelope(int i, long tsMs, boolean withSchema) {
        String op = i % 10 == 0 ? "d" : i % 3 == 0 ? "u" : "c";
        String before = op.equals("c") ? "null" : row(i, "NEW");
        String after = op.equals("d") ? "null" : row(i, op.equals("u") ? "SHIPPED" : "NEW");
        long srcUs = tsMs * 1000 + i % 1000;
        long evMs = tsMs + 5;
        String payload = "{\"before\":" + before + ",\"after\":" + after
                + ",\"source\":{\"version\":\"3.6.0.Final\",\"connector\":\"postgresql\",\"name\":\"bench\",\"ts_ms\":" + tsMs
                + ",\"snapshot\":\"false\",\"db\":\"shop\",\"sequence\":\"[\\\"" + (26589000 + i) + "\\\",\\\"" + (26589128 + i)
                + "\\\"]\",\"ts_us\":" + srcUs + ",\"ts_ns\":" + srcUs * 1000 + ",\"schema\":\"public\",\"table\":\"orders\","
                + "\"txId\":" + (700 + i / 4) + ",\"lsn\":" + (26589128 + i) + ",\"xmin\":null},"
                + "\"transaction\":{\"id\":\"" + (700 + i / 4) + ":" + (26589128 + i - i % 4) + "\",\"total_order\":" + (i % 4 + 1)
                + ",\"data_collection_order\":" + (i % 4 + 1) + "},"
                + "\"op\":\"" + op + "\",\"ts_ms\":" + evMs + ",\"ts_us\":" + evMs * 1000 + ",\"ts_ns\":" + evMs * 1_000_000 + "}";
        String v = withSchema ? "{\"schema\":" + SCHEMA + ",\"payload\":" + payload + "}" : payload;
        return v.getBytes(StandardCharsets.UTF_8);
    }

    private static String row(int i, String status) {
        return "{\"id\":" + i + ",\"customer_id\":" + (i % 977) + ",\"status\":\"" + status + "\",\"amount\":\"AeI" + (char) ('A' + i % 26)
                + "\",\"channel\":\"web\","
                + "\"ship_date\":" + (20400 + i % 30) + ",\"created_at\":" + (1764063000123456L + i) + ","
                + "\"updated_at\":\"2026-11-26T09:30:00.123456Z\",\"active\":true,"
                + "\"note\":\"an der Hintertür abgeben – \\\"Kunde\\\" #" + (i % 977) + "\"}";
    }
}
