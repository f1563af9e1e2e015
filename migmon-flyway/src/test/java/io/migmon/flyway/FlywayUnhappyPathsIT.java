package io.migmon.flyway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import io.migmon.core.MigrationStatus;
import java.util.Arrays;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.output.ValidateResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Unhappy paths on every Flyway version of the matrix (13.x here, 11.13 and 11.7 in migmon-compat) against a real
 * PostgreSQL; ground truth is Flyway's own history ({@code info()}, {@code validateWithResult()}).
 */
class FlywayUnhappyPathsIT {

    private static EmbeddedPostgresFixture postgres;

    private PrometheusMeterRegistry registry;
    private DataSource dataSource;

    @BeforeAll
    static void startPostgres() {
        postgres = EmbeddedPostgresFixture.builder("flyway-unhappy").start();
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

    private Flyway flyway(String location, MigmonFlywayCallback callback) {
        return Flyway.configure().dataSource(dataSource).locations("classpath:db/" + location)
                .ignoreMigrationPatterns("*:pending").callbacks(callback).load();
    }

    private static String count(String id, String status) {
        return "migration_duration_seconds_count{migration_id=\"" + id + "\",status=\"" + status + "\"} ";
    }

    @Test
    void observedMigrateReadsTheSqlStateFromTheExceptionChainOnEveryVersion() {
        try (MigmonFlywayCallback migmon = MigmonFlywayCallback.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            Flyway flyway = flyway("failing", migmon);
            Throwable thrown = catchThrowable(() -> migmon.observe(flyway::migrate));

            assertThat(thrown).isInstanceOf(FlywayException.class).hasMessageContaining("V2__broken_insert.sql");
            assertThat(registry.scrape())
                    .contains(count("orders-db", "failed") + "1")
                    .contains("migration_errors_total{error_type=\"sqlstate_42P01\",migration_id=\"orders-db\"} 1")
                    .contains(count("orders-db:1", "success") + "1")
                    .contains(count("orders-db:2", "failed") + "1")
                    .contains("migration_errors_total{error_type=\"sqlstate_42P01\",migration_id=\"orders-db:2\"} 1")
                    .doesNotContain("error_type=\"FlywayMigrateException\"");
            // a successful observed migrate returns Flyway's result
            assertThat(migmon.observe(flyway("ok", migmon)::info)).isNotNull();
        }
    }

    @Test
    void validateWithResultIsACheckNotAFailedRun() {
        try (MigmonFlywayCallback migmon = MigmonFlywayCallback.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            flyway("ok", migmon).migrate();

            ValidateResult result = flyway("changed", migmon).validateWithResult();

            assertThat(result.validationSuccessful).isFalse(); // ground truth: Flyway found the changed checksum
            assertThat(registry.scrape())
                    .contains(count("orders-db", "success") + "1")
                    .contains(count("orders-db", "failed") + "0")
                    .contains("migration_status{migration_id=\"orders-db\",status=\"success\"} 1")
                    .doesNotContain("migration_errors_total{");
            // validate() throws, but is still the host's check, not a migrate
            assertThat(catchThrowable(() -> flyway("changed", migmon).validate())).isInstanceOf(FlywayException.class);
            assertThat(registry.scrape()).contains(count("orders-db", "failed") + "0");
        }
    }

    @Test
    void repairThenASuccessfulValidateMakeTheFailedMigrationPendingAgain() {
        try (MigmonFlywayCallback migmon = MigmonFlywayCallback.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            Flyway flyway = flyway("failing", migmon);
            catchThrowable(flyway::migrate);
            assertThat(migmon.migration("orders-db").orElseThrow().status()).isEqualTo(MigrationStatus.FAILED);

            assertThat(flyway.validateWithResult().validationSuccessful).isTrue();
            assertThat(migmon.migration("orders-db").orElseThrow().status())
                    .as("a validate alone changes nothing: nobody repaired").isEqualTo(MigrationStatus.FAILED);

            flyway.repair();
            flyway.validate();

            // ground truth: Flyway's history has no failed attempt, version 2 is pending
            assertThat(Arrays.stream(flyway.info().all()).map(i -> i.getState()))
                    .doesNotContain(MigrationState.FAILED).contains(MigrationState.PENDING);
            assertThat(migmon.migration("orders-db").orElseThrow().status()).isEqualTo(MigrationStatus.PENDING);
            assertThat(migmon.migration("orders-db:2").orElseThrow().status()).isEqualTo(MigrationStatus.PENDING);
            assertThat(migmon.migration("orders-db:1").orElseThrow().status()).isEqualTo(MigrationStatus.SUCCESS);
            assertThat(registry.scrape())
                    .contains("migration_status{migration_id=\"orders-db\",status=\"pending\"} 1")
                    .contains("migration_status{migration_id=\"orders-db\",status=\"failed\"} 0")
                    // the history of the failure stays in the counters
                    .contains(count("orders-db", "failed") + "1");
        }
    }
}
