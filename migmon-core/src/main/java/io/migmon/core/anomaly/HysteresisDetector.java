package io.migmon.core.anomaly;

/**
 * What every built-in detector shares: the severity and hysteresis parameters its builder validated, reported
 * through {@link AnomalyDetector}. Not public API.
 */
abstract class HysteresisDetector implements AnomalyDetector {
    private final Severity severity;
    private final int fireAfter;
    private final int clearAfter;

    HysteresisDetector(DetectorBuilder<?> settings) {
        this(settings.severity, settings.fireAfter, settings.clearAfter);
    }

    HysteresisDetector(Severity severity, int fireAfter, int clearAfter) {
        this.severity = severity;
        this.fireAfter = fireAfter;
        this.clearAfter = clearAfter;
    }

    @Override
    public final Severity severity() {
        return severity;
    }

    @Override
    public final int fireAfter() {
        return fireAfter;
    }

    @Override
    public final int clearAfter() {
        return clearAfter;
    }
}
