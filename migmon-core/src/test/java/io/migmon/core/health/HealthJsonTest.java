package io.migmon.core.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Health results render with a default Jackson ObjectMapper: no module, no mixin, no custom serializer. */
class HealthJsonTest {

    private final ObjectMapper json = new ObjectMapper();

    @Test
    void aNestedCompositeRendersAsPlainJson() throws Exception {
        MutableClock clock = MutableClock.epoch();
        ObservableMigration migration = ObservableMigration.builder("orders").meterRegistry(new SimpleMeterRegistry())
                .clock(clock).build();
        MigrationRun run = migration.start();
        run.recordRows("orders", 10);
        run.recordDataLag(Duration.ofSeconds(90));
        HealthCheck inner = CompositeHealthCheck.of("inner",
                MigrationHealthCheck.builder(migration).clock(clock).maxDataLag(Duration.ofSeconds(60), Duration.ofSeconds(300)).build(),
                ThresholdHealthCheck.builder("queue", "queue depth", () -> Double.NaN).build());
        HealthCheck outer = CompositeHealthCheck.of("outer", inner, HealthCheck.of("up", Health::up));

        Health h = outer.check();
        JsonNode tree = json.readTree(json.writeValueAsString(h));

        assertThat(tree.get("status").asText()).isEqualTo("DEGRADED");
        assertThat(tree.get("reasons").get(0).asText())
                .isEqualTo("inner: migration:orders: data lag 90.0 s is above the warning level of 60 s");
        JsonNode migrationNode = tree.at("/details/inner/details/migration:orders");
        assertThat(migrationNode.get("status").asText()).isEqualTo("DEGRADED");
        assertThat(migrationNode.at("/details/dataLagSeconds").asDouble()).isEqualTo(90.0);
        assertThat(migrationNode.at("/details/rows").asLong()).isEqualTo(10);
        assertThat(tree.at("/details/inner/details/queue/details/queue depth").isNull()).as("NaN becomes null").isTrue();
        assertThat(tree.at("/details/up/status").asText()).isEqualTo("UP");
        // plain maps all the way down: the details alone render the same tree
        assertThat(json.readTree(json.writeValueAsString(h.details()))).isEqualTo(tree.get("details"));
    }

    @Test
    void detailsAreConvertedToPlainValuesOrRejectedByKey() {
        Health h = Health.builder()
                .detail("at", Instant.EPOCH)
                .detail("took", Duration.ofSeconds(3))
                .detail("status", HealthStatus.DOWN)
                .detail("list", new Object[] {1, "a"})
                .detail("nested", Map.of("k", List.of(HealthStatus.UP)))
                .build();
        assertThat(h.details()).containsEntry("at", "1970-01-01T00:00:00Z").containsEntry("took", "PT3S")
                .containsEntry("status", "DOWN").containsEntry("list", List.of(1, "a"))
                .containsEntry("nested", Map.of("k", List.of("UP")));
        assertThatThrownBy(() -> Health.builder().detail("thread", Thread.currentThread()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("health detail 'thread' must be a plain value");
        assertThatThrownBy(() -> Health.up().withDetail("m", Map.of("x", new Object())))
                .hasMessageContaining("health detail 'm.x'");
    }
}
