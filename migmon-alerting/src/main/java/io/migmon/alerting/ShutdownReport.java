package io.migmon.alerting;

import io.migmon.core.anomaly.Severity;
import java.util.List;

/**
 * What {@link AlertDispatcher#close(java.time.Duration)} could not deliver. Contains no secrets.
 *
 * @param undelivered one entry per alert and sink that was not delivered (first 100 failures per sink, plus
 *                    everything still queued at the deadline)
 * @param droppedSignals fire/resolve calls still queued at close that could not be evaluated (normally zero)
 */
public record ShutdownReport(List<Undelivered> undelivered, int droppedSignals) {

    /** One alert that a sink did not receive. */
    public record Undelivered(String sink, String alertName, String fingerprint, Severity severity, boolean resolved,
                              String reason) {
    }

    public ShutdownReport {
        undelivered = List.copyOf(undelivered);
    }

    /** Whether everything was delivered. */
    public boolean complete() {
        return undelivered.isEmpty() && droppedSignals == 0;
    }
}
