package io.migmon.core.health;

import java.time.Duration;

/**
 * migmon's default lag levels, in one place: data lag ({@code migration_data_lag_seconds}), CDC consumer lag
 * ({@code cdc_consumer_lag_seconds}) and replication lag above {@link #WARNING} are worth a look, above
 * {@link #CRITICAL} they are an incident.
 *
 * <p>Read by the Grafana dashboards (yellow / red thresholds), the Prometheus lag alerts (fire above
 * {@link #CRITICAL}), {@code LagTrendDetector} (the limit a rising lag is projected against) and the demo's
 * {@link MigrationHealthCheck.Builder#maxDataLag(Duration, Duration) maxDataLag} (DEGRADED / DOWN). Each of those can
 * be configured separately; these are only the defaults they share.
 */
public final class LagThresholds {

    /** Lag from which dashboards turn yellow and a health check degrades by default: 60 s. */
    public static final Duration WARNING = Duration.ofSeconds(60);

    /** Lag from which dashboards turn red, lag alerts fire and a health check is down by default: 300 s. */
    public static final Duration CRITICAL = Duration.ofSeconds(300);

    private LagThresholds() {
    }
}
