package io.migmon.alerting.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migmon.alerting.Alert;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.Severity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SinkFormatTest {

    @Test
    void slackEscapingDefusesMentionsAndLinks() {
        assertThat(SlackSink.escape("<!channel> <!here|x> <@U1> <https://evil|click> a&b"))
                .isEqualTo("&lt;!channel&gt; &lt;!here|x&gt; &lt;@\u200BU1&gt; &lt;https://evil|click&gt; a&amp;b");
        assertThat(SlackSink.escape("@channel @here @everyone")).isEqualTo("@\u200Bchannel @\u200Bhere @\u200Beveryone");
        assertThat(SlackSink.escape(null)).isEmpty();
    }

    @Test
    void slackColoursBySeverityAndCapsAttachments() {
        Alert crit = Alert.builder("x", Severity.CRITICAL).build();
        assertThat(SlackSink.color(crit)).isEqualTo("#d00000");
        assertThat(SlackSink.color(Alert.builder("x", Severity.ERROR).build())).isEqualTo("#e8590c");
        assertThat(SlackSink.color(Alert.builder("x", Severity.WARNING).build())).isEqualTo("#f2c744");
        assertThat(SlackSink.color(Alert.builder("x", Severity.INFO).build())).isEqualTo("#439fe0");
        assertThat(SlackSink.color(crit.resolvedAt(Instant.EPOCH))).isEqualTo("#2eb886");
        List<Alert> many = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            many.add(Alert.builder("x", Severity.WARNING).label("i", "" + i).build());
        }
        var payload = SlackSink.payload(new Notification("g", "slack", Map.of(), many, Instant.EPOCH, false));
        assertThat(payload.get("attachments").size()).isEqualTo(SlackSink.MAX_ATTACHMENTS);
        assertThat(payload.get("text").asText()).contains("of 120 shown");
    }

    @Test
    void emailHeaderValuesLoseControlCharacters() {
        assertThat(EmailSink.headerSafe("a\r\nBcc: x\u0000y\u2028z\tt")).isEqualTo("a  Bcc: x y z\tt");
        assertThat(EmailSink.headerSafe("x".repeat(400))).hasSize(250);
    }

    @Test
    void pagerDutySeverityMapsOneToOne() {
        assertThat(PagerDutySink.severity(Severity.CRITICAL)).isEqualTo("critical");
        assertThat(PagerDutySink.severity(Severity.ERROR)).isEqualTo("error");
        assertThat(PagerDutySink.severity(Severity.WARNING)).isEqualTo("warning");
        assertThat(PagerDutySink.severity(Severity.INFO)).isEqualTo("info");
    }

    @Test
    void buildersRejectBadConfigurationWithoutEchoingSecrets() {
        assertThatThrownBy(() -> SlackSink.builder("ftp://hooks.example/secretpath")).hasMessageContaining("slack.webhookUrl")
                .hasMessageNotContaining("secretpath");
        assertThatThrownBy(() -> SlackSink.builder("not a url secretpath")).hasMessageNotContaining("secretpath");
        assertThatThrownBy(() -> PagerDutySink.builder(" ")).hasMessageContaining("pagerduty.routingKey");
        assertThatThrownBy(() -> WebhookSink.builder("http://x/y").hmacSecret("short")).hasMessageContaining("hmacSecret")
                .hasMessageNotContaining("short");
        assertThatThrownBy(() -> EmailSink.builder("smtp", 25).to("a@b.c").build()).hasMessageContaining("email.from");
        assertThatThrownBy(() -> EmailSink.builder("smtp", 0)).hasMessageContaining("email.port");
        assertThat(WebhookSink.builder("http://x/in?token=tok123").hmacSecret("0123456789abcdefXYZ").build().toString())
                .doesNotContain("tok123").doesNotContain("0123456789abcdefXYZ");
    }
}
