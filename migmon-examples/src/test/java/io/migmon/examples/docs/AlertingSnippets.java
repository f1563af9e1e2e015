package io.migmon.examples.docs;

// The imports a reader needs for the snippets of docs/alerting.md.
import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.alerting.Alert;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.AnomalyAlerts;
import io.migmon.alerting.HealthAlerts;
import io.migmon.alerting.Hysteresis;
import io.migmon.alerting.Matcher;
import io.migmon.alerting.Route;
import io.migmon.alerting.ShutdownReport;
import io.migmon.alerting.sink.EmailSink;
import io.migmon.alerting.sink.LogSink;
import io.migmon.alerting.sink.PagerDutySink;
import io.migmon.alerting.sink.SlackSink;
import io.migmon.core.Severity;
import io.migmon.core.health.HealthCheck;
import java.time.Duration;

/**
 * The code snippets of docs/alerting.md, verbatim (DocsSnippetsTest checks that every java block of that file appears
 * here, whitespace aside), so the build compiles them.
 */
@SuppressWarnings("unused")
final class AlertingSnippets {
    /** Compiled, not run (it needs real Slack / PagerDuty / SMTP endpoints). */
    static ShutdownReport dispatcher(MeterRegistry registry, HealthCheck myHealthCheck) {
        String slackWebhookUrl = System.getenv("SLACK_WEBHOOK_URL");          // secrets from the environment
        String pagerDutyRoutingKey = System.getenv("PAGERDUTY_ROUTING_KEY");
        String smtpPassword = System.getenv("SMTP_PASSWORD");

        AlertDispatcher dispatcher = AlertDispatcher.builder(registry)       // the host's MeterRegistry (or builder().instrumentation(..))
                .sink(SlackSink.builder(slackWebhookUrl).build())
                .sink(PagerDutySink.builder(pagerDutyRoutingKey).build())
                .sink(EmailSink.builder("smtp.example.com", 587).credentials("alerts", smtpPassword)
                        .from("migmon@example.com").to("dba@example.com").build())   // STARTTLS required by default
                .sink(LogSink.to("console", System.out::println))
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
        HealthAlerts health = HealthAlerts.watch(myHealthCheck, dispatcher);

        // ... on shutdown: flush, wait up to 5 s, report what was not sent
        ShutdownReport report = dispatcher.close(Duration.ofSeconds(5));
        return report;
    }

    static void fire(AlertDispatcher dispatcher) {
        Alert alert = Alert.builder("replication_lag_high", Severity.ERROR).label("migration_id", "orders-v2")
                .summary("replication lag 95 s above 60 s").annotation("runbook", "https://wiki/lag").build();
        dispatcher.fire(alert);
    }

    private AlertingSnippets() {
    }
}
