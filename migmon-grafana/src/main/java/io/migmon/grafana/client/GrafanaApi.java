package io.migmon.grafana.client;

/** Which Grafana dashboard API a {@link GrafanaClient} speaks. */
public enum GrafanaApi {
    /** {@code POST /api/dashboards/db} and {@code /api/folders}: every Grafana version (deprecated from 12 on). */
    LEGACY(null),
    /** Grafana 12+ resource API {@code /apis/dashboard.grafana.app/v1beta1/namespaces/{ns}/dashboards}. */
    DASHBOARD_V1BETA1("v1beta1"),
    /** Grafana 12.x+ resource API, GA version {@code v1}. */
    DASHBOARD_V1("v1");

    private final String version;

    GrafanaApi(String version) {
        this.version = version;
    }

    /** The resource API version ({@code v1beta1}, {@code v1}); {@code null} for {@link #LEGACY}. */
    public String version() {
        return version;
    }
}
