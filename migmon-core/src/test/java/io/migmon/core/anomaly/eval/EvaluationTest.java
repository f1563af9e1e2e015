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
     * traces, on benign-event traces), from the then held-out set 5_300_001 (now retired; {@link Evaluation#HELD_OUT} is fresh; with the
     * attack shapes of {@link Simulation.Variant}), committed before the seasonal default of the drop/spike detector
     * and the stall change at 60 s, and run once on 2026-11-27 at 10:57 UTC after they were final (branch det-nab).
     * The figures include its misses: {@code low_throughput} at 15 s has F1 0.889 (target 0.9; the detector was not
     * changed in that round: 28 of 34 windows found, 1 false alert), 0.906 at 1 and 5 s. {@code stall} at 60 s: 0.018
     * false alerts per hour on healthy traces (target 0.05). The run is deterministic; the margins are for changes
     * that move the figures a little, which must then be re-reported.
     */
    static final Map<String, double[]> REPORTED = Map.ofEntries(
            Map.entry("low_throughput@1", new double[] {0.906, 0.009, 0.000}),
            Map.entry("low_throughput@5", new double[] {0.906, 0.009, 0.000}),
            Map.entry("low_throughput@15", new double[] {0.889, 0.009, 0.000}),
            Map.entry("low_throughput@60", new double[] {0.921, 0.000, 0.000}),
            Map.entry("throughput_drop@1", new double[] {1.000, 0.000, 0.000}),
            Map.entry("throughput_drop@5", new double[] {1.000, 0.000, 0.000}),
            Map.entry("throughput_drop@15", new double[] {1.000, 0.000, 0.000}),
            Map.entry("throughput_drop@60", new double[] {1.000, 0.000, 0.000}),
            Map.entry("throughput_spike@1", new double[] {0.982, 0.000, 0.000}),
            Map.entry("throughput_spike@5", new double[] {0.982, 0.000, 0.000}),
            Map.entry("throughput_spike@15", new double[] {0.982, 0.000, 0.000}),
            Map.entry("throughput_spike@60", new double[] {0.931, 0.000, 0.000}),
            Map.entry("high_error_rate@1", new double[] {1.000, 0.000, 0.000}),
            Map.entry("high_error_rate@5", new double[] {1.000, 0.000, 0.000}),
            Map.entry("high_error_rate@15", new double[] {1.000, 0.000, 0.000}),
            Map.entry("high_error_rate@60", new double[] {1.000, 0.000, 0.000}),
            Map.entry("stall@1", new double[] {1.000, 0.000, 0.000}),
            Map.entry("stall@5", new double[] {1.000, 0.000, 0.000}),
            Map.entry("stall@15", new double[] {1.000, 0.000, 0.000}),
            Map.entry("stall@60", new double[] {0.952, 0.018, 0.000}),
            Map.entry("lag_trend@1", new double[] {1.000, 0.000, 0.000}),
            Map.entry("lag_trend@5", new double[] {1.000, 0.000, 0.000}),
            Map.entry("lag_trend@15", new double[] {1.000, 0.000, 0.000}),
            Map.entry("lag_trend@60", new double[] {0.987, 0.000, 0.011}));

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
