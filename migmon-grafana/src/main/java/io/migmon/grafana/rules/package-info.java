/**
 * Prometheus alerting rules generated from the metric catalog ({@link io.migmon.grafana.rules.MigmonAlertRules}),
 * rendered as a Prometheus rule file or a Kubernetes {@code PrometheusRule} resource
 * ({@link io.migmon.grafana.rules.RuleFiles}).
 */
package io.migmon.grafana.rules;
