package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Attack 5 (issue 11), unit level: the fixes of attack 4 (clock offset per connector, END-before-data holds).
 * {@code process(...)} with a {@link MutableClock} as the processor's clock; the source side stamps the true time
 * plus a skew chosen per test. Ground truth: each change is applied when processed (the applier returns at once),
 * its true commit time is known to the test. Every finding still open is {@code @Disabled} with its number.
 */
class CdcAttack5Test {

    private static final Duration HEARTBEAT = Duration.ofSeconds(2);

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-01-10T10:00:00Z");
    private final AtomicLong offsets = new AtomicLong();

    private CdcEventProcessor processor() {
        return CdcEventProcessor.builder().meterRegistry(registry).clock(clock).applier(batch -> { })
                .heartbeatInterval(HEARTBEAT).build();
    }

    private static String change(String server, String table, int id, long sourceTsMs, String txId, int order) {
        return "{\"before\":null,\"after\":{\"id\":" + id + "},\"source\":{\"name\":\"" + server + "\",\"ts_ms\":"
                + sourceTsMs + ",\"schema\":\"public\",\"table\":\"" + table + "\"},\"op\":\"c\",\"ts_ms\":" + sourceTsMs
                + (txId == null ? "" : ",\"transaction\":{\"id\":\"" + txId + "\",\"total_order\":" + order
                + ",\"data_collection_order\":" + order + "}") + "}";
    }

    private static CdcRecord data(String server, String table, int id, long sourceTsMs) {
        return CdcRecord.of(server + ".public." + table, "{\"id\":" + id + "}",
                change(server, table, id, sourceTsMs, null, 0));
    }

    private CdcRecord data(String table, int partition, int id, long commitMs, String txId, int order) {
        return CdcRecord.of("shop.public." + table, partition, offsets.incrementAndGet(), clock.millis(),
                ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8),
                change("shop", table, id, commitMs, txId, order).getBytes(StandardCharsets.UTF_8));
    }

    private static CdcRecord heartbeat(String server, long tsMs) {
        return CdcRecord.of("__debezium-heartbeat." + server, "{\"serverName\":\"" + server + "\"}",
                "{\"ts_ms\":" + tsMs + "}");
    }

    private CdcRecord end(String id, long commitMs, Map<String, Integer> collections) {
        StringBuilder dc = new StringBuilder();
        int total = 0;
        for (Map.Entry<String, Integer> c : collections.entrySet()) {
            dc.append(dc.length() == 0 ? "" : ",").append("{\"data_collection\":\"").append(c.getKey())
                    .append("\",\"event_count\":").append(c.getValue()).append('}');
            total += c.getValue();
        }
        String json = "{\"status\":\"END\",\"id\":\"" + id + "\",\"event_count\":" + total + ",\"data_collections\":["
                + dc + "],\"ts_ms\":" + commitMs + "}";
        return CdcRecord.of("shop.transaction", 0, offsets.incrementAndGet(), clock.millis(), null,
                json.getBytes(StandardCharsets.UTF_8));
    }

    private double overall() {
        return registry.get("cdc.replication.lag.overall").gauge().value();
    }

    private double lag(String table) {
        return registry.get("cdc.replication.lag").tags("source_table", "public." + table, "target_table",
                "public." + table).gauge().value();
    }

    private static String verdict(Health h) {
        return h.status() + " " + h.reasons();
    }

    /**
     * NTP steps the source host's clock back by 5 s mid-run (a clock that ran 5 s fast is corrected). Heartbeats keep
     * flowing every 2 s (emitted 50 ms before they arrive), nothing waits. The per-connector offset is the minimum of
     * (arrival − ts_ms) over the last 16 heartbeats: after the step the new samples are 5 s larger, the minimum keeps
     * the old one until all 16 old samples left the window, so every signal reads 5 s old (> the 4 s stall timeout).
     * Expected: UP at every read (heartbeats arrive every 2 s). Actual: DOWN "connector silent" (silent 5000-6000 ms) at 14 of the 20 reads after the step, i.e. ~28 s.
     */
    @Test
    void finding1_sourceClockSteppedBackIsConnectorSilentForSixteenHeartbeats() {
        try (CdcEventProcessor p = processor()) {
            long skewMs = 0;
            p.process(List.of(data("shop", "orders", 1, clock.millis() - 100)));
            List<String> before = new ArrayList<>();
            List<String> after = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                if (i == 20) {
                    skewMs = -5_000; // NTP step on the source host
                }
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat("shop", clock.millis() - 50 + skewMs)));
                clock.advance(Duration.ofMillis(1_000)); // read between heartbeats
                String v = verdict(p.healthCheck().check());
                (i < 20 ? before : after).add(v);
                clock.advance(Duration.ofMillis(-1_000));
            }
            assertThat(before).as("before the step").allMatch(v -> v.startsWith("UP"));
            long down = after.stream().filter(v -> v.startsWith("DOWN")).count();
            assertThat(after).as("after the source clock stepped back 5 s (%d of 20 reads DOWN)", down)
                    .allMatch(v -> v.startsWith("UP"));
        }
    }

    /**
     * The same step forward (+5 s): the minimum takes the new, smaller sample at once. Held: UP at every read; then
     * the connector stops and DOWN comes within the stall timeout plus one read.
     */
    @Test
    void sourceClockSteppedForwardStaysUpAndSilenceIsStillSeen() {
        try (CdcEventProcessor p = processor()) {
            long skewMs = 0;
            p.process(List.of(data("shop", "orders", 1, clock.millis() - 100)));
            for (int i = 0; i < 30; i++) {
                if (i == 10) {
                    skewMs = 5_000;
                }
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat("shop", clock.millis() - 50 + skewMs)));
                clock.advance(Duration.ofMillis(1_000));
                assertThat(verdict(p.healthCheck().check())).as("read %d", i).startsWith("UP");
                clock.advance(Duration.ofMillis(-1_000));
            }
            // connector stops: DOWN after the stall timeout (4 s)
            clock.advance(Duration.ofMillis(3_500));
            assertThat(p.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
            clock.advance(Duration.ofMillis(1_000));
            assertThat(p.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);
        }
    }

    /**
     * No heartbeat ever arrived (heartbeats configured, none yet: no clock offset) and the source is 5 s ahead. A
     * change stamped 5 s in the processor's future is the newest signal as it is (not capped at its consumption, as
     * it is once an offset exists), could the connector's silence be judged 5 s late? Truth: the last signal arrived
     * at t0; expected DOWN once 4 s (+ 0.5 s read slack) passed without any signal. Held.
     */
    @Test
    void noHeartbeatYetAndSourceAheadStillSeesConnectorSilenceInTime() {
        try (CdcEventProcessor p = processor()) {
            long t0 = clock.millis();
            p.process(List.of(data("shop", "orders", 1, t0 - 100 + 5_000)));
            long firstDown = -1;
            for (int i = 1; i <= 24; i++) {
                clock.advance(Duration.ofMillis(500));
                if (firstDown < 0 && p.healthCheck().check().status() == HealthStatus.DOWN) {
                    firstDown = clock.millis() - t0;
                }
            }
            assertThat(firstDown).as("ms from the last signal to the first DOWN (stall timeout 4000)")
                    .isBetween(4_000L, 4_500L);
        }
    }

    /**
     * Same as finding 2 but the replication lag: nothing confirms the change (no heartbeat), so the lag ages from the
     * change's source time. A source time in the processor's future is not capped at the consumption: does the lag read
     * 0 for the skew, then truth − 5 s? Truth at 6 s after the commit: the target is at least 6 s stale (nothing
     * confirmed since); expected ≥ 5.9 s (capped source time, as documented for the skew-ahead case). Held.
     */
    @Test
    void noHeartbeatYetAndSourceAheadReadsTheLagFromTheConsumption() {
        try (CdcEventProcessor p = processor()) {
            long t0 = clock.millis();
            p.process(List.of(data("shop", "orders", 1, t0 + 5_000)));
            clock.advance(Duration.ofSeconds(6));
            assertThat(overall()).as("6 s after the change, nothing confirmed since").isGreaterThanOrEqualTo(5.9);
        }
    }

    /**
     * Two connectors on one processor, shop 5 s behind, eu 5 s ahead, heartbeats every 2 s each, one change each
     * applied. Held expectation: UP at every read, each table's lag 0 once a heartbeat of its own connector after its
     * change arrived; then eu stops: DOWN naming eu within the stall timeout, shop's table still 0.
     */
    @Test
    void twoConnectorsWithOppositeSkewsAreJudgedEachOnItsOwnClock() {
        try (CdcEventProcessor p = processor()) {
            p.process(List.of(data("shop", "orders", 1, clock.millis() - 100 - 5_000),
                    data("eu", "items", 1, clock.millis() - 100 + 5_000)));
            List<String> verdicts = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat("shop", clock.millis() - 50 - 5_000),
                        heartbeat("eu", clock.millis() - 50 + 5_000)));
                if (i == 5) {
                    p.process(List.of(data("shop", "orders", 2, clock.millis() - 100 - 5_000),
                            data("eu", "items", 2, clock.millis() - 100 + 5_000)));
                }
                clock.advance(Duration.ofMillis(1_000));
                verdicts.add(verdict(p.healthCheck().check()));
                clock.advance(Duration.ofMillis(-1_000));
            }
            assertThat(verdicts).allMatch(v -> v.startsWith("UP"));
            assertThat(lag("orders")).isZero();
            assertThat(lag("items")).isZero();
            for (int i = 0; i < 3; i++) { // eu stops, shop goes on
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat("shop", clock.millis() - 50 - 5_000)));
            }
            clock.advance(Duration.ofMillis(500));
            Health h = p.healthCheck().check();
            assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(h.reasons().toString()).contains("__debezium-heartbeat.eu").doesNotContain("heartbeat.shop ");
            assertThat(lag("orders")).isZero();
            assertThat(lag("items")).isGreaterThanOrEqualTo(6.0);
        }
    }

    /**
     * Multi-partition table topic (Debezium's topic.creation with 3 partitions: a table's changes are ordered per
     * key, not per table). Transaction A (commit t1) changes orders id 1 (partition 0); B (commit t2 = t1 + 200 ms)
     * changes id 2 (partition 1). A's END is read, then B's change (partition 1) is read and applied; A's change has
     * not reached this processor (partition 0, still in the connector's producer). Truth: A's change committed at t1
     * is not applied: the target is stale by now − t1. The hold is released by "a later change of the same table"
     * (commit order holds per table only for one partition). Expected lag(orders) ≥ now − t1; actual read.
     */
    @Test
    void finding4_aLaterChangeOnAnotherPartitionReleasesAnEndHold() {
        try (CdcEventProcessor p = processor()) {
            p.process(List.of(data("orders", 0, 9, clock.millis() - 100, "5:1", 1),
                    end("5:1", clock.millis() - 100, Map.of("public.orders", 1)), heartbeat("shop", clock.millis())));
            clock.advance(Duration.ofSeconds(1));
            long t1 = clock.millis();
            long t2 = t1 + 200;
            clock.advance(Duration.ofMillis(300));
            p.process(List.of(end("6:1", t1, Map.of("public.orders", 1))));
            p.process(List.of(heartbeat("shop", clock.millis() - 50)));
            assertThat(lag("orders")).as("held by A's END alone (control)").isEqualTo(0.3, within(0.001));
            p.process(List.of(data("orders", 1, 2, t2, "7:1", 1), end("7:1", t2, Map.of("public.orders", 1))));
            for (int s = 0; s < 3; s++) {
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat("shop", clock.millis() - 50)));
            }
            double truth = (clock.millis() - t1) / 1e3;
            assertThat(lag("orders")).as("A's change (committed %.1f s ago) not applied", truth)
                    .isGreaterThanOrEqualTo(truth - 0.001);
            assertThat(overall()).isGreaterThanOrEqualTo(truth - 0.001);
        }
    }

    /**
     * 200 interleaved transactions on 200 tables, their ENDs read first, their data in reverse commit order (held):
     * the overall lag holds at the oldest missing commit until that one arrives, a table whose data arrived reads
     * below it, and all applied + a heartbeat reads 0.
     */
    @Test
    void manyInterleavedEndsBeforeDataEachHoldUntilTheirOwnDataArrives() {
        try (CdcEventProcessor p = processor()) {
            long base = clock.millis();
            p.process(List.of(data("items", 0, 1, base - 100, "1:1", 1),
                    end("1:1", base - 100, Map.of("public.items", 1)), heartbeat("shop", base)));
            // 200 transactions on 200 tables, ENDs first (commit every 10 ms), data later in reverse order
            List<CdcRecord> ends = new ArrayList<>();
            for (int t = 0; t < 200; t++) {
                ends.add(end((100 + t) + ":1", base + 10L * t, Map.of("public.t" + t, 1)));
            }
            clock.advance(Duration.ofSeconds(3));
            p.process(ends);
            p.process(List.of(heartbeat("shop", clock.millis() - 50)));
            assertThat(overall()).as("oldest END held").isEqualTo((clock.millis() - base) / 1e3, within(0.001));
            for (int t = 199; t >= 1; t--) {
                p.process(List.of(data("t" + t, 0, t, base + 10L * t, (100 + t) + ":1", 1)));
            }
            assertThat(overall()).as("t0's change still missing").isEqualTo((clock.millis() - base) / 1e3, within(0.001));
            assertThat(lag("t150")).isLessThan(0.001 + (clock.millis() - base - 50) / 1e3);
            p.process(List.of(data("t0", 0, 0, base, "100:1", 1)));
            clock.advance(Duration.ofMillis(100));
            p.process(List.of(heartbeat("shop", clock.millis() - 50)));
            assertThat(overall()).isZero();
        }
    }

    /**
     * Connect worker: a connector with tasks 0 and 1 RUNNING; the worker stops answering (503, {@code UNREACHABLE}
     * set on the connector and both tasks, attack 4's fix); it comes back with the connector RUNNING and one task (0)
     * after a reconfiguration ({@code tasks.max} lowered while the worker was away). Truth: task 1 no longer exists.
     * Expected: no state of task 1 reads 1 (its series removed or cleared). Actual: {@code cdc_connector_task_state{task="1",
     * state="UNREACHABLE"}} stays 1 for good beside a RUNNING connector (the same with MISSING after a delete and
     * re-create, and RUNNING after a plain reduction). Also pinned: a 401 (credentials wrong) reads UNREACHABLE,
     * the exception names the status and no body secret.
     */
    @Test
    void finding5_aTaskGoneWhileTheWorkerWasUnreachableKeepsReadingUnreachable() throws Exception {
        java.util.concurrent.atomic.AtomicReference<Object[]> answer = new java.util.concurrent.atomic.AtomicReference<>();
        com.sun.net.httpserver.HttpServer server = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            Object[] a = answer.get();
            byte[] b = ((String) a[1]).getBytes(StandardCharsets.UTF_8);
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders((Integer) a[0], b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        String running2 = "{\"name\":\"shop\",\"connector\":{\"state\":\"RUNNING\",\"worker_id\":\"w:8083\"},"
                + "\"tasks\":[{\"id\":0,\"state\":\"RUNNING\",\"worker_id\":\"w:8083\"},"
                + "{\"id\":1,\"state\":\"RUNNING\",\"worker_id\":\"w:8083\"}],\"type\":\"source\"}";
        String running1 = "{\"name\":\"shop\",\"connector\":{\"state\":\"RUNNING\",\"worker_id\":\"w:8083\"},"
                + "\"tasks\":[{\"id\":0,\"state\":\"RUNNING\",\"worker_id\":\"w:8083\"}],\"type\":\"source\"}";
        try (io.migmon.cdc.connect.KafkaConnectClient client = io.migmon.cdc.connect.KafkaConnectClient.builder(
                java.net.URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .timeout(Duration.ofSeconds(5)).meterRegistry(registry).build()) {
            answer.set(new Object[] {200, running2});
            client.status("shop");
            answer.set(new Object[] {401, "{\"error_code\":401,\"message\":\"Unauthorized: bad credentials s3cr3t-token\"}"});
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.status("shop"))
                    .hasMessageContaining("401");
            assertThat(taskState("1", "UNREACHABLE")).isEqualTo(1.0);
            answer.set(new Object[] {200, running1});
            client.status("shop");
            assertThat(registry.get("cdc.connector.state").tags("connector", "shop", "state", "RUNNING").gauge().value())
                    .isEqualTo(1.0);
            List<String> task1 = new ArrayList<>();
            for (String state : io.migmon.cdc.connect.KafkaConnectClient.STATES) {
                if (taskState("1", state) == 1.0) {
                    task1.add(state);
                }
            }
            assertThat(task1).as("states of task 1, which no longer exists").isEmpty();
        } finally {
            server.stop(0);
        }
    }

    private double taskState(String task, String state) {
        io.micrometer.core.instrument.Gauge g = registry.find("cdc.connector.task.state").tags("connector", "shop", "task", task,
                "state", state).gauge();
        return g == null ? Double.NaN : g.value();
    }

    /**
     * Transaction apply lag for a transaction over two tables split across polls, whose second part fails once
     * (target unavailable, retriable) and is offered again 2 s later. Truth: the transaction is in the target when
     * its last change is applied (the second offer): apply lag = that time − commit. Held expectation.
     */
    @Test
    void aTransactionWhoseLastPartIsRetriedReportsItsLagAtTheSuccessfulApply() {
        java.util.concurrent.atomic.AtomicInteger failures = new java.util.concurrent.atomic.AtomicInteger(1);
        try (CdcEventProcessor p = CdcEventProcessor.builder("tx5").meterRegistry(registry).clock(clock)
                .applyRetries(0).retryBackoff(Duration.ofMillis(1)).applier(batch -> {
                    if (batch.stream().anyMatch(e -> e.table().equals("items")) && failures.getAndDecrement() > 0) {
                        throw new io.migmon.cdc.spi.RetriableApplyException("target down", null);
                    }
                }).build()) {
            long commit = clock.millis() - 200;
            p.process(List.of(end("773:9", commit, Map.of("public.orders", 1, "public.items", 1))));
            p.process(List.of(data("orders", 0, 1, commit, "773:1", 1)));
            clock.advance(Duration.ofMillis(300));
            CdcRecord items = data("items", 0, 1, commit, "773:2", 2);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> p.process(List.of(items)))
                    .isInstanceOf(CdcProcessingException.class);
            clock.advance(Duration.ofSeconds(2));
            p.process(List.of(items));
            io.micrometer.core.instrument.Timer t = registry.find("cdc.transaction.apply.lag").tag("source", "shop").timer();
            assertThat(t).isNotNull();
            assertThat(t.count()).isEqualTo(1);
            assertThat(t.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(2_500.0);
        }
    }

    /**
     * Finding 1, the processor's side: the processor host's clock steps forward 5 s (NTP) while the source's stays
     * true. Each heartbeat's (arrival − ts_ms) grows by 5 s; the window minimum keeps the old sample for 16
     * heartbeats. Expected: UP at every read (heartbeats every 2 s). Actual: DOWN "connector silent" (count in the
     * message): 15 of the 20 reads after the step (~30 s).
     */
    @Test
    void finding1_processorClockSteppedForwardIsConnectorSilentForSixteenHeartbeats() {
        try (CdcEventProcessor p = processor()) {
            long skewMs = 0; // source clock − processor clock
            p.process(List.of(data("shop", "orders", 1, clock.millis() - 100)));
            List<String> after = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                if (i == 20) {
                    clock.advance(Duration.ofSeconds(5)); // the processor's clock steps; true time does not move
                    skewMs = -5_000;
                }
                clock.advance(HEARTBEAT);
                p.process(List.of(heartbeat("shop", clock.millis() - 50 + skewMs)));
                clock.advance(Duration.ofMillis(1_000));
                String v = verdict(p.healthCheck().check());
                if (i < 20) {
                    assertThat(v).as("before the step").startsWith("UP");
                } else {
                    after.add(v);
                }
                clock.advance(Duration.ofMillis(-1_000));
            }
            long down = after.stream().filter(v -> v.startsWith("DOWN")).count();
            assertThat(after).as("after the processor's clock stepped forward 5 s (%d of 20 reads DOWN)", down)
                    .allMatch(v -> v.startsWith("UP"));
        }
    }
}
