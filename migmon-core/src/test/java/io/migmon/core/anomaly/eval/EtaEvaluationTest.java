package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ETA's held-out evaluation reported in docs/anomaly-detection.md: {@link EtaEvaluation#HELD_OUT} seeds
 * (6_910_001.., fixed and committed before the tenth version of the rate model (issue 12: the first interval left out
 * only on evidence of a lead-in) was tuned, never used to choose a setting; run once for the report on 2026-11-27
 * 14:10 UTC, reads every 5, 1 and 60 s). Writes the table to {@code target/}; pins the reported figures with margins
 * (the run is deterministic; the margins are for changes that move the figures a little, which must then be
 * re-reported).
 */
class EtaEvaluationTest {

    /**
     * migmon's median error at 10/25/50/75/90% done and its worst error after 10%, as reported (keys: scenario, then
     * " @1 s" / " @60 s" for those read schedules).
     */
    static final Map<String, double[]> REPORTED = Map.ofEntries(
            Map.entry("steady", new double[] {0.005, 0.002, 0.002, 0.006, 0.009, 0.058}),
            Map.entry("noisy", new double[] {0.038, 0.036, 0.020, 0.021, 0.034, 0.259}),
            Map.entry("noisy-correlated-10", new double[] {0.058, 0.031, 0.036, 0.038, 0.054, 0.238}),
            Map.entry("noisy-correlated-60", new double[] {0.206, 0.073, 0.087, 0.096, 0.083, 0.468}),
            Map.entry("noisy-correlated-120", new double[] {0.088, 0.193, 0.135, 0.168, 0.238, 1.501}),
            Map.entry("batchy", new double[] {0.024, 0.013, 0.007, 0.017, 0.014, 0.270}),
            Map.entry("planned-pause", new double[] {0.057, 0.067, 0.015, 0.016, 0.013, 0.111}),
            Map.entry("new-rate", new double[] {0.401, 0.446, 0.007, 0.008, 0.011, 0.505}),
            Map.entry("new-rate-double", new double[] {0.495, 0.659, 0.044, 0.014, 0.018, 1.058}),
            Map.entry("ramp", new double[] {0.397, 0.442, 0.042, 0.013, 0.009, 0.479}),
            Map.entry("cold-start", new double[] {0.075, 0.063, 0.043, 0.073, 0.139, 0.230}),
            Map.entry("stall", new double[] {0.074, 0.079, 0.017, 0.013, 0.013, 0.146}),
            Map.entry("quiet-60", new double[] {0.025, 0.026, 0.034, 0.057, 0.178, 1.465}),
            Map.entry("steady @1 s", new double[] {0.003, 0.003, 0.002, 0.005, 0.009, 0.063}),
            Map.entry("noisy @1 s", new double[] {0.038, 0.031, 0.019, 0.023, 0.034, 0.263}),
            Map.entry("noisy-correlated-10 @1 s", new double[] {0.056, 0.029, 0.037, 0.038, 0.055, 0.245}),
            Map.entry("noisy-correlated-60 @1 s", new double[] {0.203, 0.073, 0.087, 0.096, 0.082, 0.468}),
            Map.entry("noisy-correlated-120 @1 s", new double[] {0.088, 0.196, 0.135, 0.168, 0.237, 1.532}),
            Map.entry("batchy @1 s", new double[] {0.022, 0.012, 0.008, 0.013, 0.016, 0.270}),
            Map.entry("planned-pause @1 s", new double[] {0.058, 0.064, 0.014, 0.016, 0.013, 0.124}),
            Map.entry("new-rate @1 s", new double[] {0.401, 0.445, 0.006, 0.006, 0.010, 0.505}),
            Map.entry("new-rate-double @1 s", new double[] {0.496, 0.660, 0.044, 0.019, 0.019, 1.064}),
            Map.entry("ramp @1 s", new double[] {0.397, 0.443, 0.056, 0.019, 0.010, 0.479}),
            Map.entry("cold-start @1 s", new double[] {0.042, 0.060, 0.048, 0.074, 0.096, 0.233}),
            Map.entry("stall @1 s", new double[] {0.074, 0.080, 0.008, 0.009, 0.014, 0.147}),
            Map.entry("quiet-60 @1 s", new double[] {0.026, 0.027, 0.035, 0.063, 0.188, 1.465}),
            Map.entry("steady @60 s", new double[] {0.009, 0.003, 0.003, 0.003, 0.009, 0.055}),
            Map.entry("noisy @60 s", new double[] {0.037, 0.038, 0.023, 0.020, 0.037, 0.231}),
            Map.entry("noisy-correlated-10 @60 s", new double[] {0.054, 0.029, 0.024, 0.031, 0.052, 0.231}),
            Map.entry("noisy-correlated-60 @60 s", new double[] {0.225, 0.065, 0.090, 0.096, 0.096, 0.456}),
            Map.entry("noisy-correlated-120 @60 s", new double[] {0.114, 0.195, 0.130, 0.170, 0.227, 1.266}),
            Map.entry("batchy @60 s", new double[] {0.024, 0.016, 0.008, 0.022, 0.013, 0.270}),
            Map.entry("planned-pause @60 s", new double[] {0.056, 0.066, 0.017, 0.016, 0.010, 0.109}),
            Map.entry("new-rate @60 s", new double[] {0.404, 0.448, 0.014, 0.006, 0.011, 0.504}),
            Map.entry("new-rate-double @60 s", new double[] {0.513, 0.678, 0.036, 0.016, 0.019, 1.033}),
            Map.entry("ramp @60 s", new double[] {0.399, 0.445, 0.057, 0.020, 0.014, 0.478}),
            Map.entry("cold-start @60 s", new double[] {0.068, 0.068, 0.107, 0.107, 0.107, 0.240}),
            Map.entry("stall @60 s", new double[] {0.070, 0.079, 0.008, 0.012, 0.014, 0.146}),
            Map.entry("quiet-60 @60 s", new double[] {0.099, 0.071, 0.025, 0.055, 0.096, 0.806}));

    /**
     * Scenario and mark where the held-out run is worse than the cumulative average by more than 1 point, reported as
     * missed: quiet-60 read once a minute at 10% and 25% done (9.9 vs 3.1%, 7.1 vs 2.3%; the ninth version's code 6.5
     * and 7.1% on these seeds), noise correlated over 120 s read once a minute at 10% (11.4 vs 9.1%, the ninth
     * version's code the same), cold start read every second at 90% (9.6 vs 8.3%, the ninth version's code the same).
     */
    static final java.util.Set<String> NOT_MET = java.util.Set.of("cold-start @1 s 4", "noisy-correlated-120 @60 s 0",
            "quiet-60 @60 s 0", "quiet-60 @60 s 1");

    @Test
    void etaOnHeldOutSeeds() throws IOException {
        // the figures below are the tenth version's on its held-out seeds (now retired to tuning); the eleventh
        // version's run on HELD_OUT replaces them once its code is final
        var result = EtaEvaluation.run(EtaEvaluation.RETIRED_HELD_OUT_10, 10);
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
            // commit): at most 5% at every read schedule (on these seeds 1.3 / 1.2 / 4.9% at 5 / 1 / 60 s reads)
            double stalledShare = 0.05;
            assertThat(result.get("quiet-60" + at).get("migmon").falselyStalled)
                    .as("quiet-60%s: working reads reported STALLED", at)
                    .isLessThanOrEqualTo((int) (result.get("quiet-60" + at).get("migmon").workingReads * stalledShare));
        }
        // back within 15% after a resume (the bar: 30 s): 0 s on every seed at every read schedule
        assertThat(result.get("planned-pause").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("planned-pause @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("planned-pause @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        // back within 15% after a new steady rate (the bar: 30 s), worst of 10 seeds: halves 25 s at 5 s reads (met),
        // 31 s at 1 s; 121 s read once a minute (the 30 s bar cannot be met with a read a minute). Doubles 849 s at 5 s
        // and 851 s at 1 s reads: one seed whose ETA is back within 15% 20 s after the change and leaves the band again
        // late in the job (truth 40-60 s, a few seconds off), the others within 47 s; 123 s at 60 s. Pinned as reported
        // (+1 s, the table rounds)
        assertThat(result.get("new-rate").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(26);
        assertThat(result.get("new-rate-double").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(850);
        assertThat(result.get("new-rate @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(32);
        assertThat(result.get("new-rate-double @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(852);
        assertThat(result.get("new-rate @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(122);
        assertThat(result.get("new-rate-double @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(124);
        // the end of a ramp (the bar, as for a new steady rate: 30 s): 234 s at 5 s, 2,599 s at 1 s, 376 s at 60 s
        // reads: missed, pinned as reported (+1 s)
        assertThat(result.get("ramp").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(235);
        assertThat(result.get("ramp @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(2600);
        assertThat(result.get("ramp @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(377);
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
