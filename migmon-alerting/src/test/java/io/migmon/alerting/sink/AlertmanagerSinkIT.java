package io.migmon.alerting.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.Alert;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.Route;
import io.migmon.core.Severity;
import io.migmon.core.testing.ExternalTools;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus Alertmanager (Debian's 0.25, gossip disabled, ephemeral port) receives alerts from
 * {@link AlertmanagerSink} and delivers them, firing and then resolved, to a local webhook receiver.
 */
class AlertmanagerSinkIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern LISTENING = Pattern.compile("msg=\"Listening on\" address=([0-9.]+:[0-9]+)");
    private static HttpPeer receiver;
    private static Process alertmanager;
    private static String baseUrl;

    @BeforeAll
    static void startAlertmanager() throws Exception {
        Path binary = ExternalTools.require("prometheus-alertmanager", "prometheus-alertmanager");
        receiver = new HttpPeer(200, "");
        Path dir = Files.createDirectories(Path.of("target", "alertmanager-it", Long.toString(System.nanoTime())));
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, """
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
                """.formatted(receiver.url("/am-webhook")), StandardCharsets.UTF_8);
        Path log = dir.resolve("alertmanager.log");
        alertmanager = new ProcessBuilder(List.of(binary.toString(), "--config.file=" + config.toAbsolutePath(),
                "--storage.path=" + dir.resolve("data").toAbsolutePath(), "--web.listen-address=127.0.0.1:0",
                "--cluster.listen-address="))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (baseUrl == null && System.nanoTime() < deadline && alertmanager.isAlive()) {
            Matcher m = LISTENING.matcher(Files.readString(log));
            if (m.find()) {
                baseUrl = "http://" + m.group(1);
            } else {
                Thread.sleep(50);
            }
        }
        assertThat(baseUrl).as("Alertmanager started; log:%n%s", Files.readString(log)).isNotNull();
    }

    @AfterAll
    static void stop() throws Exception {
        if (alertmanager != null) {
            alertmanager.destroy();
            if (!alertmanager.waitFor(10, TimeUnit.SECONDS)) {
                alertmanager.destroyForcibly();
            }
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
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            assertThat(firing.get("status").asText()).isEqualTo("firing");
            while (registry.find("migmon.alerts.sent").tag("sink", "am-ha").counter() == null && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
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
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (registry.get("migmon.alerts.sent").tag("sink", "alertmanager").counter().count() < 2
                    && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(registry.get("migmon.alerts.sent").tag("sink", "alertmanager").counter().count()).isEqualTo(2);
        }
    }

    /** The next webhook body about {@code migrationId} (bodies of the other test are skipped). */
    private static JsonNode takeFor(String migrationId) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            JsonNode n = JSON.readTree(receiver.take(Duration.ofSeconds(30)).body());
            if (migrationId.equals(n.at("/groupLabels/migration_id").asText())) {
                return n;
            }
        }
        throw new AssertionError("no webhook for " + migrationId);
    }
}
