/**
 * The sink extension point: implement {@link io.migmon.alerting.spi.AlertSink} to deliver
 * {@link io.migmon.alerting.spi.Notification}s somewhere; signal retryable and permanent failures with
 * {@link io.migmon.alerting.spi.DeliveryException}.
 */
package io.migmon.alerting.spi;
