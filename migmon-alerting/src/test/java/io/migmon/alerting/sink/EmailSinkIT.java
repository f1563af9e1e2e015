package io.migmon.alerting.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.junit5.GreenMailExtension;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.Alert;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.Route;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.Severity;
import io.migmon.core.testing.Await;
import jakarta.mail.Message;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The email sink against GreenMail's real SMTP and SMTPS servers (in-process, ephemeral ports, SMTP AUTH). */
class EmailSinkIT {

    static final String PASSWORD = "Sm7p-Pa55word-secret";

    @RegisterExtension
    static final GreenMailExtension MAIL = new GreenMailExtension(new ServerSetup[] {
            ServerSetupTest.SMTP.dynamicPort(), ServerSetupTest.SMTPS.dynamicPort()})
            .withConfiguration(GreenMailConfiguration.aConfig().withUser("ops@example.com", "alerts", PASSWORD));

    private static Notification notification(String summary) {
        Alert a = Alert.builder("high_error_rate", Severity.CRITICAL).label("migration_id", "orders-v2")
                .summary(summary).annotation("value", "0.032").startsAt(Instant.parse("2026-01-01T00:00:00Z")).build();
        return new Notification("route/0{}", "email", Map.of(), List.of(a), Instant.parse("2026-01-01T00:00:30Z"), false);
    }

    private static EmailSink.Builder plain() {
        return EmailSink.builder("127.0.0.1", MAIL.getSmtp().getPort()).from("migmon@example.com").to("ops@example.com")
                .timeout(Duration.ofSeconds(5));
    }

    @Test
    void messageArrivesWithSubjectHeadersAndBody() throws Exception {
        EmailSink sink = plain().credentials("alerts", PASSWORD).security(EmailSink.Security.NONE).build();
        sink.send(notification("error rate 3.2% above 1%"));
        assertThat(MAIL.waitForIncomingEmail(5000, 1)).isTrue();
        MimeMessage m = MAIL.getReceivedMessages()[0];
        assertThat(m.getSubject()).isEqualTo("[migmon] [FIRING:1] high_error_rate - error rate 3.2% above 1%");
        assertThat(m.getFrom()[0].toString()).isEqualTo("migmon@example.com");
        assertThat(m.getRecipients(Message.RecipientType.TO)[0].toString()).isEqualTo("ops@example.com");
        assertThat(m.getHeader("X-Migmon-Group")[0]).isEqualTo("route/0{}");
        String body = GreenMailUtil.getBody(m);
        assertThat(body).contains("FIRING critical high_error_rate").contains("migration_id: orders-v2")
                .contains("value: 0.032");
    }

    @Test
    void crlfInAlertTextCannotInjectHeaders() throws Exception {
        EmailSink sink = plain().security(EmailSink.Security.NONE).build();
        sink.send(notification("boom\r\nBcc: attacker@evil.example\r\nX-Injected: yes\n\nbody"));
        assertThat(MAIL.waitForIncomingEmail(5000, 1)).isTrue();
        Thread.sleep(200); // not a poll: time for a second (injected) message to arrive if one were sent
        MimeMessage[] all = MAIL.getReceivedMessages();
        assertThat(all).hasSize(1);
        MimeMessage m = all[0];
        assertThat(m.getHeader("X-Injected")).isNull();
        assertThat(m.getRecipients(Message.RecipientType.BCC)).isNull();
        assertThat(m.getSubject()).doesNotContain("\r").doesNotContain("\n").contains("Bcc: attacker@evil.example");
        assertThatThrownBy(() -> plain().to("ops@example.com\r\nBcc: x@evil.example"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("email.to");
    }

    @Test
    void smtpsWithAuthDelivers() throws Exception {
        EmailSink sink = EmailSink.builder("127.0.0.1", MAIL.getSmtps().getPort()).from("migmon@example.com")
                .to("ops@example.com").credentials("alerts", PASSWORD).security(EmailSink.Security.SMTPS)
                .trustAllHostsForTests().timeout(Duration.ofSeconds(5)).build();
        sink.send(notification("over TLS"));
        assertThat(MAIL.waitForIncomingEmail(5000, 1)).isTrue();
        assertThat(MAIL.getReceivedMessages()[0].getSubject()).endsWith("over TLS");
    }

    @Test
    void wrongPasswordIsAPermanentFailureWithoutTheSecret() {
        String wrong = "Wr0ng-Pa55word-secret";
        EmailSink sink = plain().credentials("alerts", wrong).security(EmailSink.Security.NONE).build();
        assertThatThrownBy(() -> sink.send(notification("x")))
                .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isFalse())
                .hasMessageContaining("authentication failed").hasMessageNotContaining(wrong);
        assertThat(sink.toString()).doesNotContain(wrong).contains("***");
        assertThat(MAIL.getReceivedMessages()).isEmpty();
    }

    @Test
    void starttlsRequiredDoesNotFallBackToPlainText() {
        // GreenMail does not offer STARTTLS: a sink that requires it must refuse to send in clear text
        EmailSink sink = plain().credentials("alerts", PASSWORD).security(EmailSink.Security.STARTTLS_REQUIRED).build();
        assertThatThrownBy(() -> sink.send(notification("x"))).isInstanceOf(DeliveryException.class)
                .hasMessageNotContaining(PASSWORD);
        assertThat(MAIL.getReceivedMessages()).isEmpty();
    }

    @Test
    void throughTheDispatcherFailuresAreCounted() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (AlertDispatcher d = AlertDispatcher.builder(registry).tickInterval(Duration.ofMillis(20))
                .sink(plain().credentials("alerts", PASSWORD).security(EmailSink.Security.NONE).build())
                .sink(plain().name("email-bad").credentials("alerts", "not-the-password").security(EmailSink.Security.NONE).build())
                .route(Route.builder("email", "email-bad").groupWait(Duration.ZERO).build()).build()) {
            d.fire(Alert.builder("low_throughput", Severity.WARNING).label("migration_id", "m1").build());
            assertThat(MAIL.waitForIncomingEmail(10_000, 1)).isTrue();
            Await.until(Duration.ofSeconds(10), () -> registry.find("migmon.alerts.failed").tag("sink", "email-bad").counter() != null
                    && registry.find("migmon.alerts.sent").tag("sink", "email").counter() != null, () -> "failed and sent counted");
            assertThat(registry.get("migmon.alerts.failed").tag("sink", "email-bad").counter().count()).isEqualTo(1);
            assertThat(registry.get("migmon.alerts.sent").tag("sink", "email").counter().count()).isEqualTo(1);
        }
    }
}
