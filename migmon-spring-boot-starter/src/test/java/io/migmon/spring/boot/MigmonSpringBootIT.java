package io.migmon.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.migmon.core.MigrationRun;
import io.migmon.core.testing.Await;
import io.migmon.spring.boot.app.ShopApplication;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A real Boot 4 application on a random port and an embedded PostgreSQL, configured only by properties: Flyway
 * migrates with no migmon code, Prometheus serves the seed names, /actuator/health shows migmon's components as plain
 * JSON (DEGRADED registered, DOWN on a failed backfill) and a health alert reaches a local webhook receiver; secrets
 * stay out of /actuator/env and /actuator/configprops.
 */
@SpringBootTest(classes = ShopApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "management.endpoints.web.exposure.include=health,prometheus,env,configprops",
        "management.endpoint.health.show-details=always",
        "management.endpoint.env.show-values=always",
        "management.endpoint.configprops.show-values=always",
        "spring.liquibase.enabled=false",
        "migmon.health.evaluation-interval=200ms",
        "migmon.health.data-lag-warning=60s",
        "migmon.health.data-lag-limit=300s",
        "migmon.alerting.default-route.group-wait=0s",
        "migmon.alerting.default-route.group-interval=1s",
        "migmon.alerting.webhook.hmac-secret=hmac-s3cr3t-value",
        // every other kind of secret, to check that /actuator/env and /actuator/configprops mask it
        "migmon.alerting.pagerduty.routing-key=" + MigmonSpringBootIT.ROUTING_KEY,
        "migmon.alerting.email.host=127.0.0.1",
        "migmon.alerting.email.to=dba@example.com",
        "migmon.alerting.email.from=migmon@example.com",
        "migmon.alerting.email.username=migmon",
        "migmon.alerting.email.password=" + MigmonSpringBootIT.SMTP_PASSWORD,
        "migmon.grafana.token=" + MigmonSpringBootIT.GRAFANA_TOKEN,
        "migmon.cdc.consumer[sasl.jaas.config]=org.apache.kafka.common.security.plain.PlainLoginModule required"
                + " username=\"shop\" password=\"" + MigmonSpringBootIT.KAFKA_PASSWORD + "\";",
        "spring.datasource.password=" + MigmonSpringBootIT.JDBC_PASSWORD})
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(OutputCaptureExtension.class)
class MigmonSpringBootIT {

    static final String SLACK_SECRET = "T0000/B0000/xoxb-s3cr3t-webhook-token";
    static final String ROUTING_KEY = "pd-r0uting-s3cr3t-key";
    static final String SMTP_PASSWORD = "smtp-s3cr3t-password";
    static final String GRAFANA_TOKEN = "glsa_grafana-s3cr3t-token";
    static final String KAFKA_PASSWORD = "kafka-s3cr3t-password";
    static final String JDBC_PASSWORD = "jdbc-s3cr3t-password"; // embedded PostgreSQL trusts local connections
    /** Every secret this application is configured with (each contains "s3cr3t"). */
    static final List<String> SECRETS = List.of(SLACK_SECRET, "xoxb-s3cr3t", "hmac-s3cr3t-value", ROUTING_KEY, SMTP_PASSWORD,
            GRAFANA_TOKEN, KAFKA_PASSWORD, JDBC_PASSWORD, "s3cr3t");
    static final EmbeddedPostgresFixture POSTGRES = EmbeddedPostgresFixture.builder("starter").start();
    static final HttpServer RECEIVER;
    static final ConcurrentLinkedQueue<String[]> RECEIVED = new ConcurrentLinkedQueue<>();

    static {
        try {
            RECEIVER = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            RECEIVER.createContext("/", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                RECEIVED.add(new String[] {exchange.getRequestURI().getPath(), body,
                        String.valueOf(exchange.getRequestHeaders().getFirst("X-Migmon-Signature"))});
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            RECEIVER.start();
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @DynamicPropertySource
    static void properties(DynamicPropertyRegistry r) {
        r.add("spring.datasource.url", () -> POSTGRES.jdbcUrl(EmbeddedPostgresFixture.POSTGRES));
        r.add("spring.datasource.username", () -> "postgres");
        String base = "http://127.0.0.1:" + RECEIVER.getAddress().getPort();
        r.add("migmon.alerting.webhook.url", () -> base + "/hooks/migmon");
        // a Slack-shaped URL (the path is the credential), delivered to the same local receiver
        r.add("migmon.alerting.slack.webhook-url", () -> base + "/services/" + SLACK_SECRET);
        r.add("migmon.alerting.pagerduty.url", () -> base + "/pagerduty/v2/enqueue");
        r.add("migmon.alerting.email.port", MigmonSpringBootIT::closedPort); // deliveries fail (refused), nothing blocks
    }

    static int closedPort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        RECEIVER.stop(0);
        POSTGRES.close();
    }

    @Autowired
    Environment env;
    @Autowired
    JdbcTemplate jdbc;
    @Autowired
    MigmonMigrations migrations;
    @Autowired
    ShopApplication.BackfillService backfills;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    @Order(1)
    void flywayMigratedWithNoMigmonCodeAndIsRecorded() throws Exception {
        assertThat(jdbc.queryForObject("select count(*) from flyway_schema_history where success", Long.class)).isEqualTo(2);
        assertThat(jdbc.queryForObject("select count(*) from orders", Long.class)).isEqualTo(2);

        String scrape = get("/actuator/prometheus").body();
        assertThat(scrape).contains("migration_duration_seconds_count{migration_id=\"flyway\",status=\"success\"} 1")
                .contains("migration_duration_seconds_count{migration_id=\"flyway:1\",status=\"success\"} 1")
                .contains("migration_duration_seconds_count{migration_id=\"flyway:2\",status=\"success\"} 1")
                .contains("migration_status{migration_id=\"flyway\",status=\"success\"} 1");

        HttpResponse<String> health = get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode flyway = json.readTree(health.body()).at("/components/migmon/components/flyway");
        assertThat(flyway.get("status").asText()).isEqualTo("UP");
        assertThat(flyway.at("/details/status").asText()).isEqualTo("success");
        assertThat(json.readTree(health.body()).get("status").asText()).isEqualTo("UP");
    }

    @Test
    @Order(2)
    void aBackfillFromTheFactoryIsMeasuredAgainstTheDatabase() throws Exception {
        long copied = backfills.copyTotals();
        long inTable = jdbc.queryForObject("select count(*) from order_totals", Long.class);
        assertThat(copied).isEqualTo(inTable).isEqualTo(2);
        String scrape = get("/actuator/prometheus").body();
        assertThat(scrape).contains("migration_rows_total{migration_id=\"totals-backfill\",table_name=\"order_totals\"} 2")
                .contains("migration_progress_ratio{migration_id=\"totals-backfill\"} 1")
                .contains("migration_duration_seconds_count{migration_id=\"totals-backfill\",status=\"success\"} 1")
                .contains("migration_eta_seconds{migration_id=\"totals-backfill\"}")
                .contains("migration_data_lag_seconds{migration_id=\"totals-backfill\"}")
                .contains("migration_rows_expected{migration_id=\"totals-backfill\"} 2");
    }

    @Test
    @Order(3)
    void degradedIsARegisteredStatusAnsweredWith200() throws Exception {
        MigrationRun run = migrations.migration("catch-up").start();
        run.recordRows("t", 1);
        run.recordDataLag(Duration.ofSeconds(90));
        // read once, right away: the lag was recorded synchronously, nothing else is settling. A fresh-clone CI run
        // once read DOWN here: the watcher (every 200 ms) was evaluating the same check and the per-check timeout
        // wrapper answered the endpoint "check still running after timing out" (fixed in MigmonHealthChecks; see
        // MigmonHealthChecksTimeoutTest). The body is shown if it ever happens again.
        HttpResponse<String> health = get("/actuator/health");
        JsonNode root = json.readTree(health.body());
        assertThat(root.get("status").asText()).as(health.body()).isEqualTo("DEGRADED");
        assertThat(health.statusCode()).isEqualTo(200);
        JsonNode c = root.at("/components/migmon/components/catch-up");
        assertThat(c.get("status").asText()).isEqualTo("DEGRADED");
        assertThat(c.at("/details/dataLagSeconds").asDouble()).isEqualTo(90.0);
        assertThat(c.at("/details/reasons/0").asText()).isEqualTo("data lag 90.0 s is above the warning level of 60 s");

        // and it stays DEGRADED while the watcher keeps evaluating the same checks (each read races a tick)
        for (int i = 0; i < 25; i++) {
            HttpResponse<String> again = get("/actuator/health");
            assertThat(json.readTree(again.body()).get("status").asText()).as("read %d: %s", i, again.body()).isEqualTo("DEGRADED");
            Thread.sleep(40);
        }

        run.succeed(); // finished: judged by its outcome, not by the stale lag
        assertThat(json.readTree(get("/actuator/health").body()).at("/components/migmon/components/catch-up/status").asText())
                .isEqualTo("UP");
    }

    @Test
    @Order(4)
    void aFailedBackfillTurnsHealthDownAndAlertsTheWebhookConfiguredByProperties(CapturedOutput output) throws Exception {
        assertThatThrownBy(backfills::failingBackfill).isInstanceOf(SQLException.class);

        HttpResponse<String> health = get("/actuator/health");
        assertThat(health.statusCode()).isEqualTo(503);
        JsonNode root = json.readTree(health.body());
        assertThat(root.get("status").asText()).isEqualTo("DOWN");
        JsonNode c = root.at("/components/migmon/components/orders-backfill");
        assertThat(c.get("status").asText()).isEqualTo("DOWN");
        assertThat(c.at("/details/reasons/0").asText()).isEqualTo("migration orders-backfill failed");
        assertThat(c.at("/details/errors").asLong()).isEqualTo(1);

        assertThat(get("/actuator/prometheus").body())
                .contains("migration_errors_total{error_type=\"SQLException\",migration_id=\"orders-backfill\"} 1")
                .contains("migration_status{migration_id=\"orders-backfill\",status=\"failed\"} 1");

        Await.until(Duration.ofSeconds(30), () -> webhookBodies().stream().anyMatch(b -> b.contains("\"health_down\"")
                && b.contains("\"check\":\"orders-backfill\"")), () -> "a health_down alert for orders-backfill at the webhook, got " + webhookBodies());
        String[] hook = RECEIVED.stream().filter(r -> r[0].equals("/hooks/migmon") && r[1].contains("orders-backfill"))
                .findFirst().orElseThrow();
        JsonNode body = json.readTree(hook[1]);
        assertThat(body.get("status").asText()).isEqualTo("firing");
        assertThat(hook[2]).as("signed with the HMAC secret from properties").startsWith("v1=");
        Await.until(Duration.ofSeconds(30), () -> RECEIVED.stream().anyMatch(r -> r[0].startsWith("/services/")
                && r[1].contains("orders-backfill")), () -> "the same alert at the Slack-shaped URL");
        // what this test logged (the failure, the deliveries) carries no secret
        assertThat(output.getAll()).contains("migration orders-backfill finished: failed")
                .doesNotContain(SLACK_SECRET).doesNotContain("xoxb-s3cr3t").doesNotContain("hmac-s3cr3t-value");
        for (String secret : SECRETS) {
            assertThat(output.getAll()).doesNotContain(secret);
        }
    }

    @Test
    @Order(5)
    void secretsStayOutOfEnvAndConfigprops() throws Exception {
        for (String path : List.of("/actuator/env", "/actuator/configprops")) {
            HttpResponse<String> r = get(path);
            assertThat(r.statusCode()).isEqualTo(200);
            for (String secret : SECRETS) {
                assertThat(r.body()).as(path + " shows " + secret).doesNotContain(secret);
            }
            assertThat(r.body()).contains("******");
        }
        // the masked keys are really there (the test would pass trivially otherwise), each one masked
        for (String key : List.of("migmon.alerting.slack.webhook-url", "migmon.alerting.webhook.hmac-secret",
                "migmon.alerting.webhook.url", "migmon.alerting.pagerduty.routing-key", "migmon.alerting.email.password",
                "migmon.grafana.token", "migmon.cdc.consumer[sasl.jaas.config]", "spring.datasource.password")) {
            HttpResponse<String> r = get("/actuator/env/" + key);
            assertThat(r.statusCode()).as(key).isEqualTo(200);
            assertThat(json.readTree(r.body()).at("/property/value").asText()).as(key).isEqualTo("******");
        }
        String configprops = get("/actuator/configprops").body();
        assertThat(configprops).contains("webhookUrl", "hmacSecret", "routingKey", "\"password\"", "\"token\"",
                "sasl.jaas.config");
        // non-secret values stay visible
        assertThat(get("/actuator/env").body()).contains("evaluation-interval");
        assertThat(json.readTree(get("/actuator/env/migmon.alerting.email.host").body()).at("/property/value").asText())
                .isEqualTo("127.0.0.1");
    }

    @Test
    @Order(6)
    void secretsStayOutOfTheStartUpLogs(CapturedOutput output) {
        // the class-level capture: the application's start-up (property binding, auto-configuration, Flyway)
        assertThat(output.getAll()).contains("Started MigmonSpringBootIT");
        for (String secret : SECRETS) {
            assertThat(output.getAll()).doesNotContain(secret);
        }
    }

    private List<String> webhookBodies() {
        return RECEIVED.stream().filter(r -> r[0].equals("/hooks/migmon")).map(r -> r[1]).toList();
    }

    private HttpResponse<String> get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + env.getProperty("local.server.port")
                + path.replace("[", "%5B").replace("]", "%5D"));
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

}
