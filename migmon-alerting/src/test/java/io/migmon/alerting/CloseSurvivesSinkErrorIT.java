package io.migmon.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.sink.WebhookSink;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.Severity;
import io.migmon.core.testing.Await;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** An Error thrown by one sink's close() must not stop the dispatcher's shutdown. */
class CloseSurvivesSinkErrorIT {

    /** Accepts everything; its close() throws an Error. */
    private static final class ErrorOnClose implements AlertSink {
        @Override
        public String name() {
            return "boom";
        }

        @Override
        public void send(Notification n) {
        }

        @Override
        public void close() {
            throw new AssertionError("close blew up");
        }
    }

    @Test
    void everySinkIsDrainedAndTheReportIsReturnedTwice() throws Exception {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        try (LoopbackReceiver r = new LoopbackReceiver()) {
            AlertDispatcher d = AlertDispatcher.builder(reg).tickInterval(Duration.ofMillis(50))
                    .sink(new ErrorOnClose())
                    .sink(WebhookSink.builder(r.url("/hook")).build())
                    // a long group wait: the notification goes out only when close() flushes every group
                    .route(Route.builder("boom", "webhook").groupWait(Duration.ofHours(1)).build())
                    .build();
            d.fire(Alert.builder("pending_at_close", Severity.CRITICAL).build());
            Await.until(Duration.ofSeconds(30), () -> d.activeAlerts().size() == 1, () -> "alert evaluated");
            ShutdownReport first = d.close(Duration.ofSeconds(10));
            assertThat(first).isNotNull();
            assertThat(first.undelivered()).isEmpty();
            // the webhook sink, drained after the failing one, delivered the pending notification
            assertThat(r.acceptedWebhookAlerts()).containsExactly("pending_at_close:firing");
            assertThat(d.close(Duration.ofSeconds(1))).isSameAs(first);
            d.close(); // AutoCloseable close(): no effect, no exception
            // threads stopped, meters removed
            Await.until(Duration.ofSeconds(30), () -> Thread.getAllStackTraces().keySet().stream()
                    .noneMatch(t -> t.isAlive() && t.getName().startsWith("migmon-alert-sink-")
                            || t.isAlive() && t.getName().equals("migmon-alert-dispatcher")),
                    () -> "alert threads still alive");
            assertThat(reg.getMeters()).noneMatch(m -> m.getId().getName().startsWith("migmon.alerts"));
        }
    }
}
