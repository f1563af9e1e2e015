package io.migmon.spring.boot35;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.spring.boot.MigmonMigrations;
import io.migmon.spring.boot.internal.MigmonSanitizing;
import io.migmon.spring.boot.internal.UnsupportedFrameworkVersionException;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The starter in a Spring Boot 3.5.7 application with Boot's own Flyway (11.7.2) and Liquibase (4.31.1): what works
 * and what does not, as docs/spring-boot.md states it. Liquibase is off unless a test switches it on (its old version
 * fails start-up on purpose). Boot35NewerFrameworksTest runs the same Boot with Flyway 11.13.0 and Liquibase 4.33.0.
 */
@ExtendWith(OutputCaptureExtension.class)
@DisabledIfSystemProperty(named = "boot35.flyway.version", matches = ".+") // not in the boot35-newer-frameworks execution
class Boot35Test {

    @SpringBootApplication
    static class App {
    }

    private SpringApplicationBuilder app(String... properties) {
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("spring.datasource.url=jdbc:h2:mem:boot35-" + System.nanoTime() + ";DB_CLOSE_DELAY=-1",
                        "spring.liquibase.enabled=false", "migmon.liquibase.enabled=false")
                .properties(properties);
    }

    @Test
    void theClassPathIsBoot35WithItsFlywayAndLiquibase() {
        assertThat(SpringBootVersion.getVersion()).isEqualTo("3.5.7");
        assertThat(Flyway.class.getPackage().getImplementationVersion()).isIn("11.7.2", null);
        assertThat(liquibase.util.LiquibaseUtil.getBuildVersion()).isEqualTo("4.31.1");
    }

    @Test
    void boots35ManagedLiquibaseFailsStartUpNamingTheMinimumVersion(CapturedOutput output) {
        assertThatThrownBy(() -> app("migmon.flyway.enabled=false", "migmon.liquibase.enabled=true",
                "spring.liquibase.enabled=true", "spring.liquibase.change-log=classpath:db/changelog/changelog.sql").run())
                .hasRootCauseInstanceOf(UnsupportedFrameworkVersionException.class)
                .rootCause().hasMessageContaining("migmon needs Liquibase 4.33 or newer, found 4.31.1");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("migmon-spring-boot-starter observes Liquibase 4.33 or newer; the class path has Liquibase 4.31.1.")
                .contains("migmon.liquibase.enabled=false");
    }

    @Test
    void boots35ManagedFlywayFailsStartUpNamingTheMinimumVersion(CapturedOutput output) {
        assertThatThrownBy(() -> app().run()).hasRootCauseInstanceOf(UnsupportedFrameworkVersionException.class)
                .rootCause().hasMessageContaining("migmon needs Flyway 11.13 or newer, found 11.7.2");
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
                .contains("migmon-spring-boot-starter observes Flyway 11.13 or newer; the class path has Flyway 11.7.2.")
                .contains("migmon.flyway.enabled=false");
    }

    @Test
    void withFlywayObservationOffTheRestWorksExceptActuatorHealth() throws Exception {
        try (ConfigurableApplicationContext ctx = app("migmon.flyway.enabled=false",
                "migmon.alerting.webhook.url=http://127.0.0.1:9/hook").run()) {
            assertThat(ctx.getBean(JdbcTemplate.class).queryForObject("select count(*) from orders", Long.class)).isEqualTo(2);
            MeterRegistry registry = ctx.getBean(MeterRegistry.class);
            long rows = ctx.getBean(MigmonMigrations.class).migration("boot35-backfill").run(c -> {
                c.recordRows("t", 7);
                return 7L;
            });
            assertThat(rows).isEqualTo(7);
            assertThat(registry.find("migration.rows").tag("migration_id", "boot35-backfill").meters().stream()
                    .mapToDouble(m -> m.measure().iterator().next().getValue()).sum()).isEqualTo(7);
            assertThat(ctx.getBeansOfType(AlertDispatcher.class)).hasSize(1);
            assertThat(ctx.getBeansOfType(MigmonSanitizing.class)).hasSize(1);
            // Boot 3.5 has no org.springframework.boot.health.contributor: no Actuator component
            assertThat(ctx.containsBean("migmonHealthContributor")).isFalse();
        }
    }
}
