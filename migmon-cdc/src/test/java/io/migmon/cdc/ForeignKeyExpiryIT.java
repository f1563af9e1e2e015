package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.event.DeadLetterReason;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.core.metrics.MetricCatalog;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static io.migmon.cdc.CdcTestEnvironment.query;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code foreignKeyRetry} wait-expiry path end to end (issue 11 leftover): real PostgreSQL target with a foreign
 * key, real KRaft broker, the processor consuming a data topic and dead-lettering to a real topic. A child whose parent
 * never arrives is retried for the (shortened) bound, then dead-lettered with a reason naming the foreign key; the
 * partition moves on and the rows after it are applied. Ground truth: the target's rows, the dead-letter topic read
 * back, the consumer group's committed offset.
 */
class ForeignKeyExpiryIT {

    private static final String DATA = "fkexp.public.fkexp_child";
    private static final String DLQ = "fkexp.dlq";

    private static String child(long id, long parentId) {
        long ms = System.currentTimeMillis();
        return "{\"before\":null,\"after\":{\"id\":" + id + ",\"parent_id\":" + parentId + "},\"source\":{\"version\":"
                + "\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"fkexp\",\"ts_ms\":" + ms + ",\"ts_us\":"
                + ms * 1000 + ",\"snapshot\":\"false\",\"db\":\"postgres\",\"schema\":\"public\",\"table\":"
                + "\"fkexp_child\"},\"op\":\"c\",\"ts_ms\":" + ms + "}";
    }

    @Test
    void aChildWhoseParentNeverArrivesIsDeadLetteredAfterTheWaitNamingTheForeignKeyAndThePartitionMovesOn()
            throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        DataSource target = env.postgres.createDatabase("fkexp");
        CdcTestEnvironment.exec(target, "CREATE TABLE public.fkexp_parent (id bigint PRIMARY KEY)",
                "CREATE TABLE public.fkexp_child (id bigint PRIMARY KEY, parent_id bigint NOT NULL"
                        + " CONSTRAINT fkexp_child_parent_fk REFERENCES public.fkexp_parent (id))",
                "INSERT INTO public.fkexp_parent VALUES (1)");
        env.createTopics(DATA, DLQ);
        // children 1..3 (parent 1), child 4 whose parent 404 never arrives, children 5..10 (parent 1)
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                env.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long id = 1; id <= 10; id++) {
                p.send(new ProducerRecord<>(DATA, 0, ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8),
                        child(id, id == 4 ? 404 : 1).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
        Duration bound = Duration.ofSeconds(3);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Object> consumer = new HashMap<>();
        consumer.put("bootstrap.servers", env.bootstrapServers());
        consumer.put("group.id", "fkexp-replica");
        consumer.put("auto.offset.reset", "earliest");
        CdcEventProcessor processor = CdcEventProcessor.builder("fkexp").meterRegistry(registry)
                .kafkaConsumer(consumer).topics(DATA)
                .applier(JdbcChangeApplier.builder(target).foreignKeyRetry(bound).build()).deadLetterTopic(DLQ)
                .pollTimeout(Duration.ofMillis(100)).retryBackoff(Duration.ofMillis(50)).build();
        ExecutorService loop = Executors.newSingleThreadExecutor();
        long started = System.nanoTime();
        try {
            loop.submit(processor);
            Await.until(Duration.ofSeconds(90), "the orphan dead-lettered", () -> processor.deadLettered() >= 1);
            long deadLetteredAfterNanos = System.nanoTime() - started;
            Await.until(Duration.ofSeconds(60), "the rows after the orphan applied",
                    () -> LagPipeline.scalarLong(target, "SELECT count(*) FROM public.fkexp_child") == 9);
            Await.until(Duration.ofSeconds(60), "the partition committed past the orphan", () -> committed() == 10);

            assertThat(deadLetteredAfterNanos).as("the orphan was waited for at least the configured bound")
                    .isGreaterThanOrEqualTo(bound.toNanos());
            assertThat(query(target, "SELECT id, parent_id FROM public.fkexp_child ORDER BY id"))
                    .containsExactly("1|1|", "2|1|", "3|1|", "5|1|", "6|1|", "7|1|", "8|1|", "9|1|", "10|1|");
            List<ConsumerRecord<byte[], byte[]>> dead = readDeadLetters(env);
            assertThat(dead).hasSize(1);
            ConsumerRecord<byte[], byte[]> d = dead.get(0);
            assertThat(header(d, DeadLetterReason.OFFSET_HEADER)).isEqualTo("3");
            assertThat(header(d, DeadLetterReason.TOPIC_HEADER)).isEqualTo(DATA);
            assertThat(header(d, DeadLetterReason.HEADER)).isEqualTo(DeadLetterReason.APPLY_FAILED.tagValue());
            assertThat(header(d, DeadLetterReason.ERROR_HEADER)).contains("23503")
                    .contains("fkexp_child_parent_fk")
                    .contains("did not reach the target within foreignKeyRetry PT3S")
                    .doesNotContain("404");
            assertThat(new String(d.value(), StandardCharsets.UTF_8)).isEqualTo(child4(d));
            // counters exact: 9 applied once each however often the blocked batch was retried, 1 dead letter
            assertThat(processor.eventsProcessed()).isEqualTo(9);
            assertThat(registry.get(MetricCatalog.CDC_EVENTS_PROCESSED.name()).counters().stream()
                    .mapToDouble(c -> c.count()).sum()).isEqualTo(9.0);
            assertThat(processor.deadLettered()).isEqualTo(1);
            assertThat(registry.get(MetricCatalog.CDC_DEAD_LETTERS.name()).counters().stream()
                    .mapToDouble(c -> c.count()).sum()).isEqualTo(1.0);
        } finally {
            processor.close();
            loop.shutdown();
            loop.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    /** The dead letter's value is the original record's (child 4, parent 404). */
    private static String child4(ConsumerRecord<byte[], byte[]> d) {
        String v = new String(d.value(), StandardCharsets.UTF_8);
        assertThat(v).contains("\"after\":{\"id\":4,\"parent_id\":404}");
        return v;
    }

    private static long committed() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", env.bootstrapServers()))) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets("fkexp-replica").partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(DATA, 0));
            long end = admin.listOffsets(Map.of(new TopicPartition(DATA, 0), OffsetSpec.latest())).all().get()
                    .get(new TopicPartition(DATA, 0)).offset();
            assertThat(end).isEqualTo(10);
            return o == null ? -1 : o.offset();
        }
    }

    private static List<ConsumerRecord<byte[], byte[]>> readDeadLetters(CdcTestEnvironment env) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", env.bootstrapServers(),
                "group.id", "fkexp-reader", "auto.offset.reset", "earliest"), new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            c.subscribe(List.of(DLQ));
            // read for 5 s (the processor is caught up by now): a second, wrong dead letter would be seen too
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
