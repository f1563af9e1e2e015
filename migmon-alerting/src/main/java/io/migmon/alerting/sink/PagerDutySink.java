package io.migmon.alerting.sink;

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
import io.migmon.core.Severity;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * Sends PagerDuty Events API v2 events: a {@code trigger} per firing alert and a {@code resolve} per resolved one,
 * with {@code dedup_key} = the alert's fingerprint (so repeats update the same incident). Severity maps one to one
 * (critical, error, warning, info). The routing key is a secret: it goes only into the request body.
 * Thread-safe.
 */
public final class PagerDutySink implements AlertSink {

    /** The public Events API v2 endpoint. */
    public static final String DEFAULT_URL = "https://events.pagerduty.com/v2/enqueue";

    private final String name;
    private final URI url;
    private final String routingKey;
    private final String source;
    private final HttpDelivery http;

    private PagerDutySink(Builder b) {
        this.name = b.name;
        this.url = b.url;
        this.routingKey = b.routingKey;
        this.source = b.source;
        this.http = new HttpDelivery(name, b.timeout, Redactor.of(routingKey));
    }

    /** A builder with the integration's routing key (a secret). */
    public static Builder builder(String routingKey) {
        return new Builder(routingKey);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void send(Notification n) throws DeliveryException {
        for (Alert a : n.alerts()) {
            http.post(url, "application/json", Json.bytes(event(a)), Map.of());
        }
    }

    /** PagerDuty's limit on one event, in bytes (the API rejects larger events for good). */
    static final int MAX_EVENT_BYTES = 512_000;
    /** PagerDuty's limit on {@code payload.summary}, in characters. */
    static final int MAX_SUMMARY_CHARS = 1024;
    /** Cap of {@code source}, {@code class} and {@code component}. */
    static final int MAX_FIELD_CHARS = 255;
    /** Marks an event whose custom_details were cut to fit {@link #MAX_EVENT_BYTES}. */
    static final String TRUNCATED_KEY = "migmon_truncated";

    ObjectNode event(Alert a) {
        ObjectNode e = Json.object();
        e.put("routing_key", routingKey);
        e.put("event_action", a.resolved() ? "resolve" : "trigger");
        e.put("dedup_key", a.fingerprint());
        if (!a.resolved()) {
            ObjectNode p = e.putObject("payload");
            // PagerDuty rejects a blank summary or source: fall back to the alert name / the configured source
            String summary = a.summary() == null || a.summary().isBlank() ? a.name() : a.summary();
            p.put("summary", Truncate.chars(summary, MAX_SUMMARY_CHARS));
            String migration = a.labels().get("migration_id");
            p.put("source", Truncate.chars(migration == null || migration.isBlank() ? source : migration, MAX_FIELD_CHARS));
            p.put("severity", severity(a.severity()));
            if (a.startsAt() != null) {
                p.put("timestamp", a.startsAt().toString());
            }
            p.put("class", Truncate.chars(a.name(), MAX_FIELD_CHARS));
            p.put("component", source);
            ObjectNode details = p.putObject("custom_details");
            a.identityLabels().forEach(details::put);
            a.annotations().forEach(details::put);
            fit(e, details);
        }
        return e;
    }

    /**
     * Cuts the longest custom_details values (code-point safe, marked) until the event fits
     * {@link #MAX_EVENT_BYTES}, as Alertmanager's PagerDuty notifier does; adds {@value #TRUNCATED_KEY} saying so.
     * If the keys alone do not fit, custom_details is replaced by that note.
     */
    static void fit(ObjectNode event, ObjectNode details) {
        int size = Json.bytes(event).length;
        if (size <= MAX_EVENT_BYTES) {
            return;
        }
        details.put(TRUNCATED_KEY, "custom_details were cut to fit PagerDuty's " + MAX_EVENT_BYTES + "-byte event limit");
        for (int round = 0; round < 1000 && (size = Json.bytes(event).length) > MAX_EVENT_BYTES; round++) {
            String longest = null;
            int longestBytes = -1;
            for (var it = details.fields(); it.hasNext(); ) {
                var f = it.next();
                if (!f.getKey().equals(TRUNCATED_KEY)) {
                    int b = Json.bytes(f.getValue()).length; // serialised size (escapes count)
                    if (b > longestBytes) {
                        longest = f.getKey();
                        longestBytes = b;
                    }
                }
            }
            if (longest == null || longestBytes <= 64) {
                break;
            }
            String v = details.get(longest).asText();
            // serialised bytes per UTF-8 byte can exceed 1 (escapes): cut by the excess scaled by that ratio
            double ratio = Math.max(1.0, (double) longestBytes / Math.max(1, Truncate.utf8Length(v)));
            int excess = size - MAX_EVENT_BYTES;
            int keep = (int) Math.max(0, Truncate.utf8Length(v) - Math.ceil(excess / ratio) - 64);
            details.put(longest, Truncate.utf8(v, keep));
        }
        if (Json.bytes(event).length > MAX_EVENT_BYTES) {
            details.removeAll();
            details.put(TRUNCATED_KEY, "custom_details removed: they did not fit PagerDuty's " + MAX_EVENT_BYTES
                    + "-byte event limit");
        }
    }

    /** PagerDuty's severity for ours. */
    public static String severity(Severity s) {
        return switch (s) {
            case CRITICAL -> "critical";
            case ERROR -> "error";
            case WARNING -> "warning";
            case INFO -> "info";
        };
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "PagerDutySink[" + name + " -> " + Redactor.url(url) + ", routingKey=" + Redactor.MASK + "]";
    }

    /** Builds a {@link PagerDutySink}; validates eagerly. Not thread-safe. */
    public static final class Builder {
        private final String routingKey;
        private String name = "pagerduty";
        private URI url = URI.create(DEFAULT_URL);
        private String source = "migmon";
        private Duration timeout = Duration.ofSeconds(10);

        private Builder(String routingKey) {
            this.routingKey = Require.notBlank(routingKey, "pagerduty.routingKey");
        }

        /** The sink name (the {@code sink} tag and route target). */
        public Builder name(String name) {
            this.name = Require.matches(name, Sinks.NAME, "sink name");
            return this;
        }

        /** The Events API URL; default {@link #DEFAULT_URL} (tests point it at a local server). */
        public Builder url(String url) {
            this.url = Require.httpUrl(url, "pagerduty.url");
            return this;
        }

        /** {@code payload.source} when the alert has no {@code migration_id}; default {@code migmon}. */
        public Builder source(String source) {
            this.source = Require.notBlank(source, "pagerduty.source");
            return this;
        }

        /** Connect and read timeout; default 10 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Require.positive(timeout, "pagerduty.timeout");
            return this;
        }

        /** Builds the sink. */
        public PagerDutySink build() {
            return new PagerDutySink(this);
        }
    }
}
