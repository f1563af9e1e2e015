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
        ThroughputBaselineDetector d = ThroughputBaselineDetector.drops().build();
        Instant t0 = Instant.parse("2026-01-05T00:00:00Z");
        int every = Math.max(1, 30 / interval);
        int n = 0;
        for (double t = 0; t < sim.seconds; t += interval) {
            int i = sim.index(t);
            AnomalyDetector.Condition c = d.evaluate(Sample.of(t0.plusMillis((long) (t * 1000)), sim.rows[i], sim.errors[i], sim.lag[i]));
            if (t >= from && t <= to && (n++ % every == 0 || c == AnomalyDetector.Condition.ABNORMAL)) {
                System.out.printf(Locale.ROOT, "t=%6.0f rate=%8.2f base=%8.2f limit=%8.2f %s%n", t, d.value(), d.baseline(), d.threshold(), c);
            }
        }
    }
}
