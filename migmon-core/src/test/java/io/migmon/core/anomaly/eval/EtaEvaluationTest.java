package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ETA's held-out evaluation reported in docs/anomaly-detection.md: {@link EtaEvaluation#HELD_OUT} seeds (930_001..,
 * fixed and committed before the third version of the rate model was tuned, never used to choose a setting; run
 * once for the report on 2026-11-26). Writes the table to {@code target/}; pins the
 * reported figures with margins (the run is deterministic; the margins are for changes that move the figures a
 * little, which must then be re-reported).
 */
class EtaEvaluationTest {

    /** migmon's median error at 10/25/50/75/90% done and its worst error after 10%, as reported. */
    static final Map<String, double[]> REPORTED = Map.ofEntries(
            Map.entry("steady", new double[] {0.004, 0.006, 0.007, 0.003, 0.011, 0.059}),
            Map.entry("noisy", new double[] {0.019, 0.018, 0.013, 0.026, 0.032, 0.287}),
            Map.entry("noisy-correlated-10", new double[] {0.050, 0.045, 0.037, 0.027, 0.051, 0.241}),
            Map.entry("noisy-correlated-60", new double[] {0.103, 0.075, 0.077, 0.067, 0.188, 0.413}),
            Map.entry("noisy-correlated-120", new double[] {0.074, 0.080, 0.080, 0.173, 0.139, 0.456}),
            Map.entry("batchy", new double[] {0.024, 0.016, 0.015, 0.016, 0.027, 0.166}),
            Map.entry("planned-pause", new double[] {0.031, 0.048, 0.010, 0.011, 0.007, 0.087}),
            Map.entry("new-rate", new double[] {0.396, 0.443, 0.010, 0.010, 0.009, 0.506}),
            Map.entry("new-rate-double", new double[] {0.516, 0.682, 0.011, 0.032, 0.031, 1.059}),
            Map.entry("ramp", new double[] {0.401, 0.439, 0.186, 0.069, 0.054, 0.485}),
            Map.entry("cold-start", new double[] {0.047, 0.050, 0.036, 0.059, 0.051, 0.166}),
            Map.entry("stall", new double[] {0.087, 0.083, 0.065, 0.017, 0.022, 0.190}));

    @Test
    void etaOnHeldOutSeeds() throws IOException {
        var result = EtaEvaluation.run(EtaEvaluation.HELD_OUT, 10);
        String table = EtaEvaluation.markdown(result, 10);
        Path out = Path.of("target", "eta-evaluation-held-out.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
        System.out.println(table);
        assertThat(result.get("stall").get("migmon").finiteWhileStalled).as("finite ETAs while stalled").isZero();
        assertThat(result.get("planned-pause").get("migmon").recoverySecondsMax).as("back within 15% after a resume")
                .isLessThanOrEqualTo(30);
        assertThat(result.get("new-rate").get("migmon").recoverySecondsMax).as("back within 15% after the rate halves")
                .isLessThanOrEqualTo(30);
        assertThat(result.get("new-rate-double").get("migmon").recoverySecondsMax)
                .as("back within 15% after the rate doubles").isLessThanOrEqualTo(30);
        assertThat(result.get("cold-start").get("migmon").median(0)).as("cold start: within 15% at 10% done")
                .isLessThanOrEqualTo(0.15);
        for (var e : REPORTED.entrySet()) {
            var migmon = result.get(e.getKey()).get("migmon");
            for (int m = 0; m < EtaEvaluation.MARKS.length; m++) {
                assertThat(migmon.median(m)).as("%s: ETA error at mark %d", e.getKey(), m)
                        .isLessThanOrEqualTo(e.getValue()[m] + 0.02);
            }
            assertThat(migmon.worst).as("%s: worst ETA error", e.getKey()).isLessThanOrEqualTo(e.getValue()[5] + 0.05);
        }
        for (String scenario : new String[] {"steady", "noisy", "noisy-correlated-10", "noisy-correlated-60",
                "noisy-correlated-120", "batchy", "planned-pause", "cold-start", "stall"}) {
            var migmon = result.get(scenario).get("migmon");
            var naive = result.get(scenario).get("cumulative average");
            for (int m = 0; m < EtaEvaluation.MARKS.length; m++) {
                assertThat(migmon.median(m)).as("%s: not worse than the cumulative average at mark %d", scenario, m)
                        .isLessThanOrEqualTo(naive.median(m) + 0.01);
            }
        }
    }
}
