package io.migmon.core.health;

import io.micrometer.core.instrument.Gauge;
import io.migmon.core.metrics.MetricCatalog;
import io.migmon.core.metrics.MigmonMeters;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Exposes a check as the state set {@code migmon_health_status{check, status}}: 1 for the current status, 0 for the
 * others. The check runs when the registry is scraped (at most once per scrape, all three gauges share the result
 * for 500 ms). {@link #close()} removes the three gauges.
 */
public final class HealthMeters implements AutoCloseable {

    private final MigmonMeters meters;
    private final HealthCheck check;
    private final List<Gauge> gauges = new ArrayList<>();
    private volatile HealthStatus cached;
    private volatile long cachedAtNanos;

    private HealthMeters(MigmonMeters meters, HealthCheck check) {
        this.meters = meters;
        this.check = check;
    }

    /** Registers the gauges of {@code check} in {@code meters}. */
    public static HealthMeters bind(MigmonMeters meters, HealthCheck check) {
        HealthMeters h = new HealthMeters(meters, check);
        for (HealthStatus s : HealthStatus.values()) {
            h.gauges.add(meters.gauge(MetricCatalog.HEALTH_STATUS, h, x -> x.current() == s ? 1.0 : 0.0,
                    MetricCatalog.CHECK, check.name(), MetricCatalog.STATUS, s.name().toLowerCase(Locale.ROOT)));
        }
        return h;
    }

    private HealthStatus current() {
        long now = System.nanoTime();
        HealthStatus c = cached;
        if (c != null && now - cachedAtNanos < 500_000_000L) {
            return c;
        }
        try {
            c = check.check().status();
        } catch (RuntimeException e) {
            meters.recordFailure("health", e);
            c = HealthStatus.DOWN;
        }
        cached = c;
        cachedAtNanos = now;
        return c;
    }

    @Override
    public void close() {
        gauges.forEach(meters::remove);
        gauges.clear();
    }
}
