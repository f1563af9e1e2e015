package io.migmon.core.anomaly;

import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Third attack: figures behind the findings (run by hand, prints). */
@Tag("benchmark")
class Attack3ProbeRun {

    @Test
    void gapsBeforeTheBadEtaReads() {
        Attack3Sim.Trace tr = Attack3Sim.generate(Attack3EtaRun.spec("noisy", 7_800_001L));
        double prev = 0;
        for (double[] c : tr.commits) {
            if (c[0] - prev > 4 && c[0] < 4000) {
                System.out.printf(Locale.ROOT, "GAP noisy 7800001: %.1f s ending at %.1f%n", c[0] - prev, c[0]);
            }
            prev = c[0];
        }
    }

    @Test
    void probes() {
        for (double gc : new double[] {3, 6, 12, 15}) {
            for (double every : new double[] {1, 5, 15}) {
                double[] r = AnomalyAttack3Test.gcPauses(gc, every);
                System.out.printf(Locale.ROOT, "GC %.0f s reads %.0f s: worst ETA error 10-90%% %.1f%%, NaN-while-RUNNING reads %.0f%n",
                        gc, every, 100 * r[0], r[1]);
            }
        }
        for (double depth : new double[] {0.3, 0.4}) {
            for (double interval : new double[] {5, 15, 60}) {
                Attack3Sim.Spec spec = new Attack3Sim.Spec(4242);
                spec.seconds = 2 * 86_400;
                spec.randomEvents = false;
                spec.diurnal = true;
                spec.diurnalPeriod = 86_400;
                spec.diurnalDepth = depth;
                spec.cv = 0.20;
                spec.tau = 60;
                spec.rate = 300;
                Attack3Sim.Trace tr = Attack3Sim.generate(spec);
                Attack3Sim.Run run = Attack3Sim.feed(tr, Attack3Sim.schedule(tr.seconds, interval, 99), true, 0,
                        Double.POSITIVE_INFINITY);
                long lt = run.fired.stream().filter(f -> f.state() == Anomaly.State.FIRING && f.type().equals("low_throughput")).count();
                long other = run.fired.stream().filter(f -> f.state() == Anomaly.State.FIRING && !f.type().equals("low_throughput")).count();
                System.out.printf(Locale.ROOT, "diurnal 48 h trough %.0f%% @%.0f s: low_throughput %d (%.3f/h), others %d%n",
                        100 * (1 - depth), interval, lt, lt / 48.0, other);
            }
        }
    }
}
