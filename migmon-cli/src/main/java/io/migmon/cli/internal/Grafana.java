package io.migmon.cli.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.migmon.core.metrics.MetricsOptions;
import io.migmon.grafana.MigmonDashboards;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/** Dashboard links and annotations ({@code POST /api/annotations}) on a Grafana; the token is never printed. */
public final class Grafana {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Grafana() {
    }

    /** The migration overview dashboard of this migration, e.g. {@code http://grafana/d/migmon-overview?var-migration_id=x}. */
    public static String dashboardUrl(URI grafana, MetricsOptions options, String migrationId) {
        if (grafana == null) {
            return null;
        }
        String base = Secrets.url(grafana);
        if (!base.endsWith("/")) {
            base = base + "/";
        }
        String uid = MigmonDashboards.builder().metricsOptions(options).build().migrationOverview().uid();
        return base + "d/" + uid + "?var-migration_id=" + URLEncoder.encode(migrationId, StandardCharsets.UTF_8);
    }

    /**
     * Writes an annotation tagged {@code migmon} and {@code migration:<id>}.
     *
     * @return null on success, else a message without the token
     */
    public static String annotate(URI grafana, String token, String migrationId, String text, Instant at,
            Duration timeout) {
        String tokenProblem = Secrets.tokenProblem(token, "GRAFANA_TOKEN");
        if (tokenProblem != null) {
            return "annotation not written: " + tokenProblem;
        }
        String base = grafana.toString().endsWith("/") ? grafana.toString() : grafana + "/";
        ObjectNode body = MAPPER.createObjectNode();
        body.put("time", at.toEpochMilli());
        body.putArray("tags").add("migmon").add("migration:" + migrationId);
        body.put("text", text);
        try {
            HttpRequest req = HttpRequest.newBuilder(URI.create(base + "api/annotations")).timeout(timeout)
                    .header("Authorization", "Bearer " + token.strip()).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(MAPPER.writeValueAsString(body))).build();
            HttpResponse<String> r = HttpClient.newBuilder().connectTimeout(timeout)
                    .followRedirects(HttpClient.Redirect.NEVER).build()
                    .send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 == 2) {
                return null;
            }
            if (r.statusCode() / 100 == 3) {
                return "Grafana at " + Secrets.url(grafana) + " answered the annotation with a redirect (HTTP "
                        + r.statusCode() + " to " + Secrets.location(r.headers().firstValue("Location").orElse(null))
                        + "), which migmon does not follow with credentials: give --grafana-url the final address";
            }
            return "Grafana at " + Secrets.url(grafana) + " refused the annotation (HTTP " + r.statusCode() + ": "
                    + Secrets.redactUrls(Secrets.redact(abbreviate(r.body()), token)) + "); check that GRAFANA_TOKEN is a service account"
                    + " token with the annotations:write permission";
        } catch (IOException e) {
            return "cannot reach Grafana at " + Secrets.url(grafana) + " to write the annotation: "
                    + Secrets.redact(String.valueOf(e.getMessage()), token);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted while writing the Grafana annotation";
        } catch (RuntimeException e) {
            return "cannot write the annotation to Grafana at " + Secrets.url(grafana) + ": "
                    + e.getClass().getSimpleName() + " " + Secrets.redact(String.valueOf(e.getMessage()), token);
        }
    }

    private static String abbreviate(String s) {
        String b = s == null ? "" : s.strip();
        return b.length() > 200 ? b.substring(0, 200) + "..." : b;
    }
}
