/**
 * Anomaly detection for migrations and pipelines: detectors that learn a run's baseline, with hysteresis, fed from
 * {@link io.migmon.core.spi.MigrationListener} samples or the host's own schedule. No threads of its own.
 * Entry point: {@link io.migmon.core.anomaly.AnomalyMonitor}; detectors implement
 * {@link io.migmon.core.anomaly.AnomalyDetector}.
 */
package io.migmon.core.anomaly;
