package io.migmon.alerting.internal;

import io.migmon.alerting.Alert;
import java.time.Instant;

/**
 * Evaluations of one alert handed to the dispatcher, as coalesced by {@link SignalQueue}: {@code count}
 * consecutive evaluations with the same result ({@code firing}: the condition was true), the first at
 * {@code since} and the last at {@code at}; {@code alert} is the latest one reported (latest annotations win).
 * {@code restarted} says that an opposite evaluation of the same alert preceded this run in the queue: it resets
 * the hysteresis counter of the other direction (and forgets a pending alert) as that evaluation would have.
 */
public record Signal(Alert alert, boolean firing, Instant since, Instant at, int count, boolean restarted) {

    /** One evaluation at {@code at}. */
    public Signal(Alert alert, boolean firing, Instant at) {
        this(alert, firing, at, at, 1, false);
    }
}
