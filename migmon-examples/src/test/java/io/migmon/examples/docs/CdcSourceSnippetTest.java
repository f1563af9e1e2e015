package io.migmon.examples.docs;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.CdcRecord;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.health.CompositeHealthCheck;
import io.migmon.core.health.HealthStatus;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the "CDC as a source" snippet of docs/anomaly-detection.md (no server needed). */
class CdcSourceSnippetTest {

    @Test
    void theCdcSourceSnippetRuns() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CompositeHealthCheck.Builder health = CompositeHealthCheck.builder("host");
        String envelope = "{\"before\":null,\"after\":{\"id\":1},\"source\":{\"connector\":\"postgresql\",\"name\":\"shop\","
                + "\"ts_ms\":" + System.currentTimeMillis() + ",\"db\":\"src\",\"schema\":\"public\",\"table\":\"orders\"},"
                + "\"op\":\"c\",\"ts_ms\":" + System.currentTimeMillis() + "}";
        AnomalyMonitor monitor = AnomalyDetectionSnippets.cdcSource(registry,
                List.of(CdcRecord.of("shop.public.orders", "{\"id\":1}", envelope)), health);
        assertThat(monitor.types()).containsExactly("throughput_drop", "throughput_spike", "high_error_rate", "stall",
                "lag_trend");
        assertThat(monitor.active()).isEmpty();
        assertThat(health.build().check().status()).isEqualTo(HealthStatus.UP);
        assertThat(registry.get("cdc.processor.up").gauge().value()).as("the processor was closed").isZero();
    }
}
