package io.migmon.cdc.bench;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.CdcEventProcessor;
import io.migmon.cdc.CdcRecord;
import io.migmon.cdc.internal.EnvelopeParser;
import io.migmon.cdc.internal.ObserveOnlyParser;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Where the per-event CPU goes, without Kafka: 100,000 in-memory envelopes ({@link DebeziumEnvelopes}, inserts,
 * updates and deletes of a 10-column table), with schemas (~4 KB) and without (~0.8 KB), 5 rounds each (the first is
 * warm-up). Floor = Jackson tokenizing the whole value and nothing else; streaming parse = migmon's parser
 * (observe-only; with schemas the schema block is recognised after the first record); observe scanner = the byte
 * scanner observe-only processing uses ({@link ObserveOnlyParser}); processor =
 * {@code CdcEventProcessor.process} observe-only (parse + counters + stage timers + transaction tracking), also on the
 * same records with {@code "transaction":null}; readTree = a full Jackson tree per value. Thread CPU time per event.
 * Run: {@code mvn -B -pl migmon-cdc -am test -Dexcluded.groups= -Dgroups=benchmark -Dtest=EnvelopeParseBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
@Tag("benchmark")
class EnvelopeParseBenchmark {

    private static final int EVENTS = Integer.getInteger("cdc.bench.parse.events", 100_000);

    @Test
    void parseCostSplit() throws Exception {
        for (boolean withSchema : new boolean[] {true, false}) {
            System.out.println(withSchema ? "with schemas" : "without schemas");
            split(withSchema);
        }
    }

    private static void split(boolean withSchema) throws Exception {
        long ts = System.currentTimeMillis();
        List<CdcRecord> recs = new ArrayList<>();
        List<CdcRecord> noTransaction = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            byte[] v = DebeziumEnvelopes.envelope(i, ts, withSchema);
            recs.add(CdcRecord.of("bench.public.orders", 0, i, ts + 10, null, v));
            // the same record with "transaction":null (connector without provide.transaction.metadata)
            String s = new String(v, StandardCharsets.UTF_8).replaceFirst("\"transaction\":\\{[^}]*\\}", "\"transaction\":null");
            noTransaction.add(CdcRecord.of("bench.public.orders", 0, i, ts + 10, null, s.getBytes(StandardCharsets.UTF_8)));
        }
        EnvelopeParser parser = EnvelopeParser.withDefaults();
        ObserveOnlyParser scanner = new ObserveOnlyParser(EnvelopeParser.withDefaults());
        ObjectMapper mapper = new ObjectMapper();
        JsonFactory factory = new JsonFactory();
        long sink = 0;
        for (int round = 0; round < 5; round++) {
            long t0 = cpuNanos();
            for (CdcRecord r : recs) {
                try (JsonParser jp = factory.createParser(r.value())) {
                    jp.nextToken();
                    jp.skipChildren();
                    sink += jp.currentTokenLocation().getByteOffset();
                }
            }
            long t1 = cpuNanos();
            for (CdcRecord r : recs) {
                // a new parser knows no schema: the full parse (what every record cost before the schema cache)
                sink += new EnvelopeParser(factory, "__debezium-heartbeat", ".transaction").parse(r, false).eventTsNanos();
            }
            long t2 = cpuNanos();
            for (CdcRecord r : recs) {
                sink += parser.parse(r, false).eventTsNanos();
            }
            long t3s = cpuNanos();
            for (CdcRecord r : recs) {
                sink += scanner.parse(r).eventTsNanos();
            }
            long t3 = cpuNanos();
            try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
                for (int i = 0; i < recs.size(); i += 2000) {
                    p.process(recs.subList(i, Math.min(recs.size(), i + 2000)));
                }
                assertThat(p.eventsProcessed()).isEqualTo(EVENTS);
            }
            long t4n = cpuNanos();
            try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(new SimpleMeterRegistry()).build()) {
                for (int i = 0; i < noTransaction.size(); i += 2000) {
                    p.process(noTransaction.subList(i, Math.min(noTransaction.size(), i + 2000)));
                }
                assertThat(p.eventsProcessed()).isEqualTo(EVENTS);
            }
            long t4 = cpuNanos();
            for (CdcRecord r : recs) {
                sink += mapper.readTree(r.value()).size();
            }
            long t5 = cpuNanos();
            System.out.printf("%s CPU ns/ev: tokenize-only floor %5.0f | full parse %5.0f | streaming parse %5.0f | observe scanner %5.0f"
                            + " | processor %5.0f | processor, no transaction block %5.0f | readTree %5.0f%n",
                    round == 0 ? "warm-up " : "round " + round + " ", (t1 - t0) / (double) EVENTS,
                    (t2 - t1) / (double) EVENTS, (t3s - t2) / (double) EVENTS, (t3 - t3s) / (double) EVENTS,
                    (t4n - t3) / (double) EVENTS, (t4 - t4n) / (double) EVENTS, (t5 - t4) / (double) EVENTS);
        }
        assertThat(sink).isNotZero();
    }

    /** CPU time of this thread: steadier than wall time on a machine shared with other builds. */
    private static long cpuNanos() {
        return ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
    }
}
