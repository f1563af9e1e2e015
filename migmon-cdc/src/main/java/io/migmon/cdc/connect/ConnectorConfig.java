package io.migmon.cdc.connect;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A Kafka Connect connector's configuration: its name and its config map. Immutable. {@link #toString()} masks
 * secrets (any key containing {@code password}, {@code secret}, {@code token}, {@code credential}, {@code jaas},
 * {@code user.info} (Schema Registry {@code basic.auth.user.info}, {@code user:password}) or
 * ending in {@code .key}), and so does every message of {@link KafkaConnectClient}. Whatever the key, the user-info
 * of a URL in any value ({@code https://user:pw@sr:8081}, {@code mongodb://admin:pw@db/}) is shown as
 * {@code [hidden]} too ({@code https://[hidden]@sr:8081}), and {@link #redact(String)} removes it from replies.
 */
public final class ConnectorConfig {

    /** Debezium's PostgreSQL connector class. */
    public static final String DEBEZIUM_POSTGRES = "io.debezium.connector.postgresql.PostgresConnector";
    private static final Pattern SECRET = Pattern.compile("password|secret|token|credential|jaas|user\\.info|userinfo|\\.key$|^key$");
    private static final String HIDDEN = "[hidden]";
    /** {@code scheme://user-info@}: user-info is everything up to the {@code @} before the host, no '/', '?', '#'. */
    private static final Pattern URL_USER_INFO =
            Pattern.compile("([A-Za-z][A-Za-z0-9+.\\-]*://)([^/?#@\\s\"']+)@");

    private final String name;
    private final Map<String, String> config;

    private ConnectorConfig(String name, Map<String, String> config) {
        this.name = name;
        this.config = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(config));
    }

    /** An empty builder for any connector class. */
    public static Builder builder(String name, String connectorClass) {
        return new Builder(name).put("connector.class", connectorClass);
    }

    /**
     * A builder for Debezium's PostgreSQL connector seeded with migmon's defaults: {@code plugin.name=pgoutput}
     * (built into PostgreSQL 10+), {@code heartbeat.interval.ms=10000} (lets the processor tell idle from stalled),
     * {@code publication.autocreate.mode=filtered}, {@code decimal.handling.mode=string} (readable by the JDBC
     * applier), {@code tasks.max=1}, {@code skipped.operations=t} (Debezium's default, made explicit: a source
     * {@code TRUNCATE} is <em>not</em> replicated, because applied to the target it deletes every row there, also rows
     * other source tables mapped into it; put {@code skipped.operations=none} to replicate truncates, see
     * docs/cdc.md). Every seed can be overridden with {@link Builder#put(String, String)}.
     */
    public static Builder debeziumPostgres(String name) {
        return builder(name, DEBEZIUM_POSTGRES)
                .put("tasks.max", "1")
                .put("plugin.name", "pgoutput")
                .put("heartbeat.interval.ms", "10000")
                .put("publication.autocreate.mode", "filtered")
                .put("decimal.handling.mode", "string")
                .put("skipped.operations", "t");
    }

    /** Whether a config key holds a secret. */
    public static boolean isSecret(String key) {
        return key != null && SECRET.matcher(key.toLowerCase(Locale.ROOT)).find();
    }

    /** The connector name. */
    public String name() {
        return name;
    }

    /** {@code connector.class}. */
    public String connectorClass() {
        return config.get("connector.class");
    }

    /** The config map (unmodifiable), secrets included: do not log it. */
    public Map<String, String> asMap() {
        return config;
    }

    /** The config with secret values replaced by {@code [hidden]}, safe to log. */
    public Map<String, String> masked() {
        Map<String, String> m = new LinkedHashMap<>();
        config.forEach((k, v) -> m.put(k, isSecret(k) ? HIDDEN : maskUrlUserInfo(v)));
        return m;
    }

    /**
     * {@code text} with the user-info of every URL in it ({@code scheme://user:password@host}) replaced by
     * {@code [hidden]}: {@code https://[hidden]@host}. {@code null} stays {@code null}.
     */
    public static String maskUrlUserInfo(String text) {
        if (text == null || text.indexOf("://") < 0) {
            return text;
        }
        return URL_USER_INFO.matcher(text).replaceAll("$1" + java.util.regex.Matcher.quoteReplacement(HIDDEN) + "@");
    }

    /**
     * Replaces every secret value of this config that occurs in {@code text} by {@code [hidden]}, as well as the
     * user-info of any URL in {@code text} and the user-info (and its password part) of any URL in this config's
     * values wherever it occurs in {@code text}.
     */
    public String redact(String text) {
        if (text == null) {
            return null;
        }
        String out = text;
        for (Map.Entry<String, String> e : config.entrySet()) {
            String v = e.getValue();
            if (v == null || v.isEmpty()) {
                continue;
            }
            if (isSecret(e.getKey())) {
                out = out.replace(v, HIDDEN);
            }
            if (v.contains("://")) {
                java.util.regex.Matcher m = URL_USER_INFO.matcher(v);
                while (m.find()) {
                    String userInfo = m.group(2);
                    out = out.replace(userInfo + "@", HIDDEN + "@");
                    int colon = userInfo.indexOf(':');
                    if (colon >= 0 && colon < userInfo.length() - 1) {
                        out = out.replace(userInfo.substring(colon + 1), HIDDEN);
                    }
                }
            }
        }
        return maskUrlUserInfo(out);
    }

    @Override
    public String toString() {
        return "ConnectorConfig{" + name + " " + masked() + "}";
    }

    /** Builds a {@link ConnectorConfig}. Not thread-safe. */
    public static final class Builder {
        private final String name;
        private final Map<String, String> config = new LinkedHashMap<>();

        private Builder(String name) {
            this.name = name;
        }

        /** Sets one entry ({@code null} removes it). */
        public Builder put(String key, String value) {
            Objects.requireNonNull(key, "key");
            if (value == null) {
                config.remove(key);
            } else {
                config.put(key, value);
            }
            return this;
        }

        /** Sets all entries. */
        public Builder putAll(Map<String, String> entries) {
            entries.forEach(this::put);
            return this;
        }

        /**
         * Validates and builds.
         *
         * @throws IllegalArgumentException naming the field (name, connector.class)
         */
        public ConnectorConfig build() {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("connector name must not be blank");
            }
            if (name.contains("/")) {
                throw new IllegalArgumentException("connector name must not contain '/': " + name);
            }
            String cls = config.get("connector.class");
            if (cls == null || cls.isBlank()) {
                throw new IllegalArgumentException("connector.class is required");
            }
            return new ConnectorConfig(name, config);
        }
    }
}
