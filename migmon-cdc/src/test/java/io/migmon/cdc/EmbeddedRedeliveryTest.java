package io.migmon.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redeliveries without Kafka offsets ({@code process(...)}, the embedded engine) are told by the PostgreSQL
 * {@code source.sequence} (shapes as Debezium 3.6.1 writes them): a replay counts as redelivered, not processed; what
 * merely shares a position (a primary-key update: a delete and a create at one LSN; snapshot reads, all at the
 * snapshot's LSN) is not a redelivery. The real replay is {@code EmbeddedEngineIT}.
 */
class EmbeddedRedeliveryTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static CdcRecord event(String op, int id, String sequence) {
        String row = "{\"id\":" + id + "}";
        long ms = System.currentTimeMillis() - 100;
        String json = "{\"before\":" + ("d".equals(op) ? row : "null") + ",\"after\":" + ("d".equals(op) ? "null" : row)
                + ",\"source\":{\"name\":\"shop\",\"ts_ms\":" + ms + ",\"snapshot\":\"" + ("r".equals(op) ? "true" : "false")
                + "\",\"schema\":\"public\",\"table\":\"orders\",\"sequence\":" + (sequence == null ? "null"
                : "\"" + sequence.replace("\"", "\\\"") + "\"") + "},\"op\":\"" + op + "\",\"ts_ms\":" + ms + "}";
        return CdcRecord.of("shop.public.orders", row, json);
    }

    private double counted(String name) {
        return registry.find(name).counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void aReplayIsRedeliveredWhileEventsThatShareAPositionAreNot() {
        replay(CdcEventProcessor.builder("emb-redelivery").meterRegistry(registry).applier(batch -> { }));
    }

    /** Observe-only: the byte scanner reads the sequence on this path. */
    @Test
    void aReplayIsRedeliveredWhenOnlyObserving() {
        replay(CdcEventProcessor.builder("emb-redelivery-observe").meterRegistry(registry));
    }

    private void replay(CdcEventProcessor.Builder builder) {
        try (CdcEventProcessor p = builder.build()) {
            // snapshot reads share one position: all new
            p.process(List.of(event("r", 1, "[null,\"100\"]"), event("r", 2, "[null,\"100\"]")));
            List<CdcRecord> streamed = List.of(event("c", 3, "[null,\"200\"]"),
                    // a transaction that began earlier commits later: lower change LSN, higher last-commit LSN
                    event("c", 4, "[\"300\",\"150\"]"),
                    // a primary-key update: delete of 4 and create of 5 at one LSN
                    event("d", 4, "[\"400\",\"410\"]"), event("c", 5, "[\"400\",\"410\"]"));
            p.process(streamed);
            assertThat(p.eventsProcessed()).isEqualTo(6);
            assertThat(counted("cdc.events.redelivered")).isZero();
            // the engine restarts from an older offset: the streamed batch again, then something new
            p.process(streamed);
            p.process(List.of(event("c", 6, "[\"500\",\"510\"]"), event("c", 7, null)));
            assertThat(counted("cdc.events.redelivered")).isEqualTo(4);
            assertThat(p.eventsProcessed()).isEqualTo(8);
            assertThat(counted("cdc.events.processed")).isEqualTo(8);
        }
    }

    @Test
    void sequencesAreParsedOrIgnored() {
        assertThat(SourcePositionMark.parseSequence("[\"24023928\",\"24023976\"]")).containsExactly(24023928, 24023976);
        assertThat(SourcePositionMark.parseSequence("[null,\"24023976\"]")).containsExactly(-1, 24023976);
        assertThat(SourcePositionMark.parseSequence("[\"1\",null]")).isNull();
        assertThat(SourcePositionMark.parseSequence("[\"x\",\"2\"]")).isNull();
        assertThat(SourcePositionMark.parseSequence("{}")).isNull();
        assertThat(SourcePositionMark.parseSequence("[\"9999999999999999999\",\"2\"]")).isNull();
        assertThat(SourcePositionMark.parseSequence(" [ \"1\" , \"2\" ] ")).containsExactly(1, 2);
        assertThat(SourcePositionMark.parseSequence("[\"1\",\"2\",\"3\"]")).isNull();
    }
}
