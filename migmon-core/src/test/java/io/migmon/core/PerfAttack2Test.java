package io.migmon.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.testing.MutableClock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.Test;

/**
 * Second attack on the record path of issue 16 (per-table adders as FunctionCounters, the two-way 32-slot cache of
 * recent tables by identity, tables past the 1,024-entry map and the tag cap). Ground truth: the calls this test
 * made, counted by the test itself.
 */
class PerfAttack2Test {

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MutableClock clock = MutableClock.epoch();

    /** The slot ObservableMigration's recent-table cache puts a name in (spread hash, 32 slots). */
    private static int slot(String s) {
        int h = s.hashCode();
        return (h ^ (h >>> 16)) & 31;
    }

    /** {@code n} constant names that all map to slot 0 or 1 (one set of the two-way cache). */
    private static List<String> collidingNames(int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; out.size() < n; i++) {
            String s = ("tbl_" + i).intern();
            if ((slot(s) & ~1) == 0) {
                out.add(s);
            }
        }
        return out;
    }

    private double exported(String migration, String table) {
        return registry.find("migration.rows").tag("migration_id", migration).tag("table_name", table)
                .functionCounters().stream().mapToDouble(FunctionCounter::count).sum();
    }

    private double exportedTotal(String migration) {
        return registry.find("migration.rows").tag("migration_id", migration).functionCounters().stream()
                .mapToDouble(FunctionCounter::count).sum();
    }

    /**
     * Held: 4 threads, 40 constant names in ONE cache set (they evict each other all the time), 1,100 more names
     * (past the 1,024-entry map and the 100-value tag cap: 'other'), handles from rowCounter() mixed in, a Prometheus
     * scrape running all the time. Every table under the cap exports exactly its rows, 'other' the rest, progress the
     * total; every scrape sees a total that never decreases.
     */
    @Test
    void collidingConstantsManyTablesAndConcurrentScrapesCountExactly() throws Exception {
        ObservableMigration m = ObservableMigration.builder("attack2").meterRegistry(registry).clock(clock).build();
        MigrationRun run = m.start();
        List<String> hot = collidingNames(40);
        int threads = 4;
        Map<String, LongAdder> truth = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads + 1);
        CountDownLatch go = new CountDownLatch(1);
        AtomicBoolean recording = new AtomicBoolean(true);
        AtomicLong scrapes = new AtomicLong();
        Future<Boolean> scraper = pool.submit(() -> {
            go.await();
            double last = 0;
            boolean monotone = true;
            while (recording.get()) {
                String text = registry.scrape();
                double total = 0;
                for (String line : text.split("\n")) {
                    if (line.startsWith("migration_rows_total{")) {
                        total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                    }
                }
                monotone &= total >= last;
                last = total;
                scrapes.incrementAndGet();
            }
            return monotone;
        });
        List<Future<?>> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int seed = t;
            workers.add(pool.submit(() -> {
                go.await();
                Map<String, RowCounter> handles = new HashMap<>();
                java.util.Random rnd = new java.util.Random(seed);
                for (int i = 0; i < 60_000; i++) {
                    String table;
                    if (rnd.nextInt(4) > 0) {
                        table = hot.get(rnd.nextInt(hot.size()));
                    } else {
                        table = "many_" + rnd.nextInt(1_100);
                    }
                    long rows = 1 + rnd.nextInt(3);
                    if (rnd.nextInt(10) == 0) {
                        handles.computeIfAbsent(table, run::rowCounter).add(rows);
                    } else {
                        run.recordRows(table, rows);
                    }
                    truth.computeIfAbsent(table, k -> new LongAdder()).add(rows);
                }
                return null;
            }));
        }
        go.countDown();
        for (Future<?> w : workers) {
            w.get(50, TimeUnit.SECONDS);
        }
        recording.set(false);
        assertThat(scraper.get(50, TimeUnit.SECONDS)).as("scraped totals never decrease").isTrue();
        pool.shutdown();
        assertThat(scrapes.get()).isPositive();

        long total = truth.values().stream().mapToLong(LongAdder::sum).sum();
        assertThat(run.progress().rowsDone()).isEqualTo(total);
        assertThat(exportedTotal("attack2")).isEqualTo((double) total);
        double named = 0;
        for (String table : hot) {
            double e = exported("attack2", table);
            if (e > 0 || registry.find("migration.rows").tag("table_name", table).functionCounter() != null) {
                assertThat(e).as("rows of %s", table).isEqualTo((double) truth.get(table).sum());
            }
            named += e;
        }
        assertThat(named).as("the hot names are among the first 100 tables").isPositive();
        run.succeed();
        m.close();
        assertThat(registry.find("migration.rows").tag("migration_id", "attack2").meters()).isEmpty();
    }

    /**
     * Held: two migrations on one registry recording the same table names (same String constants, so each one's
     * cache holds the same keys); closing one removes only its meters, the other keeps exporting and counting, and a
     * new migration reusing the closed id starts from zero while a stale handle of the old one is written to.
     */
    @Test
    void closeRemovesOnlyItsOwnMetersAndAReusedIdStartsFromZero() {
        ObservableMigration a = ObservableMigration.builder("mig-a").meterRegistry(registry).clock(clock).build();
        ObservableMigration b = ObservableMigration.builder("mig-b").meterRegistry(registry).clock(clock).build();
        MigrationRun ra = a.start();
        MigrationRun rb = b.start();
        RowCounter staleHandle = ra.rowCounter("orders");
        ra.recordRows("orders", 5);
        rb.recordRows("orders", 7);
        staleHandle.add(1);
        ra.succeed();
        a.close();
        rb.recordRows("orders", 7);
        assertThat(registry.find("migration.rows").tag("migration_id", "mig-a").meters()).isEmpty();
        assertThat(exported("mig-b", "orders")).isEqualTo(14.0);
        assertThat(rb.progress().rowsDone()).isEqualTo(14);

        ObservableMigration a2 = ObservableMigration.builder("mig-a").meterRegistry(registry).clock(clock).build();
        MigrationRun ra2 = a2.start();
        staleHandle.add(100); // a worker of the closed migration
        ra2.recordRows("orders", 3);
        assertThat(exported("mig-a", "orders")).isEqualTo(3.0);
        assertThat(ra2.progress().rowsDone()).isEqualTo(3);
        assertThat(exported("mig-b", "orders")).isEqualTo(14.0);
        ra2.succeed();
        rb.succeed();
        a2.close();
        b.close();
    }
}
