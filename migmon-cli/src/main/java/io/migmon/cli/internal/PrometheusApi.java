package io.migmon.cli.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A client of Prometheus' HTTP API ({@code /api/v1/query}, {@code /api/v1/query_range}) on the JDK HttpClient.
 * Credentials come from the URL's user info (basic auth) or a bearer token; neither is ever printed. Every failure
 * is a {@link CannotEvaluateException} saying what was asked and what to do.
 */
public final class PrometheusApi {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final URI base;
    private final String shown;
    private final String authorization;
    private final String[] secrets;
    private final Duration timeout;
    private final HttpClient http;

    /**
     * @param url         Prometheus base URL, e.g. {@code http://prometheus:9090} or {@code https://user:pw@host/prom}
     * @param bearerToken a token sent as {@code Authorization: Bearer}, or null
     * @param timeout     per request
     */
    public PrometheusApi(URI url, String bearerToken, Duration timeout) {
        if (url == null || url.getScheme() == null || url.getHost() == null
                || !(url.getScheme().equals("http") || url.getScheme().equals("https"))) {
            throw new CannotEvaluateException("--prometheus-url must be an absolute http(s) URL such as "
                    + "http://prometheus:9090, was '" + Secrets.url(url) + "'");
        }
        String path = url.getRawPath() == null || url.getRawPath().isEmpty() ? "/" : url.getRawPath();
        if (!path.endsWith("/")) {
            path = path + "/";
        }
        this.base = URI.create(url.getScheme() + "://" + url.getHost() + (url.getPort() >= 0 ? ":" + url.getPort() : "")
                + path);
        this.shown = Secrets.url(this.base);
        String userInfo = url.getRawUserInfo();
        String password = null;
        String tokenProblem = Secrets.tokenProblem(bearerToken, "PROMETHEUS_TOKEN");
        if (tokenProblem != null) {
            throw new CannotEvaluateException(tokenProblem);
        }
        if (bearerToken != null && !bearerToken.isBlank()) {
            this.authorization = "Bearer " + bearerToken.strip();
        } else if (userInfo != null) {
            String decoded = URLDecoder.decode(userInfo, StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            password = colon >= 0 ? decoded.substring(colon + 1) : null;
            this.authorization = "Basic " + Base64.getEncoder().encodeToString(decoded.getBytes(StandardCharsets.UTF_8));
        } else {
            this.authorization = null;
        }
        this.secrets = new String[] {bearerToken, password, userInfo};
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The base URL as it may be printed (no credentials). */
    public String shownUrl() {
        return shown;
    }

    /** A series: its labels and samples (one for an instant vector, several for a range). */
    public record Series(Map<String, String> labels, List<Sample> samples) {
        /** The last sample, or null. */
        public Sample last() {
            return samples.isEmpty() ? null : samples.get(samples.size() - 1);
        }
    }

    /** One sample. */
    public record Sample(Instant at, double value) {
    }

    /** {@code /api/v1/query}: an instant vector, a range vector (raw samples) or a scalar (one series, no labels). */
    public List<Series> query(String promql) {
        return parse(get("api/v1/query?query=" + enc(promql)), promql);
    }

    /** {@code /api/v1/query_range}. */
    public List<Series> queryRange(String promql, Instant start, Instant end, Duration step) {
        return parse(get("api/v1/query_range?query=" + enc(promql) + "&start=" + start.getEpochSecond() + "&end="
                + end.getEpochSecond() + "&step=" + Math.max(1, step.toSeconds())), promql);
    }

    /** Prometheus' own clock ({@code time()}), so staleness is judged without clock skew. */
    public Instant serverTime() {
        List<Series> s = query("time()");
        if (s.isEmpty() || s.get(0).last() == null) {
            throw new CannotEvaluateException("Prometheus at " + shown + " answered time() without a value");
        }
        return s.get(0).last().at();
    }

    /** Any API GET, parsed, checked for {@code "status": "success"}. */
    public JsonNode get(String pathAndQuery) {
        HttpRequest.Builder req = HttpRequest.newBuilder(base.resolve(pathAndQuery)).timeout(timeout).GET();
        if (authorization != null) {
            req.header("Authorization", authorization);
        }
        String what = "GET " + shown + pathAndQuery.replaceFirst("\\?.*", "");
        HttpResponse<String> r;
        try {
            r = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new CannotEvaluateException("cannot reach Prometheus at " + shown + " (" + what + "): "
                    + describe(e) + ". Check --prometheus-url and that Prometheus is running and reachable from here.");
        } catch (HttpTimeoutException e) {
            throw new CannotEvaluateException("Prometheus at " + shown + " did not answer within "
                    + (timeout.toMillis() < 1000 ? timeout.toMillis() + " ms" : timeout.toSeconds() + " s") + " (" + what + "). Check that it is healthy, or raise --http-timeout.");
        } catch (IOException e) {
            throw new CannotEvaluateException("cannot reach Prometheus at " + shown + " (" + what + "): "
                    + describe(e) + ". Check --prometheus-url and the network.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CannotEvaluateException("interrupted while asking Prometheus (" + what + ")");
        } catch (IllegalArgumentException e) {
            throw new CannotEvaluateException("cannot send " + what + " to Prometheus at " + shown
                    + ": the request was refused by the HTTP client (" + e.getClass().getSimpleName()
                    + "); check --prometheus-url and PROMETHEUS_TOKEN (values not shown)");
        }
        if (r.statusCode() / 100 == 3) {
            throw new CannotEvaluateException("Prometheus at " + shown + " answered " + what + " with a redirect (HTTP "
                    + r.statusCode() + " to " + Secrets.location(r.headers().firstValue("Location").orElse(null))
                    + "); migmon does not follow redirects, so that credentials never go to another host: give "
                    + "--prometheus-url the final address");
        }
        if (r.statusCode() == 401 || r.statusCode() == 403) {
            throw new CannotEvaluateException("Prometheus at " + shown + " refused the request (HTTP " + r.statusCode()
                    + "). Give credentials in the URL (https://user:password@host) or in the PROMETHEUS_TOKEN "
                    + "environment variable.");
        }
        JsonNode json;
        try {
            json = MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new CannotEvaluateException("the server at " + shown + " answered " + what + " with HTTP "
                    + r.statusCode() + " and no Prometheus JSON: is --prometheus-url a Prometheus (or its path "
                    + "prefix) URL?");
        }
        if (json == null || !"success".equals(json.path("status").asText())) {
            String error = json == null ? "" : json.path("error").asText("");
            throw new CannotEvaluateException("Prometheus at " + shown + " answered " + what + " with HTTP "
                    + r.statusCode() + ": " + Secrets.redactUrls(Secrets.redact(error, secrets)));
        }
        return json;
    }

    private static String describe(Throwable e) {
        if (e instanceof ConnectException && (e.getMessage() == null || e.getMessage().isBlank())) {
            return "connection refused (nothing listens there)";
        }
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            Throwable c = e.getCause();
            m = c != null && c.getMessage() != null ? c.getMessage() : e.getClass().getSimpleName();
        }
        return m;
    }

    private static List<Series> parse(JsonNode json, String promql) {
        JsonNode data = json.path("data");
        String type = data.path("resultType").asText();
        JsonNode result = data.path("result");
        List<Series> out = new ArrayList<>();
        switch (type) {
            case "scalar" -> out.add(new Series(Map.of(), List.of(sample(result))));
            case "vector" -> {
                for (JsonNode s : result) {
                    out.add(new Series(labels(s.path("metric")), List.of(sample(s.path("value")))));
                }
            }
            case "matrix" -> {
                for (JsonNode s : result) {
                    List<Sample> samples = new ArrayList<>();
                    for (JsonNode v : s.path("values")) {
                        samples.add(sample(v));
                    }
                    out.add(new Series(labels(s.path("metric")), List.copyOf(samples)));
                }
            }
            default -> throw new CannotEvaluateException("unexpected Prometheus result type '" + type + "' for "
                    + promql);
        }
        return out;
    }

    private static Map<String, String> labels(JsonNode metric) {
        Map<String, String> m = new LinkedHashMap<>();
        metric.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
        return m;
    }

    private static Sample sample(JsonNode pair) {
        double ts = pair.path(0).asDouble();
        String v = pair.path(1).asText();
        double value = switch (v) {
            case "NaN" -> Double.NaN;
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(v);
        };
        return new Sample(Instant.ofEpochMilli(Math.round(ts * 1000)), value);
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
