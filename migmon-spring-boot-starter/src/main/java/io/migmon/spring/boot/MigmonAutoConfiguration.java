package io.migmon.spring.boot;

import io.micrometer.core.instrument.MeterRegistry;
import io.migmon.alerting.AlertDispatcher;
import io.migmon.alerting.AnomalyAlerts;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.cdc.CdcEventProcessor;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.core.anomaly.AnomalyListener;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.flyway.MigmonFlywayCallback;
import io.migmon.liquibase.MigmonLiquibaseListener;
import io.migmon.spring.boot.internal.AlertingFactory;
import io.migmon.spring.boot.internal.CdcProcessorLifecycle;
import io.migmon.spring.boot.internal.FrameworkVersions;
import io.migmon.spring.boot.internal.GrafanaFiles;
import io.migmon.spring.boot.internal.HealthSource;
import io.migmon.spring.boot.internal.LiquibaseListenerAttacher;
import io.migmon.spring.boot.internal.MigmonHealthContributor;
import io.migmon.spring.boot.internal.MigmonSanitizing;
import io.migmon.spring.boot.internal.MigmonWatcher;
import io.migmon.spring.boot.internal.MigrationSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * migmon in a Spring Boot 4 application: records into the application's {@link MeterRegistry}; observes Boot's
 * Flyway and Liquibase with no code; exposes every migmon health check as the Actuator component {@code migmon};
 * builds a lifecycle-managed {@link AlertDispatcher} from {@code migmon.alerting.*}; runs a {@link CdcEventProcessor}
 * from {@code migmon.cdc.*}; writes Grafana dashboards when asked; masks migmon's secrets in Actuator endpoints.
 * Every bean backs off when the application defines its own of the same type. See docs/spring-boot.md.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusMetricsExportAutoConfiguration",
        // Spring Boot 3.5's names of the same auto-configurations (see docs/spring-boot.md, "Spring Boot 3.5")
        "org.springframework.boot.actuate.autoconfigure.metrics.MetricsAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.export.prometheus.PrometheusMetricsExportAutoConfiguration"})
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = "migmon.enabled", matchIfMissing = true)
@EnableConfigurationProperties(MigmonProperties.class)
public class MigmonAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    MetricsOptions migmonMetricsOptions(MigmonProperties properties) {
        MigmonProperties.Metrics m = properties.getMetrics();
        MetricsOptions.Builder b = MetricsOptions.builder();
        guard("migmon.metrics.prefix", () -> b.prefix(m.getPrefix()));
        guard("migmon.metrics.max-tag-values", () -> b.maxTagValues(m.getMaxTagValues()));
        return guard("migmon.metrics", b::build);
    }

    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    MigmonMigrations migmonMigrations(MeterRegistry registry, MetricsOptions options, MigmonProperties properties,
            ObjectProvider<AnomalyListener> anomalyListeners, BeanFactory beanFactory) {
        return new MigmonMigrations(registry, options, properties.getHealth(), properties.getAnomaly().isEnabled(),
                anomalyListeners.orderedStream().toList(), clock(beanFactory));
    }

    /** A {@code java.time.Clock} bean named {@value #CLOCK_BEAN} if the application defines one (tests), else UTC. */
    public static final String CLOCK_BEAN = "migmonClock";

    static java.time.Clock clock(BeanFactory beanFactory) {
        return beanFactory.containsBean(CLOCK_BEAN) ? beanFactory.getBean(CLOCK_BEAN, java.time.Clock.class)
                : java.time.Clock.systemUTC();
    }

    @Bean
    @ConditionalOnMissingBean
    MigmonHealthChecks migmonHealthChecks(ObjectProvider<HealthCheck> checks, ObjectProvider<HealthSource> sources,
            MigmonMigrations migrations, ObjectProvider<MigrationSource> frameworks, MigmonProperties properties) {
        return new MigmonHealthChecks(() -> {
            List<HealthCheck> all = new ArrayList<>(checks.orderedStream().toList());
            sources.orderedStream().forEach(s -> all.addAll(s.checks()));
            return all;
        }, migrations::healthChecks, () -> frameworks.orderedStream().flatMap(f -> f.migrations().stream()).toList(),
                properties.getHealth());
    }

    @Bean
    @ConditionalOnMissingBean
    MigmonWatcher migmonWatcher(MigmonMigrations migrations, MigmonHealthChecks checks,
            ObjectProvider<AlertDispatcher> dispatcher, MigmonProperties properties) {
        return new MigmonWatcher(migrations, checks, dispatcher.getIfAvailable(), properties.getHealth().getEvaluationInterval());
    }

    /** Flyway: Boot registers every {@code Callback} bean with its auto-configured Flyway, so a bean is all it takes. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.flywaydb.core.Flyway")
    @ConditionalOnBooleanProperty(name = "migmon.flyway.enabled", matchIfMissing = true)
    static class FlywayObservation {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        MigmonFlywayCallback migmonFlywayCallback(MeterRegistry registry, MetricsOptions options, MigmonProperties properties,
                BeanFactory beanFactory) {
            FrameworkVersions.requireFlyway(classLoader(beanFactory));
            MigmonProperties.Flyway f = properties.getFlyway();
            MigmonFlywayCallback.Builder b = MigmonFlywayCallback.builder().meterRegistry(registry).metricsOptions(options)
                    .perVersion(f.isPerVersion());
            guard("migmon.flyway.migration-id", () -> b.migrationId(f.getMigrationId()));
            guard("migmon.flyway.max-tracked-versions", () -> b.maxTrackedVersions(f.getMaxTrackedVersions()));
            return guard("migmon.flyway", b::build);
        }

        @Bean
        MigrationSource migmonFlywayMigrations(ObjectProvider<MigmonFlywayCallback> callbacks) {
            return () -> callbacks.orderedStream().flatMap(c -> c.migrations().stream()).toList();
        }

        /**
         * Boot's migrate runs inside {@link MigmonFlywayCallback#observe}, so that a failure is named by the SQL state
         * from the exception chain on Flyway 11.x too (which passes no SQL state to callbacks and exposes no error
         * to them). Only when the host has no {@code FlywayMigrationStrategy} of its own; a host's strategy can
         * call {@code callback.observe(flyway::migrate)} itself.
         */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnClass(name = "org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy")
        static class ObservedMigrationStrategy {

            @Bean
            @ConditionalOnMissingBean(type = "org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy")
            org.springframework.boot.flyway.autoconfigure.FlywayMigrationStrategy migmonFlywayMigrationStrategy(
                    ObjectProvider<MigmonFlywayCallback> callbacks) {
                return flyway -> {
                    MigmonFlywayCallback callback = callbacks.getIfUnique();
                    if (callback == null) {
                        flyway.migrate();
                    } else {
                        callback.observe(flyway::migrate);
                    }
                };
            }
        }
    }

    /** Liquibase: the listener is attached to Boot's SpringLiquibase through its customizer. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "liquibase.integration.spring.SpringLiquibase")
    @ConditionalOnBooleanProperty(name = "migmon.liquibase.enabled", matchIfMissing = true)
    static class LiquibaseObservation {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        MigmonLiquibaseListener migmonLiquibaseListener(MeterRegistry registry, MetricsOptions options,
                MigmonProperties properties, BeanFactory beanFactory) {
            FrameworkVersions.requireLiquibase(classLoader(beanFactory));
            MigmonProperties.Liquibase l = properties.getLiquibase();
            MigmonLiquibaseListener.Builder b = MigmonLiquibaseListener.builder().meterRegistry(registry).metricsOptions(options);
            guard("migmon.liquibase.migration-id", () -> b.migrationId(l.getMigrationId()));
            guard("migmon.liquibase.max-tracked-change-sets", () -> b.maxTrackedChangeSets(l.getMaxTrackedChangeSets()));
            return guard("migmon.liquibase", b::build);
        }

        @Bean
        static LiquibaseListenerAttacher migmonLiquibaseListenerAttacher(ObjectProvider<MigmonLiquibaseListener> listener) {
            return new LiquibaseListenerAttacher(listener);
        }

        @Bean
        MigrationSource migmonLiquibaseMigrations(ObjectProvider<MigmonLiquibaseListener> listeners) {
            return () -> listeners.orderedStream().flatMap(l -> l.migrations().stream()).toList();
        }
    }

    /** Alerting: a dispatcher when sinks are configured by properties or AlertSink beans exist. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(AlertDispatcher.class)
    @ConditionalOnBooleanProperty(name = "migmon.alerting.enabled", matchIfMissing = true)
    @Conditional(OnAlertSinks.class)
    static class Alerting {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        AlertDispatcher migmonAlertDispatcher(MeterRegistry registry, MetricsOptions options, MigmonProperties properties,
                ObjectProvider<AlertSink> sinks) {
            return AlertingFactory.dispatcher(registry, options, properties.getAlerting(), sinks.orderedStream().toList());
        }

        /** Anomalies of the factory's migrations become alerts ({@code low_throughput}, {@code high_error_rate}, ...). */
        @Bean
        @ConditionalOnMissingBean(AnomalyAlerts.class)
        AnomalyAlerts migmonAnomalyAlerts(AlertDispatcher dispatcher) {
            return AnomalyAlerts.to(dispatcher);
        }
    }

    /** Actuator health: the component {@code migmon} with one child per check. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"org.springframework.boot.health.contributor.HealthContributor",
            "org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator"})
    static class ActuatorHealth {

        /**
         * Nested so that its {@code @ConditionalOnEnabledHealthIndicator} (a class of spring-boot-health) is only
         * read when that module is on the class path; on the outer class it fails parsing without it.
         */
        @Configuration(proxyBeanMethods = false)
        @ConditionalOnEnabledHealthIndicator("migmon")
        static class Enabled {

            @Bean
            @ConditionalOnMissingBean(name = "migmonHealthContributor")
            MigmonHealthContributor migmonHealthContributor(MigmonHealthChecks checks) {
                return new MigmonHealthContributor(checks);
            }
        }
    }

    /** Masks migmon's secrets in /actuator/env and /actuator/configprops. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
    static class Sanitizing {

        @Bean
        MigmonSanitizing migmonSanitizingFunction(MigmonProperties properties) {
            return new MigmonSanitizing(properties);
        }
    }

    /** Health of every CdcEventProcessor bean (the starter's or the application's). */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.migmon.cdc.CdcEventProcessor", "org.apache.kafka.clients.consumer.KafkaConsumer"})
    static class CdcHealth {

        @Bean
        HealthSource migmonCdcHealth(ObjectProvider<CdcEventProcessor> processors,
                ObjectProvider<CdcProcessorLifecycle> lifecycles) {
            return () -> {
                List<CdcProcessorLifecycle> ls = lifecycles.orderedStream().toList();
                return processors.orderedStream().map(p -> ls.stream().filter(l -> l.processor() == p)
                        .map(CdcProcessorLifecycle::healthCheck).findFirst().orElseGet(p::healthCheck)).toList();
            };
        }
    }

    /** CDC: a processor from {@code migmon.cdc.*}, run on the starter's thread. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = {"io.migmon.cdc.CdcEventProcessor", "org.apache.kafka.clients.consumer.KafkaConsumer"})
    @ConditionalOnBooleanProperty(name = "migmon.cdc.enabled")
    static class Cdc {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean
        CdcEventProcessor migmonCdcEventProcessor(MeterRegistry registry, MetricsOptions options, MigmonProperties properties,
                BeanFactory beanFactory) {
            MigmonProperties.Cdc c = properties.getCdc();
            CdcEventProcessor.Builder b = guard("migmon.cdc.name", () -> CdcEventProcessor.builder(c.getName()))
                    .meterRegistry(registry).metricsOptions(options).kafkaConsumer(c.getConsumer()).topics(c.getTopics());
            guard("migmon.cdc.close-timeout", () -> b.closeTimeout(c.getCloseTimeout()));
            if (c.getDeadLetterTopic() != null) {
                b.deadLetterTopic(c.getDeadLetterTopic());
                if (!c.getProducer().isEmpty()) {
                    b.kafkaProducer(c.getProducer());
                }
            }
            if (c.getHeartbeatInterval() != null) {
                guard("migmon.cdc.heartbeat-interval", () -> b.heartbeatInterval(c.getHeartbeatInterval()));
            }
            MigmonProperties.Cdc.Applier a = c.getApplier();
            if (a.isEnabled()) {
                DataSource ds;
                try {
                    ds = a.getDataSource() == null ? beanFactory.getBean(DataSource.class)
                            : beanFactory.getBean(a.getDataSource(), DataSource.class);
                } catch (org.springframework.beans.BeansException e) {
                    throw new IllegalArgumentException("migmon.cdc.applier.data-source: "
                            + (a.getDataSource() == null ? "no single DataSource bean; name one"
                                    : "no DataSource bean named '" + a.getDataSource() + "'") + " (" + e.getClass().getSimpleName() + ")", e);
                }
                JdbcChangeApplier.Builder ab = JdbcChangeApplier.builder(ds);
                if (a.getTargetSchema() != null) {
                    guard("migmon.cdc.applier.target-schema", () -> ab.targetSchema(a.getTargetSchema()));
                }
                b.applier(guard("migmon.cdc.applier", ab::build));
            }
            try {
                return b.build();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(cdcKey(e.getMessage()) + ": " + e.getMessage(), e);
            }
        }

        @Bean
        @ConditionalOnMissingBean
        CdcProcessorLifecycle migmonCdcProcessorLifecycle(CdcEventProcessor processor, MigmonProperties properties) {
            MigmonProperties.Cdc c = properties.getCdc();
            List<String> secrets = new ArrayList<>();
            for (java.util.Map<String, String> m : List.of(c.getConsumer(), c.getProducer())) {
                m.forEach((k, v) -> {
                    if (k.toLowerCase(java.util.Locale.ROOT).matches(".*(password|secret|jaas|token|key|credential).*")) {
                        secrets.add(v);
                    }
                });
            }
            return new CdcProcessorLifecycle(processor, c.getName(), c.getCloseTimeout(), secrets);
        }
    }

    /**
     * {@code migmon.cdc.enabled=true} without migmon-cdc or kafka-clients on the class path: start-up fails naming
     * what is missing (it used to be silently ignored). A bean factory post-processor, so that it also fails with
     * lazy initialization.
     */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "migmon.cdc.enabled")
    @Conditional(OnMissingClasses.Cdc.class)
    static class CdcUnavailable {

        @Bean
        static org.springframework.beans.factory.config.BeanFactoryPostProcessor migmonCdcUnavailable() {
            return beanFactory -> {
                throw new io.migmon.spring.boot.internal.MissingFeatureException("migmon.cdc.enabled=true",
                        OnMissingClasses.missing(beanFactory.getBeanClassLoader(), OnMissingClasses.CDC),
                        "Add the dependency io.migmon:migmon-cdc (it brings org.apache.kafka:kafka-clients), or remove"
                                + " migmon.cdc.enabled (or set it to false).");
            };
        }
    }

    /** {@code migmon.grafana.output-directory} or {@code url} without migmon-grafana: start-up fails naming it. */
    @Configuration(proxyBeanMethods = false)
    @Conditional({OnGrafanaTarget.class, OnMissingClasses.Grafana.class})
    static class GrafanaUnavailable {

        @Bean
        static org.springframework.beans.factory.config.BeanFactoryPostProcessor migmonGrafanaUnavailable() {
            return beanFactory -> {
                throw new io.migmon.spring.boot.internal.MissingFeatureException(
                        "migmon.grafana.output-directory or migmon.grafana.url",
                        OnMissingClasses.missing(beanFactory.getBeanClassLoader(), OnMissingClasses.GRAFANA),
                        "Add the dependency io.migmon:migmon-grafana, or remove migmon.grafana.output-directory and"
                                + " migmon.grafana.url.");
            };
        }
    }

    /** Matches when at least one of a feature's classes is absent. */
    abstract static class OnMissingClasses extends SpringBootCondition {

        static final java.util.Map<String, String> CDC = java.util.Map.of(
                "io.migmon.cdc.CdcEventProcessor", "migmon-cdc (io.migmon.cdc.CdcEventProcessor)",
                "org.apache.kafka.clients.consumer.KafkaConsumer", "kafka-clients (org.apache.kafka.clients.consumer.KafkaConsumer)");
        static final java.util.Map<String, String> GRAFANA = java.util.Map.of(
                "io.migmon.grafana.MigmonDashboards", "migmon-grafana (io.migmon.grafana.MigmonDashboards)");

        private final java.util.Map<String, String> classes;

        OnMissingClasses(java.util.Map<String, String> classes) {
            this.classes = classes;
        }

        static List<String> missing(ClassLoader loader, java.util.Map<String, String> classes) {
            return classes.entrySet().stream().filter(e -> !org.springframework.util.ClassUtils.isPresent(e.getKey(), loader))
                    .map(java.util.Map.Entry::getValue).sorted().toList();
        }

        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            List<String> missing = missing(context.getClassLoader(), classes);
            return missing.isEmpty() ? ConditionOutcome.noMatch("all present: " + classes.keySet())
                    : ConditionOutcome.match("missing: " + missing);
        }

        static final class Cdc extends OnMissingClasses {
            Cdc() {
                super(CDC);
            }
        }

        static final class Grafana extends OnMissingClasses {
            Grafana() {
                super(GRAFANA);
            }
        }
    }

    /** The full {@code migmon.cdc.*} key a CdcEventProcessor.Builder#build() message is about. */
    static String cdcKey(String message) {
        String m = message == null ? "" : message;
        String[][] keys = {
                {"kafkaConsumer: bootstrap.servers", "migmon.cdc.consumer.bootstrap.servers"},
                {"kafkaConsumer: group.id", "migmon.cdc.consumer.group.id"},
                {"kafkaConsumer: enable.auto.commit", "migmon.cdc.consumer.enable.auto.commit"},
                {"kafkaConsumer: key/value deserializers", "migmon.cdc.consumer.key.deserializer/value.deserializer"},
                {"heartbeatInterval", "migmon.cdc.heartbeat-interval"},
                {"deadLetterTopic needs bootstrap.servers", "migmon.cdc.producer.bootstrap.servers"},
                {"deadLetterTopic", "migmon.cdc.dead-letter-topic"},
                {"topics", "migmon.cdc.topics"}};
        for (String[] k : keys) {
            if (m.startsWith(k[0])) {
                return k[1];
            }
        }
        return "migmon.cdc";
    }

    /** Rethrows a builder's IllegalArgumentException (or NullPointerException) naming the full property key. */
    static <T> T guard(String key, java.util.function.Supplier<T> f) {
        try {
            return f.get();
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
    }

    /** Grafana dashboards and Prometheus rules written and/or pushed on start. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(name = "io.migmon.grafana.MigmonDashboards")
    @Conditional(OnGrafanaTarget.class)
    static class Grafana {

        @Bean
        MigmonGrafanaFiles migmonGrafanaFiles(MigmonProperties properties, MetricsOptions options) {
            MigmonProperties.Grafana g = properties.getGrafana();
            List<Path> files = g.getOutputDirectory() == null ? List.of() : GrafanaFiles.write(g.getOutputDirectory(), options);
            boolean pushed = g.getUrl() != null && !g.getUrl().isBlank()
                    && GrafanaFiles.push(g.getUrl(), g.getToken(), g.getFolder(), options);
            return new MigmonGrafanaFiles(files, pushed);
        }
    }

    /**
     * What the starter did with the Grafana dashboards on start.
     *
     * @param files  files written to {@code migmon.grafana.output-directory}
     * @param pushed whether the push to {@code migmon.grafana.url} succeeded
     */
    public record MigmonGrafanaFiles(List<Path> files, boolean pushed) {
    }

    /** {@code migmon.grafana.output-directory} or {@code migmon.grafana.url} is set. */
    static final class OnGrafanaTarget extends AnyNestedCondition {

        OnGrafanaTarget() {
            super(ConfigurationPhase.PARSE_CONFIGURATION);
        }

        @ConditionalOnProperty(name = "migmon.grafana.output-directory")
        static final class Directory {
        }

        @ConditionalOnProperty(name = "migmon.grafana.url")
        static final class Url {
        }
    }

    private static ClassLoader classLoader(BeanFactory beanFactory) {
        if (beanFactory instanceof org.springframework.beans.factory.config.ConfigurableBeanFactory c && c.getBeanClassLoader() != null) {
            return c.getBeanClassLoader();
        }
        return MigmonAutoConfiguration.class.getClassLoader();
    }

    /** Sinks configured by properties, or AlertSink beans. */
    static final class OnAlertSinks extends AnyNestedCondition {

        OnAlertSinks() {
            super(ConfigurationPhase.REGISTER_BEAN);
        }

        @ConditionalOnBean(AlertSink.class)
        static final class SinkBeans {
        }

        @Conditional(OnSinkProperties.class)
        static final class SinkProperties {
        }
    }

    /** At least one sink in {@code migmon.alerting.*}. */
    static final class OnSinkProperties extends SpringBootCondition {
        @Override
        public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
            MigmonProperties p = Binder.get(context.getEnvironment()).bind("migmon", MigmonProperties.class)
                    .orElseGet(MigmonProperties::new);
            return AlertingFactory.anySinkConfigured(p.getAlerting())
                    ? ConditionOutcome.match("migmon.alerting has a sink")
                    : ConditionOutcome.noMatch("no sink in migmon.alerting (slack, pagerduty, email, webhook, alertmanager)");
        }
    }
}
