package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ETA's held-out evaluation reported in docs/anomaly-detection.md: {@link EtaEvaluation#RETIRED_HELD_OUT_4} seeds
 * (960_001.., fixed and committed before the fourth version of the rate model was tuned; run once for the report on
 * 2026-11-27, reads every 5, 1 and 60 s; retired into tuning since). The fresh {@link EtaEvaluation#HELD_OUT} set is
 * not run until the fifth version is final. Writes the table to {@code target/}; pins the
 * reported figures with margins (the run is deterministic; the margins are for changes that move the figures a
 * little, which must then be re-reported).
 */
class EtaEvaluationTest {

    /**
     * migmon's median error at 10/25/50/75/90% done and its worst error after 10%, as reported (keys: scenario, then
     * " @1 s" / " @60 s" for those read schedules).
     */
    static final Map<String, double[]> REPORTED = Map.ofEntries(
            Map.entry("steady", new double[] {0.005, 0.007, 0.004, 0.010, 0.013, 0.074}),
            Map.entry("noisy", new double[] {0.062, 0.022, 0.028, 0.030, 0.066, 0.377}),
            Map.entry("noisy-correlated-10", new double[] {0.033, 0.042, 0.033, 0.030, 0.031, 0.326}),
            Map.entry("noisy-correlated-60", new double[] {0.119, 0.069, 0.076, 0.080, 0.159, 0.480}),
            Map.entry("noisy-correlated-120", new double[] {0.135, 0.125, 0.095, 0.115, 0.178, 0.561}),
            Map.entry("batchy", new double[] {0.032, 0.021, 0.010, 0.017, 0.017, 0.254}),
            Map.entry("planned-pause", new double[] {0.054, 0.068, 0.013, 0.017, 0.026, 0.100}),
            Map.entry("new-rate", new double[] {0.406, 0.450, 0.005, 0.003, 0.019, 0.509}),
            Map.entry("new-rate-double", new double[] {0.504, 0.678, 0.018, 0.021, 0.014, 1.060}),
            Map.entry("ramp", new double[] {0.405, 0.440, 0.299, 0.098, 0.070, 0.483}),
            Map.entry("cold-start", new double[] {0.075, 0.036, 0.041, 0.050, 0.041, 0.169}),
            Map.entry("stall", new double[] {0.070, 0.089, 0.080, 0.016, 0.012, 0.172}),
            Map.entry("quiet-60", new double[] {0.013, 0.021, 0.018, 0.050, 0.108, 1.177}),
            Map.entry("steady @1 s", new double[] {0.006, 0.007, 0.005, 0.009, 0.011, 0.077}),
            Map.entry("noisy @1 s", new double[] {0.063, 0.022, 0.028, 0.029, 0.053, 0.380}),
            Map.entry("noisy-correlated-10 @1 s", new double[] {0.031, 0.043, 0.033, 0.030, 0.031, 0.337}),
            Map.entry("noisy-correlated-60 @1 s", new double[] {0.124, 0.067, 0.076, 0.080, 0.158, 0.492}),
            Map.entry("noisy-correlated-120 @1 s", new double[] {0.134, 0.126, 0.093, 0.113, 0.178, 0.567}),
            Map.entry("batchy @1 s", new double[] {0.030, 0.018, 0.014, 0.018, 0.013, 0.257}),
            Map.entry("planned-pause @1 s", new double[] {0.054, 0.068, 0.013, 0.016, 0.030, 0.109}),
            Map.entry("new-rate @1 s", new double[] {0.406, 0.450, 0.008, 0.004, 0.018, 0.509}),
            Map.entry("new-rate-double @1 s", new double[] {0.504, 0.673, 0.024, 0.018, 0.012, 1.065}),
            Map.entry("ramp @1 s", new double[] {0.401, 0.440, 0.307, 0.098, 0.070, 0.483}),
            Map.entry("cold-start @1 s", new double[] {0.051, 0.029, 0.039, 0.039, 0.048, 0.179}),
            Map.entry("stall @1 s", new double[] {0.070, 0.091, 0.029, 0.010, 0.013, 0.172}),
            Map.entry("quiet-60 @1 s", new double[] {0.010, 0.019, 0.023, 0.056, 0.119, 1.233}),
            Map.entry("steady @60 s", new double[] {0.006, 0.006, 0.004, 0.009, 0.007, 0.074}),
            Map.entry("noisy @60 s", new double[] {0.024, 0.041, 0.024, 0.033, 0.091, 0.237}),
            Map.entry("noisy-correlated-10 @60 s", new double[] {0.091, 0.051, 0.027, 0.037, 0.027, 0.162}),
            Map.entry("noisy-correlated-60 @60 s", new double[] {0.096, 0.075, 0.062, 0.094, 0.171, 0.357}),
            Map.entry("noisy-correlated-120 @60 s", new double[] {0.130, 0.118, 0.127, 0.093, 0.216, 0.535}),
            Map.entry("batchy @60 s", new double[] {0.033, 0.022, 0.015, 0.017, 0.018, 0.139}),
            Map.entry("planned-pause @60 s", new double[] {0.045, 0.071, 0.011, 0.018, 0.023, 0.097}),
            Map.entry("new-rate @60 s", new double[] {0.409, 0.454, 0.014, 0.005, 0.018, 0.509}),
            Map.entry("new-rate-double @60 s", new double[] {0.517, 0.685, 0.026, 0.021, 0.020, 1.013}),
            Map.entry("ramp @60 s", new double[] {0.408, 0.445, 0.408, 0.046, 0.043, 0.483}),
            Map.entry("cold-start @60 s", new double[] {0.071, 0.071, 0.049, 0.049, 0.049, 0.123}),
            Map.entry("stall @60 s", new double[] {0.069, 0.089, 0.052, 0.050, 0.030, 0.562}),
            Map.entry("quiet-60 @60 s", new double[] {0.126, 0.043, 0.011, 0.050, 0.086, 0.919}));

    /**
     * Scenario and mark where the held-out run is worse than the cumulative average by more than 1 point (read once a
     * minute, at 10-25% done: the first interval is a minute of data whose start is unknown, and a quiet job's first
     * commit holds work begun before it).
     */
    static final java.util.Set<String> NOT_MET = java.util.Set.of("noisy @60 s 1", "noisy-correlated-10 @60 s 0",
            "noisy-correlated-10 @60 s 1", "quiet-60 @60 s 0");

    @Test
    void etaOnHeldOutSeeds() throws IOException {
        var result = EtaEvaluation.run(EtaEvaluation.RETIRED_HELD_OUT_4, 10);
        String table = EtaEvaluation.markdown(result, 10);
        Path out = Path.of("target", "eta-evaluation-held-out.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
        System.out.println(table);
        for (int interval : EtaEvaluation.INTERVALS) {
            String at = interval == 5 ? "" : " @" + interval + " s";
            assertThat(result.get("stall" + at).get("migmon").finiteWhileStalled).as("finite ETAs while stalled%s", at)
                    .isZero();
            assertThat(result.get("cold-start" + at).get("migmon").median(0)).as("cold start%s: within 15%% at 10%% done", at)
                    .isLessThanOrEqualTo(0.15);
            assertThat(result.get("planned-pause" + at).get("migmon").recoverySecondsMax)
                    .as("back within 15%% after a resume%s", at).isLessThanOrEqualTo(30);
            // a quiet job committing once a minute: STALLED only before its rhythm is learned (its first gaps)
            assertThat(result.get("quiet-60" + at).get("migmon").falselyStalled)
                    .as("quiet-60%s: working reads reported STALLED", at)
                    .isLessThanOrEqualTo(result.get("quiet-60" + at).get("migmon").workingReads / 20);
        }
        // back within 15% after a new steady rate: within 30 s at reads 1 s apart and after a doubling at 5 s; after
        // the rate halves, read every 5 s, 35 s in the worst held-out seed (the bar, 30 s, is missed there); read
        // once a minute, within 2-3 reads
        assertThat(result.get("new-rate @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("new-rate-double @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("new-rate-double").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("new-rate").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(36);
        assertThat(result.get("new-rate @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(180);
        assertThat(result.get("new-rate-double @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(180);
        for (var e : REPORTED.entrySet()) {
            var migmon = result.get(e.getKey()).get("migmon");
            for (int m = 0; m < EtaEvaluation.MARKS.length; m++) {
                assertThat(migmon.median(m)).as("%s: ETA error at mark %d", e.getKey(), m)
                        .isLessThanOrEqualTo(e.getValue()[m] + 0.02);
            }
            assertThat(migmon.worst).as("%s: worst ETA error", e.getKey()).isLessThanOrEqualTo(e.getValue()[5] + 0.05);
        }
        for (int interval : EtaEvaluation.INTERVALS) {
            for (String name : new String[] {"steady", "noisy", "noisy-correlated-10", "noisy-correlated-60",
                    "noisy-correlated-120", "batchy", "planned-pause", "cold-start", "stall", "quiet-60"}) {
                String scenario = EtaEvaluation.key(name, interval);
                var migmon = result.get(scenario).get("migmon");
                var naive = result.get(scenario).get("cumulative average");
                for (int m = 0; m < EtaEvaluation.MARKS.length; m++) {
                    if (NOT_MET.contains(scenario + " " + m)) {
                        continue; // reported as missed; pinned by REPORTED
                    }
                    assertThat(migmon.median(m)).as("%s: not worse than the cumulative average at mark %d", scenario, m)
                            .isLessThanOrEqualTo(naive.median(m) + 0.01);
                }
            }
        }
    }
}
