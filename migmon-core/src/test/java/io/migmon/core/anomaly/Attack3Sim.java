package io.migmon.core.anomaly;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.MigrationRun;
import io.migmon.core.ObservableMigration;
import io.migmon.core.progress.ProgressSnapshot;
import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An independent trace generator for the third attack on anomaly detection and the ETA (written without looking at
 * the project's {@code Simulation}): event-driven batch commits, GC pauses, correlated log-normal noise, diurnal
 * load, declared pauses/throttles, lag spikes, error blips, and labelled drops, surges, stalls, error bursts and
 * linear lag growth. Traces are fed to a real {@link ObservableMigration} through {@link MigrationRun#sample()} on a
 * jittered host schedule, with the monitor attached as its listener.
 */
final class Attack3Sim {

    enum Kind { HEALTHY, BENIGN, ANOMALOUS }

    record Label(String type, double start, double end) { }

    record Fired(String type, double at, Anomaly.State state, String message) { }

    /** One generated run. */
    static final class Trace {
        final long seed;
        final double seconds;
        final double nominal;            // rows/s while working, before diurnal/event factors
        double peakWorkRate;              // nominal net of GC time (what a capacity test measures)
        final List<double[]> commits = new ArrayList<>();   // {t, rows, errors}
        final List<double[]> pauses = new ArrayList<>();    // declared {start, end}
        final List<Label> labels = new ArrayList<>();
        final List<double[]> lagSpikes = new ArrayList<>(); // {start, peakAt, peak, end}
        final List<double[]> lagGrowth = new ArrayList<>(); // {start, slope, end}
        double lagBase;

        Trace(long seed, double seconds, double nominal) {
            this.seed = seed;
            this.seconds = seconds;
            this.nominal = nominal;
        }

        double lagAt(double t, double lastCommit) {
            double lag = lagBase + Math.max(0, t - lastCommit);
            for (double[] s : lagSpikes) {
                if (t >= s[0] && t < s[3]) {
                    lag += t < s[1] ? s[2] * (t - s[0]) / (s[1] - s[0]) : s[2] * (s[3] - t) / (s[3] - s[1]);
                }
            }
            for (double[] g : lagGrowth) {
                if (t >= g[0] && t < g[2]) {
                    lag += g[1] * (t - g[0]);
                }
            }
            return lag;
        }

        double hours() {
            return seconds / 3600;
        }
    }

    /** Trace parameters. */
    static final class Spec {
        long seed;
        Kind kind = Kind.HEALTHY;
        double seconds = 2 * 3600;
        double rate = Double.NaN;       // NaN: log-uniform 5..5000
        double cv = Double.NaN;         // NaN: 0.05..0.25
        double tau = Double.NaN;        // noise correlation time, NaN: 2..90 s
        double batchMin = 0.2;
        double batchMax = 8;
        double gcMax = Double.NaN;      // NaN: 1..15 s
        double gcEvery = 120;
        boolean diurnal;
        boolean randomDiurnal = true;
        double diurnalPeriod = Double.NaN; // NaN: seconds/1 (one trough per trace)
        double diurnalDepth = Double.NaN;  // NaN: 0.2..0.35 (trough at 65-80%)
        double baseErrors = Double.NaN;
        // explicit events (start, end, factor) on top of the random ones
        List<double[]> stalls = new ArrayList<>();
        List<double[]> declaredPauses = new ArrayList<>(); // {start, end, factor (0 or throttle)}
        List<double[]> rateSteps = new ArrayList<>();      // {start, end, factor} unlabelled
        boolean randomEvents = true;

        Spec(long seed) {
            this.seed = seed;
        }
    }

    static double logU(SplittableRandom r, double lo, double hi) {
        return Math.exp(Math.log(lo) + r.nextDouble() * (Math.log(hi) - Math.log(lo)));
    }

    static double uni(SplittableRandom r, double lo, double hi) {
        return lo + r.nextDouble() * (hi - lo);
    }

    static Trace generate(Spec spec) {
        SplittableRandom r = new SplittableRandom(spec.seed * 0x9E3779B97F4A7C15L + 12345);
        double rate = Double.isNaN(spec.rate) ? logU(r, 5, 5000) : spec.rate;
        double cv = Double.isNaN(spec.cv) ? uni(r, 0.05, 0.25) : spec.cv;
        double tau = Double.isNaN(spec.tau) ? logU(r, 2, 90) : spec.tau;
        double batchMean = logU(r, spec.batchMin, spec.batchMax);
        double gcMax = Double.isNaN(spec.gcMax) ? uni(r, 1, 15) : spec.gcMax;
        boolean diurnal = spec.diurnal || (spec.randomDiurnal && r.nextDouble() < 0.5);
        double period = Double.isNaN(spec.diurnalPeriod) ? spec.seconds : spec.diurnalPeriod;
        double depth = Double.isNaN(spec.diurnalDepth) ? uni(r, 0.2, 0.35) : spec.diurnalDepth;
        double phase = r.nextDouble() * period;
        double baseErr = Double.isNaN(spec.baseErrors) ? (r.nextBoolean() ? 0 : uni(r, 0, 0.0005)) : spec.baseErrors;
        Trace tr = new Trace(spec.seed, spec.seconds, rate);
        tr.lagBase = uni(r, 0.5, 5);
        double gcMean = (1 + gcMax) / 2;
        tr.peakWorkRate = rate * (1 - gcMean / (spec.gcEvery + gcMean));

        // events: factor segments {start, end, factor}, error segments {start, end, rate}, stalls {start,end}
        List<double[]> factors = new ArrayList<>(spec.rateSteps);
        List<double[]> errs = new ArrayList<>();
        List<double[]> stalls = new ArrayList<>(spec.stalls);
        for (double[] p : spec.declaredPauses) {
            tr.pauses.add(new double[] {p[0], p[1]});
            if (p[2] == 0) {
                stalls.add(new double[] {p[0], p[1]});
            } else {
                factors.add(new double[] {p[0], p[1], p[2]});
            }
        }
        if (spec.randomEvents && spec.kind != Kind.HEALTHY) {
            int n = spec.kind == Kind.BENIGN ? 3 + r.nextInt(3) : 2 + r.nextInt(2);
            double slot = (spec.seconds - 900) / n;  // after a 15-minute warm period, one event per slot
            for (int i = 0; i < n; i++) {
                double s = 900 + i * slot + uni(r, 0, slot * 0.3);
                int what = r.nextInt(5);
                if (spec.kind == Kind.BENIGN) {
                    switch (what % 4) {
                        case 0, 1 -> { // declared pause (what 0) or throttle to 20% (what 1), half with catch-up
                            double len = uni(r, 120, 900);
                            tr.pauses.add(new double[] {s, s + len});
                            if (what == 0) {
                                stalls.add(new double[] {s, s + len});
                            } else {
                                factors.add(new double[] {s, s + len, 0.2});
                            }
                            if (r.nextBoolean()) {
                                factors.add(new double[] {s + len, s + len + len * (what == 0 ? 1 : 0.8), 2.0});
                            }
                        }
                        case 2 -> { // recovering lag spike
                            double rise = uni(r, 10, 90);
                            double peak = uni(r, 30, 250);
                            double fall = uni(r, 60, 300);
                            tr.lagSpikes.add(new double[] {s, s + rise, peak, s + rise + fall});
                        }
                        default -> { // error blip < 1% (or slower phase 85%)
                            if (r.nextBoolean()) {
                                errs.add(new double[] {s, s + uni(r, 120, 300), uni(r, 0.002, 0.008)});
                            } else {
                                factors.add(new double[] {s, s + uni(r, 600, 1800), 0.85});
                            }
                        }
                    }
                } else {
                    switch (what) {
                        case 0 -> { // sustained drop to 30%
                            double len = uni(r, 300, 900);
                            factors.add(new double[] {s, s + len, 0.3});
                            tr.labels.add(new Label("throughput_drop", s, s + len));
                            tr.labels.add(new Label("low_throughput", s, s + len));
                        }
                        case 1 -> { // stall, half followed by catch-up
                            double len = uni(r, 180, 600);
                            stalls.add(new double[] {s, s + len});
                            tr.labels.add(new Label("stall", s, s + len));
                            if (r.nextBoolean()) {
                                factors.add(new double[] {s + len, s + 2 * len, 2.0});
                            }
                        }
                        case 2 -> { // error burst > 1%
                            double len = uni(r, 120, 300);
                            errs.add(new double[] {s, s + len, uni(r, 0.02, 0.10)});
                            tr.labels.add(new Label("high_error_rate", s, s + len));
                        }
                        case 3 -> { // linear lag growth to 500-900 s
                            double slope = uni(r, 0.5, 2);
                            double len = uni(r, 500, 900) / slope;
                            tr.lagGrowth.add(new double[] {s, slope, s + len});
                            tr.labels.add(new Label("lag_trend", s, s + len));
                        }
                        default -> { // surge to 3x
                            double len = uni(r, 300, 600);
                            factors.add(new double[] {s, s + len, 3.0});
                            tr.labels.add(new Label("throughput_spike", s, s + len));
                        }
                    }
                }
            }
        }

        double sigma = Math.sqrt(Math.log(1 + cv * cv));
        double x = r.nextGaussian() * sigma;
        double t = uni(r, 0, batchMean);
        double nextGc = -Math.log(1 - r.nextDouble()) * spec.gcEvery;
        double prevT = 0;
        while (t < spec.seconds) {
            double b = batchMean * uni(r, 0.5, 1.5);
            double mid = t - b / 2;
            double dt = t - prevT;
            double rho = Math.exp(-dt / tau);
            x = rho * x + Math.sqrt(1 - rho * rho) * sigma * r.nextGaussian();
            double m = Math.exp(x - sigma * sigma / 2);
            if (diurnal) {
                m *= 1 - depth * (1 - Math.cos(2 * Math.PI * (mid + phase) / period)) / 2;
            }
            for (double[] f : factors) {
                if (mid >= f[0] && mid < f[1]) {
                    m *= f[2];
                }
            }
            double expRows = rate * m * Math.min(b, t); // the first batch may start at 0
            long rows = (long) expRows + (r.nextDouble() < expRows - Math.floor(expRows) ? 1 : 0);
            double er = baseErr;
            for (double[] e : errs) {
                if (mid >= e[0] && mid < e[1]) {
                    er = e[2];
                }
            }
            long errors = poisson(r, rows * er / (1 - er));
            boolean inStall = false;
            for (double[] s : stalls) {
                if (t >= s[0] && t < s[1]) {
                    inStall = true;
                    prevT = t;
                    t = s[1] + b; // work restarts at the end of the stall
                    break;
                }
            }
            if (!inStall) {
                if (rows > 0 || errors > 0) {
                    tr.commits.add(new double[] {t, rows, errors});
                }
                prevT = t;
                t += b;
            }
            if (t > nextGc) {
                t += uni(r, 1, gcMax);
                nextGc = t - Math.log(1 - r.nextDouble()) * spec.gcEvery;
            }
        }
        return sortedPauses(tr);
    }

    static long poisson(SplittableRandom r, double mean) {
        if (mean <= 0) {
            return 0;
        }
        if (mean > 50) {
            return Math.max(0, Math.round(mean + Math.sqrt(mean) * r.nextGaussian()));
        }
        double l = Math.exp(-mean);
        long k = 0;
        double p = 1;
        do {
            k++;
            p *= r.nextDouble();
        } while (p > l);
        return k - 1;
    }

    /** Host sampling times: jittered +-10%, 2% late by 0.5-1.5 intervals, rare 10-30 s sampler GC pauses. */
    static double[] schedule(double seconds, double interval, long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0xABCDEFL);
        List<Double> ts = new ArrayList<>();
        double t = r.nextDouble() * interval + 0.05;
        while (t < seconds) {
            double at = t;
            if (r.nextDouble() < 0.02) {
                at += interval * uni(r, 0.5, 1.5);
            }
            if (r.nextDouble() < Math.min(0.5, interval / 1800.0)) {
                at += uni(r, 10, 30);
            }
            if (ts.isEmpty() || at > ts.get(ts.size() - 1) + 0.001) {
                ts.add(at);
            }
            t = Math.max(t, at) + interval * uni(r, 0.9, 1.1);
        }
        return ts.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** What a host saw while running a trace. */
    static final class Run {
        final List<Fired> fired = new ArrayList<>();
        final List<double[]> reads = new ArrayList<>(); // {t, rowsDone, etaProgress, etaGauge, stateOrdinal}
        MigrationRun run;
        ObservableMigration migration;
        SimpleMeterRegistry registry;
        MutableClock clock;
        Instant epoch;

        double gauge() {
            Gauge g = registry.find("migration.eta").gauge();
            return g == null ? Double.NaN : g.value();
        }
    }

    /** Feeds a trace through ObservableMigration + AnomalyMonitor (default detectors, optionally low_throughput). */
    static Run feed(Trace tr, double[] sampleTimes, boolean lowThroughput, long expectedTotal, double stopAt) {
        Run out = new Run();
        out.clock = MutableClock.epoch();
        out.epoch = out.clock.instant();
        out.registry = new SimpleMeterRegistry();
        AnomalyMonitor.Builder mb = AnomalyMonitor.builder("attack3").meterRegistry(out.registry).defaultDetectors();
        if (lowThroughput) {
            mb.detector(LowThroughputDetector.builder(tr.peakWorkRate).build());
        }
        Instant epoch = out.epoch;
        mb.listener(a -> out.fired.add(new Fired(a.type(), Duration.between(epoch, a.at()).toNanos() / 1e9,
                a.state(), a.message())));
        AnomalyMonitor monitor = mb.build();
        out.migration = ObservableMigration.builder("attack3").meterRegistry(out.registry).clock(out.clock)
                .listener(monitor.migrationListener()).build();
        MigrationRun run = out.migration.start();
        out.run = run;
        if (expectedTotal > 0) {
            run.expectRows(expectedTotal);
        }
        int ci = 0;
        int si = 0;
        int pi = 0;
        boolean paused = false;
        double lastCommit = 0;
        double now = 0;
        long done = 0;
        List<double[]> ps = tr.pauses;
        while (true) {
            double tc = ci < tr.commits.size() ? tr.commits.get(ci)[0] : Double.POSITIVE_INFINITY;
            double ts = si < sampleTimes.length ? sampleTimes[si] : Double.POSITIVE_INFINITY;
            double tp = pi < ps.size() ? (paused ? ps.get(pi)[1] : ps.get(pi)[0]) : Double.POSITIVE_INFINITY;
            double next = Math.min(tc, Math.min(ts, tp));
            if (next == Double.POSITIVE_INFINITY || next > stopAt) {
                break;
            }
            out.clock.advance(Duration.ofNanos(Math.max(0, (long) ((next - now) * 1e9))));
            now = next;
            if (next == tp) {
                if (paused) {
                    run.resume();
                    paused = false;
                    pi++;
                } else {
                    run.pause("planned " + pi);
                    paused = true;
                }
            } else if (next == tc) {
                double[] c = tr.commits.get(ci++);
                if (c[1] > 0) {
                    run.recordRows("t", (long) c[1]);
                    done += (long) c[1];
                }
                for (long e = 0; e < (long) c[2]; e++) {
                    run.recordError("e");
                }
                lastCommit = c[0];
            } else {
                si++;
                run.recordDataLag(Duration.ofMillis((long) (tr.lagAt(now, lastCommit) * 1000)));
                ProgressSnapshot s = run.sample();
                out.reads.add(new double[] {now, s.rowsDone(), s.etaSeconds(), out.gauge(), s.state().ordinal()});
            }
        }
        return out;
    }

    static Trace sortedPauses(Trace tr) {
        tr.pauses.sort((a, b) -> Double.compare(a[0], b[0]));
        return tr;
    }

    private Attack3Sim() { }
}
