package io.migmon.alerting;

import io.migmon.core.anomaly.Anomaly;
import io.migmon.core.anomaly.AnomalyListener;
import java.util.Objects;

/**
 * Bridges core's anomaly detectors to the dispatcher: a FIRING {@link Anomaly} becomes {@link AlertDispatcher#fire},
 * a RESOLVED one {@link AlertDispatcher#resolve}. Register it as an {@link AnomalyListener} with the host's anomaly
 * monitor. Fast, thread-safe and never throws (the dispatcher only enqueues).
 *
 * <p>The alert: name = the anomaly {@code type} (e.g. {@value #LOW_THROUGHPUT}, {@value #HIGH_ERROR_RATE}),
 * severity = the anomaly's, labels {@code migration_id} and {@code metric}, summary = the anomaly message,
 * annotations {@code value} and {@code threshold}. The detectors already apply hysteresis, so the dispatcher can keep
 * {@link Hysteresis#NONE}.
 *
 * <p>The first two rules (from the seed): {@value #LOW_THROUGHPUT} (warning: throughput below 0.5x the expected
 * rate) and {@value #HIGH_ERROR_RATE} (critical: error rate above 1 %). With {@link #recommendedInhibition()} a
 * critical error-rate alert mutes the throughput warning of the same migration.
 */
public final class AnomalyAlerts implements AnomalyListener {

    /** The seed's warning rule: throughput below 0.5x expected. */
    public static final String LOW_THROUGHPUT = "low_throughput";
    /** The seed's critical rule: error rate above 1 %. */
    public static final String HIGH_ERROR_RATE = "high_error_rate";
    /** Label with the anomaly's migration (or pipeline) id. */
    public static final String MIGRATION_ID = "migration_id";
    /** Label with the metric the detector watched. */
    public static final String METRIC = "metric";

    private final AlertDispatcher dispatcher;

    private AnomalyAlerts(AlertDispatcher dispatcher) {
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher must not be null");
    }

    /** A listener that forwards anomalies to {@code dispatcher}. */
    public static AnomalyAlerts to(AlertDispatcher dispatcher) {
        return new AnomalyAlerts(dispatcher);
    }

    /** A critical alert mutes warnings (and infos) with the same {@code migration_id}. */
    public static InhibitRule recommendedInhibition() {
        return InhibitRule.criticalMutesWarnings(MIGRATION_ID);
    }

    @Override
    public void onAnomaly(Anomaly anomaly) {
        if (anomaly == null) {
            return;
        }
        Alert alert;
        try {
            alert = toAlert(anomaly);
        } catch (RuntimeException e) {
            return; // a malformed anomaly (e.g. an unusable type) never reaches the host
        }
        if (anomaly.firing()) {
            dispatcher.fire(alert);
        } else {
            dispatcher.resolve(alert);
        }
    }

    /** The alert for an anomaly (the same fingerprint for its FIRING and RESOLVED findings). */
    public static Alert toAlert(Anomaly a) {
        Alert.Builder b = Alert.builder(a.type(), a.severity()).label(MIGRATION_ID, a.migrationId())
                .label(METRIC, a.metric()).summary(a.message()).annotation("value", format(a.value()));
        if (!Double.isNaN(a.threshold())) {
            b.annotation("threshold", format(a.threshold()));
        }
        return b.build();
    }

    private static String format(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : Double.toString(v);
    }
}
