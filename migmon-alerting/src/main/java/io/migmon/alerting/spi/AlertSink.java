package io.migmon.alerting.spi;

/**
 * Delivers notifications to one destination (a chat webhook, a mailbox, a pager, an Alertmanager).
 *
 * <p><b>Threading.</b> The dispatcher calls {@link #send} from the sink's own delivery thread
 * ({@code migmon-alert-sink-<name>-call-N}), one call at a time per sink; a call that exceeds the sink's
 * {@link io.migmon.alerting.SinkOptions#timeout() timeout} is interrupted and counted as a failed attempt, so a hung
 * destination only delays its own sink. Implementations should still honour their own I/O timeouts.
 *
 * <p><b>Exceptions.</b> Throw {@link DeliveryException} to say whether a retry can help (and when, e.g. from HTTP
 * {@code Retry-After}); any other exception counts as retryable. Nothing a sink throws reaches the host.
 * Messages must not contain secrets (webhook URLs, keys, passwords): they are logged.
 */
public interface AlertSink extends AutoCloseable {

    /** A stable, non-secret name: the {@code sink} tag of the alert meters and the target of routes. */
    String name();

    /** Delivers one notification; blocks until delivered or failed. */
    void send(Notification notification) throws DeliveryException;

    /** Releases resources; called once by the dispatcher's close. Default: nothing. */
    @Override
    default void close() {
    }
}
