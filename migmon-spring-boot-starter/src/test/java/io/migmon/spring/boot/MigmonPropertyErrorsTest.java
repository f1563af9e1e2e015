package io.migmon.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.Banner;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Every {@code migmon.*} binding or validation error names the full property key, and neither what Boot prints
 * (the failure analysis or the logged trace) nor the exception's stack trace contains a secret: a table of bad
 * values, each started as a real {@code SpringApplication}, with secrets configured in the bad property itself or
 * beside it.
 */
@ExtendWith(OutputCaptureExtension.class)
class MigmonPropertyErrorsTest {

    static final String SLACK = "https://hooks.slack.com/services/T0/B0/SLACK-S3CR3T-path";
    static final String SMTP_PASSWORD = "SMTP-S3CR3T-pw";
    static final String HMAC = "HMAC-S3CR3T-value-0123456789";
    static final String ROUTING_KEY = "R0UTING-KEY-S3CR3T";
    static final String GRAFANA_TOKEN = "GRAFANA-TOKEN-S3CR3T";
    static final String KAFKA_PASSWORD = "KAFKA-S3CR3T-pw";
    static final String JDBC_PASSWORD = "JDBC-S3CR3T-pw";
    static final String AM_PASSWORD = "AM-PASS-S3CR3T";
    static final List<String> SECRETS = List.of("S3CR3T");

    /** Secrets configured in every case, beside the bad value (inert unless the case switches their feature on). */
    static final String[] BACKGROUND = {
            "migmon.grafana.token=" + GRAFANA_TOKEN,
            "migmon.cdc.consumer[sasl.jaas.config]=org.apache.kafka.common.security.plain.PlainLoginModule required"
                    + " username=\"u\" password=\"" + KAFKA_PASSWORD + "\";",
            "spring.datasource.password=" + JDBC_PASSWORD};

    static final String[] EMAIL = {"migmon.alerting.email.host=127.0.0.1", "migmon.alerting.email.to=dba@example.com",
            "migmon.alerting.email.from=migmon@example.com", "migmon.alerting.email.username=migmon",
            "migmon.alerting.email.password=" + SMTP_PASSWORD};
    static final String[] CDC = {"migmon.cdc.enabled=true", "migmon.cdc.topics=t",
            "migmon.cdc.consumer.bootstrap.servers=127.0.0.1:1", "migmon.cdc.consumer.group.id=g"};

    record Case(String key, String[] props) {
    }

    static Case bad(String key, String... props) {
        return new Case(key, props);
    }

    static String[] with(String[] base, String... more) {
        List<String> out = new ArrayList<>(List.of(base));
        out.addAll(List.of(more));
        return out.toArray(String[]::new);
    }

    static final List<Case> CASES = List.of(
            // alerting: email
            bad("migmon.alerting.email.security", with(EMAIL, "migmon.alerting.email.security=STARTTLS_MAYBE")),
            bad("migmon.alerting.email.port", with(EMAIL, "migmon.alerting.email.port=70000")),
            bad("migmon.alerting.email.port", with(EMAIL, "migmon.alerting.email.port=smtp")),
            bad("migmon.alerting.email.from", with(EMAIL, "migmon.alerting.email.from=not an address")),
            bad("migmon.alerting.email.to[1]", "migmon.alerting.email.host=127.0.0.1",
                    "migmon.alerting.email.from=migmon@example.com", "migmon.alerting.email.to[0]=dba@example.com",
                    "migmon.alerting.email.to[1]=bad@@example", "migmon.alerting.email.username=migmon",
                    "migmon.alerting.email.password=" + SMTP_PASSWORD),
            bad("migmon.alerting.email.username", "migmon.alerting.email.host=127.0.0.1",
                    "migmon.alerting.email.to=dba@example.com", "migmon.alerting.email.from=migmon@example.com",
                    "migmon.alerting.email.password=" + SMTP_PASSWORD),
            bad("migmon.alerting.email.password", "migmon.alerting.email.host=127.0.0.1",
                    "migmon.alerting.email.to=dba@example.com", "migmon.alerting.email.from=migmon@example.com",
                    "migmon.alerting.email.username=migmon"),
            bad("migmon.alerting.email.to", "migmon.alerting.email.host=127.0.0.1", "migmon.alerting.email.username=migmon",
                    "migmon.alerting.email.password=" + SMTP_PASSWORD),
            // alerting: routes
            bad("migmon.alerting.routes[0].min-severity", "migmon.alerting.slack.webhook-url=" + SLACK,
                    "migmon.alerting.routes[0].min-severity=URGENT"),
            bad("migmon.alerting.default-route.min-severity", "migmon.alerting.slack.webhook-url=" + SLACK,
                    "migmon.alerting.default-route.min-severity=loud"),
            bad("migmon.alerting.routes[1].group-interval", "migmon.alerting.slack.webhook-url=" + SLACK,
                    "migmon.alerting.routes[0].name=a", "migmon.alerting.routes[1].group-interval=0s"),
            bad("migmon.alerting.routes[0].group-wait", "migmon.alerting.slack.webhook-url=" + SLACK,
                    "migmon.alerting.routes[0].group-wait=-1s"),
            bad("migmon.alerting.routes[0].repeat-interval", "migmon.alerting.slack.webhook-url=" + SLACK,
                    "migmon.alerting.routes[0].repeat-interval=soon"),
            bad("migmon.alerting.routes[0].sinks", "migmon.alerting.slack.webhook-url=" + SLACK,
                    "migmon.alerting.routes[0].sinks=pager"),
            // alerting: webhook, slack, pagerduty, alertmanager
            bad("migmon.alerting.webhook.hmac-secret", "migmon.alerting.webhook.url=https://ops.example.com/hooks/TOKEN-S3CR3T",
                    "migmon.alerting.webhook.hmac-secret=short-S3CR3T"),
            bad("migmon.alerting.webhook.url", "migmon.alerting.webhook.hmac-secret=" + HMAC),
            bad("migmon.alerting.webhook.url", "migmon.alerting.webhook.url=ftp://ops.example.com/hooks/TOKEN-S3CR3T",
                    "migmon.alerting.webhook.hmac-secret=" + HMAC),
            bad("migmon.alerting.slack.webhook-url", "migmon.alerting.slack.webhook-url=not a url S3CR3T"),
            bad("migmon.alerting.pagerduty.url", "migmon.alerting.pagerduty.routing-key=" + ROUTING_KEY,
                    "migmon.alerting.pagerduty.url=events pagerduty"),
            bad("migmon.alerting.pagerduty.routing-key", "migmon.alerting.pagerduty.url=https://events.pagerduty.com/v2/enqueue"),
            bad("migmon.alerting.alertmanager.urls[1]", "migmon.alerting.alertmanager.urls[0]=http://127.0.0.1:9093",
                    "migmon.alerting.alertmanager.urls[1]=ftp://am:" + AM_PASSWORD + "@127.0.0.1:9094"),
            bad("migmon.alerting.alertmanager.bearer-token",
                    "migmon.alerting.alertmanager.urls[0]=http://am:" + AM_PASSWORD + "@127.0.0.1:9093",
                    "migmon.alerting.alertmanager.bearer-token=AM-TOKEN-S3CR3T"),
            bad("migmon.alerting.alertmanager.urls", "migmon.alerting.alertmanager.bearer-token=AM-TOKEN-S3CR3T"),
            bad("migmon.alerting.fire-after", "migmon.alerting.slack.webhook-url=" + SLACK, "migmon.alerting.fire-after=0"),
            bad("migmon.alerting.for-duration", "migmon.alerting.slack.webhook-url=" + SLACK, "migmon.alerting.for-duration=-1s"),
            bad("migmon.alerting.resolve-after", "migmon.alerting.slack.webhook-url=" + SLACK, "migmon.alerting.resolve-after=-2"),
            bad("migmon.alerting.slak.webhook-url", "migmon.alerting.slak.webhook-url=" + SLACK),
            // grafana
            bad("migmon.grafana.url", "migmon.grafana.url=grafana.example.com/TOKEN-S3CR3T"),
            bad("migmon.grafana.url", "migmon.grafana.url=ftp://admin:GRAFANA-PASS-S3CR3T@grafana.example.com"),
            bad("migmon.grafana.url", "migmon.grafana.url=https://admin:GRAFANA PASS S3CR3T@grafana.example.com"),
            bad("migmon.grafana.url", "migmon.grafana.url=https://"),
            bad("migmon.grafana.folder", "migmon.grafana.url=https://grafana.example.com", "migmon.grafana.folder=my folder!"),
            // metrics, frameworks, health
            bad("migmon.metrics.prefix", "migmon.metrics.prefix=My-App"),
            bad("migmon.metrics.max-tag-values", "migmon.metrics.max-tag-values=0"),
            bad("migmon.flyway.migration-id", "migmon.flyway.migration-id=-bad id"),
            bad("migmon.flyway.max-tracked-versions", "migmon.flyway.max-tracked-versions=0"),
            bad("migmon.liquibase.migration-id", "migmon.liquibase.migration-id=?"),
            bad("migmon.liquibase.max-tracked-change-sets", "migmon.liquibase.max-tracked-change-sets=0"),
            bad("migmon.health.evaluation-interval", "migmon.health.evaluation-interval=0s"),
            bad("migmon.health.evaluation-interval", "migmon.health.evaluation-interval=often"),
            bad("migmon.health.check-timeout", "migmon.health.check-timeout=-2s"),
            bad("migmon.health.data-lag-limit", "migmon.health.data-lag-warning=60s", "migmon.health.data-lag-limit=10s"),
            bad("migmon.health.error-rate-warning", "migmon.health.error-rate-warning=2"),
            bad("migmon.health.error-rate-limit", "migmon.health.error-rate-warning=0.5", "migmon.health.error-rate-limit=0.1"),
            // cdc (the consumer carries the Kafka password)
            bad("migmon.cdc.consumer.bootstrap.servers", "migmon.cdc.enabled=true", "migmon.cdc.topics=t",
                    "migmon.cdc.consumer.group.id=g"),
            bad("migmon.cdc.consumer.group.id", "migmon.cdc.enabled=true", "migmon.cdc.topics=t",
                    "migmon.cdc.consumer.bootstrap.servers=127.0.0.1:1"),
            bad("migmon.cdc.consumer.enable.auto.commit", with(CDC, "migmon.cdc.consumer[enable.auto.commit]=true")),
            bad("migmon.cdc.topics", "migmon.cdc.enabled=true", "migmon.cdc.consumer.bootstrap.servers=127.0.0.1:1",
                    "migmon.cdc.consumer.group.id=g"),
            bad("migmon.cdc.heartbeat-interval", with(CDC, "migmon.cdc.heartbeat-interval=10s")),
            bad("migmon.cdc.close-timeout", with(CDC, "migmon.cdc.close-timeout=0s")),
            bad("migmon.cdc.name", with(CDC, "migmon.cdc.name= ")),
            bad("migmon.cdc.applier.data-source", with(CDC, "migmon.cdc.applier.enabled=true",
                    "migmon.cdc.applier.data-source=nope")));

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(MigmonAutoConfiguration.class)
    static class App {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Test
    void everyBadValueFailsStartUpNamingItsFullKeyWithoutASecret(CapturedOutput output) {
        List<String> problems = new ArrayList<>();
        for (Case c : CASES) {
            Map<String, Object> props = new LinkedHashMap<>();
            for (String p : with(BACKGROUND, c.props())) {
                int eq = p.indexOf('=');
                props.put(p.substring(0, eq), p.substring(eq + 1));
            }
            int before = output.getAll().length();
            Throwable failure = null;
            try {
                new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).bannerMode(Banner.Mode.OFF)
                        .logStartupInfo(false).registerShutdownHook(false).properties(props).run().close();
            } catch (Throwable t) {
                failure = t;
            }
            String label = String.join(", ", c.props());
            if (failure == null) {
                problems.add("started: " + label);
                continue;
            }
            StringWriter trace = new StringWriter();
            failure.printStackTrace(new PrintWriter(trace));
            String printed = output.getAll().substring(before);
            if (!trace.toString().contains(c.key())) {
                problems.add("stack trace does not name " + c.key() + ": " + label + "\n" + trace);
            }
            if (!printed.contains(c.key())) {
                problems.add("start-up report does not name " + c.key() + ": " + label + "\n" + printed);
            }
            for (String secret : SECRETS) {
                if (trace.toString().contains(secret)) {
                    problems.add("stack trace shows a secret: " + label + "\n" + trace);
                }
                if (printed.contains(secret)) {
                    problems.add("start-up report shows a secret: " + label + "\n" + printed);
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(problems.size() + " of " + CASES.size() + " cases:\n" + String.join("\n----\n", problems));
        }
        assertThat(CASES).hasSizeGreaterThan(40);
    }
}
