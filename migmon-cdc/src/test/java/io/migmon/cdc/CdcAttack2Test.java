package io.migmon.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;


import static org.assertj.core.api.Assertions.assertThat;

/**
 * Adversarial review of issue 11 (second round), meters of several processors in one host registry (one Spring Boot
 * application = one registry): two pipelines in one application, each its own {@link CdcEventProcessor} with its own
 * name, fed through {@code process(...)} (the embedded-engine path). Ground truth: the events each processor was
 * given, against what the registry exports.
 */
class CdcAttack2Test {

    private final DebeziumInserts inserts = new DebeziumInserts();

    /**
     * Finding 13. Two processors of different pipelines (other connectors, other tables) in one registry; the first
     * is closed (a pipeline stopped or restarted). {@code cdc_stage_latency_seconds{stage}} has no processor tag, so
     * both processors record into the same timers, and the first's {@code close()} removes them: the second keeps
     * recording into timers the registry no longer exports. Expected: the second processor's stage latencies still
     * exported and counting its events; actual: the timers are gone (or a later processor re-registers them and the
     * second's events never reach them).
     */
    @Test
    void closingOneProcessorKeepsTheOtherProcessorsStageLatencies() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor orders = CdcEventProcessor.builder("orders").meterRegistry(registry).applier(b -> { }).build();
        CdcEventProcessor billing = CdcEventProcessor.builder("billing").meterRegistry(registry).applier(b -> { }).build();
        orders.process(inserts.changes("shop", "orders", 3));
        billing.process(inserts.changes("bill", "invoices", 3));
        orders.close();
        billing.process(inserts.changes("bill", "invoices", 5));
        Timer t = registry.find("cdc.stage.latency").tag("stage", CdcEventProcessor.STAGE_SOURCE_TO_CONNECTOR).timer();
        System.err.println("att2 shared registry: source_to_connector timer after closing 'orders': "
                + (t == null ? "absent" : t.count() + " samples") + "; billing processed " + billing.eventsProcessed());
        assertThat(t).as("billing's source_to_connector latency still exported").isNotNull();
        // one sample per batch (the batch's mean; decisions.md "Issue 16, fifth pass"): billing's 2 batches, orders'
        // 1 may stay or go
        assertThat(t.count()).as("billing's 2 batches (orders' 1 may stay or go)").isGreaterThanOrEqualTo(2);
        billing.close();
    }

    /**
     * Finding 13 (same table, scale-out in one JVM: two processors of one consumer group sharing a topic's
     * partitions). The processors register the same {@code cdc_events_processed_total{source,table,operation}}
     * counter and the same {@code cdc_replication_lag_seconds{source_table,target_table}} gauge (no processor tag):
     * the gauge reads only the first processor's watermarks, and closing the first removes both, so the second's
     * events and lag vanish from the registry while it keeps applying.
     */
    @Test
    void twoProcessorsOfOneTableKeepTheirEventsAndLagVisibleWhenOneCloses() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor first = CdcEventProcessor.builder("replica-1").meterRegistry(registry).applier(b -> { }).build();
        CdcEventProcessor second = CdcEventProcessor.builder("replica-2").meterRegistry(registry).applier(b -> { }).build();
        first.process(inserts.changes("shop", "orders", 3));
        second.process(inserts.changes("shop", "orders", 4));
        first.close();
        second.process(inserts.changes("shop", "orders", 5));
        Counter c = registry.find("cdc.events.processed").tag("table", "public.orders").counter();
        Gauge lag = registry.find("cdc.replication.lag").tag("source_table", "public.orders").gauge();
        System.err.println("att2 shared registry, one table: processed counter " + (c == null ? "absent" : c.count())
                + " (second processed " + second.eventsProcessed() + "), lag gauge " + (lag == null ? "absent" : lag.value()));
        assertThat(c).as("cdc_events_processed_total of the table while 'replica-2' applies it").isNotNull();
        assertThat(c.count()).isGreaterThanOrEqualTo(second.eventsProcessed());
        assertThat(lag).as("cdc_replication_lag_seconds of the table while 'replica-2' applies it").isNotNull();
        second.close();
    }

    /**
     * Finding 14. Secrets never in {@code toString}: the converter's Schema Registry credentials
     * ({@code value.converter.basic.auth.user.info} = {@code user:password}, Confluent's documented key, also
     * {@code schema.registry.basic.auth.user.info}) match none of the secret patterns (password, secret, token,
     * credential, jaas, *.key), so the password is printed by {@code ConnectorConfig.toString()} (and not redacted from
     * Connect's replies by {@code redact}).
     */
    @Test
    void schemaRegistryCredentialsAreHiddenFromToString() {
        io.migmon.cdc.connect.ConnectorConfig config = io.migmon.cdc.connect.ConnectorConfig.debeziumPostgres("shop")
                .put("database.password", "pg-S3cret")
                .put("value.converter", "io.confluent.connect.avro.AvroConverter")
                .put("value.converter.basic.auth.credentials.source", "USER_INFO")
                .put("value.converter.basic.auth.user.info", "svc-cdc:sr-S3cret")
                .build();
        String shown = config.toString();
        System.err.println("att2 secrets: " + shown);
        assertThat(shown).doesNotContain("pg-S3cret");
        assertThat(shown).as("Schema Registry password").doesNotContain("sr-S3cret");
        assertThat(config.redact("error: value svc-cdc:sr-S3cret rejected")).doesNotContain("sr-S3cret");
    }
}
