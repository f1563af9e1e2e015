package io.migmon.alerting.internal;

import io.micrometer.core.instrument.Counter;
import io.migmon.alerting.Alert;
import io.migmon.core.Severity;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MigmonMeters;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The dispatcher's meters from {@link MetricCatalog}, cached per tag combination. Thread-safe. */
public final class AlertMeters {

    /** {@code reason} of a drop: the inbound queue was full. */
    public static final String QUEUE_FULL = "queue_full";
    /** {@code reason} of a drop: a sink's queue was full. */
    public static final String SINK_QUEUE_FULL = "sink_queue_full";
    /** {@code reason} of a drop: still queued or in flight when the dispatcher closed. */
    public static final String SHUTDOWN = "shutdown";
    /** {@code reason} of a drop: {@code fire()} after close. */
    public static final String CLOSED = "closed";

    private final MigmonMeters meters;
    private final Map<String, Counter> cache = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.LongAdder overflowDrops = new java.util.concurrent.atomic.LongAdder();

    public AlertMeters(MigmonMeters meters) {
        this.meters = meters;
    }

    public MigmonMeters meters() {
        return meters;
    }

    public void sent(String sink, Alert a) {
        count("s", MetricCatalog.ALERTS_SENT, MetricCatalog.SINK, sink, a.severity());
    }

    public void failed(String sink, Alert a) {
        count("f", MetricCatalog.ALERTS_FAILED, MetricCatalog.SINK, sink, a.severity());
    }

    public void dropped(Severity severity, String reason) {
        if (QUEUE_FULL.equals(reason) || SINK_QUEUE_FULL.equals(reason)) {
            overflowDrops.increment();
        }
        count("d", MetricCatalog.ALERTS_DROPPED, MetricCatalog.REASON, reason, severity);
    }

    /** Alerts dropped by full queues so far. */
    public long overflowDrops() {
        return overflowDrops.sum();
    }

    private void count(String kind, io.migmon.core.metrics.MeterDefinition def, String key, String value, Severity s) {
        try {
            cache.computeIfAbsent(kind + '\0' + value + '\0' + s.ordinal(),
                    k -> meters.counter(def, key, value, MetricCatalog.SEVERITY, s.tagValue())).increment();
        } catch (RuntimeException e) {
            meters.recordFailure("alerting", e);
        }
    }
}
