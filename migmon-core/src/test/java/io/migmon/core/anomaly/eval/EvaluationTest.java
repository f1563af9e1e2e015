package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The held-out evaluations reported in docs/anomaly-detection.md: detectors with their default settings on the
 * HELD-OUT seeds (never used to choose a setting) at 1, 5, 15 and 60 s ({@link EtaEvaluationTest} has the ETA's).
 * Writes the tables to {@code target/}; pins the reported figures with margins.
 */
class EvaluationTest {

    /**
     * The held-out figures reported in docs/anomaly-detection.md (type@interval: F1, false alerts per hour on healthy
     * traces, on benign-event traces), from the fresh held-out set {@link Evaluation#HELD_OUT} (6_700_001, with the
     * attack shapes of {@link Simulation.Variant}), committed before the tail-noise and evidence-in-time changes of
     * the drop/spike detector and run once on 2026-11-27 at 13:53 UTC after they were final (branch anomaly7). Every
     * target is met on it; its misses, as they came out: {@code stall} at 60 s 0.036 false alerts per hour on healthy
     * traces (4 false positives), {@code throughput_drop} 1 at 60 s (0.009 per hour), {@code throughput_spike} 1 at
     * 1-15 s (not on healthy or benign traces), {@code low_throughput} recall 0.889-0.963, {@code high_error_rate} 1
     * burst missed at 15 and 60 s. The run is deterministic; the margins are for changes that move the figures a
     * little, which must then be re-reported.
     */
    static final Map<String, double[]> REPORTED = Map.ofEntries(
            Map.entry("low_throughput@1", new double[] {0.943, 0.000, 0.000}),
            Map.entry("low_throughput@5", new double[] {0.941, 0.000, 0.000}),
            Map.entry("low_throughput@15", new double[] {0.963, 0.000, 0.000}),
            Map.entry("low_throughput@60", new double[] {0.962, 0.000, 0.000}),
            Map.entry("throughput_drop@1", new double[] {1.000, 0.000, 0.000}),
            Map.entry("throughput_drop@5", new double[] {1.000, 0.000, 0.000}),
            Map.entry("throughput_drop@15", new double[] {1.000, 0.000, 0.000}),
            Map.entry("throughput_drop@60", new double[] {0.982, 0.009, 0.000}),
            Map.entry("throughput_spike@1", new double[] {0.985, 0.000, 0.000}),
            Map.entry("throughput_spike@5", new double[] {0.985, 0.000, 0.000}),
            Map.entry("throughput_spike@15", new double[] {0.985, 0.000, 0.000}),
            Map.entry("throughput_spike@60", new double[] {1.000, 0.000, 0.000}),
            Map.entry("high_error_rate@1", new double[] {1.000, 0.000, 0.000}),
            Map.entry("high_error_rate@5", new double[] {1.000, 0.000, 0.000}),
            Map.entry("high_error_rate@15", new double[] {0.980, 0.000, 0.000}),
            Map.entry("high_error_rate@60", new double[] {0.980, 0.000, 0.000}),
            Map.entry("stall@1", new double[] {1.000, 0.000, 0.000}),
            Map.entry("stall@5", new double[] {1.000, 0.000, 0.000}),
            Map.entry("stall@15", new double[] {1.000, 0.000, 0.000}),
            Map.entry("stall@60", new double[] {0.938, 0.036, 0.000}),
            Map.entry("lag_trend@1", new double[] {1.000, 0.000, 0.000}),
            Map.entry("lag_trend@5", new double[] {1.000, 0.000, 0.000}),
            Map.entry("lag_trend@15", new double[] {1.000, 0.000, 0.000}),
            Map.entry("lag_trend@60", new double[] {1.000, 0.000, 0.000}));

    @Test
    void detectorsOnHeldOutSeeds() throws IOException {
        Evaluation.Result result = Evaluation.run(Evaluation.HELD_OUT);
        String table = result.markdown();
        Path out = Path.of("target", "anomaly-evaluation-held-out.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
        System.out.println(table);
        assertThat(result.alertsDuringPauses()).as("alerts during declared pauses").isZero();
        for (String type : Evaluation.TYPES) {
            for (int interval : Evaluation.INTERVALS) {
                Evaluation.Score s = result.score(type, interval);
                double[] reported = REPORTED.get(type + "@" + interval);
                assertThat(s.f1()).as("held-out F1 of %s at %d s", type, interval).isGreaterThanOrEqualTo(reported[0] - 0.03);
                assertThat(s.healthyPerHour()).as("false alerts/h of %s at %d s on healthy traces", type, interval)
                        .isLessThanOrEqualTo(reported[1] + 0.02);
                assertThat(s.benignPerHour()).as("false alerts/h of %s at %d s on benign traces", type, interval)
                        .isLessThanOrEqualTo(reported[2] + 0.02);
            }
        }
    }
}
