package io.migmon.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.sink.WebhookSink;
import io.migmon.core.Severity;
import io.migmon.core.testing.Await;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A group whose delivery keeps failing must not block the other groups of the same sink. */
class HeadOfLineIT {

    @Test
    void aFailingGroupDoesNotBlockTheOthers() throws Exception {
        try (LoopbackReceiver r = new LoopbackReceiver()) {
            // the receiver chokes on one group's payload only
            r.handler = (ex, b, j) -> r.reply(ex, b.contains("poison") ? 500 : 200, "x");
            SinkOptions o = SinkOptions.DEFAULTS.withRetries(1000, Duration.ofMillis(200), Duration.ofSeconds(2), 0.1);
            try (AlertDispatcher d = AlertDispatcher.builder(new SimpleMeterRegistry()).tickInterval(Duration.ofMillis(50))
                    .sink(WebhookSink.builder(r.url("/hook")).build(), o)
                    .route(Route.builder("webhook").groupBy("migration_id").groupWait(Duration.ZERO)
                            .groupInterval(Duration.ofSeconds(1)).build())
                    .build()) {
                d.fire(Alert.builder("poison", Severity.INFO).label("migration_id", "m0").build());
                Await.until(Duration.ofSeconds(30), () -> !r.bodies.isEmpty(), () -> "first attempt of m0");
                d.fire(Alert.builder("outage", Severity.CRITICAL).label("migration_id", "m1").build());
                d.fire(Alert.builder("lag", Severity.INFO).label("migration_id", "m2").build());
                Await.until(Duration.ofSeconds(30), () -> r.acceptedWebhookAlerts().containsAll(
                        java.util.List.of("outage:firing", "lag:firing")),
                        () -> "m1 and m2 delivered while m0 keeps failing; accepted " + r.acceptedWebhookAlerts());
                // m0 is still retried (its own backoff), never accepted, and the others were each delivered once
                Await.until(Duration.ofSeconds(30), () -> r.bodies.stream().filter(b -> b.contains("poison")).count() >= 3,
                        () -> "m0 retried");
                assertThat(r.acceptedWebhookAlerts()).containsExactlyInAnyOrder("outage:firing", "lag:firing");
            }
        }
    }
}
