package io.migmon.cdc.connect;

import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConnectorConfigTest {

    @Test
    void seedsDebeziumDefaultsAndHidesSecrets() {
        ConnectorConfig c = ConnectorConfig.debeziumPostgres("orders")
                .put("database.password", "s3cr3t-pw")
                .put("database.user", "postgres")
                .put("key.converter", "org.apache.kafka.connect.json.JsonConverter")
                .build();
        assertThat(c.asMap()).containsEntry("plugin.name", "pgoutput").containsKey("heartbeat.interval.ms");
        assertThat(c.toString()).doesNotContain("s3cr3t-pw").contains("[hidden]").contains("JsonConverter");
        assertThat(c.redact("password authentication failed: s3cr3t-pw")).doesNotContain("s3cr3t-pw");
        assertThat(ConnectorConfig.isSecret("database.password")).isTrue();
        assertThat(ConnectorConfig.isSecret("ssl.key")).isTrue();
        assertThat(ConnectorConfig.isSecret("key.converter")).isFalse();
    }

    @Test
    void validatesNameClassAndUri() {
        assertThatThrownBy(() -> ConnectorConfig.builder(" ", "x").build()).hasMessageContaining("name");
        assertThatThrownBy(() -> ConnectorConfig.builder("a", null).build()).hasMessageContaining("connector.class");
        assertThatThrownBy(() -> KafkaConnectClient.builder(URI.create("http://u:pw@host:8083")).build())
                .hasMessageContaining("credentials").hasMessageNotContaining("pw");
        assertThatThrownBy(() -> KafkaConnectClient.builder(URI.create("ftp://host")).build()).hasMessageContaining("baseUri");
    }
}
