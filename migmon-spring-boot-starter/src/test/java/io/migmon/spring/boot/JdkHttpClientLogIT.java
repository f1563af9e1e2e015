package io.migmon.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.testing.Await;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A real Spring application (Boot's logging system, JUL bridged to Logback) with {@code logging.level.root=DEBUG}:
 * alerts reach a local webhook and Slack receiver, and the captured log holds neither URL's secret path (the JDK
 * HttpClient's debug logger would print it).
 */
@ExtendWith(OutputCaptureExtension.class)
class JdkHttpClientLogIT {

    static final String WEBHOOK_SECRET = "WEBHOOKPATHSECRET4711";
    static final String SLACK_SECRET = "SLACKPATHSECRET0815";

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration(MigmonAutoConfiguration.class)
    static class App {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }

        @Bean
        HealthCheck alwaysDown() {
            return HealthCheck.of("always-down", () -> Health.down("for the test"));
        }
    }

    /** Starts the app with {@code extra} properties, waits for both deliveries, returns the log of the run. */
    private static String runAndDeliver(CapturedOutput output, String... extra) throws Exception {
        ConcurrentLinkedQueue<String> received = new ConcurrentLinkedQueue<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            received.add(ex.getRequestURI().getPath());
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.start();
        String base = "http://127.0.0.1:" + server.getAddress().getPort();
        List<String> props = new ArrayList<>(List.of("logging.level.root=DEBUG",
                // the test's own receiver (com.sun.net.httpserver) logs request lines at DEBUG; Slack's does not
                // log into this application, so keep the receiver out of the captured log
                "logging.level.com.sun.net.httpserver=INFO",
                "migmon.health.evaluation-interval=100ms", "migmon.alerting.default-route.group-wait=100ms",
                "migmon.alerting.webhook.url=" + base + "/hooks/" + WEBHOOK_SECRET,
                "migmon.alerting.slack.webhook-url=" + base + "/services/" + SLACK_SECRET));
        props.addAll(List.of(extra));
        int from = output.getAll().length();
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties(props.toArray(String[]::new)).run()) {
            Await.until(Duration.ofSeconds(60), () -> received.stream().anyMatch(p -> p.contains(WEBHOOK_SECRET))
                    && received.stream().anyMatch(p -> p.contains(SLACK_SECRET)), () -> "deliveries: " + received);
        } finally {
            server.stop(0);
        }
        return output.getAll().substring(from);
    }

    @Test
    void rootDebugDoesNotPrintWebhookUrls(CapturedOutput output) throws Exception {
        String log = runAndDeliver(output);
        // the application really logs at DEBUG (the test would pass trivially otherwise)
        assertThat(log).contains(" DEBUG ");
        assertThat(log).doesNotContain(WEBHOOK_SECRET).doesNotContain(SLACK_SECRET);
    }

    /** Ground truth for the test above: with the JDK logger at DEBUG, it does print the URL. */
    @Test
    void theJdkLoggerAtDebugWouldPrintTheUrl(CapturedOutput output) throws Exception {
        String log = runAndDeliver(output, "logging.level.jdk.internal.httpclient.debug=DEBUG");
        assertThat(log).contains("jdk.internal.httpclient.debug").containsAnyOf(WEBHOOK_SECRET, SLACK_SECRET);
    }

    @Test
    void theApplicationsOwnLevelWins() {
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .properties("logging.level.jdk.internal.httpclient.debug=DEBUG").run()) {
            assertThat(ctx.getEnvironment().getProperty("logging.level.jdk.internal.httpclient.debug")).isEqualTo("DEBUG");
        }
    }
}
