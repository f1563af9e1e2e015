package io.migmon.core.anomaly.eval;

import io.migmon.core.anomaly.AnomalyDetector;
import io.migmon.core.anomaly.Sample;
import io.migmon.core.anomaly.ThroughputBaselineDetector;
import java.time.Instant;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** Tuning aid (TUNING seeds only): the drop detector's value, baseline and limit around a time of one trace. */
@Tag("benchmark")
class TraceDebugRun {
    @Test
    void trace() {
        long seed = Long.getLong("seed", 1);
        Simulation.Kind kind = Simulation.Kind.valueOf(System.getProperty("kind", "ANOMALOUS"));
        double from = Double.parseDouble(System.getProperty("from", "0"));
        double to = Double.parseDouble(System.getProperty("to", "1e9"));
        int interval = Integer.getInteger("interval", 5);
        Simulation.Variant variant = Simulation.Variant.valueOf(System.getProperty("variant", "STANDARD"));
        Simulation sim = new Simulation(seed, kind, variant);
        ThroughputBaselineDetector d = Boolean.getBoolean("spikes") ? ThroughputBaselineDetector.spikes().build()
                : ThroughputBaselineDetector.drops().build();
        io.migmon.core.anomaly.LagTrendDetector lag = Boolean.getBoolean("lag") ? io.migmon.core.anomaly.LagTrendDetector.builder().build() : null;
        Instant t0 = Instant.parse("2026-01-05T00:00:00Z");
        int every = Math.max(1, 30 / interval);
        int n = 0;
        // the evaluation's schedule (Evaluation.fire): random phase, steps of the interval +-10%, 2% late
        java.util.Random r = new java.util.Random(sim.seed * 31 + interval);
        for (double t = r.nextDouble() * interval; t < sim.seconds; ) {
            double step = interval * (0.9 + 0.2 * r.nextDouble());
            if (r.nextDouble() < 0.02) {
                step += interval * (0.5 + r.nextDouble());
            }
            double now = t;
            t += step;
            int i = sim.index(now);
            if (lag != null) {
                AnomalyDetector.Condition lc = lag.evaluate(Sample.of(t0.plusMillis(Math.round(now * 1000)), sim.rows[i], sim.errors[i], sim.lag[i]));
                if (now >= from && now <= to) {
                    System.out.printf(Locale.ROOT, "t=%6.0f lag=%7.1f slope=%7.3f pred=%7.1f rec=%s %s%n", now, sim.lag[i], lag.slope(), lag.value(), lag.recovering(), lc);
                }
                continue;
            }
            AnomalyDetector.Condition c = d.evaluate(Sample.of(t0.plusMillis(Math.round(now * 1000)), sim.rows[i], sim.errors[i], sim.lag[i]));
            if (now >= from && now <= to && (n++ % every == 0 || c == AnomalyDetector.Condition.ABNORMAL)) {
                System.out.printf(Locale.ROOT, "t=%6.0f rows=%d rate=%8.2f base=%8.2f limit=%8.2f %s%n", now, sim.rows[i], d.value(), d.baseline(), d.threshold(), c);
            }
        }
    }
}
