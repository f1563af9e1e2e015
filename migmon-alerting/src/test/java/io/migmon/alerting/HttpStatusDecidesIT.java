package io.migmon.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.sink.WebhookSink;
import io.migmon.core.Severity;
import io.migmon.core.testing.Await;
import java.io.OutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** HTTP delivery is decided by the status: a slow 2xx body is not a failure; a redirect is permanent, clearly. */
class HttpStatusDecidesIT {

    private static AlertDispatcher dispatcher(SimpleMeterRegistry reg, String url) {
        SinkOptions o = SinkOptions.DEFAULTS.withTimeout(Duration.ofSeconds(2))
                .withRetries(5, Duration.ofMillis(200), Duration.ofSeconds(1), 0.1);
        return AlertDispatcher.builder(reg).tickInterval(Duration.ofMillis(50))
                .sink(WebhookSink.builder(url).build(), o)
                .route(Route.builder("webhook").groupWait(Duration.ZERO).groupInterval(Duration.ofSeconds(1)).build())
                .build();
    }

    private static double count(SimpleMeterRegistry reg, String name) {
        return reg.find(name).tag("sink", "webhook").counters().stream().mapToDouble(Counter::count).sum();
    }

    @Test
    void aSlowBodyAfter200IsDeliveredOnce() throws Exception {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        try (LoopbackReceiver r = new LoopbackReceiver()) {
            r.handler = (ex, b, j) -> {
                r.accepted.add(b);
                ex.sendResponseHeaders(200, 0); // chunked: a body that trickles for ~10 s
                OutputStream out = ex.getResponseBody();
                for (int i = 0; i < 20; i++) {
                    out.write('x');
                    out.flush();
                    Thread.sleep(500);
                }
                ex.close();
            };
            try (AlertDispatcher d = dispatcher(reg, r.url("/hook"))) {
                d.fire(Alert.builder("slow_body", Severity.CRITICAL).build());
                Await.until(Duration.ofSeconds(30), () -> count(reg, "migmon.alerts.sent") >= 1, () -> "sent counted");
                Thread.sleep(4000); // longer than the 2 s call timeout plus a backoff: a retry would show up
                assertThat(r.bodies).hasSize(1);
                assertThat(count(reg, "migmon.alerts.failed")).isZero();
                ShutdownReport report = d.close(Duration.ofSeconds(5));
                assertThat(report.undelivered()).isEmpty();
            }
        }
    }

    @Test
    void aRedirectIsNotFollowedAndSaysSo() throws Exception {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        try (LoopbackReceiver r = new LoopbackReceiver()) {
            r.handler = (ex, b, j) -> {
                ex.getResponseHeaders().add("Location", r.url("/elsewhere"));
                r.reply(ex, 307, "");
            };
            try (AlertDispatcher d = dispatcher(reg, r.url("/hooks/SECRET-TOKEN-123"))) {
                d.fire(Alert.builder("moved", Severity.CRITICAL).build());
                Await.until(Duration.ofSeconds(30), () -> count(reg, "migmon.alerts.failed") >= 1, () -> "failed counted");
                Thread.sleep(1500);
                assertThat(r.bodies).as("one attempt: permanent, and /elsewhere never called").hasSize(1);
                ShutdownReport report = d.close(Duration.ofSeconds(5));
                assertThat(report.undelivered()).singleElement().satisfies(u -> {
                    assertThat(u.reason()).contains("HTTP 307")
                            .contains("redirect (3xx) to another location is not followed; configure the final URL")
                            .doesNotContain("SECRET-TOKEN-123");
                });
            }
        }
    }
}
