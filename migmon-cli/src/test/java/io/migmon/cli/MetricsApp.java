package io.migmon.cli;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.ObservableMigration;
import io.migmon.core.metrics.MetricsOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * A host process in miniature: a {@link PrometheusMeterRegistry} that instrumented migrations record to, served for
 * scraping on 127.0.0.1 (JDK HttpServer, port 0). {@link #stop()} takes the endpoint away (the process "died").
 */
final class MetricsApp implements AutoCloseable {

    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final MetricsOptions options;
    private final HttpServer server;

    MetricsApp(MetricsOptions options) throws IOException {
        this.options = options;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/metrics", ex -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    /** host:port of the scrape endpoint (the {@code instance} label). */
    String target() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    ObservableMigration.Builder migration(String id) {
        return ObservableMigration.builder(id).meterRegistry(registry).metricsOptions(options);
    }

    /** The process goes away: no more scrapes succeed. */
    void stop() {
        server.stop(0);
    }

    @Override
    public void close() {
        server.stop(0);
        registry.close();
    }
}
