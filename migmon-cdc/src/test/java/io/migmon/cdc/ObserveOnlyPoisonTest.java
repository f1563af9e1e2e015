package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.event.DeadLetterReason;
import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Observe-only processing (no applier, the byte scanner's path) with poison records among good ones, with and without
 * the JsonConverter's schema wrapper: every poison record is dead-lettered with its reason, every good one counted
 * once under its table and operation, whatever came before it (a poison record after a known schema block, a good one
 * after a poison one). Ground truth: the records fed in.
 */
class ObserveOnlyPoisonTest {

    private static final String SCHEMA = "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,"
            + "\"field\":\"op\"}],\"optional\":false,\"name\":\"shop.Envelope\"}";

    private final MutableClock clock = MutableClock.at("2025-11-25T10:00:00Z");
    private final long now = clock.millis();

    private static String payload(String op, String table, String note) {
        return "{\"before\":null,\"after\":{\"id\":1,\"note\":" + note + "},\"source\":{\"connector\":\"postgresql\","
                + "\"name\":\"shop\",\"ts_ms\":1764063000123,\"db\":\"src\",\"schema\":\"public\",\"table\":\"" + table
                + "\"},\"transaction\":null,\"op\":\"" + op + "\",\"ts_ms\":1764063000330}";
    }

    private static String wrapped(String payload) {
        return "{\"schema\":" + SCHEMA + ",\"payload\":" + payload + "}";
    }

    @Test
    void poisonRecordsAreDeadLetteredWithTheirReasonAndGoodOnesCounted() {
        for (boolean withSchema : new boolean[] {true, false}) {
            SimpleMeterRegistry reg = new SimpleMeterRegistry();
            List<byte[]> values = new ArrayList<>();
            String good = payload("c", "orders", "\"escaped \\\"}\\\" and ünïcode 😀\"");
            String update = payload("u", "items", "\"{[\\\\\"");
            values.add(bytes(good, withSchema));                                     // counted
            values.add(bytes(payload("c", "orders", "\"bad \\q escape\""), withSchema)); // unparseable row image
            values.add(Arrays.copyOf(bytes(good, withSchema), 150));                  // truncated
            values.add(bytes(payload("z", "orders", "1"), withSchema));               // unknown op
            values.add(bytes("{\"source\":{\"table\":\"orders\"},\"after\":{\"op\":\"c\"}}", withSchema)); // no op
            byte[] g = bytes(good, withSchema);
            int inNote = new String(g, StandardCharsets.ISO_8859_1).indexOf("escaped") + 3;
            values.add(concat(g, inNote, new byte[] {(byte) 0xFF}));                 // invalid UTF-8 in a row image
            values.add(bytes(update, withSchema));                                   // counted
            values.add(bytes(payload("c", "orders", "[1,,2]"), withSchema));          // unparseable row image
            values.add(bytes(good, withSchema));                                     // counted
            List<CdcRecord> records = new ArrayList<>();
            for (int i = 0; i < values.size(); i++) {
                records.add(CdcRecord.of("shop.public.orders", 0, i, now, null, values.get(i)));
            }
            try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(reg).clock(clock).build()) {
                p.process(records);
                assertThat(p.eventsProcessed()).as("with schema: %s", withSchema).isEqualTo(3);
                assertThat(p.deadLettered()).isEqualTo(6);
                assertThat(deadLetters(reg, DeadLetterReason.UNPARSEABLE)).isEqualTo(4);
                assertThat(deadLetters(reg, DeadLetterReason.UNKNOWN_OPERATION)).isEqualTo(1);
                assertThat(deadLetters(reg, DeadLetterReason.NOT_AN_ENVELOPE)).isEqualTo(1);
                assertThat(reg.get("cdc.events.processed").tags("table", "public.orders", "operation", "create")
                        .counter().count()).isEqualTo(2);
                assertThat(reg.get("cdc.events.processed").tags("table", "public.items", "operation", "update")
                        .counter().count()).isEqualTo(1);
            }
        }
    }

    private static double deadLetters(SimpleMeterRegistry reg, DeadLetterReason reason) {
        return reg.find("cdc.dead.letters").tag("reason", reason.tagValue()).counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    private static byte[] bytes(String payload, boolean withSchema) {
        return (withSchema ? wrapped(payload) : payload).getBytes(StandardCharsets.UTF_8);
    }

    /** {@code value} with {@code insert} put in at byte {@code at}. */
    private static byte[] concat(byte[] value, int at, byte[] insert) {
        byte[] out = new byte[value.length + insert.length];
        System.arraycopy(value, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(value, at, out, at + insert.length, value.length - at);
        return out;
    }
}
