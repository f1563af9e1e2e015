package io.migmon.alerting.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migmon.alerting.Alert;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** STARTTLS + AUTH, which GreenMail does not offer, against a minimal ESMTP server in the test. */
class EmailStartTlsIT {

    private static final String PASSWORD = "starttls-Pa55-secret";

    private static Notification notification() {
        Alert a = Alert.builder("high_error_rate", Severity.CRITICAL).label("migration_id", "orders-v2")
                .summary("error rate 3.2% above 1%").build();
        return new Notification("g", "email", Map.of(), List.of(a), Instant.now(), false);
    }

    private static EmailSink.Builder sink(StartTlsSmtpServer server, String password) {
        return EmailSink.builder("127.0.0.1", server.port()).from("migmon@example.com").to("ops@example.com")
                .credentials("alerts", password).trustAllHostsForTests().timeout(Duration.ofSeconds(5));
    }

    @Test
    void upgradesWithStartTlsBeforeAuthenticatingAndSending() throws Exception {
        try (StartTlsSmtpServer server = new StartTlsSmtpServer("alerts", PASSWORD)) {
            sink(server, PASSWORD).build().send(notification()); // STARTTLS_REQUIRED is the default with credentials
            assertThat(server.received).singleElement().satisfies(m -> {
                assertThat(m.tls()).as("message sent after STARTTLS").isTrue();
                assertThat(m.authenticatedUser()).isEqualTo("alerts");
                assertThat(m.data()).contains("Subject: [migmon] [FIRING:1] high_error_rate - error rate 3.2% above 1%");
            });
            assertThat(server.commands).contains("STARTTLS");
            assertThat(server.commands.indexOf("STARTTLS")).isLessThan(server.commands.indexOf("AUTH ***"));
        }
    }

    @Test
    void wrongPasswordOverStartTlsIsPermanent() throws Exception {
        try (StartTlsSmtpServer server = new StartTlsSmtpServer("alerts", PASSWORD)) {
            assertThatThrownBy(() -> sink(server, "wrong-Pa55-secret").build().send(notification()))
                    .isInstanceOfSatisfying(DeliveryException.class, e -> assertThat(e.retryable()).isFalse())
                    .hasMessageContaining("authentication failed").hasMessageNotContaining("wrong-Pa55-secret");
            assertThat(server.received).isEmpty();
        }
    }
}
