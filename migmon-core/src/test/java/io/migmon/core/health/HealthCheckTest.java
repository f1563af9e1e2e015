package io.migmon.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class HealthCheckTest {

    @Test
    void thresholdCheckGoesUpDegradedDown() {
        AtomicReference<Double> lag = new AtomicReference<>(10.0);
        ThresholdHealthCheck check = ThresholdHealthCheck.builder("lag", "data lag seconds", lag::get)
                .degradedAbove(60).downAbove(300).build();
        assertThat(check.check().status()).isEqualTo(HealthStatus.UP);
        lag.set(61.0);
        Health degraded = check.check();
        assertThat(degraded.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(degraded.reasons()).containsExactly("data lag seconds is 61, above the warning level of 60");
        assertThat(degraded.details()).containsEntry("data lag seconds", 61.0);
        lag.set(301.5);
        assertThat(check.check().status()).isEqualTo(HealthStatus.DOWN);
        lag.set(Double.NaN);
        assertThat(check.check().status()).isEqualTo(HealthStatus.UP);
    }

    @Test
    void unknownCanBeDown() {
        ThresholdHealthCheck check = ThresholdHealthCheck.builder("lag", "lag", () -> Double.NaN)
                .downAbove(1).downWhenUnknown().build();
        assertThat(check.check().status()).isEqualTo(HealthStatus.DOWN);
    }

    @Test
    void compositeTakesTheWorstAndPrefixesReasons() {
        CompositeHealthCheck composite = CompositeHealthCheck.builder("pipeline")
                .add(HealthCheck.of("a", Health::up))
                .add(HealthCheck.of("b", () -> Health.degraded("slow")))
                .add(HealthCheck.of("c", () -> Health.down("stalled")))
                .build();
        Health h = composite.check();
        assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(h.reasons()).containsExactly("b: slow", "c: stalled");
        assertThat(h.details()).containsOnlyKeys("a", "b", "c");
        assertThat(h.details().get("a")).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP).containsEntry("status", "UP");
    }

    @Test
    void compositeOfHealthyChecksIsUp() {
        CompositeHealthCheck composite = CompositeHealthCheck.builder("all")
                .add(HealthCheck.of("a", Health::up)).add(HealthCheck.of("b", Health::up)).build();
        assertThat(composite.check().status()).isEqualTo(HealthStatus.UP);
        assertThat(composite.check().reasons()).isEmpty();
    }

    @Test
    void aThrowingCheckIsDownNotAnException() {
        CompositeHealthCheck composite = CompositeHealthCheck.builder("all")
                .add(HealthCheck.of("boom", () -> {
                    throw new IllegalStateException("no connection");
                })).build();
        Health h = composite.check();
        assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(h.reasons()).containsExactly("boom: check threw IllegalStateException: no connection");
    }

    @Test
    void buildersNameTheBadField() {
        assertThatThrownBy(() -> ThresholdHealthCheck.builder("x", "m", () -> 0).degradedAbove(10).downAbove(5).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("degradedAbove");
        assertThatThrownBy(() -> ThresholdHealthCheck.builder(" ", "m", () -> 0))
                .hasMessageContaining("name");
        assertThatThrownBy(() -> CompositeHealthCheck.builder("c").add(HealthCheck.of("a", Health::up))
                .add(HealthCheck.of("a", Health::up)).build()).hasMessageContaining("duplicate check name 'a'");
        assertThatThrownBy(() -> CompositeHealthCheck.builder("c").add(null)).hasMessageContaining("check");
    }

    @Test
    void statusOrdering() {
        assertThat(HealthStatus.UP.worst(HealthStatus.DEGRADED)).isEqualTo(HealthStatus.DEGRADED);
        assertThat(HealthStatus.DOWN.worst(HealthStatus.UP)).isEqualTo(HealthStatus.DOWN);
    }
}
