package io.migmon.alerting.internal;

import io.migmon.alerting.Alert;
import java.time.Instant;

/**
 * One evaluation result handed to the dispatcher: the condition of {@code alert} is true ({@code firing}) or
 * false, observed at {@code at}.
 */
public record Signal(Alert alert, boolean firing, Instant at) {
}
