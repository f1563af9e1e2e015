package io.migmon.examples.docs;

// The imports a reader needs for the snippets of docs/sql-frameworks.md.
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.health.MigrationHealthCheck;
import io.migmon.flyway.MigmonFlywayCallback;
import io.migmon.liquibase.MigmonLiquibaseListener;
import java.sql.Connection;
import javax.sql.DataSource;
import liquibase.command.CommandScope;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.ChangeExecListenerCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import org.flywaydb.core.Flyway;

/**
 * The code snippets of docs/sql-frameworks.md, verbatim (DocsSnippetsTest checks that every java block of that file appears
 * here, whitespace aside), so the build compiles them.
 */
@SuppressWarnings("unused")
final class SqlFrameworksSnippets {
    /** Compiled, not run (it needs a database). */
    static void flyway(DataSource dataSource) {
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
    }

    /** Compiled, not run (it needs a database). */
    static void liquibase(DataSource dataSource) throws Exception {
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
    }

    private SqlFrameworksSnippets() {
    }
}
