package io.migmon.flyway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.MigrationStatus;
import io.migmon.core.testing.MutableClock;
import io.migmon.core.support.ErrorTypes;
import io.migmon.core.support.MigrationRegistry;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.TimeUnit;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.callback.Statement;
import org.flywaydb.core.api.configuration.Configuration;
import org.flywaydb.core.api.output.OperationResult;
import org.junit.jupiter.api.Test;

/**
 * Event sequences Flyway itself does not produce on demand (a migrate that never ends, an error before any version).
 * Normal sequences are covered against real Flyway in {@link MigmonFlywayCallbackIT}.
 */
class MigmonFlywayCallbackTest {

    /** Context of run-level events: Flyway passes no migration info or statement there. */
    private static final Context RUN_CONTEXT = new Context() {
        @Override
        public Configuration getConfiguration() {
            return null;
        }

        @Override
        public Connection getConnection() {
            return null;
        }

        @Override
        public MigrationInfo getMigrationInfo() {
            return null;
        }

        @Override
        public Statement getStatement() {
            return null;
        }

        @Override
        public OperationResult getOperationResult() {
            return null;
        }
    };

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-01-01T00:00:00Z");

    private MigmonFlywayCallback callback() {
        return MigmonFlywayCallback.builder().meterRegistry(registry).migrationId("app").clock(clock).build();
    }

    @Test
    void migrateThatNeverEndedIsAbortedWhenTheNextOneStarts() {
        try (MigmonFlywayCallback cb = callback()) {
            cb.handle(Event.BEFORE_MIGRATE, RUN_CONTEXT);
            clock.advanceSeconds(5);
            cb.handle(Event.BEFORE_MIGRATE, RUN_CONTEXT);

            assertThat(registry.get("migration.duration").tag("migration_id", "app").tag("status", "aborted")
                    .timer().totalTime(TimeUnit.SECONDS)).isEqualTo(5.0);
            assertThat(cb.migration("app")).get().extracting(m -> m.status()).isEqualTo(MigrationStatus.RUNNING);
            cb.handle(Event.AFTER_MIGRATE, RUN_CONTEXT);
            assertThat(cb.migration("app")).get().extracting(m -> m.status()).isEqualTo(MigrationStatus.SUCCESS);
        }
    }

    @Test
    void errorBeforeAnyVersionCountsFlywaysExceptionType() {
        try (MigmonFlywayCallback cb = callback()) {
            cb.handle(Event.BEFORE_MIGRATE, RUN_CONTEXT);
            clock.advanceSeconds(1);
            cb.handle(Event.AFTER_MIGRATE_ERROR, RUN_CONTEXT);

            assertThat(registry.get("migration.errors").tag("migration_id", "app")
                    .tag("error_type", "FlywayMigrateException").counter().count()).isEqualTo(1.0);
            assertThat(registry.get("migration.duration").tag("migration_id", "app").tag("status", "failed")
                    .timer().totalTime(TimeUnit.SECONDS)).isEqualTo(1.0);
        }
    }

    @Test
    void fixedIdIsPendingBeforeTheFirstMigrate() {
        try (MigmonFlywayCallback cb = callback()) {
            assertThat(registry.get("migration.status").tag("migration_id", "app").tag("status", "pending")
                    .gauge().value()).isEqualTo(1.0);
            assertThat(cb.migration("app")).get().extracting(m -> m.status()).isEqualTo(MigrationStatus.PENDING);
        }
    }

    @Test
    void eventsOutsideAMigrateAndAfterCloseAreIgnored() {
        MigmonFlywayCallback cb = MigmonFlywayCallback.builder().meterRegistry(registry)
                .migrationId(c -> "app").clock(clock).build();
        cb.handle(Event.AFTER_EACH_MIGRATE, RUN_CONTEXT);
        cb.handle(Event.AFTER_MIGRATE, RUN_CONTEXT);
        assertThat(registry.getMeters()).isEmpty();
        cb.close();
        cb.handle(Event.BEFORE_MIGRATE, RUN_CONTEXT);
        cb.handle(Event.AFTER_MIGRATE, RUN_CONTEXT);
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void closedDuringAMigrateRecordsNothingMoreAndRestoresTheMdc() {
        MigmonFlywayCallback cb = callback();
        cb.handle(Event.BEFORE_MIGRATE, RUN_CONTEXT);
        assertThat(org.slf4j.MDC.get("migration_id")).isEqualTo("app");
        cb.close();
        assertThat(registry.getMeters()).isEmpty();

        cb.handle(Event.AFTER_MIGRATE_ERROR, RUN_CONTEXT);

        assertThat(registry.getMeters()).isEmpty();
        assertThat(org.slf4j.MDC.get("migration_id")).isNull();
    }

    @Test
    void subscribesToMigrateEventsOnly() {
        try (MigmonFlywayCallback cb = callback()) {
            assertThat(cb.supports(Event.BEFORE_MIGRATE, RUN_CONTEXT)).isTrue();
            assertThat(cb.supports(Event.AFTER_EACH_MIGRATE_ERROR, RUN_CONTEXT)).isTrue();
            assertThat(cb.supports(Event.BEFORE_CLEAN, RUN_CONTEXT)).isFalse();
            assertThat(cb.supports(Event.AFTER_EACH_MIGRATE_STATEMENT, RUN_CONTEXT)).isFalse();
            assertThat(cb.canHandleInTransaction(Event.BEFORE_EACH_MIGRATE, RUN_CONTEXT)).isTrue();
            assertThat(cb.getCallbackName()).isEqualTo("migmon");
        }
    }

    @Test
    void metricsOptionsApplyThePrefix() {
        try (MigmonFlywayCallback cb = MigmonFlywayCallback.builder().meterRegistry(registry).migrationId("app")
                .metricsOptions(io.migmon.core.metrics.MetricsOptions.builder().prefix("myapp").build()).build()) {
            cb.handle(Event.BEFORE_MIGRATE, RUN_CONTEXT);
            cb.handle(Event.AFTER_MIGRATE, RUN_CONTEXT);
            assertThat(registry.get("myapp.migration.duration").tag("migration_id", "app").tag("status", "success")
                    .timer().count()).isEqualTo(1);
            assertThat(registry.find("migration.duration").timers()).isEmpty();
        }
    }

    @Test
    void versionIdsAreValidMigrationIds() {
        assertThat(MigrationRegistry.versionId("app", "2.1")).isEqualTo("app:2.1");
        assertThat(MigrationRegistry.versionId("app", "R:create views")).isEqualTo("app:R:create_views");
        assertThat(MigrationRegistry.versionId("app", " ")).isEqualTo("app:unknown");
        assertThat(MigrationRegistry.versionId("app", "x".repeat(300))).hasSize(128);
        assertThat(MigrationRegistry.isValidId(MigrationRegistry.versionId("app", "ü/ß #1"))).isTrue();
    }

    @Test
    void errorTypePrefersTheSqlStateInTheCauseChain() {
        assertThat(ErrorTypes.of(new RuntimeException(new SQLException("x", "42P01"))))
                .isEqualTo("sqlstate_42P01");
        assertThat(ErrorTypes.of(new SQLException("no state"))).isEqualTo("SQLException");
        assertThat(ErrorTypes.of(new IllegalStateException())).isEqualTo("IllegalStateException");
        assertThat(ErrorTypes.of(null)).isEqualTo("unknown");
    }

    @Test
    void builderNamesTheFieldInItsErrors() {
        assertThatThrownBy(() -> MigmonFlywayCallback.builder().build())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("meterRegistry");
        assertThatThrownBy(() -> MigmonFlywayCallback.builder().migrationId("has space"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("migrationId")
                .hasMessageContaining("has space");
        assertThatThrownBy(() -> MigmonFlywayCallback.builder().migrationId((String) null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("migrationId");
        assertThatThrownBy(() -> MigmonFlywayCallback.builder().maxTrackedVersions(0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxTrackedVersions");
        // the builder rule of decisions.md: a null setter value is an IllegalArgumentException naming the field
        assertThatThrownBy(() -> MigmonFlywayCallback.builder().clock(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clock");
        assertThatThrownBy(() -> MigmonFlywayCallback.builder().instrumentation(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("instrumentation");
    }

    @Test
    void instrumentationSetsRegistryOptionsAndClockAndTheIdIsTheBuildersArgument() {
        io.migmon.core.testing.MutableClock fixed = new io.migmon.core.testing.MutableClock(java.time.Instant.EPOCH);
        io.micrometer.core.instrument.simple.SimpleMeterRegistry reg = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        try (MigmonFlywayCallback c = MigmonFlywayCallback.builder("orders-db")
                .instrumentation(io.migmon.core.metrics.Instrumentation.of(reg).withClock(fixed)
                        .withOptions(io.migmon.core.metrics.MetricsOptions.builder().prefix("app").build()))
                .build()) {
            assertThat(c.migration("orders-db")).isPresent();
            assertThat(reg.find("app.migration.status").tag("migration_id", "orders-db").gauges()).isNotEmpty();
        }
        assertThatThrownBy(() -> MigmonFlywayCallback.builder("has space"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("migrationId");
    }
}
