package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ETA's held-out evaluation reported in docs/anomaly-detection.md: {@link EtaEvaluation#HELD_OUT} seeds
 * (7_330_001.., fixed and committed before the twelfth version of the rate model (issue 12: a line regime for ramps,
 * its level the likelihood-weighted fits of a constant, a line and a constant again) was tuned, never used to choose a
 * setting; run once for the report on 2026-11-27 22:27 UTC, reads every 5, 1 and 60 s). Writes the table to
 * {@code target/}; pins the reported figures with margins (the run is deterministic; the margins are for changes that
 * move the figures a little, which must then be re-reported).
 */
class EtaEvaluationTest {

    /**
     * migmon's median error at 10/25/50/75/90% done and its worst error after 10%, as reported (keys: scenario, then
     * " @1 s" / " @60 s" for those read schedules).
     */
    static final Map<String, double[]> REPORTED = Map.ofEntries(
            Map.entry("steady", new double[] {0.012, 0.003, 0.004, 0.004, 0.013, 0.049}),
            Map.entry("noisy", new double[] {0.045, 0.040, 0.037, 0.032, 0.047, 0.187}),
            Map.entry("noisy-correlated-10", new double[] {0.024, 0.027, 0.048, 0.034, 0.028, 0.191}),
            Map.entry("noisy-correlated-60", new double[] {0.076, 0.032, 0.091, 0.104, 0.098, 0.356}),
            Map.entry("noisy-correlated-120", new double[] {0.206, 0.113, 0.077, 0.085, 0.146, 0.958}),
            Map.entry("batchy", new double[] {0.017, 0.011, 0.013, 0.020, 0.028, 0.309}),
            Map.entry("planned-pause", new double[] {0.036, 0.054, 0.010, 0.013, 0.016, 0.134}),
            Map.entry("new-rate", new double[] {0.400, 0.447, 0.010, 0.013, 0.017, 0.508}),
            Map.entry("new-rate-double", new double[] {0.524, 0.686, 0.027, 0.018, 0.020, 1.069}),
            Map.entry("ramp", new double[] {0.396, 0.438, 0.077, 0.010, 0.007, 0.482}),
            Map.entry("cold-start", new double[] {0.049, 0.050, 0.071, 0.094, 0.040, 0.181}),
            Map.entry("stall", new double[] {0.072, 0.074, 0.009, 0.011, 0.018, 0.176}),
            Map.entry("quiet-60", new double[] {0.015, 0.014, 0.014, 0.026, 0.046, 1.352}),
            Map.entry("steady @1 s", new double[] {0.012, 0.002, 0.004, 0.004, 0.013, 0.051}),
            Map.entry("noisy @1 s", new double[] {0.046, 0.039, 0.038, 0.032, 0.048, 0.199}),
            Map.entry("noisy-correlated-10 @1 s", new double[] {0.030, 0.027, 0.048, 0.033, 0.028, 0.192}),
            Map.entry("noisy-correlated-60 @1 s", new double[] {0.074, 0.030, 0.089, 0.104, 0.097, 0.356}),
            Map.entry("noisy-correlated-120 @1 s", new double[] {0.207, 0.114, 0.077, 0.086, 0.146, 0.967}),
            Map.entry("batchy @1 s", new double[] {0.015, 0.009, 0.010, 0.015, 0.034, 0.396}),
            Map.entry("planned-pause @1 s", new double[] {0.039, 0.054, 0.010, 0.015, 0.018, 0.141}),
            Map.entry("new-rate @1 s", new double[] {0.401, 0.446, 0.011, 0.013, 0.016, 0.508}),
            Map.entry("new-rate-double @1 s", new double[] {0.523, 0.686, 0.026, 0.019, 0.016, 1.071}),
            Map.entry("ramp @1 s", new double[] {0.396, 0.437, 0.085, 0.011, 0.007, 0.482}),
            Map.entry("cold-start @1 s", new double[] {0.048, 0.046, 0.071, 0.073, 0.052, 0.178}),
            Map.entry("stall @1 s", new double[] {0.072, 0.074, 0.007, 0.009, 0.018, 0.176}),
            Map.entry("quiet-60 @1 s", new double[] {0.025, 0.018, 0.018, 0.031, 0.056, 1.352}),
            Map.entry("steady @60 s", new double[] {0.012, 0.002, 0.004, 0.003, 0.012, 0.042}),
            Map.entry("noisy @60 s", new double[] {0.047, 0.038, 0.032, 0.029, 0.054, 0.176}),
            Map.entry("noisy-correlated-10 @60 s", new double[] {0.029, 0.035, 0.041, 0.037, 0.044, 0.160}),
            Map.entry("noisy-correlated-60 @60 s", new double[] {0.077, 0.048, 0.100, 0.095, 0.098, 0.356}),
            Map.entry("noisy-correlated-120 @60 s", new double[] {0.206, 0.113, 0.094, 0.078, 0.133, 0.821}),
            Map.entry("batchy @60 s", new double[] {0.014, 0.010, 0.012, 0.024, 0.043, 0.157}),
            Map.entry("planned-pause @60 s", new double[] {0.032, 0.057, 0.009, 0.013, 0.015, 0.111}),
            Map.entry("new-rate @60 s", new double[] {0.401, 0.449, 0.008, 0.012, 0.017, 0.505}),
            Map.entry("new-rate-double @60 s", new double[] {0.526, 0.695, 0.027, 0.019, 0.025, 1.055}),
            Map.entry("ramp @60 s", new double[] {0.401, 0.443, 0.018, 0.010, 0.008, 0.481}),
            Map.entry("cold-start @60 s", new double[] {0.048, 0.048, 0.065, 0.182, 0.182, 0.148}),
            Map.entry("stall @60 s", new double[] {0.070, 0.074, 0.005, 0.008, 0.018, 0.174}),
            Map.entry("quiet-60 @60 s", new double[] {0.026, 0.015, 0.044, 0.044, 0.041, 0.784}));

    /**
     * Scenario and mark where the held-out run is worse than the cumulative average by more than 1 point, reported as
     * missed: the 2-minute cold start read every 5 s at 25, 50 and 75% done (5.0 vs 3.8%, 7.1 vs 5.0%, 9.4 vs 7.2%) and
     * read every second at 50 and 90% (7.1 vs 4.7%, 5.2 vs 3.6%): the lead-in left out (the tenth and eleventh
     * versions' known coin flip at a truth of seconds; the twelfth version's change needs 5 minutes of ramp and does
     * not act on a 2-minute job, see the docs' twelfth version note).
     */
    static final java.util.Set<String> NOT_MET = java.util.Set.of("cold-start 1", "cold-start 2", "cold-start 3",
            "cold-start @1 s 2", "cold-start @1 s 4");

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
            // a quiet job committing once a minute: STALLED only before its rhythm is learned (the gap after its first
            // commit): at most 5% at every read schedule (on these seeds 1.2 / 1.1 / 4.2% at 5 / 1 / 60 s reads)
            double stalledShare = 0.05;
            assertThat(result.get("quiet-60" + at).get("migmon").falselyStalled)
                    .as("quiet-60%s: working reads reported STALLED", at)
                    .isLessThanOrEqualTo((int) (result.get("quiet-60" + at).get("migmon").workingReads * stalledShare));
        }
        // back within 15% after a resume (the bar: 30 s): 0 s on every seed at every read schedule
        assertThat(result.get("planned-pause").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("planned-pause @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("planned-pause @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        // back within 15% after a new steady rate (the bar: 30 s), worst of 10 seeds: halves 23 s at 5 s and 1 s reads
        // (met); doubles 636 s and 638 s (one seed, the others within 18 s and 42 s); read once a minute 132 s
        // (halves) and 671 s (doubles): the 30 s bar cannot be met with a read a minute. Pinned as reported (+1 s, the
        // table rounds)
        assertThat(result.get("new-rate").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(24);
        assertThat(result.get("new-rate-double").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(637);
        assertThat(result.get("new-rate @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(24);
        assertThat(result.get("new-rate-double @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(639);
        assertThat(result.get("new-rate @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(133);
        assertThat(result.get("new-rate-double @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(672);
        // the end of a ramp (the bar, as for a new steady rate: 30 s): 2,139 s at 5 s and 2,135 s at 1 s reads (one
        // seed; 8 of 10 at 0 s, one at 42 / 89 s), 0 s on every seed read once a minute: pinned as reported (+1 s)
        assertThat(result.get("ramp").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(2140);
        assertThat(result.get("ramp @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(2136);
        assertThat(result.get("ramp @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(1);
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
