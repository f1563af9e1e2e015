package io.migmon.cdc;

import io.migmon.cdc.event.DeadLetterReason;
import io.migmon.cdc.event.Operation;
import io.migmon.cdc.event.ChangeEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CdcEventProcessorTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2025-11-25T10:00:00Z");
    private final long now = clock.millis();

    private String envelope(String op, int id, long sourceTsMs, long eventTsMs) {
        return "{\"before\":" + (op.equals("d") ? "{\"id\":" + id + "}" : "null") + ",\"after\":"
                + (op.equals("d") ? "null" : "{\"id\":" + id + ",\"name\":\"n" + id + "\"}")
                + ",\"source\":{\"connector\":\"postgresql\",\"name\":\"shop\",\"ts_ms\":" + sourceTsMs
                + ",\"db\":\"src\",\"schema\":\"public\",\"table\":\"orders\",\"lsn\":1},\"op\":\"" + op + "\",\"ts_ms\":" + eventTsMs + "}";
    }

    private CdcRecord kafkaRecord(long offset, long brokerTs, String json) {
        return CdcRecord.of("shop.public.orders", 0, offset, brokerTs, null,
                json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void recordsEventsStagesAndReplicationLag() {
        List<ChangeEvent> applied = new ArrayList<>();
        ChangeApplier applier = batch -> applied.addAll(batch);
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(applier).build()) {
            p.process(List.of(
                    kafkaRecord(0, now - 1_000, envelope("c", 1, now - 3_000, now - 2_500)),
                    kafkaRecord(1, now - 1_000, envelope("u", 1, now - 3_000, now - 2_500)),
                    kafkaRecord(2, now - 1_000, envelope("d", 1, now - 3_000, now - 2_500)),
                    kafkaRecord(3, now - 1_000, null)));
            assertThat(applied).extracting(ChangeEvent::operation)
                    .containsExactly(Operation.CREATE, Operation.UPDATE, Operation.DELETE);
            assertThat(registry.get("cdc.events.processed").tags("source", "shop", "table", "public.orders", "operation", "create")
                    .counter().count()).isEqualTo(1);
            assertThat(registry.get("cdc.events.processed").tag("operation", "delete").counter().count()).isEqualTo(1);
            assertThat(registry.get("cdc.stage.latency").tag("stage", "source_to_connector").timer()
                    .max(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(500);
            assertThat(registry.get("cdc.stage.latency").tag("stage", "connector_to_broker").timer()
                    .max(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(1_500);
            assertThat(registry.get("cdc.stage.latency").tag("stage", "broker_to_consumer").timer()
                    .max(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(1_000);
            assertThat(registry.get("cdc.replication.lag").tags("source_table", "public.orders", "target_table", "public.orders")
                    .gauge().value()).isEqualTo(3.0);
            assertThat(p.eventsProcessed()).isEqualTo(3);
        }
        // close() removes every meter but cdc_processor_up, which stays readable (0) so a dead processor is visible
        assertThat(registry.getMeters()).singleElement().satisfies(m -> {
            assertThat(m.getId().getName()).isEqualTo("cdc.processor.up");
            assertThat(registry.get("cdc.processor.up").gauge().value()).isZero();
        });
    }

    @Test
    void stageLatenciesAreOneSamplePerBatchWithTheMeanOfItsEvents() {
        // per-event latencies 1/2/6 s (source_to_connector), 0.5/1.5/2.5 s (connector_to_broker) and
        // 3/2/1 s (broker_to_consumer): one sample per stage and batch, the mean of its events (documented meaning)
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock).build()) {
            p.process(List.of(
                    kafkaRecord(0, now - 3_000, envelope("c", 1, now - 4_500, now - 3_500)),
                    kafkaRecord(1, now - 2_000, envelope("u", 1, now - 5_500, now - 3_500)),
                    kafkaRecord(2, now - 1_000, envelope("d", 1, now - 9_500, now - 3_500))));
            assertStage("source_to_connector", 1, 3_000);
            assertStage("connector_to_broker", 1, 1_500);
            assertStage("broker_to_consumer", 1, 2_000);
            // a second batch is a second sample
            p.process(List.of(kafkaRecord(3, now - 500, envelope("c", 2, now - 1_000, now - 900))));
            assertStage("broker_to_consumer", 2, 2_000);
            assertThat(registry.get("cdc.stage.latency").tag("stage", "broker_to_consumer").timer()
                    .totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(2_500);
            assertThat(p.eventsProcessed()).isEqualTo(4);
        }
    }

    private void assertStage(String stage, long count, long maxMs) {
        io.micrometer.core.instrument.Timer t = registry.get("cdc.stage.latency").tag("stage", stage).timer();
        assertThat(t.count()).as(stage + " samples").isEqualTo(count);
        assertThat(t.max(java.util.concurrent.TimeUnit.MILLISECONDS)).as(stage + " max").isEqualTo(maxMs);
    }

    @Test
    void observeOnlyCountsAreExactAfterEveryBatchAcrossTablesOperationsAndRedeliveries() {
        // counts are added per batch (per run of one counter): after each process() every event sent is counted once
        // under its own table and operation, whatever the interleaving
        String[] tables = {"orders", "items", "orders", "orders", "items", "customers", "orders", "items"};
        String[] ops = {"c", "c", "u", "u", "d", "c", "d", "u"};
        Map<String, Integer> expected = new java.util.HashMap<>();
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock).build()) {
            List<String> values = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                String table = tables[i % tables.length];
                String op = ops[(i / 3) % ops.length];
                values.add(envelope(op, i, now - 3_000, now - 2_500).replace("\"table\":\"orders\"",
                        "\"table\":\"" + table + "\""));
            }
            values.add(5, "{not json"); // a poison record: dead-lettered (logged and skipped), never counted
            List<CdcRecord> all = new ArrayList<>();
            for (int offset = 0; offset < values.size(); offset++) {
                all.add(kafkaRecord(offset, now - 1_000, values.get(offset)));
            }
            int sent = 0;
            for (int from = 0; from < all.size(); from += 7) {
                List<CdcRecord> batch = all.subList(from, Math.min(all.size(), from + 7));
                p.process(batch);
                for (CdcRecord r : batch) {
                    String json = r.value() == null ? "" : new String(r.value(), StandardCharsets.UTF_8);
                    if (json.startsWith("{\"before\"")) {
                        String table = json.replaceAll(".*\"table\":\"([a-z]+)\".*", "$1");
                        String op = json.replaceAll(".*\"op\":\"([a-z])\".*", "$1");
                        expected.merge("public." + table + "/" + Operation.fromCode(op).tagValue(), 1, Integer::sum);
                        sent++;
                    }
                }
                assertThat(p.eventsProcessed()).isEqualTo(sent);
                for (Map.Entry<String, Integer> e : expected.entrySet()) {
                    String[] k = e.getKey().split("/");
                    assertThat(registry.get("cdc.events.processed").tags("table", k[0], "operation", k[1]).counter()
                            .count()).as(e.getKey()).isEqualTo(e.getValue().doubleValue());
                }
            }
            // the same batches again (a redelivery): counted in cdc_events_redelivered_total, not again here
            p.process(all.subList(0, 14));
            assertThat(p.eventsProcessed()).isEqualTo(sent);
            assertThat(registry.find("cdc.events.processed").counters().stream().mapToDouble(c -> c.count()).sum())
                    .isEqualTo((double) sent);
            assertThat(sent).isEqualTo(40);
        }
    }

    @Test
    void poisonEventsAreCountedAndProcessingContinues() {
        List<ChangeEvent> applied = new ArrayList<>();
        ChangeApplier applier = batch -> {
            for (ChangeEvent e : batch) {
                if (e.afterJson() != null && e.afterJson().contains("\"id\":13")) {
                    throw new IllegalStateException("rejected by target");
                }
            }
            applied.addAll(batch);
        };
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(applier)
                .retryBackoff(Duration.ZERO).build()) {
            p.process(List.of(
                    kafkaRecord(0, now, "{not json"),
                    kafkaRecord(1, now, "{\"op\":\"z\"}"),
                    kafkaRecord(2, now, envelope("c", 12, now, now)),
                    kafkaRecord(3, now, envelope("c", 13, now, now)),
                    kafkaRecord(4, now, envelope("c", 14, now, now))));
            assertThat(applied).hasSize(2);
            assertThat(p.deadLettered()).isEqualTo(3);
            assertThat(registry.get("cdc.dead.letters").tag("reason", DeadLetterReason.UNPARSEABLE.tagValue()).counter().count()).isEqualTo(1);
            assertThat(registry.get("cdc.dead.letters").tag("reason", DeadLetterReason.UNKNOWN_OPERATION.tagValue()).counter().count()).isEqualTo(1);
            assertThat(registry.get("cdc.dead.letters").tag("reason", DeadLetterReason.APPLY_FAILED.tagValue()).counter().count()).isEqualTo(1);
        }
    }

    @Test
    void idleWithHeartbeatsIsUpAndMissingHeartbeatsIsDown() {
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock)
                .heartbeatInterval(Duration.ofSeconds(10)).build()) {
            for (int i = 0; i < 5; i++) {
                clock.advance(Duration.ofSeconds(10));
                p.process(List.of(CdcRecord.of("__debezium-heartbeat.shop", 0, i, clock.millis(), null,
                        ("{\"ts_ms\":" + clock.millis() + "}").getBytes(StandardCharsets.UTF_8))));
                assertThat(p.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
                assertThat(p.healthCheck().check().details()).containsEntry("state", "idle");
            }
            clock.advance(Duration.ofSeconds(19));
            assertThat(p.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
            clock.advance(Duration.ofSeconds(2));
            assertThat(p.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);
            assertThat(p.healthCheck().check().reasons()).anySatisfy(r -> assertThat(r).contains("no heartbeat"));
        }
    }

    @Test
    void tombstonesHeartbeatsAndTransactionRecordsAreNeitherCountedNorApplied() {
        List<ChangeEvent> applied = new ArrayList<>();
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock)
                .applier(applied::addAll).build()) {
            p.process(List.of(
                    CdcRecord.of("shop.transaction", "{\"id\":\"771:1\"}", "{\"status\":\"BEGIN\",\"id\":\"771:1\",\"event_count\":null,\"ts_ms\":1}"),
                    CdcRecord.of("shop.public.orders", "{\"id\":1}", null),
                    CdcRecord.of("__debezium-heartbeat.shop", "{\"serverName\":\"shop\"}", "{\"ts_ms\":1}"),
                    CdcRecord.of("shop.transaction", "{\"id\":\"771:1\"}",
                            "{\"status\":\"END\",\"id\":\"771:1\",\"event_count\":0,\"data_collections\":[],\"ts_ms\":2}")));
            assertThat(applied).isEmpty();
            assertThat(p.eventsProcessed()).isZero();
            assertThat(p.deadLettered()).isZero();
            assertThat(registry.find("cdc.events.processed").counters()).isEmpty();
        }
    }

    @Test
    void retriableFailuresAreRetriedAndNeverDeadLettered() {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        ChangeApplier flaky = batch -> {
            if (calls.incrementAndGet() <= 2) {
                throw new io.migmon.cdc.spi.RetriableApplyException("target down", null);
            }
        };
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(flaky)
                .retryBackoff(Duration.ZERO).build()) {
            p.process(List.of(kafkaRecord(0, now, envelope("c", 1, now, now))));
            assertThat(calls).hasValue(3);
            assertThat(p.deadLettered()).isZero();
        }
        ChangeApplier down = batch -> {
            throw new io.migmon.cdc.spi.RetriableApplyException("target down", null);
        };
        try (CdcEventProcessor p = CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(down)
                .retryBackoff(Duration.ZERO).build()) {
            assertThatThrownBy(() -> p.process(List.of(kafkaRecord(0, now, envelope("c", 1, now, now)))))
                    .isInstanceOf(CdcProcessingException.class).hasMessageContaining("target down");
            assertThat(p.deadLettered()).isZero();
        }
    }

    @Test
    void aTopicPatternNeverSubscribesTheDeadLetterTopic() {
        java.util.regex.Pattern p = ProcessorConfig.excluding(java.util.regex.Pattern.compile("shop\\..*"), "shop.dlq");
        assertThat(p.matcher("shop.dlq").matches()).isFalse();
        assertThat(p.matcher("shop.dlq2").matches()).isTrue();
        assertThat(p.matcher("shop.public.orders").matches()).isTrue();
        assertThat(p.matcher("other.dlq").matches()).isFalse();
    }

    @Test
    void builderFailsFastNamingTheField() {
        assertThatThrownBy(() -> CdcEventProcessor.builder().build()).hasMessageContaining("meterRegistry");
        assertThatThrownBy(() -> CdcEventProcessor.builder().meterRegistry(registry)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1")).topics("t").build())
                .hasMessageContaining("group.id");
        assertThatThrownBy(() -> CdcEventProcessor.builder().meterRegistry(registry)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g", "enable.auto.commit", "true"))
                .topics("t").build())
                .hasMessageContaining("enable.auto.commit");
        assertThatThrownBy(() -> CdcEventProcessor.builder().meterRegistry(registry)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g")).build())
                .hasMessageContaining("topics");
        assertThatThrownBy(() -> CdcEventProcessor.builder().meterRegistry(registry)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g")).topics("shop.public.orders")
                .heartbeatInterval(Duration.ofSeconds(10)).build())
                .hasMessageContaining("heartbeat topic");
        assertThatThrownBy(() -> CdcEventProcessor.builder().meterRegistry(registry).topics("t").build())
                .hasMessageContaining("kafkaConsumer");
        assertThatThrownBy(() -> CdcEventProcessor.builder().meterRegistry(registry)
                .kafkaConsumer(Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g"))
                .topics("shop.public.orders", "shop.dlq").deadLetterTopic("shop.dlq").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("topics must not contain the deadLetterTopic (shop.dlq)");
        assertThatThrownBy(() -> CdcEventProcessor.builder().meterRegistry(registry).pollTimeout(Duration.ZERO).build())
                .hasMessageContaining("pollTimeout");
        assertThatThrownBy(() -> CdcEventProcessor.builder().meterRegistry(registry).build().run())
                .isInstanceOf(IllegalStateException.class);
    }
}
