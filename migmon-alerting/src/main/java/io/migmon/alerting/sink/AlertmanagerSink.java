package io.migmon.alerting.sink;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.migmon.alerting.Alert;
import io.migmon.alerting.internal.HttpDelivery;
import io.migmon.alerting.internal.Json;
import io.migmon.alerting.internal.Redactor;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.support.Require;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Forwards alerts to a Prometheus Alertmanager ({@code POST <base>/api/v2/alerts}) for users who already run one or
 * need HA across instances: Alertmanager then does its own grouping, silencing and notification. Each alert is sent
 * with its identity labels (alertname, severity, labels), annotations plus {@code summary}, {@code startsAt} and,
 * when resolved, {@code endsAt}. Firing alerts carry no end, so Alertmanager resolves them after its
 * {@code resolve_timeout} unless re-sent: give this sink's route a {@code repeatInterval} below it (e.g. 1 min).
 * For an Alertmanager cluster (HA) give every instance's URL: each alert goes to all of them (they deduplicate
 * through gossip), and delivery counts as successful when at least one instance accepted it, as Prometheus does.
 * User info in a base URL ({@code http://user:password@am:9093}) is sent as {@code Authorization: Basic} and never
 * put in the request URI (the JDK HttpClient would silently drop it, and logs request URIs at DEBUG); a bearer token
 * goes in {@code Authorization: Bearer}. Both are secrets. Thread-safe.
 */
public final class AlertmanagerSink implements AlertSink {

    private final String name;
    private final List<URI> alertsUris;
    private final Map<String, String> headers;
    private final String generatorUrl;
    private final HttpDelivery http;

    private AlertmanagerSink(Builder b) {
        this.name = b.name;
        List<URI> uris = new ArrayList<>();
        List<String> secrets = new ArrayList<>();
        secrets.add(b.bearerToken);
        String userInfo = null;
        for (URI base : b.baseUrls) {
            // user info moves to an Authorization: Basic header; the request URI carries no credentials (the JDK
            // HttpClient logs request URIs at DEBUG)
            if (base.getRawUserInfo() != null) {
                userInfo = base.getUserInfo();
                secrets.add(base.getRawUserInfo());
                secrets.add(base.getUserInfo());
            }
            String path = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
            uris.add(URI.create(base.getScheme() + "://" + hostPort(base) + path + "/api/v2/alerts"));
        }
        this.alertsUris = List.copyOf(uris);
        if (b.bearerToken != null) {
            this.headers = Map.of("Authorization", "Bearer " + b.bearerToken);
        } else if (userInfo != null) {
            String basic = java.util.Base64.getEncoder().encodeToString(userInfo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            secrets.add(basic);
            this.headers = Map.of("Authorization", "Basic " + basic);
        } else {
            this.headers = Map.of();
        }
        this.generatorUrl = b.generatorUrl;
        this.http = new HttpDelivery(name, b.timeout, Redactor.of(secrets.toArray(String[]::new)));
    }

    private static String hostPort(URI u) {
        String host = u.getHost().contains(":") && !u.getHost().startsWith("[") ? "[" + u.getHost() + "]" : u.getHost();
        return u.getPort() < 0 ? host : host + ":" + u.getPort();
    }

    /**
     * A builder for Alertmanager's base URL, e.g. {@code http://alertmanager:9093}, or the base URLs of every
     * instance of a cluster.
     */
    public static Builder builder(String... baseUrls) {
        return new Builder(baseUrls);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void send(Notification n) throws DeliveryException {
        ArrayNode arr = Json.MAPPER.createArrayNode();
        for (Alert a : n.alerts()) {
            ObjectNode o = arr.addObject();
            o.set("labels", Json.map(a.identityLabels()));
            ObjectNode ann = Json.map(a.annotations());
            ann.put("summary", a.summary());
            o.set("annotations", ann);
            if (a.startsAt() != null) {
                o.put("startsAt", a.startsAt().toString());
            }
            if (a.endsAt() != null) {
                o.put("endsAt", a.endsAt().toString());
            }
            if (generatorUrl != null) {
                o.put("generatorURL", generatorUrl);
            }
        }
        byte[] body = Json.bytes(arr);
        DeliveryException last = null;
        boolean retryable = false;
        int ok = 0;
        for (URI uri : alertsUris) {
            try {
                http.post(uri, "application/json", body, headers);
                ok++;
            } catch (DeliveryException e) {
                last = e;
                retryable |= e.retryable();
            }
        }
        if (ok == 0 && last != null) {
            throw alertsUris.size() == 1 || !retryable ? last
                    : DeliveryException.retryable(name + ": no Alertmanager instance accepted the alerts; last: " + last.getMessage());
        }
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "AlertmanagerSink[" + name + " -> " + alertsUris.stream().map(Redactor::url).toList() + "]";
    }

    /** Builds an {@link AlertmanagerSink}; validates eagerly. Not thread-safe. */
    public static final class Builder {
        private final List<URI> baseUrls = new ArrayList<>();
        private String name = "alertmanager";
        private String bearerToken;
        private final String userInfo;
        private String generatorUrl;
        private Duration timeout = Duration.ofSeconds(10);

        private Builder(String... baseUrls) {
            if (baseUrls == null || baseUrls.length == 0) {
                throw new IllegalArgumentException("alertmanager.baseUrl must name at least one URL");
            }
            String userInfo = null;
            for (String u : baseUrls) {
                URI uri = Require.httpUrl(u, "alertmanager.baseUrl");
                if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
                    throw new IllegalArgumentException("alertmanager.baseUrl must have no query or fragment (value "
                            + "not shown: it may be secret)");
                }
                if (uri.getRawUserInfo() != null) {
                    if (!uri.getUserInfo().contains(":")) {
                        throw new IllegalArgumentException("alertmanager.baseUrl user info must be user:password "
                                + "(value not shown: it may be secret)");
                    }
                    if (userInfo != null && !userInfo.equals(uri.getUserInfo())) {
                        throw new IllegalArgumentException("alertmanager.baseUrl: every instance must use the same "
                                + "user info, sent as one Authorization: Basic header (values not shown)");
                    }
                    userInfo = uri.getUserInfo();
                }
                this.baseUrls.add(uri);
            }
            this.userInfo = userInfo;
        }

        /** The sink name (the {@code sink} tag and route target). */
        public Builder name(String name) {
            this.name = Require.matches(name, Sinks.NAME, "sink name");
            return this;
        }

        /**
         * Sends {@code Authorization: Bearer <token>} (for a proxy in front of Alertmanager). Cannot be combined with
         * user info in the URL (which is sent as {@code Authorization: Basic}).
         */
        public Builder bearerToken(String token) {
            if (userInfo != null) {
                throw new IllegalArgumentException("alertmanager.bearerToken cannot be combined with user info in "
                        + "alertmanager.baseUrl (sent as Authorization: Basic)");
            }
            this.bearerToken = Require.notBlank(token, "alertmanager.bearerToken");
            return this;
        }

        /** A link back to the source (a dashboard), sent as {@code generatorURL}. */
        public Builder generatorUrl(String url) {
            this.generatorUrl = Require.httpUrl(url, "alertmanager.generatorUrl").toString();
            return this;
        }

        /** Connect and read timeout; default 10 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Require.positive(timeout, "alertmanager.timeout");
            return this;
        }

        /** Builds the sink. */
        public AlertmanagerSink build() {
            return new AlertmanagerSink(this);
        }
    }
}
