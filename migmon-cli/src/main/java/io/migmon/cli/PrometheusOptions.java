package io.migmon.cli;

import io.migmon.cli.internal.MetricQueries;
import io.migmon.cli.internal.PrometheusApi;
import io.migmon.core.metrics.MetricsOptions;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Option;

/** Prometheus connection options shared by check, watch and start. */
final class PrometheusOptions {

    @Option(names = "--prometheus-url", paramLabel = "URL", converter = Urls.class,
            description = "Prometheus base URL, e.g. http://prometheus:9090 (credentials: https://user:password@host, "
                    + "or a bearer token in the PROMETHEUS_TOKEN environment variable; never printed)")
    URI prometheusUrl;

    @Option(names = "--metrics-prefix", paramLabel = "PREFIX", defaultValue = "",
            description = "The host's MetricsOptions prefix (e.g. myapp.db), empty for none. Default: none")
    String metricsPrefix;

    @Option(names = "--http-timeout", paramLabel = "DURATION", converter = Durations.class, defaultValue = "10s",
            description = "Timeout of each HTTP request. Default: ${DEFAULT-VALUE}")
    Duration httpTimeout;

    MetricsOptions metricsOptions() {
        try {
            return MetricsOptions.builder().prefix(metricsPrefix).build();
        } catch (IllegalArgumentException e) {
            throw new UsageException("--metrics-prefix: " + e.getMessage());
        }
    }

    PrometheusApi api(Map<String, String> env) {
        if (prometheusUrl == null) {
            throw new UsageException("--prometheus-url is required (e.g. --prometheus-url http://prometheus:9090)");
        }
        String token = env.get("PROMETHEUS_TOKEN");
        String problem = io.migmon.cli.internal.Secrets.tokenProblem(token, "PROMETHEUS_TOKEN");
        if (problem != null) {
            throw new UsageException(problem);
        }
        Durations.atLeast(httpTimeout, java.time.Duration.ofSeconds(1), "--http-timeout");
        return new PrometheusApi(prometheusUrl, token, httpTimeout);
    }

    MetricQueries queries(String migrationId) {
        return new MetricQueries(metricsOptions(), migrationId);
    }
}
