package io.migmon.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.progress.ProgressSnapshot;
import io.migmon.core.spi.MigrationListener;
import io.migmon.core.testing.MutableClock;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class ObservableMigrationTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MutableClock clock = MutableClock.epoch();
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

    @BeforeEach
    void captureLogs() {
        logs.start();
        ((Logger) LoggerFactory.getLogger("io.migmon.migration")).addAppender(logs);
    }

    @AfterEach
    void stopCapture() {
        ((Logger) LoggerFactory.getLogger("io.migmon.migration")).detachAppender(logs);
    }

    private ObservableMigration.Builder builder() {
        return ObservableMigration.builder("orders-backfill").meterRegistry(registry).clock(clock);
    }

    /**
     * Issue 16 finding 1: rows recorded through an ended run (a leftover worker) are exported but count for no run's
     * progress, logged once; a RowCounter handle kept across runs counts for the run active when it adds (documented).
     */
    @Test
    void rowsOfAnEndedRunAreExportedButInNoRunsProgressAndAKeptHandleCountsForTheActiveRun() {
        ObservableMigration m = builder().build();
        MigrationRun first = m.start();
        RowCounter kept = first.rowCounter("orders");
        first.recordRows("orders", 10);
        first.abort("operator stop");
        MigrationRun second = m.start();
        first.recordRows("orders", 5);
        first.recordRows("items", 3);
        assertThat(first.progress().rowsDone()).isEqualTo(10);
        assertThat(second.progress().rowsDone()).isZero();
        second.recordRows("orders", 2);
        kept.add(7);
        assertThat(second.progress().rowsDone()).as("run 2's own 2 rows + 7 through the kept handle").isEqualTo(9);
        assertThat(registry.get("migration.rows").tag("table_name", "orders").functionCounter().count())
                .as("every row written is exported").isEqualTo(10 + 5 + 2 + 7);
        assertThat(registry.get("migration.rows").tag("table_name", "items").functionCounter().count()).isEqualTo(3);
        assertThat(kept.count()).isEqualTo(24);
        assertThat(logs.list.stream().filter(e -> e.getFormattedMessage().contains("already ended")))
                .as("logged once per run").hasSize(1);
        second.succeed();
        assertThat(second.progress().rowsDone()).isEqualTo(9);
        m.close();
    }

    @Test
    void successfulRunRecordsDurationRowsProgressAndStatus() throws Exception {
        ObservableMigration m = builder().expectedRows(1000).build();
        assertThat(gauge("migration.status", "status", "pending")).isEqualTo(1.0);
        String result = m.run(ctx -> {
            assertThat(MDC.get("migration_id")).isEqualTo("orders-backfill");
            for (int i = 0; i < 10; i++) {
                ctx.recordRows("orders", 50);
                ctx.recordRows("order_lines", 50);
                clock.advanceSeconds(1);
            }
            ctx.recordDataLag(Duration.ofMillis(1500));
            assertThat(gauge("migration.status", "status", "running")).isEqualTo(1.0);
            assertThat(gauge("migration.progress")).isCloseTo(1.0, within(1e-9));
            return "done";
        });
        assertThat(result).isEqualTo("done");
        assertThat(MDC.get("migration_id")).isNull();
        assertThat(m.status()).isEqualTo(MigrationStatus.SUCCESS);
        assertThat(registry.get("migration.duration").tags("migration_id", "orders-backfill", "status", "success")
                .timer().totalTime(TimeUnit.SECONDS)).isEqualTo(10.0);
        assertThat(registry.get("migration.rows").tag("table_name", "orders").functionCounter().count()).isEqualTo(500);
        assertThat(registry.get("migration.rows").tag("table_name", "order_lines").functionCounter().count()).isEqualTo(500);
        assertThat(gauge("migration.data.lag")).isEqualTo(1.5);
        assertThat(gauge("migration.status", "status", "success")).isEqualTo(1.0);
        assertThat(gauge("migration.status", "status", "running")).isEqualTo(0.0);
        assertThat(gauge("migration.eta")).isEqualTo(0.0);
        assertThat(gauge("migration.rows.expected")).isEqualTo(1000.0);
        assertThat(gauge("migration.throughput")).isCloseTo(100.0, within(1e-6));
        assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
                .containsExactly("migration orders-backfill started",
                        "migration orders-backfill finished: success in 10000 ms, 1000 rows");
        assertThat(logs.list.get(1).getMDCPropertyMap()).containsEntry("migration_id", "orders-backfill");
        assertThat(logs.list.get(1).getKeyValuePairs()).extracting(kv -> kv.key)
                .contains("migration_id", "status", "duration_ms", "rows");
    }

    @Test
    void failingRunIsFailedCountsTheErrorAndRethrows() {
        ObservableMigration m = builder().build();
        IOException boom = new IOException("disk full");
        assertThatThrownBy(() -> m.run(ctx -> {
            ctx.recordRows("orders", 5);
            ctx.recordError(new SQLException("dup"));
            clock.advanceSeconds(3);
            throw boom;
        })).isSameAs(boom);
        assertThat(m.status()).isEqualTo(MigrationStatus.FAILED);
        assertThat(registry.get("migration.errors").tag("error_type", "IOException").counter().count()).isEqualTo(1);
        assertThat(registry.get("migration.errors").tag("error_type", "SQLException").counter().count()).isEqualTo(1);
        assertThat(registry.get("migration.duration").tag("status", "failed").timer().count()).isEqualTo(1);
        assertThat(m.currentRun().orElseThrow().stats().errors()).isEqualTo(2);
        assertThat(logs.list.get(1).getLevel().toString()).isEqualTo("WARN");
        assertThat(logs.list.get(1).getThrowableProxy().getMessage()).isEqualTo("disk full");
    }

    @Test
    void abortAndInterruptAreAborted() {
        ObservableMigration m = builder().build();
        assertThatThrownBy(() -> m.run(ctx -> {
            throw new MigrationAbortedException("operator stop");
        })).isInstanceOf(MigrationAbortedException.class);
        assertThat(m.status()).isEqualTo(MigrationStatus.ABORTED);
        assertThatThrownBy(() -> m.run(ctx -> {
            throw new InterruptedException();
        })).isInstanceOf(InterruptedException.class);
        assertThat(m.status()).isEqualTo(MigrationStatus.ABORTED);
        assertThat(registry.get("migration.duration").tag("status", "aborted").timer().count()).isEqualTo(2);
        assertThat(registry.find("migration.errors").counters()).isEmpty();
    }

    @Test
    void manualRunClosedWithoutOutcomeIsAbortedAndOutcomeIsFinal() {
        ObservableMigration m = builder().build();
        try (MigrationRun run = m.start()) {
            run.recordRows("t", 1);
            assertThatThrownBy(m::start).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already has a running run");
        }
        assertThat(m.status()).isEqualTo(MigrationStatus.ABORTED);
        MigrationRun second = m.start();
        second.succeed();
        second.fail(new RuntimeException("late"));
        assertThat(second.status()).isEqualTo(MigrationStatus.SUCCESS);
        assertThat(registry.find("migration.errors").counters()).isEmpty();
    }

    @Test
    void asyncRunRecordsOutcomeWhenTheStageCompletes() throws Exception {
        ObservableMigration m = builder().build();
        CompletableFuture<Integer> work = new CompletableFuture<>();
        CompletionStage<Integer> stage = m.runAsync(ctx -> work.thenApply(v -> {
            ctx.recordRows("t", v);
            return v;
        }));
        assertThat(m.status()).isEqualTo(MigrationStatus.RUNNING);
        clock.advanceSeconds(2);
        work.complete(42);
        assertThat(stage.toCompletableFuture().get()).isEqualTo(42);
        assertThat(m.status()).isEqualTo(MigrationStatus.SUCCESS);

        CompletableFuture<Integer> failing = new CompletableFuture<>();
        CompletionStage<Integer> s2 = m.runAsync(ctx -> failing);
        failing.completeExceptionally(new IllegalStateException("x"));
        assertThat(s2.toCompletableFuture()).isCompletedExceptionally();
        assertThat(m.status()).isEqualTo(MigrationStatus.FAILED);

        CompletableFuture<Integer> cancelled = new CompletableFuture<>();
        m.runAsync(ctx -> cancelled);
        cancelled.cancel(true);
        assertThat(m.status()).isEqualTo(MigrationStatus.ABORTED);
        assertThat(registry.get("migration.errors").tag("error_type", "IllegalStateException").counter().count())
                .isEqualTo(1);
    }

    @Test
    void listenerFailuresNeverReachTheMigration() throws Exception {
        List<String> events = new ArrayList<>();
        ObservableMigration m = builder()
                .listener(new MigrationListener() {
                    @Override
                    public void onStart(MigrationRun run) {
                        throw new IllegalStateException("listener bug");
                    }

                    @Override
                    public void onSample(MigrationRun run, ProgressSnapshot s) {
                        throw new IllegalStateException("listener bug");
                    }
                })
                .listener(new MigrationListener() {
                    @Override
                    public void onSample(MigrationRun run, ProgressSnapshot s) {
                        events.add("sample " + s.rowsDone());
                    }

                    @Override
                    public void onError(MigrationRun run, String type) {
                        events.add("error " + type);
                    }

                    @Override
                    public void onFinish(MigrationRun run, MigrationStatus status, Duration d, Throwable f) {
                        events.add("finish " + status);
                    }
                })
                .build();
        int r = m.run(ctx -> {
            ctx.recordRows("t", 7);
            ctx.recordError("Timeout");
            ((MigrationRun) ctx).sample();
            return 1;
        });
        assertThat(r).isEqualTo(1);
        assertThat(events).containsExactly("error Timeout", "sample 7", "sample 7", "finish SUCCESS");
        assertThat(registry.get("migmon.observability.failures").tag("component", "listener").counter().count())
                .isEqualTo(3);
    }

    @Test
    void closeRemovesOnlyTheMigrationsOwnMeters() throws Exception {
        registry.counter("host.counter").increment();
        ObservableMigration a = builder().build();
        ObservableMigration b = ObservableMigration.builder("other").meterRegistry(registry).clock(clock).build();
        a.run(ctx -> {
            ctx.recordRows("t", 1);
            return null;
        });
        b.run(ctx -> {
            ctx.recordRows("t", 1);
            return null;
        });
        a.close();
        assertThat(registry.getMeters()).extracting(Meter::getId)
                .noneMatch(id -> "orders-backfill".equals(id.getTag("migration_id")));
        assertThat(registry.find("migration.rows").tag("migration_id", "other").functionCounter()).isNotNull();
        assertThat(registry.find("host.counter").counter()).isNotNull();
    }

    @Test
    void concurrentRecordingIsExact() throws Exception {
        ObservableMigration m = builder().build();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            m.run(ctx -> {
                CountDownLatch done = new CountDownLatch(4);
                for (int t = 0; t < 4; t++) {
                    pool.execute(() -> {
                        for (int i = 0; i < 10_000; i++) {
                            ctx.recordRows("t" + (i % 3), 1);
                        }
                        done.countDown();
                    });
                }
                done.await();
                return null;
            });
        } finally {
            pool.shutdownNow();
        }
        assertThat(m.currentRun().orElseThrow().stats().rows()).isEqualTo(40_000);
        double sum = registry.find("migration.rows").functionCounters().stream().mapToDouble(c -> c.count()).sum();
        assertThat(sum).isEqualTo(40_000);
    }

    @Test
    void buildersFailFastNamingTheField() {
        assertThatThrownBy(() -> ObservableMigration.builder(" ")).hasMessageContaining("migrationId");
        assertThatThrownBy(() -> ObservableMigration.builder("bad id!")).hasMessageContaining("migrationId");
        assertThatThrownBy(() -> ObservableMigration.builder("ok").build()).hasMessageContaining("meterRegistry");
        assertThatThrownBy(() -> ObservableMigration.builder("ok").expectedRows(-1)).hasMessageContaining("expectedRows");
        assertThatThrownBy(() -> ObservableMigration.builder("ok").throughputSmoothing(Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("tick");
        assertThatThrownBy(() -> ObservableMigration.builder("ok").clock(null)).hasMessageContaining("clock");
    }

    @Test
    void healthFromStatsAndThresholds() throws Exception {
        ObservableMigration m = builder().build();
        MigrationRun run = m.start();
        run.recordRows("t", 99);
        run.recordError("X");
        assertThat(run.stats().errorRate()).isCloseTo(0.01, within(1e-12));
        run.succeed();
    }

    private double gauge(String name) {
        return registry.get(name).tag("migration_id", "orders-backfill").gauge().value();
    }

    private double gauge(String name, String tag, String value) {
        return registry.get(name).tag("migration_id", "orders-backfill").tag(tag, value).gauge().value();
    }
}
