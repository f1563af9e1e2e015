package io.migmon.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class CardinalityCapTest {

    @Test
    void distinctValuesBeyondTheCapFoldIntoOther() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MigmonMeters meters = MigmonMeters.create(registry, MetricsOptions.builder().maxTagValues(3).build());
        for (int i = 0; i < 10; i++) {
            meters.counter(MetricCatalog.MIGRATION_ROWS, "migration_id", "m", "table_name", "t" + i).increment();
        }
        assertThat(registry.find("migration.rows").counters()).hasSize(4);
        assertThat(registry.get("migration.rows").tag("table_name", "other").counter().count()).isEqualTo(7);
        assertThat(registry.get("migration.rows").tag("table_name", "t0").counter().count()).isEqualTo(1);
        assertThat(registry.get("migmon.tag.overflow").tag("tag_key", "table_name").counter().count()).isEqualTo(7);
        // a value admitted before the cap keeps its own series
        meters.counter(MetricCatalog.MIGRATION_ROWS, "migration_id", "m", "table_name", "t1").increment();
        assertThat(registry.get("migration.rows").tag("table_name", "t1").counter().count()).isEqualTo(2);
    }

    @Test
    void defaultCapIsOneHundredPerTag() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MigmonMeters meters = MigmonMeters.create(registry);
        for (int i = 0; i < 250; i++) {
            meters.counter(MetricCatalog.CDC_EVENTS_PROCESSED, "processor", "p", "source", "pg", "table", "t" + i, "operation", "c");
        }
        assertThat(registry.find("cdc.events.processed").counters()).hasSize(101);
    }

    @Test
    void trustedTagsAreNotCapped() {
        TagValueLimiter limiter = new TagValueLimiter(1, null);
        assertThat(limiter.limit("k", "a")).isEqualTo("a");
        assertThat(limiter.limit("k", "b")).isEqualTo(TagValueLimiter.OVERFLOW_VALUE);
        assertThat(limiter.limit("other-key", "b")).isEqualTo("b");
        assertThat(limiter.distinctValues("k")).isEqualTo(1);
    }

    @Test
    void closeRemovesOnlyOwnMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Counter hosts = registry.counter("host.requests");
        MigmonMeters a = MigmonMeters.create(registry);
        MigmonMeters b = MigmonMeters.create(registry);
        a.counter(MetricCatalog.MIGRATION_ROWS, "migration_id", "a", "table_name", "t");
        b.counter(MetricCatalog.MIGRATION_ROWS, "migration_id", "b", "table_name", "t");
        a.close();
        assertThat(registry.find("migration.rows").counters()).hasSize(1);
        assertThat(registry.find("migration.rows").tag("migration_id", "b").counter()).isNotNull();
        assertThat(registry.find("host.requests").counter()).isSameAs(hosts);
    }

    @Test
    void wrongTagsAndTypesAreRejectedWithTheMeterName() {
        MigmonMeters meters = MigmonMeters.create(new SimpleMeterRegistry());
        assertThatThrownBy(() -> meters.counter(MetricCatalog.MIGRATION_ROWS, "migration_id", "m"))
                .hasMessageContaining("migration.rows takes tags [migration_id, table_name]");
        assertThatThrownBy(() -> meters.timer(MetricCatalog.MIGRATION_ROWS, "migration_id", "m", "table_name", "t"))
                .hasMessageContaining("is a COUNTER, not a TIMER");
        assertThatThrownBy(() -> MetricsOptions.builder().prefix("Bad Prefix")).hasMessageContaining("prefix");
        assertThatThrownBy(() -> MetricsOptions.builder().maxTagValues(0)).hasMessageContaining("maxTagValues");
    }

    @Test
    void nullAndEmptyTagValuesBecomeUnknown() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MigmonMeters meters = MigmonMeters.create(registry);
        meters.counter(MetricCatalog.MIGRATION_ROWS, "migration_id", "m", "table_name", null).increment();
        assertThat(registry.get("migration.rows").tag("table_name", "unknown").counter().count()).isEqualTo(1);
    }
}
