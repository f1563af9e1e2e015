package io.migmon.testsupport;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;

/**
 * A one-node KRaft broker (combined broker + controller) running in this JVM, as the CDC, CLI, starter and
 * benchmark tests use it, and the settings of a Kafka Connect worker on it. Needs
 * {@code org.apache.kafka:kafka-test-common-runtime} on the caller's test class path (an optional dependency here).
 */
public final class KafkaTestBroker {

    private KafkaTestBroker() {
    }

    /**
     * Formats and starts a broker whose logs live under {@code baseDirectory}, waiting until it is ready. Internal
     * topics have replication factor 1, a group's first rebalance is not delayed, and sessions may be as short as
     * 1 s. The caller closes the returned kit.
     */
    public static KafkaClusterTestKit start(Path baseDirectory) throws Exception {
        return start(baseDirectory, Map.of());
    }

    /** Like {@link #start(Path)}, with broker settings added or overriding the defaults (e.g. auto-creation off). */
    public static KafkaClusterTestKit start(Path baseDirectory, Map<String, String> brokerSettings) throws Exception {
        KafkaClusterTestKit.Builder builder = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setNumBrokerNodes(1).setNumControllerNodes(1).setCombined(true)
                .setBaseDirectory(baseDirectory).build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("share.coordinator.state.topic.replication.factor", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .setConfigProp("group.min.session.timeout.ms", "1000");
        brokerSettings.forEach(builder::setConfigProp);
        KafkaClusterTestKit kafka = builder.build();
        try {
            kafka.format();
            kafka.startup();
            kafka.waitForReadyBrokers();
            return kafka;
        } catch (Exception | Error e) {
            try {
                kafka.close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /**
     * The settings of a distributed Kafka Connect worker on {@code bootstrapServers}: internal topics with replication
     * factor 1, JSON converters (with schemas, Connect's default), REST on a free port, plugins found through the
     * service loader, no scheduled rebalance delay. A mutable map: callers add or change settings.
     */
    public static Map<String, String> connectWorkerConfig(String bootstrapServers, String groupId) {
        Map<String, String> w = new HashMap<>();
        w.put("bootstrap.servers", bootstrapServers);
        w.put("group.id", groupId);
        w.put("config.storage.topic", "connect-configs");
        w.put("offset.storage.topic", "connect-offsets");
        w.put("status.storage.topic", "connect-status");
        w.put("config.storage.replication.factor", "1");
        w.put("offset.storage.replication.factor", "1");
        w.put("status.storage.replication.factor", "1");
        w.put("offset.storage.partitions", "1");
        w.put("status.storage.partitions", "1");
        w.put("key.converter", "org.apache.kafka.connect.json.JsonConverter");
        w.put("value.converter", "org.apache.kafka.connect.json.JsonConverter");
        w.put("listeners", "http://127.0.0.1:0");
        w.put("plugin.discovery", "service_load");
        w.put("scheduled.rebalance.max.delay.ms", "0");
        return w;
    }
}
