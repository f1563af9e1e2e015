package io.migmon.core.anomaly.eval;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Tuning aid: every false positive of a type on a larger set of TUNING seeds, with its context. */
@Tag("benchmark")
class FpDebugRun {
    @Test
    void falsePositives() {
        String type = System.getProperty("fpType", Simulation.DROP);
        int interval = Integer.getInteger("fpInterval", 5);
        for (long base : Evaluation.TUNING_SETS) {
            for (Evaluation.Part part : Evaluation.PARTS) {
                Simulation.Kind kind = part.kind();
                for (int i = 0; i < part.count(); i++) {
                    Simulation sim = new Simulation(base + part.offset() + i, kind, part.variant());
                    var fired = Evaluation.fire(sim, interval, new int[1]);
                    boolean[] detected = new boolean[sim.windows.size()];
                    for (var f : fired) {
                        if (!f.type().equals(type)) {
                            continue;
                        }
                        String verdict = "FP";
                        for (int w = 0; w < sim.windows.size(); w++) {
                            var win = sim.windows.get(w);
                            if (f.at() >= win.start() && f.at() <= win.end() + 180 + interval && win.accepts(type)) {
                                if (!win.required().contains(type)) {
                                    verdict = "tolerated";
                                } else if (!detected[w]) {
                                    detected[w] = true;
                                    verdict = "TP";
                                } else if (!verdict.equals("TP")) {
                                    verdict = "FP(second)";
                                }
                            }
                        }
                        if (verdict.startsWith("FP")) {
                            StringBuilder ctx = new StringBuilder();
                            for (var w : sim.windows) {
                                ctx.append(String.format(" [%s %.0f-%.0f]", w.label(), w.start(), w.end()));
                            }
                            for (var w : sim.benign) {
                                ctx.append(String.format(" {%s %.0f-%.0f}", w.label(), w.start(), w.end()));
                            }
                            System.out.printf("%s %s %s seed %d at %.0f cv %.2f batch %.1f rate %.1f diurnal %s:%s%n", verdict,
                                    kind, part.variant(), sim.seed, f.at(), sim.cv, sim.batchSeconds, sim.nominalRate, sim.diurnal, ctx);
                        }
                    }
                }
            }
        }
    }
}
