package io.migmon.cdc;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.cdc.jdbc.JdbcChangeApplier;
import io.migmon.testsupport.EmbeddedPostgresFixture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.sql.DataSource;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Attack on the JDBC applier's cached table metadata from the target side: the operator mirrors a source DDL on the
 * target while the processor runs (DROP COLUMN, a widened type). The applier cached the old columns and types; every
 * later event must still land in the target (ground truth: the target's rows), not be dead-lettered until a restart.
 * A real PostgreSQL target; events are fed through {@code process(...)} (the embedded-engine path) with Debezium
 * 3.6.1 envelope shapes.
 */
class SchemaChangeAttackIT {

    private static EmbeddedPostgresFixture pg;
    private static DataSource target;
    private final AtomicLong offsets = new AtomicLong();

    @BeforeAll
    static void start() {
        pg = EmbeddedPostgresFixture.builder("att11-schema").baseDirectory(Path.of("target", "att11-schema")).start();
        target = pg.dataSource();
    }

    @AfterAll
    static void stop() {
        if (pg != null) {
            pg.close();
        }
    }

    private CdcRecord insert(String table, String after) {
        long ms = System.currentTimeMillis();
        String v = "{\"before\":null,\"after\":" + after + ",\"source\":{\"version\":\"3.6.1.Final\",\"connector\":"
                + "\"postgresql\",\"name\":\"att\",\"ts_ms\":" + ms + ",\"ts_us\":" + ms * 1000 + ",\"snapshot\":"
                + "\"false\",\"db\":\"postgres\",\"schema\":\"public\",\"table\":\"" + table + "\"},\"op\":\"c\","
                + "\"ts_ms\":" + ms + "}";
        return CdcRecord.of("att.public." + table, 0, offsets.incrementAndGet(), ms, null,
                v.getBytes(StandardCharsets.UTF_8));
    }

    private static CdcEventProcessor processor(SimpleMeterRegistry registry) {
        return CdcEventProcessor.builder("att-schema").meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(target).build())
                .retryBackoff(Duration.ofMillis(10))
                .build();
    }

    @Test
    void aColumnDroppedOnTheTargetAfterTheFirstApplyDoesNotDeadLetterEveryLaterEvent() throws Exception {
        CdcTestEnvironment.exec(target, "CREATE TABLE public.dropped (id bigint PRIMARY KEY, v text, extra text)");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CdcEventProcessor p = processor(registry)) {
            p.process(List.of(insert("dropped", "{\"id\":1,\"v\":\"a\",\"extra\":\"x\"}")));
            // source: ALTER TABLE dropped DROP COLUMN extra; the operator mirrors it on the target
            CdcTestEnvironment.exec(target, "ALTER TABLE public.dropped DROP COLUMN extra");
            p.process(List.of(insert("dropped", "{\"id\":2,\"v\":\"b\"}"), insert("dropped", "{\"id\":3,\"v\":\"c\"}")));
            assertThat(CdcTestEnvironment.rows(target, "public.dropped")).containsExactly("1|a|", "2|b|", "3|c|");
            assertThat(p.deadLettered()).isZero();
            assertThat(p.eventsProcessed()).isEqualTo(3);
        }
    }

    @Test
    void aTypeWidenedOnTheTargetAfterTheFirstApplyTakesTheWiderValues() throws Exception {
        CdcTestEnvironment.exec(target, "CREATE TABLE public.widened (id bigint PRIMARY KEY, n integer)");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CdcEventProcessor p = processor(registry)) {
            p.process(List.of(insert("widened", "{\"id\":1,\"n\":7}")));
            // source: ALTER COLUMN n TYPE bigint; mirrored on the target before the first big value arrives
            CdcTestEnvironment.exec(target, "ALTER TABLE public.widened ALTER COLUMN n TYPE bigint");
            p.process(List.of(insert("widened", "{\"id\":2,\"n\":5000000000}")));
            assertThat(CdcTestEnvironment.rows(target, "public.widened")).containsExactly("1|7|", "2|5000000000|");
            assertThat(p.deadLettered()).isZero();
        }
    }

    @Test
    void aNewTableInTheStreamIsCreatedWithSchemaEvolutionAndDeadLetteredWithoutIt() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CdcEventProcessor p = CdcEventProcessor.builder("att-new").meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(target).schemaEvolution(true).build())
                .retryBackoff(Duration.ofMillis(10)).build()) {
            CdcRecord r = insert("brand_new", "{\"id\":1,\"v\":\"a\",\"n\":3}");
            r = CdcRecord.of(r.topic(), 0, r.offset(), r.timestampMs(), "{\"id\":1}".getBytes(StandardCharsets.UTF_8),
                    r.value());
            p.process(List.of(r));
            assertThat(CdcTestEnvironment.rows(target, "public.brand_new")).containsExactly("1|a|3|");
        }
        SimpleMeterRegistry r2 = new SimpleMeterRegistry();
        try (CdcEventProcessor p = processor(r2)) {
            p.process(List.of(insert("never_created", "{\"id\":1}")));
            assertThat(p.deadLettered()).isEqualTo(1);
            assertThat(r2.get("cdc.dead.letters").tag("reason", "schema_mismatch").counter().count()).isEqualTo(1.0);
        }
    }

    @Test
    void aTableWhoseNameIsALikePatternOfAnotherOneGetsItsOwnColumns() throws Exception {
        // JDBC's getColumns takes a LIKE pattern: "t_x" also matches "t1x"
        CdcTestEnvironment.exec(target, "CREATE TABLE public.t1x (id bigint PRIMARY KEY, other int, more int)",
                "CREATE TABLE public.t_x (id bigint PRIMARY KEY, v text)");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CdcEventProcessor p = processor(registry)) {
            p.process(List.of(insert("t_x", "{\"id\":1,\"v\":\"a\"}")));
            assertThat(CdcTestEnvironment.rows(target, "public.t_x")).containsExactly("1|a|");
            assertThat(p.deadLettered()).isZero();
        }
    }

    @Test
    void aFieldThatSchemaEvolutionCannotAddIsNeverDroppedSilently() throws Exception {
        // PostgreSQL truncates identifiers to 63 bytes: the column added for a 70-character field has another name
        CdcTestEnvironment.exec(target, "CREATE TABLE public.longnames (id bigint PRIMARY KEY)");
        String field = "f".repeat(70);
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (CdcEventProcessor p = CdcEventProcessor.builder("att-long").meterRegistry(registry)
                .applier(JdbcChangeApplier.builder(target).schemaEvolution(true).build())
                .retryBackoff(Duration.ofMillis(10)).build()) {
            p.process(List.of(insert("longnames", "{\"id\":1,\"" + field + "\":\"kept?\"}")));
            List<String> rows = CdcTestEnvironment.rows(target, "public.longnames");
            boolean stored = rows.stream().anyMatch(r -> r.contains("kept?"));
            // either the value is in the target, or the event is a dead letter: never a row without it
            assertThat(stored || p.deadLettered() == 1).as("rows %s, dead letters %d", rows, p.deadLettered()).isTrue();
            if (!stored) {
                assertThat(rows).isEmpty();
                assertThat(registry.get("cdc.dead.letters").tag("reason", "schema_mismatch").counter().count())
                        .isEqualTo(1.0);
            }
        }
    }
}
