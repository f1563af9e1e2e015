package io.migmon.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.core.Severity;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.testing.ExternalTools;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class AlertMetricsTest {

    @Test
    void metersRenderWithCatalogNamesAndPassPromtool() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        RecordingSink ok = new RecordingSink("ok");
        RecordingSink bad = new RecordingSink("bad");
        bad.failures.add(DeliveryException.permanent("HTTP 403"));
        MutableClock clock = MutableClock.epoch();
        AlertDispatcher d = AlertDispatcher.builder(registry).clock(clock).manualTick().queueCapacity(1).sink(ok).sink(bad)
                .route(Route.builder("ok", "bad").groupWait(Duration.ZERO).build()).build();
        d.fire(Alert.builder("high_error_rate", Severity.CRITICAL).build());
        d.fire(Alert.builder("note", Severity.INFO).build()); // dropped: queue of 1 holds a critical
        d.tick();
        String scrape = registry.scrape();
        assertThat(scrape).contains(MetricCatalog.ALERTS_SENT.prometheusName() + "{severity=\"critical\",sink=\"ok\"} 1.0")
                .contains(MetricCatalog.ALERTS_FAILED.prometheusName() + "{severity=\"critical\",sink=\"bad\"} 1.0")
                .contains(MetricCatalog.ALERTS_DROPPED.prometheusName() + "{reason=\"queue_full\",severity=\"info\"} 1.0")
                .contains(MetricCatalog.ALERT_QUEUE_DEPTH.prometheusName() + " 0.0");
        ExternalTools.assertPromtoolAcceptsMetrics(scrape);
        d.close(Duration.ZERO);
        assertThat(registry.scrape()).doesNotContain("migmon_alerts_");
    }

    @Test
    void concurrentFireFromManyThreadsLosesNothingBelowCapacity() throws Exception {
        RecordingSink sink = new RecordingSink("rec");
        AlertDispatcher d = AlertDispatcher.builder(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                .tickInterval(Duration.ofMillis(5)).sink(sink, SinkOptions.DEFAULTS.withQueueCapacity(10_000))
                .route(Route.builder("rec").groupBy(Route.ALL_LABELS).groupWait(Duration.ZERO).build()).build();
        int threads = 8;
        int perThread = 500;
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                try {
                    start.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < perThread; i++) {
                    d.fire(Alert.builder("a", Severity.WARNING).label("t", "" + id).label("i", "" + i).build());
                }
            });
            th.start();
            ts.add(th);
        }
        start.countDown();
        for (Thread th : ts) {
            th.join();
        }
        ShutdownReport report = d.close(Duration.ofSeconds(10));
        assertThat(report.complete()).isTrue();
        assertThat(sink.received.stream().mapToLong(n -> n.alerts().size()).sum()).isEqualTo(threads * perThread);
    }

    @Test
    void sinkQueueOverflowIsCountedAndReported() {
        RecordingSink sink = new RecordingSink("rec");
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        AlertDispatcher d = AlertDispatcher.builder(registry).clock(MutableClock.epoch()).manualTick()
                .sink(sink, SinkOptions.DEFAULTS.withQueueCapacity(2))
                .route(Route.builder("rec").groupBy(Route.ALL_LABELS).groupWait(Duration.ZERO).build()).build();
        d.fire(Alert.builder("w", Severity.WARNING).build());
        d.fire(Alert.builder("i", Severity.INFO).build());
        d.fire(Alert.builder("c", Severity.CRITICAL).build());
        d.fire(Alert.builder("i2", Severity.INFO).build());
        // one tick produces four notifications for a queue of two: the infos are dropped, least severe first
        d.tick();
        assertThat(sink.take()).flatExtracting(n -> n.alerts()).extracting(Alert::name).containsExactlyInAnyOrder("w", "c");
        assertThat(registry.scrape()).contains("migmon_alerts_dropped_total{reason=\"sink_queue_full\",severity=\"info\"} 2.0");
        ShutdownReport report = d.close(Duration.ZERO);
        assertThat(report.dropped()).isEqualTo(2);
        assertThat(report.complete()).isFalse();
    }
}
