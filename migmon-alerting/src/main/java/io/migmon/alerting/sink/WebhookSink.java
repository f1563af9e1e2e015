package io.migmon.alerting.sink;

import io.migmon.alerting.internal.HttpDelivery;
import io.migmon.alerting.internal.Json;
import io.migmon.alerting.internal.Redactor;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.support.Require;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * POSTs each notification as JSON shaped like Alertmanager's webhook body ({@code status}, {@code groupKey},
 * {@code groupLabels}, {@code commonLabels}, {@code alerts[]} with labels, annotations, startsAt, endsAt,
 * fingerprint). With {@link Builder#hmacSecret(String)} it adds {@code X-Migmon-Timestamp} (epoch seconds) and
 * {@code X-Migmon-Signature: v1=<hex HMAC-SHA256 over "<timestamp>.<body>">}, so a receiver can check origin and
 * reject replays. The URL, the HMAC secret and extra header values are secrets. Thread-safe.
 */
public final class WebhookSink implements AlertSink {

    /** Header with the signing time, epoch seconds. */
    public static final String TIMESTAMP_HEADER = "X-Migmon-Timestamp";
    /** Header with {@code v1=<hex HMAC-SHA256>}. */
    public static final String SIGNATURE_HEADER = "X-Migmon-Signature";

    private final String name;
    private final URI url;
    private final byte[] hmacKey;
    private final Map<String, String> headers;
    private final Clock clock;
    private final HttpDelivery http;

    private WebhookSink(Builder b) {
        this.name = b.name;
        this.url = b.url;
        this.hmacKey = b.hmacSecret == null ? null : b.hmacSecret.getBytes(StandardCharsets.UTF_8);
        this.headers = Map.copyOf(b.headers);
        this.clock = b.clock;
        String[] secrets = new String[headers.size() + 3];
        int i = 0;
        for (String v : headers.values()) {
            secrets[i++] = v;
        }
        secrets[i++] = url.toString();
        secrets[i++] = url.getRawPath();
        secrets[i] = b.hmacSecret;
        this.http = new HttpDelivery(name, b.timeout, Redactor.of(secrets));
    }

    /** A builder for the receiver's URL (treated as a secret). */
    public static Builder builder(String url) {
        return new Builder(url);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void send(Notification n) throws DeliveryException {
        byte[] body = body(n);
        Map<String, String> h = new LinkedHashMap<>(headers);
        if (hmacKey != null) {
            String ts = Long.toString(clock.instant().getEpochSecond());
            h.put(TIMESTAMP_HEADER, ts);
            h.put(SIGNATURE_HEADER, "v1=" + sign(hmacKey, ts, body));
        }
        http.post(url, "application/json", body, h);
    }

    /** Upper bound of a request body, in bytes. */
    static final int MAX_BODY_BYTES = 1_000_000;
    /** Label and annotation values and summaries are cut to this many characters (marked). */
    static final int MAX_VALUE_CHARS = 8_192;

    /**
     * The body: values cut to {@link #MAX_VALUE_CHARS}; while over {@link #MAX_BODY_BYTES}, the alerts list is halved
     * ({@code truncatedAlerts} says how many were left out, as Alertmanager's {@code max_alerts}), then values are cut
     * shorter (1,024, 128 characters).
     */
    static byte[] body(Notification n) {
        int alerts = n.alerts().size();
        int valueChars = MAX_VALUE_CHARS;
        byte[] body = Json.bytes(Json.notification(n, valueChars, alerts));
        while (body.length > MAX_BODY_BYTES) {
            if (alerts > 1) {
                alerts = Math.max(1, alerts / 2);
            } else if (valueChars > 128) {
                valueChars = valueChars > 1024 ? 1024 : 128;
            } else {
                break; // keys alone exceed the bound: send and let the receiver decide
            }
            body = Json.bytes(Json.notification(n, valueChars, alerts));
        }
        return body;
    }

    /** The hex HMAC-SHA256 of {@code timestamp + "." + body} (what a receiver recomputes). */
    public static String sign(byte[] key, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(timestamp.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '.');
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    @Override
    public void close() {
        http.close();
    }

    @Override
    public String toString() {
        return "WebhookSink[" + name + " -> " + Redactor.url(url) + (hmacKey != null ? ", signed" : "") + "]";
    }

    /** Builds a {@link WebhookSink}; validates eagerly. Not thread-safe. */
    public static final class Builder {
        private final URI url;
        private String name = "webhook";
        private String hmacSecret;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Duration timeout = Duration.ofSeconds(10);
        private Clock clock = Clock.systemUTC();

        private Builder(String url) {
            URI u = Require.httpUrl(url, "webhook.url");
            if (u.getRawUserInfo() != null) {
                // the JDK HttpClient ignores user info silently: send it as Basic auth, keep it out of the URI
                if (!u.getUserInfo().contains(":")) {
                    throw new IllegalArgumentException("webhook.url user info must be user:password (value not "
                            + "shown: it may be secret)");
                }
                headers.put("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                        u.getUserInfo().getBytes(StandardCharsets.UTF_8)));
                try {
                    u = new URI(u.getScheme(), null, u.getHost(), u.getPort(), u.getPath(), u.getQuery(), u.getFragment());
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalArgumentException("webhook.url is not a valid URL (value not shown: it may be secret)");
                }
            }
            this.url = u;
        }

        /** The sink name (the {@code sink} tag and route target). */
        public Builder name(String name) {
            this.name = Require.matches(name, Sinks.NAME, "sink name");
            return this;
        }

        /** Sign requests with HMAC-SHA256 using this secret (at least 16 characters). */
        public Builder hmacSecret(String secret) {
            if (secret == null || secret.length() < 16) {
                throw new IllegalArgumentException("webhook.hmacSecret must have at least 16 characters");
            }
            this.hmacSecret = secret;
            return this;
        }

        /** An extra request header, e.g. {@code Authorization}; its value is treated as a secret. */
        public Builder header(String name, String value) {
            Require.notBlank(name, "webhook.header name");
            if (value == null || value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("webhook.header '" + name + "' value must be non-null without CR/LF");
            }
            headers.put(name, value);
            return this;
        }

        /** Connect and read timeout; default 10 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Require.positive(timeout, "webhook.timeout");
            return this;
        }

        /** Clock for the signature timestamp. */
        public Builder clock(Clock clock) {
            this.clock = java.util.Objects.requireNonNull(clock, "webhook.clock");
            return this;
        }

        /** Builds the sink. */
        public WebhookSink build() {
            return new WebhookSink(this);
        }
    }
}
