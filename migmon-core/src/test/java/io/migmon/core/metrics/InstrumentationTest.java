package io.migmon.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.ObservableMigration;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class InstrumentationTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void ofUsesDefaultOptionsAndSystemClock() {
        Instrumentation i = Instrumentation.of(registry);
        assertThat(i.registry()).isSameAs(registry);
        assertThat(i.options()).isEqualTo(MetricsOptions.defaults());
        assertThat(i.clock()).isEqualTo(Clock.systemUTC());
    }

    @Test
    void withMethodsReturnCopiesAndLeaveTheOriginalUnchanged() {
        Instrumentation base = Instrumentation.of(registry);
        MetricsOptions prefixed = MetricsOptions.builder().prefix("app").build();
        MutableClock clock = MutableClock.epoch();

        Instrumentation changed = base.withOptions(prefixed).withClock(clock);

        assertThat(changed.options()).isSameAs(prefixed);
        assertThat(changed.clock()).isSameAs(clock);
        assertThat(changed.registry()).isSameAs(registry);
        assertThat(base.options()).isEqualTo(MetricsOptions.defaults());
        assertThat(base.clock()).isEqualTo(Clock.systemUTC());
    }

    @Test
    void equalityIsRegistryIdentityPlusEqualOptionsAndClock() {
        MetricsOptions a = MetricsOptions.builder().prefix("app").maxTagValues(7).build();
        MetricsOptions b = MetricsOptions.builder().prefix("app").maxTagValues(7).build();
        assertThat(Instrumentation.of(registry).withOptions(a))
                .isEqualTo(Instrumentation.of(registry).withOptions(b))
                .hasSameHashCodeAs(Instrumentation.of(registry).withOptions(b));
        assertThat(Instrumentation.of(registry)).isNotEqualTo(Instrumentation.of(new SimpleMeterRegistry()));
        assertThat(Instrumentation.of(registry)).isNotEqualTo(Instrumentation.of(registry).withOptions(a));
        assertThat(Instrumentation.of(registry)).isNotEqualTo(Instrumentation.of(registry).withClock(MutableClock.epoch()));
    }

    @Test
    void nullsAreRejectedNamingTheArgument() {
        assertThatThrownBy(() -> Instrumentation.of(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registry");
        assertThatThrownBy(() -> Instrumentation.of(registry).withOptions(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("options");
        assertThatThrownBy(() -> Instrumentation.of(registry).withClock(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clock");
    }

    @Test
    void toStringNamesTheRegistryClassOnly() {
        assertThat(Instrumentation.of(registry).toString())
                .contains("SimpleMeterRegistry", "prefix=''")
                .doesNotContain("@");
    }

    @Test
    void observableMigrationRecordsWithTheInstrumentationsRegistryOptionsAndClock() throws Exception {
        MutableClock clock = MutableClock.epoch();
        Instrumentation i = Instrumentation.of(registry)
                .withOptions(MetricsOptions.builder().prefix("app").build())
                .withClock(clock);
        ObservableMigration m = ObservableMigration.builder("orders").instrumentation(i).build();
        m.run(ctx -> {
            clock.advance(Duration.ofSeconds(3));
            return null;
        });
        assertThat(registry.get("app.migration.duration").tag("status", "success").timer().totalTime(java.util.concurrent.TimeUnit.SECONDS))
                .isEqualTo(3.0);
    }

    @Test
    void singleSettersAfterInstrumentationChangeOnePart() {
        SimpleMeterRegistry other = new SimpleMeterRegistry();
        ObservableMigration.builder("orders")
                .instrumentation(Instrumentation.of(registry).withOptions(MetricsOptions.builder().prefix("app").build()))
                .meterRegistry(other)
                .build();
        assertThat(other.find("app.migration.status").gauges()).isNotEmpty();
        assertThat(registry.getMeters()).isEmpty();
    }

    @Test
    void anomalyMonitorRegistersThroughTheInstrumentation() {
        AnomalyMonitor.builder("orders")
                .instrumentation(Instrumentation.of(registry).withOptions(MetricsOptions.builder().prefix("app").build()))
                .defaultDetectors()
                .build();
        assertThat(registry.getMeters()).allSatisfy(m -> assertThat(m.getId().getName()).startsWith("app."));
    }

    @Test
    void missingRegistryFailsAtBuildNamingTheSetter() {
        assertThatThrownBy(() -> ObservableMigration.builder("orders").build())
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("meterRegistry must be set");
        assertThatThrownBy(() -> AnomalyMonitor.builder("orders").defaultDetectors().build())
                .isInstanceOf(IllegalStateException.class).hasMessageStartingWith("meterRegistry must be set");
        assertThatThrownBy(() -> ObservableMigration.builder("orders").instrumentation(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("instrumentation");
    }
}
