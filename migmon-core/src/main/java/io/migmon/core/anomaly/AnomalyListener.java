package io.migmon.core.anomaly;

/**
 * Receives anomalies as they fire and resolve, e.g. the alerting module's dispatcher bridge. Called on the thread
 * that fed the detector; must be fast and thread-safe. Exceptions are caught and counted by the caller.
 */
@FunctionalInterface
public interface AnomalyListener {

    /** An anomaly fired ({@link Anomaly#state()} FIRING) or resolved (RESOLVED). */
    void onAnomaly(Anomaly anomaly);
}
