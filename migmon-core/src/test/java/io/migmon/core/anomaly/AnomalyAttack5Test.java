package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.testing.MutableClock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Fifth independent attack on anomaly detection (issue 12), with the default detectors fed by
 * {@code monitor.migrationListener()} from {@link MigrationRun#sample()} as a host does, on traces of this file's own
 * generator (batch commits of U(bMin, bMax) s of work, log-normal noise per batch, a gap with no work). Ground truth
 * is the trace: when work stopped, when it came back. Tests that reproduce a finding are
 * {@code @Disabled("finding N: ...")}; the rest pin what held.
 */
class AnomalyAttack5Test {

    /** Commits {t, rows} of a job at {@code rate} rows/s with no work in [gapFrom, gapTo). */
    static List<double[]> job(long seed, double rate, double until, double bMin, double bMax, double cv,
                              double gapFrom, double gapTo) {
        return job(seed, t -> rate, until, bMin, bMax, cv, gapFrom, gapTo);
    }

    static List<double[]> job(long seed, java.util.function.DoubleUnaryOperator rate, double until, double bMin,
                              double bMax, double cv, double gapFrom, double gapTo) {
        SplittableRandom r = new SplittableRandom(seed);
        double s = Math.sqrt(Math.log(1 + cv * cv));
        List<double[]> out = new ArrayList<>();
        double t = 0.5;
        while (t < until) {
            double d = bMin + (bMax - bMin) * r.nextDouble();
            if (t < gapTo && t + d > gapFrom) {
                t = gapTo;
            }
            double z = Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
            t += d;
            long n = Math.round(rate.applyAsDouble(t - d / 2) * d * Math.exp(s * z - s * s / 2));
            if (n > 0) {
                out.add(new double[] {t, n});
            }
        }
        return out;
    }

    record Event(double t, Anomaly a) { }

    /** A host: one migration, a monitor with the default detectors as its listener, sampled on a schedule. */
    static final class Host {
        final MutableClock clock = MutableClock.epoch();
        final long t0 = clock.millis();
        final List<Event> events = new ArrayList<>();
        final AnomalyMonitor monitor;
        final ObservableMigration migration;
        MigrationRun run;
        List<double[]> commits;
        int next;

        Host(List<double[]> commits) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            monitor = AnomalyMonitor.builder("attack5").meterRegistry(registry).defaultDetectors()
                    .listener(a -> events.add(new Event((a.at().toEpochMilli() - t0) / 1e3, a))).build();
            migration = ObservableMigration.builder("attack5").meterRegistry(registry).clock(clock)
                    .listener(monitor.migrationListener()).build();
            run = migration.start();
            this.commits = commits;
        }

        void to(double t) {
            while (next < commits.size() && commits.get(next)[0] <= t) {
                set(commits.get(next)[0]);
                run.recordRows("t", (long) commits.get(next)[1]);
                for (int e = 0; commits.get(next).length > 2 && e < commits.get(next)[2]; e++) {
                    run.recordError("SQLTransientException");
                }
                next++;
            }
            set(t);
        }

        double skew; // clock minus true time, s

        private void set(double t) {
            clock.advanceMillis(t0 + Math.round((t + skew) * 1000) - clock.millis());
        }

        void sampleEvery(double from, double until, double every) {
            for (double t = from; t < until - 1e-9; t += every) {
                to(t);
                run.sample();
            }
        }

        List<Event> fired() {
            return events.stream().filter(e -> e.a().firing()).toList();
        }
    }

    static String show(List<Event> es) {
        StringBuilder sb = new StringBuilder();
        for (Event e : es) {
            sb.append(String.format(Locale.ROOT, "%n  t=%.0f %s %s", e.t(), e.a().state(), e.a().message()));
        }
        return sb.toString();
    }

    // ---------------------------------------------------------------------------------------------------- held up

    /**
     * A run resumed after a process restart: the host records the 400,000 rows its checkpoint says are done at once
     * (the pattern that makes the ETA right in {@code EtaAttack5Test} finding 1's expectation), then goes on at a
     * steady 500 rows/s (CV 10%, 0.5-2 s batches), sampled every 5 s: no anomaly (held: the detectors' warm-up
     * absorbs the checkpoint's burst).
     */
    @Test
    void aRestartWithACheckpointRaisesNoAlert() {
        for (double every : new double[] {1, 5, 60}) {
            Host h = new Host(job(52_000_001L, 500, 1_800, 0.5, 2, 0.10, -1, -1));
            h.to(0.2);
            h.run.recordRows("t", 400_000);
            h.sampleEvery(every, 1_800, every);
            assertThat(h.fired()).as("@%s: %s", every, show(h.events)).isEmpty();
        }
    }

    /**
     * The same batchy job (500 rows/s, CV 15%, 0.5-4 s batches) with a 10-minute stall at 1,800-2,400 s sampled
     * every 1, 5, 15 and 60 s: the same verdicts (the same set of types fired), stall among them, within 60 s + 2
     * intervals + 60 s of the last commit, nothing firing before the stall.
     */
    @Test
    void sameVerdictsAtEveryInterval() {
        List<double[]> commits = job(52_000_002L, 500, 3_600, 0.5, 4, 0.15, 1_800, 2_400);
        double lastBefore = commits.stream().mapToDouble(c -> c[0]).filter(t -> t < 1_800).max().orElseThrow();
        Set<String> first = null;
        StringBuilder report = new StringBuilder();
        for (double every : new double[] {1, 5, 15, 60}) {
            Host h = new Host(commits);
            h.sampleEvery(every, 3_600, every);
            Set<String> types = new TreeSet<>();
            h.fired().forEach(e -> types.add(e.a().type()));
            double stallAt = h.fired().stream().filter(e -> e.a().type().equals("stall")).mapToDouble(Event::t)
                    .min().orElse(Double.NaN);
            report.append(String.format(Locale.ROOT, "@%.0fs %s stall fired %.0f s after the last commit; ", every,
                    types, stallAt - lastBefore));
            assertThat(h.fired().stream().filter(e -> e.t() < lastBefore)).as("@%s: %s", every, show(h.events))
                    .isEmpty();
            assertThat(stallAt - lastBefore).as("@%s: %s", every, show(h.events))
                    .isLessThanOrEqualTo(60 + 2 * every + 60);
            if (first == null) {
                first = types;
            }
            assertThat(types).as("%s", report).isEqualTo(first);
        }
        System.out.println("attack5 verdicts: " + report);
    }

    /**
     * A pause declared while a stall alert fires (no rows from 1,800 s; pause 2,000-2,500 s; rows again from
     * 2,700 s), sampled every 5 s: the stall resolves at the pause with the reason, nothing fires during the pause,
     * the health check is UP meanwhile, and the return of the rows raises no spike.
     */
    @Test
    void aPauseDuringAFiringStall() {
        Host h = new Host(job(52_000_003L, 500, 4_000, 0.5, 2, 0.10, 1_800, 2_700));
        h.sampleEvery(5, 2_000, 5);
        assertThat(h.monitor.active()).extracting(Anomaly::type).contains("stall");
        h.run.pause("ops: replica catch-up");
        h.sampleEvery(2_000, 2_500, 5);
        assertThat(h.monitor.healthCheck().check().toString()).contains("UP");
        h.run.resume();
        h.sampleEvery(2_500, 4_000, 5);
        assertThat(h.events).anySatisfy(e -> {
            assertThat(e.a().state()).isEqualTo(Anomaly.State.RESOLVED);
            assertThat(e.a().message()).contains("stall").contains("ops: replica catch-up");
        });
        assertThat(h.fired().stream().filter(e -> e.t() > 2_000 && e.t() < 2_500)).isEmpty();
        assertThat(h.fired().stream().filter(e -> e.a().type().equals("throughput_spike"))).as(show(h.events))
                .isEmpty();
    }

    /**
     * Healthy jobs: irregular sampling (1-20 s, now and then 45 s late) of a batchy job, and a quiet low-volume job
     * (5 rows/s committed every 8-20 s) sampled every second: no alert.
     */
    @Test
    void healthyJobsAtIrregularAndFastSampling() {
        Host h = new Host(job(52_000_004L, 500, 7_200, 0.5, 4, 0.15, -1, -1));
        SplittableRandom r = new SplittableRandom(52_000_005L);
        for (double t = 1; t < 7_200; t += r.nextDouble() < 0.03 ? 45 : 1 + 19 * r.nextDouble()) {
            h.to(t);
            h.run.sample();
        }
        assertThat(h.fired()).as(show(h.events)).isEmpty();

        Host q = new Host(job(52_000_006L, 5, 7_200, 8, 20, 0.10, -1, -1));
        q.sampleEvery(1, 7_200, 1);
        assertThat(q.fired()).as(show(q.events)).isEmpty();
    }

    /** Counts near Long.MAX_VALUE fed directly: nothing thrown, no alert on a steady stream. */
    @Test
    void hugeCountsFedDirectly() {
        List<Anomaly> seen = new ArrayList<>();
        AnomalyMonitor m = AnomalyMonitor.builder("huge").meterRegistry(new SimpleMeterRegistry()).defaultDetectors()
                .listener(seen::add).build();
        long base = Long.MAX_VALUE - 4_000_000_000_000_000_000L;
        assertThatCode(() -> {
            for (int s = 1; s <= 3_600; s++) {
                m.sample(Instant.EPOCH.plusSeconds(1_000_000 + s), base + s * 1_000_000_000_000_000L / 1_000, 0,
                        Double.NaN);
            }
        }).doesNotThrowAnyException();
        assertThat(seen).isEmpty();
    }

    /**
     * A healthy 3-day job with a diurnal load (500 rows/s +-60% over 24 h, CV 15%, 2-8 s batches) sampled once a
     * minute: at most 0.05 false alerts per hour (3 in 72 h), the bar on healthy traces.
     */
    @Test
    void aHealthyMultiDayDiurnalJob() {
        double days = 3 * 86_400;
        Host h = new Host(job(52_000_007L, t -> 500 * (1 + 0.6 * Math.sin(2 * Math.PI * t / 86_400)), days, 2, 8,
                0.15, -1, -1));
        h.sampleEvery(60, days, 60);
        System.out.println("attack5 diurnal: " + h.fired().size() + " alerts" + show(h.fired()));
        assertThat(h.fired()).as(show(h.events)).hasSizeLessThanOrEqualTo(3);
    }

    /**
     * Finding 5 (a false alert, medium): the wall clock steps back 2 minutes (an NTP correction; the default clock of
     * an {@code ObservableMigration} is the system clock) at t=1,200 s in a healthy steady job (500 rows/s, CV 10%)
     * sampled every 5 s. The run's snapshots are clamped to the last read's time until the clock catches up, so the
     * rows of those 2 minutes arrive in one 5 s interval: {@code throughput_spike} fires ("1502.2 rows/s over 60 s is
     * far above the learned baseline of 503.4 rows/s (298% of it)") at clock time 1,255 s and resolves 120 s later.
     * Expected: no alert on a healthy run (e.g. the frozen span's rows spread over it, or the step seen and the
     * window restarted, as after a pause).
     */
    @Test
    void aClockThatStepsBackRaisesNoAlert() {
        Host h = new Host(job(52_000_008L, 500, 3_600, 0.5, 2, 0.10, -1, -1));
        h.sampleEvery(5, 1_200, 5);
        h.skew = -120;
        assertThatCode(() -> h.sampleEvery(1_200, 3_600, 5)).doesNotThrowAnyException();
        assertThat(h.fired()).as(show(h.events)).isEmpty();
    }

    /**
     * The host's scheduler is stuck for 10 minutes (no sample from 1,200 to 1,800 s) while rows keep coming: no
     * alert, neither a stall nor a spike when sampling resumes.
     */
    @Test
    void tenMinutesWithoutSamples() {
        Host h = new Host(job(52_000_009L, 500, 3_600, 0.5, 2, 0.10, -1, -1));
        h.sampleEvery(5, 1_200, 5);
        h.sampleEvery(1_800, 3_600, 5);
        assertThat(h.fired()).as(show(h.events)).isEmpty();
    }

    /** A job done in 2 s sampled every second, then success: no alert, nothing firing after the end. */
    @Test
    void aVeryFastJob() {
        Host h = new Host(job(52_000_010L, 10_000, 2, 0.1, 0.3, 0.10, -1, -1));
        h.sampleEvery(1, 3, 1);
        h.run.succeed();
        assertThat(h.fired()).as(show(h.events)).isEmpty();
        assertThat(h.monitor.active()).isEmpty();
    }

    /**
     * A declared throttle: {@code pause("throttle")} at 1,200 s with rows still coming at 30% of the rate until
     * 4,800 s, then {@code resume()} and the full rate again (500 rows/s, CV 10%), sampled every 1, 5 and 60 s: no
     * alert at all (the throttle is declared; the return to the full rate is not a spike).
     */
    @Test
    void aDeclaredThrottleAndItsEnd() {
        List<double[]> commits = job(52_000_011L, t -> t >= 1_200 && t < 4_800 ? 150 : 500, 7_200, 0.5, 2, 0.10, -1,
                -1);
        for (double every : new double[] {1, 5, 60}) {
            Host h = new Host(commits);
            h.sampleEvery(every, 1_200, every);
            h.to(1_200);
            h.run.pause("throttle");
            h.sampleEvery(1_200 + every, 4_800, every);
            h.to(4_800);
            h.run.resume();
            h.sampleEvery(4_800 + every, 7_200, every);
            assertThat(h.fired()).as("@%s: %s", every, show(h.events)).isEmpty();
        }
    }

    /**
     * The same throttle not declared, sampled every 1, 5, 15 and 60 s: the same verdicts at every interval (the set
     * of types fired, and whether {@code throughput_drop} fired within 10 minutes of the drop to 30%).
     */
    @Test
    void anUndeclaredDropGetsTheSameVerdictsAtEveryInterval() {
        List<double[]> commits = job(52_000_012L, t -> t >= 1_800 && t < 4_800 ? 150 : 500, 7_200, 0.5, 2, 0.10, -1,
                -1);
        Set<String> first = null;
        StringBuilder report = new StringBuilder();
        for (double every : new double[] {1, 5, 15, 60}) {
            Host h = new Host(commits);
            h.sampleEvery(every, 7_200, every);
            Set<String> types = new TreeSet<>();
            h.fired().forEach(e -> types.add(e.a().type()));
            double dropAt = h.fired().stream().filter(e -> e.a().type().equals("throughput_drop"))
                    .mapToDouble(Event::t).min().orElse(Double.NaN);
            report.append(String.format(Locale.ROOT, "@%.0fs %s drop after %.0f s; ", every, types, dropAt - 1_800));
            assertThat(dropAt - 1_800).as("%s %s", report, show(h.events)).isBetween(0.0, 600.0);
            if (first == null) {
                first = types;
            }
            assertThat(types).as("%s %s", report, show(h.events)).isEqualTo(first);
        }
        System.out.println("attack5 drop: " + report);
    }

    /**
     * Finding 4 (a false CRITICAL alert, and verdicts that depend on the interval): a healthy very slow job, one item
     * every 80-100 s (a blob migration, 200 items, rows = 1 per commit), seeds 52_000_013..17. Sampled every 1, 5 or
     * 15 s: no alert on any seed. Sampled every 60 s: a CRITICAL {@code stall} on every seed (5 of 5) early in the
     * run, e.g. seed 52_000_013 (commits at 97.3 and 194.9 s): "migration_rows_total stuck at 1 for 60 s (limit 60 s)"
     * at t=180 s, resolved at the next commit; then the rhythm is learned and nothing more fires. At 60 s the first
     * rows are seen at t=120 s, so the gap from the start (which teaches the rhythm at 5 s) is not seen as a gap, and
     * "stuck for 60 s" is one interval from the read that saw rows. Expected (issue 12: the same verdicts at 1 to 60 s,
     * a quiet low-volume stream is not a stall): no alert at every interval.
     */
    @Test
    @Disabled("finding 4: a healthy job committing every 80-100 s, sampled every 60 s, gets a CRITICAL stall early in"
            + " the run on 5 of 5 seeds (none at 1, 5, 15 s)")
    void aVerySlowHealthyJob() {
        StringBuilder report = new StringBuilder();
        int alerts = 0;
        for (long seed = 52_000_013L; seed <= 52_000_017L; seed++) {
            SplittableRandom r = new SplittableRandom(seed);
            List<double[]> commits = new ArrayList<>();
            double t = 0;
            for (int k = 0; k < 200; k++) {
                t += 80 + 20 * r.nextDouble();
                commits.add(new double[] {Math.round(t * 10) / 10.0, 1});
            }
            for (double every : new double[] {1, 5, 15, 60}) {
                Host h = new Host(commits);
                h.sampleEvery(every, t, every);
                alerts += h.fired().size();
                if (!h.fired().isEmpty()) {
                    report.append(String.format(Locale.ROOT, "%nseed %d @%.0fs (first commits %.1f, %.1f):", seed,
                            every, commits.get(0)[0], commits.get(1)[0])).append(show(h.fired()));
                }
            }
        }
        System.out.println("attack5 slow: " + alerts + " alerts" + report);
        assertThat(alerts).as("%s", report).isZero();
    }

    /**
     * Errors: a steady job (500 rows/s, 0.5-2 s batches) with 0.3% errors, blips of 0.8% for 30 s every 10 minutes,
     * and a burst of 3% errors at 2,400-3,000 s, sampled every 1, 5, 15 and 60 s: {@code high_error_rate} fires in
     * the burst within 60 s + 10 s + one interval (+5 s of batch granularity) of its start at every interval, and
     * nothing fires outside it (the blips stay below 1%).
     */
    @Test
    void errorBlipsAndAnErrorBurstAtEveryInterval() {
        SplittableRandom r = new SplittableRandom(52_000_020L);
        List<double[]> commits = new ArrayList<>();
        for (double[] c : job(52_000_021L, 500, 5_400, 0.5, 2, 0.10, -1, -1)) {
            double t = c[0];
            double p = t >= 2_400 && t < 3_000 ? 0.03 : (t % 600) < 30 ? 0.008 : 0.003;
            commits.add(new double[] {t, c[1], poisson(r, c[1] * p)});
        }
        StringBuilder report = new StringBuilder();
        for (double every : new double[] {1, 5, 15, 60}) {
            Host h = new Host(commits);
            h.sampleEvery(every, 5_400, every);
            double at = h.fired().stream().filter(e -> e.a().type().equals("high_error_rate")).mapToDouble(Event::t)
                    .min().orElse(Double.NaN);
            report.append(String.format(Locale.ROOT, "@%.0fs error burst fired after %.0f s; ", every, at - 2_400));
            assertThat(at - 2_400).as("@%s: %s", every, show(h.events)).isBetween(0.0, 60 + 10 + every + 5);
            assertThat(h.fired().stream().filter(e -> e.t() < 2_400 || e.t() > 3_000 + 60 + every))
                    .as("@%s: %s", every, show(h.events)).isEmpty();
            assertThat(h.fired()).as("@%s", every).allSatisfy(e -> assertThat(e.a().type())
                    .isEqualTo("high_error_rate"));
        }
        System.out.println("attack5 errors: " + report);
    }

    private static double poisson(SplittableRandom r, double mean) {
        double l = Math.exp(-mean);
        double p = 1;
        int k = 0;
        do {
            k++;
            p *= r.nextDouble();
        } while (p > l);
        return k - 1;
    }

    /**
     * A run fails while a stall fires (no rows from 600 s, failed at 900 s); the host retries at once with a new run
     * that goes well (500 rows/s, sampled every 5 s for an hour): the stall resolves at the failure, and nothing fires
     * in the retry (no stall carried over, the retry's start is not a spike).
     */
    @Test
    void failureDuringAStallThenRetry() {
        Host h = new Host(job(52_000_030L, 500, 900, 0.5, 2, 0.10, 600, 1e9));
        h.sampleEvery(5, 900, 5);
        assertThat(h.monitor.active()).extracting(Anomaly::type).contains("stall");
        h.to(900);
        h.run.fail(new IllegalStateException("connection reset"));
        assertThat(h.monitor.active()).isEmpty();
        int before = h.fired().size();
        List<double[]> retry = new ArrayList<>();
        for (double[] c : job(52_000_031L, 500, 3_600, 0.5, 2, 0.10, -1, -1)) {
            retry.add(new double[] {c[0] + 901, c[1]});
        }
        h.commits = retry;
        h.next = 0;
        h.run = h.migration.start();
        h.sampleEvery(905, 4_500, 5);
        assertThat(h.fired().subList(before, h.fired().size())).as(show(h.events)).isEmpty();
    }
}
