package io.migmon.alerting.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.Alert;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.Route;
import io.migmon.alerting.SinkOptions;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.Severity;
import io.migmon.core.testing.Await;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SMTP 4yz replies are transient (RFC 5321): a greylisting server (451 on RCPT, then 250) and a 421 on MAIL FROM
 * get the mail on the second attempt; a 550 is permanent. Against a small scripted ESMTP server on 127.0.0.1.
 */
class EmailTransientFailureIT {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    private static Alert alert() {
        return Alert.builder("high_error_rate", Severity.CRITICAL).label("migration_id", "orders-v2")
                .summary("error rate 3.2% above 1%").build();
    }

    private static Notification notification() {
        return new Notification("route/0{}", "email", Map.of(), List.of(alert().withStartsAt(Instant.EPOCH)),
                Instant.EPOCH, false);
    }

    private static EmailSink sink(ScriptedSmtpServer smtp) {
        return EmailSink.builder("127.0.0.1", smtp.port()).from("migmon@example.com").to("ops@example.com")
                .security(EmailSink.Security.NONE).timeout(Duration.ofSeconds(5)).build();
    }

    private double count(String name) {
        var c = registry.find(name).tags("sink", "email").counter();
        return c == null ? 0 : c.count();
    }

    private void deliversOnTheSecondAttempt(ScriptedSmtpServer smtp, String command) throws Exception {
        try (AlertDispatcher d = AlertDispatcher.builder(registry).tickInterval(Duration.ofMillis(20))
                .sink(sink(smtp), SinkOptions.DEFAULTS.withRetries(3, Duration.ofMillis(300), Duration.ofSeconds(2), 0))
                .route(Route.builder("email").groupWait(Duration.ZERO).build()).build()) {
            d.fire(alert());
            Await.until(Duration.ofSeconds(20), () -> smtp.messages.size() == 1, () -> "mail after the retry, commands "
                    + smtp.commands);
            assertThat(smtp.count(command)).as(command + " attempts").isEqualTo(2);
            Await.until(Duration.ofSeconds(5), () -> count("migmon.alerts.sent") == 1, () -> "sent counted");
            assertThat(count("migmon.alerts.failed")).isZero();
        }
        assertThat(smtp.messages).singleElement().satisfies(m -> assertThat(m).contains("high_error_rate"));
    }

    @Test
    void greylisting451OnRcptIsRetriedAndTheMailArrivesOnTheSecondAttempt() throws Exception {
        try (ScriptedSmtpServer smtp = new ScriptedSmtpServer()) {
            smtp.rcptTo("451 4.7.1 Greylisted, please try again later");
            deliversOnTheSecondAttempt(smtp, "RCPT TO");
        }
    }

    @Test
    void serviceNotAvailable421OnMailFromIsRetried() throws Exception {
        try (ScriptedSmtpServer smtp = new ScriptedSmtpServer()) {
            smtp.mailFrom("421 4.3.2 Service not available, closing transmission channel");
            deliversOnTheSecondAttempt(smtp, "MAIL FROM");
        }
    }

    @Test
    void replyCodesAreClassifiedAtTheSink() throws Exception {
        try (ScriptedSmtpServer smtp = new ScriptedSmtpServer()) {
            EmailSink sink = sink(smtp);
            smtp.rcptTo("452 4.2.2 Mailbox full");
            assertThatThrownBy(() -> sink.send(notification())).isInstanceOfSatisfying(DeliveryException.class,
                    e -> assertThat(e.retryable()).as("452 is transient").isTrue());
            smtp.rcptTo("550 5.1.1 No such user");
            assertThatThrownBy(() -> sink.send(notification())).isInstanceOfSatisfying(DeliveryException.class,
                    e -> assertThat(e.retryable()).as("550 is permanent").isFalse());
            smtp.mailFrom("451 4.3.0 Temporary local problem");
            assertThatThrownBy(() -> sink.send(notification())).isInstanceOfSatisfying(DeliveryException.class,
                    e -> assertThat(e.retryable()).as("451 on MAIL FROM is transient").isTrue());
            sink.send(notification());
            assertThat(smtp.messages).hasSize(1);
        }
    }
}
