package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which topics every member of a consumer group reads outside group management (attack 4 finding 2): the heartbeat
 * topics only; never a data topic, and not the transaction topics (read from the group's committed position).
 */
class SideTopicsTest {

    private static ProcessorConfig config(Pattern pattern) {
        return new ProcessorConfig("t", new SimpleMeterRegistry(), null,
                Map.of("bootstrap.servers", "127.0.0.1:1", "group.id", "g"), null, List.of(), pattern, null, null,
                Duration.ofSeconds(1), null, Duration.ofMillis(250), Duration.ofMillis(100), null,
                Duration.ofMillis(100), Duration.ofSeconds(1), 0, "__debezium-heartbeat", ".transaction",
                Clock.systemUTC(), KafkaClientFactory.DEFAULT);
    }

    @Test
    void onlyHeartbeatTopicsAreReadOutsideTheGroup() {
        ProcessorConfig c = config(Pattern.compile("shop\\..*|__debezium-heartbeat\\.shop"));
        assertThat(c.sideTopic("__debezium-heartbeat.shop")).isTrue();
        assertThat(c.sideTopic("shop.transaction")).isFalse();
        assertThat(c.sideTopic("shop.public.orders")).isFalse();
        assertThat(c.sideTopic("shop.public.transaction")).as("a table named transaction").isFalse();
        assertThat(c.sideTopic("shop.eu.transaction")).as("a transaction topic stays in the group").isFalse();
        assertThat(c.sideTopic("__debezium-heartbeat.")).isFalse();
    }

    @Test
    void theGroupPatternLeavesTheSideTopicsOut() {
        Pattern group = config(Pattern.compile("shop\\..*|__debezium-heartbeat\\.shop")).groupPattern();
        assertThat(group.matcher("shop.public.orders").matches()).isTrue();
        assertThat(group.matcher("shop.public.transaction").matches()).isTrue();
        assertThat(group.matcher("shop.transaction").matches()).isTrue();
        assertThat(group.matcher("__debezium-heartbeat.shop").matches()).isFalse();
        assertThat(group.matcher("other.public.orders").matches()).isFalse();
    }
}
