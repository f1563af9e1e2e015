package io.migmon.core.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/** After close(), a component registers nothing in the host's registry (PerfAttackTest finding 3). */
class MigmonMetersCloseTest {

    @Test
    void nothingIsRegisteredAfterCloseAndTheMetersHandedOutAreDetached() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MigmonMeters meters = MigmonMeters.create(registry);
        meters.counter(MetricCatalog.MIGRATION_ERRORS, "migration_id", "m", "error_type", "x").increment();
        meters.close();
        assertThat(registry.getMeters()).isEmpty();

        Counter c = meters.counter(MetricCatalog.MIGRATION_ERRORS, "migration_id", "m", "error_type", "x");
        c.increment();
        LongAdder rows = new LongAdder();
        rows.add(7);
        FunctionCounter fc = meters.functionCounter(MetricCatalog.MIGRATION_ROWS, rows, LongAdder::doubleValue,
                "migration_id", "m", "table_name", "late");
        meters.gauge(MetricCatalog.MIGRATION_PROGRESS, rows, LongAdder::doubleValue, "migration_id", "m");
        meters.timer(MetricCatalog.MIGRATION_DURATION, "migration_id", "m", "status", "success");
        meters.recordFailure("test", new IllegalStateException("after close"));

        assertThat(registry.getMeters()).as("the host's registry after close()").isEmpty();
        assertThat(meters.registeredIds()).isEmpty();
        assertThat(fc.getId().getName()).isEqualTo("migration.rows");
        assertThat(fc.getId().getTag("table_name")).isEqualTo("late");

        // a new component with the same ids registers meters of its own, bound to its own objects
        MigmonMeters next = MigmonMeters.create(registry);
        LongAdder nextRows = new LongAdder();
        nextRows.add(100);
        next.functionCounter(MetricCatalog.MIGRATION_ROWS, nextRows, LongAdder::doubleValue,
                "migration_id", "m", "table_name", "late");
        assertThat(registry.get("migration.rows").tag("table_name", "late").functionCounter().count()).isEqualTo(100.0);
        next.close();
    }
}
