package io.migmon.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.sink.EmailSink;
import io.migmon.alerting.sink.LogSink;
import io.migmon.alerting.sink.PagerDutySink;
import io.migmon.alerting.sink.SlackSink;
import io.migmon.core.anomaly.Anomaly;
import io.migmon.core.Severity;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The example of docs/alerting.md, compiled and run (destinations that would need the internet are unused). */
class DocsExampleTest {

    @Test
    void docsExampleBuildsAndDelivers() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        // in the docs these come from the environment; here they point at a closed local port (no internet)
        String slackWebhookUrl = "http://127.0.0.1:" + closedPort + "/services/T000/B000/XXXX";
        String pagerDutyRoutingKey = "R0UTINGKEY0123456789abcdef012345";
        String smtpHost = "127.0.0.1";
        int smtpPort = closedPort;
        String smtpPassword = "app-password";
        List<String> lines = new CopyOnWriteArrayList<>();
        MeterRegistry registry = new SimpleMeterRegistry();
        // --- docs/alerting.md: begin
        AlertDispatcher dispatcher = AlertDispatcher.builder(registry)
                .sink(SlackSink.builder(slackWebhookUrl).build())
                .sink(PagerDutySink.builder(pagerDutyRoutingKey).build())
                .sink(EmailSink.builder(smtpHost, smtpPort).credentials("alerts", smtpPassword)
                        .from("migmon@example.com").to("dba@example.com").build())
                .sink(LogSink.to("console", lines::add))
                // criticals page, and (continue) also go to chat
                .route(Route.builder("pagerduty").name("page").match(Matcher.severityAtLeast(Severity.CRITICAL))
                        .groupBy("alertname", "migration_id").groupWait(Duration.ZERO).continueMatching(true).build())
                .route(Route.builder("slack", "email", "console").name("chat").groupBy("migration_id")
                        .groupWait(Duration.ZERO).groupInterval(Duration.ofMinutes(1)).repeatInterval(Duration.ofHours(2))
                        .build())
                .inhibit(AnomalyAlerts.recommendedInhibition())    // a critical mutes warnings of the same migration
                .hysteresis(Hysteresis.evaluations(1, 1))          // detectors already debounce
                .build();

        // anomalies from core's detectors become alerts
        AnomalyAlerts bridge = AnomalyAlerts.to(dispatcher);       // an io.migmon.core.anomaly.AnomalyListener
        // health transitions too; call evaluate() on your own schedule
        HealthAlerts health = HealthAlerts.watch(HealthCheck.of("orders-v2", Health::up), dispatcher);

        bridge.onAnomaly(new Anomaly("orders-v2", "low_throughput", Severity.WARNING,
                "migration_throughput_rows_per_second", 210, 500, "throughput 210 rows/s below 0.5x expected (500)",
                Instant.now(), Anomaly.State.FIRING));
        health.evaluate();
        // ... on shutdown: flush, wait up to 1 s, report what was not sent
        ShutdownReport report = dispatcher.close(Duration.ofSeconds(1));
        // --- docs/alerting.md: end
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("ALERT FIRING warning low_throughput"));
        assertThat(report.undelivered()).extracting(ShutdownReport.Undelivered::sink)
                .contains("slack", "email").doesNotContain("console", "pagerduty");
    }
}
