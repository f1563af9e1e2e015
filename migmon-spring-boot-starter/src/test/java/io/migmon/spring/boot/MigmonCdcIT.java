package io.migmon.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.CdcEventProcessor;
import io.migmon.core.testing.Await;
import io.migmon.spring.boot.internal.CdcProcessorLifecycle;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import io.migmon.testsupport.KafkaTestBroker;
import java.sql.Connection;
import java.sql.Statement;
import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.CompositeHealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A CDC processor configured only by {@code migmon.cdc.*} runs on the starter's thread against a real in-process
 * Kafka broker (KRaft): it consumes Debezium envelopes, dead-letters a poison event, shows up in Actuator health,
 * and stops gracefully with the context, leaving its offsets committed (ground truth: the broker's group offsets and
 * the dead-letter topic's content).
 */
class MigmonCdcIT {

    static final String TOPIC = "shop.public.orders";
    static final String DLQ = "shop.dlq";
    static KafkaClusterTestKit kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaTestBroker.start(Path.of("target", "kafka-" + ProcessHandle.current().pid()));
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1), new NewTopic(DLQ, 1, (short) 1))).all().get();
        }
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    void theJdbcApplierWritesToTheNamedDataSourceOnly() throws Exception {
        String topic = "tgt.public.orders";
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        }
        int events = 50;
        long now = System.currentTimeMillis();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "key.serializer", StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName()))) {
            for (int i = 1; i <= events; i++) {
                p.send(new ProducerRecord<>(topic, "{\"id\":" + i + "}", envelope(i, now)));
            }
            p.flush();
        }
        try (EmbeddedPostgresFixture pg = EmbeddedPostgresFixture.builder("starter-cdc").start()) {
            DataSource target = pg.createDatabase("target");
            DataSource decoy = pg.createDatabase("decoy");
            for (DataSource ds : List.of(target, decoy)) {
                try (Connection c = ds.getConnection(); Statement st = c.createStatement()) {
                    st.execute("CREATE TABLE orders (id INT PRIMARY KEY, amount INT)");
                }
            }
            new ApplicationContextRunner()
                    .withConfiguration(AutoConfigurations.of(MigmonAutoConfiguration.class))
                    .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                    .withBean("targetDataSource", DataSource.class, () -> target)
                    .withBean("decoyDataSource", DataSource.class, () -> decoy)
                    .withPropertyValues("migmon.cdc.enabled=true", "migmon.cdc.topics=" + topic,
                            "migmon.cdc.consumer.bootstrap.servers=" + kafka.bootstrapServers(),
                            "migmon.cdc.consumer.group.id=applier-it",
                            "migmon.cdc.applier.enabled=true", "migmon.cdc.applier.data-source=targetDataSource")
                    .run(ctx -> {
                        assertThat(ctx).hasNotFailed();
                        Await.until(Duration.ofSeconds(60), () -> count(target, "select count(*) from orders") == events,
                                () -> "rows applied to the target");
                        assertThat(count(target, "select sum(amount) from orders")).isEqualTo(events * (events + 1) / 2);
                        assertThat(count(decoy, "select count(*) from orders")).isZero();
                    });
        }
    }

    static long count(DataSource ds, String sql) {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement(); java.sql.ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    static String envelope(int id, long tsMs) {
        return "{\"before\":null,\"after\":{\"id\":" + id + ",\"amount\":" + id + "},\"source\":{\"connector\":\"postgresql\","
                + "\"name\":\"shop\",\"ts_ms\":" + tsMs + ",\"db\":\"shop\",\"schema\":\"public\",\"table\":\"orders\","
                + "\"snapshot\":\"false\",\"lsn\":" + id + "},\"op\":\"c\",\"ts_ms\":" + tsMs + "}";
    }

    @Test
    void aProcessorConfiguredByPropertiesConsumesDeadLettersAndStopsGracefully() throws Exception {
        int events = 200;
        long now = System.currentTimeMillis();
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "key.serializer", StringSerializer.class.getName(), "value.serializer", StringSerializer.class.getName()))) {
            for (int i = 1; i <= events; i++) {
                p.send(new ProducerRecord<>(TOPIC, "{\"id\":" + i + "}", envelope(i, now)));
            }
            p.send(new ProducerRecord<>(TOPIC, "{\"id\":0}", "{not json")).get();
        }
        String group = "migmon-starter-it";
        ApplicationContextRunner runner = new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(MigmonAutoConfiguration.class))
                .withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withPropertyValues("migmon.cdc.enabled=true", "migmon.cdc.name=orders-cdc",
                        "migmon.cdc.topics=" + TOPIC, "migmon.cdc.dead-letter-topic=" + DLQ,
                        "migmon.cdc.consumer.bootstrap.servers=" + kafka.bootstrapServers(),
                        "migmon.cdc.consumer.group.id=" + group, "migmon.cdc.close-timeout=10s");
        Thread[] thread = new Thread[1];
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed();
            CdcEventProcessor processor = ctx.getBean(CdcEventProcessor.class);
            thread[0] = ctx.getBean(CdcProcessorLifecycle.class).thread();
            assertThat(thread[0].getName()).isEqualTo("migmon-cdc-orders-cdc");
            Await.until(Duration.ofSeconds(60), () -> processor.eventsProcessed() == events && processor.deadLettered() == 1,
                    () -> "processed " + processor.eventsProcessed() + "/" + events + ", dead-lettered " + processor.deadLettered());
            MeterRegistry registry = ctx.getBean(MeterRegistry.class);
            assertThat(registry.find("cdc.events.processed").counters().stream().mapToDouble(c -> c.count()).sum())
                    .isEqualTo(events);
            CompositeHealthContributor migmon = ctx.getBean("migmonHealthContributor", CompositeHealthContributor.class);
            assertThat(((HealthIndicator) migmon.getContributor("orders-cdc")).health().getStatus()).isEqualTo(Status.UP);
        });
        // context closed: the starter stopped the processor and its thread
        assertThat(thread[0].isAlive()).isFalse();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            long committed = offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(TOPIC))
                    .mapToLong(e -> e.getValue().offset()).sum();
            assertThat(committed).as("every event of both partitions committed").isEqualTo(events + 1);
        }
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "group.id", "dlq-reader", "auto.offset.reset", "earliest",
                "key.deserializer", ByteArrayDeserializer.class.getName(), "value.deserializer", ByteArrayDeserializer.class.getName()))) {
            c.subscribe(List.of(DLQ));
            List<ConsumerRecord<byte[], byte[]>> got = new java.util.ArrayList<>();
            Await.until(Duration.ofSeconds(30), () -> {
                c.poll(Duration.ofMillis(200)).forEach(got::add);
                return !got.isEmpty();
            }, () -> "a record on the dead-letter topic");
            assertThat(got).hasSize(1);
            assertThat(new String(got.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
        }
    }

}
