package io.migmon.spring.boot.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migmon.spring.boot.MigmonProperties;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.SanitizableData;
import org.springframework.boot.diagnostics.FailureAnalysis;

class StarterInternalsTest {

    private static final String SLACK = "https://hooks.slack.com/services/T0/B0/abcdefghijkl";

    private final MigmonSanitizing sanitizing;

    StarterInternalsTest() {
        MigmonProperties p = new MigmonProperties();
        p.getAlerting().getSlack().setWebhookUrl(SLACK);
        p.getAlerting().getAlertmanager().setUrls(java.util.List.of("http://amuser:am-pass-secret-1@127.0.0.1:9093"));
        p.getCdc().getConsumer().put("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required password=\"kafka-pass-1\";");
        sanitizing = new MigmonSanitizing(p);
    }

    private Object sanitized(String key, Object value) {
        return sanitizing.apply(new SanitizableData(null, key, value)).getValue();
    }

    @Test
    void secretsAreMaskedByKeyInEveryRelaxedFormAndByValueAnywhere() {
        assertThat(sanitized("migmon.alerting.slack.webhook-url", "x")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("migmon.alerting.slack.webhookUrl", "x")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("MIGMON_ALERTING_SLACK_WEBHOOKURL", "x")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("webhookUrl", "x")).isEqualTo(SanitizableData.SANITIZED_VALUE); // configprops' leaf key
        assertThat(sanitized("migmon.alerting.webhook.hmac-secret", "x")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("migmon.cdc.consumer.sasl.jaas.config", "x")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        // the same secret under a name migmon does not know (an environment variable of the host)
        assertThat(sanitized("SLACK_URL", SLACK)).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("java.class.path", "a:b:" + SLACK)).isEqualTo(SanitizableData.SANITIZED_VALUE);
        // the JDBC password (and any other password property) in every form
        assertThat(sanitized("spring.datasource.password", "x")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("SPRING_DATASOURCE_PASSWORD", "x")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("password", "x")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("server.ssl.key-store-password", "x")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("migmon.grafana.token", "x")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("migmon.alerting.pagerduty.routing-key", "x")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("migmon.alerting.email.password", "x")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("spring.datasource.username", "shop")).isEqualTo("shop");
        // others stay visible
        assertThat(sanitized("migmon.alerting.pagerduty.url", "https://events.pagerduty.com/v2/enqueue"))
                .isEqualTo("https://events.pagerduty.com/v2/enqueue");
        assertThat(sanitized("migmon.cdc.consumer.bootstrap.servers", "kafka:9092")).isEqualTo("kafka:9092");
    }

    @Test
    void alertmanagerBasicAuthUrlsAreMaskedByKeyAndByValue() {
        String am = "http://amuser:am-pass-secret-1@127.0.0.1:9093";
        assertThat(sanitized("migmon.alerting.alertmanager.urls", am)).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("migmon.alerting.alertmanager.urls[0]", am)).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("MIGMON_ALERTING_ALERTMANAGER_URLS", am)).isEqualTo(SanitizableData.SANITIZED_VALUE);
        // configprops' leaf key and list value
        assertThat(sanitized("urls", java.util.List.of(am))).isEqualTo(SanitizableData.SANITIZED_VALUE);
        // the password or the whole URL under a name migmon does not know
        assertThat(sanitized("AM_PASSWORD", "am-pass-secret-1")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("some.other.url", am)).isEqualTo(SanitizableData.SANITIZED_VALUE);
        // any URL with user-info anywhere under migmon.*
        assertThat(sanitized("migmon.grafana.url", "https://admin:grafpw@grafana.local")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        assertThat(sanitized("migmon.cdc.consumer.foo", "x http://u:p@h y")).isEqualTo(SanitizableData.SANITIZED_VALUE);
        // a URL without user-info stays visible
        assertThat(sanitized("migmon.grafana.url", "https://grafana.local")).isEqualTo("https://grafana.local");
    }

    @Test
    void versionsCompareNumerically() {
        assertThat(FrameworkVersions.compare("11.7.2", "11.13")).isNegative();
        assertThat(FrameworkVersions.compare("11.13.0", "11.13")).isZero();
        assertThat(FrameworkVersions.compare("13.12.0", "11.13")).isPositive();
        assertThat(FrameworkVersions.compare("4.31.1", "4.33")).isNegative();
        assertThat(FrameworkVersions.compare("5.0.3", "4.33")).isPositive();
    }

    @Test
    void theFlywayOnTheTestClassPathPassesAndTheFailureIsAnalysed() {
        FrameworkVersions.requireFlyway(getClass().getClassLoader());
        FrameworkVersions.requireLiquibase(getClass().getClassLoader());
        UnsupportedFrameworkVersionException e = new UnsupportedFrameworkVersionException("Flyway", "11.7.2", "11.13",
                "flyway.version", "migmon.flyway.enabled=false");
        assertThat(e).hasMessage("migmon needs Flyway 11.13 or newer, found 11.7.2. Upgrade Flyway (e.g. <flyway.version>"
                + "11.13.x</flyway.version> with Spring Boot's dependency management) or set migmon.flyway.enabled=false");
        FailureAnalysis a = new UnsupportedFrameworkVersionFailureAnalyzer().analyze(new RuntimeException(e));
        assertThat(a.getDescription()).contains("Flyway 11.13 or newer").contains("Flyway 11.7.2");
        assertThat(a.getAction()).contains("flyway.version").contains("migmon.flyway.enabled=false");
        assertThatThrownBy(() -> new MigmonWatcher(null, null, null, java.time.Duration.ZERO))
                .hasMessageContaining("migmon.health.evaluation-interval");
    }
}
