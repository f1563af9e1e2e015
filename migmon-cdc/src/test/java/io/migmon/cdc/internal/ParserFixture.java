package io.migmon.cdc.internal;

import com.fasterxml.jackson.core.JsonFactory;
import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.event.ChangeEvent;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/** Shared set-up of the observe-only parser tests, which compare its outcome with the full parser's. */
final class ParserFixture {

    private static final JsonFactory FACTORY = new JsonFactory();

    private ParserFixture() {
    }

    /**
     * Every accessor of the event but {@code lsn()} and {@code txId()} (which observing does not read; the data
     * collections of a transaction END included since 2026-11-27), or the error's
     * reason and message; {@code parser} null: a new full parser.
     */
    static Object outcome(CdcRecord r, ObserveOnlyParser parser) {
        try {
            ChangeEvent e = parser == null
                    ? new EnvelopeParser(FACTORY, "__debezium-heartbeat", ".transaction").parse(r, false)
                    : parser.parse(r);
            return Arrays.asList(e.record(), e.kind(), e.operation(), e.sourceName(), e.connector(), e.database(),
                    e.schema(), e.table(), e.snapshot(), e.sourceTsNanos(), e.eventTsNanos(),
                    e.transactionId(), e.transactionTotalOrder(), e.transactionDataCollectionOrder(),
                    e.transactionStatus(), e.transactionEventCount(),
                    e.beforeJson(), e.afterJson(), e.rowFieldTypes(), String.valueOf(e.transactionDataCollections()));
        } catch (EnvelopeException ex) {
            return List.of("error", ex.reason(), ex.getMessage());
        }
    }

    /** {@code json} as the value of a record of {@code topic} (partition 0, offset 0, no key). */
    static CdcRecord record(String topic, String json) {
        return CdcRecord.of(topic, 0, 0, 1L, null, json.getBytes(StandardCharsets.UTF_8));
    }

    /** The parts one after the other. */
    static byte[] concat(byte[]... parts) {
        int len = 0;
        for (byte[] p : parts) {
            len += p.length;
        }
        byte[] out = new byte[len];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
