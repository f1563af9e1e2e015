package io.migmon.grafana.client;

/**
 * What Grafana answered to a save.
 *
 * @param uid             the dashboard uid (resource name on the Grafana 12+ API)
 * @param version         dashboard version (legacy API) or resource generation (Grafana 12+ API); 0 if not reported
 * @param created         {@code true} when the dashboard did not exist before (always known on the resource API; on
 *                        the legacy API derived from {@code version == 1})
 * @param url             relative URL of the dashboard ({@code /d/uid/slug}), or {@code null} when not reported
 * @param resourceVersion resource version (Grafana 12+ API), or {@code null}
 */
public record SaveResult(String uid, long version, boolean created, String url, String resourceVersion) {
}
