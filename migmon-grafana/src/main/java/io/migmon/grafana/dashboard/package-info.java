/**
 * A typed, fluent model of Grafana dashboards ({@link io.migmon.grafana.dashboard.Dashboard},
 * {@link io.migmon.grafana.dashboard.Panel}, {@link io.migmon.grafana.dashboard.Target},
 * {@link io.migmon.grafana.dashboard.Variable}, {@link io.migmon.grafana.dashboard.Thresholds}) rendered to Grafana's
 * dashboard JSON model with Jackson. Builders validate eagerly with messages that name the field; built objects are
 * immutable and thread-safe.
 */
package io.migmon.grafana.dashboard;
