package io.migmon.core.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.RowCounter;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** ETA states (stall, pause, terminal), cold start, and the record path's counters, through a real registry. */
class EtaStatesTest {

    private final MutableClock clock = MutableClock.epoch();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private ObservableMigration migration(long expected) {
        return ObservableMigration.builder("orders").meterRegistry(registry).clock(clock).expectedRows(expected).build();
    }

    private double gauge(String name) {
        return registry.get(name).tag("migration_id", "orders").gauge().value();
    }

    /** 1,000 rows/s in commits of 4,000 rows every 4 s, read every second like a scrape. */
    private void work(MigrationRun run, int seconds) {
        for (int s = 0; s < seconds; s++) {
            clock.advanceSeconds(1);
            if (s % 4 == 3) {
                run.recordRows("orders", 4000);
            }
            run.progress();
        }
    }

    @Test
    void aStallIsNaNAndStalledNotAHugeNumberAndTheEtaComesBackAfterIt() {
        MigrationRun run = migration(1_000_000).start();
        work(run, 200);
        ProgressSnapshot before = run.progress();
        assertThat(before.state()).isEqualTo(ProgressSnapshot.State.RUNNING);
        assertThat(before.etaSeconds()).as("800,000 rows at 1,000 rows/s").isCloseTo(800, within(40.0));
        for (int s = 0; s < 120; s++) {
            clock.advanceSeconds(1);
            run.progress();
        }
        ProgressSnapshot stalled = run.progress();
        assertThat(stalled.state()).isEqualTo(ProgressSnapshot.State.STALLED);
        assertThat(stalled.etaSeconds()).isNaN();
        assertThat(gauge("migration.eta")).isNaN();
        assertThat(stalled.describe()).endsWith("ETA unknown (stalled)");
        work(run, 20);
        ProgressSnapshot after = run.progress();
        assertThat(after.state()).isEqualTo(ProgressSnapshot.State.RUNNING);
        assertThat(after.etaSeconds()).as("the stall does not count as a slowdown").isCloseTo(780, within(60.0));
    }

    @Test
    void aPlannedPauseIsNotASlowdown() {
        MigrationRun run = migration(1_000_000).start();
        work(run, 200);
        double before = run.progress().etaSeconds();
        run.pause("nightly backup");
        for (int s = 0; s < 300; s++) {
            clock.advanceSeconds(1);
            run.progress();
        }
        ProgressSnapshot paused = run.progress();
        assertThat(paused.state()).isEqualTo(ProgressSnapshot.State.PAUSED);
        assertThat(run.paused()).contains("nightly backup");
        assertThat(paused.etaSeconds()).isCloseTo(before, within(1.0));
        run.resume();
        work(run, 8);
        assertThat(run.progress().etaSeconds()).as("right after the resume").isCloseTo(before - 8, within(0.15 * before));
    }

    @Test
    void terminalStatusesAreConsistentInTheGaugeAndInProgress() {
        ObservableMigration m = migration(100_000);
        MigrationRun ok = m.start();
        work(ok, 30);
        ok.succeed(); // at 30% of the declared total: success is success
        assertThat(ok.progress().eta()).contains(Duration.ZERO);
        assertThat(gauge("migration.eta")).isZero();
        assertThat(ok.progress().state()).isEqualTo(ProgressSnapshot.State.SUCCEEDED);

        MigrationRun aborted = m.start();
        work(aborted, 30);
        aborted.abort("operator");
        long done = aborted.progress().rowsDone();
        clock.advanceSeconds(600);
        assertThat(aborted.progress().eta()).isEmpty();
        assertThat(gauge("migration.eta")).isNaN();
        assertThat(aborted.progress().state()).isEqualTo(ProgressSnapshot.State.ENDED);
        assertThat(aborted.progress().rowsDone()).as("frozen").isEqualTo(done);
    }

    @Test
    void coldStartHasNoLeadInAndWaitsSevenSeconds() {
        MigrationRun run = migration(120_000).start(); // a 2-minute job at 1,000 rows/s
        for (int s = 0; s < 2; s++) { // the first 1.5 s are empty (connections, first query)
            clock.advanceMillis(750);
            run.progress();
        }
        for (int s = 0; s < 12; s++) {
            clock.advanceSeconds(1);
            run.recordRows("orders", 1000);
            ProgressSnapshot p = run.progress();
            if (s < 6) {
                assertThat(p.eta()).as("under 7 s of rows (ETA_MIN_ELAPSED)").isEmpty();
            }
        }
        // 12,000 of 120,000 rows (10%) after 12 s of rows: the truth is 108 s
        assertThat(run.progress().etaSeconds()).isCloseTo(108, within(108 * 0.15));
    }

    @Test
    void coldStartReadEveryFiveSecondsLeavesTheLeadInOut() {
        MigrationRun run = migration(120_000).start(); // a 2-minute job at 1,000 rows/s
        ProgressSnapshot last = null;
        for (int tenth = 1; tenth <= 150; tenth++) { // 100 ms steps up to 15 s
            clock.advanceMillis(100);
            if (tenth >= 25 && tenth % 10 == 5) { // the first 1.5 s are empty: commits at 2.5 s, 3.5 s, ...
                run.recordRows("orders", 1000);
            }
            if (tenth % 50 == 0) { // read every 5 s (the host's sample() schedule)
                last = run.progress();
                if (tenth < 150) {
                    assertThat(last.eta()).as("at %d00 ms: under 7 s since the first read with rows", tenth).isEmpty();
                }
            }
        }
        assertThat(last.rowsDone()).as("10.8% done").isEqualTo(13_000);
        // the 120th commit lands at 121.5 s: the truth is 106.5 s (the cumulative average, 13,000 rows in 15 s,
        // says 123 s)
        assertThat(last.etaSeconds()).isCloseTo(106.5, within(106.5 * 0.15));
    }

    @Test
    void aFirstReadLateInTheRunGivesAnEtaAtOnce() {
        MigrationRun run = migration(1_200_000).start();
        for (int s = 1; s <= 600; s++) { // 1,000 rows/s, nobody reads for 10 minutes
            clock.advanceSeconds(1);
            run.recordRows("orders", 1000);
        }
        assertThat(run.progress().etaSeconds()).as("the rows of the first 10 minutes count").isCloseTo(600, within(30.0));
        work(run, 8);
        assertThat(run.progress().etaSeconds()).isCloseTo(592, within(40.0));
    }

    @Test
    void rowCountersAreTheExportedCountersAndProgressSumsThem() {
        ObservableMigration m = migration(10_000);
        MigrationRun first = m.start();
        RowCounter orders = first.rowCounter("orders");
        orders.add(300);
        first.recordRows("orders", 200);
        first.recordRows("lines", 100);
        assertThat(first.progress().rowsDone()).isEqualTo(600);
        first.succeed();
        MigrationRun second = m.start();
        orders.add(50); // the handle outlives the run: it counts for the new one
        assertThat(second.progress().rowsDone()).isEqualTo(50);
        assertThat(first.progress().rowsDone()).as("frozen at the end of the first run").isEqualTo(600);
        String scrape = registry.scrape();
        assertThat(scrape).contains("migration_rows_total{migration_id=\"orders\",table_name=\"orders\"} 550.0",
                "migration_rows_total{migration_id=\"orders\",table_name=\"lines\"} 100.0");
        second.succeed();
    }

    @Test
    void tablesOverTheCardinalityCapShareOneSeriesAndAllCountForProgress() {
        ObservableMigration m = ObservableMigration.builder("capped").meterRegistry(registry).clock(clock)
                .metricsOptions(io.migmon.core.metrics.MetricsOptions.builder().maxTagValues(2).build()).build();
        MigrationRun run = m.start();
        for (int t = 0; t < 5; t++) {
            run.recordRows("t" + t, 10 * (t + 1));
        }
        assertThat(run.progress().rowsDone()).isEqualTo(150);
        double exported = registry.find("migration.rows").tag("migration_id", "capped").functionCounters().stream()
                .mapToDouble(c -> c.count()).sum();
        assertThat(exported).as("every row is exported once, over the capped series").isEqualTo(150);
        run.succeed();
    }

    @Test
    void aScrapeEveryMinuteIsNotAStallAndGivesTheSameEta() {
        MigrationRun run = migration(3_600_000).start();
        for (int s = 1; s <= 1200; s++) { // 1,000 rows/s in commits every 4 s, read once a minute
            clock.advanceSeconds(1);
            if (s % 4 == 0) {
                run.recordRows("orders", 4000);
            }
            if (s % 60 == 0) {
                ProgressSnapshot p = run.progress();
                assertThat(p.state()).as("at %d s", s).isEqualTo(ProgressSnapshot.State.RUNNING);
            }
        }
        // 1,200,000 of 3,600,000 rows: 2,400 s left
        assertThat(run.progress().etaSeconds()).isCloseTo(2400, within(2400 * 0.05));
        assertThat(gauge("migration.throughput")).isCloseTo(1000, within(50.0));
    }
}
