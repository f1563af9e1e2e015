package io.migmon.core.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Fifth independent attack on the ETA (issue 12): edge shapes a host meets, read through the public API
 * ({@link MigrationRun#sample()}, {@link MigrationRun#progress()}, the {@code migration.eta} gauge) on traces of this
 * file's own generator ({@link Job}: batch commits whose rows follow a rate function of time, log-normal noise per
 * batch), scored against the true remaining time (the time of the trace's last commit minus now). Tests that
 * reproduce a finding are {@code @Disabled("finding N: ...")}; the rest pin what held.
 */
class EtaAttack5Test {

    // ------------------------------------------------------------------------------------------------ generator

    /** Commits of a job: times (s) and rows; the job ends at its last commit. */
    static final class Job {
        final List<double[]> commits = new ArrayList<>();
        double end;
        long rows;

        /**
         * Rows follow {@code rate(t)} (rows/s), committed every U(bMin, bMax) s of work, each batch's rows times a
         * log-normal factor of coefficient of variation {@code cv}; a gap [gapFrom, gapTo) with no work at all.
         */
        static Job make(long seed, long total, DoubleUnaryOperator rate, double bMin, double bMax, double cv,
                        double start, double gapFrom, double gapTo) {
            SplittableRandom r = new SplittableRandom(seed);
            double s = Math.sqrt(Math.log(1 + cv * cv));
            Job j = new Job();
            double t = start;
            double carry = 0;
            while (j.rows < total) {
                double d = bMin + (bMax - bMin) * r.nextDouble();
                if (t < gapTo && t + d > gapFrom) {
                    t = gapTo; // work stops for the gap; the batch in flight restarts after it
                }
                double u = 1 - r.nextDouble();
                double z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
                carry += rate.applyAsDouble(t + d / 2) * d * Math.exp(s * z - s * s / 2);
                t += d;
                long n = Math.min((long) carry, total - j.rows);
                carry -= n;
                if (n > 0) {
                    j.rows += n;
                    j.commits.add(new double[] {t, n});
                }
            }
            j.end = t;
            return j;
        }
    }

    // ---------------------------------------------------------------------------------------------------- host

    record Read(double t, long done, double eta, double gauge, ProgressSnapshot.State state) {
        double err(double truth) {
            return Double.isNaN(eta) ? Double.POSITIVE_INFINITY : Math.abs(eta - truth) / truth;
        }
    }

    /** A host: a clock in seconds since start, one migration and run; commits are recorded as time passes. */
    static final class Host {
        final MutableClock clock = MutableClock.epoch();
        final SimpleMeterRegistry registry = new SimpleMeterRegistry();
        final ObservableMigration migration;
        MigrationRun run;
        Job job;
        int next;
        double now;      // true time, s
        double skew;     // clock minus true time, s
        final List<Read> reads = new ArrayList<>();

        Host(Job job, long declared) {
            migration = ObservableMigration.builder("eta5").meterRegistry(registry).clock(clock).build();
            run = migration.start();
            this.job = job;
            if (declared >= 0) {
                run.expectRows(declared);
            }
        }

        void to(double t) {
            while (next < job.commits.size() && job.commits.get(next)[0] <= t) {
                set(job.commits.get(next)[0]);
                run.recordRows("t", (long) job.commits.get(next)[1]);
                next++;
            }
            set(t);
        }

        private void set(double t) {
            long target = Math.round((t + skew) * 1000);
            long cur = clock.millis() - MutableClock.epoch().millis();
            clock.advanceMillis(target - cur);
            now = t;
        }

        double gauge() {
            Gauge g = registry.find("migration.eta").gauge();
            return g == null ? Double.NaN : g.value();
        }

        Read sample() {
            ProgressSnapshot s = run.sample();
            Read r = new Read(now, s.rowsDone(), s.etaSeconds(), gauge(), s.state());
            reads.add(r);
            return r;
        }

        /** Samples every {@code every} s from {@code from} to {@code until} (exclusive). */
        void sampleEvery(double from, double until, double every) {
            for (double t = from; t < until - 1e-9; t += every) {
                to(t);
                sample();
            }
        }
    }

    static String show(List<Read> rs) {
        StringBuilder sb = new StringBuilder();
        for (Read r : rs) {
            sb.append(String.format(Locale.ROOT, " t=%.0f eta=%.0f %s;", r.t(), r.eta(), r.state()));
        }
        return sb.toString();
    }

    static Job steady(long seed, long total) {
        return Job.make(seed, total, t -> 500, 0.5, 2, 0.10, 0, -1, -1);
    }

    /** Reads in [from, to) RUNNING more than {@code tol} off the truth {@code end - t}. */
    static List<String> off(Host h, double end, double from, double to, double tol) {
        List<String> bad = new ArrayList<>();
        for (Read r : h.reads) {
            if (r.t() >= from && r.t() < to) {
                double truth = end - r.t();
                if (r.err(truth) > tol) {
                    bad.add(String.format(Locale.ROOT, "t=%.0f eta=%.0f truth=%.0f %s", r.t(), r.eta(), truth,
                            r.state()));
                }
            }
        }
        return bad;
    }

    // ---------------------------------------------------------------------------------------------------- findings

    /**
     * Finding 1 (wrong ETA, high): a run resumed after a process restart. The host declares the job's total (1,000,000
     * rows) and records the 400,000 rows its checkpoint says are done at once, then goes on at 500 rows/s (truth:
     * 1,200 s left). The checkpoint's rows are taken for work of the first read interval ("a faster first interval is
     * kept: no work began before the start"), so the rate counts the checkpoint as work of this run: read every 5 s,
     * the ETA says 80 s at t=60 s (truth 1,138 s, 93% low), 201 s at t=200 s (truth 998 s), 256 s at t=340 s (truth
     * 858 s) and is more than 15% low on 216 reads, to t=1,135 s (37 s for 63 s), i.e. for the whole run. The same
     * with a read at the start before the checkpoint, and read every 60 s ({@code aRunResumedAfterARestartVariants}):
     * 245 s at t=300 s for a truth of 898 s in all four; every read from t=120 s to 2 minutes before the end more
     * than 15% low (192 reads at 5 s, 16 at 60 s). Expected: within 15% once 60 s of new rows are seen (the rows recorded before the
     * first rows of work are not work of this run), or a documented way to start a run with rows already done.
     */
    @Test
    @Disabled("finding 1: rows already done recorded at a restart are taken for work: ETA 80 s for a truth of"
            + " 1,138 s at t=60 s, > 15% low for the whole run (kept: through recordRows a checkpoint is a fast first"
            + " interval; the remedy is MigrationRun.recordRowsAlreadyDone, held below)")
    void aRunResumedAfterARestartWithRowsAlreadyDone() {
        Job rest = Job.make(51_000_001L, 600_000, t -> 500, 0.5, 2, 0.10, 1, -1, -1);
        Host h = new Host(new Job(), 1_000_000);
        h.job = rest;
        h.to(0.2);
        h.run.recordRows("t", 400_000); // the checkpoint: done by the process before the restart
        h.sampleEvery(5, rest.end, 5);
        assertThat(off(h, rest.end, 60, rest.end - 60, 0.15)).as("reads > 15%% off").isEmpty();
    }

    /**
     * Finding 1's remedy (2026-11-28): the same restart with the checkpoint's rows declared through
     * {@link io.migmon.core.MigrationRun#recordRowsAlreadyDone(long)} instead of {@code recordRows}: within 15% from
     * 60 s (5 s reads) and from 120 s (60 s reads, with and without a read before the checkpoint), and the rows done
     * include the checkpoint. The finding's own tests stay disabled: through {@code recordRows} the checkpoint is
     * indistinguishable from a fast first interval (kept on purpose by the cold-start rule).
     */
    @Test
    void aRunResumedAfterARestartDeclaringTheCheckpointAsAlreadyDone() {
        List<String> bad = new ArrayList<>();
        for (double every : new double[] {5, 60}) {
            for (boolean readFirst : new boolean[] {false, true}) {
                Job rest = Job.make(51_000_001L, 600_000, t -> 500, 0.5, 2, 0.10, 1, -1, -1);
                Host h = new Host(new Job(), 1_000_000);
                h.job = rest;
                if (readFirst) {
                    h.sample();
                }
                h.to(0.2);
                h.run.recordRowsAlreadyDone(400_000);
                h.sampleEvery(every, rest.end, every);
                double from = every == 5 ? 60 : 120;
                List<String> off = off(h, rest.end, from, rest.end - from, 0.15);
                if (!off.isEmpty()) {
                    bad.add("@" + every + " readFirst=" + readFirst + ": " + off);
                }
                long fed = 0;
                for (int k = 0; k < h.next; k++) {
                    fed += (long) rest.commits.get(k)[1];
                }
                assertThat(h.run.progress().rowsDone()).as("done includes the checkpoint").isEqualTo(400_000 + fed);
            }
        }
        assertThat(bad).isEmpty();
    }

    /** Held: the same restart declared as the rows left (600,000) with no checkpoint rows: within 15% from 60 s. */
    @Test
    void aRunResumedAfterARestartDeclaringTheRowsLeft() {
        Job rest = Job.make(51_000_001L, 600_000, t -> 500, 0.5, 2, 0.10, 1, -1, -1);
        Host h = new Host(rest, 600_000);
        h.sampleEvery(5, rest.end, 5);
        assertThat(off(h, rest.end, 60, rest.end - 60, 0.15)).isEmpty();
    }

    // ---------------------------------------------------------------------------------------------------- held up

    /**
     * A declared total changed mid-run (the host learns at 50% that the table has twice the rows): within 15% from
     * 30 s after the change. A total too small: no ETA (NaN) while rows come past it, 0 at success in both readers.
     */
    @Test
    void aDeclaredTotalThatChangesOrIsTooSmall() {
        Job j = steady(51_000_002L, 1_000_000);
        Host h = new Host(j, 500_000);
        double change = -1;
        for (double t = 5; t < j.end; t += 5) {
            h.to(t);
            if (change < 0 && h.run.progress().rowsDone() >= 250_000) {
                h.run.expectRows(1_000_000);
                change = t;
            }
            h.sample();
        }
        assertThat(change).isPositive();
        assertThat(off(h, j.end, change + 30, j.end - 60, 0.15)).isEmpty();

        Job k = steady(51_000_003L, 1_000_000);
        Host g = new Host(k, 800_000);
        g.sampleEvery(5, k.end, 5);
        assertThat(g.reads.stream().filter(r -> r.done() > 800_000))
                .isNotEmpty().allSatisfy(r -> {
                    assertThat(r.eta()).isNaN();
                    assertThat(r.gauge()).isNaN();
                });
        g.to(k.end + 1);
        g.run.succeed();
        assertThat(g.run.progress().etaSeconds()).isZero();
        assertThat(g.gauge()).isZero();
    }

    /** recordRows with 0, negative and Long.MIN_VALUE: ignored, nothing thrown, the ETA unchanged. */
    @Test
    void zeroAndNegativeRowsAreIgnored() {
        Job j = steady(51_000_004L, 300_000);
        Host h = new Host(j, 300_000);
        h.sampleEvery(5, 120, 5);
        long before = h.run.progress().rowsDone();
        assertThatCode(() -> {
            h.run.recordRows("t", 0);
            h.run.recordRows("t", -5);
            h.run.recordRows("t", Long.MIN_VALUE);
            h.run.rowCounter("t").add(-1_000);
            h.run.recordRows(null, -1);
        }).doesNotThrowAnyException();
        assertThat(h.run.progress().rowsDone()).isEqualTo(before);
        h.sampleEvery(120, j.end, 5);
        assertThat(off(h, j.end, 120, j.end - 60, 0.15)).isEmpty();
    }

    /**
     * Sampled twice at the same instant: the same answer; read not at all for 10 minutes (the host's scheduler was
     * stuck): the first read after is within 15%; a first read only at 10 minutes gives an ETA at once, within 15%.
     */
    @Test
    void sameInstantAndTenMinutesWithoutReads() {
        Job j = steady(51_000_005L, 1_200_000);
        Host h = new Host(j, 1_200_000);
        h.sampleEvery(5, 300, 5);
        Read a = h.sample();
        Read b = h.sample();
        assertThat(b.eta()).isEqualTo(a.eta());
        assertThat(b.gauge()).isEqualTo(a.eta());
        h.to(900);
        Read late = h.sample();
        assertThat(late.err(j.end - 900)).as("%s", late).isLessThanOrEqualTo(0.15);
        h.sampleEvery(905, j.end, 5);
        assertThat(off(h, j.end, 300, j.end - 60, 0.15)).isEmpty();

        Host g = new Host(steady(51_000_006L, 1_200_000), 1_200_000);
        g.to(600);
        Read first = g.sample();
        assertThat(first.err(g.job.end - 600)).as("%s", first).isLessThanOrEqualTo(0.15);
    }

    /**
     * Finding 2 (wrong ETA, medium): the wall clock steps back 2 minutes at t=600 s (an NTP correction) in a steady
     * job (500 rows/s) read every 5 s. Nothing is thrown, but reads are clamped to the last read's time until the
     * clock has caught up, so 2 minutes of rows land in no time: at t=660 s the ETA says 261 s for a truth of
     * 2,333 s (89% low), 90 s at t=710 s (96% low), and the regime's rate keeps the frozen time: still 15-17% low at
     * t=1,280-1,380 s (13 minutes later; 145 reads more than 15% off). Without the pause()/resume() at the step
     * ({@code aClockThatStepsBackWithoutAPause}): 437 s at t=660 s, 248 s for 2,278 s at t=715 s (89% low), 145 reads
     * more than 15% off, to t=1,380 s. Expected: a backward step costs no more than the time it hides
     * (e.g. reads in the frozen span ignored for the rate, or the clock's step taken as elapsed time on the next read),
     * within 15% from 60 s after the step.
     */
    @Test
    void aClockThatStepsBack() {
        clockStepsBack(true);
    }

    /** Finding 2 without pause()/resume() at the step. */
    @Test
    void aClockThatStepsBackWithoutAPause() {
        clockStepsBack(false);
    }

    private static void clockStepsBack(boolean pause) {
        Job j = steady(51_000_007L, 1_500_000);
        Host h = new Host(j, 1_500_000);
        h.sampleEvery(5, 600, 5);
        h.skew = -120;
        h.to(600);
        assertThatCode(() -> {
            h.sample();
            if (pause) {
                h.run.pause("x");
                h.run.resume();
            }
            h.sample();
        }).doesNotThrowAnyException();
        h.sampleEvery(605, j.end, 5);
        assertThat(off(h, j.end, 660, j.end - 60, 0.15)).isEmpty();
    }

    /**
     * pause() twice keeps the first reason; resume() without a pause does nothing; a pause declared during a stall
     * (no rows from 600 to 1,200 s, paused 800-1,000 s): PAUSED while paused, STALLED with no ETA before and after it
     * until rows come, and within 15% 60 s after they come again.
     */
    @Test
    void pauseTwiceResumeWithoutPauseAndAPauseDuringAStall() {
        Job j = Job.make(51_000_008L, 1_000_000, t -> 500, 0.5, 2, 0.10, 0, 600, 1_200);
        Host h = new Host(j, 1_000_000);
        h.run.resume();
        assertThat(h.run.paused()).isEmpty();
        h.sampleEvery(5, 800, 5);
        h.run.pause("first");
        h.run.pause("second");
        assertThat(h.run.paused()).contains("first");
        h.sampleEvery(800, 1_000, 5);
        h.run.resume();
        h.run.resume();
        h.sampleEvery(1_000, j.end, 5);
        for (Read r : h.reads) {
            if (r.t() >= 800 && r.t() < 1_000) {
                assertThat(r.state()).as("t=%s", r.t()).isEqualTo(ProgressSnapshot.State.PAUSED);
            } else if ((r.t() >= 700 && r.t() < 800) || (r.t() >= 1_000 && r.t() < 1_200)) {
                assertThat(r.state()).as("t=%s", r.t()).isEqualTo(ProgressSnapshot.State.STALLED);
                assertThat(r.eta()).isNaN();
                assertThat(r.gauge()).isNaN();
            }
        }
        assertThat(off(h, j.end, 1_260, j.end - 60, 0.15)).isEmpty();
    }

    /**
     * A run fails at 30%, the host retries from scratch with a new run: the gauge follows the new run (NaN at the
     * failure, then the new run's ETA, equal to progress()), within 15% from 60 s into the retry.
     */
    @Test
    void failureThenRetry() {
        Job j = steady(51_000_009L, 1_000_000);
        Host h = new Host(j, 1_000_000);
        for (double t = 5; h.run.progress().rowsDone() < 300_000; t += 5) {
            h.to(t);
            h.sample();
        }
        h.run.fail(new IllegalStateException("boom"));
        assertThat(h.gauge()).isNaN();
        double t0 = h.now;
        Job retry = Job.make(51_000_010L, 1_000_000, t -> 500, 0.5, 2, 0.10, t0 + 2, -1, -1);
        h.run = h.migration.start();
        h.run.expectRows(1_000_000);
        h.job = retry;
        h.next = 0;
        List<Read> before = new ArrayList<>(h.reads);
        h.reads.clear();
        h.sampleEvery(t0 + 5, retry.end, 5);
        assertThat(before).isNotEmpty();
        assertThat(h.reads).allSatisfy(r -> assertThat(Double.valueOf(r.gauge())).isEqualTo(Double.valueOf(r.eta())));
        assertThat(off(h, retry.end, t0 + 60, retry.end - 60, 0.15)).isEmpty();
    }

    /** A job done in 2 s read every second: nothing thrown, ETA 0 at success in progress() and the gauge. */
    @Test
    void aVeryFastJob() {
        Job j = Job.make(51_000_011L, 20_000, t -> 10_000, 0.1, 0.3, 0.10, 0.1, -1, -1);
        Host h = new Host(j, 20_000);
        h.sampleEvery(1, j.end, 1);
        h.to(j.end);
        h.run.succeed();
        h.sample();
        assertThat(h.run.progress().state()).isEqualTo(ProgressSnapshot.State.SUCCEEDED);
        assertThat(h.run.progress().etaSeconds()).isZero();
        assertThat(h.gauge()).isZero();
    }

    /**
     * Counts near Long.MAX_VALUE: a declared total of Long.MAX_VALUE - 1 and 10^16 rows/s: nothing thrown, the ratio
     * in [0, 1] and the ETA within 15% of the truth 60 s in.
     */
    @Test
    void hugeCounts() {
        long total = Long.MAX_VALUE - 1;
        Host h = new Host(new Job(), total);
        for (int s = 1; s <= 120; s++) {
            h.to(s);
            h.run.recordRows("t", 10_000_000_000_000_000L);
            h.sample();
        }
        Read last = h.reads.get(h.reads.size() - 1);
        double truth = (total - last.done()) / 1e16;
        assertThat(h.run.progress().ratio()).isBetween(0.0, 1.0);
        assertThat(last.err(truth)).as("%s truth %s", last, truth).isLessThanOrEqualTo(0.15);
    }

    /**
     * Finding 3 (wrong ETA, medium; a shape the issue names for the detectors, not for the ETA): a 3-day job with a
     * diurnal load (500 rows/s +-60% over 24 h, CV 15%, 2-8 s batches), read once a minute. The change-of-level and
     * ramp tests take each daily swing for a new level, so the ETA follows the rate of the hour: its worst error from
     * 10% to 90% done is 137% (t=153,060 s, in a trough: 253,637 s for a truth of 107,185 s), where the naive
     * cumulative average's worst is 43% (95,642 s there). Expected (the issue's "never worse than the cumulative
     * average"): no more than 5 points worse than it. Note the
     * truth depends on load to come, which neither estimate knows; a seasonal rate model would.
     *
     * <p>Before: a 3-day job with a diurnal load (500 rows/s +-60% over 24 h, CV 15%, 2-8 s batches), read once a minute: the
     * ETA from 10% to 90% done is never worse than the naive cumulative average by more than 5 points (the truth
     * depends on the load to come, which neither knows; the cumulative average spans whole days).
     */
    @Test
    @Disabled("finding 3: a 3-day diurnal job: ETA worst 137% off (in a trough), the cumulative average 43%")
    void aMultiDayJobWithADiurnalLoad() {
        Job j = Job.make(51_000_012L, 130_000_000L, t -> 500 * (1 + 0.6 * Math.sin(2 * Math.PI * t / 86_400)), 2, 8,
                0.15, 0, -1, -1);
        Host h = new Host(j, j.rows);
        h.sampleEvery(60, j.end, 60);
        double worst = 0;
        double cumWorst = 0;
        String at = "";
        for (Read r : h.reads) {
            double frac = r.done() / (double) j.rows;
            if (frac < 0.1 || frac > 0.9) {
                continue;
            }
            double truth = j.end - r.t();
            double cum = (j.rows - r.done()) / (r.done() / r.t());
            double ce = Math.abs(cum - truth) / truth;
            cumWorst = Math.max(cumWorst, ce);
            if (r.err(truth) > worst) {
                worst = r.err(truth);
                at = String.format(Locale.ROOT, "t=%.0f eta=%.0f truth=%.0f cum=%.0f", r.t(), r.eta(), truth, cum);
            }
        }
        System.out.printf(Locale.ROOT, "diurnal: job %.0f s, worst %.1f%% (%s), cumulative worst %.1f%%%n", j.end,
                worst * 100, at, cumWorst * 100);
        assertThat(worst).as("worst at %s; cumulative worst %s", at, cumWorst).isLessThanOrEqualTo(cumWorst + 0.05);
    }

    /**
     * A host that records each table's rows once the table is copied (12 tables of 100,000 rows, each taking 300 s
     * +-20%), sampled every 5 s: the ETA from 25% done (3 tables seen) is never more than 5 points worse than the
     * cumulative average, and no read between two table commits is STALLED once two table gaps were seen.
     */
    @Test
    void rowsRecordedOncePerTable() {
        for (double every : new double[] {1, 5, 60}) {
            rowsRecordedOncePerTable(every);
        }
    }

    private static void rowsRecordedOncePerTable(double every) {
        SplittableRandom r = new SplittableRandom(51_000_013L);
        Job j = new Job();
        double t = 0;
        for (int k = 0; k < 12; k++) {
            t += 300 * (0.8 + 0.4 * r.nextDouble());
            j.commits.add(new double[] {Math.round(t * 10) / 10.0, 100_000});
            j.rows += 100_000;
        }
        j.end = t;
        Host h = new Host(j, j.rows);
        h.sampleEvery(every, j.end, every);
        List<String> bad = new ArrayList<>();
        List<String> stalled = new ArrayList<>();
        double thirdCommit = j.commits.get(2)[0];
        for (Read rd : h.reads) {
            double truth = j.end - rd.t();
            double cum = (j.rows - rd.done()) / (rd.done() / rd.t());
            double ce = rd.done() == 0 ? Double.POSITIVE_INFINITY : Math.abs(cum - truth) / truth;
            if (rd.done() >= 0.25 * j.rows && rd.done() < 0.9 * j.rows && rd.err(truth) > ce + 0.05) {
                bad.add(String.format(Locale.ROOT, "t=%.0f eta=%.0f truth=%.0f cum=%.0f %s", rd.t(), rd.eta(), truth,
                        cum, rd.state()));
            }
            if (rd.t() > thirdCommit && rd.state() == ProgressSnapshot.State.STALLED) {
                stalled.add(String.format(Locale.ROOT, "t=%.0f", rd.t()));
            }
        }
        assertThat(stalled).as("@%s: STALLED reads after the third table", every).isEmpty();
        assertThat(bad).as("@%s: reads > 5 points worse than the cumulative average", every).isEmpty();
    }

    /**
     * A 2-hour stall at ~30% done read every 15 s: STALLED with no ETA through it (from 60 s in), and the ETA within
     * 15% from 60 s after the rows come again. A pause ended by a success: ETA 0 in progress() and the gauge; by a
     * failure: NaN in both.
     */
    @Test
    void aLongStallAndEndsWhilePaused() {
        Job j = Job.make(51_000_014L, 1_500_000, tt -> 500, 0.5, 2, 0.10, 0, 900, 8_100);
        Host h = new Host(j, 1_500_000);
        h.sampleEvery(15, j.end, 15);
        assertThat(h.reads.stream().filter(rd -> rd.t() >= 960 && rd.t() < 8_100)).isNotEmpty().allSatisfy(rd -> {
            assertThat(rd.state()).isEqualTo(ProgressSnapshot.State.STALLED);
            assertThat(rd.eta()).isNaN();
        });
        assertThat(off(h, j.end, 8_160, j.end - 60, 0.15)).isEmpty();

        for (boolean success : new boolean[] {true, false}) {
            Host p = new Host(steady(51_000_015L, 600_000), 600_000);
            p.sampleEvery(5, 300, 5);
            p.run.pause("maintenance");
            p.sampleEvery(300, 400, 5);
            if (success) {
                p.run.succeed();
                assertThat(p.run.progress().etaSeconds()).isZero();
                assertThat(p.gauge()).isZero();
            } else {
                p.run.fail(new IllegalStateException("x"));
                assertThat(p.run.progress().etaSeconds()).isNaN();
                assertThat(p.gauge()).isNaN();
            }
        }
    }

    /**
     * The wall clock steps forward 10 minutes at t=1,200 s (an NTP correction; the rows do not stop), read every 5 s
     * and, separately, at irregular times (1-20 s, now and then 45 s late): the ETA is within 15% of the true
     * remaining time from 60 s after the step.
     */
    @Test
    void aClockThatStepsForward() {
        for (boolean irregular : new boolean[] {false, true}) {
            Job j = steady(51_000_016L, 1_500_000);
            Host h = new Host(j, 1_500_000);
            SplittableRandom r = new SplittableRandom(51_000_017L);
            double t = 0;
            while (t < j.end) {
                t += irregular ? (r.nextDouble() < 0.03 ? 45 : 1 + 19 * r.nextDouble()) : 5;
                if (t >= 1_200 && h.skew == 0) {
                    h.to(1_200);
                    h.skew = 600;
                }
                h.to(t);
                h.sample();
            }
            assertThat(off(h, j.end, 1_260, j.end - 60, 0.15)).as("irregular %s", irregular).isEmpty();
        }
    }

    /**
     * A very slow job: 200 items, one every 80-100 s (5 hours), read every 5 and every 60 s: after the third item no read is
     * STALLED and the ETA from 10% to 90% done is within 15% of the truth.
     */
    @Test
    void aVerySlowJob() {
        aVerySlowJob(5);
        aVerySlowJob(60);
    }

    private static void aVerySlowJob(double every) {
        SplittableRandom r = new SplittableRandom(51_000_018L);
        Job j = new Job();
        double t = 0;
        for (int k = 0; k < 200; k++) {
            t += 80 + 20 * r.nextDouble();
            j.commits.add(new double[] {Math.round(t * 10) / 10.0, 1});
            j.rows++;
        }
        j.end = t;
        Host h = new Host(j, 200);
        h.sampleEvery(every, j.end, every);
        double third = j.commits.get(2)[0];
        assertThat(h.reads.stream().filter(rd -> rd.t() > third && rd.state() == ProgressSnapshot.State.STALLED)
                .map(rd -> rd.t()).toList()).as("@%s", every).isEmpty();
        List<String> bad = new ArrayList<>();
        for (Read rd : h.reads) {
            double truth = j.end - rd.t();
            if (rd.done() >= 20 && rd.done() <= 180 && rd.err(truth) > 0.15) {
                bad.add(String.format(Locale.ROOT, "t=%.0f eta=%.0f truth=%.0f", rd.t(), rd.eta(), truth));
            }
        }
        assertThat(bad).as("@%s", every).isEmpty();
    }

    /**
     * Finding 1's variants: a read at once at the start (0 rows) before the checkpoint is recorded, and reads every
     * 60 s; every read from t=120 s to 2 minutes before the end is more than 15% low in all four.
     */
    @Test
    @Disabled("finding 1: variants of the restart with a checkpoint")
    void aRunResumedAfterARestartVariants() {
        List<String> bad = new ArrayList<>();
        for (double every : new double[] {5, 60}) {
            for (boolean readFirst : new boolean[] {false, true}) {
                Job rest = Job.make(51_000_001L, 600_000, t -> 500, 0.5, 2, 0.10, 1, -1, -1);
                Host h = new Host(new Job(), 1_000_000);
                h.job = rest;
                if (readFirst) {
                    h.sample();
                }
                h.to(0.5);
                h.run.recordRows("t", 400_000);
                h.sampleEvery(every, rest.end, every);
                List<String> off = off(h, rest.end, 120, rest.end - 120, 0.15);
                Read at = h.reads.stream().filter(r -> r.t() >= 300).findFirst().orElseThrow();
                String line = String.format(Locale.ROOT, "@%.0fs readFirst=%s: %d reads > 15%% off; t=%.0f eta=%.0f"
                        + " truth=%.0f", every, readFirst, off.size(), at.t(), at.eta(), rest.end - at.t());
                System.out.println("attack5 restart " + line);
                if (!off.isEmpty()) {
                    bad.add(line);
                }
            }
        }
        assertThat(bad).isEmpty();
    }
}
