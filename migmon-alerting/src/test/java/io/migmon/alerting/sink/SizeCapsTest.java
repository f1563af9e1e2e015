package io.migmon.alerting.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.migmon.alerting.Alert;
import io.migmon.alerting.internal.Json;
import io.migmon.alerting.internal.Truncate;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.Severity;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Payloads stay within each receiver's limit, cut on code-point boundaries and marked: PagerDuty 512,000 bytes per
 * event (custom_details cut) and 1,024-char summaries, Slack 40,000 characters of text, webhook 1,000,000 bytes,
 * email 1,000,000 characters. Each limit is probed at the limit and one past it.
 */
class SizeCapsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EMOJI = "\uD83D\uDE00"; // one code point, two chars, four UTF-8 bytes

    private static Alert.Builder alert() {
        return Alert.builder("high_error_rate", Severity.CRITICAL).label("migration_id", "orders-v2")
                .startsAt(Instant.EPOCH);
    }

    private static Notification notification(List<Alert> alerts) {
        return new Notification("g", "sink", Map.of(), alerts, Instant.EPOCH, false);
    }

    /** No lone surrogate anywhere: the text was cut between code points. */
    private static void assertWellFormed(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                assertThat(i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))).as("pair at " + i).isTrue();
                i++;
            } else {
                assertThat(Character.isLowSurrogate(c)).as("lone low surrogate at " + i).isFalse();
            }
        }
    }

    @Test
    void truncationNeverSplitsACodePoint() {
        String s = "a".repeat(9) + EMOJI + "b";
        assertThat(Truncate.prefix(s, 10)).isEqualTo("a".repeat(9));
        assertThat(Truncate.prefix(s, 11)).isEqualTo("a".repeat(9) + EMOJI);
        assertThat(Truncate.chars(s, s.length())).isSameAs(s);
        String cut = Truncate.chars("x".repeat(100) + EMOJI.repeat(100), 101 + Truncate.MARK.length());
        assertThat(cut).hasSizeLessThanOrEqualTo(101 + Truncate.MARK.length()).endsWith(Truncate.MARK);
        assertWellFormed(cut);
        String bytes = Truncate.utf8(EMOJI.repeat(1000), 1000);
        assertThat(bytes.getBytes(StandardCharsets.UTF_8).length).isLessThanOrEqualTo(1000);
        assertWellFormed(bytes);
        assertThat(Truncate.utf8Length("a\u00e9\u20ac" + EMOJI)).isEqualTo(1 + 2 + 3 + 4);
    }

    @Test
    void pagerDutyEventsStayWithin512000BytesWithCustomDetailsCutAndMarked() throws Exception {
        try (PagerDutySink sink = PagerDutySink.builder("routing-key").build()) {
            for (int size : new int[] {615_000, 1_000_000, 3_000_000}) {
                Alert a = alert().annotation("dump", "y".repeat(size / 2) + EMOJI.repeat(size / 8))
                        .annotation("runbook", "https://wiki/x").build();
                byte[] body = Json.bytes(sink.event(a));
                assertThat(body.length).as(size + " bytes in").isLessThanOrEqualTo(PagerDutySink.MAX_EVENT_BYTES)
                        .isGreaterThan(PagerDutySink.MAX_EVENT_BYTES - 2_000);
                JsonNode details = JSON.readTree(body).at("/payload/custom_details");
                assertThat(details.get(PagerDutySink.TRUNCATED_KEY).asText()).contains("512000");
                assertThat(details.get("dump").asText()).endsWith(Truncate.MARK);
                assertWellFormed(details.get("dump").asText());
                assertThat(details.get("runbook").asText()).as("short values survive").isEqualTo("https://wiki/x");
            }
            // exactly at the limit: unchanged; one byte more: cut
            Alert probe = alert().annotation("dump", "").build();
            int base = Json.bytes(sink.event(probe)).length;
            Alert atLimit = alert().annotation("dump", "z".repeat(PagerDutySink.MAX_EVENT_BYTES - base)).build();
            byte[] at = Json.bytes(sink.event(atLimit));
            assertThat(at.length).isEqualTo(PagerDutySink.MAX_EVENT_BYTES);
            assertThat(JSON.readTree(at).at("/payload/custom_details").has(PagerDutySink.TRUNCATED_KEY)).isFalse();
            Alert over = alert().annotation("dump", "z".repeat(PagerDutySink.MAX_EVENT_BYTES - base + 1)).build();
            byte[] past = Json.bytes(sink.event(over));
            assertThat(past.length).isLessThanOrEqualTo(PagerDutySink.MAX_EVENT_BYTES);
            assertThat(JSON.readTree(past).at("/payload/custom_details").has(PagerDutySink.TRUNCATED_KEY)).isTrue();
        }
    }

    @Test
    void pagerDutySummaryIsCutAt1024CharsBetweenCodePointsAndNeverBlank() throws Exception {
        try (PagerDutySink sink = PagerDutySink.builder("routing-key").source("host-app").build()) {
            // the emoji straddles the cut point (1,024 minus the mark)
            String summary = "s".repeat(1_024 - Truncate.MARK.length() - 1) + EMOJI + "t".repeat(100);
            JsonNode p = JSON.readTree(Json.bytes(sink.event(alert().summary(summary).build()))).get("payload");
            assertThat(p.get("summary").asText()).hasSizeLessThanOrEqualTo(1024).endsWith(Truncate.MARK);
            assertWellFormed(p.get("summary").asText());
            String exact = "s".repeat(1024);
            assertThat(JSON.readTree(Json.bytes(sink.event(alert().summary(exact).build()))).at("/payload/summary").asText())
                    .isEqualTo(exact);

            Alert blank = Alert.builder("lag_high", Severity.ERROR).label("migration_id", "").summary("   ").build();
            JsonNode b = JSON.readTree(Json.bytes(sink.event(blank))).get("payload");
            assertThat(b.get("summary").asText()).isEqualTo("lag_high");
            assertThat(b.get("source").asText()).isEqualTo("host-app");
        }
    }

    private static int slackTextChars(JsonNode payload) {
        int n = payload.get("text").asText().length();
        for (JsonNode att : payload.get("attachments")) {
            n += att.get("text").asText().length() + att.get("title").asText().length()
                    + att.get("fallback").asText().length();
        }
        return n;
    }

    @Test
    void slackTextStaysWithin40000Characters() {
        List<Alert> alerts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            alerts.add(alert().label("table_name", "t" + i).annotation("dump", "<&>" + "d".repeat(1_000_000) + EMOJI)
                    .summary(EMOJI.repeat(200_000)).build());
        }
        JsonNode p = SlackSink.payload(notification(alerts));
        assertThat(slackTextChars(p)).isLessThanOrEqualTo(SlackSink.MAX_TEXT_CHARS).isGreaterThan(39_000);
        for (JsonNode att : p.get("attachments")) {
            assertThat(att.get("text").asText()).endsWith(Truncate.MARK);
            assertWellFormed(att.get("text").asText());
            assertWellFormed(att.get("fallback").asText());
        }
        // a message exactly within the share is not cut
        Alert small = alert().summary("x".repeat(30_000)).build();
        JsonNode one = SlackSink.payload(notification(List.of(small)));
        assertThat(one.at("/attachments/0/text").asText()).startsWith("x".repeat(30_000)).doesNotContain(Truncate.MARK);
        // never cut inside an entity
        String escaped = "ab&amp;cd" + "e".repeat(50);
        assertThat(SlackSink.cut(escaped, 3 + Truncate.MARK.length())).isEqualTo("ab" + Truncate.MARK);
        assertThat(SlackSink.cut(escaped, 7 + Truncate.MARK.length())).isEqualTo("ab&amp;" + Truncate.MARK);
    }

    private static JsonNode slackWithSummaryLength(int length) {
        return SlackSink.payload(notification(List.of(alert().summary("s".repeat(length)).build())));
    }

    @Test
    void slackAtExactly40000CharactersIsNotCutAndOneMoreIs() {
        int probe = 1_000; // > 250: the fallback is capped, so only the attachment text grows with the summary
        int exact = probe + SlackSink.MAX_TEXT_CHARS - slackTextChars(slackWithSummaryLength(probe));
        JsonNode at = slackWithSummaryLength(exact);
        assertThat(slackTextChars(at)).isEqualTo(SlackSink.MAX_TEXT_CHARS);
        assertThat(at.at("/attachments/0/text").asText()).doesNotContain(Truncate.MARK).contains("s".repeat(exact));
        JsonNode past = slackWithSummaryLength(exact + 1);
        assertThat(slackTextChars(past)).isLessThanOrEqualTo(SlackSink.MAX_TEXT_CHARS);
        assertThat(past.at("/attachments/0/text").asText()).endsWith(Truncate.MARK);
    }

    private static Notification webhookProbe(int lastValueLength) {
        Alert.Builder b = alert();
        for (int i = 0; i < 124; i++) {
            b.annotation("a" + i, "x".repeat(8_000));
        }
        return notification(List.of(b.annotation("last", "y".repeat(lastValueLength)).build()));
    }

    @Test
    void webhookAtExactly1000000BytesIsNotCutAndOneMoreByteIs() throws Exception {
        int probe = 4_000;
        int exact = probe + WebhookSink.MAX_BODY_BYTES - WebhookSink.body(webhookProbe(probe)).length;
        assertThat(exact).as("probe lands within one value's cap").isBetween(1, WebhookSink.MAX_VALUE_CHARS);
        byte[] at = WebhookSink.body(webhookProbe(exact));
        assertThat(at.length).isEqualTo(WebhookSink.MAX_BODY_BYTES);
        assertThat(new String(at, StandardCharsets.UTF_8)).doesNotContain(Truncate.MARK);
        byte[] past = WebhookSink.body(webhookProbe(exact + 1));
        assertThat(past.length).isLessThanOrEqualTo(WebhookSink.MAX_BODY_BYTES);
        assertThat(JSON.readTree(past).at("/alerts/0/annotations/a0").asText()).endsWith(Truncate.MARK);
    }

    private static Notification emailProbe(int firstValueLength) {
        List<Alert> alerts = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            alerts.add(alert().label("table_name", "t" + i).annotation("a", "x".repeat(i == 0 ? firstValueLength : 4_950))
                    .annotation("b", "y".repeat(4_900)).build());
        }
        return notification(alerts);
    }

    @Test
    void emailAtExactly1000000CharactersIsNotCutAndOneMoreIs() {
        int probe = 4_950;
        int exact = probe + EmailSink.MAX_BODY_CHARS - EmailSink.body(emailProbe(probe)).length();
        assertThat(exact).as("probe lands within one value's cap").isBetween(1, EmailSink.MAX_VALUE_CHARS);
        String at = EmailSink.body(emailProbe(exact));
        assertThat(at).hasSize(EmailSink.MAX_BODY_CHARS).doesNotContain(Truncate.MARK).endsWith("-- migmon\n");
        String past = EmailSink.body(emailProbe(exact + 1));
        assertThat(past).hasSize(EmailSink.MAX_BODY_CHARS).endsWith(Truncate.MARK);
    }

    @Test
    void webhookBodyStaysWithin1000000BytesAndSaysHowManyAlertsWereLeftOut() throws Exception {
        List<Alert> alerts = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            alerts.add(alert().label("table_name", "t" + i).annotation("dump", "w".repeat(5_000) + EMOJI)
                    .summary("s".repeat(20_000)).build());
        }
        byte[] body = WebhookSink.body(notification(alerts));
        assertThat(body.length).isLessThanOrEqualTo(WebhookSink.MAX_BODY_BYTES);
        JsonNode n = JSON.readTree(body);
        assertThat(n.get("version").asText()).isEqualTo("4");
        assertThat(n.get("truncatedAlerts").asInt() + n.get("alerts").size()).isEqualTo(400);
        assertThat(n.get("truncatedAlerts").asInt()).isPositive();
        assertThat(n.at("/alerts/0/annotations/summary").asText()).hasSize(WebhookSink.MAX_VALUE_CHARS).endsWith(Truncate.MARK);
        assertThat(n.at("/alerts/0/endsAt").asText()).as("firing: Alertmanager's zero time").isEqualTo(Json.ZERO_TIME);

        // one alert of 2 MB: values cut further
        Alert huge = alert().annotation("a", "x".repeat(1_000_000)).annotation("b", "y".repeat(1_000_000)).build();
        assertThat(WebhookSink.body(notification(List.of(huge))).length).isLessThanOrEqualTo(WebhookSink.MAX_BODY_BYTES);
        // a small body is complete
        JsonNode small = JSON.readTree(WebhookSink.body(notification(List.of(alert().build()))));
        assertThat(small.get("truncatedAlerts").asInt()).isZero();
    }

    @Test
    void emailBodyIsBounded() {
        List<Alert> alerts = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            alerts.add(alert().label("table_name", "t" + i).annotation("a", "x".repeat(50_000))
                    .annotation("b", "y".repeat(50_000)).summary(EMOJI.repeat(10_000)).build());
        }
        String body = EmailSink.body(notification(alerts));
        assertThat(body.length()).isLessThanOrEqualTo(EmailSink.MAX_BODY_CHARS);
        assertWellFormed(body);
        List<Alert> small = new ArrayList<>();
        for (int i = 0; i < 120; i++) {
            small.add(alert().label("table_name", "t" + i).build());
        }
        String few = EmailSink.body(notification(small));
        assertThat(few).contains("... and 20 more alert(s) not listed");
    }
}
