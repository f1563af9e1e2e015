package io.migmon.cdc;

import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The broker's root cause as the health reason shows it: the call, the brokers (host:port only), the Kafka error. */
class BrokerErrorTest {

    @Test
    void namesTheCallTheBrokersAndTheKafkaException() {
        assertThat(LagProbe.brokerError("kafka-1:9092,kafka-2:9092", "end offsets",
                new TimeoutException("Failed to get offsets by times in 500ms")))
                .isEqualTo("Kafka end offsets request to kafka-1:9092,kafka-2:9092 failed: TimeoutException: "
                        + "Failed to get offsets by times in 500ms");
        assertThat(LagProbe.brokerError(List.of("a:1", "b:2"), "metadata",
                new TimeoutException("Timeout expired while fetching topic metadata", new IllegalStateException("x"))))
                .isEqualTo("Kafka metadata request to a:1,b:2 failed: TimeoutException: Timeout expired while fetching"
                        + " topic metadata (cause IllegalStateException: x)");
    }

    @Test
    void carriesNoUserInfoAndIsBounded() {
        String reason = LagProbe.brokerError("SASL_SSL://svc:s3cret@kafka:9093", "position",
                new SaslAuthenticationException("Authentication failed: Invalid username or password"));
        assertThat(reason).doesNotContain("s3cret").doesNotContain("svc:").contains("kafka:9093")
                .contains("SaslAuthenticationException");
        assertThat(LagProbe.brokerError(null, "peek", new TimeoutException("y".repeat(1_000)))).hasSize(400)
                .startsWith("Kafka peek request to the broker failed: TimeoutException: yyy");
    }
}
