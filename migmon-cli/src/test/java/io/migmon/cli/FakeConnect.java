package io.migmon.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local server answering the Kafka Connect REST calls the CLI makes, with Connect's own response shapes
 * (status, plugin validation, PUT config). A seam: a real Connect worker needs a Kafka broker (see
 * migmon-cdc's ITs for the real one); the client itself is tested there against a real worker.
 */
final class FakeConnect implements AutoCloseable {

    record Request(String method, String path, String body) {
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    final Map<String, String> statusBodies = new ConcurrentHashMap<>();
    volatile String validationErrorField;

    FakeConnect() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            String path = ex.getRequestURI().getPath();
            requests.add(new Request(ex.getRequestMethod(), path, body));
            int status = 200;
            String answer;
            if (path.endsWith("/status")) {
                String name = path.split("/")[2];
                answer = statusBodies.get(name);
                if (answer == null) {
                    status = 404;
                    answer = "{\"error_code\":404,\"message\":\"No status found for connector " + name + "\"}";
                }
            } else if (path.endsWith("/config/validate")) {
                String f = validationErrorField;
                answer = "{\"name\":\"x\",\"error_count\":" + (f == null ? 0 : 1) + ",\"groups\":[],\"configs\":["
                        + "{\"definition\":{\"name\":\"database.hostname\"},\"value\":{\"name\":\"database.hostname\","
                        + "\"value\":\"db\",\"recommended_values\":[],\"errors\":[],\"visible\":true}}"
                        + (f == null ? "" : ",{\"definition\":{\"name\":\"" + f + "\"},\"value\":{\"name\":\"" + f
                                + "\",\"value\":null,\"recommended_values\":[],\"errors\":[\"Missing required "
                                + "configuration \\\"" + f + "\\\" which has no default value.\"],\"visible\":true}}")
                        + "]}";
            } else if (path.matches("/connectors/[^/]+/config")) {
                status = 201;
                answer = "{\"name\":\"x\",\"config\":{},\"tasks\":[],\"type\":\"source\"}";
            } else {
                status = 404;
                answer = "{\"error_code\":404,\"message\":\"HTTP 404 Not Found\"}";
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
