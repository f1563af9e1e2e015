package io.migmon.liquibase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import io.migmon.core.testing.ExternalTools;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import liquibase.command.CommandScope;
import liquibase.command.core.RollbackCountCommandStep;
import liquibase.command.core.UpdateCommandStep;
import liquibase.command.core.helpers.ChangeExecListenerCommandStep;
import liquibase.command.core.helpers.DatabaseChangelogCommandStep;
import liquibase.command.core.helpers.DbUrlConnectionArgumentsCommandStep;
import liquibase.database.Database;
import liquibase.database.DatabaseFactory;
import liquibase.database.jvm.JdbcConnection;
import liquibase.exception.LiquibaseException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Unhappy paths against a real PostgreSQL and the real Liquibase (4.33 here, 5.x in migmon-compat): runAlways
 * changesets, preconditions (MARK_RAN, CONTINUE, HALT) and rollbackCount. Ground truth is the database: rows the
 * changesets wrote and Liquibase's own DATABASECHANGELOG.
 */
class LiquibaseUnhappyPathsIT {

    private static EmbeddedPostgresFixture postgres;

    private PrometheusMeterRegistry registry;
    private DataSource dataSource;

    @BeforeAll
    static void startPostgres() {
        postgres = EmbeddedPostgresFixture.builder("liquibase-unhappy").start();
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

    private void update(String changelog, MigmonLiquibaseListener listener, boolean observed) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
            CommandScope update = new CommandScope(UpdateCommandStep.COMMAND_NAME)
                    .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                    .addArgumentValue(UpdateCommandStep.CHANGELOG_FILE_ARG, "db/" + changelog)
                    .addArgumentValue(ChangeExecListenerCommandStep.CHANGE_EXEC_LISTENER_ARG, listener);
            if (observed) {
                listener.observe(update::execute);
            } else {
                update.execute();
            }
        }
    }

    private long queryLong(String sql) throws Exception {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            return rs.next() ? rs.getLong(1) : -1;
        }
    }

    private List<String> query(String sql) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }

    private static String count(String id, String status) {
        return "migration_duration_seconds_count{migration_id=\"" + id + "\",status=\"" + status + "\"} ";
    }

    @Test
    void runAlwaysChangeSetsAreRecordedOnEveryRunIncludingAFailedRerun() throws Exception {
        try (MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            update("runalways.sql", migmon, true);
            Throwable rerun = catchThrowable(() -> update("runalways.sql", migmon, true));

            assertThat(rerun).isInstanceOf(LiquibaseException.class);
            // ground truth: the runAlways 'count' changeset ran twice (n counts its executions)
            assertThat(queryLong("SELECT n FROM events WHERE id = 1")).isEqualTo(2);
            String scrape = registry.scrape();
            assertThat(scrape)
                    .contains(count("orders-db:count", "success") + "2")
                    .contains(count("orders-db:seed", "success") + "1")
                    .contains(count("orders-db:seed", "failed") + "1")
                    .contains("migration_status{migration_id=\"orders-db:seed\",status=\"failed\"} 1")
                    // 23505 = unique_violation: the second insert of id 2
                    .contains("migration_errors_total{error_type=\"sqlstate_23505\",migration_id=\"orders-db:seed\"} 1")
                    .contains(count("orders-db:1", "success") + "1")
                    .contains(count("orders-db", "success") + "1")
                    .contains(count("orders-db", "failed") + "1");
            ExternalTools.assertPromtoolAcceptsMetrics(scrape);
        }
    }

    @Test
    void withoutObserveAFailedRunAlwaysRerunIsStillRecordedOnItsChangeSet() throws Exception {
        try (MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            update("runalways.sql", migmon, false);
            assertThat(catchThrowable(() -> update("runalways.sql", migmon, false))).isInstanceOf(LiquibaseException.class);

            assertThat(registry.scrape())
                    .contains(count("orders-db:seed", "failed") + "1")
                    .contains("migration_errors_total{error_type=\"sqlstate_23505\",migration_id=\"orders-db:seed\"} 1")
                    .contains("migration_status{migration_id=\"orders-db\",status=\"pending\"} 1");
        }
    }

    @Test
    void preconditionsMarkRanIsNoRunAndContinueIsNotAborted() throws Exception {
        try (MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            update("preconditions.sql", migmon, true);

            // ground truth: 'marked' was marked ran without running, 'later' was skipped and not recorded
            assertThat(query("SELECT id || ':' || exectype FROM databasechangelog ORDER BY orderexecuted"))
                    .containsExactly("1:EXECUTED", "marked:MARK_RAN", "2:EXECUTED");
            assertThat(query("SELECT id::text FROM items ORDER BY id")).containsExactly("1");
            String first = registry.scrape();
            assertThat(first)
                    .doesNotContain(count("orders-db:marked", "success") + "1")
                    .doesNotContain(count("orders-db:later", "aborted") + "1")
                    .doesNotContain("migration_status{migration_id=\"orders-db:marked\",status=\"success\"} 1")
                    .contains(count("orders-db:1", "success") + "1")
                    .contains(count("orders-db:2", "success") + "1")
                    .contains(count("orders-db", "success") + "1");

            // the precondition of 'later' holds now (one row): it runs
            update("preconditions.sql", migmon, true);
            assertThat(query("SELECT id::text FROM items ORDER BY id")).containsExactly("1", "200");
            assertThat(registry.scrape())
                    .contains(count("orders-db:later", "success") + "1")
                    .doesNotContain(count("orders-db:later", "aborted") + "1")
                    .doesNotContain(count("orders-db:marked", "success") + "1")
                    .contains(count("orders-db", "success") + "2");
        }
    }

    @Test
    void aChangeSetRunSpansItsChangesNowThatItStartsAtTheFirstChange() throws Exception {
        try (MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            update("slow.sql", migmon, true);
            // ground truth: the changeset's only statement sleeps 0.3 s in PostgreSQL
            assertThat(registry.get("migration.duration").tag("migration_id", "orders-db:slow").tag("status", "success")
                    .timer().totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(300);
        }
    }

    @Test
    void haltingPreconditionNamesThePreconditionFailureNotLiquibasesWrapper() throws Exception {
        try (MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            Throwable thrown = catchThrowable(() -> update("halt.sql", migmon, true));

            assertThat(thrown).isInstanceOf(LiquibaseException.class);
            assertThat(queryLong("SELECT count(*) FROM guarded")).isZero();
            assertThat(registry.scrape())
                    .contains(count("orders-db", "failed") + "1")
                    .contains("migration_errors_total{error_type=\"PreconditionFailedException\",migration_id=\"orders-db\"} 1")
                    .doesNotContain("error_type=\"LiquibaseException\"")
                    .doesNotContain(count("orders-db:guarded", "success") + "1");
        }
    }

    @Test
    void rollbackCountRecordsEachRolledBackChangeSet() throws Exception {
        try (MigmonLiquibaseListener migmon = MigmonLiquibaseListener.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            update("rollback.sql", migmon, true);
            Throwable thrown;
            try (Connection c = dataSource.getConnection()) {
                Database database = DatabaseFactory.getInstance().findCorrectDatabaseImplementation(new JdbcConnection(c));
                CommandScope rollback = new CommandScope(RollbackCountCommandStep.COMMAND_NAME)
                        .addArgumentValue(DbUrlConnectionArgumentsCommandStep.DATABASE_ARG, database)
                        .addArgumentValue(DatabaseChangelogCommandStep.CHANGELOG_FILE_ARG, "db/rollback.sql")
                        .addArgumentValue(RollbackCountCommandStep.COUNT_ARG, 2)
                        .addArgumentValue(ChangeExecListenerCommandStep.CHANGE_EXEC_LISTENER_ARG, migmon);
                thrown = catchThrowable(() -> migmon.observe(rollback::execute));
            }

            assertThat(thrown).isInstanceOf(LiquibaseException.class);
            // ground truth: 3 was rolled back (table gone, history row gone), 2's rollback failed
            assertThat(query("SELECT id FROM databasechangelog ORDER BY orderexecuted")).containsExactly("1", "2");
            assertThat(queryLong("SELECT count(*) FROM information_schema.tables WHERE table_name = 'r3'")).isZero();
            assertThat(registry.scrape())
                    .contains(count("orders-db:rollback:3", "success") + "1")
                    .contains(count("orders-db:rollback:2", "failed") + "1")
                    .contains("migration_errors_total{error_type=\"sqlstate_42P01\",migration_id=\"orders-db:rollback:2\"} 1")
                    // the forward runs keep their status
                    .contains("migration_status{migration_id=\"orders-db:3\",status=\"success\"} 1")
                    .contains(count("orders-db", "failed") + "1");
        }
    }
}
