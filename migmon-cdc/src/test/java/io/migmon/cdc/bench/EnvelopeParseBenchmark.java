package io.migmon.cdc.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.CdcEventProcessor;
import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.internal.EnvelopeParser;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where the per-event CPU goes, without Kafka: 200,000 in-memory update envelopes of ~1.3 KB, 5 rounds (the first is
 * warm-up). Floor = Jackson tokenizing the whole value and nothing else; streaming parse = migmon's parser
 * (observe-only); processor = {@code CdcEventProcessor.process} observe-only (parse + counters + stage timers);
 * readTree = a full Jackson tree per value.
 */
@Tag("benchmark")
class EnvelopeParseBenchmark {

    private static final int EVENTS = 200_000;

    @Test
    void parseCostSplit() throws Exception {
        String pad = "x".repeat(600);
        long ts = System.currentTimeMillis();
        List<CdcRecord> recs = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            String row = "{\"id\":" + i + ",\"customer_id\":" + (i % 977) + ",\"status\":\"NEW\",\"amount\":\"" + (i % 1000)
                    + ".25\",\"created_at\":1764063000123456,\"note\":\"" + pad + "\"}";
            String v = "{\"before\":" + row + ",\"after\":" + row + ",\"source\":{\"version\":\"3.6.1.Final\",\"connector\":\"postgresql\","
                    + "\"name\":\"bench\",\"ts_ms\":" + ts + ",\"snapshot\":\"false\",\"db\":\"src\",\"schema\":\"public\",\"table\":\"orders\","
                    + "\"txId\":" + (700 + i) + ",\"lsn\":" + (26589128 + i) + "},\"op\":\"u\",\"ts_ms\":" + (ts + 5) + "}";
            recs.add(CdcRecord.of("bench.public.orders", 0, i, ts + 10, null, v.getBytes(StandardCharsets.UTF_8)));
        }
        EnvelopeParser parser = EnvelopeParser.withDefaults();
        ObjectMapper mapper = new ObjectMapper();
        JsonFactory factory = new JsonFactory();
        long sink = 0;
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                for (CdcRecord r : recs) {
                    try (JsonParser jp = factory.createParser(r.value())) {
                        jp.nextToken();
                        jp.skipChildren();
                        sink += jp.currentTokenLocation().getByteOffset();
                    }
                }
                long t1 = System.nanoTime();
                for (CdcRecord r : recs) {
                    sink += parser.parse(r, false).eventTsNanos();
                }
                long t2 = System.nanoTime();
                for (int i = 0; i < recs.size(); i += 2000) {
                    p.process(recs.subList(i, i + 2000));
                }
                long t3 = System.nanoTime();
                for (CdcRecord r : recs) {
                    sink += mapper.readTree(r.value()).size();
                }
                long t4 = System.nanoTime();
                System.out.printf("%s tokenize-only floor %5.0f ns/ev | streaming parse %5.0f | processor %5.0f | readTree %5.0f%n",
                        round == 0 ? "warm-up " : "round " + round + " ", (t1 - t0) / (double) EVENTS, (t2 - t1) / (double) EVENTS,
                        (t3 - t2) / (double) EVENTS, (t4 - t3) / (double) EVENTS);
            }
            assertThat(p.eventsProcessed()).isEqualTo(5L * EVENTS);
        }
        assertThat(sink).isNotZero();
    }
}
