package io.migmon.core.anomaly;

import io.migmon.core.Severity;
import java.time.Instant;
import java.util.Objects;

/**
 * A finding of a detector about one migration (or pipeline), firing or resolved. Immutable.
 *
 * <p>The {@code type} values of the built-in detectors (see {@link AnomalyMonitor} and docs/anomaly-detection.md):
 * <ul>
 *   <li>{@code low_throughput}: throughput below a fraction (default 0.5) of the expected rate, WARNING
 *       ({@link LowThroughputDetector});</li>
 *   <li>{@code high_error_rate}: errors / (rows + errors) over a sliding window above a limit (default 1%), judged
 *       only after a minimum number of events, CRITICAL ({@link ErrorRateDetector});</li>
 *   <li>{@code throughput_drop}: throughput far below the run's own learned baseline, WARNING
 *       ({@link ThroughputBaselineDetector#drops()});</li>
 *   <li>{@code throughput_spike}: throughput far above that baseline, INFO ({@link ThroughputBaselineDetector#spikes()});</li>
 *   <li>{@code stall}: no rows done for N consecutive samples, CRITICAL ({@link StallDetector});</li>
 *   <li>{@code lag_trend}: data lag predicted by a linear fit to exceed a limit within a horizon, WARNING
 *       ({@link LagTrendDetector}).</li>
 * </ul>
 * Severities are the defaults; each detector's builder can change them. A detector emits at most one FIRING
 * anomaly until it emits the matching RESOLVED one.
 *
 * @param migrationId the {@code migration_id} (or pipeline name) the finding is about
 * @param type        detector type, the {@code type} tag: one of the values listed above, or a custom detector's
 * @param severity    how urgent
 * @param metric      the metric the detector watched, e.g. {@code migration_throughput_rows_per_second}
 * @param value       the observed value that triggered (or cleared) the finding
 * @param threshold   the limit it was compared with (NaN when the detector has no single threshold)
 * @param message     a human sentence naming the metric and values
 * @param at          when the finding was made (detector clock)
 * @param state       firing or resolved
 */
public record Anomaly(
        String migrationId,
        String type,
        Severity severity,
        String metric,
        double value,
        double threshold,
        String message,
        Instant at,
        State state) {

    /** Whether the anomaly is active or has cleared. */
    public enum State {
        /** The condition holds (after the detector's hysteresis). */
        FIRING,
        /** The condition has cleared, or the run ended. */
        RESOLVED
    }

    /** Validates that no component but the numbers is null. */
    public Anomaly {
        Objects.requireNonNull(migrationId, "migrationId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(state, "state");
    }

    /** Whether {@link #state()} is FIRING. */
    public boolean firing() {
        return state == State.FIRING;
    }
}
