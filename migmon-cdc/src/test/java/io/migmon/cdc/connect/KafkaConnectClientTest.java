package io.migmon.cdc.connect;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Error paths that a healthy Connect worker does not produce on demand (a 500 echoing a secret); the happy paths run
 * against a real worker in {@code CdcPipelineIT}.
 */
class KafkaConnectClientTest {

    private HttpServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    private URI serve(int status, String body) throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void secretsEchoedByConnectAreRedactedFromExceptions() throws Exception {
        URI uri = serve(500, "{\"error_code\":500,\"message\":\"Connection refused for user cdc with password hunter2-x\"}");
        ConnectorConfig config = ConnectorConfig.debeziumPostgres("c").put("database.password", "hunter2-x").build();
        try (KafkaConnectClient client = KafkaConnectClient.builder(uri).build()) {
            assertThatThrownBy(() -> client.validate(config))
                    .isInstanceOfSatisfying(KafkaConnectException.class, e -> assertThat(e.statusCode()).isEqualTo(500))
                    .hasMessageContaining("[hidden]").hasMessageNotContaining("hunter2-x");
        }
    }

    @Test
    void unreachableWorkerAndMissingConnector() throws Exception {
        URI uri = serve(404, "{\"error_code\":404,\"message\":\"Connector x not found\"}");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (KafkaConnectClient client = KafkaConnectClient.builder(uri).meterRegistry(registry).build()) {
            assertThat(client.status("x").state()).isEqualTo("MISSING");
            assertThat(registry.get("cdc.connector.state").tags("connector", "x", "state", "MISSING").gauge().value()).isEqualTo(1);
            assertThat(registry.get("cdc.connector.state").tags("connector", "x", "state", "RUNNING").gauge().value()).isZero();
        }
        assertThat(registry.getMeters()).isEmpty();
        server.stop(0);
        server = null;
        try (KafkaConnectClient client = KafkaConnectClient.builder(uri).build()) {
            assertThatThrownBy(() -> client.status("x")).isInstanceOfSatisfying(KafkaConnectException.class,
                    e -> assertThat(e.statusCode()).isEqualTo(-1));
        }
    }
}
