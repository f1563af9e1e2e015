package io.migmon.flyway;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.health.MigrationHealthCheck;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * The example of docs/sql-frameworks.md ("Flyway"), compiled and run against embedded PostgreSQL (DocsSnippetsTest of
 * migmon-examples checks that the doc's block is verbatim here).
 */
class DocExampleIT {

    @Test
    void flywayExampleFromTheDocs() throws Exception {
        try (EmbeddedPostgresFixture postgres = EmbeddedPostgresFixture.builder("doc-flyway").start()) {
            DataSource dataSource = postgres.freshDatabase();

            // --- docs/sql-frameworks.md: Flyway ---
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT); // the host's

            MigmonFlywayCallback migmon = MigmonFlywayCallback.builder()
                    .meterRegistry(registry)
                    .migrationId("orders-db")
                    .build();
            HealthCheck health = MigrationHealthCheck.builder(migmon.migration("orders-db").orElseThrow()).build();

            Flyway flyway = Flyway.configure()
                    .dataSource(dataSource)
                    .locations("classpath:db/ok")
                    .callbacks(migmon)
                    .load();
            flyway.migrate(); // throws Flyway's own FlywayException on failure, unchanged

            System.out.println(health.check().status()); // UP; DOWN after a failed migrate
            System.out.println(registry.scrape());        // migration_duration_seconds{migration_id="orders-db:2",...}
            migmon.close();                                // at shutdown: removes migmon's meters, nothing else
            // --- end ---

            assertThat(health.check().status()).isEqualTo(HealthStatus.UP);
            assertThat(registry.getMeters()).isEmpty();
        }
    }
}
