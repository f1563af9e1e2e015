package io.migmon.mongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MongoMigrationRunnerBuilderTest {

    private static TestMigration m(String v) {
        return TestMigration.of(v, "m" + v, ctx -> { });
    }

    @Test
    void sortsVersionsNumerically() {
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:1")) {
            MongoMigrationRunner r = MongoMigrationRunner.builder().client(client).database("db")
                    .meterRegistry(new SimpleMeterRegistry())
                    .migrations(m("10"), m("2"), m("2.1"), m("1.0.5"), m("1")).build();
            assertThat(r.migrations()).extracting(MongoMigration::version).containsExactly("1", "1.0.5", "2", "2.1", "10");
        }
    }

    @Test
    void rejectsBadConfigurationNamingTheField() {
        MongoMigrationRunner.Builder b = MongoMigrationRunner.builder();
        assertThatThrownBy(() -> b.migrations(m("v1"))).hasMessageContaining("version").hasMessageContaining("'v1'");
        assertThatThrownBy(() -> b.migrations(m("1"), m("1.0"))).hasMessageContaining("version 1.0 is declared twice");
        assertThatThrownBy(() -> b.database("a.b")).hasMessageContaining("database");
        assertThatThrownBy(() -> b.lockTtl(Duration.ZERO)).hasMessageContaining("lockTtl");
        assertThatThrownBy(() -> b.lockWait(Duration.ofSeconds(-1))).hasMessageContaining("lockWait");
        assertThatThrownBy(() -> b.changelogCollection("system.x")).hasMessageContaining("changelogCollection");
        assertThatThrownBy(b::build).hasMessageContaining("client must be set");
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:1")) {
            assertThatThrownBy(() -> MongoMigrationRunner.builder().client(client).build()).hasMessageContaining("database must be set");
            assertThatThrownBy(() -> MongoMigrationRunner.builder().client(client).database("d").build())
                    .hasMessageContaining("meterRegistry must be set");
            assertThatThrownBy(() -> MongoMigrationRunner.builder().client(client).database("d")
                    .meterRegistry(new SimpleMeterRegistry()).changelogCollection("x").lockCollection("x").build())
                    .hasMessageContaining("must differ");
        }
    }

    @Test
    void theDatabaseIsTheBuildersArgumentAndInstrumentationSetsRegistryOptionsAndClock() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (MongoClient client = MongoClients.create("mongodb://127.0.0.1:1");
             MongoMigrationRunner r = MongoMigrationRunner.builder("shop").client(client)
                     .instrumentation(io.migmon.core.metrics.Instrumentation.of(registry)).build()) {
            assertThat(r.toString()).contains("database=shop");
        }
        assertThatThrownBy(() -> MongoMigrationRunner.builder("a.b")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("database");
        assertThatThrownBy(() -> MongoMigrationRunner.builder().instrumentation(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("instrumentation");
        assertThatThrownBy(() -> MongoMigrationRunner.builder().client(null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("client");
    }

    @Test
    void defaultMigrationIdPrefixIsAValidMigrationId() {
        assertThat(MongoMigrationRunner.defaultPrefix("shop")).isEqualTo("shop-v");
        assertThat(MongoMigrationRunner.defaultPrefix("_tmp#db")).isEqualTo("db_tmp_db-v");
        assertThat(MongoMigrationRunner.defaultPrefix("ünï")).isEqualTo("db_n_-v");
        io.migmon.core.ObservableMigration.builder(MongoMigrationRunner.defaultPrefix("_tmp#db") + "1.2");
    }

    @Test
    void defaultChecksumDependsOnDescription() {
        assertThat(TestMigration.of("1", "a", c -> { }).checksum()).isEqualTo(TestMigration.of("1", "a", c -> { }).checksum())
                .isNotEqualTo(TestMigration.of("1", "b", c -> { }).checksum());
    }
}
