package io.migmon.examples.springboot;

import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.testsupport.EmbeddedPostgresFixture;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The example as a user runs it, on an embedded PostgreSQL: Flyway, the backfill over HTTP, Prometheus and health. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ShopApplicationIT {

    static final EmbeddedPostgresFixture POSTGRES = EmbeddedPostgresFixture.builder("springboot-example").start();

    @DynamicPropertySource
    static void datasource(DynamicPropertyRegistry r) {
        r.add("spring.datasource.url", () -> POSTGRES.jdbcUrl(EmbeddedPostgresFixture.POSTGRES));
        r.add("spring.datasource.username", () -> "postgres");
    }

    @AfterAll
    static void stop() {
        POSTGRES.close();
    }

    @Autowired
    Environment env;
    @Autowired
    JdbcTemplate jdbc;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> send(String method, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + env.getProperty("local.server.port") + path);
        return http.send(HttpRequest.newBuilder(uri).method(method, HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void theBackfillIsObservedEndToEnd() throws Exception {
        HttpResponse<String> run = send("POST", "/backfills/order-totals");
        assertThat(run.statusCode()).isEqualTo(200);
        long inTable = jdbc.queryForObject("SELECT count(*) FROM order_totals", Long.class);
        assertThat(inTable).isEqualTo(2000);
        assertThat(run.body()).isEqualTo("{\"rows\":2000}");

        String scrape = send("GET", "/actuator/prometheus").body();
        assertThat(scrape)
                .contains("migration_status{migration_id=\"flyway\",status=\"success\"} 1")
                .contains("migration_rows_total{migration_id=\"order-totals-backfill\",table_name=\"order_totals\"} 2000")
                .contains("migration_progress_ratio{migration_id=\"order-totals-backfill\"} 1")
                .contains("migration_duration_seconds_count{migration_id=\"order-totals-backfill\",status=\"success\"} 1");

        HttpResponse<String> health = send("GET", "/actuator/health");
        assertThat(health.statusCode()).isEqualTo(200);
        var migmon = new com.fasterxml.jackson.databind.ObjectMapper().readTree(health.body()).at("/components/migmon");
        assertThat(migmon.get("status").asText()).isEqualTo("UP");
        assertThat(migmon.at("/components/order-totals-backfill/details/rows").asLong()).isEqualTo(2000);
        assertThat(migmon.at("/components/flyway/details/status").asText()).isEqualTo("success");

        assertThat(Files.list(Path.of("target", "grafana")).count()).as("dashboards and rules written on start").isGreaterThan(1);
    }
}
