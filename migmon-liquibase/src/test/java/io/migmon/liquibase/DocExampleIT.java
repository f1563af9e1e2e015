package io.migmon.liquibase;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.health.MigrationHealthCheck;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import java.sql.Connection;
import javax.sql.DataSource;
import liquibase.command.CommandScope;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.ChangeExecListenerCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import org.junit.jupiter.api.Test;

/**
 * The example of docs/sql-frameworks.md ("Liquibase"), compiled and run against embedded PostgreSQL (DocsSnippetsTest of
 * migmon-examples checks that the doc's block is verbatim here).
 */
class DocExampleIT {

    @Test
    void liquibaseExampleFromTheDocs() throws Exception {
        try (EmbeddedPostgresFixture postgres = EmbeddedPostgresFixture.builder("doc-liquibase").start()) {
            DataSource dataSource = postgres.freshDatabase();

            // --- docs/sql-frameworks.md: Liquibase ---
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT); // the host's

            MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                    .meterRegistry(registry)
                    .migrationId("orders-db")
                    .build();
            HealthCheck health = MigrationHealthCheck.builder(migmon.migration("orders-db").orElseThrow()).build();

            try (Connection connection = dataSource.getConnection()) {
                Database database = DatabaseFactory.getInstance()
                        .findCorrectDatabaseImplementation(new JdbcConnection(connection));
                CommandScope update = new CommandScope(UpdateCommandStep.COMMAND_NAME)
                        .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                        .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, "db/ok.sql")
                        .addArgumentValue(ChangeExecListenerCommandStep.CHANGE_EXEC_LISTENER_ARG, migmon);
                migmon.observe(update::execute); // rethrows Liquibase's own exception on failure, unchanged
            }

            System.out.println(health.check().status()); // UP; DOWN after a failed update
            System.out.println(registry.scrape());        // migration_duration_seconds{migration_id="orders-db:2",...}
            migmon.close();                                // at shutdown: removes migmon's meters, nothing else
            // --- end ---

            assertThat(health.check().status()).isEqualTo(HealthStatus.UP);
            assertThat(registry.getMeters()).isEmpty();
        }
    }
}
