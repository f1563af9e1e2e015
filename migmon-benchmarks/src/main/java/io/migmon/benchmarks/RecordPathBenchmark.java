package io.migmon.benchmarks;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.RowCounter;
import io.migmon.core.progress.ProgressTracker;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
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
 * migmon's record path side by side with what a host would write by hand, in the same JVM: a cached Micrometer
 * counter from the same kind of registry, and a bare {@link LongAdder}. {@link MigrationRun#recordRows} is a table
 * look-up plus one atomic add on the table's adder (which is the exported {@code migration_rows_total} counter and
 * what progress sums); {@link RowCounter#add} skips the look-up. Each fork is one round; run with {@code -f 3} for
 * three rounds and {@code -prof gc} for allocation per operation ({@code gc.alloc.rate.norm}).
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
    private LongAdder adder;
    private ObservableMigration migration;
    private MigrationRun run;
    private RowCounter orders;
    private ProgressTracker tracker;
    private final String[] tables = {"customers", "orders", "order_lines", "payments"};
    private Counter[] rawCounters;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        rawCounter = Counter.builder("raw.rows").tag("migration_id", "bench").tag("table_name", "orders")
                .register(registry);
        adder = new LongAdder();
        rawCounters = new Counter[tables.length];
        for (int i = 0; i < tables.length; i++) {
            rawCounters[i] = Counter.builder("raw.rows").tag("migration_id", "bench").tag("table_name", tables[i])
                    .register(registry);
        }
        migration = ObservableMigration.builder("bench").meterRegistry(registry).expectedRows(Long.MAX_VALUE / 2).build();
        run = migration.start();
        orders = run.rowCounter("orders");
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
    public void baselineCachedCounter() {
        rawCounter.increment(1);
    }

    /** Baseline: a bare LongAdder. */
    @Benchmark
    public void baselineLongAdder() {
        adder.add(1);
    }

    /** migmon: rows to one table (look-up + one atomic add). */
    @Benchmark
    public void migmonRecordRows() {
        run.recordRows("orders", 1);
    }

    /** migmon: the per-table handle (one atomic add). */
    @Benchmark
    public void migmonRowCounter() {
        orders.add(1);
    }

    /** Baseline for four tables in turn: a host's four cached counters, picked by the same array index. */
    @Benchmark
    public void baselineCachedCounterFourTables() {
        rawCounters[next++ & 3].increment(1);
    }

    /** migmon: rows spread over four tables (cache look-up per call). */
    @Benchmark
    public void migmonRecordRowsFourTables() {
        run.recordRows(tables[next++ & 3], 1);
    }

    /** The progress tracker alone (one atomic add). */
    @Benchmark
    public void progressTrackerAdd() {
        tracker.add(1);
    }

    /** Baseline with two threads. */
    @Benchmark
    @Threads(2)
    public void baselineCachedCounterTwoThreads() {
        rawCounter.increment(1);
    }

    /** Bare LongAdder with two threads. */
    @Benchmark
    @Threads(2)
    public void baselineLongAdderTwoThreads() {
        adder.add(1);
    }

    /** Two threads recording into the same run and table. */
    @Benchmark
    @Threads(2)
    public void migmonRecordRowsTwoThreads() {
        run.recordRows("orders", 1);
    }

    /** Two threads on the per-table handle. */
    @Benchmark
    @Threads(2)
    public void migmonRowCounterTwoThreads() {
        orders.add(1);
    }

    /** Reading a snapshot (what a gauge scrape or a detector sample costs; the rate model is updated here). */
    @Benchmark
    public Object migmonSnapshot() {
        return run.progress();
    }
}
