package io.migmon.alerting.sink;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.Alert;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.Route;
import io.migmon.alerting.ShutdownReport;
import io.migmon.alerting.SinkOptions;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.core.Severity;
import io.migmon.core.testing.Await;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * Every sink fails in its own way (5xx, 4xx, 429, hang, connection refused, wrong SMTP password) while all log
 * output at DEBUG is captured; then the logs, the sinks' toString, the metrics and the shutdown report are searched
 * for every configured secret.
 */
class SecretsNeverLoggedIT {

    static final String SLACK_PATH = "/services/T0SECRET/B0SECRET/slackTokenXyz123";
    static final String ROUTING_KEY = "pdRoutingKeySecret0123456789abcd";
    static final String HMAC = "hmacSecret-0123456789-zyx";
    static final String AUTH_HEADER = "Bearer webhookHeaderSecret77";
    static final String URL_TOKEN = "urlTokenSecret55";
    static final String BEARER = "amBearerSecret99";
    static final String AM_USER_INFO = "amUserInfoSecret42";
    static final String SMTP_PASSWORD = "smtpPasswordSecret-31";
    static final String WRONG_SMTP_PASSWORD = "wrongSmtpPasswordSecret-13";

    @RegisterExtension
    static final GreenMailExtension MAIL = new GreenMailExtension(ServerSetupTest.SMTP.dynamicPort())
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("ops@example.com", "alerts", SMTP_PASSWORD));

    @Test
    void noSecretInLogsToStringMetricsOrReport() throws Exception {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger migmon = (Logger) LoggerFactory.getLogger("io.migmon");
        Level rootLevel = root.getLevel();
        Level migmonLevel = migmon.getLevel();
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        root.setLevel(Level.DEBUG);
        migmon.setLevel(Level.DEBUG);
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        List<String> texts = new ArrayList<>();
        try (HttpPeer slack = new HttpPeer(500, "invalid_token " + SLACK_PATH);
             HttpPeer pd = new HttpPeer(400, "{\"message\":\"bad routing key " + ROUTING_KEY + "\"}");
             HttpPeer hook = new HttpPeer(401, "unauthorized " + AUTH_HEADER);
             HttpPeer am = new HttpPeer(503, "unavailable")) {
            pd.then(HttpPeer.Response.retryAfter(429, "0"));
            hook.then(HttpPeer.Response.hangForever());
            List<AlertSink> sinks = List.of(
                    SlackSink.builder(slack.url(SLACK_PATH)).build(),
                    SlackSink.builder("http://127.0.0.1:" + closedPort + SLACK_PATH).name("slack-refused").build(),
                    PagerDutySink.builder(ROUTING_KEY).url(pd.url("/v2/enqueue")).build(),
                    WebhookSink.builder(hook.url("/in?token=" + URL_TOKEN)).hmacSecret(HMAC).header("Authorization", AUTH_HEADER).build(),
                    AlertmanagerSink.builder(am.url("/")).bearerToken(BEARER).build(),
                    AlertmanagerSink.builder(am.url("/").replace("http://", "http://amUser:" + AM_USER_INFO + "@"))
                            .name("am-userinfo").build(),
                    EmailSink.builder("127.0.0.1", MAIL.getSmtp().getPort()).from("migmon@example.com").to("ops@example.com")
                            .credentials("alerts", WRONG_SMTP_PASSWORD).security(EmailSink.Security.NONE).build(),
                    EmailSink.builder("127.0.0.1", MAIL.getSmtp().getPort()).name("email-ok").from("migmon@example.com")
                            .to("ops@example.com").credentials("alerts", SMTP_PASSWORD).security(EmailSink.Security.NONE).build());
            AlertDispatcher.Builder b = AlertDispatcher.builder(registry).tickInterval(Duration.ofMillis(20));
            SinkOptions opts = SinkOptions.DEFAULTS.withRetries(3, Duration.ofMillis(50), Duration.ofMillis(200), 0.2)
                    .withTimeout(Duration.ofMillis(700));
            for (AlertSink s : sinks) {
                b.sink(s, opts);
                texts.add(s.toString());
            }
            AlertDispatcher d = b.route(Route.builder(sinks.stream().map(AlertSink::name).toArray(String[]::new))
                    .groupWait(Duration.ZERO).build()).build();
            d.fire(Alert.builder("high_error_rate", Severity.CRITICAL).label("migration_id", "m1").build());
            assertThat(MAIL.waitForIncomingEmail(10_000, 1)).isTrue();
            Await.until(Duration.ofSeconds(20), () -> failed(registry) >= 5, () -> "5 sinks failed: " + failed(registry));
            ShutdownReport report = d.close(Duration.ofSeconds(2));
            report.undelivered().forEach(u -> texts.add(u.toString()));
            assertThat(report.undelivered()).extracting(ShutdownReport.Undelivered::sink)
                    .contains("slack", "slack-refused", "pagerduty", "alertmanager", "am-userinfo", "email");
        } finally {
            root.detachAppender(captured);
            root.setLevel(rootLevel);
            migmon.setLevel(migmonLevel);
        }
        registry.getMeters().forEach(m -> texts.add(m.getId().toString()));
        for (ILoggingEvent e : captured.list) {
            texts.add(e.getFormattedMessage());
            if (e.getThrowableProxy() != null) {
                texts.add(ThrowableProxyUtil.asString(e.getThrowableProxy()));
            }
        }
        assertThat(captured.list).as("failures were logged").isNotEmpty();
        String all = String.join("\n", texts);
        for (String secret : List.of(SLACK_PATH, "slackTokenXyz123", ROUTING_KEY, HMAC, AUTH_HEADER,
                "webhookHeaderSecret77", URL_TOKEN, BEARER, AM_USER_INFO, java.util.Base64.getEncoder()
                        .encodeToString(("amUser:" + AM_USER_INFO).getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                SMTP_PASSWORD, WRONG_SMTP_PASSWORD)) {
            assertThat(all).as("secret %s leaked", secret).doesNotContain(secret);
        }
    }

    private static double failed(SimpleMeterRegistry registry) {
        return registry.find("migmon.alerts.failed").counters().stream().mapToDouble(c -> c.count()).sum();
    }
}
