package io.migmon.benchmarks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.progress.ProgressTracker;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * migmon's record path ({@link MigrationRun#recordRows}: a cached per-table counter, the progress adder and a
 * clock read) side by side with the baseline a host would write by hand: a cached Micrometer counter from the same
 * kind of registry. Run with {@code -prof gc} for allocation per operation ({@code gc.alloc.rate.norm}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RecordPathBenchmark {

    private PrometheusMeterRegistry registry;
    private Counter rawCounter;
    private ObservableMigration migration;
    private MigrationRun run;
    private ProgressTracker tracker;
    private final String[] tables = {"customers", "orders", "order_lines", "payments"};
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        rawCounter = Counter.builder("raw.rows").tag("migration_id", "bench").tag("table_name", "orders")
                .register(registry);
        migration = ObservableMigration.builder("bench").meterRegistry(registry).expectedRows(Long.MAX_VALUE / 2).build();
        run = migration.start();
        tracker = new ProgressTracker(Clock.systemUTC());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        run.succeed();
        migration.close();
        registry.close();
    }

    /** Baseline: what a host does without migmon, a cached counter increment. */
    @Benchmark
    public void baselineRawCounter() {
        rawCounter.increment(1);
    }

    /** migmon: rows to one table (counter + progress + clock). */
    @Benchmark
    public void migmonRecordRows() {
        run.recordRows("orders", 1);
    }

    /** migmon: rows spread over four tables (cache look-up per call). */
    @Benchmark
    public void migmonRecordRowsFourTables() {
        run.recordRows(tables[next++ & 3], 1);
    }

    /** The progress tracker alone (adder + clock read). */
    @Benchmark
    public void progressTrackerAdd() {
        tracker.add(1);
    }

    /** Two threads recording into the same run: contention on the shared counter and adder. */
    @Benchmark
    @Threads(2)
    public void migmonRecordRowsTwoThreads() {
        run.recordRows("orders", 1);
    }

    /** Baseline with two threads. */
    @Benchmark
    @Threads(2)
    public void baselineRawCounterTwoThreads() {
        rawCounter.increment(1);
    }

    /** Reading a snapshot (what a gauge scrape or a detector sample costs). */
    @Benchmark
    public Object migmonSnapshot() {
        return run.progress();
    }
}
