/**
 * The metric catalog ({@link io.migmon.core.metrics.MetricCatalog}) and the registration helper
 * ({@link io.migmon.core.metrics.MigmonMeters}) that every migmon module uses to put meters into the host's
 * Micrometer registry.
 */
package io.migmon.core.metrics;
