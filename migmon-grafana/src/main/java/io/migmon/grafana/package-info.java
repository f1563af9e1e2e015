/** Grafana dashboards as code from the metric catalog, a Grafana HTTP client, and Prometheus alert-rule generation. */
package io.migmon.grafana;
