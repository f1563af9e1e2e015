package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ETA's held-out evaluation reported in docs/anomaly-detection.md: {@link EtaEvaluation#HELD_OUT} seeds
 * (7_120_001.., fixed and committed before the eleventh version of the rate model (issue 12: the first interval kept
 * when a quiet job's first commit explains it, its noise shrunk towards the prior while few spans measure it) was
 * tuned, never used to choose a setting; run once for the report on 2026-11-27 17:49 UTC, reads every 5, 1 and 60 s).
 * Writes the table to {@code target/}; pins the reported figures with margins (the run is deterministic; the margins
 * are for changes that move the figures a little, which must then be re-reported).
 */
class EtaEvaluationTest {

    /**
     * migmon's median error at 10/25/50/75/90% done and its worst error after 10%, as reported (keys: scenario, then
     * " @1 s" / " @60 s" for those read schedules).
     */
    static final Map<String, double[]> REPORTED = Map.ofEntries(
            Map.entry("steady", new double[] {0.008, 0.003, 0.004, 0.004, 0.010, 0.049}),
            Map.entry("noisy", new double[] {0.046, 0.014, 0.022, 0.045, 0.080, 0.224}),
            Map.entry("noisy-correlated-10", new double[] {0.074, 0.027, 0.033, 0.043, 0.133, 0.526}),
            Map.entry("noisy-correlated-60", new double[] {0.104, 0.068, 0.056, 0.072, 0.110, 0.798}),
            Map.entry("noisy-correlated-120", new double[] {0.121, 0.077, 0.098, 0.106, 0.160, 0.407}),
            Map.entry("batchy", new double[] {0.017, 0.014, 0.012, 0.010, 0.011, 0.165}),
            Map.entry("planned-pause", new double[] {0.042, 0.059, 0.009, 0.009, 0.016, 0.104}),
            Map.entry("new-rate", new double[] {0.405, 0.447, 0.012, 0.011, 0.008, 0.510}),
            Map.entry("new-rate-double", new double[] {0.499, 0.673, 0.019, 0.019, 0.022, 1.048}),
            Map.entry("ramp", new double[] {0.389, 0.444, 0.070, 0.012, 0.008, 0.484}),
            Map.entry("cold-start", new double[] {0.098, 0.070, 0.021, 0.042, 0.069, 0.189}),
            Map.entry("stall", new double[] {0.078, 0.088, 0.012, 0.012, 0.012, 0.135}),
            Map.entry("quiet-60", new double[] {0.013, 0.018, 0.022, 0.022, 0.076, 1.467}),
            Map.entry("steady @1 s", new double[] {0.008, 0.003, 0.003, 0.005, 0.011, 0.050}),
            Map.entry("noisy @1 s", new double[] {0.044, 0.014, 0.022, 0.045, 0.080, 0.232}),
            Map.entry("noisy-correlated-10 @1 s", new double[] {0.082, 0.025, 0.033, 0.043, 0.135, 0.526}),
            Map.entry("noisy-correlated-60 @1 s", new double[] {0.104, 0.068, 0.055, 0.072, 0.110, 0.839}),
            Map.entry("noisy-correlated-120 @1 s", new double[] {0.118, 0.077, 0.098, 0.110, 0.160, 0.408}),
            Map.entry("batchy @1 s", new double[] {0.015, 0.014, 0.012, 0.015, 0.017, 0.200}),
            Map.entry("planned-pause @1 s", new double[] {0.041, 0.059, 0.009, 0.009, 0.013, 0.104}),
            Map.entry("new-rate @1 s", new double[] {0.404, 0.447, 0.012, 0.011, 0.009, 0.511}),
            Map.entry("new-rate-double @1 s", new double[] {0.498, 0.672, 0.023, 0.021, 0.019, 1.051}),
            Map.entry("ramp @1 s", new double[] {0.390, 0.443, 0.072, 0.012, 0.018, 0.484}),
            Map.entry("cold-start @1 s", new double[] {0.080, 0.025, 0.020, 0.043, 0.042, 0.177}),
            Map.entry("stall @1 s", new double[] {0.080, 0.086, 0.012, 0.013, 0.015, 0.135}),
            Map.entry("quiet-60 @1 s", new double[] {0.013, 0.019, 0.022, 0.027, 0.081, 1.630}),
            Map.entry("steady @60 s", new double[] {0.009, 0.003, 0.004, 0.004, 0.010, 0.040}),
            Map.entry("noisy @60 s", new double[] {0.051, 0.011, 0.022, 0.045, 0.053, 0.202}),
            Map.entry("noisy-correlated-10 @60 s", new double[] {0.078, 0.036, 0.029, 0.043, 0.130, 0.497}),
            Map.entry("noisy-correlated-60 @60 s", new double[] {0.094, 0.077, 0.055, 0.074, 0.114, 0.524}),
            Map.entry("noisy-correlated-120 @60 s", new double[] {0.103, 0.077, 0.095, 0.111, 0.131, 0.403}),
            Map.entry("batchy @60 s", new double[] {0.016, 0.018, 0.016, 0.016, 0.023, 0.117}),
            Map.entry("planned-pause @60 s", new double[] {0.049, 0.060, 0.009, 0.012, 0.009, 0.093}),
            Map.entry("new-rate @60 s", new double[] {0.410, 0.450, 0.013, 0.012, 0.009, 0.509}),
            Map.entry("new-rate-double @60 s", new double[] {0.517, 0.693, 0.021, 0.019, 0.040, 1.025}),
            Map.entry("ramp @60 s", new double[] {0.393, 0.445, 0.062, 0.019, 0.017, 0.483}),
            Map.entry("cold-start @60 s", new double[] {0.061, 0.061, 0.114, 0.114, 0.114, 0.157}),
            Map.entry("stall @60 s", new double[] {0.076, 0.086, 0.018, 0.015, 0.019, 0.135}),
            Map.entry("quiet-60 @60 s", new double[] {0.116, 0.048, 0.025, 0.055, 0.182, 0.795}));

    /**
     * Scenario and mark where the held-out run is worse than the cumulative average by more than 1 point, reported as
     * missed: none on these seeds (the largest difference: noise correlated over 120 s read every 5 s at 10% done,
     * 12.1 vs 11.8%). On the tuning seeds, cold start read every second at 90% done is such a cell in 4 of 11 sets of
     * 10 seeds (a 12 s truth: whether leaving the lead-in out helps is a coin flip there, 55 seeds better and 55
     * worse of 110); a fresh set can show it.
     */
    static final java.util.Set<String> NOT_MET = java.util.Set.of();

    @Test
    void etaOnHeldOutSeeds() throws IOException {
        // the figures below are the eleventh version's on its held-out seeds (now retired to tuning); the twelfth
        // version's run on HELD_OUT replaces them once its code is final
        var result = EtaEvaluation.run(EtaEvaluation.RETIRED_HELD_OUT_11, 10);
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
            // commit): at most 5% at every read schedule (on these seeds 1.3 / 1.3 / 4.4% at 5 / 1 / 60 s reads)
            double stalledShare = 0.05;
            assertThat(result.get("quiet-60" + at).get("migmon").falselyStalled)
                    .as("quiet-60%s: working reads reported STALLED", at)
                    .isLessThanOrEqualTo((int) (result.get("quiet-60" + at).get("migmon").workingReads * stalledShare));
        }
        // back within 15% after a resume (the bar: 30 s): 0 s on every seed at every read schedule
        assertThat(result.get("planned-pause").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("planned-pause @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("planned-pause @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        // back within 15% after a new steady rate (the bar: 30 s), worst of 10 seeds: halves 24 s at 5 s reads (met),
        // 31 s at 1 s (30.7 s, missed by under a second); doubles 20 s and 25 s (met); read once a minute 142 s
        // (halves) and 122 s (doubles): the 30 s bar cannot be met with a read a minute. Pinned as reported (+1 s, the
        // table rounds)
        assertThat(result.get("new-rate").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(25);
        assertThat(result.get("new-rate-double").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(21);
        assertThat(result.get("new-rate @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(32);
        assertThat(result.get("new-rate-double @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(26);
        assertThat(result.get("new-rate @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(143);
        assertThat(result.get("new-rate-double @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(123);
        // the end of a ramp (the bar, as for a new steady rate: 30 s): 145 s at 5 s, 210 s at 1 s, 420 s at 60 s
        // reads: missed, pinned as reported (+1 s)
        assertThat(result.get("ramp").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(146);
        assertThat(result.get("ramp @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(211);
        assertThat(result.get("ramp @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(421);
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
