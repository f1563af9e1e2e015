package io.migmon.cdc.internal;

import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.event.ChangeEvent;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code data_collections} of a transaction END as both parsers read it (issue 16 leftover c): the full
 * {@link EnvelopeParser} and the observe-only {@link ObserveOnlyParser} are fed the same bytes and must give the same
 * per-collection counts. The rule: a collection named more than once counts the sum of its entries (Debezium's
 * {@code TransactionMonitor} names each collection once, from a map of counts per collection, so the END's
 * {@code event_count} is the sum of its entries; summing keeps that true for a record that repeats one); a
 * {@code data_collections} member repeated in one END: the last one counts, as for every other member in both
 * parsers (before, the full parse added both arrays while the scanner kept the last).
 */
class TransactionDataCollectionsTest {

    private static final String TOPIC = "shop.transaction";

    private static Map<String, Long> full(byte[] value) throws EnvelopeException {
        ChangeEvent e = EnvelopeParser.withDefaults().parse(record(value), false);
        assertThat(e.kind()).isEqualTo(ChangeEvent.Kind.TRANSACTION);
        return e.transactionDataCollections();
    }

    private static Map<String, Long> observed(byte[] value) throws EnvelopeException {
        ChangeEvent e = new ObserveOnlyParser(EnvelopeParser.withDefaults()).parse(record(value));
        assertThat(e.kind()).isEqualTo(ChangeEvent.Kind.TRANSACTION);
        return e.transactionDataCollections();
    }

    private static CdcRecord record(byte[] value) {
        return CdcRecord.of(TOPIC, 0, 0, 1L, null, value);
    }

    private static byte[] end(String collections) {
        return ("{\"status\":\"END\",\"id\":\"700:26589128\",\"event_count\":5," + collections
                + ",\"ts_ms\":1764063574027}").getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, Long> counts(Object... pairs) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put((String) pairs[i], ((Number) pairs[i + 1]).longValue());
        }
        return m;
    }

    @Test
    void aCollectionListedTwiceCountsTheSumInBothParsers() throws Exception {
        byte[] v = end("\"data_collections\":[{\"data_collection\":\"public.orders\",\"event_count\":2},"
                + "{\"data_collection\":\"public.items\",\"event_count\":1},"
                + "{\"data_collection\":\"public.orders\",\"event_count\":2}]");
        assertThat(full(v)).isEqualTo(counts("public.orders", 4, "public.items", 1));
        assertThat(observed(v)).isEqualTo(full(v));
    }

    @Test
    void aRepeatedDataCollectionsMemberCountsTheLastInBothParsers() throws Exception {
        byte[] v = end("\"data_collections\":[{\"data_collection\":\"public.orders\",\"event_count\":2}],"
                + "\"data_collections\":[{\"data_collection\":\"public.orders\",\"event_count\":2},"
                + "{\"data_collection\":\"public.items\",\"event_count\":1}]");
        assertThat(full(v)).isEqualTo(counts("public.orders", 2, "public.items", 1));
        assertThat(observed(v)).isEqualTo(full(v));
    }

    @Test
    void distinctCollectionsAreReadAlikeByBothParsers() throws Exception {
        byte[] v = end("\"data_collections\":[{\"data_collection\":\"public.orders\",\"event_count\":3},"
                + "{\"data_collection\":\"public.items\",\"event_count\":2}]");
        assertThat(full(v)).isEqualTo(counts("public.orders", 3, "public.items", 2));
        assertThat(observed(v)).isEqualTo(full(v));
    }
}
