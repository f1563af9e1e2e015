package io.migmon.alerting.sink;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real HTTP server on 127.0.0.1 (ephemeral port) answering like Slack / PagerDuty / a webhook receiver: scripted
 * responses (status, headers, hang), every request recorded.
 */
final class HttpPeer implements AutoCloseable {

    record Request(String method, String path, Map<String, List<String>> headers, String body, long atNanos) {
        String header(String name) {
            for (Map.Entry<String, List<String>> e : headers.entrySet()) {
                if (e.getKey().equalsIgnoreCase(name)) {
                    return e.getValue().get(0);
                }
            }
            return null;
        }
    }

    record Response(int status, Map<String, String> headers, String body, boolean hang) {
        static Response of(int status) {
            return new Response(status, Map.of(), "", false);
        }

        static Response retryAfter(int status, String seconds) {
            return new Response(status, Map.of("Retry-After", seconds), "rate limited", false);
        }

        static Response hangForever() {
            return new Response(0, Map.of(), "", true);
        }
    }

    private final HttpServer server;
    private final Deque<Response> script = new ArrayDeque<>();
    private final Response fallback;
    final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    final BlockingQueue<Long> arrivalNanos = new LinkedBlockingQueue<>();
    /** Requests answered 2xx, in order. */
    final List<Request> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** While set, every request is answered 503 (an outage), ahead of the script. */
    volatile boolean down;
    private final CountDownLatch release = new CountDownLatch(1);

    HttpPeer(int defaultStatus, String defaultBody) throws IOException {
        this.fallback = new Response(defaultStatus, Map.of(), defaultBody, false);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "test-http-peer");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", this::handle);
        server.start();
    }

    /** Next responses, in order; afterwards the default. */
    synchronized HttpPeer then(Response... rs) {
        script.addAll(List.of(rs));
        return this;
    }

    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    Request take(Duration timeout) throws InterruptedException {
        Request r = requests.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (r == null) {
            throw new AssertionError("no request within " + timeout);
        }
        return r;
    }

    private void handle(HttpExchange ex) throws IOException {
        String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        arrivalNanos.add(System.nanoTime());
        Request req = new Request(ex.getRequestMethod(), ex.getRequestURI().getPath(), Map.copyOf(ex.getRequestHeaders()), body,
                System.nanoTime());
        requests.add(req);
        Response r;
        synchronized (this) {
            r = down ? Response.of(503) : script.isEmpty() ? fallback : script.poll();
        }
        if (r.hang()) {
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.close();
            return;
        }
        r.headers().forEach((k, v) -> ex.getResponseHeaders().add(k, v));
        byte[] b = r.body().getBytes(StandardCharsets.UTF_8);
        if (r.status() >= 200 && r.status() < 300) {
            accepted.add(req);
        }
        ex.sendResponseHeaders(r.status(), b.length == 0 ? -1 : b.length);
        if (b.length > 0) {
            ex.getResponseBody().write(b);
        }
        ex.close();
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
    }
}
