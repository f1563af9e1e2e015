package io.migmon.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** A loopback HTTP receiver (JDK HttpServer on port 0); a handler decides the answer per request. */
final class LoopbackReceiver implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    interface Handler {
        void handle(HttpExchange ex, String body, JsonNode json) throws Exception;
    }

    private final HttpServer server;
    private final ExecutorService executor;
    /** Every request body, in arrival order. */
    final List<String> bodies = new CopyOnWriteArrayList<>();
    /** Bodies answered with 2xx, in order. */
    final List<String> accepted = new CopyOnWriteArrayList<>();
    volatile Handler handler = (ex, b, j) -> reply(ex, 200, "ok");

    LoopbackReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "loopback-receiver");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            byte[] raw = ex.getRequestBody().readAllBytes();
            ex.setAttribute("body", raw);
            String body = new String(raw, StandardCharsets.UTF_8);
            bodies.add(body);
            JsonNode json;
            try {
                json = JSON.readTree(body);
            } catch (IOException e) {
                json = null;
            }
            try {
                handler.handle(ex, body, json);
            } catch (Exception e) {
                ex.close();
            }
        });
        server.start();
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Answers {@code code}; records the request as accepted when 2xx. */
    void reply(HttpExchange ex, int code, String body) throws IOException {
        if (code >= 200 && code < 300) {
            accepted.add(new String(bodiesOf(ex), StandardCharsets.UTF_8));
        }
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(code, b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
        ex.close();
    }

    private byte[] bodiesOf(HttpExchange ex) {
        Object b = ex.getAttribute("body");
        return b == null ? new byte[0] : (byte[]) b;
    }

    /** Webhook alerts of the accepted bodies as {@code name:status}. */
    List<String> acceptedWebhookAlerts() {
        List<String> out = new ArrayList<>();
        for (String b : accepted) {
            try {
                for (JsonNode a : JSON.readTree(b).get("alerts")) {
                    out.add(a.get("labels").get("alertname").asText() + ":" + a.get("status").asText());
                }
            } catch (IOException e) {
                out.add("UNPARSABLE");
            }
        }
        return out;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
