package io.migmon.spring.boot35;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.core.MigrationStatus;
import io.migmon.core.ObservableMigration;
import io.migmon.core.health.HealthStatus;
import io.migmon.flyway.MigmonFlywayCallback;
import io.migmon.liquibase.MigmonLiquibaseListener;
import io.migmon.spring.boot.MigmonHealthChecks;
import java.io.InputStream;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Spring Boot 3.5.7 with the oldest Flyway and Liquibase the starter observes (11.13.0 and 4.33.0, in place of Boot's
 * managed 11.7.2 and 4.31.1: the surefire execution {@code boot35-newer-frameworks} swaps the jars). Both are observed
 * with no code; the rows are counted in the database, the runs read from the registry and the health checks. Runs
 * only in that execution (which sets {@code boot35.flyway.version}), also when {@code -Dtest} selects it elsewhere.
 */
@EnabledIfSystemProperty(named = "boot35.flyway.version", matches = ".+")
class Boot35NewerFrameworksTest {

    @SpringBootApplication
    static class App {
    }

    private static ConfigurableApplicationContext run(String... properties) {
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("spring.datasource.url=jdbc:h2:mem:boot35n-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1")
                .properties(properties).run();
    }

    @Test
    void theClassPathIsBoot35WithTheMinimumFlywayAndLiquibase() throws Exception {
        assertThat(SpringBootVersion.getVersion()).isEqualTo("3.5.7");
        assertThat(mavenVersion("org.flywaydb", "flyway-core")).isEqualTo(System.getProperty("boot35.flyway.version"))
                .isEqualTo("11.13.0");
        assertThat(liquibase.util.LiquibaseUtil.getBuildVersion()).isEqualTo(System.getProperty("boot35.liquibase.version"))
                .isEqualTo("4.33.0");
    }

    @Test
    void bootsFlywayIsObservedWithNoCode() {
        try (ConfigurableApplicationContext ctx = run("spring.liquibase.enabled=false")) {
            assertThat(ctx.getBean(JdbcTemplate.class).queryForObject("select count(*) from \"flyway_schema_history\" where \"success\" and \"version\" is not null",
                    Long.class)).isEqualTo(2);
            assertThat(ctx.getBean(JdbcTemplate.class).queryForObject("select count(*) from orders", Long.class)).isEqualTo(2);
            MigmonFlywayCallback callback = ctx.getBean(MigmonFlywayCallback.class);
            assertThat(callback.migrations()).extracting(ObservableMigration::migrationId).contains("flyway", "flyway:1", "flyway:2");
            MeterRegistry registry = ctx.getBean(MeterRegistry.class);
            assertThat(registry.get("migration.duration").tag("migration_id", "flyway").tag("status", "success").timer().count())
                    .isEqualTo(1);
            assertThat(registry.get("migration.duration").tag("migration_id", "flyway:2").tag("status", "success").timer().count())
                    .isEqualTo(1);
            var checks = ctx.getBean(MigmonHealthChecks.class).current();
            assertThat(checks).containsKey("flyway");
            assertThat(checks.get("flyway").check().status()).isEqualTo(HealthStatus.UP);
        }
    }

    @Test
    void bootsLiquibaseIsObservedPerChangeSetWithNoCode() {
        try (ConfigurableApplicationContext ctx = run("spring.flyway.enabled=false",
                "spring.liquibase.change-log=classpath:db/changelog/changelog.sql")) {
            assertThat(ctx.getBean(JdbcTemplate.class).queryForObject("select count(*) from customers", Long.class)).isEqualTo(1);
            MigmonLiquibaseListener l = ctx.getBean(MigmonLiquibaseListener.class);
            assertThat(l.migration("liquibase:1")).map(ObservableMigration::status).contains(MigrationStatus.SUCCESS);
            assertThat(l.migration("liquibase:2")).map(ObservableMigration::status).contains(MigrationStatus.SUCCESS);
            assertThat(ctx.getBean(MeterRegistry.class).get("migration.duration").tag("migration_id", "liquibase:2")
                    .tag("status", "success").timer().count()).isEqualTo(1);
            assertThat(ctx.getBean(MigmonHealthChecks.class).current()).containsKeys("liquibase:1", "liquibase:2");
        }
    }

    private static String mavenVersion(String group, String artifact) throws Exception {
        try (InputStream in = Boot35NewerFrameworksTest.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/" + group + "/" + artifact + "/pom.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        }
    }
}
