package io.migmon.alerting.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migmon.alerting.Alert;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.Severity;
import jakarta.mail.internet.MimeUtility;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Values a receiver would reject or misread: annotation names, Alertmanager URL user info (sent as Basic auth),
 * CR/LF in LogSink lines, non-ASCII in the X-Migmon-Group mail header. Against local HTTP / SMTP servers.
 */
class InputSafetyIT {

    private static Notification notification(Alert a, String groupKey) {
        return new Notification(groupKey, "s", Map.of(), List.of(a.withStartsAt(Instant.EPOCH)), Instant.EPOCH, false);
    }

    @Test
    void annotationNamesFollowPrometheusLabelNameRules() {
        assertThatThrownBy(() -> Alert.builder("a", Severity.INFO).annotation("run-book url", "https://wiki"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("run-book url");
        assertThatThrownBy(() -> Alert.builder("a", Severity.INFO).annotation("1st", "x"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Alert.builder("a", Severity.INFO).annotation("summary", "x"))
                .hasMessageContaining("summary");
        assertThat(Alert.builder("a", Severity.INFO).annotation("runbook_url", "https://wiki").build().annotations())
                .containsEntry("runbook_url", "https://wiki");
    }

    @Test
    void alertmanagerUserInfoIsSentAsBasicAuthAndNeverInTheUri() throws Exception {
        try (HttpPeer am = new HttpPeer(200, "")) {
            String base = am.url("").replace("http://", "http://ops:p%40ss-Secret9@");
            try (AlertmanagerSink sink = AlertmanagerSink.builder(base).timeout(Duration.ofSeconds(5)).build()) {
                assertThat(sink.toString()).doesNotContain("p%40ss").doesNotContain("ops:");
                sink.send(notification(Alert.builder("a", Severity.WARNING).build(), "g"));
            }
            HttpPeer.Request r = am.take(Duration.ofSeconds(10));
            assertThat(r.path()).isEqualTo("/api/v2/alerts");
            assertThat(r.header("Authorization")).isEqualTo("Basic "
                    + Base64.getEncoder().encodeToString("ops:p@ss-Secret9".getBytes(StandardCharsets.UTF_8)));
        }
        assertThatThrownBy(() -> AlertmanagerSink.builder("http://ops:pw@am:9093").bearerToken("t"))
                .hasMessageContaining("bearerToken").hasMessageNotContaining("pw");
        assertThatThrownBy(() -> AlertmanagerSink.builder("http://onlyuser@am:9093"))
                .hasMessageContaining("user:password").hasMessageNotContaining("onlyuser");
        assertThatThrownBy(() -> AlertmanagerSink.builder("http://am:9093/?token=abc"))
                .hasMessageContaining("query").hasMessageNotContaining("abc");
    }

    @Test
    void webhookUserInfoIsSentAsBasicAuthToo() throws Exception {
        try (HttpPeer hook = new HttpPeer(200, "")) {
            String url = hook.url("/in").replace("http://", "http://svc:w3bh00k-Secret@");
            try (WebhookSink sink = WebhookSink.builder(url).timeout(Duration.ofSeconds(5)).build()) {
                assertThat(sink.toString()).doesNotContain("w3bh00k-Secret");
                sink.send(notification(Alert.builder("a", Severity.WARNING).build(), "g"));
            }
            HttpPeer.Request r = hook.take(Duration.ofSeconds(10));
            assertThat(r.path()).isEqualTo("/in");
            assertThat(r.header("Authorization")).isEqualTo("Basic "
                    + Base64.getEncoder().encodeToString("svc:w3bh00k-Secret".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void logSinkLinesCannotBeForgedByLabelValues() {
        List<String> lines = new ArrayList<>();
        LogSink sink = LogSink.to("lines", lines::add);
        Alert a = Alert.builder("x\nALERT RESOLVED", Severity.CRITICAL)
                .label("table_name", "orders\r\nALERT RESOLVED critical high_error_rate {}: all good\u2028\u0000\\")
                .summary("boom\ninjected").build();
        sink.send(notification(a, "g"));
        assertThat(lines).singleElement().satisfies(l -> {
            assertThat(l).doesNotContain("\n").doesNotContain("\r").doesNotContain("\u2028").doesNotContain("\u0000");
            assertThat(l).contains("orders\\r\\nALERT RESOLVED").contains("boom\\ninjected").contains("\\u2028")
                    .contains("\\\\");
        });
    }

    @Test
    void groupHeaderIsRfc2047EncodedWhenNotAscii() throws Exception {
        try (ScriptedSmtpServer smtp = new ScriptedSmtpServer()) {
            EmailSink sink = EmailSink.builder("127.0.0.1", smtp.port()).from("migmon@example.com").to("ops@example.com")
                    .security(EmailSink.Security.NONE).timeout(Duration.ofSeconds(5)).build();
            String key = "page/0{migration_id=bestellungen-\u00fcbersicht-\u65e5\u672c}";
            sink.send(notification(Alert.builder("a", Severity.WARNING).build(), key));
            String headers = smtp.messages.get(0).split("\r\n\r\n", 2)[0];
            String raw = headers.replaceAll("\r\n[ \t]", " ").lines().filter(l -> l.startsWith("X-Migmon-Group:"))
                    .findFirst().orElseThrow().substring("X-Migmon-Group:".length()).trim();
            assertThat(raw.chars().allMatch(c -> c >= 0x20 && c < 0x7f)).as("ASCII only: " + raw).isTrue();
            assertThat(raw).startsWith("=?UTF-8?Q?");
            assertThat(MimeUtility.decodeText(MimeUtility.unfold(raw))).isEqualTo(key);
        }
    }
}
