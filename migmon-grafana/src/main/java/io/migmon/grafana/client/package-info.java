/**
 * A small Grafana HTTP client on the JDK {@link java.net.http.HttpClient}: create-or-update dashboards into a folder
 * through the classic {@code POST /api/dashboards/db} API or the Grafana 12+ resource API
 * ({@code /apis/dashboard.grafana.app/...}), with a bearer token (service account) or basic auth. Credentials never
 * appear in logs, {@code toString()} or exception messages.
 */
package io.migmon.grafana.client;
