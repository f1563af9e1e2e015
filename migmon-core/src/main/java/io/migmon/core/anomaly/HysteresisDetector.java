package io.migmon.core.anomaly;

import io.migmon.core.Severity;
import io.migmon.core.metrics.MeterDefinition;
import java.time.Duration;

/**
 * What every built-in detector shares: its type, the metric it watches, and the severity and hysteresis durations
 * its builder validated, reported through {@link AnomalyDetector}. Not public API.
 */
abstract class HysteresisDetector implements AnomalyDetector {
    private final String type;
    private final String metric;
    private final Severity severity;
    private final Duration fireAfter;
    private final Duration clearAfter;

    HysteresisDetector(String type, MeterDefinition metric, DetectorBuilder<?> settings) {
        this(type, metric, settings.severity, settings.fireAfter, settings.clearAfter);
    }

    HysteresisDetector(String type, MeterDefinition metric, Severity severity, Duration fireAfter, Duration clearAfter) {
        this.type = type;
        this.metric = metric.prometheusName();
        this.severity = severity;
        this.fireAfter = fireAfter;
        this.clearAfter = clearAfter;
    }

    @Override
    public final String type() {
        return type;
    }

    @Override
    public final String metric() {
        return metric;
    }

    @Override
    public final Severity severity() {
        return severity;
    }

    @Override
    public final Duration fireAfter() {
        return fireAfter;
    }

    @Override
    public final Duration clearAfter() {
        return clearAfter;
    }

    static double seconds(Duration d) {
        return d.toMillis() / 1e3;
    }
}
