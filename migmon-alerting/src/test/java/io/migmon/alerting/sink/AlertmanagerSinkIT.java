package io.migmon.alerting.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.Alert;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.Route;
import io.migmon.core.Severity;
import io.migmon.core.testing.Await;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus Alertmanager (Debian's 0.25, gossip disabled, ephemeral port) receives alerts from
 * {@link AlertmanagerSink} and delivers them, firing and then resolved, to a local webhook receiver.
 */
class AlertmanagerSinkIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static HttpPeer receiver;
    private static AlertmanagerProcess alertmanager;
    private static String baseUrl;

    @BeforeAll
    static void startAlertmanager() throws Exception {
        receiver = new HttpPeer(200, "");
        alertmanager = new AlertmanagerProcess("""
                route:
                  receiver: hook
                  group_by: ['alertname', 'migration_id']
                  group_wait: 0s
                  group_interval: 1s
                  repeat_interval: 1h
                receivers:
                  - name: hook
                    webhook_configs:
                      - url: %s
                        send_resolved: true
                """.formatted(receiver.url("/am-webhook")));
        baseUrl = alertmanager.baseUrl;
    }

    @AfterAll
    static void stop() throws Exception {
        if (alertmanager != null) {
            alertmanager.close();
        }
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void oneDeadInstanceOfAClusterDoesNotFailDelivery() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Alert alert = Alert.builder("stall", Severity.ERROR).label("migration_id", "ha-test").build();
        try (AlertDispatcher d = AlertDispatcher.builder(registry).tickInterval(Duration.ofMillis(20))
                .sink(AlertmanagerSink.builder("http://127.0.0.1:" + closedPort, baseUrl).name("am-ha").build())
                .route(Route.builder("am-ha").groupWait(Duration.ZERO).build()).build()) {
            d.fire(alert);
            JsonNode firing = takeFor("ha-test");
            assertThat(firing.get("status").asText()).isEqualTo("firing");
            Await.until(Duration.ofSeconds(30), () -> registry.find("migmon.alerts.sent").tag("sink", "am-ha").counter() != null,
                    () -> "sent counted for am-ha");
            assertThat(registry.find("migmon.alerts.failed").counters()).isEmpty();
        }
    }

    @Test
    void alertsReachAlertmanagerAndItsWebhookFiringThenResolved() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Alert alert = Alert.builder("high_error_rate", Severity.CRITICAL).label("migration_id", "orders-v2")
                .summary("error rate 3.2% above 1%").annotation("runbook", "https://runbooks.example/err").build();
        try (AlertDispatcher d = AlertDispatcher.builder(registry).tickInterval(Duration.ofMillis(20))
                .sink(AlertmanagerSink.builder(baseUrl).generatorUrl("http://grafana.example/d/migmon").build())
                .route(Route.builder("alertmanager").groupWait(Duration.ZERO).groupInterval(Duration.ofMillis(200))
                        .repeatInterval(Duration.ofMinutes(1)).build())
                .build()) {
            d.fire(alert);
            JsonNode firing = takeFor("orders-v2");
            assertThat(firing.get("status").asText()).isEqualTo("firing");
            JsonNode a = firing.get("alerts").get(0);
            assertThat(a.at("/labels/alertname").asText()).isEqualTo("high_error_rate");
            assertThat(a.at("/labels/severity").asText()).isEqualTo("critical");
            assertThat(a.at("/labels/migration_id").asText()).isEqualTo("orders-v2");
            assertThat(a.at("/annotations/summary").asText()).isEqualTo("error rate 3.2% above 1%");
            assertThat(a.at("/annotations/runbook").asText()).isEqualTo("https://runbooks.example/err");
            assertThat(a.get("generatorURL").asText()).isEqualTo("http://grafana.example/d/migmon");

            d.resolve(alert);
            JsonNode resolved = takeFor("orders-v2");
            assertThat(resolved.get("status").asText()).isEqualTo("resolved");
            assertThat(resolved.at("/alerts/0/labels/alertname").asText()).isEqualTo("high_error_rate");
            assertThat(resolved.at("/alerts/0/endsAt").asText()).doesNotStartWith("0001");
            Await.until(Duration.ofSeconds(10),
                    () -> registry.get("migmon.alerts.sent").tag("sink", "alertmanager").counter().count() >= 2,
                    () -> "two alerts sent to alertmanager");
            assertThat(registry.get("migmon.alerts.sent").tag("sink", "alertmanager").counter().count()).isEqualTo(2);
        }
    }

    /** The next webhook body about {@code migrationId} (bodies of the other test are skipped). */
    private static JsonNode takeFor(String migrationId) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode n = JSON.readTree(receiver.take(Duration.ofSeconds(30)).body());
            if (migrationId.equals(n.at("/groupLabels/migration_id").asText())) {
                return n;
            }
        }
        throw new AssertionError("no webhook for " + migrationId);
    }
}
