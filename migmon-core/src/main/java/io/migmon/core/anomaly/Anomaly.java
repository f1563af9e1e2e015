package io.migmon.core.anomaly;

import java.time.Instant;
import java.util.Objects;

/**
 * A finding of a detector about one migration (or pipeline), firing or resolved. Immutable.
 *
 * @param migrationId the {@code migration_id} (or pipeline name) the finding is about
 * @param type        detector type, the {@code type} tag, e.g. {@code low_throughput}, {@code high_error_rate},
 *                    {@code throughput_drop}, {@code stall}, {@code lag_trend}
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
        FIRING,
        RESOLVED
    }

    public Anomaly {
        Objects.requireNonNull(migrationId, "migrationId");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(metric, "metric");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(state, "state");
    }

    public boolean firing() {
        return state == State.FIRING;
    }
}
