package io.migmon.cdc;

import io.migmon.cdc.event.ChangeEvent;
import io.debezium.engine.DebeziumEngine;
import io.debezium.engine.format.Json;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.debezium.DebeziumEngineConsumer;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.core.health.HealthStatus;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * PostgreSQL -> Debezium embedded engine (no Kafka, schemas enabled so the envelopes carry the schema/payload
 * wrapper) -> {@link CdcEventProcessor#process(List)} -> JDBC applier.
 */
class EmbeddedEngineIT {

    @Test
    void embeddedEngineEventsAreAppliedThroughTheSameApi() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String ddl = "CREATE TABLE public.customers (id bigint PRIMARY KEY, email text NOT NULL, balance numeric(12,2))";
        CdcTestEnvironment.exec(env.source(), ddl, "ALTER TABLE public.customers REPLICA IDENTITY FULL",
                "INSERT INTO public.customers SELECT g, 'c' || g || '@example.org', g FROM generate_series(1, 100) g");
        CdcTestEnvironment.exec(env.target(), ddl);

        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor processor = CdcEventProcessor.builder().meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).build())
                .heartbeatInterval(Duration.ofSeconds(1))
                .build();

        // slot and publication migmon_it_embedded, as before
        Properties props = env.engineProperties("it_embedded", "emb", "public.customers");
        props.setProperty("name", "migmon-embedded-it");
        props.setProperty("heartbeat.interval.ms", "1000");
        props.setProperty("converter.schemas.enable", "true");

        ExecutorService executor = Executors.newSingleThreadExecutor();
        try (DebeziumEngine<io.debezium.engine.ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                .using(props).notifying(new DebeziumEngineConsumer(processor)).build()) {
            executor.execute(engine);
            Await.until(Duration.ofSeconds(60), "snapshot applied",
                    () -> CdcTestEnvironment.rows(env.target(), "public.customers").size() == 100);
            CdcTestEnvironment.exec(env.source(),
                    "UPDATE public.customers SET balance = balance * 2 WHERE id <= 50",
                    "DELETE FROM public.customers WHERE id > 90",
                    "INSERT INTO public.customers VALUES (1000, 'new@example.org', 1.5)");
            List<String> source = CdcTestEnvironment.rows(env.source(), "public.customers");
            Await.until(Duration.ofSeconds(60), "target == source",
                    () -> CdcTestEnvironment.rows(env.target(), "public.customers").equals(source));
            assertThat(registry.get("cdc.events.processed").tags("source", "emb", "table", "public.customers", "operation", "read")
                    .counter().count()).isEqualTo(100);
            assertThat(registry.get("cdc.events.processed").tag("operation", "delete").counter().count()).isEqualTo(10);
            assertThat(registry.get("cdc.stage.latency").tag("stage", "source_to_connector").timer().count()).isPositive();
            Await.until(Duration.ofSeconds(15), "UP", () -> processor.healthCheck().check().status() == HealthStatus.UP);
        } finally {
            executor.shutdown();
            executor.awaitTermination(30, TimeUnit.SECONDS);
            processor.close();
        }
        // every meter removed but cdc_processor_up, which stays readable (0) after close
        assertThat(registry.getMeters()).extracting(m -> m.getId().getName()).containsExactly("cdc.processor.up");
        assertThat(registry.get("cdc.processor.up").gauge().value()).isZero();
    }
}
