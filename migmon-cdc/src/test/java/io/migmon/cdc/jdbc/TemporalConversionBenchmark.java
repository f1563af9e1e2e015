package io.migmon.cdc.jdbc;

import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.internal.EnvelopeParser;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the temporal conversion costs per event, without Kafka or PostgreSQL: 200,000 in-memory update envelopes of a
 * 10-column row with {@code date}, {@code time}, {@code timestamp(3)}, {@code timestamp(6)} and {@code timestamptz},
 * in Debezium's JsonConverter shape with and without the schema/payload wrapper; 5 rounds (the first is warm-up).
 * Baselines in the same run: parsing without capturing rows (schema skipped), capturing rows without conversion.
 */
@Tag("benchmark")
class TemporalConversionBenchmark {

    private static final int EVENTS = 200_000;

    @Test
    void conversionCostSplit() throws Exception {
        List<CdcRecord> plain = new ArrayList<>();
        List<CdcRecord> wrapped = new ArrayList<>();
        String schema = schema();
        long ts = 1_764_063_000_000L;
        for (int i = 0; i < EVENTS; i++) {
            String row = "{\"id\":" + i + ",\"customer_id\":" + (i % 977) + ",\"status\":\"NEW\",\"amount\":\""
                    + (i % 1000) + ".25\",\"d\":" + (19_000 + i % 3000) + ",\"t\":" + (i * 1_000_003L % 86_400_000_000L)
                    + ",\"ts3\":" + (ts + i) + ",\"ts6\":" + (ts * 1000 + i) + ",\"tstz\":\"2025-11-25T09:30:00.123456Z\","
                    + "\"note\":\"" + "x".repeat(300) + "\"}";
            String payload = "{\"before\":" + row + ",\"after\":" + row + ",\"source\":{\"version\":\"3.6.1.Final\","
                    + "\"connector\":\"postgresql\",\"name\":\"bench\",\"ts_ms\":" + ts + ",\"snapshot\":\"false\",\"db\":\"src\","
                    + "\"schema\":\"public\",\"table\":\"orders\",\"txId\":" + (700 + i) + ",\"lsn\":" + (26589128 + i)
                    + "},\"op\":\"u\",\"ts_ms\":" + (ts + 5) + "}";
            plain.add(CdcRecord.of("bench.public.orders", 0, i, ts, null, payload.getBytes(StandardCharsets.UTF_8)));
            String w = "{\"schema\":" + schema + ",\"payload\":" + payload + "}";
            wrapped.add(CdcRecord.of("bench.public.orders", 0, i, ts, null, w.getBytes(StandardCharsets.UTF_8)));
        }
        EnvelopeParser parser = EnvelopeParser.withDefaults();
        Map<String, TemporalValues.Unit> inferred = Map.of("d", TemporalValues.Unit.EPOCH_DAYS,
                "t", TemporalValues.Unit.MICROS_OF_DAY, "ts3", TemporalValues.Unit.EPOCH_MILLIS,
                "ts6", TemporalValues.Unit.EPOCH_MICROS);
        System.out.printf("value sizes: plain %d B, wrapped %d B%n", plain.get(0).value().length, wrapped.get(0).value().length);
        long sink = 0;
        for (int round = 0; round < 5; round++) {
            long t0 = System.nanoTime();
            for (CdcRecord r : plain) {
                sink += parser.parse(r, true).afterJson().length();
            }
            long t1 = System.nanoTime();
            for (CdcRecord r : plain) {
                ChangeEvent e = parser.parse(r, true);
                sink += TemporalValues.rewrite(e.afterJson(), inferred::get).length();
            }
            long t2 = System.nanoTime();
            for (CdcRecord r : wrapped) {
                sink += parser.parse(r, false).eventTsNanos();
            }
            long t3 = System.nanoTime();
            for (CdcRecord r : wrapped) {
                sink += parser.parse(r, true).afterJson().length();
            }
            long t4 = System.nanoTime();
            for (CdcRecord r : wrapped) {
                ChangeEvent e = parser.parse(r, true);
                Map<String, String> types = e.rowFieldTypes();
                if (TemporalValues.anyTemporal(types)) {
                    sink += TemporalValues.rewrite(e.afterJson(),
                            f -> TemporalValues.unitOfSemanticType(types.get(f))).length();
                }
            }
            long t5 = System.nanoTime();
            System.out.printf("%s ns/event | no schema: capture %5.0f, + inferred rewrite %5.0f | schema: observe-only"
                            + " %5.0f, capture (+ schema names) %5.0f, + semantic rewrite %5.0f%n",
                    round == 0 ? "warm-up" : "round " + round, per(t0, t1), per(t1, t2), per(t2, t3), per(t3, t4), per(t4, t5));
        }
        assertThat(sink).isNotZero();
    }

    private static double per(long from, long to) {
        return (to - from) / (double) EVENTS;
    }

    /** The JsonConverter schema of an update envelope of the benchmark's table. */
    private static String schema() {
        String fields = "[{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"},"
                + "{\"type\":\"int32\",\"optional\":true,\"field\":\"customer_id\"},"
                + "{\"type\":\"string\",\"optional\":true,\"field\":\"status\"},"
                + "{\"type\":\"string\",\"optional\":true,\"field\":\"amount\"},"
                + "{\"type\":\"int32\",\"optional\":true,\"name\":\"io.debezium.time.Date\",\"version\":1,\"field\":\"d\"},"
                + "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.MicroTime\",\"version\":1,\"field\":\"t\"},"
                + "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.Timestamp\",\"version\":1,\"field\":\"ts3\"},"
                + "{\"type\":\"int64\",\"optional\":true,\"name\":\"io.debezium.time.MicroTimestamp\",\"version\":1,\"field\":\"ts6\"},"
                + "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.time.ZonedTimestamp\",\"version\":1,\"field\":\"tstz\"},"
                + "{\"type\":\"string\",\"optional\":true,\"field\":\"note\"}]";
        String source = "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"version\"},"
                + "{\"type\":\"string\",\"optional\":false,\"field\":\"connector\"},{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},"
                + "{\"type\":\"int64\",\"optional\":false,\"field\":\"ts_ms\"},{\"type\":\"string\",\"optional\":true,"
                + "\"name\":\"io.debezium.data.Enum\",\"version\":1,\"parameters\":{\"allowed\":\"true,first,last,false\"},"
                + "\"default\":\"false\",\"field\":\"snapshot\"},{\"type\":\"string\",\"optional\":false,\"field\":\"db\"},"
                + "{\"type\":\"string\",\"optional\":false,\"field\":\"schema\"},{\"type\":\"string\",\"optional\":false,\"field\":\"table\"},"
                + "{\"type\":\"int64\",\"optional\":true,\"field\":\"txId\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"lsn\"}],"
                + "\"optional\":false,\"name\":\"io.debezium.connector.postgresql.Source\",\"field\":\"source\"}";
        return "{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"fields\":" + fields
                + ",\"optional\":true,\"name\":\"bench.public.orders.Value\",\"field\":\"before\"},{\"type\":\"struct\",\"fields\":"
                + fields + ",\"optional\":true,\"name\":\"bench.public.orders.Value\",\"field\":\"after\"}," + source
                + ",{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"}],"
                + "\"optional\":false,\"name\":\"bench.public.orders.Envelope\",\"version\":2}";
    }
}
