package io.migmon.alerting.sink;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.migmon.alerting.Alert;
import io.migmon.alerting.internal.HttpDelivery;
import io.migmon.alerting.internal.Json;
import io.migmon.alerting.internal.Redactor;
import io.migmon.alerting.internal.Truncate;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.support.Require;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Posts to a Slack incoming webhook: one attachment per alert, coloured by severity (critical {@code #d00000},
 * error {@code #e8590c}, warning {@code #f2c744}, info {@code #439fe0}, resolved {@code #2eb886}). Every piece of
 * alert text is escaped for mrkdwn ({@code & < >} become entities, and a zero-width space follows each {@code @}),
 * so a table or migration name cannot ping {@code @channel} or inject links. The webhook URL is a secret: it never
 * appears in {@code toString()}, logs or errors. Thread-safe.
 */
public final class SlackSink implements AlertSink {

    /** Slack accepts at most 100 attachments; larger groups show the first 50 and say how many there are. */
    static final int MAX_ATTACHMENTS = 50;

    private final String name;
    private final URI webhook;
    private final HttpDelivery http;

    private SlackSink(Builder b) {
        this.name = b.name;
        this.webhook = b.webhook;
        this.http = new HttpDelivery(name, b.timeout, Redactor.of(webhook.toString(), webhook.getRawPath()));
    }

    /** A builder for the webhook URL (a secret). */
    public static Builder builder(String webhookUrl) {
        return new Builder(webhookUrl);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void send(Notification n) throws DeliveryException {
        http.post(webhook, "application/json", Json.bytes(payload(n)), Map.of());
    }

    /** Slack truncates a message's text beyond 40,000 characters; the sink keeps all text fields within it. */
    static final int MAX_TEXT_CHARS = 40_000;
    /** Cap of an attachment's title and fallback. */
    static final int MAX_TITLE_CHARS = 250;

    /**
     * The JSON body for a notification (package-visible for tests). The characters of every text field together
     * (message text, attachments' titles, fallbacks and texts) stay within {@link #MAX_TEXT_CHARS}: each attachment
     * gets an equal share and a longer text is cut on a code-point boundary (never inside an entity) and marked.
     */
    static ObjectNode payload(Notification n) {
        ObjectNode root = Json.object();
        List<Alert> alerts = n.alerts();
        String top = escape(n.title());
        if (alerts.size() > MAX_ATTACHMENTS) {
            top = top + " (first " + MAX_ATTACHMENTS + " of " + alerts.size() + " shown)";
            alerts = alerts.subList(0, MAX_ATTACHMENTS);
        }
        top = cut(top, MAX_TITLE_CHARS * 2);
        root.put("text", top);
        ArrayNode atts = root.putArray("attachments");
        int share = (MAX_TEXT_CHARS - top.length()) / Math.max(1, alerts.size());
        for (Alert a : alerts) {
            ObjectNode att = atts.addObject();
            att.put("color", color(a));
            String fallback = cut(escape((a.resolved() ? "[RESOLVED] " : "[" + a.severity().tagValue().toUpperCase(java.util.Locale.ROOT) + "] ") + a.summary()), MAX_TITLE_CHARS);
            String title = cut(escape((a.resolved() ? "Resolved: " : "") + a.name() + " (" + a.severity().tagValue() + ")"), MAX_TITLE_CHARS);
            att.put("fallback", fallback);
            att.put("title", title);
            StringBuilder text = new StringBuilder(escape(a.summary()));
            a.labels().forEach((k, v) -> text.append('\n').append(escape(k)).append(": ").append(escape(v)));
            a.annotations().forEach((k, v) -> text.append('\n').append(escape(k)).append(": ").append(escape(v)));
            att.put("text", cut(text.toString(), Math.max(0, share - fallback.length() - title.length())));
            att.putArray("mrkdwn_in").add("text");
            att.put("footer", "migmon");
            if (a.startsAt() != null) {
                att.put("ts", a.startsAt().getEpochSecond());
            }
        }
        return root;
    }

    /** Cuts escaped text to {@code max} chars on a code-point boundary, never inside an {@code &...;} entity. */
    static String cut(String escaped, int max) {
        if (escaped.length() <= max) {
            return escaped;
        }
        String kept = Truncate.prefix(escaped, Math.max(0, max - Truncate.MARK.length()));
        int amp = kept.lastIndexOf('&');
        if (amp >= 0 && kept.indexOf(';', amp) < 0) {
            kept = kept.substring(0, amp);
        }
        return kept + Truncate.MARK;
    }

    /** The attachment colour for an alert. */
    static String color(Alert a) {
        if (a.resolved()) {
            return "#2eb886";
        }
        return switch (a.severity()) {
            case CRITICAL -> "#d00000";
            case ERROR -> "#e8590c";
            case WARNING -> "#f2c744";
            case INFO -> "#439fe0";
        };
    }

    /**
     * Escapes text for Slack mrkdwn: {@code &}, {@code <}, {@code >} as HTML entities (so {@code <!channel>} and
     * {@code <@U123>} are inert) and a zero-width space after every {@code @} (so {@code @channel}, {@code @here},
     * {@code @everyone} cannot ping even with link_names).
     */
    public static String escape(String s) {
        if (s == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '@' -> b.append("@\u200B");
                default -> b.append(c);
            }
        }
        return b.toString();
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "SlackSink[" + name + " -> " + Redactor.url(webhook) + "]";
    }

    /** Builds a {@link SlackSink}; validates eagerly. Not thread-safe. */
    public static final class Builder {
        private final URI webhook;
        private String name = "slack";
        private Duration timeout = Duration.ofSeconds(10);

        private Builder(String webhookUrl) {
            this.webhook = Require.httpUrl(webhookUrl, "slack.webhookUrl");
        }

        /** The sink name (the {@code sink} tag); default {@code slack}. */
        public Builder name(String name) {
            this.name = Require.matches(name, Sinks.NAME, "sink name");
            return this;
        }

        /** Connect and request timeout; default 10 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Require.positive(timeout, "slack.timeout");
            return this;
        }

        /** Builds the sink. */
        public SlackSink build() {
            return new SlackSink(this);
        }
    }

}
