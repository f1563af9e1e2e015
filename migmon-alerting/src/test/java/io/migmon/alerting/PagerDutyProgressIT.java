package io.migmon.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.sink.PagerDutySink;
import io.migmon.core.Severity;
import io.migmon.core.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** PagerDuty: per-event progress within a notification, Retry-After between events, partial rejection. */
class PagerDutyProgressIT {

    private static final String KEY = "rk0123456789012345678901234567890";

    private static AlertDispatcher dispatcher(SimpleMeterRegistry reg, LoopbackReceiver pd, SinkOptions o) {
        return AlertDispatcher.builder(reg).tickInterval(Duration.ofMillis(50))
                .sink(PagerDutySink.builder(KEY).url(pd.url("/v2/enqueue")).build(), o)
                .route(Route.builder("pagerduty").groupBy("migration_id").groupWait(Duration.ofMillis(300))
                        .groupInterval(Duration.ofSeconds(1)).build())
                .build();
    }

    /** 10 events per 2 s window, then 429 Retry-After 2: every alert of both groups is triggered exactly once. */
    @Test
    void rateLimitedGroupResumesWhereItStopped() throws Exception {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        try (LoopbackReceiver pd = new LoopbackReceiver()) {
            long[] window = {System.nanoTime()};
            int[] inWindow = {0};
            List<String> triggered = new CopyOnWriteArrayList<>();
            List<Long> rejectedAt = new CopyOnWriteArrayList<>();
            List<Long> acceptedAt = new CopyOnWriteArrayList<>();
            pd.handler = (ex, b, j) -> {
                boolean ok;
                synchronized (window) {
                    if (System.nanoTime() - window[0] > 2_000_000_000L) {
                        window[0] = System.nanoTime();
                        inWindow[0] = 0;
                    }
                    ok = ++inWindow[0] <= 10;
                }
                if (ok) {
                    triggered.add(j.get("payload").get("class").asText());
                    acceptedAt.add(System.nanoTime());
                    pd.reply(ex, 202, "{}");
                } else {
                    rejectedAt.add(System.nanoTime());
                    ex.getResponseHeaders().add("Retry-After", "2");
                    pd.reply(ex, 429, "rate");
                }
            };
            SinkOptions o = SinkOptions.DEFAULTS.withRetries(20, Duration.ofMillis(200), Duration.ofSeconds(4), 0.1);
            try (AlertDispatcher d = dispatcher(reg, pd, o)) {
                List<String> want = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    d.fire(Alert.builder("a" + i, Severity.CRITICAL).label("migration_id", "big").build());
                    want.add("a" + i);
                }
                Await.until(Duration.ofSeconds(30), () -> !pd.bodies.isEmpty(), () -> "first event");
                d.fire(Alert.builder("other", Severity.CRITICAL).label("migration_id", "other").build());
                want.add("other");
                Await.until(Duration.ofSeconds(90), () -> triggered.size() >= 31,
                        () -> "31 events accepted, got " + triggered);
                Thread.sleep(1500); // nothing more may arrive (no duplicates)
                assertThat(triggered).containsExactlyInAnyOrderElementsOf(want);
                // after a 429 the sink waited out Retry-After (2 s, some slack for timer granularity) before the
                // next accepted event
                for (long r : rejectedAt) {
                    acceptedAt.stream().filter(a -> a > r).min(Long::compare).ifPresent(next ->
                            assertThat(next - r).as("gap after a 429").isGreaterThan(1_500_000_000L));
                }
            }
        }
    }

    /** PagerDuty answers 400 to a1's event: a0 and a2 still go out; only a1 counts as failed. */
    @Test
    void aRejectedEventDoesNotStopTheOthers() throws Exception {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        try (LoopbackReceiver pd = new LoopbackReceiver()) {
            pd.handler = (ex, b, j) -> {
                String cls = j.path("payload").path("class").asText();
                pd.reply(ex, cls.equals("a1") ? 400 : 202, cls.equals("a1") ? "{\"status\":\"invalid event\"}" : "{}");
            };
            SinkOptions o = SinkOptions.DEFAULTS.withRetries(3, Duration.ofMillis(200), Duration.ofSeconds(1), 0.1);
            try (AlertDispatcher d = dispatcher(reg, pd, o)) {
                for (int i = 0; i < 3; i++) {
                    d.fire(Alert.builder("a" + i, Severity.CRITICAL).label("migration_id", "g").build());
                }
                Await.until(Duration.ofSeconds(30), () -> failed(reg) >= 1, () -> "a1 counted failed");
                Thread.sleep(1500);
                Map<String, Integer> accepted = new HashMap<>();
                for (String b : pd.accepted) {
                    JsonNode j = LoopbackReceiver.JSON.readTree(b);
                    accepted.merge(j.get("payload").get("class").asText(), 1, Integer::sum);
                }
                assertThat(accepted).containsExactlyInAnyOrderEntriesOf(Map.of("a0", 1, "a2", 1));
                assertThat(pd.bodies.stream().filter(b -> b.contains("\"a1\"")).count()).isEqualTo(1);
                assertThat(failed(reg)).isEqualTo(1.0);
                assertThat(reg.find("migmon.alerts.sent").tag("sink", "pagerduty").counters().stream()
                        .mapToDouble(Counter::count).sum()).isEqualTo(2.0);
            }
        }
    }

    private static double failed(SimpleMeterRegistry reg) {
        return reg.find("migmon.alerts.failed").tag("sink", "pagerduty").counters().stream()
                .mapToDouble(Counter::count).sum();
    }
}
