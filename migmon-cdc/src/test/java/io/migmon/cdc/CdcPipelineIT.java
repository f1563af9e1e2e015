package io.migmon.cdc;

import io.migmon.cdc.event.DeadLetterReason;
import io.migmon.cdc.event.ChangeEvent;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.cdc.connect.ConnectorConfig;
import io.migmon.cdc.connect.ConnectorStatus;
import io.migmon.cdc.connect.KafkaConnectClient;
import io.migmon.cdc.connect.KafkaConnectException;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.core.health.HealthStatus;
import io.migmon.core.testing.ExternalTools;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * PostgreSQL -> Debezium PostgreSQL connector on a real Kafka Connect worker (registered through
 * {@link KafkaConnectClient}) -> Kafka KRaft -> {@link CdcEventProcessor} -> {@link JdbcChangeApplier} -> target
 * database. The steps share one connector and run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CdcPipelineIT {

    private static final String CONNECTOR = "shop-orders";
    private static final String DATA_TOPIC = "shop.public.orders";
    private static final String HEARTBEAT_TOPIC = "__debezium-heartbeat.shop";
    private static final String DLQ = "shop.dlq";
    private static final String SECRET = "pw-" + UUID.randomUUID();

    private static CdcTestEnvironment env;
    private static KafkaConnectClient client;
    private static PrometheusMeterRegistry registry;
    private static final ExecutorService executor = Executors.newCachedThreadPool();
    private static final AtomicLong applyDelayMs = new AtomicLong();
    private static CdcEventProcessor processor;
    private static Future<?> loop;

    @BeforeAll
    static void setUp() throws Exception {
        env = CdcTestEnvironment.get();
        String ddl = "CREATE TABLE public.orders (id int PRIMARY KEY, name text, amount numeric(10,2), qty int)";
        CdcTestEnvironment.exec(env.source(), ddl);
        CdcTestEnvironment.exec(env.target(), ddl);
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        client = KafkaConnectClient.builder(env.connectUri()).meterRegistry(registry).build();
    }

    @AfterAll
    static void tearDown() {
        if (processor != null) {
            processor.close();
        }
        if (client != null) {
            try {
                client.delete(CONNECTOR);
            } catch (RuntimeException ignored) {
                // best effort
            }
            client.close();
        }
        executor.shutdownNow();
        if (env != null) {
            env.stopConnect();
        }
    }

    static ConnectorConfig.Builder connectorConfig() {
        return ConnectorConfig.debeziumPostgres(CONNECTOR)
                .put("database.hostname", "127.0.0.1")
                .put("database.port", Integer.toString(env.postgresPort()))
                .put("database.user", "postgres")
                .put("database.password", SECRET)
                .put("database.dbname", "postgres")
                .put("topic.prefix", "shop")
                .put("table.include.list", "public.orders")
                .put("slot.name", "migmon_it_orders")
                .put("publication.name", "migmon_it_orders")
                .put("heartbeat.interval.ms", "1000");
    }

    static Map<String, Object> consumerProps(String group) {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", env.bootstrapServers());
        p.put("group.id", group);
        p.put("max.poll.records", "50");
        p.put("session.timeout.ms", "3000");
        p.put("heartbeat.interval.ms", "500");
        return p;
    }

    static CdcEventProcessor.Builder processorBuilder(String group, ChangeApplier applier) {
        return CdcEventProcessor.builder()
                .meterRegistry(registry)
                .kafkaConsumer(consumerProps(group))
                .topics(DATA_TOPIC, HEARTBEAT_TOPIC)
                .applier(applier)
                .deadLetterTopic(DLQ)
                .heartbeatInterval(Duration.ofSeconds(1))
                .lagRefreshInterval(Duration.ofMillis(200))
                .pollTimeout(Duration.ofMillis(200))
                .retryBackoff(Duration.ofMillis(50));
    }

    static ChangeApplier delayed(ChangeApplier target) {
        return new ChangeApplier() {
            @Override
            public void apply(List<ChangeEvent> batch) throws Exception {
                long d = applyDelayMs.get();
                if (d > 0) {
                    Thread.sleep(d);
                }
                target.apply(batch);
            }

            @Override
            public void close() {
                target.close();
            }
        };
    }

    @Test
    @Order(1)
    void connectorIsValidatedAndRegisteredThroughTheRestApi() throws Exception {
        ConnectorConfig invalid = connectorConfig().put("slot.name", "Bad-Slot!").build();
        assertThat(client.validate(invalid)).anySatisfy(e -> assertThat(e).startsWith("slot.name:"));
        assertThatThrownBy(() -> client.createOrUpdate(invalid))
                .isInstanceOfSatisfying(KafkaConnectException.class, e -> assertThat(e.validationErrors()).isNotEmpty())
                .hasMessageNotContaining(SECRET);
        assertThat(invalid.toString()).doesNotContain(SECRET);

        ConnectorConfig config = connectorConfig().build();
        assertThat(client.createOrUpdate(config)).isTrue();
        assertThat(client.createOrUpdate(config)).isFalse();
        Await.until(Duration.ofSeconds(60), "connector and task RUNNING", () -> client.status(CONNECTOR).isRunning());
        assertThat(client.connectors()).contains(CONNECTOR);
        String scrape = registry.scrape();
        assertThat(scrape).contains("cdc_connector_state{connector=\"shop-orders\",state=\"RUNNING\"} 1.0")
                .contains("cdc_connector_state{connector=\"shop-orders\",state=\"FAILED\"} 0.0")
                .contains("cdc_connector_task_state{connector=\"shop-orders\",state=\"RUNNING\",task=\"0\"} 1.0");
    }

    @Test
    @Order(2)
    void insertsUpdatesAndDeletesEndWithTargetEqualToSourceAndLagFallsToZero() throws Exception {
        JdbcChangeApplier jdbc = JdbcChangeApplier.builder(env.target()).build();
        processor = processorBuilder("it-main", delayed(jdbc)).build();
        loop = executor.submit(processor);

        applyDelayMs.set(40); // a slow target, so that a backlog builds up and lag is visible
        int n = 1500;
        CdcTestEnvironment.exec(env.source(),
                "INSERT INTO public.orders SELECT g, 'name-' || g, g * 1.25, g % 7 FROM generate_series(1, " + n + ") g",
                "UPDATE public.orders SET name = name || '-v2', qty = qty + 100 WHERE id % 3 = 0",
                "DELETE FROM public.orders WHERE id % 10 = 0");
        for (int i = 1; i <= 50; i++) {
            CdcTestEnvironment.exec(env.source(), "UPDATE public.orders SET amount = amount + 1 WHERE id = " + i);
        }
        AtomicBoolean sawMessages = new AtomicBoolean();
        AtomicBoolean sawSeconds = new AtomicBoolean();
        Await.until(Duration.ofSeconds(60), "lag visible during the backfill", () -> {
            sawMessages.compareAndSet(false, gauge("cdc.consumer.lag", DATA_TOPIC) > 0);
            sawSeconds.compareAndSet(false, gauge("cdc.consumer.lag.seconds", DATA_TOPIC) > 0);
            return sawMessages.get() && sawSeconds.get();
        });
        applyDelayMs.set(0);

        List<String> source = CdcTestEnvironment.rows(env.source(), "public.orders");
        assertThat(source).hasSize(n - n / 10);
        Await.until(Duration.ofSeconds(90), "target == source",
                () -> CdcTestEnvironment.rows(env.target(), "public.orders").equals(source));
        Await.until(Duration.ofSeconds(30), "lag gauges back to 0",
                () -> gauge("cdc.consumer.lag", DATA_TOPIC) == 0 && gauge("cdc.consumer.lag.seconds", DATA_TOPIC) == 0);

        assertThat(registry.get("cdc.events.processed").tags("source", "shop", "table", "public.orders", "operation", "create")
                .counter().count()).isEqualTo(n);
        assertThat(registry.get("cdc.events.processed").tag("operation", "delete").counter().count()).isEqualTo(n / 10);
        assertThat(registry.get("cdc.stage.latency").tag("stage", "consumer_to_applied").timer().count()).isPositive();
        for (String stage : List.of("source_to_connector", "connector_to_broker", "broker_to_consumer", "consumer_to_applied")) {
            assertThat(registry.get("cdc.stage.latency").tag("stage", stage).timer().count()).as(stage).isPositive();
        }
        // replication lag is staleness (issue 11): caught up with heartbeats flowing it reads 0, not the last apply's lag
        Await.until(Duration.ofSeconds(30), "replication lag 0 once caught up, heartbeats flowing",
                () -> registry.get("cdc.replication.lag").tags("source_table", "public.orders", "target_table", "public.orders")
                        .gauge().value() == 0 && registry.get("cdc.replication.lag.overall").gauge().value() == 0);
        String scrape = registry.scrape();
        assertThat(scrape).contains("cdc_consumer_lag_messages{partition=\"0\",processor=\"cdc\",topic=\"shop.public.orders\"} 0.0")
                .contains("cdc_stage_latency_seconds_bucket{processor=\"cdc\",stage=\"broker_to_consumer\"");
    }

    @Test
    @Order(3)
    void idleWithHeartbeatsIsUpAndAPausedConnectorIsDown() throws Exception {
        Await.until(Duration.ofSeconds(30), "idle and UP", () -> {
            var h = processor.healthCheck().check();
            return h.status() == HealthStatus.UP && "idle".equals(h.details().get("state"));
        });
        // heartbeats keep flowing with no change at all: stays UP for several heartbeat intervals
        long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        while (System.nanoTime() < until) {
            assertThat(processor.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
            assertThat(gauge("cdc.consumer.lag.seconds", DATA_TOPIC)).isZero();
            Thread.sleep(200);
        }

        client.pause(CONNECTOR);
        Await.until(Duration.ofSeconds(30), "connector PAUSED", () -> "PAUSED".equals(client.status(CONNECTOR).state()));
        CdcTestEnvironment.exec(env.source(), "INSERT INTO public.orders VALUES (100001, 'while-paused', 1, 1)");
        Await.until(Duration.ofSeconds(15), "DOWN after two missed heartbeats",
                () -> processor.healthCheck().check().status() == HealthStatus.DOWN);
        assertThat(processor.healthCheck().check().reasons()).anySatisfy(r -> assertThat(r).contains("no heartbeat"));
        assertThat(registry.scrape()).contains("cdc_connector_state{connector=\"shop-orders\",state=\"PAUSED\"} 1.0");

        client.resume(CONNECTOR);
        Await.until(Duration.ofSeconds(60), "UP again and the paused change applied",
                () -> processor.healthCheck().check().status() == HealthStatus.UP
                        && CdcTestEnvironment.rows(env.target(), "public.orders").stream().anyMatch(r -> r.contains("while-paused")));
    }

    @Test
    @Order(4)
    void malformedEventsLandInTheDeadLetterTopicAndProcessingContinues() throws Exception {
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", env.bootstrapServers()),
                new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(DATA_TOPIC, "{\"id\":-1}", "{this is not json")).get();
            producer.send(new ProducerRecord<>(DATA_TOPIC, "{\"id\":-2}", "{\"op\":\"x\",\"after\":{\"id\":-2}}")).get();
            // well-formed but rejected by the target: a text where an integer column is
            producer.send(new ProducerRecord<>(DATA_TOPIC, "{\"id\":-3}",
                    "{\"op\":\"c\",\"after\":{\"id\":\"not-an-int\"},\"source\":{\"name\":\"shop\",\"schema\":\"public\",\"table\":\"orders\"}}")).get();
        }
        CdcTestEnvironment.exec(env.source(), "INSERT INTO public.orders VALUES (100002, 'after-poison', 1, 1)");
        Await.until(Duration.ofSeconds(60), "processing continued past the poison events",
                () -> CdcTestEnvironment.rows(env.target(), "public.orders").stream().anyMatch(r -> r.contains("after-poison")));

        List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers", env.bootstrapServers(),
                "group.id", "dlq-reader", "auto.offset.reset", "earliest"), new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(List.of(DLQ));
            Await.until(Duration.ofSeconds(30), "3 dead letters", () -> {
                c.poll(Duration.ofMillis(200)).forEach(dead::add);
                return dead.size() >= 3;
            });
        }
        assertThat(dead).extracting(r -> header(r, DeadLetterReason.HEADER))
                .containsExactly(DeadLetterReason.UNPARSEABLE.tagValue(), DeadLetterReason.UNKNOWN_OPERATION.tagValue(), DeadLetterReason.APPLY_FAILED.tagValue());
        assertThat(dead.get(0).value()).asString(StandardCharsets.UTF_8).isEqualTo("{this is not json");
        assertThat(header(dead.get(0), DeadLetterReason.TOPIC_HEADER)).isEqualTo(DATA_TOPIC);
        assertThat(header(dead.get(2), DeadLetterReason.ERROR_HEADER)).contains("SQLState 22P02").doesNotContain("not-an-int");
        assertThat(registry.get("cdc.dead.letters").tags("topic", DATA_TOPIC, "reason", DeadLetterReason.UNPARSEABLE.tagValue())
                .counter().count()).isEqualTo(1);
        assertThat(processor.deadLettered()).isEqualTo(3);

        // every CDC meter is live at this point: the whole scrape must pass promtool (skips locally without it)
        String scrape = registry.scrape();
        assertThat(scrape).contains("cdc_events_processed_total", "cdc_consumer_lag_seconds", "cdc_dead_letters_total",
                "cdc_replication_lag_seconds", "cdc_stage_latency_seconds_bucket", "cdc_connector_task_state");
        ExternalTools.assertPromtoolAcceptsMetrics(scrape);
    }

    @Test
    @Order(5)
    void aHungConsumerThatNeverClosesIsReplacedWithoutLossOrDuplicates() throws Exception {
        processor.close();
        loop.get();

        // consumer A applies batches, then hangs forever after applying one (before its commit): a process that
        // froze or was killed between apply and commit. It is never closed while B takes over.
        CountDownLatch hung = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger appliedByA = new AtomicInteger();
        JdbcChangeApplier jdbcA = JdbcChangeApplier.builder(env.target()).build();
        ChangeApplier hangAfterApply = new ChangeApplier() {
            @Override
            public void apply(List<ChangeEvent> batch) throws Exception {
                jdbcA.apply(batch);
                if (appliedByA.addAndGet(batch.size()) >= 200 && hung.getCount() > 0) {
                    hung.countDown();
                    release.await();
                    throw new IllegalStateException("zombie woke up");
                }
            }
        };
        Map<String, Object> propsA = consumerProps("it-crash");
        propsA.put("max.poll.interval.ms", "4000");
        CdcEventProcessor a = CdcEventProcessor.builder().meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                .kafkaConsumer(propsA).topics(DATA_TOPIC).applier(hangAfterApply).closeTimeout(Duration.ofSeconds(5)).build();
        // the new group starts from the beginning of the topic: target rows are rewritten by replay
        Future<?> loopA = executor.submit(a);
        assertThat(hung.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();

        CdcTestEnvironment.exec(env.source(),
                "INSERT INTO public.orders SELECT g, 'late-' || g, 1, 1 FROM generate_series(200001, 200300) g",
                "DELETE FROM public.orders WHERE id BETWEEN 200001 AND 200050");

        AtomicInteger appliedByB = new AtomicInteger();
        JdbcChangeApplier jdbcB = JdbcChangeApplier.builder(env.target()).build();
        ChangeApplier counting = new ChangeApplier() {
            @Override
            public void apply(List<ChangeEvent> batch) throws Exception {
                jdbcB.apply(batch);
                appliedByB.addAndGet(batch.size());
            }

            @Override
            public void close() {
                jdbcB.close();
            }
        };
        CdcEventProcessor b = CdcEventProcessor.builder().meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                .kafkaConsumer(consumerProps("it-crash")).topics(DATA_TOPIC).applier(counting).build();
        Future<?> loopB = executor.submit(b);
        try {
            List<String> source = CdcTestEnvironment.rows(env.source(), "public.orders");
            Await.until(Duration.ofSeconds(90), "target == source after takeover",
                    () -> CdcTestEnvironment.rows(env.target(), "public.orders").equals(source));
            // B re-applied what A applied without committing: at least once, idempotent
            assertThat(appliedByB.get()).isGreaterThanOrEqualTo(appliedByA.get());
            assertThat(CdcTestEnvironment.rows(env.target(), "public.orders")).doesNotHaveDuplicates().hasSameSizeAs(source);
        } finally {
            release.countDown();
            b.close();
            a.close();
            loopB.get();
            try {
                loopA.get();
            } catch (java.util.concurrent.ExecutionException expected) {
                // the zombie's late failure
            }
            jdbcA.close();
        }
    }

    @Test
    @Order(6)
    void aKilledProcessIsReplacedWithoutLossOrDuplicates() throws Exception {
        String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String targetUrl = "jdbc:postgresql://127.0.0.1:" + env.postgresPort() + "/tgt";
        Process child = new ProcessBuilder(javaBin, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                KilledProcessorMain.class.getName(), env.bootstrapServers(), "it-kill", DATA_TOPIC, targetUrl)
                .redirectErrorStream(true).start();
        long lastApplied = -1;
        try (var reader = new java.io.BufferedReader(new java.io.InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            int batches = 0;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith("applied ")) {
                    lastApplied = Long.parseLong(line.substring(8).trim());
                    if (++batches == 10) {
                        child.destroyForcibly(); // SIGKILL right after an apply, before its commit
                        break;
                    }
                }
            }
        } finally {
            child.destroyForcibly();
            child.waitFor();
        }
        assertThat(lastApplied).as("the child applied batches before it was killed").isPositive();

        CdcTestEnvironment.exec(env.source(),
                "INSERT INTO public.orders SELECT g, 'after-kill-' || g, 2, 2 FROM generate_series(300001, 300100) g",
                "UPDATE public.orders SET qty = -1 WHERE id BETWEEN 300001 AND 300010",
                "DELETE FROM public.orders WHERE id BETWEEN 300091 AND 300100");
        CdcEventProcessor restarted = CdcEventProcessor.builder().meterRegistry(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT))
                .kafkaConsumer(consumerProps("it-kill")).topics(DATA_TOPIC)
                .applier(JdbcChangeApplier.builder(env.target()).build()).build();
        Future<?> restartedLoop = executor.submit(restarted);
        try {
            List<String> source = CdcTestEnvironment.rows(env.source(), "public.orders");
            Await.until(Duration.ofSeconds(90), "target == source after the kill and restart",
                    () -> CdcTestEnvironment.rows(env.target(), "public.orders").equals(source));
            assertThat(CdcTestEnvironment.rows(env.target(), "public.orders")).doesNotHaveDuplicates().hasSameSizeAs(source);
        } finally {
            restarted.close();
            restartedLoop.get();
        }
    }

    @Test
    @Order(7)
    void restartAndDeleteThroughTheRestApi() throws Exception {
        client.restart(CONNECTOR, true, false);
        Await.until(Duration.ofSeconds(60), "RUNNING after restart", () -> client.status(CONNECTOR).isRunning());
        client.delete(CONNECTOR);
        Await.until(Duration.ofSeconds(30), "connector gone", () -> "MISSING".equals(client.status(CONNECTOR).state()));
        ConnectorStatus gone = client.status(CONNECTOR);
        assertThat(gone.tasks()).isEmpty();
        assertThat(registry.scrape()).contains("cdc_connector_state{connector=\"shop-orders\",state=\"MISSING\"} 1.0");
        client.delete(CONNECTOR); // idempotent
    }

    private static double gauge(String name, String topic) {
        Gauge g = registry.find(name).tag("topic", topic).gauge();
        return g == null ? -1 : g.value();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String key) {
        var h = r.headers().lastHeader(key);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
