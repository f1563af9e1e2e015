package io.migmon.cli;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A local server answering Prometheus' HTTP API the way Prometheus does (status/data/resultType/result, values as
 * strings incl. "+Inf" and "NaN") for one migration's series. A seam for answers a real Prometheus only gives with
 * hand-written exposition text (infinite counters, an all-zero state set, missing counters); the real Prometheus
 * cases are in CheckAgainstPrometheusIT.
 */
final class FakePrometheus implements AutoCloseable {

    private final HttpServer server;
    final List<String> queries = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    /** The status state-set member that is 1; any other value (e.g. "none") makes every member 0. */
    volatile String status = "success";
    /** Data lag samples (oldest first), null for no series. */
    volatile List<String> lag = List.of("10", "3");
    volatile String rows = "1000";
    volatile String errors;
    volatile String consumerLag;
    /** When set, every request is answered with a 302 to this location. */
    volatile String redirectTo;

    FakePrometheus() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth != null) {
                authorizations.add(auth);
            }
            if (redirectTo != null) {
                ex.getResponseHeaders().set("Location", redirectTo);
                ex.sendResponseHeaders(302, -1);
                ex.close();
                return;
            }
            String raw = ex.getRequestURI().getRawQuery();
            String q = "";
            if (raw != null) {
                for (String p : raw.split("&")) {
                    if (p.startsWith("query=")) {
                        q = URLDecoder.decode(p.substring(6), StandardCharsets.UTF_8);
                    }
                }
            }
            queries.add(q);
            String data;
            if (ex.getRequestURI().getPath().endsWith("/status/buildinfo")) {
                data = "{\"version\":\"2.42.0\"}";
            } else {
                data = answer(q);
            }
            byte[] b = ("{\"status\":\"success\",\"data\":" + data + "}").getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        });
        server.start();
    }

    private String answer(String q) {
        double now = System.currentTimeMillis() / 1000.0;
        String labels = "\"job\":\"app\",\"instance\":\"127.0.0.1:1\"";
        if (q.equals("time()")) {
            return "{\"resultType\":\"scalar\",\"result\":[" + now + ",\"" + now + "\"]}";
        }
        if (q.startsWith("migration_status{") && q.endsWith("]")) {
            StringBuilder sb = new StringBuilder("{\"resultType\":\"matrix\",\"result\":[");
            String[] states = {"pending", "running", "success", "failed", "aborted"};
            for (int i = 0; i < states.length; i++) {
                String v = states[i].equals(status) ? "1" : "0";
                sb.append(i == 0 ? "" : ",").append("{\"metric\":{\"__name__\":\"migration_status\",")
                        .append("\"migration_id\":\"m1\",\"status\":\"").append(states[i]).append("\",")
                        .append(labels).append("},\"values\":[[").append(now - 2).append(",\"").append(v)
                        .append("\"],[").append(now - 1).append(",\"").append(v).append("\"]]}");
            }
            return sb.append("]}").toString();
        }
        if (q.startsWith("migration_data_lag_seconds{") && q.endsWith("]")) {
            List<String> l = lag;
            if (l == null) {
                return "{\"resultType\":\"matrix\",\"result\":[]}";
            }
            StringBuilder sb = new StringBuilder("{\"resultType\":\"matrix\",\"result\":[{\"metric\":{" + labels
                    + "},\"values\":[");
            for (int i = 0; i < l.size(); i++) {
                sb.append(i == 0 ? "" : ",").append("[").append(now - l.size() + i).append(",\"").append(l.get(i))
                        .append("\"]");
            }
            return sb.append("]}]}").toString();
        }
        if (q.contains("migration_errors_total")) {
            return vector(errors, now);
        }
        if (q.contains("migration_rows_total")) {
            return vector(rows, now);
        }
        if (q.contains("cdc_consumer_lag_seconds")) {
            return vector(consumerLag, now);
        }
        return "{\"resultType\":\"vector\",\"result\":[]}";
    }

    private static String vector(String value, double now) {
        if (value == null) {
            return "{\"resultType\":\"vector\",\"result\":[]}";
        }
        return "{\"resultType\":\"vector\",\"result\":[{\"metric\":{},\"value\":[" + now + ",\"" + value + "\"]}]}";
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
