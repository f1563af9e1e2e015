package io.migmon.liquibase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.MigrationStatus;
import io.migmon.core.testing.MutableClock;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import liquibase.changelog.ChangeSet;
import liquibase.changelog.DatabaseChangeLog;
import liquibase.exception.DatabaseException;
import liquibase.exception.MigrationFailedException;
import org.junit.jupiter.api.Test;

/** Drives the listener with real Liquibase ChangeSet objects and a hand-moved clock: exact durations. */
class MigmonLiquibaseListenerTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");
    private final DatabaseChangeLog changeLog = new DatabaseChangeLog("db/changelog.sql");

    private ChangeSet changeSet(String id) {
        return new ChangeSet(id, "alice", false, false, "db/changelog.sql", null, null, changeLog);
    }

    /** What Liquibase calls when a changeset starts running: willRun of the changeset, then of its first change. */
    private void start(MigmonLiquibaseListener l, ChangeSet cs) {
        l.willRun(cs, changeLog, null, ChangeSet.RunStatus.NOT_RAN);
        l.willRun(new liquibase.change.core.RawSQLChange("SELECT 1"), cs, changeLog, null);
    }

    private MigmonLiquibaseListener listener() {
        return MigmonLiquibaseListener.builder().meterRegistry(registry).migrationId("app").clock(clock).build();
    }

    private Timer timer(String id, String status) {
        return registry.get("migration.duration").tag("migration_id", id).tag("status", status).timer();
    }

    @Test
    void durationsOfChangeSetsAndUpdateComeFromTheClock() throws Exception {
        try (MigmonLiquibaseListener l = listener()) {
            ChangeSet one = changeSet("1");
            ChangeSet two = changeSet("2");
            l.observe(() -> {
                start(l, one);
                clock.advanceSeconds(90);
                l.ran(one, changeLog, null, ChangeSet.ExecType.EXECUTED);
                // considered, but no change ran (e.g. a precondition skipped it): not recorded
                l.willRun(two, changeLog, null, ChangeSet.RunStatus.NOT_RAN);
                clock.advanceSeconds(10);
            });

            assertThat(timer("app:1", "success").totalTime(TimeUnit.SECONDS)).isEqualTo(90.0);
            assertThat(timer("app", "success").totalTime(TimeUnit.SECONDS)).isEqualTo(100.0);
            assertThat(registry.find("migration.duration").tag("migration_id", "app:2").timers()).isEmpty();
        }
    }

    @Test
    void failedChangeSetCountsTheSqlStateFromTheCauseChain() throws Exception {
        try (MigmonLiquibaseListener l = listener()) {
            ChangeSet cs = changeSet("create-orders");
            MigrationFailedException failure = new MigrationFailedException(cs,
                    new DatabaseException("boom", new SQLException("duplicate", "23505")));
            assertThatThrownBy(() -> l.observe(() -> {
                start(l, cs);
                clock.advanceSeconds(2);
                l.runFailed(cs, changeLog, null, failure);
                throw failure;
            })).isSameAs(failure);

            assertThat(timer("app:create-orders", "failed").totalTime(TimeUnit.SECONDS)).isEqualTo(2.0);
            assertThat(registry.get("migration.errors").tag("migration_id", "app:create-orders")
                    .tag("error_type", "sqlstate_23505").counter().count()).isEqualTo(1.0);
            assertThat(registry.get("migration.errors").tag("migration_id", "app")
                    .tag("error_type", "sqlstate_23505").counter().count()).isEqualTo(1.0);
            assertThat(l.migration("app")).get().extracting(m -> m.status()).isEqualTo(MigrationStatus.FAILED);
        }
    }

    @Test
    void errorWithoutSqlStateIsCountedByExceptionType() throws Exception {
        try (MigmonLiquibaseListener l = listener()) {
            ChangeSet cs = changeSet("1");
            l.willRun(cs, changeLog, null, ChangeSet.RunStatus.NOT_RAN);
            l.runFailed(cs, changeLog, null, new IllegalStateException("no sql here"));

            assertThat(registry.get("migration.errors").tag("migration_id", "app:1")
                    .tag("error_type", "IllegalStateException").counter().count()).isEqualTo(1.0);
        }
    }

    @Test
    void changeSetWithoutOutcomeIsAbortedWhenTheNextOneStarts() {
        try (MigmonLiquibaseListener l = listener()) {
            ChangeSet two = changeSet("2");
            start(l, changeSet("1"));
            l.willRun(two, changeLog, null, ChangeSet.RunStatus.RUN_AGAIN);
            l.willRun(new liquibase.change.core.RawSQLChange("SELECT 1"), two, changeLog, null);
            l.ran(changeSet("2"), changeLog, null, ChangeSet.ExecType.EXECUTED); // another object: ignored
            assertThat(l.migration("app:1")).get().extracting(m -> m.status()).isEqualTo(MigrationStatus.ABORTED);
            assertThat(l.migration("app:2")).get().extracting(m -> m.status()).isEqualTo(MigrationStatus.RUNNING);
            l.ran(two, changeLog, null, ChangeSet.ExecType.EXECUTED);
            assertThat(l.migration("app:2")).get().extracting(m -> m.status()).isEqualTo(MigrationStatus.SUCCESS);
            assertThat(org.slf4j.MDC.get("migration_id")).isNull();
        }
    }

    @Test
    void changeSetLabelsAreSanitizedIntoValidMigrationIds() {
        try (MigmonLiquibaseListener l = listener()) {
            ChangeSet cs = changeSet("add orders/index #1");
            l.willRun(cs, changeLog, null, ChangeSet.RunStatus.NOT_RAN);
            l.ran(cs, changeLog, null, ChangeSet.ExecType.EXECUTED);
            assertThat(timer("app:add_orders_index__1", "success").count()).isEqualTo(1);
        }
    }

    @Test
    void perChangeSetRunsCanBeSwitchedOff() throws Exception {
        try (MigmonLiquibaseListener l = MigmonLiquibaseListener.builder().meterRegistry(registry)
                .migrationId("app").clock(clock).perChangeSet(false).build()) {
            ChangeSet cs = changeSet("1");
            l.observe(() -> {
                start(l, cs);
                clock.advanceSeconds(3);
                l.ran(cs, changeLog, null, ChangeSet.ExecType.EXECUTED);
            });
            assertThat(timer("app", "success").totalTime(TimeUnit.SECONDS)).isEqualTo(3.0);
            assertThat(registry.find("migration.duration").tag("migration_id", "app:1").timers()).isEmpty();
            assertThat(l.migrations()).hasSize(1);
        }
    }

    @Test
    void closedDuringAnUpdateRecordsNothingMoreAndRestoresTheMdc() throws Exception {
        MigmonLiquibaseListener l = listener();
        ChangeSet cs = changeSet("1");
        assertThatThrownBy(() -> l.observe(() -> {
            start(l, cs);
            l.close();
            l.runFailed(cs, changeLog, null, new IllegalStateException("boom"));
            throw new DatabaseException("boom");
        })).isInstanceOf(DatabaseException.class);

        assertThat(registry.getMeters()).isEmpty();
        assertThat(org.slf4j.MDC.get("migration_id")).isNull();
        assertThat(org.slf4j.MDC.get("version")).isNull();
    }

    @Test
    void errorTypeLooksThroughTheCommandWrapper() {
        assertThat(MigmonLiquibaseListener.errorType(new liquibase.exception.CommandExecutionException(
                new liquibase.exception.ValidationFailedException(new liquibase.changelog.visitor.ValidatingVisitor()))))
                .isEqualTo("ValidationFailedException");
        assertThat(MigmonLiquibaseListener.errorType(new liquibase.exception.CommandExecutionException(
                new DatabaseException(new SQLException("dup", "23505"))))).isEqualTo("sqlstate_23505");
        assertThat(MigmonLiquibaseListener.errorType(new liquibase.exception.CommandExecutionException((Throwable) null)))
                .isEqualTo("CommandExecutionException");
    }

    @Test
    void builderNamesTheFieldInItsErrors() {
        assertThatThrownBy(() -> MigmonLiquibaseListener.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("meterRegistry");
        assertThatThrownBy(() -> MigmonLiquibaseListener.builder().migrationId("has space"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("migrationId")
                .hasMessageContaining("has space");
        assertThatThrownBy(() -> MigmonLiquibaseListener.builder().maxTrackedChangeSets(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxTrackedChangeSets");
        assertThatThrownBy(() -> MigmonLiquibaseListener.builder().changeSetLabel(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("changeSetLabel");
        assertThatThrownBy(() -> MigmonLiquibaseListener.builder().instrumentation(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("instrumentation");
        try (MigmonLiquibaseListener l = MigmonLiquibaseListener.builder("orders-db")
                .instrumentation(io.migmon.core.metrics.Instrumentation.of(registry)).build()) {
            assertThat(l.migrationId()).isEqualTo("orders-db");
            assertThat(l.migration("orders-db")).isPresent();
        }
    }
}
