package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.progress.ProgressSnapshot;
import io.migmon.core.testing.MutableClock;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Third independent attack on anomaly detection and the ETA (issue 12), on {@link Attack3Sim} traces the project
 * never saw, driven through {@link ObservableMigration} / {@link MigrationRun#sample()} as a host does. Tests that
 * reproduce a finding are {@code @Disabled("finding N: ...")}; the rest pin what held up.
 */
class AnomalyAttack3Test {

    private static List<Attack3Sim.Fired> firings(Attack3Sim.Run run) {
        return run.fired.stream().filter(f -> f.state() == Anomaly.State.FIRING).collect(Collectors.toList());
    }

    private static Attack3Sim.Run twoDays(double troughOfPeak, double interval, boolean lowThroughput) {
        Attack3Sim.Spec spec = new Attack3Sim.Spec(4242);
        spec.seconds = 2 * 86_400;
        spec.randomEvents = false;
        spec.diurnal = true;
        spec.diurnalPeriod = 86_400;
        spec.diurnalDepth = 1 - troughOfPeak;
        spec.cv = 0.20;
        spec.tau = 60;
        spec.rate = 300;
        Attack3Sim.Trace tr = Attack3Sim.generate(spec);
        return Attack3Sim.feed(tr, Attack3Sim.schedule(tr.seconds, interval, 99), lowThroughput, 0,
                Double.POSITIVE_INFINITY);
    }

    /**
     * Two days of a healthy stream with a real 24 h cycle, CV 20% correlated over 60 s: the default detectors stay
     * quiet with a trough at 60% of the peak, and {@code low_throughput} (expected = the peak) with one at 70%.
     */
    @Test
    void aDiurnalCycleOverTwoDaysRaisesNothing() {
        for (double interval : new double[] {15, 60}) {
            assertThat(firings(twoDays(0.6, interval, false))).as("defaults, trough 60%%, %s s", interval).isEmpty();
            assertThat(firings(twoDays(0.7, interval, true))).as("low_throughput, trough 70%%, %s s", interval)
                    .isEmpty();
        }
    }

    /**
     * Finding 3: on the same two days with the trough at 60% of the expected (peak) rate, {@code low_throughput}
     * fires 5 times in 48 h at 5 and 15 s (0.10 an hour; the bar is 0.05), 2 at 60 s: noise correlated over a minute
     * takes the 2-minute rate below half for a minute now and then during a trough hours long. Fixed 2026-11-27:
     * default ratio 0.4 with relative noise applied at the limit.
     */
    @Test
    void lowThroughputStaysQuietOnADailyTroughAt60Percent() {
        assertThat(firings(twoDays(0.6, 15, true))).isEmpty();
    }

    private static Attack3Sim.Run slide(double slide, double interval) {
        Attack3Sim.Spec spec = new Attack3Sim.Spec(777 + (long) slide);
        spec.seconds = 3 * 3600;
        spec.randomEvents = false;
        spec.randomDiurnal = false;
        spec.cv = 0.15;
        spec.tau = 20;
        spec.rate = 800;
        int steps = 20;
        for (int i = 0; i < steps; i++) { // staircase approximation of a linear slide 1.0 -> 0.3
            spec.rateSteps.add(new double[] {SLIDE_START + slide * i / steps, SLIDE_START + slide * (i + 1) / steps,
                    1 - 0.7 * (i + 1) / steps});
        }
        spec.rateSteps.add(new double[] {SLIDE_START + slide, SLIDE_START + slide + 900, 0.3});
        Attack3Sim.Trace tr = Attack3Sim.generate(spec);
        return Attack3Sim.feed(tr, Attack3Sim.schedule(tr.seconds, interval, 5), false, 0, Double.POSITIVE_INFINITY);
    }

    private static final double SLIDE_START = 3600;

    /** A drop that slides in over 5 or 10 minutes (not a step) to 30% for 15 minutes is still a drop. */
    @Test
    void aGradualSlideIntoADropIsSeen() {
        for (double slide : new double[] {300, 600}) {
            for (double interval : new double[] {5, 60}) {
                assertThat(firings(slide(slide, interval))).as("slide %s s at %s s", slide, interval)
                        .anyMatch(f -> f.type().equals("throughput_drop") && f.at() > SLIDE_START
                                && f.at() < SLIDE_START + slide + 900 + 2 * interval)
                        .noneMatch(f -> f.type().equals("throughput_spike"));
            }
        }
    }

    /**
     * Finding 2: the same slide over 20 minutes (rate 1.0 -> 0.3 of 800 rows/s, then 15 minutes at 30%, CV 15%) is
     * learned: no {@code throughput_drop} at all, and the return to the normal rate fires {@code throughput_spike}
     * ("886.5 rows/s ... far above the learned baseline of 390.5 rows/s (227% of it)"). Fixed 2026-11-27: the long
     * reference level of the throughput baseline.
     */
    @Test
    void aTwentyMinuteSlideIntoADropIsADropAndItsRecoveryIsNotASpike() {
        List<Attack3Sim.Fired> f = firings(slide(1200, 5));
        assertThat(f).anyMatch(a -> a.type().equals("throughput_drop"));
        assertThat(f).noneMatch(a -> a.type().equals("throughput_spike"));
    }

    /**
     * A host sampling every second whose sampler thread is held 45 s (a GC pause in the host) on a healthy busy
     * stream: nothing fires (the next sample shows progress).
     */
    @Test
    void aSamplerHeldUpFor45SecondsIsNotAStall() {
        Attack3Sim.Spec spec = new Attack3Sim.Spec(31);
        spec.seconds = 3600;
        spec.randomEvents = false;
        spec.randomDiurnal = false;
        spec.rate = 2000;
        spec.cv = 0.1;
        Attack3Sim.Trace tr = Attack3Sim.generate(spec);
        double[] sched = java.util.stream.DoubleStream.iterate(1, t -> t < 3600, t -> t < 1800 || t >= 1845 ? t + 1
                : 1846).toArray();
        Attack3Sim.Run run = Attack3Sim.feed(tr, sched, true, 0, Double.POSITIVE_INFINITY);
        assertThat(firings(run)).isEmpty();
    }

    private static Attack3Sim.Run steadyJob(double seconds, double leadIn, long total, double interval) {
        Attack3Sim.Spec spec = new Attack3Sim.Spec(55);
        spec.seconds = seconds;
        spec.randomEvents = false;
        spec.randomDiurnal = false;
        spec.rate = 1000;
        spec.cv = 0.05;
        spec.tau = 5;
        spec.batchMax = 1;
        spec.gcMax = 1.5;
        if (leadIn > 0) {
            spec.stalls.add(new double[] {0, leadIn});
        }
        Attack3Sim.Trace tr = Attack3Sim.generate(spec);
        return Attack3Sim.feed(tr, Attack3Sim.schedule(seconds, interval, 3), false, total, seconds);
    }

    /** Terminal statuses: the gauge and progress() agree (0 after success below the total, NaN after fail/abort). */
    @Test
    void terminalStatusesAreConsistentInGaugeAndProgress() {
        for (String end : List.of("succeed", "fail", "abort", "close")) {
            Attack3Sim.Run run = steadyJob(600, 0, 1_000_000, 5); // ~60% done after 600 s
            switch (end) {
                case "succeed" -> run.run.succeed();
                case "fail" -> run.run.fail(new IllegalStateException("boom"));
                case "abort" -> run.run.abort("operator");
                default -> run.run.close();
            }
            for (int i = 0; i < 3; i++) {
                run.clock.advanceSeconds(120);
                ProgressSnapshot p = run.run.progress();
                double g = run.gauge();
                if (end.equals("succeed")) {
                    assertThat(p.etaSeconds()).as(end).isZero();
                    assertThat(g).as(end).isZero();
                    assertThat(p.state()).isEqualTo(ProgressSnapshot.State.SUCCEEDED);
                } else {
                    assertThat(p.etaSeconds()).as(end).isNaN();
                    assertThat(g).as(end).isNaN();
                    assertThat(p.state()).isEqualTo(ProgressSnapshot.State.ENDED);
                }
            }
        }
    }

    /**
     * Cold start with a lead-in longer than one read (20 s of nothing, e.g. opening cursors, before 1,000 rows/s):
     * at 10% done the ETA should be within 15% of the truth.
     */
    @Test
    void aColdStartWithA20SecondLeadInIsWithin15PercentAt10PercentDone() {
        long total = 300_000; // ~300 s of work after a 20 s lead-in
        Attack3Sim.Run run = steadyJob(360, 20, total, 1);
        double finish = run.reads.stream().filter(r -> r[1] >= total).mapToDouble(r -> r[0]).min().orElse(320);
        double[] at10 = run.reads.stream().filter(r -> r[1] >= 0.10 * total).findFirst().orElseThrow();
        double truth = finish - at10[0];
        assertThat(Math.abs(at10[2] - truth) / truth).as("ETA %.0f s vs truth %.0f s at t=%.0f", at10[2], truth, at10[0])
                .isLessThan(0.15);
    }

    /**
     * 1,000 rows/s committed every second, read every second, a GC pause (no commit) of {@code gc} seconds every
     * 2 minutes (the brief's 1-15 s). Returns the worst relative ETA error and the number of NaN reads in state
     * RUNNING over the reads between 10% and 90% done.
     */
    static double[] gcPauses(double gc, double readEvery) {
        MutableClock clock = MutableClock.epoch();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        ObservableMigration m = ObservableMigration.builder("gc").meterRegistry(registry).clock(clock).build();
        MigrationRun run = m.start();
        long total = 1_000_000;
        run.expectRows(total);
        // work time: 1,000 s of commits; wall time adds one gc pause per 120 s of work
        int pauses = (int) (1000 / 120);
        double finish = 1000 + pauses * gc;
        double worst = 0;
        int nanRunning = 0;
        double nextRead = readEvery;
        double t = 0;
        long done = 0;
        double work = 0;
        while (done < total) {
            double next = t + 1;
            if (((int) work) % 120 == 119) {
                next += gc;
            }
            while (nextRead < next) {
                clock.advance(java.time.Duration.ofNanos((long) ((nextRead - t) * 1e9)));
                t = nextRead;
                ProgressSnapshot s = run.sample();
                double ratio = (double) done / total;
                double truth = finish - t;
                if (ratio >= 0.10 && ratio <= 0.90) {
                    if (Double.isNaN(s.etaSeconds()) && s.state() == ProgressSnapshot.State.RUNNING) {
                        nanRunning++;
                    } else if (!Double.isNaN(s.etaSeconds())) {
                        worst = Math.max(worst, Math.abs(s.etaSeconds() - truth) / truth);
                    }
                }
                nextRead += readEvery;
            }
            clock.advance(java.time.Duration.ofNanos((long) ((next - t) * 1e9)));
            t = next;
            run.recordRows("t", 1000);
            done += 1000;
            work += 1;
        }
        return new double[] {worst, nanRunning};
    }

    /**
     * Finding 1: GC pauses of 12 s every 2 minutes on a 1 s commit rhythm (steady 1,000 rows/s otherwise). The ETA
     * should stay within 15% and never be NaN while RUNNING; read every second it is up to 1,093% off (11x the
     * truth) with 16 NaN reads in state RUNNING, every 5 s 365% off (15 s pauses: 1,363% / 793% / 1,240% at
     * 1 / 5 / 15 s reads). Pauses of 3 and 6 s stay within 2.7% and 5.2%.
     */
    @Test
    void gcPausesDoNotThrowTheEtaOff() {
        for (double readEvery : new double[] {1, 5}) {
            double[] r = gcPauses(12, readEvery);
            assertThat(r[1]).as("NaN ETA reads in state RUNNING, reads every %s s", readEvery).isZero();
            assertThat(r[0]).as("worst ETA error between 10%% and 90%%, reads every %s s", readEvery).isLessThan(0.15);
        }
    }

    /**
     * Finding 4: "never worse than the naive cumulative average" on a noisy load (CV 25%, 1-15 s GC pauses every
     * ~2 minutes, batches of 0.2-2 s, read every second): over the reads between 10% and 95% done the worst
     * migmon ETA error is 524% where the cumulative average's is 8.1% (seed 7_800_001; over 10 seeds 6,879% vs
     * 12.9%; the medians at the marks are also 0.3-1.7 points worse on noisy and batchy loads at 1 and 5 s reads,
     * see the report). Same root cause as finding 1 as far as seen: the spikes follow GC pauses of 10-15 s.
     */
    @Test
    void theEtaIsNeverMuchWorseThanTheCumulativeAverageOnANoisyLoad() {
        Attack3Sim.Spec spec = Attack3EtaRun.spec("noisy", 7_800_001L);
        Attack3Sim.Trace tr = Attack3Sim.generate(spec);
        long total = 0;
        double finish = 0;
        for (double[] c : tr.commits) {
            total += (long) c[1];
            finish = c[0];
            if (c[0] > 3600) {
                break;
            }
        }
        Attack3Sim.Run run = Attack3Sim.feed(tr, Attack3Sim.schedule(tr.seconds, 1, spec.seed * 13 + 1), false, total,
                finish);
        double worstMigmon = 0;
        double worstCumulative = 0;
        for (double[] rd : run.reads) {
            double ratio = rd[1] / total;
            double truth = finish - rd[0];
            if (ratio < 0.10 || ratio > 0.95 || truth <= 0) {
                continue;
            }
            double cumEta = (total - rd[1]) / (rd[1] / rd[0]);
            worstMigmon = Math.max(worstMigmon, Double.isNaN(rd[2]) ? 9.99 : Math.abs(rd[2] - truth) / truth);
            worstCumulative = Math.max(worstCumulative, Math.abs(cumEta - truth) / truth);
        }
        assertThat(worstMigmon).as("worst migmon error vs cumulative average %.3f", worstCumulative)
                .isLessThanOrEqualTo(Math.max(0.15, 1.5 * worstCumulative));
    }

    /**
     * Finding 5: a sustained drop to 30% of 692 rows/s for 574 s (labelled [930 s, 1,504 s]) on a batchy stream
     * (1,200 commits in 2 h, one every ~6 s) with GC pauses of 1-15 s about every 45 s is missed by
     * {@code throughput_drop} at every interval (1, 5, 15 and 60 s), while {@code low_throughput} (given the expected
     * rate) fires at 1,265-1,304 s. Second held-out set (seeds 7_900_001.., GC every 45 s): drop recall 0.9 at
     * 1/5/15 s, 0.8 at 60 s; seed 7_900_029 is missed at 60 s the same way. Fixed 2026-11-27: the drop test may
     * pass on the 4-window rate's own noise.
     */
    @Test
    void aDropTo30PercentOnABatchyStreamWithFrequentGcPausesIsSeen() {
        Attack3Sim.Spec spec = new Attack3Sim.Spec(7_900_030L);
        spec.kind = Attack3Sim.Kind.ANOMALOUS;
        spec.gcEvery = 45;
        Attack3Sim.Trace tr = Attack3Sim.generate(spec);
        Attack3Sim.Label drop = tr.labels.stream().filter(l -> l.type().equals("throughput_drop")).findFirst()
                .orElseThrow();
        Attack3Sim.Run run = Attack3Sim.feed(tr, Attack3Sim.schedule(tr.seconds, 5, tr.seed * 31 + 5), true, 0,
                Double.POSITIVE_INFINITY);
        assertThat(firings(run)).as("drop %s", drop).anyMatch(f -> f.type().equals("throughput_drop")
                && f.at() >= drop.start() && f.at() <= drop.end() + 185);
    }

    /** A job of {@link Attack3EtaRun}: {run, total, finish}. */
    private static Object[] etaJob(String scenario, long seed, double interval) {
        Attack3Sim.Spec spec = Attack3EtaRun.spec(scenario, seed);
        Attack3Sim.Trace tr = Attack3Sim.generate(spec);
        long total = 0;
        double finish = 0;
        for (double[] c : tr.commits) {
            total += (long) c[1];
            finish = c[0];
            if (c[0] > 3600) {
                break;
            }
        }
        Attack3Sim.Run run = Attack3Sim.feed(tr, Attack3Sim.schedule(tr.seconds, interval,
                spec.seed * 13 + (long) interval), false, total, finish);
        return new Object[] {run, total, finish};
    }

    /**
     * Finding 6: a low-volume job (~20 rows/s, batches of up to 8 s, CV 10%, seed 7_800_001) whose rate halves at
     * 1,500 s (58% done), read every 5 s: the ETA stays equal to the cumulative average (1,075 s vs a truth of
     * 2,100 s right after the change, 49% off) and is still more than 15% off 600 s later; the bar is back within
     * 15% within 30 s of a new steady rate. Doubling: 4,288 s vs 2,101 s, same pattern. Busier jobs of the same
     * scenario recover (medians 1.3-1.8% at 75/90% done).
     */
    @Test
    @Disabled("finding 6 (open): the ~20 rows/s job's halved rate is followed ~260 s after the change (within 15% from"
            + " t=1,762 s; re-measured 2026-11-27 with the eighth and ninth ETA versions: unchanged, the last read"
            + " off at t=1,756 s), not"
            + " within the minute this test asks: the rate's noise at this volume (CV 10% correlated over up to 90 s plus"
            + " commits of up to 8 s) makes a halving 7 sd only after minutes; a cheaper test for large changes (5 sd for a"
            + " 50% change) was tried and rejected: noisy loads' worst error 13% -> 147%; the trend test (a slope over the"
            + " regime's blocks) does not see a step")
    void aLowVolumeJobsEtaFollowsANewRateWithinAMinute() {
        Object[] job = etaJob("halve", 7_800_001L, 5);
        Attack3Sim.Run run = (Attack3Sim.Run) job[0];
        double finish = (double) job[2];
        assertThat(run.reads).filteredOn(r -> r[0] >= 1560 && r[0] <= finish - 300)
                .isNotEmpty()
                .allSatisfy(r -> assertThat(Math.abs(r[2] - (finish - r[0])) / (finish - r[0]))
                        .as("t=%.0f eta %.0f truth %.0f", r[0], r[2], finish - r[0]).isLessThanOrEqualTo(0.15));
    }

    /**
     * Finding 7: the {@code migration_eta_seconds} gauge read right after {@link MigrationRun#sample()}, at the same
     * clock instant, disagrees with the snapshot {@code sample()} returned: at t=2,092.3 s 1,851.6 s from
     * {@code sample()} and 1,475.4 s from the gauge (job "double", seed 7_800_001, reads every 5 s; also at 15 s
     * reads, t=1,865.2 s: 2,294.9 vs 1,682.6 s). The read-driven model changes its answer on a second read at the
     * same instant, so a dashboard and a host's log of {@code progress()} show different ETAs.
     */
    @Test
    void theEtaGaugeAgreesWithTheSnapshotOfTheSameInstant() {
        Attack3Sim.Run run = (Attack3Sim.Run) etaJob("double", 7_800_001L, 5)[0];
        assertThat(run.reads).allSatisfy(r -> {
            if (!Double.isNaN(r[2]) || !Double.isNaN(r[3])) {
                assertThat(r[3]).as("gauge at t=%.1f", r[0]).isEqualTo(r[2]);
            }
        });
    }

    /**
     * Finding 8: a throttle declared with {@code run.pause(reason)} while rows keep coming at 20% (the docs' "a
     * throttle during business hours"), 1,500-1,800 s of a ~1 h job, reads every 5 s, seed 7_800_001: right after
     * {@code resume()} the ETA reads 266 s where the truth is 1,799 s (85% off; the cumulative average 2,106 s), then
     * stays ~19% low (1,231 vs 1,519 s at t=2,082 s) for minutes: the throttle's rows count for the rate while its time
     * does not. Over 10 seeds: 28-29% median error at 50% done at 1/5/15 s reads (cumulative average 15%), worst
     * 87-90% (18.5%), more than 15% off up to 374-407 s after the resume (the bar: 30 s).
     */
    @Test
    void aDeclaredThrottleDoesNotInflateTheRate() {
        Object[] job = etaJob("throttle", 7_800_001L, 5);
        Attack3Sim.Run run = (Attack3Sim.Run) job[0];
        double finish = (double) job[2];
        assertThat(run.reads).filteredOn(r -> r[0] >= 1830 && r[0] <= finish - 300)
                .isNotEmpty()
                .allSatisfy(r -> assertThat(Math.abs(r[2] - (finish - r[0])) / (finish - r[0]))
                        .as("t=%.0f eta %.0f truth %.0f", r[0], r[2], finish - r[0]).isLessThanOrEqualTo(0.15));
    }
}
