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

    /**
     * The embedded engine replays what it had not committed: engine 1 hands 10 changes to the processor, which
     * applies them, but their offsets are never marked processed (a host killed between {@code process} and the
     * commit); engine 2, started from the stored offsets (a file) on the same slot, delivers them again. Ground truth:
     * 12 rows were inserted, one change each. {@code cdc_events_processed_total} must count 12, the replayed ones in
     * {@code cdc_events_redelivered_total}; the target equals the source.
     */
    @Test
    void anEngineRestartThatReplaysFromItsStoredOffsetsIsCountedAsRedeliveries() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String ddl = "CREATE TABLE public.replay (id bigint PRIMARY KEY, v text)";
        CdcTestEnvironment.exec(env.source(), ddl);
        CdcTestEnvironment.exec(env.target(), ddl);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor processor = CdcEventProcessor.builder("replay").meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(env.target()).build()).build();
        java.nio.file.Path offsets = java.nio.file.Path.of("target", "replay-offsets-" + System.nanoTime() + ".dat")
                .toAbsolutePath();
        Properties props = env.engineProperties("it_replay", "rpl", "public.replay");
        props.setProperty("offset.storage", "org.apache.kafka.connect.storage.FileOffsetBackingStore");
        props.setProperty("offset.storage.file.filename", offsets.toString());
        props.setProperty("offset.flush.interval.ms", "100");
        props.setProperty("snapshot.mode", "no_data");
        java.util.concurrent.atomic.AtomicBoolean commit = new java.util.concurrent.atomic.AtomicBoolean(true);
        DebeziumEngineConsumer feed = new DebeziumEngineConsumer(processor);
        ExecutorService first = Executors.newSingleThreadExecutor();
        try {
            try (DebeziumEngine<io.debezium.engine.ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                    .using(props).notifying((records, committer) -> feed.handleBatch(records, commitOnly(commit, committer)))
                    .build()) {
                first.execute(engine);
                Await.until(Duration.ofSeconds(90), "streaming (slot active)", () -> LagPipeline.scalarLong(env.source(),
                        "SELECT count(*) FROM pg_replication_slots WHERE slot_name = 'migmon_it_replay' AND active") == 1);
                CdcTestEnvironment.exec(env.source(), "INSERT INTO public.replay VALUES (1, 'v1')");
                Await.until(Duration.ofSeconds(60), "first change applied",
                        () -> CdcTestEnvironment.rows(env.target(), "public.replay").size() == 1);
                Thread.sleep(2_000); // its offset flushed (every 100 ms)
                commit.set(false);
                for (int id = 2; id <= 11; id++) {
                    CdcTestEnvironment.exec(env.source(), "INSERT INTO public.replay VALUES (" + id + ", 'v" + id + "')");
                }
                Await.until(Duration.ofSeconds(60), "11 rows applied",
                        () -> CdcTestEnvironment.rows(env.target(), "public.replay").size() == 11);
            }
            first.shutdown();
            assertThat(first.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            assertThat(processor.eventsProcessed()).isEqualTo(11);

            ExecutorService second = Executors.newSingleThreadExecutor();
            try (DebeziumEngine<io.debezium.engine.ChangeEvent<String, String>> engine = DebeziumEngine.create(Json.class)
                    .using(props).notifying(feed).build()) {
                second.execute(engine);
                CdcTestEnvironment.exec(env.source(), "INSERT INTO public.replay VALUES (12, 'v12')");
                List<String> source = CdcTestEnvironment.rows(env.source(), "public.replay");
                // delivered: 12 first deliveries and the 10 replayed ones, however the processor counts them
                Await.until(Duration.ofSeconds(90), "the replay and the new change delivered",
                        () -> counted(registry, "cdc.events.processed") + counted(registry, "cdc.events.redelivered") >= 22
                                && CdcTestEnvironment.rows(env.target(), "public.replay").equals(source));
                assertThat(source).hasSize(12);
            } finally {
                second.shutdown();
                second.awaitTermination(60, TimeUnit.SECONDS);
            }
            double processed = counted(registry, "cdc.events.processed");
            double redelivered = counted(registry, "cdc.events.redelivered");
            System.err.println("embedded replay: processed " + processed + ", redelivered " + redelivered);
            assertThat(processed).as("each inserted row once").isEqualTo(12.0);
            assertThat(processor.eventsProcessed()).isEqualTo(12);
            assertThat(redelivered).as("the replayed changes").isGreaterThanOrEqualTo(10.0);
        } finally {
            first.shutdownNow();
            processor.close();
        }
    }

    private static double counted(SimpleMeterRegistry registry, String name) {
        return registry.find(name).counters().stream().mapToDouble(io.micrometer.core.instrument.Counter::count).sum();
    }

    /** Forwards to the engine's committer only while {@code commit} is set (a host that dies before committing). */
    private static <R> DebeziumEngine.RecordCommitter<R> commitOnly(java.util.concurrent.atomic.AtomicBoolean commit,
                                                                   DebeziumEngine.RecordCommitter<R> committer) {
        return new DebeziumEngine.RecordCommitter<>() {
            @Override
            public void markProcessed(R record) throws InterruptedException {
                if (commit.get()) {
                    committer.markProcessed(record);
                }
            }

            @Override
            public void markBatchFinished() throws InterruptedException {
                if (commit.get()) {
                    committer.markBatchFinished();
                }
            }

            @Override
            public void markProcessed(R record, DebeziumEngine.Offsets sourceOffsets) throws InterruptedException {
                if (commit.get()) {
                    committer.markProcessed(record, sourceOffsets);
                }
            }

            @Override
            public DebeziumEngine.Offsets buildOffsets() {
                return committer.buildOffsets();
            }
        };
    }
}
