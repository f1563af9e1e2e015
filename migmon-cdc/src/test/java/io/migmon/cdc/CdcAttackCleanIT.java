package io.migmon.cdc;

import io.migmon.cdc.connect.ConnectorConfig;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.event.DeadLetterReason;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
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

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
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
 * Independent attack on {@link PublicationAudit} (issue 11, branch cdc-clean) against the real embedded PostgreSQL
 * source. Ground truth: {@code pg_publication_tables} (what PostgreSQL really sends) and Debezium's documented
 * filter semantics (schema and table filters both apply; {@code schema.exclude.list} honoured).
 */
class CdcAttackCleanIT {

    private static ConnectorConfig connector(String... kv) {
        ConnectorConfig.Builder b = ConnectorConfig.builder("attack", "io.debezium.connector.postgresql.PostgresConnector");
        for (int i = 0; i < kv.length; i += 2) {
            b.put(kv[i], kv[i + 1]);
        }
        return b.build();
    }

    /**
     * Finding 1: a publication with {@code publish_via_partition_root = true} that contains the partitioned table
     * publishes every change of its partitions (under the root's name): nothing is missing. The audit compares leaf
     * tables ({@code relkind = 'r'}) with {@code pg_publication_tables}, which then lists the root only, so it reports
     * every partition as unpublished: health DOWN, a false alarm telling the operator to ADD TABLE partitions.
     */
    @Test
    void aPublicationViaPartitionRootIsNotReportedAsMissingItsPartitions() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        CdcTestEnvironment.exec(env.source(),
                "CREATE SCHEMA acp",
                "CREATE TABLE acp.orders (id bigint, created date, PRIMARY KEY (id, created)) PARTITION BY RANGE (created)",
                "CREATE TABLE acp.orders_2026 PARTITION OF acp.orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "CREATE TABLE acp.orders_2027 PARTITION OF acp.orders FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')",
                "CREATE PUBLICATION acp_pub FOR TABLE acp.orders WITH (publish_via_partition_root = true)");
        // ground truth: PostgreSQL publishes the partitioned table (its partitions' changes under its name)
        assertThat(query(env.source(), "SELECT schemaname || '.' || tablename FROM pg_publication_tables"
                + " WHERE pubname = 'acp_pub'")).containsExactly("acp.orders|");
        PublicationAudit audit = PublicationAudit.of(env.source(), connector("publication.name", "acp_pub",
                "schema.include.list", "acp"));
        Health h = audit.healthCheck().check();
        assertThat(audit.unpublishedTables()).as("every change of acp.* is published").isEmpty();
        assertThat(h.status()).as(h.reasons().toString()).isEqualTo(HealthStatus.UP);
    }

    /**
     * Finding 1b (same cause, the other direction): a partitioned table created after the connector started, named
     * in {@code table.include.list} by its root (as Debezium's docs advise with {@code publish_via_partition_root}),
     * and not in the publication: nothing of it reaches Kafka. The audit only looks at {@code relkind = 'r'}: the
     * root ({@code 'p'}) is never checked and its partitions do not match the list: health UP, the finding-16 case
     * missed.
     */
    @Test
    void aPartitionedRootMissingFromThePublicationIsReported() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        CdcTestEnvironment.exec(env.source(),
                "CREATE SCHEMA acq",
                "CREATE TABLE acq.plain (id int PRIMARY KEY)",
                "CREATE PUBLICATION acq_pub FOR TABLE acq.plain WITH (publish_via_partition_root = true)",
                "CREATE TABLE acq.orders (id bigint, created date, PRIMARY KEY (id, created)) PARTITION BY RANGE (created)",
                "CREATE TABLE acq.orders_2026 PARTITION OF acq.orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')");
        // ground truth: neither the root nor its partition is published
        assertThat(query(env.source(), "SELECT schemaname || '.' || tablename FROM pg_publication_tables"
                + " WHERE pubname = 'acq_pub'")).containsExactly("acq.plain|");
        PublicationAudit audit = PublicationAudit.of(env.source(), connector("publication.name", "acq_pub",
                "table.include.list", "acq\\.plain,acq\\.orders"));
        assertThat(audit.unpublishedTables()).containsExactly("acq.orders");
        assertThat(audit.healthCheck().check().status()).isEqualTo(HealthStatus.DOWN);
    }

    /**
     * Control for findings 1/1b: without {@code publish_via_partition_root} PostgreSQL publishes the leaf partitions
     * (the root is never listed in {@code pg_publication_tables}): a leaf missing from the publication is reported,
     * the partitioned root itself is not (it holds no rows of its own).
     */
    @Test
    void withoutViaRootTheLeafPartitionsAreJudged() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        CdcTestEnvironment.exec(env.source(),
                "CREATE SCHEMA acr",
                "CREATE TABLE acr.orders (id bigint, created date, PRIMARY KEY (id, created)) PARTITION BY RANGE (created)",
                "CREATE TABLE acr.orders_2026 PARTITION OF acr.orders FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
                "CREATE TABLE acr.orders_2027 PARTITION OF acr.orders FOR VALUES FROM ('2027-01-01') TO ('2028-01-01')",
                "CREATE PUBLICATION acr_pub FOR TABLE acr.orders_2026");
        assertThat(query(env.source(), "SELECT schemaname || '.' || tablename FROM pg_publication_tables"
                + " WHERE pubname = 'acr_pub'")).containsExactly("acr.orders_2026|");
        PublicationAudit audit = PublicationAudit.of(env.source(), connector("publication.name", "acr_pub",
                "schema.include.list", "acr"));
        assertThat(audit.unpublishedTables()).containsExactly("acr.orders_2027");
    }

    /**
     * Finding 2: {@code schema.exclude.list} is ignored. Debezium does not capture the excluded schema, so its tables
     * not being in the publication is correct; the audit reports them: health DOWN (false alarm), and an operator
     * following the advice adds tables the connector deliberately excludes.
     */
    @Test
    void schemaExcludeListIsHonoured() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        CdcTestEnvironment.exec(env.source(),
                "CREATE SCHEMA acx_keep", "CREATE SCHEMA acx_audit",
                "CREATE TABLE acx_keep.t (id int PRIMARY KEY)", "CREATE TABLE acx_audit.log (id int PRIMARY KEY)",
                "CREATE PUBLICATION acx_pub FOR TABLE acx_keep.t");
        PublicationAudit audit = PublicationAudit.of(env.source(), connector("publication.name", "acx_pub",
                "schema.include.list", "acx_.*", "schema.exclude.list", "acx_audit"));
        assertThat(audit.unpublishedTables()).as("acx_audit is excluded by the connector").isEmpty();
        assertThat(audit.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
    }

    /**
     * Finding 3: with both {@code schema.include.list} and {@code table.include.list} Debezium captures only tables
     * that pass both filters; the audit ignores the schema list as soon as a table list is set and reports tables of
     * schemas the connector never captures.
     */
    @Test
    void schemaAndTableIncludeListsBothApply() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        CdcTestEnvironment.exec(env.source(),
                "CREATE SCHEMA acs_a", "CREATE SCHEMA acs_b",
                "CREATE TABLE acs_a.items (id int PRIMARY KEY)", "CREATE TABLE acs_b.items (id int PRIMARY KEY)",
                "CREATE PUBLICATION acs_pub FOR TABLE acs_a.items");
        PublicationAudit audit = PublicationAudit.of(env.source(), connector("publication.name", "acs_pub",
                "schema.include.list", "acs_a", "table.include.list", "acs_.*\\.items"));
        assertThat(audit.unpublishedTables()).as("acs_b is not in schema.include.list").isEmpty();
    }

    /**
     * Held up: quoted mixed-case names matched case-insensitively and reported with their real case; a table
     * dropped after it was listed disappears from the report; a publication FOR ALL TABLES is UP; a publication
     * that does not exist is DOWN, never thrown.
     */
    @Test
    void mixedCaseNamesDroppedTablesAllTablesAndAMissingPublication() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        CdcTestEnvironment.exec(env.source(),
                "CREATE SCHEMA \"AcmSales\"",
                "CREATE TABLE \"AcmSales\".\"Orders\" (id int PRIMARY KEY)",
                "CREATE TABLE \"AcmSales\".\"Lines\" (id int PRIMARY KEY)",
                "CREATE TABLE \"AcmSales\".gone (id int PRIMARY KEY)",
                "CREATE PUBLICATION acm_pub FOR TABLE \"AcmSales\".\"Lines\", \"AcmSales\".gone");
        PublicationAudit audit = PublicationAudit.of(env.source(), connector("publication.name", "acm_pub",
                "table.include.list", "acmsales\\..*"));
        assertThat(audit.unpublishedTables()).containsExactly("AcmSales.Orders");
        CdcTestEnvironment.exec(env.source(), "ALTER PUBLICATION acm_pub ADD TABLE \"AcmSales\".\"Orders\"",
                "DROP TABLE \"AcmSales\".gone");
        assertThat(audit.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
        CdcTestEnvironment.exec(env.source(), "CREATE PUBLICATION acm_all FOR ALL TABLES");
        try {
            assertThat(PublicationAudit.of(env.source(), connector("publication.name", "acm_all"))
                    .healthCheck().check().status()).isEqualTo(HealthStatus.UP);
        } finally {
            CdcTestEnvironment.exec(env.source(), "DROP PUBLICATION acm_all");
        }
        Health missing = PublicationAudit.of(env.source(), connector("publication.name", "acm_none",
                "table.include.list", "acmsales\\..*")).healthCheck().check();
        assertThat(missing.status()).isEqualTo(HealthStatus.DOWN);
        assertThat(missing.reasons()).singleElement().satisfies(r -> assertThat(r).contains("does not exist"));
    }

    /** Held up / measurement: cost of one check() over a schema of 1,000 tables (figures printed, not asserted). */
    @Test
    void costOfOneCheckOverAThousandTables() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        for (int n : new int[] {100, 1000}) {
            String schema = "acbig" + n;
            try (Connection c = env.source().getConnection(); Statement s = c.createStatement()) {
                s.execute("CREATE SCHEMA " + schema);
                StringBuilder pub = new StringBuilder();
                for (int i = 0; i < n; i++) {
                    s.addBatch("CREATE TABLE " + schema + ".t" + i + " (id int PRIMARY KEY)");
                    if (i > 0) {
                        pub.append(i > 1 ? ", " : "").append(schema).append(".t").append(i);
                    }
                }
                s.executeBatch();
                s.execute("CREATE PUBLICATION " + schema + "_pub FOR TABLE " + pub);
            }
            PublicationAudit audit = PublicationAudit.of(env.source(), connector("publication.name", schema + "_pub",
                    "schema.include.list", schema));
            var check = audit.healthCheck();
            long[] ms = new long[5];
            Health h = null;
            for (int r = 0; r < ms.length; r++) {
                long t0 = System.nanoTime();
                h = check.check();
                ms[r] = (System.nanoTime() - t0) / 1_000_000L;
            }
            java.util.Arrays.sort(ms);
            assertThat(audit.unpublishedTables()).containsExactly(schema + ".t0");
            assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
            System.err.println("ATTACK publication audit " + n + " tables: check() ms min/median/max " + ms[0] + "/"
                    + ms[2] + "/" + ms[4] + " uptime " + java.nio.file.Files.readString(
                    java.nio.file.Path.of("/proc/loadavg")).trim());
        }
    }
    private static final String FK_DATA = "acfk.public.acfk_child";
    private static final String FK_DLQ = "acfk.dlq";

    private static String child(long id, long parentId) {
        long ms = System.currentTimeMillis();
        return "{\"before\":null,\"after\":{\"id\":" + id + ",\"parent_id\":" + parentId + "},\"source\":{\"version\":"
                + "\"3.6.1.Final\",\"connector\":\"postgresql\",\"name\":\"acfk\",\"ts_ms\":" + ms + ",\"ts_us\":"
                + ms * 1000 + ",\"snapshot\":\"false\",\"db\":\"postgres\",\"schema\":\"public\",\"table\":"
                + "\"acfk_child\"},\"op\":\"c\",\"ts_ms\":" + ms + "}";
    }

    /**
     * foreignKeyRetry expiry with several orphans in one batch (children 2, 5 and 8 of parents 90402, 90405, 90408
     * that never arrive; the 7 others' parent exists). Ground truth: the target's rows, the DLQ read back, the
     * group's committed offset. Expected: exactly the 3 orphans dead-lettered (offsets 1, 4, 7), each naming the
     * constraint and no key value, the 7 others applied, committed 10; total time printed (the bound is one wait
     * for the batch, not one per orphan).
     */
    @Test
    void severalOrphansInOneBatchAreEachDeadLetteredOnceAndNothingElse() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        DataSource target = env.postgres.createDatabase("acfk");
        CdcTestEnvironment.exec(target, "CREATE TABLE public.acfk_parent (id bigint PRIMARY KEY)",
                "CREATE TABLE public.acfk_child (id bigint PRIMARY KEY, parent_id bigint NOT NULL"
                        + " CONSTRAINT acfk_child_parent_fk REFERENCES public.acfk_parent (id))",
                "INSERT INTO public.acfk_parent VALUES (1)");
        env.createTopics(FK_DATA, FK_DLQ);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                env.bootstrapServers()), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long id = 1; id <= 10; id++) {
                long parent = id == 2 || id == 5 || id == 8 ? 90400 + id : 1;
                p.send(new ProducerRecord<>(FK_DATA, 0, ("{\"id\":" + id + "}").getBytes(StandardCharsets.UTF_8),
                        child(id, parent).getBytes(StandardCharsets.UTF_8))).get();
            }
        }
        Duration bound = Duration.ofSeconds(3);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Map<String, Object> consumer = new HashMap<>();
        consumer.put("bootstrap.servers", env.bootstrapServers());
        consumer.put("group.id", "acfk-replica");
        consumer.put("auto.offset.reset", "earliest");
        CdcEventProcessor processor = CdcEventProcessor.builder("acfk").meterRegistry(registry)
                .kafkaConsumer(consumer).topics(FK_DATA)
                .applier(JdbcChangeApplier.builder(target).foreignKeyRetry(bound).build()).deadLetterTopic(FK_DLQ)
                .pollTimeout(Duration.ofMillis(100)).retryBackoff(Duration.ofMillis(50)).build();
        ExecutorService loop = Executors.newSingleThreadExecutor();
        long started = System.nanoTime();
        try {
            loop.submit(processor);
            Await.until(Duration.ofSeconds(120), "the partition committed past the orphans", () -> fkCommitted() == 10);
            long doneMs = (System.nanoTime() - started) / 1_000_000L;
            assertThat(query(target, "SELECT id FROM public.acfk_child ORDER BY id"))
                    .containsExactly("1|", "3|", "4|", "6|", "7|", "9|", "10|");
            List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
            try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(Map.of("bootstrap.servers",
                    env.bootstrapServers(), "group.id", "acfk-reader", "auto.offset.reset", "earliest"),
                    new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                c.subscribe(List.of(FK_DLQ));
                long deadline = System.nanoTime() + 5_000_000_000L;
                while (System.nanoTime() < deadline) {
                    c.poll(Duration.ofMillis(200)).forEach(dead::add);
                }
            }
            List<String> offsets = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> d : dead) {
                offsets.add(fkHeader(d, DeadLetterReason.OFFSET_HEADER));
                assertThat(fkHeader(d, DeadLetterReason.ERROR_HEADER)).contains("23503")
                        .contains("acfk_child_parent_fk").doesNotContain("9040").doesNotContain("parent_id");
            }
            assertThat(offsets).containsExactly("1", "4", "7");
            assertThat(processor.eventsProcessed()).isEqualTo(7);
            assertThat(processor.deadLettered()).isEqualTo(3);
            System.err.println("ATTACK fk expiry: 3 orphans in one batch, bound " + bound + ", committed past them after "
                    + doneMs + " ms; errors " + dead.stream().map(d -> fkHeader(d, DeadLetterReason.ERROR_HEADER))
                    .toList());
        } finally {
            processor.close();
            loop.shutdown();
            loop.awaitTermination(30, TimeUnit.SECONDS);
        }
    }

    private static long fkCommitted() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", env.bootstrapServers()))) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets("acfk-replica").partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(FK_DATA, 0));
            return o == null ? -1 : o.offset();
        }
    }

    private static String fkHeader(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
