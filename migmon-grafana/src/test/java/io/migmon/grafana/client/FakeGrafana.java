package io.migmon.grafana.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A local HTTP server on 127.0.0.1 that answers like Grafana: {@code POST /api/dashboards/db} (version check unless
 * overwrite, 412 {@code version-mismatch}), {@code /api/folders}, and the resource API
 * {@code /apis/dashboard.grafana.app/<v>/namespaces/<ns>/dashboards[/<name>]} (GET 404 Status, POST 201, PUT with
 * resourceVersion check → 409 Conflict) and {@code /apis/folder.grafana.app/...}. Response bodies follow Grafana's
 * documented shapes. Authentication: bearer {@link #TOKEN} or basic {@code admin:}{@link #PASSWORD} is an editor,
 * bearer {@link #VIEWER_TOKEN} gets 403, anything else 401.
 */
final class FakeGrafana implements AutoCloseable {

    static final String TOKEN = "glsa_s3cr3tT0kenValue_0123456789";
    static final String VIEWER_TOKEN = "glsa_viewerOnly_9876543210";
    static final String PASSWORD = "pa55-w0rd!";

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Pattern RESOURCE = Pattern.compile(
            "/apis/(dashboard|folder)\\.grafana\\.app/(v1beta1|v1)/namespaces/([^/]+)/(dashboards|folders)(?:/([^/]+))?");

    /** A stored dashboard or folder. */
    record Stored(ObjectNode body, long version, String folderUid, String message, String namespace) {
    }

    final Map<String, Stored> dashboards = new ConcurrentHashMap<>();
    final Map<String, String> folders = new ConcurrentHashMap<>();
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    final AtomicLong resourceVersions = new AtomicLong(1_758_777_451_428_000L);
    /** When set, the next PUT finds the stored dashboard changed by someone else (a race). */
    volatile boolean changeBeforeNextPut;
    /** When set, the 401 answer echoes the Authorization header back (a badly behaved proxy). */
    volatile boolean echoAuthorizationOn401;

    private final HttpServer server;

    FakeGrafana() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.start();
    }

    URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/");
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            requests.add(method + " " + path);
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            authorizations.add(String.valueOf(auth));
            String basic = "Basic " + Base64.getEncoder().encodeToString(("admin:" + PASSWORD)
                    .getBytes(StandardCharsets.UTF_8));
            if (("Bearer " + VIEWER_TOKEN).equals(auth)) {
                reply(ex, 403, "{\"message\":\"Access denied to save dashboard\",\"messageId\":\"dashboards.accessDenied\",\"statusCode\":403}");
                return;
            }
            if (!("Bearer " + TOKEN).equals(auth) && !basic.equals(auth)) {
                String msg = echoAuthorizationOn401 ? "Invalid API key " + auth : "Invalid API key";
                reply(ex, 401, MAPPER.createObjectNode().put("extra", (String) null).put("message", msg)
                        .put("messageId", "auth.unauthorized").put("statusCode", 401).put("traceID", "").toString());
                return;
            }
            byte[] in = ex.getRequestBody().readAllBytes();
            JsonNode body = in.length == 0 ? null : MAPPER.readTree(in);
            if (path.equals("/api/dashboards/db") && method.equals("POST")) {
                legacySave(ex, (ObjectNode) body);
            } else if (path.startsWith("/api/folders")) {
                legacyFolder(ex, method, path, body);
            } else {
                Matcher m = RESOURCE.matcher(path);
                if (m.matches() && m.group(1).equals("dashboard")) {
                    resourceDashboard(ex, method, m.group(2), m.group(3), m.group(5), (ObjectNode) body);
                } else if (m.matches()) {
                    resourceFolder(ex, method, m.group(2), m.group(3), m.group(5), body);
                } else {
                    reply(ex, 404, "{\"message\":\"Not found\"}");
                }
            }
        } catch (RuntimeException e) {
            reply(ex, 500, "{\"message\":\"" + e + "\"}");
        }
    }

    private void legacySave(HttpExchange ex, ObjectNode body) throws IOException {
        ObjectNode dash = (ObjectNode) body.get("dashboard");
        String uid = dash.get("uid").asText();
        boolean overwrite = body.path("overwrite").asBoolean(false);
        String folder = body.hasNonNull("folderUid") ? body.get("folderUid").asText() : null;
        if (folder != null && !folders.containsKey(folder)) {
            reply(ex, 400, "{\"message\":\"folder not found\",\"status\":\"folder-not-found\"}");
            return;
        }
        Stored old = dashboards.get(uid);
        if (old != null && !overwrite && dash.path("version").asLong(0) != old.version()) {
            reply(ex, 412, "{\"message\":\"The dashboard has been changed by someone else\",\"status\":\"version-mismatch\"}");
            return;
        }
        long version = old == null ? 1 : old.version() + 1;
        dashboards.put(uid, new Stored(dash, version, folder, body.path("message").asText(null), null));
        reply(ex, 200, MAPPER.createObjectNode().put("id", Math.abs(uid.hashCode() % 1000)).put("uid", uid)
                .put("url", "/d/" + uid + "/" + dash.path("title").asText().toLowerCase().replaceAll("[^a-z0-9]+", "-"))
                .put("status", "success").put("version", version).put("slug", "slug").toString());
    }

    private void legacyFolder(HttpExchange ex, String method, String path, JsonNode body) throws IOException {
        if (method.equals("GET")) {
            String uid = path.substring("/api/folders/".length());
            String title = folders.get(uid);
            if (title == null) {
                reply(ex, 404, "{\"message\":\"folder not found\",\"status\":\"not-found\"}");
            } else {
                reply(ex, 200, MAPPER.createObjectNode().put("id", 7).put("uid", uid).put("title", title).toString());
            }
        } else {
            String uid = body.get("uid").asText();
            if (folders.putIfAbsent(uid, body.get("title").asText()) != null) {
                reply(ex, 409, "{\"message\":\"a folder with the same uid already exists\"}");
                return;
            }
            reply(ex, 200, MAPPER.createObjectNode().put("id", 7).put("uid", uid).put("title", body.get("title")
                    .asText()).put("url", "/dashboards/f/" + uid + "/").put("version", 1).toString());
        }
    }

    private void resourceDashboard(HttpExchange ex, String method, String version, String ns, String name,
            ObjectNode body) throws IOException {
        String key = ns + "/" + name;
        switch (method) {
            case "GET" -> {
                Stored s = dashboards.get(key);
                if (s == null) {
                    reply(ex, 404, notFound("dashboards", name));
                } else {
                    reply(ex, 200, s.body().toString());
                }
            }
            case "POST" -> {
                String n = body.at("/metadata/name").asText();
                String k = ns + "/" + n;
                if (dashboards.containsKey(k)) {
                    reply(ex, 409, status(409, "AlreadyExists", "dashboards.dashboard.grafana.app \"" + n
                            + "\" already exists"));
                    return;
                }
                ObjectNode stored = stamp(body, ns, 1);
                dashboards.put(k, new Stored(stored, 1, stored.at("/metadata/annotations/grafana.app~1folder")
                        .asText(null), stored.at("/metadata/annotations/grafana.app~1message").asText(null), ns));
                reply(ex, 201, stored.toString());
            }
            case "PUT" -> {
                Stored s = dashboards.get(key);
                if (s == null) {
                    reply(ex, 404, notFound("dashboards", name));
                    return;
                }
                if (changeBeforeNextPut) {
                    changeBeforeNextPut = false;
                    s = new Stored(stamp(s.body(), ns, s.version() + 1), s.version() + 1, s.folderUid(), "other",
                            ns);
                    dashboards.put(key, s);
                }
                String expected = s.body().at("/metadata/resourceVersion").asText();
                if (!expected.equals(body.at("/metadata/resourceVersion").asText())) {
                    reply(ex, 409, status(409, "Conflict", "Operation cannot be fulfilled on dashboards.dashboard"
                            + ".grafana.app \"" + name + "\": the object has been modified; please apply your changes"
                            + " to the latest version and try again"));
                    return;
                }
                ObjectNode stored = stamp(body, ns, s.version() + 1);
                dashboards.put(key, new Stored(stored, s.version() + 1, stored
                        .at("/metadata/annotations/grafana.app~1folder").asText(null), stored
                        .at("/metadata/annotations/grafana.app~1message").asText(null), ns));
                reply(ex, 200, stored.toString());
            }
            default -> reply(ex, 405, status(405, "MethodNotAllowed", "method not allowed"));
        }
    }

    private void resourceFolder(HttpExchange ex, String method, String version, String ns, String name,
            JsonNode body) throws IOException {
        if (method.equals("GET")) {
            String title = folders.get(name);
            if (title == null) {
                reply(ex, 404, notFound("folders", name));
            } else {
                reply(ex, 200, "{\"kind\":\"Folder\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"title\":\""
                        + title + "\"}}");
            }
        } else {
            String n = body.at("/metadata/name").asText();
            folders.put(n, body.at("/spec/title").asText());
            reply(ex, 201, body.toString());
        }
    }

    private ObjectNode stamp(ObjectNode body, String ns, long generation) {
        ObjectNode copy = body.deepCopy();
        ObjectNode meta = (ObjectNode) copy.get("metadata");
        meta.put("namespace", ns);
        meta.put("uid", "db323171-c78a-42fa-be98-16a3d799a779");
        meta.put("resourceVersion", String.valueOf(resourceVersions.incrementAndGet()));
        meta.put("generation", generation);
        meta.put("creationTimestamp", "2026-01-23T22:06:40Z");
        return copy;
    }

    private static String notFound(String kind, String name) {
        return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\""
                + kind + ".dashboard.grafana.app \\\"" + name + "\\\" not found\",\"reason\":\"NotFound\","
                + "\"details\":{\"name\":\"" + name + "\",\"group\":\"dashboard.grafana.app\",\"kind\":\"" + kind
                + "\"},\"code\":404}";
    }

    private static String status(int code, String reason, String message) {
        return MAPPER.createObjectNode().put("kind", "Status").put("apiVersion", "v1").put("status", "Failure")
                .put("message", message).put("reason", reason).put("code", code).toString();
    }

    private static void reply(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(b);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
