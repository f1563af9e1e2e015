package io.migmon.examples.alerting;

import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.AnomalyAlerts;
import io.migmon.alerting.HealthAlerts;
import io.migmon.alerting.Route;
import io.migmon.alerting.ShutdownReport;
import io.migmon.alerting.sink.LogSink;
import io.migmon.alerting.sink.WebhookSink;
import io.migmon.core.anomaly.Anomaly;
import io.migmon.core.anomaly.AnomalyListener;
import io.migmon.core.health.HealthCheck;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Objects;

/**
 * The alerting part of the demo: an {@link AlertDispatcher} in the host's registry with a console sink (lines
 * prefixed {@code [alerting]}) and, when a URL is given, a JSON {@link WebhookSink}. It is an
 * {@link AnomalyListener}: hand it the anomalies of core's detectors ({@code low_throughput} warning,
 * {@code high_error_rate} critical, a critical muting the warnings of its migration). Health checks can be watched
 * with {@link #watch(HealthCheck)} and evaluated on the caller's schedule.
 *
 * <p>Threads: the dispatcher's (documented in {@link AlertDispatcher}), all stopped by {@link #close()}, which also
 * prints what could not be delivered.
 *
 * <pre>
 * try (AlertingDemo alerts = AlertingDemo.start(registry, System.out, null)) {
 *     anomalyMonitor.addListener(alerts);            // or alerts.onAnomaly(anomaly)
 *     ...
 * }
 * </pre>
 */
public final class AlertingDemo implements AnomalyListener, AutoCloseable {

    private final PrintStream out;
    private final AlertDispatcher dispatcher;
    private final AnomalyAlerts bridge;

    private AlertingDemo(MeterRegistry registry, PrintStream out, String webhookUrl, Duration groupWait) {
        this.out = Objects.requireNonNull(out, "out");
        AlertDispatcher.Builder b = AlertDispatcher.builder(registry)
                .sink(LogSink.to("console", line -> out.println("[alerting] " + line)))
                .inhibit(AnomalyAlerts.recommendedInhibition());
        String[] sinks = {"console"};
        if (webhookUrl != null && !webhookUrl.isBlank()) {
            b.sink(WebhookSink.builder(webhookUrl).build());
            sinks = new String[] {"console", "webhook"};
        }
        this.dispatcher = b.route(Route.builder(sinks).name("demo").groupBy("migration_id").groupWait(groupWait)
                .groupInterval(Duration.ofSeconds(2)).repeatInterval(Duration.ofMinutes(10)).build()).build();
        this.bridge = AnomalyAlerts.to(dispatcher);
        out.println("[alerting] dispatcher started: sinks " + String.join(", ", sinks)
                + "; rules low_throughput (warning), high_error_rate (critical)");
    }

    /** Starts with a console sink only. */
    public static AlertingDemo start(MeterRegistry registry, PrintStream out) {
        return start(registry, out, null);
    }

    /** Starts with a console sink and, when {@code webhookUrl} is not null, a webhook sink (the URL is not printed). */
    public static AlertingDemo start(MeterRegistry registry, PrintStream out, String webhookUrl) {
        return new AlertingDemo(registry, out, webhookUrl, Duration.ofMillis(500));
    }

    /** Forwards an anomaly to the dispatcher (firing or resolved). Never throws. */
    @Override
    public void onAnomaly(Anomaly anomaly) {
        bridge.onAnomaly(anomaly);
    }

    /** Watches a health check; call {@link HealthAlerts#evaluate()} on your schedule. */
    public HealthAlerts watch(HealthCheck check) {
        return HealthAlerts.watch(check, dispatcher);
    }

    /** The dispatcher, to fire alerts directly. */
    public AlertDispatcher dispatcher() {
        return dispatcher;
    }

    /** Flushes (up to 3 s), stops the dispatcher's threads and prints what was not delivered. */
    @Override
    public void close() {
        ShutdownReport report = dispatcher.close(Duration.ofSeconds(3));
        out.println("[alerting] dispatcher closed" + (report.complete() ? ", everything delivered"
                : ", not delivered: " + report.undelivered().size()));
    }
}
