package io.migmon.cdc;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.metrics.MetricCatalog;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Third attack on migmon-cdc (issue 11), unit level: the {@code processor} tag of the cdc meters. Ground truth: the
 * events each processor was given. Findings are {@code @Disabled} with their number (see {@code CdcAttack3IT}).
 */
class CdcAttack3Test {

    private final DebeziumInserts inserts = new DebeziumInserts();

    /**
     * Held up. Two processors built with {@code CdcEventProcessor.builder()} (no name: both are {@code "cdc"}) in one
     * registry, e.g. two pipelines of one service, or one per consumer-group member. Nothing fails at build time,
     * yet they share every series: the second's gauges are the first's (first registration wins), and closing the
     * first removes the meters the second still records into. Expected: after closing {@code a}, b's 8 events
     * exported in {@code cdc_events_processed_total{processor=cdc}}; actual: the counter is gone (0 series).
     * The rules ask config errors to fail fast; a default name that collides silently is one.
     */
    @Test
    @Disabled("held up 2026-11-27 07:20 UTC: b processed 8, exported 8 after a.close(); run on demand")
    void twoUnnamedProcessorsDoNotShareOrRemoveEachOthersMeters() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        CdcEventProcessor a = CdcEventProcessor.builder().meterRegistry(registry).applier(b -> { }).build();
        CdcEventProcessor b = CdcEventProcessor.builder().meterRegistry(registry).applier(x -> { }).build();
        a.process(inserts.changes("shop", "orders", 3));
        b.process(inserts.changes("bill", "invoices", 3));
        a.close();
        b.process(inserts.changes("bill", "invoices", 5));
        double exported = registry.find(MetricCatalog.CDC_EVENTS_PROCESSED.name()).tag("table", "public.invoices")
                .counters().stream().mapToDouble(Counter::count).sum();
        System.err.println("att3 unnamed processors: b processed " + b.eventsProcessed() + ", exported " + exported);
        b.close();
        assertThat(exported).as("b's invoices events exported after a.close()").isEqualTo(8);
    }

    /**
     * Finding 8. Credentials carried in a URL's user-info are not secrets to {@code ConnectorConfig}: Schema
     * Registry's {@code basic.auth.credentials.source=URL} ({@code value.converter.schema.registry.url=
     * https://user:pw@sr:8081}) and Debezium MongoDB's {@code mongodb.connection.string}
     * ({@code mongodb://user:pw@host/}) are printed by {@code toString()}/{@code masked()} and not redacted from
     * Connect's replies. Expected: the password absent; actual: present in all three.
     */
    @Test
    void credentialsInUrlsAreHidden() {
        io.migmon.cdc.connect.ConnectorConfig c = io.migmon.cdc.connect.ConnectorConfig.debeziumPostgres("shop")
                .put("value.converter", "io.confluent.connect.avro.AvroConverter")
                .put("value.converter.basic.auth.credentials.source", "URL")
                .put("value.converter.schema.registry.url", "https://sr-user:Sr3gPw0rd@sr.internal:8081")
                .put("mongodb.connection.string", "mongodb://admin:M0ng0Pw0rd@db:27017/?replicaSet=rs0")
                .build();
        String reply = "Connector configuration is invalid: schema.registry.url https://sr-user:Sr3gPw0rd@sr.internal:8081"
                + " unreachable; mongodb://admin:M0ng0Pw0rd@db:27017 refused";
        String shown = c.toString() + " " + c.masked() + " " + c.redact(reply);
        System.err.println("att3 secrets: " + shown);
        assertThat(shown).doesNotContain("Sr3gPw0rd").doesNotContain("M0ng0Pw0rd");
    }

    /**
     * Lag per connector (process path, exact clock): connectors {@code shop} and {@code bill} share a processor; bill's
     * heartbeats stop after its last change while shop's keep coming every second. Expected: bill's table ages
     * 1 s per second (nothing confirms bill is current) and the overall lag with it; shop's table reads 0.
     */
    @Test
    void oneConnectorsHeartbeatsNeverConfirmAnotherConnectorsTables() {
        SimpleMeterRegistry reg = new SimpleMeterRegistry();
        io.migmon.core.testing.MutableClock clock = io.migmon.core.testing.MutableClock.at("2026-01-10T10:00:00Z");
        try (CdcEventProcessor p = CdcEventProcessor.builder("lag3").meterRegistry(reg).clock(clock)
                .applier(batch -> { }).heartbeatInterval(java.time.Duration.ofSeconds(1)).build()) {
            long t0 = clock.millis();
            p.process(List.of(lagChange("shop", "orders", 1, t0 - 500), lagChange("bill", "invoices", 1, t0 - 500),
                    heartbeat("shop", t0), heartbeat("bill", t0)));
            for (int i = 0; i < 10; i++) {
                clock.advance(java.time.Duration.ofSeconds(1));
                p.process(List.of(heartbeat("shop", clock.millis())));
            }
            double bill = reg.get(MetricCatalog.CDC_REPLICATION_LAG.name()).tags("source_table", "public.invoices")
                    .gauge().value();
            double shop = reg.get(MetricCatalog.CDC_REPLICATION_LAG.name()).tags("source_table", "public.orders")
                    .gauge().value();
            double overall = reg.get(MetricCatalog.CDC_REPLICATION_LAG_OVERALL.name()).gauge().value();
            System.err.println("att3 two connectors, bill's heartbeats stopped 10 s ago: bill " + bill + " s, shop "
                    + shop + " s, overall " + overall + " s, health " + p.healthCheck().check());
            assertThat(bill).as("bill's table: confirmed 10 s ago").isGreaterThanOrEqualTo(9.0);
            assertThat(overall).as("overall").isGreaterThanOrEqualTo(9.0);
            assertThat(shop).as("shop's table").isLessThanOrEqualTo(1.0);
        }
    }

    private static CdcRecord lagChange(String source, String table, int id, long tsMs) {
        return CdcRecord.of(source + ".public." + table, null, "{\"before\":null,\"after\":{\"id\":" + id
                + "},\"source\":{\"name\":\"" + source + "\",\"ts_ms\":" + tsMs + ",\"schema\":\"public\",\"table\":\""
                + table + "\"},\"op\":\"c\",\"ts_ms\":" + tsMs + "}");
    }

    private static CdcRecord heartbeat(String source, long tsMs) {
        return CdcRecord.of("__debezium-heartbeat." + source, "{\"serverName\":\"" + source + "\"}",
                "{\"ts_ms\":" + tsMs + "}");
    }

    // Finding 11 (cdc_stall summed over all processors: one flowing processor masked another's stall) moved to
    // migmon-grafana's PromtoolRulesTest#alertsFireAndDoNotFire ("cdcTwoProcessors": real promtool against the rule
    // MigmonAlertRules generates, not a copy of its expression); fixed there with "by (processor, instance)".
}
