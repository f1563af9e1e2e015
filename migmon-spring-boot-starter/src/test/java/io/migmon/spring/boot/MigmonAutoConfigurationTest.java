package io.migmon.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.AnomalyAlerts;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.alerting.spi.Notification;
import io.migmon.cdc.CdcEventProcessor;
import io.migmon.core.MigrationStatus;
import io.migmon.core.ObservableMigration;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.flyway.MigmonFlywayCallback;
import io.migmon.liquibase.MigmonLiquibaseListener;
import io.migmon.spring.boot.internal.CdcProcessorLifecycle;
import io.migmon.spring.boot.internal.MigmonHealthContributor;
import io.migmon.spring.boot.internal.MigmonSanitizing;
import io.migmon.spring.boot.internal.MigmonWatcher;
import io.migmon.spring.boot.internal.UnsupportedFrameworkVersionException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.flyway.autoconfigure.FlywayAutoConfiguration;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.liquibase.autoconfigure.LiquibaseAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Every condition and back-off of {@link MigmonAutoConfiguration}, with ApplicationContextRunner. */
class MigmonAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(MigmonAutoConfiguration.class))
            .withUserConfiguration(Registry.class);

    @Configuration(proxyBeanMethods = false)
    static class Registry {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }

    @Test
    void withoutAMeterRegistryNothingIsConfigured() {
        new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(MigmonAutoConfiguration.class))
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(MigmonMigrations.class)
                        .doesNotHaveBean(MigmonFlywayCallback.class));
    }

    @Test
    void migmonEnabledFalseSwitchesEverythingOff() {
        runner.withPropertyValues("migmon.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(MigmonMigrations.class).doesNotHaveBean(MetricsOptions.class));
    }

    @Test
    void defaultsRecordIntoTheApplicationsRegistry() {
        runner.run(ctx -> {
            assertThat(ctx).hasSingleBean(MigmonMigrations.class).hasSingleBean(MigmonFlywayCallback.class)
                    .hasSingleBean(MigmonLiquibaseListener.class).hasSingleBean(MigmonWatcher.class)
                    .hasSingleBean(MigmonHealthContributor.class).hasSingleBean(MigmonSanitizing.class)
                    .doesNotHaveBean(AlertDispatcher.class).doesNotHaveBean(CdcEventProcessor.class)
                    .doesNotHaveBean(MigmonAutoConfiguration.MigmonGrafanaFiles.class);
            MeterRegistry registry = ctx.getBean(MeterRegistry.class);
            ObservableMigration m = ctx.getBean(MigmonMigrations.class).migration("orders-backfill", 10);
            assertThat(ctx.getBean(MigmonMigrations.class).migration("orders-backfill")).isSameAs(m);
            long rows = m.run(c -> {
                c.recordRows("orders", 10);
                return 10L;
            });
            assertThat(rows).isEqualTo(10);
            assertThat(sum(registry, "migration.rows", "orders-backfill")).isEqualTo(10);
            assertThat(registry.get("migration.duration").tag("migration_id", "orders-backfill").tag("status", "success")
                    .timer().count()).isEqualTo(1);
        });
    }

    @Test
    void metricsPrefixAndTagCapComeFromProperties() {
        runner.withPropertyValues("migmon.metrics.prefix=shop", "migmon.metrics.max-tag-values=7").run(ctx -> {
            MetricsOptions o = ctx.getBean(MetricsOptions.class);
            assertThat(o.prefix()).isEqualTo("shop");
            assertThat(o.maxTagValues()).isEqualTo(7);
            ctx.getBean(MigmonMigrations.class).migration("m");
            assertThat(ctx.getBean(MeterRegistry.class).find("shop.migration.status").gauges()).isNotEmpty();
        });
    }

    @Test
    void anInvalidPrefixFailsNamingTheProperty() {
        runner.withPropertyValues("migmon.metrics.prefix=Not Valid").run(ctx -> assertThat(ctx).hasFailed()
                .getFailure().hasStackTraceContaining("migmon.metrics.prefix: prefix must be lowercase"));
    }

    // ---- Flyway -------------------------------------------------------------------------------------------

    @Test
    void flywayCallbackBacksOffWithoutFlywayWhenDisabledOrUserDefined() {
        runner.withClassLoader(new FilteredClassLoader(Flyway.class))
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(MigmonFlywayCallback.class));
        runner.withPropertyValues("migmon.flyway.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(MigmonFlywayCallback.class));
        runner.withUserConfiguration(OwnFlywayCallback.class).run(ctx -> {
            assertThat(ctx).hasSingleBean(MigmonFlywayCallback.class);
            assertThat(ctx.getBean(MigmonFlywayCallback.class).migration("mine")).isPresent();
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnFlywayCallback {
        @Bean
        MigmonFlywayCallback myCallback(MeterRegistry registry) {
            return MigmonFlywayCallback.builder().meterRegistry(registry).migrationId("mine").build();
        }
    }

    @Test
    void flywayOlderThan1113FailsStartUpNamingTheMinimum() {
        // Flyway 11.7 (Boot 3.5's) has no CallbackEvent: hide it as an old Flyway would
        runner.withClassLoader(new FilteredClassLoader("org.flywaydb.core.api.callback.CallbackEvent"))
                .run(ctx -> assertThat(ctx).hasFailed().getFailure()
                        .rootCause().isInstanceOf(UnsupportedFrameworkVersionException.class)
                        .hasMessageContaining("migmon needs Flyway 11.13 or newer")
                        .hasMessageContaining("migmon.flyway.enabled=false"));
    }

    @Test
    void bootsFlywayIsObservedWithNoCode() {
        runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=jdbc:h2:mem:fw;DB_CLOSE_DELAY=-1", "spring.liquibase.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    MeterRegistry registry = ctx.getBean(MeterRegistry.class);
                    assertThat(registry.get("migration.duration").tag("migration_id", "flyway").tag("status", "success")
                            .timer().count()).isEqualTo(1);
                    assertThat(count(ctx.getBean(DataSource.class), "select count(*) from orders")).isEqualTo(2);
                    assertThat(ctx.getBean(MigmonHealthChecks.class).current()).containsKey("flyway")
                            .doesNotContainKey("flyway:1");
                });
    }

    /** Boot's migrate runs inside observe(): a failure is named by its SQL state from the exception chain. */
    @Test
    void bootsFailedMigrateIsNamedBySqlState() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        // the failed context closes the callback, which removes its meters: keep the error types as they are counted
        java.util.List<String> errorTypes = new java.util.concurrent.CopyOnWriteArrayList<>();
        registry.config().onMeterAdded(m -> {
            if (m.getId().getName().equals("migration.errors")) {
                errorTypes.add(m.getId().getTag("migration_id") + "=" + m.getId().getTag("error_type"));
            }
        });
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MigmonAutoConfiguration.class, DataSourceAutoConfiguration.class,
                        FlywayAutoConfiguration.class))
                .withBean(MeterRegistry.class, () -> registry)
                .withPropertyValues("spring.datasource.url=jdbc:h2:mem:fwfail;DB_CLOSE_DELAY=-1",
                        "spring.flyway.locations=classpath:db/failingstarter", "spring.liquibase.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    assertThat(ctx.getStartupFailure()).hasStackTraceContaining("V2__broken_insert.sql");
                    // H2: table not found is SQL state 42S02 (42S04 on some versions); named, not the exception type
                    assertThat(errorTypes).anyMatch(t -> t.startsWith("flyway=sqlstate_42S0"))
                            .noneMatch(t -> t.endsWith("FlywayMigrateException"));
                });
    }

    @Test
    void aHostsFlywayMigrationStrategyIsKept() {
        org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy own = Flyway::migrate;
        runner.withBean(org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy.class, () -> own)
                .run(ctx -> assertThat(ctx.getBean(org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy.class))
                        .isSameAs(own));
        runner.run(ctx -> assertThat(ctx).hasBean("migmonFlywayMigrationStrategy"));
    }

    // ---- Liquibase ----------------------------------------------------------------------------------------

    @Test
    void bootsLiquibaseIsObservedPerChangeSetWithNoCode() {
        runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, LiquibaseAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=jdbc:h2:mem:lb;DB_CLOSE_DELAY=-1",
                        "spring.liquibase.change-log=classpath:db/changelog/changelog.sql")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(count(ctx.getBean(DataSource.class), "select count(*) from customers")).isEqualTo(1);
                    MigmonLiquibaseListener l = ctx.getBean(MigmonLiquibaseListener.class);
                    assertThat(l.migration("liquibase:1")).map(ObservableMigration::status).contains(MigrationStatus.SUCCESS);
                    assertThat(l.migration("liquibase:2")).map(ObservableMigration::status).contains(MigrationStatus.SUCCESS);
                    // the changesets are health components (no permanent 'pending' run-level entry)
                    assertThat(ctx.getBean(MigmonHealthChecks.class).current()).containsKeys("liquibase:1", "liquibase:2")
                            .doesNotContainKey("liquibase");
                    assertThat(ctx.getBean(MeterRegistry.class).get("migration.duration")
                            .tag("migration_id", "liquibase:2").tag("status", "success").timer().count()).isEqualTo(1);
                });
    }

    @Test
    void liquibaseListenerBacksOffWithoutLiquibaseOrWhenDisabledOrUserDefined() {
        runner.withClassLoader(new FilteredClassLoader(liquibase.integration.spring.SpringLiquibase.class))
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(MigmonLiquibaseListener.class));
        runner.withPropertyValues("migmon.liquibase.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(MigmonLiquibaseListener.class));
        runner.withUserConfiguration(OwnLiquibaseListener.class).run(ctx -> assertThat(ctx.getBean(MigmonLiquibaseListener.class)
                .migrationId()).isEqualTo("mine"));
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnLiquibaseListener {
        @Bean
        MigmonLiquibaseListener myListener(MeterRegistry registry) {
            return MigmonLiquibaseListener.builder().meterRegistry(registry).migrationId("mine").build();
        }
    }

    // ---- Alerting -----------------------------------------------------------------------------------------

    @Test
    void aDispatcherExistsOnlyWhenASinkIsConfigured() {
        runner.withPropertyValues("migmon.alerting.slack.webhook-url=https://hooks.slack.com/services/T0/B0/abcdefgh")
                .run(ctx -> assertThat(ctx).hasSingleBean(AlertDispatcher.class).hasSingleBean(AnomalyAlerts.class));
        runner.withUserConfiguration(OwnSink.class)
                .run(ctx -> assertThat(ctx).hasSingleBean(AlertDispatcher.class));
        runner.withPropertyValues("migmon.alerting.enabled=false", "migmon.alerting.webhook.url=http://127.0.0.1:9/x")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(AlertDispatcher.class));
        runner.withUserConfiguration(OwnSink.class, OwnDispatcher.class).run(ctx -> {
            assertThat(ctx).hasSingleBean(AlertDispatcher.class);
            assertThat(ctx).getBean("mine").isSameAs(ctx.getBean(AlertDispatcher.class));
        });
    }

    @Test
    void aRouteToAnUnknownSinkFailsNamingTheProperty() {
        runner.withPropertyValues("migmon.alerting.webhook.url=http://127.0.0.1:9/x", "migmon.alerting.routes[0].sinks=pager")
                .run(ctx -> assertThat(ctx).hasFailed().getFailure()
                        .hasStackTraceContaining("migmon.alerting.routes[0].sinks: no sink named 'pager'"));
    }

    @Test
    void aBadSecretUrlFailsWithoutShowingIt() {
        runner.withPropertyValues("migmon.alerting.slack.webhook-url=not a url s3cr3t")
                .run(ctx -> {
                    assertThat(ctx).hasFailed().getFailure().hasStackTraceContaining("migmon.alerting.slack.webhook-url");
                    java.io.StringWriter trace = new java.io.StringWriter();
                    ctx.getStartupFailure().printStackTrace(new java.io.PrintWriter(trace));
                    assertThat(trace.toString()).doesNotContain("s3cr3t");
                });
    }

    @Test
    void anomaliesOfTheFactorysMigrationsReachTheDispatchersSinks() {
        io.migmon.core.testing.MutableClock clock = io.migmon.core.testing.MutableClock.at("2026-01-01T00:00:00Z");
        runner.withUserConfiguration(RecordingSink.class).withPropertyValues("migmon.alerting.default-route.group-wait=100ms")
                .withBean(MigmonAutoConfiguration.CLOCK_BEAN, java.time.Clock.class, () -> clock)
                .run(ctx -> {
                    RecordingSink sink = ctx.getBean(RecordingSink.class);
                    var run = ctx.getBean(MigmonMigrations.class).migration("stuck-copy").start();
                    run.recordRows("t", 10);
                    // no rows for 2.5 minutes, sampled every 10 s: the stall detector's startup grace (2 minutes before
                    // the first sample that shows progress, issue 12) plus two sampling steps
                    for (int i = 0; i < 15; i++) {
                        clock.advanceSeconds(10);
                        ctx.getBean(MigmonMigrations.class).sampleRunning(); // what the watcher does on its schedule
                    }
                    io.migmon.core.testing.Await.until(java.time.Duration.ofSeconds(20),
                            () -> sink.received.stream().flatMap(n -> n.firing().stream())
                                    .anyMatch(a -> a.name().equals("stall") && "stuck-copy".equals(a.label("migration_id"))),
                            () -> "a stall alert for stuck-copy, got " + sink.received);
                    run.abort("test over");
                });
    }

    @Configuration(proxyBeanMethods = false)
    static class RecordingSink implements AlertSink {
        final java.util.List<Notification> received = new java.util.concurrent.CopyOnWriteArrayList<>();

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public void send(Notification n) {
            received.add(n);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnSink {
        @Bean
        AlertSink memorySink() {
            return new AlertSink() {
                @Override
                public String name() {
                    return "memory";
                }

                @Override
                public void send(Notification n) {
                }
            };
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnDispatcher {
        @Bean(destroyMethod = "close")
        AlertDispatcher mine(MeterRegistry registry, AlertSink sink) {
            return AlertDispatcher.builder(registry).sink(sink).manualTick().build();
        }
    }

    // ---- Health -------------------------------------------------------------------------------------------

    @Test
    void healthCheckBeansAndMigrationsAreActuatorComponentsWithDegradedMapped() {
        runner.withUserConfiguration(OwnHealthCheck.class)
                .withPropertyValues("migmon.health.data-lag-warning=60s", "migmon.health.data-lag-limit=300s")
                .run(ctx -> {
                    CompositeHealthContributor migmon = ctx.getBean("migmonHealthContributor", CompositeHealthContributor.class);
                    var run = ctx.getBean(MigmonMigrations.class).migration("copy").start();
                    run.recordDataLag(java.time.Duration.ofSeconds(90));
                    assertThat(migmon.stream().map(e -> e.name())).containsExactlyInAnyOrder("queue", "copy", "copy.anomalies");
                    var copy = ((HealthIndicator) migmon.getContributor("copy")).health();
                    assertThat(copy.getStatus()).isEqualTo(new Status("DEGRADED"));
                    assertThat(copy.getDetails()).containsEntry("dataLagSeconds", 90.0)
                            .containsKey("reasons");
                    assertThat(((HealthIndicator) migmon.getContributor("queue")).health().getStatus()).isEqualTo(Status.DOWN);
                    run.succeed();
                    assertThat(((HealthIndicator) migmon.getContributor("copy")).health().getStatus()).isEqualTo(Status.UP);
                });
        runner.withPropertyValues("management.health.migmon.enabled=false")
                .run(ctx -> assertThat(ctx).doesNotHaveBean(MigmonHealthContributor.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class SameNames {
        @Bean
        HealthCheck a() {
            return HealthCheck.of("orders", Health::up);
        }

        @Bean
        HealthCheck b() {
            return HealthCheck.of("orders", () -> Health.down("second check is down"));
        }

        @Bean
        HealthCheck c() {
            return HealthCheck.of("totals backfill", Health::up);
        }
    }

    @Test
    void checksWithTheSameNameNeverHideOneAnother() {
        runner.withUserConfiguration(SameNames.class).run(ctx -> {
            var m = ctx.getBean(MigmonMigrations.class).migration("totals_backfill", 10);
            try {
                m.run(x -> {
                    throw new IllegalStateException("failed run");
                });
            } catch (RuntimeException expected) {
                // the failure is what health must show
            }
            var current = ctx.getBean(MigmonHealthChecks.class).current();
            assertThat(current).containsKeys("orders", "orders-2", "totals_backfill", "totals_backfill-2");
            // the migration keeps its id and its DOWN is not hidden by the UP bean of the same normalized name
            assertThat(MigmonHealthContributor.toBoot(current.get("totals_backfill")).getStatus()).isEqualTo(Status.DOWN);
            assertThat(MigmonHealthContributor.toBoot(current.get("totals_backfill-2")).getStatus()).isEqualTo(Status.UP);
            assertThat(java.util.List.of(MigmonHealthContributor.toBoot(current.get("orders")).getStatus(),
                    MigmonHealthContributor.toBoot(current.get("orders-2")).getStatus()))
                    .containsExactlyInAnyOrder(Status.UP, Status.DOWN);
            CompositeHealthContributor migmon = ctx.getBean("migmonHealthContributor", CompositeHealthContributor.class);
            assertThat(migmon.stream().map(e -> e.name())).contains("orders", "orders-2", "totals_backfill", "totals_backfill-2");
        });
    }

    @Test
    void aDisabledFrameworkLeavesNoPendingComponent() {
        runner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, FlywayAutoConfiguration.class))
                .withPropertyValues("spring.datasource.url=jdbc:h2:mem:off;DB_CLOSE_DELAY=-1", "spring.flyway.enabled=false")
                .run(ctx -> assertThat(ctx.getBean(MigmonHealthChecks.class).current()).isEmpty());
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnHealthCheck {
        @Bean
        HealthCheck queueCheck() {
            return HealthCheck.of("queue", () -> Health.down("queue full"));
        }
    }

    // ---- CDC ----------------------------------------------------------------------------------------------

    @Test
    void cdcIsOffByDefaultAndFailsFastNamingTheMissingProperty() {
        runner.run(ctx -> assertThat(ctx).doesNotHaveBean(CdcEventProcessor.class).doesNotHaveBean(CdcProcessorLifecycle.class));
        runner.withPropertyValues("migmon.cdc.enabled=true", "migmon.cdc.topics=pg.public.orders",
                        "migmon.cdc.consumer.group.id=g")
                .run(ctx -> assertThat(ctx).hasFailed().getFailure()
                        .hasStackTraceContaining("migmon.cdc.consumer.bootstrap.servers: kafkaConsumer: bootstrap.servers is required"));
        // without kafka-clients (or migmon-cdc) nothing CDC is created, and only asking for it fails
        runner.withClassLoader(new FilteredClassLoader(org.apache.kafka.clients.consumer.KafkaConsumer.class))
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(CdcEventProcessor.class));
        runner.withClassLoader(new FilteredClassLoader(org.apache.kafka.clients.consumer.KafkaConsumer.class))
                .withPropertyValues("migmon.cdc.enabled=false")
                .run(ctx -> assertThat(ctx).hasNotFailed().doesNotHaveBean(CdcEventProcessor.class));
    }

    @Test
    void cdcEnabledWithoutKafkaClientsFailsStartUpSayingWhatIsMissing() {
        runner.withClassLoader(new FilteredClassLoader(org.apache.kafka.clients.consumer.KafkaConsumer.class))
                .withPropertyValues("migmon.cdc.enabled=true", "migmon.cdc.topics=t",
                        "migmon.cdc.consumer.bootstrap.servers=127.0.0.1:1", "migmon.cdc.consumer.group.id=g")
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    Throwable failure = ctx.getStartupFailure();
                    assertThat(org.springframework.core.NestedExceptionUtils.getMostSpecificCause(failure))
                            .isInstanceOf(io.migmon.spring.boot.internal.MissingFeatureException.class)
                            .hasMessage("migmon.cdc.enabled=true needs kafka-clients (org.apache.kafka.clients.consumer.KafkaConsumer)"
                                    + " on the class path. Add the dependency io.migmon:migmon-cdc (it brings"
                                    + " org.apache.kafka:kafka-clients), or remove migmon.cdc.enabled (or set it to false).");
                    var analysis = new io.migmon.spring.boot.internal.MissingFeatureFailureAnalyzer().analyze(failure);
                    assertThat(analysis.getDescription()).isEqualTo("migmon.cdc.enabled=true is set, but the class path lacks"
                            + " kafka-clients (org.apache.kafka.clients.consumer.KafkaConsumer).");
                    assertThat(analysis.getAction()).contains("io.migmon:migmon-cdc");
                });
        // migmon-cdc itself missing, and lazy initialization does not skip the check
        runner.withClassLoader(new FilteredClassLoader("io.migmon.cdc"))
                .withPropertyValues("migmon.cdc.enabled=true", "spring.main.lazy-initialization=true")
                .withInitializer(c -> c.addBeanFactoryPostProcessor(
                        new org.springframework.boot.LazyInitializationBeanFactoryPostProcessor()))
                .run(ctx -> assertThat(org.springframework.core.NestedExceptionUtils.getMostSpecificCause(ctx.getStartupFailure()))
                        .hasMessageStartingWith("migmon.cdc.enabled=true needs migmon-cdc (io.migmon.cdc.CdcEventProcessor)"));
    }

    @Test
    void grafanaPropertiesWithoutMigmonGrafanaFailStartUp(@TempDir Path dir) {
        runner.withClassLoader(new FilteredClassLoader("io.migmon.grafana"))
                .withPropertyValues("migmon.grafana.output-directory=" + dir)
                .run(ctx -> assertThat(org.springframework.core.NestedExceptionUtils.getMostSpecificCause(ctx.getStartupFailure()))
                        .hasMessageStartingWith("migmon.grafana.output-directory or migmon.grafana.url needs migmon-grafana"));
        runner.withClassLoader(new FilteredClassLoader("io.migmon.grafana"))
                .run(ctx -> assertThat(ctx).hasNotFailed());
    }

    @Test
    void aGrafanaUrlThatIsNotAnAbsoluteHttpUrlFailsFastWithoutShowingIt() {
        for (String url : java.util.List.of("grafana.local", "ftp://admin:PW-S3CR3T@grafana.local", "/grafana",
                "https://admin:PW S3CR3T@grafana", "http://")) {
            runner.withPropertyValues("migmon.grafana.url=" + url).run(ctx -> {
                assertThat(ctx).as(url).hasFailed().getFailure().hasStackTraceContaining(
                        "migmon.grafana.url must be an absolute http or https URL");
                java.io.StringWriter trace = new java.io.StringWriter();
                ctx.getStartupFailure().printStackTrace(new java.io.PrintWriter(trace));
                assertThat(trace.toString()).doesNotContain("S3CR3T").doesNotContain("grafana.local");
            });
        }
        runner.withPropertyValues("migmon.grafana.url=").run(ctx -> assertThat(ctx).hasNotFailed()); // unset, e.g. ${GRAFANA_URL:}
    }

    @Test
    void aKafkaMisconfigurationShowsItsRootCauseInHealthWithoutSecrets() {
        runner.withPropertyValues("migmon.cdc.enabled=true", "migmon.cdc.name=orders", "migmon.cdc.topics=t",
                        "migmon.cdc.consumer.bootstrap.servers=127.0.0.1:1", "migmon.cdc.consumer.group.id=g",
                        "migmon.cdc.consumer.max.poll.records=notanumber",
                        "migmon.cdc.consumer[ssl.truststore.password]=TRUSTSECRET123")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    CdcProcessorLifecycle l = ctx.getBean(CdcProcessorLifecycle.class);
                    io.migmon.core.testing.Await.until(java.time.Duration.ofSeconds(30), () -> l.failureReason() != null,
                            () -> "the poll loop did not fail");
                    var h = MigmonHealthContributor.toBoot(ctx.getBean(MigmonHealthChecks.class).current().get("orders"));
                    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(h.getDetails().get("reasons").toString()).contains("max.poll.records")
                            .contains("ConfigException").doesNotContain("TRUSTSECRET123");
                });
    }

    // ---- Unknown keys ---------------------------------------------------------------------------------------

    @Test
    void unknownMigmonKeysFailStartUpByNameWithoutTheirValues() {
        runner.withPropertyValues("migmon.alerting.slak.webhook-url=http://127.0.0.1:1/services/TYPOSECRET99",
                        "migmon.health.evalution-interval=5s", "migmon.enabled=true")
                .run(ctx -> {
                    assertThat(ctx).hasFailed();
                    var analysis = new io.migmon.spring.boot.internal.UnknownMigmonPropertiesFailureAnalyzer()
                            .analyze(ctx.getStartupFailure());
                    assertThat(analysis).isNotNull();
                    assertThat(analysis.getDescription()).contains("migmon.alerting.slak.webhook-url")
                            .contains("migmon.health.evalution-interval").doesNotContain("TYPOSECRET99");
                });
        // known keys, including free-form Kafka properties in the consumer map, still bind
        runner.withPropertyValues("migmon.enabled=true", "migmon.cdc.consumer.bootstrap.servers=127.0.0.1:1",
                        "migmon.cdc.consumer[sasl.jaas.config]=x", "migmon.alerting.routes[0].labels.team=db")
                .run(ctx -> assertThat(ctx).hasNotFailed());
    }

    @Test
    void theGeneratedMetadataListsTheKeys() throws Exception {
        try (var in = getClass().getClassLoader().getResourceAsStream("META-INF/spring-configuration-metadata.json")) {
            assertThat(in).isNotNull();
            String json = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(json).contains("\"migmon.enabled\"", "\"migmon.health.evaluation-interval\"",
                    "\"migmon.alerting.alertmanager.urls\"", "\"migmon.cdc.consumer\"");
        }
    }

    // ---- Validation naming the property -------------------------------------------------------------------

    private void failsNaming(String key, String... props) {
        runner.withPropertyValues(props).run(ctx -> assertThat(ctx).hasFailed().getFailure()
                .as(String.join(",", props)).hasStackTraceContaining(key));
    }

    @Test
    void invalidValuesFailStartUpNamingTheMigmonProperty() {
        failsNaming("migmon.health.evaluation-interval", "migmon.health.evaluation-interval=-5s");
        failsNaming("migmon.health.data-lag-warning", "migmon.health.data-lag-warning=-1s");
        failsNaming("migmon.health.stalled-after", "migmon.health.stalled-after=-1s");
        failsNaming("migmon.health.error-rate-min-samples", "migmon.health.error-rate-min-samples=-1");
        failsNaming("migmon.health.data-lag-limit", "migmon.health.data-lag-warning=60s", "migmon.health.data-lag-limit=10s");
        failsNaming("migmon.metrics.max-tag-values", "migmon.metrics.max-tag-values=-3");
        failsNaming("migmon.metrics.max-tag-values", "migmon.metrics.max-tag-values=0");
        failsNaming("migmon.flyway.max-tracked-versions", "migmon.flyway.max-tracked-versions=-1");
        failsNaming("migmon.liquibase.max-tracked-change-sets", "migmon.liquibase.max-tracked-change-sets=-1");
        String[] cdc = {"migmon.cdc.enabled=true", "migmon.cdc.topics=t", "migmon.cdc.consumer.bootstrap.servers=127.0.0.1:1",
                "migmon.cdc.consumer.group.id=g"};
        failsNaming("migmon.cdc.close-timeout", concat(cdc, "migmon.cdc.close-timeout=-1s"));
        failsNaming("migmon.cdc.heartbeat-interval", concat(cdc, "migmon.cdc.heartbeat-interval=-1s"));
        failsNaming("migmon.cdc.applier.data-source",
                concat(cdc, "migmon.cdc.applier.enabled=true", "migmon.cdc.applier.data-source=nope"));
    }

    private static String[] concat(String[] a, String... b) {
        return java.util.stream.Stream.concat(java.util.Arrays.stream(a), java.util.Arrays.stream(b)).toArray(String[]::new);
    }

    static final java.util.concurrent.CountDownLatch RELEASE_SLOW = new java.util.concurrent.CountDownLatch(1);
    static final java.util.concurrent.atomic.AtomicInteger SLOW_STARTS = new java.util.concurrent.atomic.AtomicInteger();

    @Configuration(proxyBeanMethods = false)
    static class SlowCheck {
        @Bean
        HealthCheck slowCheck() {
            return HealthCheck.of("slow", () -> {
                SLOW_STARTS.incrementAndGet();
                try {
                    RELEASE_SLOW.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return Health.up();
            });
        }
    }

    @Test
    void aHangingCheckIsDownAfterTheCheckTimeoutAndIsNotStartedAgainWhileItHangs() {
        runner.withUserConfiguration(SlowCheck.class, OwnHealthCheck.class)
                .withPropertyValues("migmon.health.check-timeout=300ms")
                .run(ctx -> {
                    try {
                        CompositeHealthContributor migmon = ctx.getBean("migmonHealthContributor", CompositeHealthContributor.class);
                        var slow = ((HealthIndicator) migmon.getContributor("slow")).health();
                        assertThat(slow.getStatus()).isEqualTo(Status.DOWN);
                        assertThat(slow.getDetails().get("reasons").toString()).contains("timed out after PT0.3S");
                        var again = ((HealthIndicator) migmon.getContributor("slow")).health();
                        assertThat(again.getDetails().get("reasons").toString()).contains("still running");
                        assertThat(SLOW_STARTS.get()).isEqualTo(1);
                        // the other checks are still answered
                        assertThat(((HealthIndicator) migmon.getContributor("queue")).health().getStatus()).isEqualTo(Status.DOWN);
                        ctx.getBean(MigmonWatcher.class).tick(); // returns (no dispatcher here, but it must not hang)
                    } finally {
                        RELEASE_SLOW.countDown();
                    }
                    io.migmon.core.testing.Await.until(java.time.Duration.ofSeconds(30), () -> MigmonHealthContributor.toBoot(
                            ctx.getBean(MigmonHealthChecks.class).current().get("slow")).getStatus().equals(Status.UP),
                            () -> "the released check did not recover");
                });
        failsNaming("migmon.health.check-timeout", "migmon.health.check-timeout=0s");
    }

    @Test
    void withoutTheHealthModuleEverythingElseStarts() {
        runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health"))
                .run(ctx -> assertThat(ctx).hasNotFailed().hasSingleBean(MigmonMigrations.class)
                        .doesNotHaveBean(MigmonHealthContributor.class));
    }

    // ---- Watcher ------------------------------------------------------------------------------------------

    @Configuration(proxyBeanMethods = false)
    static class ErrorCheck {
        @Bean
        HealthCheck errorCheck() {
            return HealthCheck.of("thrower", () -> {
                throw new AssertionError("an Error with SECRETZ");
            });
        }

        @Bean
        RecordingSink recordingSink() {
            return new RecordingSink();
        }
    }

    @Test
    void anErrorFromACheckIsDownWithItsTypeAndTheWatcherKeepsAlerting() {
        runner.withUserConfiguration(ErrorCheck.class, OwnHealthCheck.class)
                .withPropertyValues("migmon.alerting.default-route.group-wait=100ms")
                .run(ctx -> {
                    var h = MigmonHealthContributor.toBoot(ctx.getBean(MigmonHealthChecks.class).current().get("thrower"));
                    assertThat(h.getStatus()).isEqualTo(Status.DOWN);
                    assertThat(h.getDetails().get("reasons").toString()).contains("AssertionError").doesNotContain("SECRETZ");
                    MigmonWatcher w = ctx.getBean(MigmonWatcher.class);
                    w.tick();
                    w.tick();
                    RecordingSink sink = ctx.getBean(RecordingSink.class);
                    io.migmon.core.testing.Await.until(java.time.Duration.ofSeconds(30),
                            () -> sink.received.stream().anyMatch(n -> n.toString().contains("thrower"))
                                    && sink.received.stream().anyMatch(n -> n.toString().contains("queue")),
                            () -> "received: " + sink.received);
                });
    }

    // ---- Grafana ------------------------------------------------------------------------------------------

    @Test
    void dashboardsAndRulesAreWrittenOnStartWhenAsked(@TempDir Path dir) {
        Path out = dir.resolve("grafana");
        runner.withPropertyValues("migmon.grafana.output-directory=" + out, "migmon.metrics.prefix=shop").run(ctx -> {
            assertThat(ctx).hasSingleBean(MigmonAutoConfiguration.MigmonGrafanaFiles.class);
            assertThat(out.resolve("migmon-rules.yml")).exists();
            try (var files = Files.list(out)) {
                assertThat(files.filter(p -> p.toString().endsWith(".json")).count()).isGreaterThanOrEqualTo(4);
            }
            assertThat(Files.readString(out.resolve("migmon-rules.yml"))).contains("shop_migration_");
        });
    }

    @Test
    void dashboardsArePushedToGrafanaOnStartAndAFailedPushDoesNotStopTheApplication() throws Exception {
        java.util.List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer grafana = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        grafana.createContext("/", ex -> {
            String path = ex.getRequestMethod() + " " + ex.getRequestURI().getPath();
            requests.add(path + " " + ex.getRequestHeaders().getFirst("Authorization"));
            ex.getRequestBody().readAllBytes();
            int status = path.equals("GET /api/folders/migmon") ? 404 : 200;
            byte[] body = (path.startsWith("POST /api/dashboards")
                    ? "{\"id\":1,\"uid\":\"x\",\"url\":\"/d/x\",\"status\":\"success\",\"version\":1}" : "{}")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        grafana.start();
        try {
            runner.withPropertyValues("migmon.grafana.url=http://127.0.0.1:" + grafana.getAddress().getPort(),
                    "migmon.grafana.token=glsa_tok-123456").run(ctx -> {
                        assertThat(ctx.getBean(MigmonAutoConfiguration.MigmonGrafanaFiles.class).pushed()).isTrue();
                        assertThat(requests).contains("GET /api/folders/migmon Bearer glsa_tok-123456",
                                "POST /api/folders Bearer glsa_tok-123456");
                        assertThat(requests.stream().filter(r -> r.startsWith("POST /api/dashboards/db")).count())
                                .isEqualTo(io.migmon.grafana.MigmonDashboards.defaults().all().size());
                    });
        } finally {
            grafana.stop(0);
        }
        runner.withPropertyValues("migmon.grafana.url=http://127.0.0.1:9", "migmon.grafana.token=glsa_tok-123456")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean(MigmonAutoConfiguration.MigmonGrafanaFiles.class).pushed()).isFalse();
                });
    }

    /** Sum of a counter's value whatever kind of counter (Counter or FunctionCounter) the meter is. */
    static double sum(MeterRegistry registry, String name, String migrationId) {
        return registry.find(name).tag("migration_id", migrationId).meters().stream()
                .mapToDouble(m -> m.measure().iterator().next().getValue()).sum();
    }

    static long count(DataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
