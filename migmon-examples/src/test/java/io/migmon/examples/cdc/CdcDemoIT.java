package io.migmon.examples.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.testing.Await;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class CdcDemoIT {

    @Test
    void pipelineStreamsChangesIntoTheReplicaAndReports() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        try (CdcDemo demo = CdcDemo.start(registry, out, Duration.ofSeconds(1))) {
            Await.until(Duration.ofSeconds(120), Duration.ofMillis(200),
                    () -> demo.eventsProcessed() >= 30 && buffer.toString(StandardCharsets.UTF_8).contains(" events, lag "),
                    () -> demo.eventsProcessed() + " events processed; printed:\n" + buffer.toString(StandardCharsets.UTF_8));
            assertThat(demo.eventsProcessed()).isGreaterThanOrEqualTo(30);
            assertThat(registry.get("cdc.events.processed").tag("operation", "create").counter().count()).isPositive();
            assertThat(registry.find("cdc.consumer.lag.seconds").gauges()).isNotEmpty();
            assertThat(demo.rowCounts().get(1)).isPositive();
            assertThat(demo.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
        }
        assertThat(buffer.toString(StandardCharsets.UTF_8)).contains("cdc: PostgreSQL").contains("cdc: stopped");
        assertThat(registry.find("cdc.events.processed").counters()).isEmpty();
    }
}
