package io.migmon.spring.boot;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code migmon.*} configuration properties. Secrets (webhook URLs, routing keys, passwords, HMAC secrets, tokens,
 * Kafka credentials) are masked in {@code /actuator/env} and {@code /actuator/configprops} by the starter's
 * {@code SanitizingFunction}, and never logged.
 */
@ConfigurationProperties(prefix = "migmon", ignoreUnknownFields = false)
public class MigmonProperties implements org.springframework.beans.factory.InitializingBean {

    /**
     * Whether migmon's auto-configuration is active (it also needs a MeterRegistry bean, e.g. from Actuator).
     */
    private boolean enabled = true;

    private final Metrics metrics = new Metrics();
    private final Flyway flyway = new Flyway();
    private final Liquibase liquibase = new Liquibase();
    private final Health health = new Health();
    private final Anomaly anomaly = new Anomaly();
    private final Alerting alerting = new Alerting();
    private final Cdc cdc = new Cdc();
    private final Grafana grafana = new Grafana();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Metrics getMetrics() {
        return metrics;
    }

    public Flyway getFlyway() {
        return flyway;
    }

    public Liquibase getLiquibase() {
        return liquibase;
    }

    public Health getHealth() {
        return health;
    }

    public Anomaly getAnomaly() {
        return anomaly;
    }

    public Alerting getAlerting() {
        return alerting;
    }

    public Cdc getCdc() {
        return cdc;
    }

    public Grafana getGrafana() {
        return grafana;
    }

    // ---- validation at binding: Boot reports the failure under the property's key, and so does the message ----

    static Duration positive(Duration d, String key) {
        if (d != null && (d.isNegative() || d.isZero())) {
            throw new IllegalArgumentException(key + " must be a positive duration, was " + d);
        }
        return d;
    }

    static Duration nonNegative(Duration d, String key) {
        if (d != null && d.isNegative()) {
            throw new IllegalArgumentException(key + " must not be negative, was " + d);
        }
        return d;
    }

    static int atLeastOne(int v, String key) {
        if (v < 1) {
            throw new IllegalArgumentException(key + " must be at least 1, was " + v);
        }
        return v;
    }

    static int nonNegativeInt(int v, String key) {
        if (v < 0) {
            throw new IllegalArgumentException(key + " must not be negative, was " + v);
        }
        return v;
    }

    static long nonNegativeLong(long v, String key) {
        if (v < 0) {
            throw new IllegalArgumentException(key + " must not be negative, was " + v);
        }
        return v;
    }

    static double fraction(double v, String key) {
        if (!(v >= 0 && v <= 1)) {
            throw new IllegalArgumentException(key + " must be between 0 and 1, was " + v);
        }
        return v;
    }

    /**
     * Checks that need more than one property (called by Spring after binding): {@code migmon.health.data-lag-limit}
     * not below {@code data-lag-warning}, {@code error-rate-limit} not below {@code error-rate-warning}.
     *
     * @throws IllegalArgumentException naming the property
     */
    @Override
    public void afterPropertiesSet() {
        Health h = health;
        if (h.getDataLagWarning() != null && h.getDataLagLimit() != null && h.getDataLagLimit().compareTo(h.getDataLagWarning()) < 0) {
            throw new IllegalArgumentException("migmon.health.data-lag-limit (" + h.getDataLagLimit()
                    + ") must not be below migmon.health.data-lag-warning (" + h.getDataLagWarning() + ")");
        }
        if (h.getErrorRateLimit() < h.getErrorRateWarning()) {
            throw new IllegalArgumentException("migmon.health.error-rate-limit (" + h.getErrorRateLimit()
                    + ") must not be below migmon.health.error-rate-warning (" + h.getErrorRateWarning() + ")");
        }
        String url = grafana.getUrl();
        if (url != null && !url.isBlank() && !absoluteHttpUrl(url)) {
            // the value is not shown: a URL may carry credentials (https://admin:password@grafana)
            throw new IllegalArgumentException("migmon.grafana.url must be an absolute http or https URL such as"
                    + " https://grafana.example.com (value not shown: it may hold credentials)");
        }
        if (grafana.getFolder() == null || !grafana.getFolder().matches("[A-Za-z0-9_-]{1,40}")) {
            throw new IllegalArgumentException("migmon.grafana.folder must be a Grafana folder uid: 1 to 40 letters, digits, '-'"
                    + " or '_', was '" + grafana.getFolder() + "'");
        }
        Alerting.Email e = alerting.getEmail();
        if (e.getPassword() != null && !e.getPassword().isEmpty() && (e.getUsername() == null || e.getUsername().isBlank())) {
            throw new IllegalArgumentException("migmon.alerting.email.password is set but migmon.alerting.email.username is"
                    + " not (both are needed for SMTP AUTH; the password would be ignored)");
        }
        requires(set(e.getHost()) || e.getTo().isEmpty(), "migmon.alerting.email.host", "migmon.alerting.email.to");
        requires(!set(e.getHost()) || !e.getTo().isEmpty(), "migmon.alerting.email.to", "migmon.alerting.email.host");
        requires(set(alerting.getWebhook().getUrl()) || alerting.getWebhook().getHmacSecret() == null
                || alerting.getWebhook().getHmacSecret().isEmpty(), "migmon.alerting.webhook.url", "migmon.alerting.webhook.hmac-secret");
        requires(!alerting.getAlertmanager().getUrls().isEmpty() || !set(alerting.getAlertmanager().getBearerToken()),
                "migmon.alerting.alertmanager.urls", "migmon.alerting.alertmanager.bearer-token");
        requires(set(alerting.getPagerduty().getRoutingKey()) || !set(alerting.getPagerduty().getUrl()),
                "migmon.alerting.pagerduty.routing-key", "migmon.alerting.pagerduty.url");
        for (int i = 0; i < alerting.getRoutes().size(); i++) {
            alerting.getRoutes().get(i).validate("migmon.alerting.routes[" + i + "]");
        }
        alerting.getDefaultRoute().validate("migmon.alerting.default-route");
    }

    private static boolean set(String s) {
        return s != null && !s.isBlank();
    }

    /** {@code ok}, else "{@code missing} must be set when {@code given} is set" (without either value). */
    private static void requires(boolean ok, String missing, String given) {
        if (!ok) {
            throw new IllegalArgumentException(missing + " must be set when " + given + " is set");
        }
    }

    /** An absolute http(s) URL with a host. */
    static boolean absoluteHttpUrl(String value) {
        try {
            java.net.URI u = new java.net.URI(value.trim());
            return u.isAbsolute() && ("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))
                    && u.getHost() != null && !u.getHost().isBlank();
        } catch (java.net.URISyntaxException ex) {
            return false;
        }
    }

    /** One of an enum's constant names (case-insensitive, trimmed), else a message naming the key and the choices. */
    static String oneOf(String value, Class<? extends Enum<?>> type, String key) {
        if (value == null) {
            return null;
        }
        for (Enum<?> c : type.getEnumConstants()) {
            if (c.name().equalsIgnoreCase(value.trim())) {
                return value;
            }
        }
        throw new IllegalArgumentException(key + " must be one of " + java.util.Arrays.toString(type.getEnumConstants())
                + ", was '" + value + "'");
    }

    /** How migmon names and guards its meters in the application's MeterRegistry. */
    public static class Metrics {
        /** Lowercase dot-separated prefix for every migmon meter (e.g. "myapp"); empty for the catalog's names. */
        private String prefix = "";
        /** Distinct values per capped tag key (migration_id, table_name, ...) before overflow becomes "other". */
        private int maxTagValues = 100;

        public String getPrefix() {
            return prefix;
        }

        public void setPrefix(String prefix) {
            this.prefix = prefix;
        }

        public int getMaxTagValues() {
            return maxTagValues;
        }

        public void setMaxTagValues(int maxTagValues) {
            this.maxTagValues = atLeastOne(maxTagValues, "migmon.metrics.max-tag-values");
        }
    }

    /** Observation of Boot's auto-configured Flyway (needs Flyway 11.13 or newer). */
    public static class Flyway {
        /** Whether to register migmon's Flyway callback. */
        private boolean enabled = true;
        /** Migration id of each migrate run (versions become "<id>:<version>"). */
        private String migrationId = "flyway";
        /** Whether each applied version is recorded as its own run. */
        private boolean perVersion = true;
        /** Versions that keep their meters (least recently used are removed). */
        private int maxTrackedVersions = 20;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getMigrationId() {
            return migrationId;
        }

        public void setMigrationId(String migrationId) {
            this.migrationId = migrationId;
        }

        public boolean isPerVersion() {
            return perVersion;
        }

        public void setPerVersion(boolean perVersion) {
            this.perVersion = perVersion;
        }

        public int getMaxTrackedVersions() {
            return maxTrackedVersions;
        }

        public void setMaxTrackedVersions(int maxTrackedVersions) {
            this.maxTrackedVersions = atLeastOne(maxTrackedVersions, "migmon.flyway.max-tracked-versions");
        }
    }

    /** Observation of Boot's auto-configured Liquibase (needs Liquibase 4.33 or newer). */
    public static class Liquibase {
        /** Whether to attach migmon's change-exec listener to Boot's SpringLiquibase. */
        private boolean enabled = true;
        /** Migration id prefix of changeset runs ("<id>:<changeset id>"). */
        private String migrationId = "liquibase";
        /** Changesets that keep their meters (least recently used are removed). */
        private int maxTrackedChangeSets = 20;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getMigrationId() {
            return migrationId;
        }

        public void setMigrationId(String migrationId) {
            this.migrationId = migrationId;
        }

        public int getMaxTrackedChangeSets() {
            return maxTrackedChangeSets;
        }

        public void setMaxTrackedChangeSets(int maxTrackedChangeSets) {
            this.maxTrackedChangeSets = atLeastOne(maxTrackedChangeSets, "migmon.liquibase.max-tracked-change-sets");
        }
    }

    /** Health of migrations (Actuator contributor "migmon") and the watcher thread that samples and alerts. */
    public static class Health {
        /** How often the starter's watcher thread samples running migrations and evaluates health for alerts. */
        private Duration evaluationInterval = Duration.ofSeconds(10);
        /** Data lag above which a running migration is DEGRADED; unset for no check. */
        private Duration dataLagWarning;
        /** Data lag above which a running migration is DOWN; unset for no check. */
        private Duration dataLagLimit;
        /** A running migration recording no rows for this long is DOWN; unset for no check. */
        private Duration stalledAfter;
        /**
         * Longest time one health check may take in /actuator/health and in the watcher; a slower check is DOWN
         * ("timed out") and is not started again while the slow evaluation is still running.
         */
        private Duration checkTimeout = Duration.ofSeconds(2);
        /** Error rate (fraction) above which a running migration is DEGRADED. */
        private double errorRateWarning = 0.001;
        /** Error rate (fraction) above which a running migration is DOWN. */
        private double errorRateLimit = 0.01;
        /** Rows + errors needed before the error rate is judged. */
        private long errorRateMinSamples = 100;

        public Duration getEvaluationInterval() {
            return evaluationInterval;
        }

        public void setEvaluationInterval(Duration evaluationInterval) {
            this.evaluationInterval = positive(evaluationInterval, "migmon.health.evaluation-interval");
        }

        public Duration getDataLagWarning() {
            return dataLagWarning;
        }

        public void setDataLagWarning(Duration dataLagWarning) {
            this.dataLagWarning = positive(dataLagWarning, "migmon.health.data-lag-warning");
        }

        public Duration getDataLagLimit() {
            return dataLagLimit;
        }

        public void setDataLagLimit(Duration dataLagLimit) {
            this.dataLagLimit = positive(dataLagLimit, "migmon.health.data-lag-limit");
        }

        public Duration getStalledAfter() {
            return stalledAfter;
        }

        public Duration getCheckTimeout() {
            return checkTimeout;
        }

        public void setCheckTimeout(Duration checkTimeout) {
            this.checkTimeout = positive(checkTimeout, "migmon.health.check-timeout");
        }

        public void setStalledAfter(Duration stalledAfter) {
            this.stalledAfter = positive(stalledAfter, "migmon.health.stalled-after");
        }

        public double getErrorRateWarning() {
            return errorRateWarning;
        }

        public void setErrorRateWarning(double errorRateWarning) {
            this.errorRateWarning = fraction(errorRateWarning, "migmon.health.error-rate-warning");
        }

        public double getErrorRateLimit() {
            return errorRateLimit;
        }

        public void setErrorRateLimit(double errorRateLimit) {
            this.errorRateLimit = fraction(errorRateLimit, "migmon.health.error-rate-limit");
        }

        public long getErrorRateMinSamples() {
            return errorRateMinSamples;
        }

        public void setErrorRateMinSamples(long errorRateMinSamples) {
            this.errorRateMinSamples = nonNegativeLong(errorRateMinSamples, "migmon.health.error-rate-min-samples");
        }
    }

    /** Anomaly detection on migrations created through {@link MigmonMigrations}. */
    public static class Anomaly {
        /** Whether each migration from the factory gets an AnomalyMonitor with the default detectors. */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }

    /** The embedded AlertDispatcher; created when at least one sink is configured (or an AlertSink bean exists). */
    public static class Alerting {
        /** Whether to create the dispatcher when sinks are configured. */
        private boolean enabled = true;
        /** Consecutive firing evaluations before an alert fires. */
        private int fireAfter = 1;
        /** How long the condition must hold before the alert fires (0 for no hold). */
        private Duration forDuration = Duration.ZERO;
        /** Consecutive clear evaluations before an alert resolves. */
        private int resolveAfter = 1;
        private final Slack slack = new Slack();
        private final PagerDuty pagerduty = new PagerDuty();
        private final Email email = new Email();
        private final Webhook webhook = new Webhook();
        private final Alertmanager alertmanager = new Alertmanager();
        /** Route of alerts no other route matched (and of all alerts when no routes are given): every sink. */
        private final RouteProperties defaultRoute = new RouteProperties();
        /** Routes tried in order; the first match wins unless "continue-matching" is set. */
        private List<RouteProperties> routes = new ArrayList<>();

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public int getFireAfter() {
            return fireAfter;
        }

        public void setFireAfter(int fireAfter) {
            this.fireAfter = atLeastOne(fireAfter, "migmon.alerting.fire-after");
        }

        public Duration getForDuration() {
            return forDuration;
        }

        public void setForDuration(Duration forDuration) {
            this.forDuration = nonNegative(forDuration, "migmon.alerting.for-duration");
        }

        public int getResolveAfter() {
            return resolveAfter;
        }

        public void setResolveAfter(int resolveAfter) {
            this.resolveAfter = atLeastOne(resolveAfter, "migmon.alerting.resolve-after");
        }

        public Slack getSlack() {
            return slack;
        }

        public PagerDuty getPagerduty() {
            return pagerduty;
        }

        public Email getEmail() {
            return email;
        }

        public Webhook getWebhook() {
            return webhook;
        }

        public Alertmanager getAlertmanager() {
            return alertmanager;
        }

        public RouteProperties getDefaultRoute() {
            return defaultRoute;
        }

        public List<RouteProperties> getRoutes() {
            return routes;
        }

        public void setRoutes(List<RouteProperties> routes) {
            this.routes = routes;
        }

        /** Slack incoming webhook (sink name "slack"). */
        public static class Slack {
            /** Incoming-webhook URL (a secret: it is the credential). */
            private String webhookUrl;

            public String getWebhookUrl() {
                return webhookUrl;
            }

            public void setWebhookUrl(String webhookUrl) {
                this.webhookUrl = webhookUrl;
            }
        }

        /** PagerDuty Events API v2 (sink name "pagerduty"). */
        public static class PagerDuty {
            /** Integration routing key (a secret). */
            private String routingKey;
            /** Events API URL; PagerDuty's public endpoint when unset. */
            private String url;

            public String getRoutingKey() {
                return routingKey;
            }

            public void setRoutingKey(String routingKey) {
                this.routingKey = routingKey;
            }

            public String getUrl() {
                return url;
            }

            public void setUrl(String url) {
                this.url = url;
            }
        }

        /** SMTP (sink name "email"). */
        public static class Email {
            /** SMTP host; the sink exists when host and at least one recipient are set. */
            private String host;
            /** SMTP port. */
            private int port = 587;
            /** SMTP user. */
            private String username;
            /** SMTP password (a secret). */
            private String password;
            /** Sender address. */
            private String from;
            /** Recipient addresses. */
            private List<String> to = new ArrayList<>();
            /** Connection security: NONE, STARTTLS_REQUIRED, STARTTLS_OPTIONAL or SMTPS. */
            private String security = "STARTTLS_REQUIRED";

            public String getHost() {
                return host;
            }

            public void setHost(String host) {
                this.host = host;
            }

            public int getPort() {
                return port;
            }

            public void setPort(int port) {
                if (port < 1 || port > 65535) {
                    throw new IllegalArgumentException("migmon.alerting.email.port must be within 1..65535, was " + port);
                }
                this.port = port;
            }

            public String getUsername() {
                return username;
            }

            public void setUsername(String username) {
                this.username = username;
            }

            public String getPassword() {
                return password;
            }

            public void setPassword(String password) {
                this.password = password;
            }

            public String getFrom() {
                return from;
            }

            public void setFrom(String from) {
                this.from = from;
            }

            public List<String> getTo() {
                return to;
            }

            public void setTo(List<String> to) {
                this.to = to;
            }

            public String getSecurity() {
                return security;
            }

            public void setSecurity(String security) {
                this.security = oneOf(security, io.migmon.alerting.sink.EmailSink.Security.class, "migmon.alerting.email.security");
            }
        }

        /** Generic JSON webhook, Alertmanager-shaped body (sink name "webhook"). */
        public static class Webhook {
            /** Receiver URL (a secret: URLs often carry tokens). */
            private String url;
            /** HMAC-SHA256 signing secret (X-Migmon-Signature); unset for unsigned requests. */
            private String hmacSecret;

            public String getUrl() {
                return url;
            }

            public void setUrl(String url) {
                this.url = url;
            }

            public String getHmacSecret() {
                return hmacSecret;
            }

            public void setHmacSecret(String hmacSecret) {
                this.hmacSecret = hmacSecret;
            }
        }

        /** Prometheus Alertmanager API v2 (sink name "alertmanager"). */
        public static class Alertmanager {
            /** Alertmanager base URLs (each replica of an HA pair). */
            private List<String> urls = new ArrayList<>();
            /** Bearer token (a secret). */
            private String bearerToken;

            public List<String> getUrls() {
                return urls;
            }

            public void setUrls(List<String> urls) {
                this.urls = urls;
            }

            public String getBearerToken() {
                return bearerToken;
            }

            public void setBearerToken(String bearerToken) {
                this.bearerToken = bearerToken;
            }
        }
    }

    /** One alert route (Alertmanager semantics). */
    public static class RouteProperties {
        /** Route name (logs, group key). */
        private String name;
        /** Sink names: slack, pagerduty, email, webhook, alertmanager, or an AlertSink bean's name(); empty for all. */
        private List<String> sinks = new ArrayList<>();
        /** Least severity matched: INFO, WARNING, ERROR or CRITICAL; unset for any. */
        private String minSeverity;
        /** Label values that must match exactly. */
        private Map<String, String> labels = new LinkedHashMap<>();
        /** Labels that group alerts into one notification ("..." for one per alert). */
        private List<String> groupBy;
        /** Wait before a new group's first notification. */
        private Duration groupWait = Duration.ofSeconds(30);
        /** Wait before notifying a group about changes. */
        private Duration groupInterval = Duration.ofMinutes(5);
        /** Wait before re-sending an unchanged notification of still-firing alerts. */
        private Duration repeatInterval = Duration.ofHours(4);
        /** Whether sinks hear about resolutions. */
        private boolean sendResolved = true;
        /** Whether later routes are tried after this one matched. */
        private boolean continueMatching;

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public List<String> getSinks() {
            return sinks;
        }

        public void setSinks(List<String> sinks) {
            this.sinks = sinks;
        }

        public String getMinSeverity() {
            return minSeverity;
        }

        public void setMinSeverity(String minSeverity) {
            this.minSeverity = minSeverity;
        }

        public Map<String, String> getLabels() {
            return labels;
        }

        public void setLabels(Map<String, String> labels) {
            this.labels = labels;
        }

        public List<String> getGroupBy() {
            return groupBy;
        }

        public void setGroupBy(List<String> groupBy) {
            this.groupBy = groupBy;
        }

        public Duration getGroupWait() {
            return groupWait;
        }

        public void setGroupWait(Duration groupWait) {
            this.groupWait = groupWait;
        }

        public Duration getGroupInterval() {
            return groupInterval;
        }

        public void setGroupInterval(Duration groupInterval) {
            this.groupInterval = groupInterval;
        }

        public Duration getRepeatInterval() {
            return repeatInterval;
        }

        public void setRepeatInterval(Duration repeatInterval) {
            this.repeatInterval = repeatInterval;
        }

        public boolean isSendResolved() {
            return sendResolved;
        }

        public void setSendResolved(boolean sendResolved) {
            this.sendResolved = sendResolved;
        }

        public boolean isContinueMatching() {
            return continueMatching;
        }

        /** Checks the values that need no other property, naming {@code key}'s sub-keys. */
        void validate(String key) {
            oneOf(minSeverity, io.migmon.core.Severity.class, key + ".min-severity");
            if (groupWait == null || groupWait.isNegative()) {
                throw new IllegalArgumentException(key + ".group-wait must not be negative, was " + groupWait);
            }
            positive(java.util.Objects.requireNonNullElse(groupInterval, Duration.ZERO), key + ".group-interval");
            positive(java.util.Objects.requireNonNullElse(repeatInterval, Duration.ZERO), key + ".repeat-interval");
            if (sinks != null) {
                for (int i = 0; i < sinks.size(); i++) {
                    if (sinks.get(i) == null || sinks.get(i).isBlank()) {
                        throw new IllegalArgumentException(key + ".sinks[" + i + "] must not be blank");
                    }
                }
            }
            if (groupBy != null) {
                for (int i = 0; i < groupBy.size(); i++) {
                    if (groupBy.get(i) == null || groupBy.get(i).isBlank()) {
                        throw new IllegalArgumentException(key + ".group-by[" + i + "] must not be blank");
                    }
                }
            }
        }

        public void setContinueMatching(boolean continueMatching) {
            this.continueMatching = continueMatching;
        }
    }

    /** A CdcEventProcessor run by the starter on a thread it owns (needs migmon-cdc and kafka-clients). */
    public static class Cdc {
        /** Whether to create and run the processor. */
        private boolean enabled;
        /** Processor name (metrics, health component, thread name). */
        private String name = "cdc";
        /** Debezium topics to consume (include the heartbeat topic when heartbeat-interval is set). */
        private List<String> topics = new ArrayList<>();
        /** Kafka consumer properties (bootstrap.servers and group.id are required; credentials are masked). */
        private Map<String, String> consumer = new LinkedHashMap<>();
        /** Kafka producer properties for the dead-letter topic (defaults to the consumer's connection settings). */
        private Map<String, String> producer = new LinkedHashMap<>();
        /** Dead-letter topic for poison events; unset to log and count only. */
        private String deadLetterTopic;
        /** Debezium heartbeat interval; enables stall detection on an idle source. */
        private Duration heartbeatInterval;
        /** How long stop() waits for the poll loop to finish the batch in hand. */
        private Duration closeTimeout = Duration.ofSeconds(30);
        private final Applier applier = new Applier();

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getName() {
            return name;
        }

        public void setName(String name) {
            this.name = name;
        }

        public List<String> getTopics() {
            return topics;
        }

        public void setTopics(List<String> topics) {
            this.topics = topics;
        }

        public Map<String, String> getConsumer() {
            return consumer;
        }

        public void setConsumer(Map<String, String> consumer) {
            this.consumer = consumer;
        }

        public Map<String, String> getProducer() {
            return producer;
        }

        public void setProducer(Map<String, String> producer) {
            this.producer = producer;
        }

        public String getDeadLetterTopic() {
            return deadLetterTopic;
        }

        public void setDeadLetterTopic(String deadLetterTopic) {
            this.deadLetterTopic = deadLetterTopic;
        }

        public Duration getHeartbeatInterval() {
            return heartbeatInterval;
        }

        public void setHeartbeatInterval(Duration heartbeatInterval) {
            this.heartbeatInterval = positive(heartbeatInterval, "migmon.cdc.heartbeat-interval");
        }

        public Duration getCloseTimeout() {
            return closeTimeout;
        }

        public void setCloseTimeout(Duration closeTimeout) {
            this.closeTimeout = positive(closeTimeout, "migmon.cdc.close-timeout");
        }

        public Applier getApplier() {
            return applier;
        }

        /** Optional JDBC applier writing the changes to a DataSource of the application. */
        public static class Applier {
            /** Whether to apply changes through JdbcChangeApplier. */
            private boolean enabled;
            /** Bean name of the target DataSource; the application's only DataSource when unset. */
            private String dataSource;
            /** Target schema; the connection's default when unset. */
            private String targetSchema;

            public boolean isEnabled() {
                return enabled;
            }

            public void setEnabled(boolean enabled) {
                this.enabled = enabled;
            }

            public String getDataSource() {
                return dataSource;
            }

            public void setDataSource(String dataSource) {
                this.dataSource = dataSource;
            }

            public String getTargetSchema() {
                return targetSchema;
            }

            public void setTargetSchema(String targetSchema) {
                this.targetSchema = targetSchema;
            }
        }
    }

    /** Grafana dashboards and Prometheus rules written or pushed on start (needs migmon-grafana). */
    public static class Grafana {
        /** Directory the dashboards (*.json) and the rule file (migmon-rules.yml) are written to on start. */
        private Path outputDirectory;
        /** Grafana base URL; when set, the dashboards are pushed there on start (a failed push is logged, not fatal). */
        private String url;
        /** Service-account token for the push (a secret). */
        private String token;
        /** Folder uid (and title) the dashboards are saved into. */
        private String folder = "migmon";

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public String getToken() {
            return token;
        }

        public void setToken(String token) {
            this.token = token;
        }

        public String getFolder() {
            return folder;
        }

        public void setFolder(String folder) {
            this.folder = folder;
        }

        public Path getOutputDirectory() {
            return outputDirectory;
        }

        public void setOutputDirectory(Path outputDirectory) {
            this.outputDirectory = outputDirectory;
        }
    }
}
