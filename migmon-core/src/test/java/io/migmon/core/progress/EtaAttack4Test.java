package io.migmon.core.progress;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * Fourth independent attack on the ETA (issue 12), on traces of this file's own generator ({@link Sim}: 100 ms
 * steps, batch commits, GC pauses, log-normal noise correlated over a time constant, rate events, declared pauses and
 * throttles, a stall, an abort, a wrong declared total), read through the public API as a host does
 * ({@link MigrationRun#sample()}, {@link MigrationRun#progress()}, the {@code migration.eta} gauge), scored against
 * the trace's true remaining time. Tests that reproduce a finding are {@code @Disabled("finding N: ...")}.
 */
class EtaAttack4Test {

    // ------------------------------------------------------------------------------------------------ generator

    /** A job description. Times in seconds. */
    static final class Spec {
        long seed;
        double rate = 500;          // rows/s of work at level 1
        double cv = 0.05;           // coefficient of variation of the rate
        double tau = 30;            // correlation time of the noise, s
        double batchMin = 0.2;      // seconds of work per commit
        double batchMax = 2;
        double gcEvery = 0;         // mean seconds between GC pauses (0: none)
        double gcMin = 1;
        double gcMax = 15;
        long total = 1_000_000;     // rows the job really does
        long declared = -1;         // declared total (-1: = total)
        double changeAtFraction = -1; // fraction done at which the level changes
        double changeFactor = 1;
        double rampFrom = -1;       // ramp: level rampLevel0 -> 1 over [0, rampSeconds]
        double rampLevel0 = 1;
        double rampSeconds = 0;
        double pauseAtFraction = -1; // a declared pause / throttle starting at this fraction done
        double pauseSeconds = 0;
        double throttle = 0;        // work level during the declared pause (0: a pause)
        double stallAtFraction = -1; // no work at all for stallSeconds (not declared)
        double stallSeconds = 0;
        double abortAtFraction = -1;
        double leadIn = 0;          // seconds before the first row

        Spec(long seed) {
            this.seed = seed;
        }
    }

    /** A generated job: commits {t, rows}, declared pause / stall intervals, end time. */
    static final class Trace {
        final List<double[]> commits = new ArrayList<>();
        double pauseStart = -1;
        double pauseEnd = -1;
        double stallStart = -1;
        double stallEnd = -1;
        double changeAt = -1;
        double end;            // time of the last commit (success) or the abort
        boolean aborted;
        long done;
    }

    static Trace generate(Spec s) {
        SplittableRandom r = new SplittableRandom(s.seed);
        Trace tr = new Trace();
        double dt = 0.1;
        double sigma = Math.sqrt(Math.log(1 + s.cv * s.cv));
        double a = Math.exp(-dt / s.tau);
        double b = sigma * Math.sqrt(1 - a * a);
        double x = sigma * gauss(r);
        double acc = 0;
        long done = 0;
        double t = 0;
        double batchEnd = s.leadIn + uniform(r, s.batchMin, s.batchMax);
        double gcUntil = -1;
        double nextGc = s.gcEvery > 0 ? -s.gcEvery * Math.log(1 - r.nextDouble()) : Double.POSITIVE_INFINITY;
        double level = 1;
        while (true) {
            t = Math.round((t + dt) * 10) / 10.0;
            x = a * x + b * gauss(r);
            double frac = done / (double) s.total;
            if (s.abortAtFraction > 0 && frac >= s.abortAtFraction) {
                tr.aborted = true;
                tr.end = t;
                break;
            }
            if (s.changeAtFraction > 0 && tr.changeAt < 0 && frac >= s.changeAtFraction) {
                tr.changeAt = t;
                level = s.changeFactor;
            }
            if (s.pauseAtFraction > 0 && tr.pauseStart < 0 && frac >= s.pauseAtFraction) {
                tr.pauseStart = t;
                tr.pauseEnd = t + s.pauseSeconds;
            }
            if (s.stallAtFraction > 0 && tr.stallStart < 0 && frac >= s.stallAtFraction) {
                tr.stallStart = t;
                tr.stallEnd = t + s.stallSeconds;
            }
            if (t < s.leadIn) {
                continue;
            }
            if (t >= nextGc) {
                gcUntil = t + uniform(r, s.gcMin, s.gcMax);
                nextGc = gcUntil - s.gcEvery * Math.log(1 - r.nextDouble());
            }
            boolean inStall = tr.stallStart >= 0 && t >= tr.stallStart && t < tr.stallEnd;
            boolean gc = t < gcUntil;
            if (gc || inStall) {
                batchEnd += dt; // the batch in flight waits
                continue;
            }
            double lv = level;
            if (s.rampSeconds > 0 && t < s.rampSeconds) {
                lv *= s.rampLevel0 + (1 - s.rampLevel0) * t / s.rampSeconds;
            }
            if (tr.pauseStart >= 0 && t >= tr.pauseStart && t < tr.pauseEnd) {
                lv *= s.throttle;
            }
            acc += s.rate * lv * Math.exp(x - sigma * sigma / 2) * dt;
            if (t >= batchEnd) {
                long rows = (long) Math.min(acc, s.total - done);
                acc -= rows;
                if (rows > 0) {
                    done += rows;
                    tr.commits.add(new double[] {t, rows});
                }
                batchEnd = t + uniform(r, s.batchMin, s.batchMax);
                if (done >= s.total) {
                    tr.end = t;
                    break;
                }
            }
        }
        tr.done = done;
        return tr;
    }

    private static double gauss(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
    }

    private static double uniform(SplittableRandom r, double lo, double hi) {
        return lo + (hi - lo) * r.nextDouble();
    }

    /** Read times: a fixed interval, or irregular (interval <= 0: 1-20 s, now and then a 45 s late read). */
    static double[] schedule(double until, double interval, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Double> ts = new ArrayList<>();
        double t = 0;
        while (t < until) {
            t += interval > 0 ? interval : (r.nextDouble() < 0.03 ? 45 : uniform(r, 1, 20));
            ts.add(Math.round(t * 1000) / 1000.0);
        }
        return ts.stream().mapToDouble(Double::doubleValue).toArray();
    }

    // ---------------------------------------------------------------------------------------------------- host

    /** One read: time, rows done, ETA of the reader, ETA gauge right after, state. */
    record Read(double t, long done, double eta, double gauge, ProgressSnapshot.State state, int reader) { }

    static final class Host {
        final List<Read> reads = new ArrayList<>();
        MigrationRun run;
        SimpleMeterRegistry registry;
        MutableClock clock;

        double gauge() {
            Gauge g = registry.find("migration.eta").gauge();
            return g == null ? Double.NaN : g.value();
        }
    }

    /**
     * Runs a trace through {@link ObservableMigration}: reader 0 calls {@code sample()} at {@code times}; reader 1
     * (if {@code gaugeTimes} is given) reads only the gauge, as a Prometheus scrape does. After the end, reads go on
     * for {@code after} seconds.
     */
    static Host feed(Spec spec, Trace tr, double[] times, double[] gaugeTimes, double after) {
        Host h = new Host();
        h.clock = MutableClock.epoch();
        h.registry = new SimpleMeterRegistry();
        ObservableMigration m = ObservableMigration.builder("eta4").meterRegistry(h.registry).clock(h.clock).build();
        MigrationRun run = m.start();
        h.run = run;
        run.expectRows(spec.declared > 0 ? spec.declared : spec.total);
        int ci = 0;
        int si = 0;
        int gi = 0;
        double now = 0;
        boolean paused = false;
        boolean pauseDone = false;
        boolean ended = false;
        double[] g = gaugeTimes == null ? new double[0] : gaugeTimes;
        double stop = tr.end + after;
        while (true) {
            double tc = ci < tr.commits.size() ? tr.commits.get(ci)[0] : Double.POSITIVE_INFINITY;
            double ts = si < times.length ? times[si] : Double.POSITIVE_INFINITY;
            double tg = gi < g.length ? g[gi] : Double.POSITIVE_INFINITY;
            double tp = !paused && !pauseDone && tr.pauseStart >= 0 ? tr.pauseStart
                    : paused ? tr.pauseEnd : Double.POSITIVE_INFINITY;
            double te = ended ? Double.POSITIVE_INFINITY : tr.end;
            double next = Math.min(Math.min(tc, ts), Math.min(Math.min(tg, tp), te));
            if (next > stop || next == Double.POSITIVE_INFINITY) {
                break;
            }
            h.clock.advance(Duration.ofNanos(Math.max(0, Math.round((next - now) * 1e9))));
            now = next;
            if (next == tc) {
                run.recordRows("t", (long) tr.commits.get(ci++)[1]);
            } else if (next == tp) {
                if (paused) {
                    run.resume();
                    pauseDone = true;
                } else {
                    run.pause("planned");
                }
                paused = !paused;
            } else if (next == te) {
                ended = true;
                if (tr.aborted) {
                    run.abort("operator");
                } else {
                    run.succeed();
                }
            } else if (next == ts) {
                si++;
                ProgressSnapshot s = run.sample();
                h.reads.add(new Read(now, s.rowsDone(), s.etaSeconds(), h.gauge(), s.state(), 0));
            } else {
                gi++;
                double gv = h.gauge();
                ProgressSnapshot s = run.progress();
                h.reads.add(new Read(now, s.rowsDone(), gv, gv, s.state(), 1));
            }
        }
        return h;
    }

    // ---------------------------------------------------------------------------------------------------- score

    /** Relative error of an ETA against the truth (NaN ETA = infinitely wrong). */
    static double err(double eta, double truth) {
        if (Double.isNaN(eta)) {
            return Double.POSITIVE_INFINITY;
        }
        return Math.abs(eta - truth) / truth;
    }

    static double cumAvgEta(Read r, long declared) {
        if (r.done() <= 0) {
            return Double.NaN;
        }
        return Math.max(0, declared - r.done()) / (r.done() / r.t());
    }

    /** Scores of one run for reader {@code reader}: errors at marks, worst between 10 and 90% done, both methods. */
    static final class Score {
        final double[] atMark = new double[5];
        final double[] cumAtMark = new double[5];
        double worst;
        double cumWorst;
        double backWithin15 = Double.NaN; // seconds after the event until the ETA stays within 15% (to 90% done)
        double cumBackWithin15 = Double.NaN;

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "migmon %s worst %.1f%% back %.0fs | cum %s worst %.1f%% back %.0fs",
                    pct(atMark), worst * 100, backWithin15, pct(cumAtMark), cumWorst * 100, cumBackWithin15);
        }

        private static String pct(double[] v) {
            StringBuilder sb = new StringBuilder();
            for (double d : v) {
                sb.append(String.format(Locale.ROOT, "%6.1f%%", d * 100));
            }
            return sb.toString();
        }
    }

    static final double[] MARKS = {0.10, 0.25, 0.50, 0.75, 0.90};

    static Score score(Spec spec, Trace tr, Host h, int reader, double eventAt) {
        Score sc = new Score();
        long declared = spec.declared > 0 ? spec.declared : spec.total;
        int mark = 0;
        double lastBad = eventAt;
        double cumLastBad = eventAt;
        for (Read r : h.reads) {
            if (r.reader() != reader || r.t() >= tr.end) {
                continue;
            }
            boolean excluded = (tr.pauseStart >= 0 && r.t() >= tr.pauseStart && r.t() < tr.pauseEnd)
                    || (tr.stallStart >= 0 && r.t() >= tr.stallStart && r.t() < tr.stallEnd + 30);
            double frac = r.done() / (double) spec.total;
            double truth = tr.end - r.t();
            double e = err(r.eta(), truth);
            double ce = err(cumAvgEta(r, declared), truth);
            while (mark < MARKS.length && frac >= MARKS[mark]) {
                sc.atMark[mark] = e;
                sc.cumAtMark[mark] = ce;
                mark++;
            }
            if (!excluded && frac >= 0.10 && frac <= 0.90) {
                sc.worst = Math.max(sc.worst, e);
                sc.cumWorst = Math.max(sc.cumWorst, ce);
            }
            if (eventAt >= 0 && r.t() >= eventAt && frac <= 0.90) {
                if (e > 0.15) {
                    lastBad = r.t();
                }
                if (ce > 0.15) {
                    cumLastBad = r.t();
                }
            }
        }
        if (eventAt >= 0) {
            sc.backWithin15 = lastBad - eventAt;
            sc.cumBackWithin15 = cumLastBad - eventAt;
        }
        return sc;
    }

    static Spec steady(long seed) {
        Spec s = new Spec(seed);
        s.rate = 500;
        s.total = 1_800_000; // ~1 h
        return s;
    }

    static Spec noisy(long seed, double tau) {
        Spec s = steady(seed);
        s.cv = 0.25;
        s.tau = tau;
        return s;
    }

    static Spec batchy(long seed) {
        Spec s = steady(seed);
        s.cv = 0.15;
        s.tau = 60;
        s.batchMin = 2;
        s.batchMax = 8;
        s.gcEvery = 90;
        return s;
    }

    static Host run(Spec s, double interval) {
        Trace tr = generate(s);
        return feed(s, tr, schedule(tr.end + 120, interval, s.seed + 1), null, 60);
    }


    // ---------------------------------------------------------------------------------------------------- findings

    /**
     * Finding 1: a warm-up ramp (the rate climbs from 20% to 100% of 500 rows/s over the first 10 minutes, then stays,
     * CV 5%) is never taken for a change of level: the first regime keeps the ramp, so the ETA is the cumulative
     * average's (66-70% high at 10% done) and is back within 15% only 1,130-1,325 s after the ramp ended (5 s reads,
     * seeds 41_000_001..3), where the bar is 30 s after a new steady rate.
     */
    @Test
    void aWarmUpRampIsFollowedOnceTheRateIsSteady() {
        Spec s = named("ramp", 41_000_001L);
        Trace tr = generate(s);
        Host h = feed(s, tr, schedule(tr.end + 120, 5, s.seed + 1), null, 60);
        Score sc = score(s, tr, h, 0, s.rampSeconds);
        assertThat(sc.backWithin15).as("seconds after the ramp ended until within 15%%: %s", sc).isLessThanOrEqualTo(60);
    }

    /**
     * Finding 2: a throttle declared with {@code pause("throttle")} that halves the rate for the rest of the job: the
     * ETA while PAUSED is the remaining rows over the rate before the throttle, so it reads 46-48% below the truth for
     * the whole 84 minutes of the throttle (t=1,800 s: 2,748 s for a truth of 5,106 s), worse than the cumulative
     * average of the same reads (36%).
     */
    @Test
    void anEtaDuringADeclaredThrottleIsNeverWorseThanTheCumulativeAverage() {
        Spec s = batchy(42_100_001L);
        s.pauseAtFraction = 0.3;
        s.pauseSeconds = 1e6;
        s.throttle = 0.5;
        Trace tr = generate(s);
        Host h = feed(s, tr, schedule(tr.end + 120, 5, 3), null, 60);
        List<String> bad = new ArrayList<>();
        for (Read r : h.reads) {
            if (r.t() > tr.pauseStart + 300 && r.t() < tr.end && r.done() < 0.9 * s.total) {
                double truth = tr.end - r.t();
                double e = err(r.eta(), truth);
                double ce = err(cumAvgEta(r, s.total), truth);
                if (e > Math.max(0.15, ce + 0.05)) {
                    bad.add(String.format(Locale.ROOT, "t=%.0f eta=%.0f truth=%.0f cum=%.0f", r.t(), r.eta(), truth,
                            cumAvgEta(r, s.total)));
                }
            }
        }
        assertThat(bad).as("reads more than 15%% off and worse than the cumulative average").isEmpty();
    }

    /**
     * Finding 3: read once a minute, a 10-minute stall that starts 2.5 s after a read: the next read (47.5 s into the
     * stall, still RUNNING) takes the thin minute for a new level, ETA 1,950 -> 7,394 s (truth 2,555 s, 189% off;
     * the cumulative average 22.6%); the first read after the stall ends says 4,302 s for a truth of 1,955 s (120%;
     * cumulative average 27%), the next 36% (24%). The same job read every 5 s is within 3% after the stall.
     */
    @Test
    void readOnceAMinuteAStallIsNotANewLevel() {
        Spec s = named("stall", 43_000_004L);
        Trace tr = generate(s);
        Host h = feed(s, tr, schedule(tr.end + 120, 60, s.seed + 1), null, 60);
        List<String> bad = new ArrayList<>();
        for (Read r : h.reads) {
            if (r.t() < tr.end && r.done() >= 0.1 * s.total && r.done() <= 0.9 * s.total
                    && r.state() == ProgressSnapshot.State.RUNNING) {
                double truth = tr.end - r.t();
                double e = err(r.eta(), truth);
                double ce = err(cumAvgEta(r, s.total), truth);
                if (e > ce + 0.10) {
                    bad.add(String.format(Locale.ROOT, "t=%.0f eta=%.0f truth=%.0f cum=%.0f", r.t(), r.eta(), truth,
                            cumAvgEta(r, s.total)));
                }
            }
        }
        assertThat(bad).as("RUNNING reads 10 points worse than the cumulative average (stall %.0f-%.0f s)",
                tr.stallStart, tr.stallEnd).isEmpty();
    }

    /**
     * Finding 4 (low; what "right" is may be a design decision): the declared total is 10% short of the rows the job
     * really does. From the read that passes it the ETA is 0 and the ratio 1.0 while the run is still RUNNING and
     * adding rows, for the last 10% of the job (80 reads 5 s apart, t=3,745 s to the success at 4,152 s): a dashboard says "done" for minutes. Expected: no ETA
     * (NaN, unknown) while rows still come past the declared total, 0 only at success.
     */
    @Test
    void anEtaOfZeroIsNotShownWhileRowsStillCome() {
        Spec s = batchy(42_100_001L);
        s.declared = (long) (s.total * 0.9);
        Trace tr = generate(s);
        Host h = feed(s, tr, schedule(tr.end + 120, 5, 3), null, 60);
        List<Read> zeroWhileRunning = h.reads.stream()
                .filter(r -> r.state() == ProgressSnapshot.State.RUNNING && r.t() < tr.end - 10 && r.eta() == 0.0)
                .toList();
        assertThat(zeroWhileRunning).as("reads with ETA 0 while RUNNING, %s of them, first at t=%s",
                zeroWhileRunning.size(), zeroWhileRunning.isEmpty() ? "-" : zeroWhileRunning.get(0).t()).isEmpty();
    }

    /**
     * Finding 5 (low): a 2-minute job (60,000 rows at 500 rows/s, CV 10%) whose first 1.5 s are empty, read every
     * second, has no ETA at all at 10% done on 2 of 10 seeds (44_100_006 and 44_100_009; lead-in 3 s: 44_100_004):
     * 10% of it is done ~13 s in, and no ETA is given before 10 s after the first read that saw rows (seed 44_100_006:
     * 10% at t=13 s of a 116 s job, first ETA at t=14 s, 10.9% done). A near miss of the gate, listed for completeness. The issue's
     * cold-start example is exactly this job (342 s at 10% for a truth of 108 s); NaN is no better an answer there.
     */
    @Test
    @Disabled("finding 5, accuracy part (not met; re-measured 2026-11-27 with the eighth and ninth versions:"
            + " unchanged, 15.8%): with the 7 s gate the ETA is there at 10% done (see"
            + " aShortJobHasSomeEtaAtTenPercentDone) but 15.8% off on this seed: the"
            + " rate of its first 9 s of rows is 14% above the job's (noise CV 10% correlated over 30 s); the cumulative"
            + " average 9.7%")
    void aShortJobHasAnEtaAtTenPercentDone() {
        Spec s = steady(44_100_006L);
        s.total = 60_000;
        s.leadIn = 1.5;
        s.cv = 0.10;
        Trace tr = generate(s);
        Host h = feed(s, tr, schedule(tr.end + 120, 1, 7), null, 30);
        Read at10 = h.reads.stream().filter(r -> r.done() >= 0.1 * s.total).findFirst().orElseThrow();
        Read first = h.reads.stream().filter(r -> !Double.isNaN(r.eta())).findFirst().orElseThrow();
        assertThat(at10.eta()).as("at 10%% done (t=%s s, job %s s); first ETA at t=%s s (%s%% done)", at10.t(),
                tr.end, first.t(), 100.0 * first.done() / s.total).isNotNaN();
        assertThat(err(at10.eta(), tr.end - at10.t())).isLessThanOrEqualTo(0.15);
    }

    /**
     * Finding 5, the gate part: the same 2-minute job, seeds 44_100_001..010, has an ETA at 10% done on every seed
     * (the gate is 7 s since the first read that saw rows, chosen on the tuning seeds of {@code EtaEvaluation}).
     */
    @Test
    void aShortJobHasSomeEtaAtTenPercentDone() {
        for (long seed = 44_100_001L; seed <= 44_100_010L; seed++) {
            Spec s = steady(seed);
            s.total = 60_000;
            s.leadIn = 1.5;
            s.cv = 0.10;
            Trace tr = generate(s);
            Host h = feed(s, tr, schedule(tr.end + 120, 1, 7), null, 30);
            Read at10 = h.reads.stream().filter(r -> r.done() >= 0.1 * s.total).findFirst().orElseThrow();
            assertThat(at10.eta()).as("seed %d at 10%% done (t=%s s, job %s s)", seed, at10.t(), tr.end).isNotNaN();
            assertThat(at10.gauge()).as("seed %d: the gauge agrees", seed).isEqualTo(at10.eta());
        }
    }

    // ---------------------------------------------------------------------------------------------------- held up

    /** Terminal statuses: abort and success before the declared total agree in progress() and the gauge. */
    @Test
    void terminalStatusesAgreeInTheGaugeAndProgress() {
        Spec abort = batchy(42_100_001L);
        abort.abortAtFraction = 0.6;
        Trace ta = generate(abort);
        Host ha = feed(abort, ta, schedule(ta.end + 120, 5, 3), schedule(ta.end + 120, 15, 4), 60);
        assertThat(ha.run.progress().etaSeconds()).isNaN();
        assertThat(ha.gauge()).isNaN();
        assertThat(ha.run.progress().state()).isEqualTo(ProgressSnapshot.State.ENDED);
        assertThat(ha.reads.stream().filter(r -> r.t() > ta.end)).isNotEmpty()
                .allSatisfy(r -> assertThat(r.eta()).isNaN());

        Spec early = batchy(42_100_001L);
        early.declared = (long) (early.total * 1.1);
        Trace te = generate(early);
        Host he = feed(early, te, schedule(te.end + 120, 5, 3), schedule(te.end + 120, 15, 4), 60);
        assertThat(he.run.progress().etaSeconds()).isZero();
        assertThat(he.gauge()).isZero();
        assertThat(he.run.progress().state()).isEqualTo(ProgressSnapshot.State.SUCCEEDED);
    }

    /** Steady, noisy (CV 25%, also correlated over 60 s) and batchy loads: within 15% from 10% done, = cumulative. */
    @Test
    void stationaryLoadsAreWithin15PercentAndNoWorseThanTheCumulativeAverage() {
        for (String name : new String[] {"steady", "noisy-5", "batchy", "low-5rps"}) {
            for (double interval : new double[] {1, 5, 15, 60, 0}) {
                Spec s = named(name, 41_000_002L);
                Trace tr = generate(s);
                Host h = feed(s, tr, schedule(tr.end + 120, interval, s.seed + 1), null, 60);
                Score sc = score(s, tr, h, 0, -1);
                assertThat(sc.worst).as("%s @%s: %s", name, interval, sc).isLessThanOrEqualTo(0.15)
                        .isLessThanOrEqualTo(sc.cumWorst + 0.01);
            }
        }
    }

    /**
     * A stall read every 5 s: STALLED and no ETA from 60 s after its start until the rows come again (the limit is 3
     * usual gaps: with GC pauses of up to 15 s on top of 2-8 s batches it was reached 45 s after the last commit).
     */
    @Test
    void aStallIsStalledWithNoEta() {
        Spec s = named("stall", 43_000_004L);
        Trace tr = generate(s);
        Host h = feed(s, tr, schedule(tr.end + 120, 5, s.seed + 1), null, 60);
        assertThat(h.reads.stream().filter(r -> r.t() >= tr.stallStart + 60 && r.t() < tr.stallEnd)).isNotEmpty()
                .allSatisfy(r -> {
                    assertThat(r.state()).isEqualTo(ProgressSnapshot.State.STALLED);
                    assertThat(r.eta()).isNaN();
                    assertThat(r.gauge()).isNaN();
                });
    }

    // ---------------------------------------------------------------------------------------------------- figures

    /** Prints the figures table (run by hand: -Deta4.figures=true): medians over 5 seeds, worst/back: max. */
    @Test
    void figures() {
        if (!Boolean.getBoolean("eta4.figures")) {
            return;
        }
        String[] names = {"steady", "noisy-5", "noisy-60", "noisy-300", "batchy", "low-5rps", "halve", "double",
            "triple", "ramp", "pause", "throttle", "stall"};
        System.out.println("FIG | scenario | reads | method | 10% | 25% | 50% | 75% | 90% | worst 10-90% (max) | back within 15% (max) |");
        for (String name : names) {
            for (double interval : new double[] {1, 5, 15, 60, 0}) {
                int n = 5;
                double[][] m = new double[5][n];
                double[][] c = new double[5][n];
                double worst = 0;
                double cworst = 0;
                double back = Double.NaN;
                double cback = Double.NaN;
                for (int k = 0; k < n; k++) {
                    long seed = 45_000_001L + k;
                    Spec s = named(name, seed);
                    Trace tr = generate(s);
                    Host h = feed(s, tr, schedule(tr.end + 120, interval, seed + 1), null, 60);
                    double ev = tr.changeAt >= 0 ? tr.changeAt : tr.pauseEnd >= 0 ? tr.pauseEnd
                            : tr.stallEnd >= 0 ? tr.stallEnd : s.rampSeconds > 0 ? s.rampSeconds : -1;
                    Score sc = score(s, tr, h, 0, ev);
                    for (int j = 0; j < 5; j++) {
                        m[j][k] = sc.atMark[j];
                        c[j][k] = sc.cumAtMark[j];
                    }
                    worst = Math.max(worst, sc.worst);
                    cworst = Math.max(cworst, sc.cumWorst);
                    if (ev >= 0) {
                        back = Double.isNaN(back) ? sc.backWithin15 : Math.max(back, sc.backWithin15);
                        cback = Double.isNaN(cback) ? sc.cumBackWithin15 : Math.max(cback, sc.cumBackWithin15);
                    }
                }
                String iv = interval > 0 ? (int) interval + " s" : "irregular";
                System.out.println("FIG | " + name + " | " + iv + " | migmon | " + med(m) + " | " + pct(worst) + " | "
                        + secs(back) + " |");
                System.out.println("FIG | " + name + " | " + iv + " | cumulative | " + med(c) + " | " + pct(cworst)
                        + " | " + secs(cback) + " |");
            }
        }
    }

    private static String med(double[][] v) {
        StringBuilder sb = new StringBuilder();
        for (int j = 0; j < v.length; j++) {
            double[] a = v[j].clone();
            java.util.Arrays.sort(a);
            sb.append(j == 0 ? "" : " | ").append(pct(a[a.length / 2]));
        }
        return sb.toString();
    }

    private static String pct(double v) {
        return Double.isInfinite(v) ? "NaN" : String.format(Locale.ROOT, "%.1f%%", v * 100);
    }

    private static String secs(double v) {
        return Double.isNaN(v) ? "" : String.format(Locale.ROOT, "%.0f s", v);
    }

    /** Prints one run's reads (by hand: -Deta4.trace=name:seed:interval:from:to). */
    @Test
    void trace() {
        String arg = System.getProperty("eta4.trace");
        if (arg == null) {
            return;
        }
        String[] p = arg.split(":");
        Spec s = named(p[0], Long.parseLong(p[1]));
        Trace tr = generate(s);
        Host h = feed(s, tr, schedule(tr.end + 120, Double.parseDouble(p[2]), s.seed + 1), null, 60);
        System.out.printf(Locale.ROOT, "TRACE end %.1f change %.1f pause %.1f-%.1f stall %.1f-%.1f%n", tr.end,
                tr.changeAt, tr.pauseStart, tr.pauseEnd, tr.stallStart, tr.stallEnd);
        for (Read r : h.reads) {
            if (r.t() >= Double.parseDouble(p[3]) && r.t() <= Double.parseDouble(p[4])) {
                System.out.printf(Locale.ROOT, "TRACE t %.1f done %d eta %.1f truth %.1f err %.1f%% cum %.1f %s%n",
                        r.t(), r.done(), r.eta(), tr.end - r.t(), 100 * (r.eta() - (tr.end - r.t())) / (tr.end - r.t()),
                        cumAvgEta(r, s.declared > 0 ? s.declared : s.total), r.state());
            }
        }
    }

    /** Probes printed by hand (-Deta4.probe=true). */
    @Test
    void probes() {
        if (!Boolean.getBoolean("eta4.probe")) {
            return;
        }
        // new rate, 12 seeds, 5 s reads
        for (String name : new String[] {"halve", "double", "triple"}) {
            StringBuilder sb = new StringBuilder(name + " back:");
            for (long seed = 42_000_001L; seed < 42_000_013L; seed++) {
                Spec s = named(name, seed);
                Trace tr = generate(s);
                Host h = feed(s, tr, schedule(tr.end + 120, 5, seed + 1), null, 60);
                Score sc = score(s, tr, h, 0, tr.changeAt);
                sb.append(String.format(Locale.ROOT, " %.0f/%.0f", sc.backWithin15, sc.cumBackWithin15));
            }
            System.out.println("PROBE " + sb);
        }
        // abort, success early, total 10% low / high: last reads
        for (String name : new String[] {"abort", "early", "low-total", "high-total", "long-throttle"}) {
            Spec s = batchy(42_100_001L);
            switch (name) {
                case "abort" -> s.abortAtFraction = 0.6;
                case "early", "high-total" -> s.declared = (long) (s.total * 1.1);
                case "low-total" -> s.declared = (long) (s.total * 0.9);
                default -> {
                    s.pauseAtFraction = 0.3;
                    s.pauseSeconds = 1e6;
                    s.throttle = 0.5;
                }
            }
            Trace tr = generate(s);
            Host h = feed(s, tr, schedule(tr.end + 120, 5, 3), schedule(tr.end + 120, 15, 4), 60);
            System.out.printf(Locale.ROOT, "PROBE %s end %.0f status %s progress().eta %.1f state %s gauge %.1f%n", name,
                    tr.end, h.run.status(), h.run.progress().etaSeconds(), h.run.progress().state(), h.gauge());
            long declared = s.declared > 0 ? s.declared : s.total;
            for (Read r : h.reads) {
                if (r.reader() == 0 && (Math.abs(r.t() % 300) < 1e-6 || r.t() > tr.end - 30)) {
                    System.out.printf(Locale.ROOT, "PROBE   t %.0f done %.3f eta %.1f gauge %.1f truth %.1f cum %.1f %s%n",
                            r.t(), r.done() / (double) s.total, r.eta(), r.gauge(), tr.end - r.t(), cumAvgEta(r, declared),
                            r.state());
                }
            }
        }
    }

    @Test
    void probes2() {
        if (!Boolean.getBoolean("eta4.probe2")) {
            return;
        }
        String[] names = {"steady", "noisy-60", "batchy", "low-5rps", "halve", "pause", "throttle", "stall", "ramp"};
        for (String name : names) {
            for (double interval : new double[] {1, 5, 60, 0}) {
                int stalledWorking = 0;
                int nanWorking = 0;
                int working = 0;
                double maxDiff = 0;
                double worstDual = 0;
                double worstSingle = 0;
                for (long seed = 43_000_001L; seed < 43_000_005L; seed++) {
                    Spec s = named(name, seed);
                    Trace tr = generate(s);
                    double[] times = schedule(tr.end + 120, interval, seed + 1);
                    Host single = feed(s, tr, times, null, 60);
                    Host dual = feed(s, tr, times, schedule(tr.end + 120, interval == 1 ? 5 : 1, seed + 2), 60);
                    for (Read r : single.reads) {
                        boolean out = (tr.pauseStart >= 0 && r.t() >= tr.pauseStart && r.t() < tr.pauseEnd)
                                || (tr.stallStart >= 0 && r.t() >= tr.stallStart && r.t() < tr.stallEnd + 60)
                                || r.t() >= tr.end || r.done() < 0.1 * s.total;
                        if (!out) {
                            working++;
                            if (r.state() == ProgressSnapshot.State.STALLED) {
                                stalledWorking++;
                            }
                            if (Double.isNaN(r.eta())) {
                                nanWorking++;
                            }
                        }
                    }
                    List<Read> d0 = dual.reads.stream().filter(r -> r.reader() == 0).toList();
                    for (int i = 0; i < d0.size(); i++) {
                        Read a = single.reads.get(i);
                        Read b = d0.get(i);
                        if (a.t() < tr.end && a.done() >= 0.1 * s.total && !Double.isNaN(a.eta()) && !Double.isNaN(b.eta())) {
                            maxDiff = Math.max(maxDiff, Math.abs(a.eta() - b.eta()) / a.eta());
                        }
                    }
                    Score ss = score(s, tr, single, 0, -1);
                    Score sd = score(s, tr, dual, 0, -1);
                    Score sg = score(s, tr, dual, 1, -1);
                    worstSingle = Math.max(worstSingle, ss.worst);
                    worstDual = Math.max(worstDual, Math.max(sd.worst, sg.worst));
                }
                System.out.printf(Locale.ROOT,
                        "PROBE2 %-9s @%-3s working %d STALLED %d NaN %d | sample-only vs +scrape max diff %.2f%% worst %.1f%% vs %.1f%%%n",
                        name, interval > 0 ? (int) interval : "irr", working, stalledWorking, nanWorking, maxDiff * 100,
                        worstSingle * 100, worstDual * 100);
            }
        }
    }

    @Test
    void probes3() {
        if (!Boolean.getBoolean("eta4.probe3")) {
            return;
        }
        for (String name : new String[] {"halve", "double", "stall", "pause"}) {
            for (long seed = 43_000_001L; seed < 43_000_005L; seed++) {
                Spec s = named(name, seed);
                Trace tr = generate(s);
                double[] times = schedule(tr.end + 120, 5, seed + 1);
                Host single = feed(s, tr, times, null, 60);
                Host dual = feed(s, tr, times, schedule(tr.end + 120, 1, seed + 2), 60);
                List<Read> d0 = dual.reads.stream().filter(r -> r.reader() == 0).toList();
                StringBuilder sb = new StringBuilder();
                int n = 0;
                for (int i = 0; i < d0.size(); i++) {
                    Read a = single.reads.get(i);
                    Read b = d0.get(i);
                    if (!Double.isNaN(a.eta()) && !Double.isNaN(b.eta()) && Math.abs(a.eta() - b.eta()) / a.eta() > 0.05) {
                        n++;
                        if (n <= 4) {
                            sb.append(String.format(Locale.ROOT, " t=%.0f single=%.0f dual=%.0f truth=%.0f;", a.t(), a.eta(),
                                    b.eta(), tr.end - a.t()));
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "PROBE3 %s %d reads >5%% apart: %d%s%n", name, seed, n, sb);
            }
        }
        for (double lead : new double[] {1.5, 3}) {
            for (double interval : new double[] {1, 5}) {
                StringBuilder sb = new StringBuilder();
                for (long seed = 44_100_001L; seed < 44_100_011L; seed++) {
                    Spec s = steady(seed);
                    s.total = 60_000;
                    s.leadIn = lead;
                    s.cv = 0.10;
                    Trace tr = generate(s);
                    Host h = feed(s, tr, schedule(tr.end + 120, interval, 7), null, 30);
                    Score sc = score(s, tr, h, 0, -1);
                    sb.append(String.format(Locale.ROOT, " %.1f/%.1f(%.1f/%.1f)", sc.atMark[0] * 100, sc.cumAtMark[0] * 100,
                            sc.worst * 100, sc.cumWorst * 100));
                }
                System.out.printf(Locale.ROOT, "PROBE3 cold10 lead %.1f @%.0f at10 migmon/cum (worst): %s%n", lead, interval, sb);
            }
        }
        for (double lead : new double[] {0, 1.5, 10}) {
            for (double interval : new double[] {1, 5, 15}) {
                Spec s = steady(44_000_001L);
                s.total = 60_000;
                s.leadIn = lead;
                s.cv = 0.10;
                Trace tr = generate(s);
                Host h = feed(s, tr, schedule(tr.end + 120, interval, 7), null, 30);
                System.out.printf(Locale.ROOT, "PROBE3 cold lead %.1f @%.0f end %.0f: %s%n", lead, interval, tr.end,
                        score(s, tr, h, 0, -1));
            }
        }
    }

    static Spec named(String name, long seed) {
        Spec s;
        switch (name) {
            case "steady" -> s = steady(seed);
            case "noisy-5" -> s = noisy(seed, 5);
            case "noisy-60" -> s = noisy(seed, 60);
            case "noisy-300" -> s = noisy(seed, 300);
            case "batchy" -> s = batchy(seed);
            case "low-5rps" -> {
                s = batchy(seed);
                s.rate = 5;
                s.total = 18_000;
            }
            case "halve", "double", "triple" -> {
                s = noisy(seed, 30);
                s.cv = 0.10;
                s.changeAtFraction = 0.4;
                s.changeFactor = name.equals("halve") ? 0.5 : name.equals("double") ? 2 : 3;
            }
            case "ramp" -> {
                s = steady(seed);
                s.rampLevel0 = 0.2;
                s.rampSeconds = 600;
            }
            case "pause", "throttle" -> {
                s = batchy(seed);
                s.pauseAtFraction = 0.3;
                s.pauseSeconds = 300;
                s.throttle = name.equals("pause") ? 0 : 0.2;
            }
            case "stall" -> {
                s = batchy(seed);
                s.stallAtFraction = 0.5;
                s.stallSeconds = 600;
            }
            default -> throw new IllegalArgumentException(name);
        }
        return s;
    }
}
