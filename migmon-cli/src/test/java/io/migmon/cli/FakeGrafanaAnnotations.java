package io.migmon.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local server that answers {@code POST /api/annotations} like Grafana ({@code {"id":1,"message":"Annotation
 * added"}}) and {@code POST /api/dashboards/db} like Grafana's legacy API, recording every request (no Grafana can
 * run on this machine: see docs/decisions.md).
 */
final class FakeGrafanaAnnotations implements AutoCloseable {

    record Request(String method, String path, String authorization, String body) {
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();

    FakeGrafanaAnnotations() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = ex.getRequestURI().getPath();
            requests.add(new Request(ex.getRequestMethod(), path, ex.getRequestHeaders().getFirst("Authorization"), body));
            String answer;
            int status = 200;
            if (path.equals("/api/annotations")) {
                answer = "{\"id\":" + requests.size() + ",\"message\":\"Annotation added\"}";
            } else if (path.equals("/api/dashboards/db")) {
                String uid = body.replaceAll("(?s).*\"uid\"\\s*:\\s*\"([^\"]+)\".*", "$1");
                answer = "{\"id\":1,\"uid\":\"" + uid + "\",\"url\":\"/d/" + uid + "/x\",\"status\":\"success\",\"version\":1}";
            } else {
                status = 404;
                answer = "{\"message\":\"not found\"}";
            }
            byte[] b = answer.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
