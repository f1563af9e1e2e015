package io.migmon.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.sink.PagerDutySink;
import io.migmon.alerting.sink.WebhookSink;
import io.migmon.core.Severity;
import io.migmon.core.testing.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PagerDuty source/summary made only of invisible characters fall back; lone surrogates become U+FFFD. */
class InvisibleAndIllFormedTextIT {

    @Test
    void invisibleSourceAndSummaryFallBack() throws Exception {
        try (LoopbackReceiver pd = new LoopbackReceiver()) {
            pd.handler = (ex, b, j) -> pd.reply(ex, 202, "{}");
            try (AlertDispatcher d = AlertDispatcher.builder(new SimpleMeterRegistry()).tickInterval(Duration.ofMillis(50))
                    .sink(PagerDutySink.builder("rk0123456789012345678901234567890").url(pd.url("/v2/enqueue"))
                            .source("migmon-test").build())
                    .route(Route.builder("pagerduty").groupBy("migration_id").groupWait(Duration.ZERO).build())
                    .build()) {
                d.fire(Alert.builder("zwsp", Severity.CRITICAL).label("migration_id", "\u200B")
                        .summary("\u200B\u200B").build());
                d.fire(Alert.builder("nbsp", Severity.CRITICAL).label("migration_id", "\u00A0 \u2007")
                        .summary("\u00A0\u3000\uFEFF").build());
                Await.until(Duration.ofSeconds(30), () -> pd.accepted.size() >= 2, () -> "two events");
                List<String> got = new ArrayList<>();
                for (String b : pd.accepted) {
                    JsonNode p = LoopbackReceiver.JSON.readTree(b).get("payload");
                    got.add(p.get("class").asText() + "|" + p.get("source").asText() + "|" + p.get("summary").asText());
                }
                assertThat(got).containsExactlyInAnyOrder("zwsp|migmon-test|zwsp", "nbsp|migmon-test|nbsp");
            }
        }
    }

    @Test
    void loneSurrogatesAreReplacedAtBuild() throws Exception {
        String halfEmoji = "disk \uD83D"; // the high half of U+1F4BE only
        Alert a = Alert.builder("half", Severity.WARNING).label("table", halfEmoji)
                .annotation("note", "\uDCBE tail").summary("x\uD83D").build();
        assertThat(a.label("table")).isEqualTo("disk \uFFFD");
        assertThat(a.annotations().get("note")).isEqualTo("\uFFFD tail");
        assertThat(a.summary()).isEqualTo("x\uFFFD");
        // whole emoji stay intact
        assertThat(Alert.builder("ok", Severity.INFO).label("t", "\uD83D\uDCBE").build().label("t"))
                .isEqualTo("\uD83D\uDCBE");
        try (LoopbackReceiver r = new LoopbackReceiver()) {
            try (AlertDispatcher d = AlertDispatcher.builder(new SimpleMeterRegistry()).tickInterval(Duration.ofMillis(50))
                    .sink(WebhookSink.builder(r.url("/hook")).build())
                    .route(Route.builder("webhook").groupWait(Duration.ZERO).build())
                    .build()) {
                d.fire(a);
                Await.until(Duration.ofSeconds(30), () -> !r.accepted.isEmpty(), () -> "delivered");
                JsonNode alert = LoopbackReceiver.JSON.readTree(r.accepted.get(0)).get("alerts").get(0);
                assertThat(alert.get("labels").get("table").asText()).isEqualTo("disk \uFFFD");
                // the receiver got well-formed UTF-8: it round-trips
                String body = r.accepted.get(0);
                assertThat(new String(body.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)).isEqualTo(body);
            }
        }
    }
}
