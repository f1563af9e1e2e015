/**
 * Alerting for migrations, embedded in the host: {@link io.migmon.alerting.AlertDispatcher} (built with sinks and
 * {@link io.migmon.alerting.Route}s) gives Alertmanager semantics — dedup by {@link io.migmon.alerting.Alert}
 * fingerprint, grouping, group wait/interval, repeat, resolved notifications, {@link io.migmon.alerting.InhibitRule
 * inhibition}, {@link io.migmon.alerting.Silence silences} — plus {@link io.migmon.alerting.Hysteresis flap
 * suppression}, bounded queues, retries and per-sink timeouts. {@link io.migmon.alerting.AnomalyAlerts} and
 * {@link io.migmon.alerting.HealthAlerts} connect core's anomaly detectors and health checks. Sinks live in
 * {@code io.migmon.alerting.sink}, the extension point in {@code io.migmon.alerting.spi}.
 */
package io.migmon.alerting;
