package io.migmon.core.anomaly;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Exploration of the documented claims on independent traces; prints figures (run by hand, not in the build). */
@Tag("benchmark")
class AttackExploreRun {

    static final double[] INTERVALS = {0.5, 1, 7, 15, 45, 60};

    interface Scenario {
        AttackTrace.Spec spec(long seed);
    }

    static void report(String name, String type, double bound, Scenario sc, int seeds, double[]... pauses) {
        for (double interval : INTERVALS) {
            int detected = 0;
            int inTime = 0;
            int windows = 0;
            int falseAlerts = 0;
            double hours = 0;
            double maxDelay = 0;
            StringBuilder fa = new StringBuilder();
            for (int s = 0; s < seeds; s++) {
                AttackTrace.Spec spec = sc.spec(9_300_000L + s * 17);
                AttackTrace trace = new AttackTrace(spec);
                double[] sched = AttackTrace.schedule(spec.seconds, interval, 0.2, spec.seed + 1);
                List<AttackHarness.Event> ev = AttackHarness.feed(trace, sched, AttackHarness.monitor(), pauses);
                hours += spec.seconds / 3600;
                for (AttackTrace.Window w : trace.windows) {
                    windows++;
                    double first = AttackHarness.firings(ev, type).stream().mapToDouble(AttackHarness.Event::at)
                            .filter(t -> t >= w.start() && t <= w.end() + 180 + interval).min().orElse(Double.NaN);
                    if (!Double.isNaN(first)) {
                        detected++;
                        maxDelay = Math.max(maxDelay, first - w.start());
                        if (first - w.start() <= bound + interval) {
                            inTime++;
                        }
                    }
                }
                for (AttackHarness.Event e : AttackHarness.firings(ev)) {
                    boolean explained = false;
                    for (AttackTrace.Window w : trace.windows) {
                        explained |= e.at() >= w.start() && e.at() <= w.end() + 180 + interval;
                    }
                    if (!explained) {
                        falseAlerts++;
                        if (fa.length() < 400) {
                            fa.append(String.format(Locale.ROOT, " [s%d %s@%.0f: %s]", s, e.type(), e.at(), e.message()));
                        }
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%-22s %-17s I=%4.1f windows=%d detected=%d inTime(<=%.0f+I)=%d maxDelay=%.0f "
                    + "unexplained=%d (%.2f/h)%s%n", name, type, interval, windows, detected, bound, inTime, maxDelay,
                    falseAlerts, falseAlerts / hours, fa);
        }
    }

    static AttackTrace.Spec base(long seed) {
        AttackTrace.Spec s = new AttackTrace.Spec();
        s.seed = seed;
        s.seconds = 3 * 3600;
        s.nominal = 50 + (seed % 7) * 100;
        s.noiseCv = 0.15;
        s.errorRatio = 0.0005;
        return s;
    }

    static void reportWith(String name, java.util.function.Supplier<AnomalyMonitor> monitors, Scenario sc, int seeds,
                           double... intervals) {
        for (double interval : intervals) {
            StringBuilder sb = new StringBuilder();
            int total = 0;
            double hours = 0;
            java.util.Map<String, Integer> byType = new java.util.TreeMap<>();
            for (int s = 0; s < seeds; s++) {
                AttackTrace.Spec spec = sc.spec(9_400_000L + s * 31);
                AttackTrace trace = new AttackTrace(spec);
                double[] sched = AttackTrace.schedule(spec.seconds, interval, 0.2, spec.seed + 3);
                List<AttackHarness.Event> ev = AttackHarness.feed(trace, sched, monitors.get());
                hours += spec.seconds / 3600;
                for (AttackHarness.Event e : AttackHarness.firings(ev)) {
                    total++;
                    byType.merge(e.type(), 1, Integer::sum);
                    if (sb.length() < 600) {
                        sb.append(String.format(Locale.ROOT, " [s%d %s@%.0f(%.1fh): %s]", s, e.type(), e.at(), e.at() / 3600, e.message()));
                    }
                }
            }
            System.out.printf(Locale.ROOT, "%-26s I=%4.1f hours=%.0f firings=%d (%.3f/h) %s%s%n", name, interval, hours,
                    total, total / hours, byType, sb);
        }
    }

    @Test
    void exploreLong() {
        int seeds = Integer.getInteger("attack.seeds", 3);
        Scenario diurnal = seed -> {
            AttackTrace.Spec s = base(seed);
            s.seconds = 3 * 86400;
            s.diurnalPeriod = 86400;
            s.diurnalTrough = 0.3;
            s.gcEvery = 300;
            return s;
        };
        reportWith("diurnal3d-default", AttackHarness::monitor, diurnal, seeds, 5, 15, 60);
        reportWith("diurnal3d-seasonal", () -> AttackHarness.monitor(
                ThroughputBaselineDetector.drops().seasonal(Duration.ofDays(1), 24).build(),
                ThroughputBaselineDetector.spikes().seasonal(Duration.ofDays(1), 24).build(),
                ErrorRateDetector.builder().build(), StallDetector.builder().build(), LagTrendDetector.builder().build()),
                diurnal, seeds, 5, 15, 60);
        reportWith("lowvol-70-90s", AttackHarness::monitor, seed -> {
            AttackTrace.Spec s = base(seed);
            s.nominal = 1;
            s.batchMin = 70;
            s.batchMax = 90;
            return s;
        }, seeds, 1, 5, 15, 60);
        reportWith("bursty-40-55s-highvol", AttackHarness::monitor, seed -> {
            AttackTrace.Spec s = base(seed);
            s.nominal = 2000;
            s.batchMin = 40;
            s.batchMax = 55;
            return s;
        }, seeds, 1, 5, 15, 60);
        reportWith("cv25-corr120", AttackHarness::monitor, seed -> {
            AttackTrace.Spec s = base(seed);
            s.noiseCv = 0.25;
            s.noiseCorrelation = 120;
            s.seconds = 6 * 3600;
            return s;
        }, seeds, 1, 5, 15, 60);
        reportWith("gc-heavy-5-15s", AttackHarness::monitor, seed -> {
            AttackTrace.Spec s = base(seed);
            s.gcEvery = 60;
            s.gcMin = 5;
            s.gcMax = 15;
            return s;
        }, seeds, 1, 5, 15, 60);
    }

    @Test
    void exploreSeasonalAndLow() {
        int seeds = Integer.getInteger("attack.seeds", 3);
        java.util.function.Supplier<AnomalyMonitor> seasonal = () -> AttackHarness.monitor(
                ThroughputBaselineDetector.drops().seasonal(Duration.ofDays(1), 24).build(),
                ThroughputBaselineDetector.spikes().seasonal(Duration.ofDays(1), 24).build());
        Scenario diurnalDrop = seed -> {
            AttackTrace.Spec s = base(seed);
            s.seconds = 3 * 86400;
            s.diurnalPeriod = 86400;
            s.diurnalTrough = 0.3;
            s.gcEvery = 300;
            return s.drop(2 * 86400 + 3600, 2 * 86400 + 3600 + 1200, 0.3).drop(2 * 86400 + 43200, 2 * 86400 + 43200 + 1200, 0.3);
        };
        for (double interval : new double[] {5, 60}) {
            for (String name : new String[] {"default", "seasonal"}) {
                int found = 0;
                int windows = 0;
                double worst = 0;
                int other = 0;
                for (int sd = 0; sd < seeds; sd++) {
                    AttackTrace.Spec spec = diurnalDrop.spec(9_500_000L + sd);
                    AttackTrace trace = new AttackTrace(spec);
                    List<AttackHarness.Event> ev = AttackHarness.feed(trace,
                            AttackTrace.schedule(spec.seconds, interval, 0.2, sd), name.equals("seasonal") ? seasonal.get()
                                    : AttackHarness.monitor(ThroughputBaselineDetector.drops().build(),
                                    ThroughputBaselineDetector.spikes().build()));
                    for (AttackTrace.Window w : trace.windows) {
                        windows++;
                        double first = AttackHarness.firings(ev, "throughput_drop").stream().mapToDouble(AttackHarness.Event::at)
                                .filter(t -> t >= w.start() && t <= w.end() + 180).min().orElse(Double.NaN);
                        if (!Double.isNaN(first)) {
                            found++;
                            worst = Math.max(worst, first - w.start());
                        }
                    }
                    for (AttackHarness.Event e : AttackHarness.firings(ev)) {
                        boolean explained = false;
                        for (AttackTrace.Window w : trace.windows) {
                            explained |= e.at() >= w.start() && e.at() <= w.end() + 180 + interval;
                        }
                        other += explained ? 0 : 1;
                    }
                }
                System.out.printf(Locale.ROOT, "diurnal-drop-at-peak-and-trough %-8s I=%4.1f found %d/%d worst delay %.0f unexplained %d%n",
                        name, interval, found, windows, worst, other);
            }
        }
        // low_throughput with the true nominal rate
        for (double interval : INTERVALS) {
            int found = 0;
            int windows = 0;
            int fa = 0;
            double worst = 0;
            double hours = 0;
            for (int sd = 0; sd < 6; sd++) {
                AttackTrace.Spec spec = base(9_600_000L + sd).drop(4000, 4900, 0.3);
                AttackTrace.Spec healthy = base(9_700_000L + sd);
                for (AttackTrace.Spec sp : new AttackTrace.Spec[] {spec, healthy}) {
                    AttackTrace trace = new AttackTrace(sp);
                    List<AttackHarness.Event> ev = AttackHarness.feed(trace, AttackTrace.schedule(sp.seconds, interval, 0.2, sd),
                            AttackHarness.monitor(LowThroughputDetector.builder(sp.nominal).build()));
                    for (AttackTrace.Window w : trace.windows) {
                        windows++;
                        double first = AttackHarness.firings(ev).stream().mapToDouble(AttackHarness.Event::at)
                                .filter(t -> t >= w.start() && t <= w.end() + 180).min().orElse(Double.NaN);
                        if (!Double.isNaN(first)) {
                            found++;
                            worst = Math.max(worst, first - w.start());
                        }
                    }
                    if (sp == healthy) {
                        hours += sp.seconds / 3600;
                        fa += AttackHarness.firings(ev).size();
                    }
                }
            }
            System.out.printf(Locale.ROOT, "low_throughput drop30 I=%4.1f found %d/%d worst delay %.0f; healthy false alerts %d in %.0f h%n",
                    interval, found, windows, worst, fa, hours);
        }
    }

    @Test
    void exploreSixtySeconds() {
        int seeds = Integer.getInteger("attack.seeds", 10);
        Scenario[] kinds = {
            seed -> { AttackTrace.Spec s = base(seed); s.seconds = 6 * 3600; return s; },
            seed -> { AttackTrace.Spec s = base(seed); s.seconds = 6 * 3600; s.noiseCv = 0.25; s.noiseCorrelation = 60; return s; },
            seed -> { AttackTrace.Spec s = base(seed); s.seconds = 6 * 3600; s.batchMin = 10; s.batchMax = 30; return s; },
            seed -> { AttackTrace.Spec s = base(seed); s.seconds = 6 * 3600; s.gcEvery = 60; s.gcMin = 5; s.gcMax = 15; return s; },
        };
        String[] names = {"healthy6h", "cv25-corr60-6h", "bursty10-30s-6h", "gc5-15s-6h"};
        for (int k = 0; k < kinds.length; k++) {
            reportWith(names[k], AttackHarness::monitor, kinds[k], seeds, 15, 60);
        }
    }

    @Test
    void exploreLagSpikes() {
        int seeds = Integer.getInteger("attack.seeds", 10);
        // spikes that recover by themselves: peak 50-250 s, rising 1-3 s/s, recovering at 0.3-2 s/s
        double[][] shapes = {{2.5, 60, 0.5}, {1, 120, 0.3}, {3, 80, 2}, {1.5, 100, 0.5}, {0.5, 200, 0.3}};
        for (double[] sh : shapes) {
            reportWith(String.format(Locale.ROOT, "lagspike %.1fs/s x%.0fs rec %.1f", sh[0], sh[1], sh[2]),
                    AttackHarness::monitor, seed -> {
                        AttackTrace.Spec s = base(seed);
                        s.lagRecovery = sh[2];
                        for (int k = 0; k < 4; k++) {
                            s.benignLag(1800 + k * 2400, 1800 + k * 2400 + sh[1], sh[0]);
                        }
                        return s;
                    }, seeds, 1, 5, 15, 60);
        }
    }

    @Test
    void debugLag() {
        AttackTrace.Spec s = base(9_400_000L + Integer.getInteger("seedIndex", 3) * 31);
        s.lagRecovery = Double.parseDouble(System.getProperty("rec", "0.5"));
        double len = Double.parseDouble(System.getProperty("len", "60"));
        double rise = Double.parseDouble(System.getProperty("rise", "2.5"));
        for (int k = 0; k < 4; k++) {
            s.benignLag(1800 + k * 2400, 1800 + k * 2400 + len, rise);
        }
        AttackTrace trace = new AttackTrace(s);
        double[] sched = AttackTrace.schedule(s.seconds, 60, 0.2, s.seed + 3);
        LagTrendDetector d = LagTrendDetector.builder().build();
        for (double t : sched) {
            Sample smp = trace.sampleAt(AttackHarness.T0, t);
            AnomalyDetector.Condition c = d.evaluate(smp);
            if (t > Double.parseDouble(System.getProperty("from", "8900")) && t < Double.parseDouble(System.getProperty("to", "9400"))) {
                System.out.printf(Locale.ROOT, "t=%.0f lag=%.1f %s slope=%.3f pred=%.1f rec=%s%n", t, smp.lagSeconds(), c,
                        d.slope(), d.value(), d.recovering());
            }
        }
    }

    @Test
    void exploreErrors() {
        int seeds = Integer.getInteger("attack.seeds", 6);
        for (double nominal : new double[] {5, 50, 2000}) {
            report("err2% n=" + (int) nominal, "high_error_rate", 70, seed -> {
                AttackTrace.Spec s = base(seed);
                s.nominal = nominal;
                return s.errorBurst(4000, 4300, 0.02);
            }, seeds);
            reportWith("errblip0.8% n=" + (int) nominal, AttackHarness::monitor, seed -> {
                AttackTrace.Spec s = base(seed);
                s.nominal = nominal;
                s.errorBursts.add(new double[] {4000, 4300, 0.008});
                s.errorBursts.add(new double[] {7000, 7600, 0.008});
                return s;
            }, seeds, 1, 5, 15, 60);
        }
    }

    @Test
    void explore() {
        int seeds = Integer.getInteger("attack.seeds", 6);
        report("stall", "stall", 60, seed -> base(seed).stall(4000, 4600), seeds);
        report("drop30", "throughput_drop", 120, seed -> base(seed).drop(4000, 4900, 0.3), seeds);
        report("errburst5%", "high_error_rate", 70, seed -> base(seed).errorBurst(4000, 4300, 0.05), seeds);
        report("lag1s/s", "lag_trend", 420, seed -> base(seed).lagGrowth(4000, 4600, 1), seeds);
        report("healthy", "none", 0, AttackExploreRun::base, seeds);
        report("healthy-cv25", "none", 0, seed -> {
            AttackTrace.Spec s = base(seed);
            s.noiseCv = 0.25;
            s.noiseCorrelation = 60;
            return s;
        }, seeds);
        report("bursty10-30s", "none", 0, seed -> {
            AttackTrace.Spec s = base(seed);
            s.batchMin = 10;
            s.batchMax = 30;
            return s;
        }, seeds);
        report("lowvol-1/min", "none", 0, seed -> {
            AttackTrace.Spec s = base(seed);
            s.nominal = 1;
            s.batchMin = 50;
            s.batchMax = 70;
            return s;
        }, seeds);
        report("lowvol-1/30s", "none", 0, seed -> {
            AttackTrace.Spec s = base(seed);
            s.nominal = 2;
            s.batchMin = 25;
            s.batchMax = 35;
            return s;
        }, seeds);
        report("pause-stall", "none", 0, seed -> base(seed).benignFactor(4000, 5200, 0).benignFactor(5200, 5800, 2),
                seeds, new double[] {4000, 5200});
        report("pause-throttle", "none", 0, seed -> base(seed).benignFactor(4000, 5200, 0.1), seeds,
                new double[] {4000, 5200});
        report("lagspike-recover", "none", 0, seed -> base(seed).benignLag(4000, 4100, 1.5), seeds);
    }
}
