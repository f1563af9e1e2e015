package io.migmon.alerting.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.Alert;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.InhibitRule;
import io.migmon.alerting.Matcher;
import io.migmon.alerting.Route;
import io.migmon.alerting.SinkOptions;
import io.migmon.core.Severity;
import io.migmon.core.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * migmon and a real Alertmanager 0.25 side by side on one scripted sequence: fires, resolves, an inhibition, a
 * silence and a 7 s outage of both webhook receivers. The same routing (group_by migration_id, group_wait 1 s,
 * group_interval 4 s, repeat 1 h, send_resolved) and inhibition (critical mutes warning/info of the same
 * migration) are configured on both; the script posts each alert to Alertmanager's API and calls
 * {@code fire}/{@code resolve} on the dispatcher at the same moment. Asserted: per group, the same notifications
 * (alert names and statuses) in the same order, each within one group interval of Alertmanager's (plus 1 s of
 * scheduling slack), except the
 * difference docs/alerting.md lists (a resolve while silenced: migmon sends it, Alertmanager does not).
 */
class AlertmanagerSideBySideIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration GROUP_INTERVAL = Duration.ofSeconds(4);
    /**
     * Scheduling slack on a loaded 2-core machine. After an outage Alertmanager's group timer restarts when the
     * blocked flush finally succeeds, migmon's keeps its phase, so a later change can go out up to one group interval
     * apart (3.3 s measured here); delivery latency under load comes on top.
     */
    private static final double SCHEDULING_SLACK_SECONDS = 1.0;
    private final HttpClient http = HttpClient.newHttpClient();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private long t0;

    /** One notification as a receiver saw it. */
    record Seen(double atSeconds, String group, List<String> alerts) {
        @Override
        public String toString() {
            return String.format("%.1fs %s %s", atSeconds, group, alerts);
        }
    }

    private static Alert alert(String name, Severity s, String migration) {
        return Alert.builder(name, s).label("migration_id", migration).summary(name + " on " + migration).build();
    }

    @Test
    void sameNotificationsInTheSameOrderWithinOneGroupInterval() throws Exception {
        try (HttpPeer amReceiver = new HttpPeer(200, "");
             HttpPeer migmonReceiver = new HttpPeer(200, "")) {
            try (AlertmanagerProcess am = new AlertmanagerProcess("""
                    route:
                      receiver: hook
                      group_by: ['migration_id']
                      group_wait: 1s
                      group_interval: 4s
                      repeat_interval: 1h
                    inhibit_rules:
                      - source_matchers: ['severity="critical"']
                        target_matchers: ['severity=~"warning|info"']
                        equal: ['migration_id']
                    receivers:
                      - name: hook
                        webhook_configs:
                          - url: %s
                            send_resolved: true
                    """.formatted(amReceiver.url("/am")));
                 AlertDispatcher d = AlertDispatcher.builder(registry).tickInterval(Duration.ofMillis(25))
                         .sink(WebhookSink.builder(migmonReceiver.url("/migmon")).build(),
                                 SinkOptions.DEFAULTS.withRetries(5, Duration.ofMillis(250), Duration.ofSeconds(1), 0.2))
                         .inhibit(InhibitRule.criticalMutesWarnings("migration_id"))
                         .route(Route.builder("webhook").groupBy("migration_id").groupWait(Duration.ofSeconds(1))
                                 .groupInterval(GROUP_INTERVAL).repeatInterval(Duration.ofHours(1)).build())
                         .build()) {
                t0 = System.nanoTime();
                Alert a1 = alert("rows_stalled", Severity.WARNING, "m1");
                Alert a2 = alert("lag_high", Severity.ERROR, "m1");
                Alert crit = alert("high_error_rate", Severity.CRITICAL, "m2");
                Alert warn = alert("low_throughput", Severity.WARNING, "m2");
                Alert s = alert("slow_batches", Severity.INFO, "m4");

                fire(am, d, a1);
                fire(am, d, crit);
                at(0.3);
                fire(am, d, warn); // inhibited by crit on both
                at(2);
                fire(am, d, s);
                at(5.5);
                silence(am, d, "m4");
                at(6);
                resolve(am, d, crit); // warn no longer inhibited: [warn firing, crit resolved]
                at(7.5);
                resolve(am, d, s); // while silenced: migmon sends the resolve, Alertmanager does not
                at(9.5);
                amReceiver.down = migmonReceiver.down = true;
                at(10.5);
                fire(am, d, a2);
                at(11.5);
                resolve(am, d, a1);
                at(16.5);
                amReceiver.down = migmonReceiver.down = false;
                at(22);
                resolve(am, d, a2);
                resolve(am, d, warn);
                at(30);

                List<Seen> amSeen = seen(amReceiver);
                List<Seen> migmonSeen = seen(migmonReceiver);
                Map<String, List<Seen>> amBy = byGroup(amSeen);
                Map<String, List<Seen>> migmonBy = byGroup(migmonSeen);
                String context = "\nAlertmanager: " + amSeen + "\nmigmon:       " + migmonSeen;
                System.out.println("side by side:" + context);

                // ground truth first: what Alertmanager sent is what the script expects
                assertThat(names(amBy.get("m1"))).as(context).containsExactly(
                        List.of("rows_stalled:firing"), List.of("lag_high:firing", "rows_stalled:resolved"),
                        List.of("lag_high:resolved"));
                assertThat(names(amBy.get("m2"))).as(context).containsExactly(
                        List.of("high_error_rate:firing"), List.of("high_error_rate:resolved", "low_throughput:firing"),
                        List.of("low_throughput:resolved"));
                assertThat(names(amBy.get("m4"))).as(context).containsExactly(List.of("slow_batches:firing"));

                // the documented difference: migmon also sends the resolve of the silenced alert
                List<Seen> m4 = migmonBy.get("m4");
                assertThat(names(m4)).as(context).containsExactly(List.of("slow_batches:firing"),
                        List.of("slow_batches:resolved"));
                migmonBy.put("m4", m4.subList(0, 1));

                assertThat(migmonBy.keySet()).as(context).isEqualTo(amBy.keySet());
                for (String g : amBy.keySet()) {
                    List<Seen> a = amBy.get(g);
                    List<Seen> m = migmonBy.get(g);
                    assertThat(names(m)).as("group " + g + context).isEqualTo(names(a));
                    for (int i = 0; i < a.size(); i++) {
                        assertThat(Math.abs(m.get(i).atSeconds() - a.get(i).atSeconds()))
                                .as("group %s notification %d within one group interval%s", g, i, context)
                                .isLessThanOrEqualTo(GROUP_INTERVAL.toMillis() / 1000.0 + SCHEDULING_SLACK_SECONDS);
                    }
                }
                // the outage notification arrived once, after recovery, at both
                Seen amOutage = amBy.get("m1").get(1);
                Seen migmonOutage = migmonBy.get("m1").get(1);
                assertThat(amOutage.atSeconds()).isGreaterThanOrEqualTo(16.4);
                assertThat(migmonOutage.atSeconds()).isGreaterThanOrEqualTo(16.4);
            }
        }
    }

    private void at(double seconds) throws InterruptedException {
        long wait = t0 + (long) (seconds * 1e9) - System.nanoTime();
        if (wait > 0) {
            Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000)); // scenario time, not a poll
        }
    }

    private double now(long nanos) {
        return (nanos - t0) / 1e9;
    }

    private void fire(AlertmanagerProcess am, AlertDispatcher d, Alert a) throws Exception {
        postAlert(am, a, null);
        d.fire(a);
    }

    private void resolve(AlertmanagerProcess am, AlertDispatcher d, Alert a) throws Exception {
        postAlert(am, a, Instant.now());
        d.resolve(a);
    }

    private void postAlert(AlertmanagerProcess am, Alert a, Instant endsAt) throws Exception {
        ArrayNode arr = JSON.createArrayNode();
        ObjectNode o = arr.addObject();
        ObjectNode labels = o.putObject("labels");
        a.identityLabels().forEach(labels::put);
        o.putObject("annotations").put("summary", a.summary());
        if (endsAt != null) {
            o.put("endsAt", endsAt.toString());
        }
        post(am.baseUrl + "/api/v2/alerts", arr);
    }

    private void silence(AlertmanagerProcess am, AlertDispatcher d, String migration) throws Exception {
        ObjectNode s = JSON.createObjectNode();
        ObjectNode m = s.putArray("matchers").addObject();
        m.put("name", "migration_id").put("value", migration).put("isRegex", false).put("isEqual", true);
        Instant now = Instant.now();
        s.put("startsAt", now.toString()).put("endsAt", now.plus(Duration.ofHours(1)).toString())
                .put("createdBy", "test").put("comment", "maintenance");
        post(am.baseUrl + "/api/v2/silences", s);
        d.silenceFor(Matcher.labels("migration_id", migration), Duration.ofHours(1), "maintenance");
    }

    private void post(String url, JsonNode body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
    }

    private List<Seen> seen(HttpPeer receiver) throws Exception {
        List<Seen> out = new ArrayList<>();
        for (HttpPeer.Request r : receiver.accepted) {
            JsonNode n = JSON.readTree(r.body());
            List<String> alerts = new ArrayList<>();
            for (JsonNode a : n.get("alerts")) {
                alerts.add(a.at("/labels/alertname").asText() + ":" + a.get("status").asText());
            }
            alerts.sort(null);
            out.add(new Seen(now(r.atNanos()), n.at("/groupLabels/migration_id").asText(), alerts));
        }
        return out;
    }

    private static Map<String, List<Seen>> byGroup(List<Seen> seen) {
        Map<String, List<Seen>> m = new TreeMap<>();
        for (Seen s : seen) {
            m.computeIfAbsent(s.group(), k -> new ArrayList<>()).add(s);
        }
        return m;
    }

    private static List<List<String>> names(List<Seen> seen) {
        return seen == null ? List.of() : seen.stream().map(Seen::alerts).toList();
    }
}
