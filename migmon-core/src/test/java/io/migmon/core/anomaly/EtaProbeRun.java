package io.migmon.core.anomaly;

import io.migmon.core.progress.ProgressSnapshot;
import io.migmon.core.progress.ProgressTracker;
import io.migmon.core.testing.MutableClock;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A probe of the ETA (report only: the ETA classes belong to another branch) with {@link AttackTrace} jobs read at
 * intervals the project's ETA evaluation does not cover (7 s, 45 s) and with quiet, batchy commits.
 */
@Tag("benchmark")
class EtaProbeRun {

    @Test
    void probe() {
        String[] names = {"steady-cv15", "batchy-10-30s", "quiet-60-70s"};
        for (int kind = 0; kind < names.length; kind++) {
            for (double interval : new double[] {5, 7, 45}) {
                double[] worstMig = new double[5];
                double[] worstCum = new double[5];
                double worstAfter10 = 0;
                double worstAfter10Cum = 0;
                int seeds = 6;
                int reads = 0;
                int nanReads = 0;
                java.util.Map<String, Integer> states = new java.util.TreeMap<>();
                for (int sd = 0; sd < seeds; sd++) {
                    AttackTrace.Spec s = new AttackTrace.Spec();
                    s.seed = 5_500_000 + sd * 7 + kind;
                    s.seconds = 3600;
                    s.nominal = kind == 2 ? 3 : 200;
                    s.noiseCv = 0.15;
                    if (kind == 1) {
                        s.batchMin = 10;
                        s.batchMax = 30;
                    }
                    if (kind == 2) {
                        s.batchMin = 60;
                        s.batchMax = 70;
                    }
                    AttackTrace trace = new AttackTrace(s);
                    long total = trace.rowsAt(s.seconds);
                    double end = 0;
                    for (double t = 0; t <= s.seconds; t += 0.1) {
                        if (trace.rowsAt(t) >= total) {
                            end = t;
                            break;
                        }
                    }
                    MutableClock clock = MutableClock.at("2026-03-02T00:00:00Z");
                    ProgressTracker tracker = new ProgressTracker(clock);
                    tracker.expectTotal(total);
                    long added = 0;
                    double nextRead = interval;
                    double[] marks = {0.1, 0.25, 0.5, 0.75, 0.9};
                    boolean[] seen = new boolean[5];
                    for (int step = 1; step * 0.1 <= end; step++) {
                        double t = step * 0.1;
                        clock.advanceMillis(100);
                        long rows = trace.rowsAt(t);
                        if (rows > added) {
                            tracker.add(rows - added);
                            added = rows;
                        }
                        if (t >= nextRead) {
                            nextRead += interval;
                            ProgressSnapshot snap = tracker.snapshot();
                            double truth = end - t;
                            double ratio = (double) rows / total;
                            double cum = rows == 0 ? Double.NaN : (total - rows) / (rows / t);
                            double eta = snap.etaSeconds();
                            if (ratio >= 0.1 && ratio < 0.99 && truth > 30) {
                                reads++;
                                nanReads += Double.isNaN(eta) ? 1 : 0;
                                states.merge(snap.state().name(), 1, Integer::sum);
                                double e = Double.isNaN(eta) ? 1 : Math.abs(eta - truth) / truth;
                                worstAfter10 = Math.max(worstAfter10, e);
                                worstAfter10Cum = Math.max(worstAfter10Cum, Math.abs(cum - truth) / truth);
                            }
                            for (int k = 0; k < 5; k++) {
                                if (!seen[k] && ratio >= marks[k]) {
                                    seen[k] = true;
                                    double e = Double.isNaN(eta) ? 1 : Math.abs(eta - truth) / truth;
                                    worstMig[k] = Math.max(worstMig[k], e);
                                    worstCum[k] = Math.max(worstCum[k], Math.abs(cum - truth) / truth);
                                }
                            }
                        }
                    }
                }
                System.out.printf(Locale.ROOT, "ETA %-14s I=%4.0f worst over %d seeds at 10/25/50/75/90%%: migmon %s | cumulative %s | worst after 10%%: migmon %.0f%% cumulative %.0f%%%n",
                        names[kind], interval, 6, pct(worstMig), pct(worstCum), worstAfter10 * 100, worstAfter10Cum * 100);
                System.out.printf(Locale.ROOT, "    reads after 10%%: %d, no ETA (NaN) on %d, states %s%n", reads, nanReads, states);
            }
        }
    }

    private static String pct(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) {
            b.append(String.format(Locale.ROOT, "%.0f%% ", x * 100));
        }
        return b.toString().trim();
    }
}
