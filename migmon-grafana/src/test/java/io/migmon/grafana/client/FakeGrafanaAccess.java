package io.migmon.grafana.client;

import java.io.IOException;
import java.net.URI;

/** Lets tests outside this package use {@link FakeGrafana}. */
public final class FakeGrafanaAccess implements AutoCloseable {

    private final FakeGrafana grafana;

    private FakeGrafanaAccess(FakeGrafana grafana) {
        this.grafana = grafana;
    }

    public static FakeGrafanaAccess start() throws IOException {
        return new FakeGrafanaAccess(new FakeGrafana());
    }

    public URI uri() {
        return grafana.uri();
    }

    public String token() {
        return FakeGrafana.TOKEN;
    }

    public int dashboardCount() {
        return grafana.dashboards.size();
    }

    @Override
    public void close() {
        grafana.close();
    }
}
