package io.migmon.alerting;

import io.migmon.core.Severity;
import java.util.List;

/**
 * What {@link AlertDispatcher#close(java.time.Duration)} could not deliver. Contains no secrets.
 *
 * @param undelivered one entry per alert and sink that was not delivered (first 100 failures per sink, plus
 *                    everything still queued at the deadline)
 * @param dropped     alerts dropped by a full queue during the dispatcher's life (inbound signals and sink queues,
 *                    as counted in {@code migmon_alerts_dropped_total} with reasons queue_full and sink_queue_full)
 */
public record ShutdownReport(List<Undelivered> undelivered, long dropped) {

    /** One alert that a sink did not receive. */
    public record Undelivered(String sink, String alertName, String fingerprint, Severity severity, boolean resolved,
                              String reason) {
    }

    /** Copies the list. */
    public ShutdownReport {
        undelivered = List.copyOf(undelivered);
    }

    /** Whether everything was delivered and nothing was dropped. */
    public boolean complete() {
        return undelivered.isEmpty() && dropped == 0;
    }
}
