/** Integration tests of the generated dashboards and rules against a real Prometheus. */
package io.migmon.grafana.it;
