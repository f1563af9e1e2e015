package io.migmon.verify.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.Health;
import io.migmon.core.health.HealthStatus;
import io.migmon.verify.TwoPostgres;
import io.migmon.verify.VerificationHealthCheck;
import io.migmon.verify.VerificationReport;
import io.migmon.verify.VerificationStatus;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two verifiers of the same table against different targets in one process (issue 17: they shared the health entry
 * and the meters' {@code table} tag). Ground truth: one target is a copy, the other has a row changed.
 */
class VerificationNameIT {

    @Test
    void twoVerifiersOfOneTableKeepTheirOwnHealthEntryAndMeters() {
        TwoPostgres.Pair a = TwoPostgres.fresh();
        TwoPostgres.Pair b = TwoPostgres.fresh();
        String table = "CREATE TABLE orders (id int PRIMARY KEY, amount numeric)";
        String fill = "INSERT INTO orders SELECT g, g FROM generate_series(1, 500) g";
        a.both(table, fill);
        b.onTarget(table, fill, "UPDATE orders SET amount = -1 WHERE id = 7");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        VerificationHealthCheck health = VerificationHealthCheck.create();
        try (JdbcTableVerifier toReplica = JdbcTableVerifier.builder("orders").name("orders-replica")
                        .source(a.source()).target(a.target()).healthCheck(health).meterRegistry(registry).build();
                JdbcTableVerifier toArchive = JdbcTableVerifier.builder("orders").name("orders-archive")
                        .source(a.source()).target(b.target()).healthCheck(health).meterRegistry(registry).build()) {
            VerificationReport archive = toArchive.verify();
            VerificationReport replica = toReplica.verify(); // later, identical: must not clear the archive's finding
            assertThat(archive.status()).isEqualTo(VerificationStatus.DIFFERENT);
            assertThat(replica.status()).isEqualTo(VerificationStatus.IDENTICAL);
            assertThat(archive.name()).isEqualTo("orders-archive");
            assertThat(archive.subject()).isEqualTo("orders");
            assertThat(archive.toJson()).contains("\"name\" : \"orders-archive\"");

            Health h = health.check();
            assertThat(h.status()).isEqualTo(HealthStatus.DOWN);
            assertThat(h.details().get("subjects")).isEqualTo(Map.of(
                    "postgresql:orders-archive", "different", "postgresql:orders-replica", "identical"));
            assertThat(h.reasons()).singleElement().asString().startsWith("orders-archive");

            assertThat(registry.get("migration.validation.differences").tag("verification", "orders-archive")
                    .tag("table", "orders").gauge().value()).isEqualTo(1.0);
            assertThat(registry.get("migration.validation.differences").tag("verification", "orders-replica")
                    .tag("table", "orders").gauge().value()).isEqualTo(0.0);
            assertThat(registry.get("migration.validation.mismatches").tag("verification", "orders-archive")
                    .tag("kind", "changed").counter().count()).isEqualTo(1.0);
            assertThat(registry.get("migration.validation.rows").tag("verification", "orders-replica")
                    .counter().count()).isEqualTo(500.0);
        }
    }

    @Test
    void theNameDefaultsToTheTableAndIsValidated() {
        TwoPostgres.Pair p = TwoPostgres.fresh();
        p.both("CREATE TABLE t (id int PRIMARY KEY)");
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (JdbcTableVerifier v = JdbcTableVerifier.builder("public.t").source(p.source()).target(p.target())
                .meterRegistry(registry).build()) {
            assertThat(v.verify().name()).isEqualTo("public.t");
            assertThat(registry.get("migration.validation.differences").tag("verification", "public.t")
                    .tag("table", "public.t").gauge().value()).isEqualTo(0.0);
        }
        assertThatThrownBy(() -> JdbcTableVerifier.builder("t").name(" "))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> JdbcTableVerifier.builder("t").name("a\nb"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
        assertThatThrownBy(() -> JdbcTableVerifier.builder("t").name("x".repeat(201)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("name");
    }
}
