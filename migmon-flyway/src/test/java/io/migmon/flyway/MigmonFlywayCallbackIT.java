package io.migmon.flyway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import db.clock.V1__Slow_step;
import db.mdc.V1__Record_mdc;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.MigrationStatus;
import io.migmon.core.spi.MigrationListener;
import io.migmon.core.MigrationRun;
import io.migmon.core.testing.ExternalTools;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/** Flyway (13.x here, 11.13 and 11.7 in migmon-compat) against a real embedded PostgreSQL, real SQL and Java migrations, metrics read from a scrape. */
class MigmonFlywayCallbackIT {

    private static EmbeddedPostgresFixture postgres;

    private PrometheusMeterRegistry registry;
    private DataSource dataSource;

    @BeforeAll
    static void startPostgres() {
        postgres = EmbeddedPostgresFixture.builder("flyway").start();
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
                .callbacks(callback).load();
    }

    @Test
    void successfulMigrateRecordsTheRunAndEachVersion() {
        try (MigmonFlywayCallback migmon = MigmonFlywayCallback.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            MigrateResult result = flyway("ok", migmon).migrate();
            assertThat(result.migrationsExecuted).isEqualTo(3);

            String scrape = registry.scrape();
            assertThat(scrape)
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"failed\"} 0")
                    .contains("migration_status{migration_id=\"orders-db\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:1\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:2\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:3\",status=\"success\"} 1")
                    .contains("migration_status{migration_id=\"orders-db:3\",status=\"success\"} 1")
                    .doesNotContain("migration_errors_total{");
            assertThat(migmon.migration("orders-db")).get()
                    .satisfies(m -> assertThat(m.status()).isEqualTo(MigrationStatus.SUCCESS));

            // nothing pending: a second run, no version runs
            assertThat(flyway("ok", migmon).migrate().migrationsExecuted).isZero();
            assertThat(registry.scrape())
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"success\"} 2")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:2\",status=\"success\"} 1");
            ExternalTools.assertPromtoolAcceptsMetrics(registry.scrape());
        }
        assertThat(MDC.get("migration_id")).isNull();
    }

    @Test
    void failingMigrationIsRecordedAndFlywaysOwnExceptionReachesTheHost() {
        try (MigmonFlywayCallback migmon = MigmonFlywayCallback.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            Throwable thrown = catchThrowable(() -> flyway("failing", migmon).migrate());

            // Flyway's own exception, not wrapped by migmon
            assertThat(thrown).isInstanceOf(FlywayException.class);
            assertThat(thrown.getClass().getName()).startsWith("org.flywaydb.");
            assertThat(thrown).hasMessageContaining("V2__broken_insert.sql");

            // 42P01 = undefined_table, reported by PostgreSQL for the broken statement; Flyway 11.7-11.13 pass no SQL
            // state to callbacks, so without observe() (FlywayUnhappyPathsIT) the type is Flyway's exception there
            String type = FlywayVersions.current().orElseThrow().startsWith("11.") ? "FlywayMigrateException" : "sqlstate_42P01";
            String scrape = registry.scrape();
            assertThat(scrape)
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"failed\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"success\"} 0")
                    .contains("migration_status{migration_id=\"orders-db\",status=\"failed\"} 1")
                    .contains("migration_errors_total{error_type=\"" + type + "\",migration_id=\"orders-db\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:1\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:2\",status=\"failed\"} 1")
                    .contains("migration_status{migration_id=\"orders-db:2\",status=\"failed\"} 1")
                    .contains("migration_errors_total{error_type=\"" + type + "\",migration_id=\"orders-db:2\"} 1")
                    .doesNotContain("migration_id=\"orders-db:3\"");
            ExternalTools.assertPromtoolAcceptsMetrics(scrape);
        }
        assertThat(MDC.get("migration_id")).isNull();
        assertThat(MDC.get("version")).isNull();
    }

    @Test
    void migrateRefusedByValidationIsRecordedAsFailed() {
        try (MigmonFlywayCallback migmon = MigmonFlywayCallback.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            flyway("ok", migmon).migrate();

            Throwable thrown = catchThrowable(() -> flyway("changed", migmon).migrate());

            assertThat(thrown.getClass().getSimpleName()).isEqualTo(MigmonFlywayCallback.VALIDATE_FAILURE_TYPE);
            assertThat(registry.scrape())
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db\",status=\"failed\"} 1")
                    .contains("migration_status{migration_id=\"orders-db\",status=\"failed\"} 1")
                    .contains("migration_errors_total{error_type=\"FlywayValidateException\",migration_id=\"orders-db\"} 1");
        }
    }

    @Test
    void mdcCarriesMigrationIdAndVersionWhileAVersionRuns() {
        MDC.put("migration_id", "host-value");
        try (MigmonFlywayCallback migmon = MigmonFlywayCallback.builder()
                .meterRegistry(registry).migrationId(c -> "schema-" + c.getConfiguration().getDefaultSchema())
                .build()) {
            Flyway.configure().dataSource(dataSource).locations("classpath:db/mdc").defaultSchema("app")
                    .callbacks(migmon).load().migrate();

            assertThat(V1__Record_mdc.SEEN)
                    .containsEntry("migration_id", "schema-app")
                    .containsEntry("version", "1");
            assertThat(registry.scrape())
                    .contains("migration_duration_seconds_count{migration_id=\"schema-app:1\",status=\"success\"} 1");
            // the host's MDC value is restored
            assertThat(MDC.get("migration_id")).isEqualTo("host-value");
        } finally {
            MDC.remove("migration_id");
        }
    }

    @Test
    void durationsComeFromTheInjectedClock() {
        try (MigmonFlywayCallback migmon = MigmonFlywayCallback.builder()
                .meterRegistry(registry).migrationId("timed").clock(V1__Slow_step.CLOCK).build()) {
            flyway("clock", migmon).migrate();

            assertThat(registry.scrape())
                    .contains("migration_duration_seconds_sum{migration_id=\"timed:1\",status=\"success\"} 90.0")
                    .contains("migration_duration_seconds_bucket{migration_id=\"timed:1\",status=\"success\",le=\"60.0\"} 0")
                    .contains("migration_duration_seconds_bucket{migration_id=\"timed:1\",status=\"success\",le=\"300.0\"} 1")
                    .contains("migration_duration_seconds_sum{migration_id=\"timed:2\",status=\"success\"} 2.5")
                    .contains("migration_duration_seconds_sum{migration_id=\"timed\",status=\"success\"} 92.5");
        }
    }

    @Test
    void repeatableMigrationsAreRecordedUnderTheirDescription() {
        try (MigmonFlywayCallback migmon = MigmonFlywayCallback.builder()
                .meterRegistry(registry).migrationId("orders-db").build()) {
            flyway("repeatable", migmon).migrate();

            assertThat(registry.scrape())
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:1\",status=\"success\"} 1")
                    .contains("migration_duration_seconds_count{migration_id=\"orders-db:R:customer_names_view\","
                            + "status=\"success\"} 1");
        }
    }

    @Test
    void perVersionRunsCanBeSwitchedOff() {
        try (MigmonFlywayCallback migmon = MigmonFlywayCallback.builder()
                .meterRegistry(registry).migrationId("orders-db").perVersion(false).build()) {
            Flyway flyway = flyway("failing", migmon);
            assertThatThrownBy(() -> migmon.observe(flyway::migrate)).isInstanceOf(FlywayException.class);

            assertThat(registry.scrape())
                    .contains("migration_errors_total{error_type=\"sqlstate_42P01\",migration_id=\"orders-db\"} 1")
                    .doesNotContain("orders-db:");
        }
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void oneCallbackServesConcurrentMigratesOfDifferentSchemas() throws Exception {
        try (MigmonFlywayCallback migmon = MigmonFlywayCallback.builder().meterRegistry(registry)
                .migrationId(c -> "tenant-" + c.getConfiguration().getDefaultSchema()).build()) {
            List<Callable<Integer>> tenants = new ArrayList<>();
            for (String schema : List.of("alpha", "beta", "gamma")) {
                tenants.add(() -> Flyway.configure().dataSource(dataSource).locations("classpath:db/ok")
                        .defaultSchema(schema).callbacks(migmon).load().migrate().migrationsExecuted);
            }
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                for (Future<Integer> f : pool.invokeAll(tenants)) {
                    assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(3);
                }
            } finally {
                pool.shutdownNow();
            }

            String scrape = registry.scrape();
            for (String tenant : List.of("tenant-alpha", "tenant-beta", "tenant-gamma")) {
                assertThat(scrape)
                        .contains("migration_duration_seconds_count{migration_id=\"" + tenant + "\",status=\"success\"} 1")
                        .contains("migration_duration_seconds_count{migration_id=\"" + tenant + ":3\",status=\"success\"} 1");
            }
            assertThat(scrape).doesNotContain("migmon_observability_failures_total{");
        }
    }

    @Test
    void failuresInsideMigmonNeverBreakFlyway() {
        MigrationListener throwing = new MigrationListener() {
            @Override
            public void onStart(MigrationRun run) {
                throw new IllegalStateException("listener bug");
            }
        };
        try (MigmonFlywayCallback migmon = MigmonFlywayCallback.builder().meterRegistry(registry)
                .migrationId(c -> {
                    throw new IllegalStateException("id function bug");
                })
                .listener(throwing).build()) {
            assertThat(flyway("ok", migmon).migrate().migrationsExecuted).isEqualTo(3);

            assertThat(registry.scrape())
                    .contains("migmon_observability_failures_total{component=\"flyway.callback\"} 1")
                    .contains("migmon_observability_failures_total{component=\"listener\"} 1")
                    // fell back to the default id
                    .contains("migration_duration_seconds_count{migration_id=\"flyway\",status=\"success\"} 1");
        }
    }

    @Test
    void closeRemovesOnlyMigmonsMeters() {
        Counter hostCounter = registry.counter("host.requests");
        hostCounter.increment();
        MigmonFlywayCallback migmon = MigmonFlywayCallback.builder()
                .meterRegistry(registry).migrationId("orders-db").maxTrackedVersions(2).build();
        flyway("ok", migmon).migrate();
        // three versions applied, at most two keep their meters
        assertThat(registry.scrape())
                .doesNotContain("migration_id=\"orders-db:1\"")
                .contains("migration_id=\"orders-db:2\"")
                .contains("migration_id=\"orders-db:3\"");

        migmon.close();

        assertThat(registry.getMeters()).containsExactly(hostCounter);
        assertThat(registry.scrape()).contains("host_requests_total 1.0").doesNotContain("migration_");
        // events after close are ignored and register nothing
        assertThatThrownBy(() -> flyway("failing", migmon).migrate()).isInstanceOf(FlywayException.class);
        assertThat(registry.getMeters()).containsExactly(hostCounter);
    }
}
