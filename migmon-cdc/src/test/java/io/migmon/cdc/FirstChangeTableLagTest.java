package io.migmon.cdc;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.spi.RetriableApplyException;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Issue 11 leftover (third attack): {@code cdc_replication_lag_seconds{source_table}} had no series while a table's
 * FIRST change was blocked (the series was registered when a change of the table was applied), so only the overall
 * gauge showed the staleness. Process path with a {@link MutableClock}, so every instant is exact. Ground truth: the
 * blocked change is the oldest change of its table not in the target: its table's lag is now − its source commit
 * time; once applied and confirmed by a heartbeat emitted after it, 0.
 */
class FirstChangeTableLagTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.at("2026-11-27T09:00:00Z");

    private static CdcRecord change(String table, int id, long tsMs) {
        return CdcRecord.of("shop.public." + table, null, "{\"before\":null,\"after\":{\"id\":" + id
                + "},\"source\":{\"name\":\"shop\",\"ts_ms\":" + tsMs + ",\"schema\":\"public\",\"table\":\"" + table
                + "\"},\"op\":\"c\",\"ts_ms\":" + tsMs + "}");
    }

    private static CdcRecord heartbeat(long tsMs) {
        return CdcRecord.of("__debezium-heartbeat.shop", "{\"serverName\":\"shop\"}", "{\"ts_ms\":" + tsMs + "}");
    }

    private Gauge table(String table) {
        return registry.find(MetricCatalog.CDC_REPLICATION_LAG.name()).tags("source_table", "public." + table,
                "target_table", "public." + table).gauge();
    }

    @Test
    void aNewTablesFirstChangeBlockedByAFailingTargetHasASeriesThatAgesThenZeroOnceAppliedAndConfirmed() {
        AtomicBoolean invoicesFail = new AtomicBoolean(true);
        try (CdcEventProcessor p = CdcEventProcessor.builder("firstlag").meterRegistry(registry).clock(clock)
                .applier(batch -> {
                    if (invoicesFail.get() && batch.stream().anyMatch(e -> "invoices".equals(e.table()))) {
                        throw new RetriableApplyException("target unavailable", null);
                    }
                }).heartbeatInterval(Duration.ofSeconds(1)).applyRetries(0).retryBackoff(Duration.ZERO).build()) {
            long t0 = clock.millis();
            // orders flows and is confirmed: its series exists and reads 0
            p.process(List.of(change("orders", 1, t0 - 500), heartbeat(t0)));
            assertThat(table("orders")).isNotNull();
            assertThat(table("orders").value()).isZero();

            // the first change of a new table, committed 300 ms ago, cannot be applied
            clock.advance(Duration.ofSeconds(1));
            long invoiceCommitMs = clock.millis() - 300;
            assertThatThrownBy(() -> p.process(List.of(change("invoices", 1, invoiceCommitMs))))
                    .isInstanceOf(CdcProcessingException.class);
            assertThat(table("invoices")).as("the blocked table's series, from its first change seen").isNotNull();
            for (int i = 0; i < 6; i++) {
                // the connector's heartbeats keep coming (orders stays confirmed), the change waits
                clock.advance(Duration.ofSeconds(1));
                p.process(List.of(heartbeat(clock.millis())));
                assertThat(table("invoices").value()).as("now - the blocked change's commit time, %d s later", i + 1)
                        .isEqualTo((clock.millis() - invoiceCommitMs) / 1000.0, within(1e-9));
                assertThat(table("orders").value()).as("the other table").isZero();
            }
            assertThat(registry.get(MetricCatalog.CDC_REPLICATION_LAG_OVERALL.name()).gauge().value())
                    .isEqualTo((clock.millis() - invoiceCommitMs) / 1000.0, within(1e-9));

            // the target recovers: the change is offered again and applied, then a heartbeat confirms it
            invoicesFail.set(false);
            clock.advance(Duration.ofSeconds(1));
            p.process(List.of(change("invoices", 1, invoiceCommitMs)));
            clock.advance(Duration.ofMillis(500));
            p.process(List.of(heartbeat(clock.millis())));
            assertThat(table("invoices").value()).as("applied and confirmed").isZero();
            assertThat(table("orders").value()).isZero();
        }
    }
}
