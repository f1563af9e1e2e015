package io.migmon.liquibase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.MigrationStatus;
import io.migmon.core.spi.MigrationListener;
import io.migmon.core.testing.ExternalTools;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.HashMap;
import java.util.Map;
import javax.sql.DataSource;
import liquibase.Liquibase;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.changelog.visitor.ChangeExecListener;
import liquibase.command.CommandScope;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.ChangeExecListenerCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.LiquibaseException;
import liquibase.resource.ClassLoaderResourceAccessor;
import liquibase.resource.DirectoryResourceAccessor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** Liquibase (4.33 here, 5.x in migmon-compat) against a real embedded PostgreSQL, real formatted-SQL changelogs, metrics read from a scrape. */
class MigmonLiquibaseListenerIT {

    private static EmbeddedPostgresFixture postgres;

    private PrometheusMeterRegistry registry;
    private DataSource dataSource;

    @BeforeAll
    static void startPostgres() {
        postgres = EmbeddedPostgresFixture.builder("liquibase").start();
    }

    @AfterAll
    static void stopPostgres() throws Exception {
        postgres.close();
    }

    @BeforeEach
    void setUp() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        dataSource = postgres.freshDatabase();
    }

    /** The documented way: Liquibase 5's command API with the listener as CHANGE_EXEC_LISTENER_ARG. */
    private void update(String changelog, ChangeExecListener listener) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            new CommandScope(UpdateCommandStep.COMMAND_NAME)
                    .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                    .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, "db/" + changelog)
                    .addArgumentValue(ChangeExecListenerCommandStep.CHANGE_EXEC_LISTENER_ARG, listener)
                    .execute();
        }
    }

    @Test
    void successfulUpdateRecordsTheRunAndEachChangeSet() throws Exception {
        try (MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            migmon.observe(() -> {
                try {
                    update("ok.sql", migmon);
                } catch (LiquibaseException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            String scrape = registry.scrape();
            assertThat(scrape)
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"failed\"} 0")
                    .contains("migration_status{migration_id=\"orders-db\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:1\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:2\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:add-email\",status=\"success\"} 1")
                    .contains("migration_status{migration_id=\"orders-db:add-email\",status=\"success\"} 1")
                    .doesNotContain("migration_errors_total{");
            assertThat(migmon.migration("orders-db")).get()
                    .satisfies(m -> assertThat(m.status()).isEqualTo(MigrationStatus.SUCCESS));

            // already applied: a second update run, no changeset runs
            migmon.observe(() -> {
                try {
                    update("ok.sql", migmon);
                } catch (LiquibaseException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(registry.scrape())
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"success\"} 2")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:2\",status=\"success\"} 1");
            ExternalTools.assertPromtoolAcceptsMetrics(registry.scrape());
        }
        assertThat(MDC.get("migration_id")).isNull();
        assertThat(MDC.get("version")).isNull();
    }

    @Test
    void failingChangeSetIsRecordedAndLiquibasesOwnExceptionReachesTheHost() throws Exception {
        try (MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                .meterRegistry(registry).migrationId("orders-db").build();
                Connection c = dataSource.getConnection()) {
            Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            CommandScope update = new CommandScope(UpdateCommandStep.COMMAND_NAME)
                    .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                    .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, "db/failing.sql")
                    .addArgumentValue(ChangeExecListenerCommandStep.CHANGE_EXEC_LISTENER_ARG, migmon);

            Throwable thrown = catchThrowable(() -> migmon.observe(update::execute));

            // Liquibase's own exception, not wrapped by migmon
            assertThat(thrown).isInstanceOf(LiquibaseException.class);
            assertThat(thrown.getClass().getName()).startsWith("liquibase.");
            assertThat(thrown).hasMessageContaining("no_such_table");

            String scrape = registry.scrape();
            assertThat(scrape)
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"failed\"} 1")
                    .contains("migration_status{migration_id=\"orders-db\",status=\"failed\"} 1")
                    // 42P01 = undefined_table, from PostgreSQL's SQLException in the cause chain
                    .contains("migration_errors_total{error_type=\"sqlstate_42P01\",migration_id=\"orders-db\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:1\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:2\",status=\"failed\"} 1")
                    .contains("migration_status{migration_id=\"orders-db:2\",status=\"failed\"} 1")
                    .contains("migration_errors_total{error_type=\"sqlstate_42P01\",migration_id=\"orders-db:2\"} 1")
                    .doesNotContain("migration_id=\"orders-db:add-email\"");
            ExternalTools.assertPromtoolAcceptsMetrics(scrape);
        }
        assertThat(MDC.get("migration_id")).isNull();
        assertThat(MDC.get("version")).isNull();
    }

    @Test
    void updateRefusedByValidationIsRecordedAsFailed() throws Exception {
        // the same changelog file, edited after it was applied: Liquibase refuses the update (checksum mismatch)
        Path dir = Files.createDirectories(Path.of("target", "changelogs", "checksum-" + System.nanoTime()));
        Path changelog = dir.resolve("changelog.sql");
        try (MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                .meterRegistry(registry).migrationId("orders-db").build();
                Connection c = dataSource.getConnection()) {
            Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            copyResource("db/ok.sql", changelog);
            Liquibase first = new Liquibase("changelog.sql", new DirectoryResourceAccessor(dir), database);
            first.setChangeExecListener(migmon);
            migmon.observe(first::update);

            copyResource("db/changed.sql", changelog);
            Liquibase second = new Liquibase("changelog.sql", new DirectoryResourceAccessor(dir), database);
            second.setChangeExecListener(migmon);
            Throwable thrown = catchThrowable(() -> migmon.observe(second::update));

            assertThat(thrown).isInstanceOf(LiquibaseException.class).hasMessageContaining("changelog.sql::2::alice");
            assertThat(registry.scrape())
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"failed\"} 1")
                    .contains("migration_errors_total{error_type=\"ValidationFailedException\",migration_id=\"orders-db\"} 1");
        }
    }

    private static void copyResource(String resource, Path target) throws Exception {
        try (InputStream in = MigmonLiquibaseListenerIT.class.getClassLoader().getResourceAsStream(resource)) {
            Files.write(target, in.readAllBytes());
        }
    }

    @Test
    void changeSetFailureToleratedByFailOnErrorFalseIsStillRecorded() throws Exception {
        try (MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            migmon.observe(() -> {
                try {
                    update("tolerated.sql", migmon);
                } catch (LiquibaseException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            String scrape = registry.scrape();
            assertThat(scrape)
                    // Liquibase goes on: the update succeeds, the changeset is failed and its error counted
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:2\",status=\"failed\"} 1")
                    // Liquibase swallows the exception with failOnError:false and reports only ExecType.FAILED
                    .contains("migration_errors_total{error_type=\"MigrationFailedException\",migration_id=\"orders-db:2\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:add-email\",status=\"success\"} 1")
                    .doesNotContain("migration_errors_total{error_type=\"MigrationFailedException\",migration_id=\"orders-db\"}");
        }
    }

    @Test
    void mdcCarriesMigrationIdAndChangeSetWhileItRuns() throws Exception {
        Map<String, String> seen = new HashMap<>();
        try (MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                .meterRegistry(registry).migrationId("orders-db")
                .changeSetLabel(cs -> cs.getAuthor() + ":" + cs.getId()).build()) {
            ChangeExecListener probe = new DelegatingListener(migmon) {
                @Override
                public void ran(liquibase.change.Change change, ChangeSet changeSet, DatabaseChangeLog changeLog,
                        Database database) {
                    seen.put(changeSet.getId(), MDC.get("migration_id") + "|" + MDC.get("version"));
                }
            };
            MDC.put("version", "host-value");
            update("ok.sql", probe);

            assertThat(seen).containsEntry("1", "orders-db|alice:1").containsEntry("add-email", "orders-db|bob:add-email");
            assertThat(registry.scrape())
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:bob:add-email\",status=\"success\"} 1")
                    // not wrapped in observe(): the update-level migration stays pending
                    .contains("migration_status{migration_id=\"orders-db\",status=\"pending\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"success\"} 0");
            assertThat(MDC.get("version")).isEqualTo("host-value");
        } finally {
            MDC.remove("version");
        }
    }

    @Test
    void legacyLiquibaseFacadeWorksToo() throws Exception {
        try (MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                .meterRegistry(registry).migrationId("legacy").build();
                Connection c = dataSource.getConnection()) {
            Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            Liquibase liquibase = new Liquibase("db/ok.sql", new ClassLoaderResourceAccessor(), database);
            liquibase.setChangeExecListener(migmon);
            migmon.observe(liquibase::update);

            assertThat(registry.scrape())
                    .contains("migration_duration_seconds_count{migration_id=\"legacy\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"legacy:add-email\",status=\"success\"} 1");
        }
    }

    @Test
    void failuresInsideMigmonNeverBreakLiquibase() throws Exception {
        MigrationListener throwing = new MigrationListener() {
            @Override
            public void onStart(MigrationRun run) {
                throw new IllegalStateException("listener bug");
            }
        };
        try (MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder().meterRegistry(registry)
                .changeSetLabel(cs -> {
                    throw new IllegalStateException("label bug");
                })
                .listener(throwing).build()) {
            migmon.observe(() -> {
                try {
                    update("ok.sql", migmon);
                } catch (LiquibaseException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });

            assertThat(registry.scrape())
                    .contains("migmon_observability_failures_total{component=\"liquibase.listener\"} 3")
                    .contains("migmon_observability_failures_total{component=\"listener\"} 1")
                    // fell back to the changeset id and the default migration id
                    .contains("migration_duration_seconds_count{migration_id=\"liquibase\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"liquibase:add-email\",status=\"success\"} 1");
        }
    }

    @Test
    void closeRemovesOnlyMigmonsMeters() throws Exception {
        Counter hostCounter = registry.counter("host.requests");
        hostCounter.increment();
        MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                .meterRegistry(registry).migrationId("orders-db").maxTrackedChangeSets(2).build();
        update("ok.sql", migmon);
        assertThat(registry.scrape())
                .doesNotContain("migration_id=\"orders-db:1\"")
                .contains("migration_id=\"orders-db:2\"")
                .contains("migration_id=\"orders-db:add-email\"");

        migmon.close();

        assertThat(registry.getMeters()).containsExactly(hostCounter);
        // events after close are ignored and register nothing
        DataSource other = postgres.freshDatabase();
        try (Connection c = other.getConnection()) {
            Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            CommandScope update = new CommandScope(UpdateCommandStep.COMMAND_NAME)
                    .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                    .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, "db/failing.sql")
                    .addArgumentValue(ChangeExecListenerCommandStep.CHANGE_EXEC_LISTENER_ARG, migmon);
            assertThatThrownBy(() -> migmon.observe(update::execute)).isInstanceOf(LiquibaseException.class);
        }
        assertThat(registry.getMeters()).containsExactly(hostCounter);
    }
}
