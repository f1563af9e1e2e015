package io.migmon.core.anomaly;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Third attack: the ETA on {@link Attack3Sim} jobs vs the naive cumulative average (run by hand, prints). */
@Tag("benchmark")
class Attack3EtaRun {

    static final double[] MARKS = {0.10, 0.25, 0.50, 0.75, 0.90};
    static final long FIRST_SEED = Long.getLong("attack3.seed", 7_800_001L);
    static final int SEEDS = Integer.getInteger("attack3.n", 8);

    static Attack3Sim.Spec spec(String scenario, long seed) {
        Attack3Sim.Spec s = new Attack3Sim.Spec(seed);
        s.randomEvents = false;
        s.randomDiurnal = false;
        s.seconds = 3 * 3600;
        switch (scenario) {
            case "steady" -> { s.cv = 0.05; s.tau = 5; s.batchMax = 1; s.gcMax = 2; }
            case "noisy" -> { s.cv = 0.25; s.tau = 2; s.batchMax = 2; }
            case "correlated60" -> { s.cv = 0.25; s.tau = 60; s.batchMax = 2; }
            case "batchy" -> { s.cv = 0.10; s.batchMin = 4; s.batchMax = 8; s.gcMax = 15; s.gcEvery = 60; }
            case "pause" -> { s.cv = 0.10; s.declaredPauses.add(new double[] {1500, 1620, 0}); }
            case "throttle" -> { s.cv = 0.10; s.gcMax = 2; s.declaredPauses.add(new double[] {1500, 1800, 0.2}); }
            case "halve" -> { s.cv = 0.10; s.gcMax = 2; s.rateSteps.add(new double[] {1500, 1e9, 0.5}); }
            case "double" -> { s.cv = 0.10; s.gcMax = 2; s.rateSteps.add(new double[] {1500, 1e9, 2.0}); }
            case "stall" -> { s.cv = 0.10; s.stalls.add(new double[] {1800, 2100}); }
            default -> throw new IllegalArgumentException(scenario);
        }
        return s;
    }

    @Test
    void table() {
        StringBuilder out = new StringBuilder("| scenario | interval | who | 10% | 25% | 50% | 75% | 90% | worst 10-95% (max of seeds) | extra |\n");
        for (String sc : List.of(System.getProperty("attack3.sc", "steady,noisy,correlated60,batchy,pause,stall").split(","))) {
            for (double interval : new double[] {1, 5, 15, 60}) {
                double[][] mig = new double[MARKS.length + 1][SEEDS];
                double[][] cum = new double[MARKS.length + 1][SEEDS];
                double recover = 0;
                int stallReads = 0;
                int stallFinite = 0;
                int gaugeMismatch = 0;
                for (int k = 0; k < SEEDS; k++) {
                    Attack3Sim.Spec spec = spec(sc, FIRST_SEED + k * 7L);
                    Attack3Sim.Trace tr = Attack3Sim.generate(spec);
                    // job size: the rows of the first ~3600 s of work
                    long total = 0;
                    double finish = 0;
                    for (double[] c : tr.commits) {
                        total += (long) c[1];
                        finish = c[0];
                        if (c[0] > 3600 + (sc.equals("pause") ? 120 : sc.equals("stall") ? 300 : 0)) {
                            break;
                        }
                    }
                    double[] sched = Attack3Sim.schedule(tr.seconds, interval, spec.seed * 13 + (long) interval);
                    Attack3Sim.Run run = Attack3Sim.feed(tr, sched, false, total, finish);
                    int mark = 0;
                    boolean dump = Boolean.getBoolean("attack3.dump");
                    double worstM = 0;
                    double worstC = 0;
                    double lastBad = 0;
                    for (double[] rd : run.reads) {
                        double t = rd[0];
                        double ratio = rd[1] / total;
                        double truth = finish - t;
                        if (truth <= 0) {
                            continue;
                        }
                        double eta = rd[2];
                        if (!(Double.isNaN(eta) && Double.isNaN(rd[3])) && eta != rd[3]
                                && Math.abs(eta - rd[3]) > 1e-6) {
                            gaugeMismatch++;
                            System.out.printf(Locale.ROOT, "GAUGE %s @%.0f seed %d t=%.1f progress %.3f gauge %.3f state %.0f%n", sc, interval, spec.seed, t, eta, rd[3], rd[4]);
                        }
                        double cumEta = rd[1] > 0 ? (total - rd[1]) / (rd[1] / t) : Double.NaN;
                        double em = Math.abs(eta - truth) / truth;
                        double ec = Math.abs(cumEta - truth) / truth;
                        boolean inStall = sc.equals("stall") && t >= 1800 && t < 2100 + interval;
                        if (sc.equals("stall") && t >= 1800 + 30 + interval && t < 2100) {
                            stallReads++;
                            if (!Double.isNaN(eta)) {
                                stallFinite++;
                            }
                        }
                        boolean inPause = (sc.equals("pause") && t >= 1500 && t < 1620) || (sc.equals("throttle") && t >= 1500 && t < 1800);
                        double changeAt = sc.equals("pause") ? 1620 : sc.equals("throttle") ? 1800 : 1500;
                        if ((sc.equals("pause") || sc.equals("throttle") || sc.equals("halve") || sc.equals("double")) && t >= changeAt
                                && t < changeAt + 600 && (Double.isNaN(em) || em > 0.15)) {
                            lastBad = Math.max(lastBad, t - changeAt);
                        }
                        if (ratio >= 0.10 && ratio <= 0.95 && !inStall && !inPause) {
                            if ((Double.isNaN(em) || em > Double.parseDouble(System.getProperty("attack3.dumpAbove", "0.5"))) && dump) {
                                System.out.printf(Locale.ROOT, "BAD %s @%.0f seed %d t=%.1f ratio %.4f rows %.0f eta %.1f truth %.1f cum %.1f state %.0f%n", sc, interval, spec.seed, t, ratio, rd[1], eta, truth, cumEta, rd[4]);
                            }
                            worstM = Math.max(worstM, Double.isNaN(em) ? 9.99 : em);
                            worstC = Math.max(worstC, ec);
                        }
                        while (mark < MARKS.length && ratio >= MARKS[mark]) {
                            mig[mark][k] = Double.isNaN(em) ? 9.99 : em;
                            cum[mark][k] = ec;
                            mark++;
                        }
                    }
                    mig[MARKS.length][k] = worstM;
                    cum[MARKS.length][k] = worstC;
                    if (sc.equals("pause") || sc.equals("throttle") || sc.equals("halve") || sc.equals("double")) {
                        recover = Math.max(recover, lastBad);
                    }
                }
                String extra = (sc.equals("stall") ? String.format(Locale.ROOT, "finite ETA on %d of %d stall reads; ",
                        stallFinite, stallReads) : "")
                        + (sc.equals("pause") || sc.equals("throttle") || sc.equals("halve") || sc.equals("double") ? String.format(Locale.ROOT, "worst time >15%% after resume/change %.0f s; ", recover) : "")
                        + (gaugeMismatch > 0 ? "gauge!=progress on " + gaugeMismatch + " reads" : "");
                out.append(row(sc, interval, "migmon", mig, extra)).append(row(sc, interval, "cum-avg", cum, ""));
            }
        }
        System.out.println(out);
    }

    static String row(String sc, double interval, String who, double[][] v, String extra) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "| %s | %.0f s | %s |", sc, interval, who));
        for (int i = 0; i < v.length; i++) {
            double[] c = v[i].clone();
            Arrays.sort(c);
            double med = i == v.length - 1 ? c[c.length - 1] : (c[(c.length - 1) / 2] + c[c.length / 2]) / 2;
            b.append(String.format(Locale.ROOT, " %.1f%% |", 100 * med));
        }
        return b.append(' ').append(extra).append(" |\n").toString();
    }
}
