package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ETA's held-out evaluation reported in docs/anomaly-detection.md: {@link EtaEvaluation#HELD_OUT} seeds
 * (2_100_001.., fixed and committed before the sixth version of the rate model (issue 12, attack 3) was tuned, never
 * used to choose a setting; run once for the report on 2026-11-27 07:26 UTC, reads every 5, 1 and 60 s). Writes the table to
 * {@code target/}; pins the reported figures with margins (the run is deterministic; the margins are for changes that move the figures a
 * little, which must then be re-reported).
 */
class EtaEvaluationTest {

    /**
     * migmon's median error at 10/25/50/75/90% done and its worst error after 10%, as reported (keys: scenario, then
     * " @1 s" / " @60 s" for those read schedules).
     */
    static final Map<String, double[]> REPORTED = Map.ofEntries(
            Map.entry("steady", new double[] {0.005, 0.004, 0.005, 0.005, 0.011, 0.056}),
            Map.entry("noisy", new double[] {0.040, 0.029, 0.021, 0.021, 0.035, 0.223}),
            Map.entry("noisy-correlated-10", new double[] {0.054, 0.034, 0.036, 0.041, 0.047, 0.218}),
            Map.entry("noisy-correlated-60", new double[] {0.083, 0.101, 0.094, 0.082, 0.121, 0.520}),
            Map.entry("noisy-correlated-120", new double[] {0.210, 0.200, 0.091, 0.106, 0.240, 0.819}),
            Map.entry("batchy", new double[] {0.013, 0.014, 0.012, 0.022, 0.018, 0.206}),
            Map.entry("planned-pause", new double[] {0.057, 0.054, 0.015, 0.009, 0.020, 0.105}),
            Map.entry("new-rate", new double[] {0.412, 0.447, 0.009, 0.006, 0.008, 0.509}),
            Map.entry("new-rate-double", new double[] {0.504, 0.671, 0.026, 0.017, 0.024, 1.054}),
            Map.entry("ramp", new double[] {0.396, 0.441, 0.102, 0.032, 0.033, 0.480}),
            Map.entry("cold-start", new double[] {0.072, 0.031, 0.044, 0.084, 0.091, 0.149}),
            Map.entry("stall", new double[] {0.085, 0.082, 0.013, 0.014, 0.011, 0.166}),
            Map.entry("quiet-60", new double[] {0.012, 0.020, 0.026, 0.053, 0.110, 1.519}),
            Map.entry("steady @1 s", new double[] {0.008, 0.004, 0.005, 0.004, 0.011, 0.065}),
            Map.entry("noisy @1 s", new double[] {0.039, 0.028, 0.021, 0.022, 0.035, 0.251}),
            Map.entry("noisy-correlated-10 @1 s", new double[] {0.056, 0.036, 0.036, 0.042, 0.049, 0.232}),
            Map.entry("noisy-correlated-60 @1 s", new double[] {0.083, 0.102, 0.094, 0.079, 0.121, 0.520}),
            Map.entry("noisy-correlated-120 @1 s", new double[] {0.211, 0.198, 0.093, 0.106, 0.237, 0.819}),
            Map.entry("batchy @1 s", new double[] {0.013, 0.011, 0.011, 0.017, 0.011, 0.311}),
            Map.entry("planned-pause @1 s", new double[] {0.056, 0.053, 0.014, 0.010, 0.019, 0.105}),
            Map.entry("new-rate @1 s", new double[] {0.412, 0.446, 0.009, 0.007, 0.008, 0.509}),
            Map.entry("new-rate-double @1 s", new double[] {0.502, 0.671, 0.018, 0.016, 0.024, 1.058}),
            Map.entry("ramp @1 s", new double[] {0.396, 0.440, 0.112, 0.033, 0.033, 0.480}),
            Map.entry("cold-start @1 s", new double[] {0.071, 0.049, 0.025, 0.066, 0.095, 0.139}),
            Map.entry("stall @1 s", new double[] {0.081, 0.082, 0.011, 0.011, 0.008, 0.166}),
            Map.entry("quiet-60 @1 s", new double[] {0.015, 0.021, 0.026, 0.053, 0.120, 1.577}),
            Map.entry("steady @60 s", new double[] {0.010, 0.004, 0.004, 0.005, 0.010, 0.050}),
            Map.entry("noisy @60 s", new double[] {0.030, 0.025, 0.021, 0.027, 0.030, 0.094}),
            Map.entry("noisy-correlated-10 @60 s", new double[] {0.053, 0.033, 0.032, 0.041, 0.042, 0.185}),
            Map.entry("noisy-correlated-60 @60 s", new double[] {0.094, 0.087, 0.099, 0.083, 0.103, 0.448}),
            Map.entry("noisy-correlated-120 @60 s", new double[] {0.165, 0.208, 0.090, 0.138, 0.247, 0.811}),
            Map.entry("batchy @60 s", new double[] {0.020, 0.017, 0.016, 0.021, 0.018, 0.168}),
            Map.entry("planned-pause @60 s", new double[] {0.059, 0.053, 0.016, 0.011, 0.016, 0.087}),
            Map.entry("new-rate @60 s", new double[] {0.414, 0.449, 0.014, 0.007, 0.007, 0.506}),
            Map.entry("new-rate-double @60 s", new double[] {0.506, 0.678, 0.023, 0.016, 0.024, 1.026}),
            Map.entry("ramp @60 s", new double[] {0.395, 0.442, 0.081, 0.028, 0.029, 0.478}),
            Map.entry("cold-start @60 s", new double[] {0.041, 0.041, 0.184, 0.230, 0.230, 0.169}),
            Map.entry("stall @60 s", new double[] {0.082, 0.082, 0.431, 0.060, 0.047, 0.564}),
            Map.entry("quiet-60 @60 s", new double[] {0.051, 0.033, 0.030, 0.067, 0.086, 0.935}));

    /**
     * Scenario and mark where the held-out run is worse than the cumulative average by more than 1 point: noise
     * correlated over 120 s read once a minute at 10% (16.5 vs 14.4%) and a stall read once a minute at 50% (43.1 vs
     * 12.2%: the read after the stall's end holds an unknown part of it).
     */
    static final java.util.Set<String> NOT_MET = java.util.Set.of("noisy-correlated-120 @60 s 0", "stall @60 s 2");

    @Test
    void etaOnHeldOutSeeds() throws IOException {
        var result = EtaEvaluation.run(EtaEvaluation.HELD_OUT, 10);
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
            // a quiet job committing once a minute: STALLED only before its rhythm is learned (its first gaps): at most 5%
            // (on these seeds 2.1 / 2.4 / 3.9% at 5 / 1 / 60 s reads)
            assertThat(result.get("quiet-60" + at).get("migmon").falselyStalled)
                    .as("quiet-60%s: working reads reported STALLED", at)
                    .isLessThanOrEqualTo((int) (result.get("quiet-60" + at).get("migmon").workingReads * 0.05));
        }
        // back within 15% after a new steady rate (the bar: 30 s): on these seeds 21 s (halves) at reads 5 s apart, 17 s
        // at 1 s, 105 s read once a minute (the 30 s bar cannot be met with a read a minute); doubles: 915 s at 5 s and
        // 1 s reads, 965 s at 60 s (one seed on which the cumulative average and the 60 s window are no better:
        // 1,066 / 1,009 s): missed, pinned as reported (+1 s, the table rounds)
        assertThat(result.get("new-rate").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(22);
        assertThat(result.get("new-rate-double").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(916);
        assertThat(result.get("new-rate @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(18);
        assertThat(result.get("new-rate-double @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(916);
        assertThat(result.get("new-rate @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(106);
        assertThat(result.get("new-rate-double @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(966);
        // the ramp: from 75% done within 15% at every read schedule
        for (int interval : EtaEvaluation.INTERVALS) {
            var ramp = result.get(EtaEvaluation.key("ramp", interval)).get("migmon");
            assertThat(ramp.median(3)).as("ramp @%d s at 75%% done", interval).isLessThanOrEqualTo(0.15);
            assertThat(ramp.median(4)).as("ramp @%d s at 90%% done", interval).isLessThanOrEqualTo(0.15);
        }
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
