package io.migmon.core.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.MigrationAbortedException;
import io.migmon.core.MigrationStatus;
import io.migmon.core.ObservableMigration;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.CancellationException;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class SupportHelpersTest {

    static final class Wrapper extends RuntimeException {
        Wrapper(Throwable cause) {
            super(cause);
        }
    }

    @Test
    void errorTypesNameSqlStatesFromTheChainElseTheSimpleClassName() {
        assertThat(ErrorTypes.of(new RuntimeException(new SQLException("x", "42P01")))).isEqualTo("sqlstate_42P01");
        SQLException chained = new SQLException("batch");
        chained.setNextException(new SQLException("row", "23505"));
        assertThat(ErrorTypes.of(chained)).isEqualTo("sqlstate_23505");
        assertThat(ErrorTypes.of(new SQLException("no state"))).isEqualTo("SQLException");
        assertThat(ErrorTypes.of(null)).isEqualTo("unknown");
        assertThat(ErrorTypes.of(new RuntimeException() { })).contains("SupportHelpersTest");
        assertThat(ErrorTypes.of(new Wrapper(new IllegalStateException()), Set.of(Wrapper.class)))
                .isEqualTo("IllegalStateException");
        assertThat(ErrorTypes.of(new Wrapper(null), Set.of(Wrapper.class))).isEqualTo("Wrapper");
        // exact classes: a listed base class does not skip its subclasses
        assertThat(ErrorTypes.of(new Wrapper(new IllegalStateException()), Set.of(RuntimeException.class)))
                .isEqualTo("Wrapper");
    }

    @Test
    void mdcScopeRestoresPreviousValuesAndRemovesKeysThatWereAbsent() {
        MDC.put("a", "host");
        try (MdcScope s = MdcScope.put("a", "1").and("b", "2")) {
            assertThat(MDC.get("a")).isEqualTo("1");
            assertThat(MDC.get("b")).isEqualTo("2");
            MdcScope nested = MdcScope.put("b", "3");
            nested.close();
            nested.close();
            assertThat(MDC.get("b")).isEqualTo("2");
        }
        assertThat(MDC.get("a")).isEqualTo("host");
        assertThat(MDC.get("b")).isNull();
        MDC.remove("a");
    }

    @Test
    void runScopeClassifiesStopsAsAbortedAndEverythingElseAsFailed() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ObservableMigration m = ObservableMigration.builder("m").meterRegistry(registry).build();
        assertThat(RunScope.isAbort(new InterruptedException())).isTrue();
        assertThat(RunScope.isAbort(new CancellationException())).isTrue();
        assertThat(RunScope.isAbort(new MigrationAbortedException("stop"))).isTrue();
        assertThat(RunScope.isAbort(new IllegalStateException())).isFalse();

        RunScope aborted = RunScope.of(m.start());
        assertThat(aborted.end(new MigrationAbortedException("window over"), "MigrationAbortedException")).isTrue();
        assertThat(aborted.run().status()).isEqualTo(MigrationStatus.ABORTED);

        RunScope failed = RunScope.of(m.start());
        assertThat(failed.end(new IllegalStateException(), "sqlstate_23505")).isFalse();
        failed.succeed(); // first outcome wins
        assertThat(failed.run().status()).isEqualTo(MigrationStatus.FAILED);
        assertThat(registry.get("migration.errors").tag("error_type", "sqlstate_23505").counter().count()).isEqualTo(1);

        RunScope.of(null).finish("x"); // no run: nothing to do, nothing thrown
        RunScope.of(null).abandon();

        assertThat(m.status()).isEqualTo(MigrationStatus.FAILED);
        assertThat(m.resetToPending()).isTrue();
        assertThat(m.status()).isEqualTo(MigrationStatus.PENDING);
        assertThat(registry.get("migration.status").tag("migration_id", "m").tag("status", "pending").gauge().value())
                .isEqualTo(1.0);
        assertThat(registry.get("migration.errors").tag("error_type", "sqlstate_23505").counter().count())
                .as("counters keep their counts").isEqualTo(1);
        RunScope running = RunScope.of(m.start());
        assertThat(m.resetToPending()).isFalse();
        running.succeed();
    }
}
