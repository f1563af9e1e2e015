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
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 13's scenario against real receivers: every receiver (Slack-, PagerDuty-, webhook- and Alertmanager-like
 * HTTP servers answering 503, an ESMTP server answering 421) is down for 30 s while alert y fires and alert x
 * resolves. After recovery each receiver gets y firing and x resolved exactly once, and later y resolved exactly
 * once. Ground truth: what each receiver accepted (2xx / 250), parsed from the bodies.
 */
class OutageRecoveryIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration OUTAGE = Duration.ofSeconds(30);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static Alert alert(String name) {
        return Alert.builder(name, Severity.CRITICAL).label("migration_id", "orders-v2").summary(name + " on orders")
                .build();
    }

    @Test
    void fireAndResolveAcrossA30SecondOutageAreDeliveredExactlyOnceToEveryReceiver() throws Exception {
        try (HttpPeer slack = new HttpPeer(200, "ok");
             HttpPeer pagerduty = new HttpPeer(202, "{\"status\":\"success\"}");
             HttpPeer webhook = new HttpPeer(200, "");
             HttpPeer alertmanager = new HttpPeer(200, "");
             ScriptedSmtpServer smtp = new ScriptedSmtpServer()) {
            SinkOptions retries = SinkOptions.DEFAULTS.withRetries(5, Duration.ofMillis(250), Duration.ofSeconds(4), 0.2)
                    .withTimeout(Duration.ofSeconds(5));
            Alert x = alert("x");
            Alert y = alert("y");
            Map<String, String> names = Map.of(x.fingerprint(), "x", y.fingerprint(), "y");
            try (AlertDispatcher d = AlertDispatcher.builder(registry).tickInterval(Duration.ofMillis(50))
                    .sink(SlackSink.builder(slack.url("/hook")).build(), retries)
                    .sink(PagerDutySink.builder("routing-key-0123456789").url(pagerduty.url("/v2/enqueue")).build(), retries)
                    .sink(WebhookSink.builder(webhook.url("/alerts")).build(), retries)
                    .sink(AlertmanagerSink.builder(alertmanager.url("")).build(), retries)
                    .sink(EmailSink.builder("127.0.0.1", smtp.port()).from("migmon@example.com").to("ops@example.com")
                            .security(EmailSink.Security.NONE).timeout(Duration.ofSeconds(5)).build(), retries)
                    .route(Route.builder("slack", "pagerduty", "webhook", "alertmanager", "email")
                            .groupBy("migration_id").groupWait(Duration.ZERO).groupInterval(Duration.ofSeconds(1))
                            .repeatInterval(Duration.ofHours(4)).build())
                    .build()) {
                Map<String, java.util.function.Supplier<List<String>>> receivers = Map.of(
                        "slack", () -> slackEvents(slack), "pagerduty", () -> pagerDutyEvents(pagerduty, names),
                        "webhook", () -> webhookEvents(webhook), "alertmanager", () -> alertmanagerEvents(alertmanager),
                        "email", () -> emailEvents(smtp));

                d.fire(x);
                awaitAll(receivers, List.of("x:firing"));

                slack.down = pagerduty.down = webhook.down = alertmanager.down = smtp.down = true;
                long outageStart = System.nanoTime();
                d.fire(y);
                Thread.sleep(4_000); // scenario time, not a poll: x resolves 4 s into the outage
                d.resolve(x);
                Thread.sleep(Math.max(0, OUTAGE.toMillis() - (System.nanoTime() - outageStart) / 1_000_000));
                receivers.forEach((r, events) -> assertThat(events.get()).as(r + " during the outage")
                        .containsExactly("x:firing"));
                assertThat(smtp.count("MAIL FROM")).as("SMTP attempts during the outage").isGreaterThan(5);
                slack.down = pagerduty.down = webhook.down = alertmanager.down = smtp.down = false;

                awaitAll(receivers, List.of("x:firing", "x:resolved", "y:firing"));
                Thread.sleep(3_000); // three group intervals: nothing more may arrive
                awaitAll(receivers, List.of("x:firing", "x:resolved", "y:firing"));

                d.resolve(y);
                awaitAll(receivers, List.of("x:firing", "x:resolved", "y:firing", "y:resolved"));
                Thread.sleep(2_000);
                awaitAll(receivers, List.of("x:firing", "x:resolved", "y:firing", "y:resolved"));
                assertThat(d.close(Duration.ofSeconds(5)).undelivered()).isEmpty();
            }
        }
    }

    private static void awaitAll(Map<String, java.util.function.Supplier<List<String>>> receivers, List<String> expected) {
        receivers.forEach((r, events) -> Await.until(Duration.ofSeconds(30),
                () -> sorted(events.get()).equals(sorted(expected)), () -> r + " got " + events.get() + ", expected "
                        + expected));
    }

    private static List<String> sorted(List<String> l) {
        List<String> s = new ArrayList<>(l);
        s.sort(null);
        return s;
    }

    private static JsonNode json(HttpPeer.Request r) {
        try {
            return JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static List<String> slackEvents(HttpPeer p) {
        List<String> out = new ArrayList<>();
        for (HttpPeer.Request r : p.accepted) {
            for (JsonNode att : json(r).get("attachments")) {
                String title = att.get("title").asText();
                boolean resolved = title.startsWith("Resolved: ");
                out.add(title.replace("Resolved: ", "").split(" ")[0] + (resolved ? ":resolved" : ":firing"));
            }
        }
        return out;
    }

    private static List<String> pagerDutyEvents(HttpPeer p, Map<String, String> names) {
        List<String> out = new ArrayList<>();
        for (HttpPeer.Request r : p.accepted) {
            JsonNode e = json(r);
            out.add(names.get(e.get("dedup_key").asText()) + ("resolve".equals(e.get("event_action").asText())
                    ? ":resolved" : ":firing"));
        }
        return out;
    }

    private static List<String> webhookEvents(HttpPeer p) {
        List<String> out = new ArrayList<>();
        for (HttpPeer.Request r : p.accepted) {
            for (JsonNode a : json(r).get("alerts")) {
                out.add(a.get("labels").get("alertname").asText() + ":" + a.get("status").asText());
            }
        }
        return out;
    }

    private static List<String> alertmanagerEvents(HttpPeer p) {
        List<String> out = new ArrayList<>();
        for (HttpPeer.Request r : p.accepted) {
            for (JsonNode a : json(r)) {
                out.add(a.get("labels").get("alertname").asText() + (a.has("endsAt") ? ":resolved" : ":firing"));
            }
        }
        return out;
    }

    private static List<String> emailEvents(ScriptedSmtpServer smtp) {
        List<String> out = new ArrayList<>();
        Map<String, String> status = new HashMap<>(Map.of("FIRING", "firing", "RESOLVED", "resolved"));
        for (String m : smtp.messages) {
            for (String line : m.split("\r\n")) {
                String[] w = line.split(" ");
                if (w.length == 3 && status.containsKey(w[0]) && w[1].equals("critical")) {
                    out.add(w[2] + ":" + status.get(w[0]));
                }
            }
        }
        return out;
    }
}
