package io.migmon.alerting.sink;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.migmon.alerting.Alert;
import io.migmon.alerting.internal.HttpDelivery;
import io.migmon.alerting.internal.Json;
import io.migmon.alerting.internal.Redactor;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.alerting.spi.Notification;
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

    ObjectNode event(Alert a) {
        ObjectNode e = Json.object();
        e.put("routing_key", routingKey);
        e.put("event_action", a.resolved() ? "resolve" : "trigger");
        e.put("dedup_key", a.fingerprint());
        if (!a.resolved()) {
            ObjectNode p = e.putObject("payload");
            String summary = a.summary();
            p.put("summary", summary.length() > 1024 ? summary.substring(0, 1021) + "..." : summary);
            p.put("source", a.labels().getOrDefault("migration_id", source));
            p.put("severity", severity(a.severity()));
            if (a.startsAt() != null) {
                p.put("timestamp", a.startsAt().toString());
            }
            p.put("class", a.name());
            p.put("component", source);
            ObjectNode details = p.putObject("custom_details");
            a.identityLabels().forEach(details::put);
            a.annotations().forEach(details::put);
        }
        return e;
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
            this.routingKey = Sinks.required("pagerduty.routingKey", routingKey);
        }

        /** The sink name (the {@code sink} tag and route target). */
        public Builder name(String name) {
            this.name = Sinks.name(name);
            return this;
        }

        /** The Events API URL; default {@link #DEFAULT_URL} (tests point it at a local server). */
        public Builder url(String url) {
            this.url = Sinks.httpUri("pagerduty.url", url);
            return this;
        }

        /** {@code payload.source} when the alert has no {@code migration_id}; default {@code migmon}. */
        public Builder source(String source) {
            this.source = Sinks.required("pagerduty.source", source);
            return this;
        }

        /** Connect and read timeout; default 10 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Sinks.positive("pagerduty.timeout", timeout);
            return this;
        }

        /** Builds the sink. */
        public PagerDutySink build() {
            return new PagerDutySink(this);
        }
    }
}
