package io.migmon.alerting.internal;

import io.migmon.alerting.Alert;
import io.migmon.core.Severity;
import java.util.List;

/**
 * A group that owes one sink a notification: what a sink's queue holds (at most one per group). The content is
 * computed when the sink is about to send ({@link DeliverySource#content}), so a ticket that waits (for a retry or
 * behind other groups) always sends the group's current state, never a stale one.
 *
 * @param groupKey the group's key
 * @param groupId  the group instance (a group removed and created again under the same key gets a new id)
 * @param sink     the sink
 * @param alerts   the alerts owed when the ticket was issued (for overflow decisions and drop counts only)
 * @param repeat   issued because the repeat interval passed (no change)
 */
public record Ticket(String groupKey, long groupId, String sink, List<Alert> alerts, boolean repeat) {

    /** The most severe alert's severity. */
    public Severity severity() {
        Severity max = Severity.INFO;
        for (Alert a : alerts) {
            if (a.severity().compareTo(max) > 0) {
                max = a.severity();
            }
        }
        return max;
    }
}
