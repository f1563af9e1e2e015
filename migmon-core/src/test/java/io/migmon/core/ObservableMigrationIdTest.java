package io.migmon.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.metrics.MetricsOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** One live instance per id and registry; the generic run(...) needs no catch for a body that throws nothing. */
class ObservableMigrationIdTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    @Test
    void aSecondLiveInstanceWithTheSameIdFailsFastAndCloseReleasesTheId() {
        ObservableMigration first = ObservableMigration.builder("backfill").meterRegistry(registry).build();
        assertThatThrownBy(() -> ObservableMigration.builder("backfill").meterRegistry(registry).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("migrationId 'backfill' is already used by a live ObservableMigration")
                .hasMessageContaining("close() it first");
        // the first one's meters are untouched by the failed attempt
        assertThat(registry.find("migration.status").tag("migration_id", "backfill").gauges()).hasSize(MigrationStatus.values().length);

        first.close();
        first.close(); // idempotent
        ObservableMigration second = ObservableMigration.builder("backfill").meterRegistry(registry).build();
        assertThat(registry.find("migration.status").tag("migration_id", "backfill").gauges()).hasSize(MigrationStatus.values().length);
        second.close();
    }

    @Test
    void otherRegistriesAndPrefixesDoNotCollide() {
        ObservableMigration a = ObservableMigration.builder("m").meterRegistry(registry).build();
        ObservableMigration b = ObservableMigration.builder("m").meterRegistry(new SimpleMeterRegistry()).build();
        ObservableMigration c = ObservableMigration.builder("m").meterRegistry(registry)
                .metricsOptions(MetricsOptions.builder().prefix("app").build()).build();
        assertThat(registry.find("app.migration.status").tag("migration_id", "m").gauges()).isNotEmpty();
        a.close();
        b.close();
        c.close();
    }

    @Test
    void aBodyThrowingNothingNeedsNoCatchAndACheckedOneIsRethrownTyped() {
        ObservableMigration m = ObservableMigration.builder("typed").meterRegistry(registry).build();
        long rows = m.run(ctx -> { // compiles without try/catch: E is inferred as RuntimeException
            ctx.recordRows("t", 3);
            return 3L;
        });
        assertThat(rows).isEqualTo(3);
        assertThat(m.status()).isEqualTo(MigrationStatus.SUCCESS);

        try {
            m.run(ctx -> {
                throw new IOException("disk");
            });
        } catch (IOException e) { // the exact checked type, not Exception
            assertThat(e).hasMessage("disk");
        }
        assertThat(m.status()).isEqualTo(MigrationStatus.FAILED);
        assertThatThrownBy(() -> m.run(ctx -> {
            throw new UncheckedIOException(new IOException("x"));
        })).isInstanceOf(UncheckedIOException.class);
        m.close();
    }
}
