package io.migmon.alerting.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.Alert;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.Route;
import io.migmon.alerting.SinkOptions;
import io.migmon.core.Severity;
import io.migmon.core.testing.Await;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Slack, PagerDuty and webhook sinks against local HTTP servers, through a threaded dispatcher. */
class HttpSinksIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static Alert alert(String name, Severity s, String table) {
        return Alert.builder(name, s).label("migration_id", "orders-v2").label("table_name", table)
                .summary("error rate 3.2% on " + table + " above 1%").annotation("value", "0.032").build();
    }

    private static SinkOptions fastRetries() {
        return SinkOptions.DEFAULTS.withRetries(4, Duration.ofMillis(100), Duration.ofSeconds(5), 0.2)
                .withTimeout(Duration.ofSeconds(2));
    }

    private AlertDispatcher dispatcher(io.migmon.alerting.spi.AlertSink... sinks) {
        AlertDispatcher.Builder b = AlertDispatcher.builder(registry).tickInterval(Duration.ofMillis(20))
                .shutdownTimeout(Duration.ofMillis(500));
        String[] names = new String[sinks.length];
        for (int i = 0; i < sinks.length; i++) {
            b.sink(sinks[i], fastRetries());
            names[i] = sinks[i].name();
        }
        return b.route(Route.builder(names).groupWait(Duration.ZERO).groupInterval(Duration.ofMillis(100)).build()).build();
    }

    private double count(String name, String... tags) {
        var c = registry.find(name).tags(tags).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void slackReceivesColouredEscapedMessageAndCannotPingChannel() throws Exception {
        try (HttpPeer slack = new HttpPeer(200, "ok");
             AlertDispatcher d = dispatcher(SlackSink.builder(slack.url("/services/T000/B000/XXXXsecret")).build())) {
            d.fire(alert("high_error_rate", Severity.CRITICAL, "<!channel> @channel @here <@U123|x> a&b"));
            HttpPeer.Request r = slack.take(WAIT);
            assertThat(r.path()).isEqualTo("/services/T000/B000/XXXXsecret");
            assertThat(r.header("Content-Type")).isEqualTo("application/json");
            JsonNode body = JSON.readTree(r.body());
            JsonNode att = body.get("attachments").get(0);
            assertThat(att.get("color").asText()).isEqualTo("#d00000");
            String all = body.toString();
            assertThat(all).doesNotContain("<!channel>").doesNotContain("<@U123").doesNotContain("@channel")
                    .doesNotContain("@here").contains("&lt;!channel&gt;").contains("a&amp;b");
            assertThat(att.get("text").asText()).contains("table_name: &lt;!channel&gt; @\u200Bchannel");
        }
    }

    @Test
    void slack429RetryAfterIsHonouredThen500IsRetried() throws Exception {
        try (HttpPeer slack = new HttpPeer(200, "ok")) {
            slack.then(HttpPeer.Response.retryAfter(429, "1"), HttpPeer.Response.of(500));
            try (AlertDispatcher d = dispatcher(SlackSink.builder(slack.url("/hook")).build())) {
                d.fire(alert("high_error_rate", Severity.CRITICAL, "orders"));
                slack.take(WAIT);
                long first = slack.arrivalNanos.take();
                slack.take(WAIT);
                long second = slack.arrivalNanos.take();
                slack.take(WAIT);
                assertThat(Duration.ofNanos(second - first)).as("Retry-After: 1 honoured")
                        .isGreaterThanOrEqualTo(Duration.ofMillis(950));
                awaitCount("migmon.alerts.sent", 1, "sink", "slack", "severity", "critical");
                assertThat(count("migmon.alerts.failed")).isZero();
            }
        }
    }

    @Test
    void hungSinkNeitherBlocksFireNorDelaysOtherSinks() throws Exception {
        try (HttpPeer hung = new HttpPeer(200, "ok"); HttpPeer hook = new HttpPeer(200, "")) {
            for (int i = 0; i < 10; i++) {
                hung.then(HttpPeer.Response.hangForever());
            }
            try (AlertDispatcher d = dispatcher(SlackSink.builder(hung.url("/hang")).build(),
                    WebhookSink.builder(hook.url("/hook")).build())) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 1000; i++) {
                    d.fire(alert("low_throughput", Severity.WARNING, "t" + i));
                }
                long fireMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertThat(fireMillis).as("1000 fire() calls with a hung sink").isLessThan(5000);
                HttpPeer.Request r = hook.take(WAIT);
                assertThat(JSON.readTree(r.body()).get("status").asText()).isEqualTo("firing");
                hung.take(WAIT);
                // the hung call times out (2 s) and is retried; the webhook keeps delivering meanwhile
                // notifications carry every firing alert of the group, so the count reaches at least 1000
                awaitCount("migmon.alerts.sent", 1000, "sink", "webhook", "severity", "warning");
                assertThat(count("migmon.alerts.sent", "sink", "slack", "severity", "warning")).isZero();
            }
        }
    }

    @Test
    void pagerDutyTriggersAndResolvesWithDedupKey() throws Exception {
        try (HttpPeer pd = new HttpPeer(202, "{\"status\":\"success\"}")) {
            pd.then(HttpPeer.Response.retryAfter(429, "0"));
            PagerDutySink sink = PagerDutySink.builder("R0UTINGKEYSECRET0123456789abcdef").url(pd.url("/v2/enqueue")).build();
            try (AlertDispatcher d = dispatcher(sink)) {
                Alert a = alert("high_error_rate", Severity.ERROR, "orders");
                d.fire(a);
                pd.take(WAIT); // 429
                JsonNode trigger = JSON.readTree(pd.take(WAIT).body());
                assertThat(trigger.get("event_action").asText()).isEqualTo("trigger");
                assertThat(trigger.get("routing_key").asText()).isEqualTo("R0UTINGKEYSECRET0123456789abcdef");
                assertThat(trigger.get("dedup_key").asText()).isEqualTo(a.fingerprint());
                assertThat(trigger.at("/payload/severity").asText()).isEqualTo("error");
                assertThat(trigger.at("/payload/source").asText()).isEqualTo("orders-v2");
                assertThat(trigger.at("/payload/custom_details/table_name").asText()).isEqualTo("orders");

                d.resolve(a);
                JsonNode resolve = JSON.readTree(pd.take(WAIT).body());
                assertThat(resolve.get("event_action").asText()).isEqualTo("resolve");
                assertThat(resolve.get("dedup_key").asText()).isEqualTo(a.fingerprint());
            }
        }
    }

    @Test
    void pagerDuty400IsPermanentAndCounted() throws Exception {
        try (HttpPeer pd = new HttpPeer(400, "{\"status\":\"invalid event\"}");
             AlertDispatcher d = dispatcher(PagerDutySink.builder("R0UTINGKEYSECRET0123456789abcdef")
                     .url(pd.url("/v2/enqueue")).build())) {
            d.fire(alert("high_error_rate", Severity.CRITICAL, "orders"));
            pd.take(WAIT);
            awaitCount("migmon.alerts.failed", 1, "sink", "pagerduty", "severity", "critical");
            assertThat(pd.requests).as("a 400 is not retried").isEmpty();
        }
    }

    @Test
    void webhookIsSignedWithHmac() throws Exception {
        String secret = "whsec-0123456789-abcdef";
        try (HttpPeer hook = new HttpPeer(204, "");
             AlertDispatcher d = dispatcher(WebhookSink.builder(hook.url("/alerts?token=abc123token"))
                     .hmacSecret(secret).header("Authorization", "Bearer tok-SECRET-42").build())) {
            d.fire(alert("low_throughput", Severity.WARNING, "orders"));
            HttpPeer.Request r = hook.take(WAIT);
            String ts = r.header(WebhookSink.TIMESTAMP_HEADER);
            String expected = "v1=" + WebhookSink.sign(secret.getBytes(StandardCharsets.UTF_8), ts,
                    r.body().getBytes(StandardCharsets.UTF_8));
            assertThat(r.header(WebhookSink.SIGNATURE_HEADER)).isEqualTo(expected);
            assertThat(r.header("Authorization")).isEqualTo("Bearer tok-SECRET-42");
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.at("/alerts/0/labels/alertname").asText()).isEqualTo("low_throughput");
            assertThat(body.at("/alerts/0/labels/severity").asText()).isEqualTo("warning");
            assertThat(body.at("/alerts/0/annotations/summary").asText()).contains("orders");
            assertThat(body.at("/alerts/0/startsAt").asText()).isNotBlank();
        }
    }

    private void awaitCount(String name, double expected, String... tags) {
        Await.until(WAIT, () -> count(name, tags) >= expected, () -> name + " " + count(name, tags) + " < " + expected);
    }
}
