package io.migmon.cdc;

import io.migmon.cdc.connect.ConnectorConfig;
import io.migmon.cdc.connect.KafkaConnectClient;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthCheck;
import io.migmon.core.health.HealthStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static io.migmon.cdc.CdcTestEnvironment.query;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Finding 16 detection end to end: a real Debezium 3.6.1 PostgreSQL connector on the shared Kafka Connect worker,
 * seeded with {@code publication.autocreate.mode=filtered}; its config read back through the REST client; the audit
 * against the real source catalog. A table created mid-stream that matches {@code table.include.list} is reported
 * (health DOWN naming it) within a bounded time; after {@code ALTER PUBLICATION .. ADD TABLE} it clears. Ground
 * truth: {@code pg_publication_tables} and whether the new table's rows reach Kafka.
 */
class PublicationAuditIT {

    @AfterAll
    static void tearDown() throws Exception {
        CdcTestEnvironment.get().stopConnect();
    }

    @Test
    void aTableCreatedAfterTheConnectorStartedIsReportedUntilItIsAddedToThePublication() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        String name = "pubaud";
        String publication = "migmon_" + name;
        CdcTestEnvironment.exec(env.source(), "CREATE TABLE public.pubaud_a (id bigint PRIMARY KEY, v text)",
                "CREATE TABLE public.pubaudother (id bigint PRIMARY KEY)");
        try (KafkaConnectClient client = KafkaConnectClient.builder(env.connectUri()).build()) {
            client.createOrUpdate(CdcAttack2ConnectIT.connector(env, name, "public\\.pubaud_.*"));
            try {
                Await.until(Duration.ofSeconds(90), "RUNNING", () -> client.status(name).isRunning());
                ConnectorConfig config = client.config(name);
                assertThat(config.asMap()).containsEntry("publication.name", publication)
                        .containsEntry("table.include.list", "public\\.pubaud_.*");
                assertThat(config.toString()).doesNotContain("postgres\"").contains("database.password");
                PublicationAudit audit = PublicationAudit.of(env.source(), config);
                HealthCheck check = audit.healthCheck();
                assertThat(check.name()).isEqualTo("cdc-publication-postgres." + publication); // database.dbname
                // the connector creates its publication at task start
                Await.until(Duration.ofSeconds(60), "publication created, audit UP",
                        () -> check.check().status() == HealthStatus.UP);
                assertThat(audit.unpublishedTables()).isEmpty();

                // a table created mid-stream, matching the include list: not published (pinned by
                // CdcAttack2ConnectIT), so reported; a table outside the include list is not
                CdcTestEnvironment.exec(env.source(), "CREATE TABLE public.pubaud_b (id bigint PRIMARY KEY, v text)",
                        "INSERT INTO public.pubaud_b VALUES (1, 'b')", "CREATE TABLE public.pubaudx (id int)");
                long created = System.nanoTime();
                Await.until(Duration.ofSeconds(10), "the unpublished table reported",
                        () -> check.check().status() == HealthStatus.DOWN);
                long detectedMs = (System.nanoTime() - created) / 1_000_000L;
                Health down = check.check();
                assertThat(query(env.source(), "SELECT tablename FROM pg_publication_tables WHERE pubname"
                        + " = '" + publication + "' ORDER BY 1")).as("ground truth").containsExactly("pubaud_a|");
                assertThat(down.reasons()).singleElement().satisfies(r -> assertThat(r)
                        .contains("public.pubaud_b").contains(publication).doesNotContain("pubaudx")
                        .doesNotContain("pubaudother"));
                assertThat(down.details()).containsEntry("unpublishedTables", List.of("public.pubaud_b"));
                assertThat(audit.unpublishedTables()).containsExactly("public.pubaud_b");

                // the documented fix clears it
                CdcTestEnvironment.exec(env.source(), "ALTER PUBLICATION " + publication + " ADD TABLE public.pubaud_b");
                Health up = check.check();
                assertThat(up.status()).isEqualTo(HealthStatus.UP);
                assertThat(up.details()).containsEntry("unpublishedTables", List.of());
                System.err.println("publication audit: unpublished table detected " + detectedMs + " ms after its"
                        + " CREATE TABLE, reason " + down.reasons() + "; cleared by ADD TABLE: " + up.status());
            } finally {
                client.delete(name);
                env.dropSlot(name);
            }
        }
    }

    @Test
    void aSourceThatCannotBeReadIsDegradedNotThrownAndABadListFailsAtBuildNamingTheField() throws Exception {
        CdcTestEnvironment env = CdcTestEnvironment.get();
        org.postgresql.ds.PGSimpleDataSource wrong = new org.postgresql.ds.PGSimpleDataSource();
        wrong.setServerNames(new String[] {"127.0.0.1"});
        wrong.setPortNumbers(new int[] {env.postgresPort()});
        wrong.setDatabaseName("postgres");
        wrong.setUser("nobody_here");
        wrong.setPassword("s3cret-pw");
        Health h = PublicationAudit.of(wrong, "migmon_x", null).healthCheck().check();
        assertThat(h.status()).isEqualTo(HealthStatus.DEGRADED);
        assertThat(h.reasons()).singleElement().satisfies(r -> assertThat(r).contains("SQLState")
                .doesNotContain("s3cret-pw").doesNotContain("nobody_here"));
        assertThat(PublicationAudit.of(env.source(), "migmon_never_created", "public\\.nothing_matches")
                .healthCheck().check().reasons()).singleElement()
                .satisfies(r -> assertThat(r).contains("migmon_never_created does not exist"));
        assertThatThrownBy(() -> PublicationAudit.of(env.source(), "p", "public\\.(broken"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("table.include.list");
    }
}
