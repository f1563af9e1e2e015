/**
 * Host-agnostic health checks: {@link io.migmon.core.health.HealthCheck}, aggregation with
 * {@link io.migmon.core.health.CompositeHealthCheck}, and threshold checks for lag, error rate and stalls.
 */
package io.migmon.core.health;
