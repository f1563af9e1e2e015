package io.migmon.cdc;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Shared set-up of the processor unit tests: Debezium insert envelopes ({@code op c}, stamped now) as records of
 * topic {@code <source>.public.<table>}, partition 0, with offsets that keep increasing across every call.
 */
final class DebeziumInserts {

    private final AtomicLong offsets = new AtomicLong();

    /** One insert of row {@code id} of {@code table} from connector {@code source}, at the next offset. */
    CdcRecord change(String source, String table, long id) {
        long ms = System.currentTimeMillis();
        String v = "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"connector\":\"postgresql\",\"name\":\""
                + source + "\",\"ts_ms\":" + ms + ",\"schema\":\"public\",\"table\":\"" + table + "\"},\"op\":\"c\","
                + "\"ts_ms\":" + ms + "}";
        return CdcRecord.of(source + ".public." + table, 0, offsets.incrementAndGet(), ms, null,
                v.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code n} inserts, each row id the offset it gets. */
    List<CdcRecord> changes(String source, String table, int n) {
        List<CdcRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(change(source, table, offsets.get() + 1));
        }
        return out;
    }
}
