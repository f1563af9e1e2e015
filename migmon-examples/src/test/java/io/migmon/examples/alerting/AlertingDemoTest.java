package io.migmon.examples.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.Severity;
import io.migmon.core.anomaly.Anomaly;
import io.migmon.core.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class AlertingDemoTest {

    private static Anomaly anomaly(String type, Severity s, Anomaly.State state) {
        return new Anomaly("demo-migration", type, s, "migration_throughput_rows_per_second", 120, 500,
                type + " on demo-migration", Instant.now(), state);
    }

    @Test
    void printsFiringAndResolvedAlertsAndPostsToTheWebhook() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Supplier<String> text = () -> buf.toString(StandardCharsets.UTF_8);
        BlockingQueue<String> posted = new LinkedBlockingQueue<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", ex -> {
            posted.add(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (AlertingDemo demo = AlertingDemo.start(registry, out,
                "http://127.0.0.1:" + server.getAddress().getPort() + "/hook")) {
            demo.onAnomaly(anomaly("low_throughput", Severity.WARNING, Anomaly.State.FIRING));
            Await.until(Duration.ofSeconds(20), () -> text.get().contains("[alerting] ALERT FIRING warning low_throughput"),
                    text);
            String body = posted.poll(20, TimeUnit.SECONDS);
            assertThat(body).contains("\"alertname\":\"low_throughput\"");
            demo.onAnomaly(anomaly("low_throughput", Severity.WARNING, Anomaly.State.RESOLVED));
            Await.until(Duration.ofSeconds(20), () -> text.get().contains("[alerting] ALERT RESOLVED warning low_throughput"),
                    text);
            assertThat(registry.find("migmon.alerts.sent").tag("sink", "console").counter()).isNotNull();
        } finally {
            server.stop(0);
        }
        assertThat(text.get()).contains("[alerting] dispatcher closed, everything delivered")
                .doesNotContain("/hook");
        assertThat(registry.find("migmon.alerts.sent").counters()).as("meters removed on close").isEmpty();
    }
}
