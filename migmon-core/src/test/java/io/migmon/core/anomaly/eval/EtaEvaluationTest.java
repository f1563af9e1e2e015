package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ETA's held-out evaluation reported in docs/anomaly-detection.md: {@link EtaEvaluation#HELD_OUT} seeds
 * (7_540_001.., fixed and committed before the thirteenth round on the rate model (issue 12: the cold start against the
 * cumulative average, the 30 s bar after a change; no change of the model was kept) and never used to choose a
 * setting; run once for the report on 2026-11-28 00:45 UTC, reads every 5, 1 and 60 s). Writes the table to
 * {@code target/}; pins the reported figures with margins (the run is deterministic; the margins are for changes that
 * move the figures a little, which must then be re-reported).
 */
class EtaEvaluationTest {

    /**
     * migmon's median error at 10/25/50/75/90% done and its worst error after 10%, as reported (keys: scenario, then
     * " @1 s" / " @60 s" for those read schedules).
     */
    static final Map<String, double[]> REPORTED = Map.ofEntries(
            Map.entry("steady", new double[] {0.009, 0.006, 0.005, 0.006, 0.007, 0.079}),
            Map.entry("noisy", new double[] {0.044, 0.026, 0.022, 0.017, 0.033, 0.214}),
            Map.entry("noisy-correlated-10", new double[] {0.037, 0.028, 0.028, 0.011, 0.018, 0.555}),
            Map.entry("noisy-correlated-60", new double[] {0.126, 0.053, 0.101, 0.080, 0.074, 0.450}),
            Map.entry("noisy-correlated-120", new double[] {0.193, 0.139, 0.170, 0.198, 0.239, 0.464}),
            Map.entry("batchy", new double[] {0.020, 0.019, 0.010, 0.009, 0.028, 0.210}),
            Map.entry("planned-pause", new double[] {0.048, 0.059, 0.007, 0.008, 0.011, 0.110}),
            Map.entry("new-rate", new double[] {0.410, 0.447, 0.016, 0.014, 0.016, 0.507}),
            Map.entry("new-rate-double", new double[] {0.486, 0.668, 0.020, 0.011, 0.012, 1.031}),
            Map.entry("ramp", new double[] {0.383, 0.429, 0.082, 0.007, 0.014, 0.480}),
            Map.entry("cold-start", new double[] {0.081, 0.095, 0.064, 0.075, 0.041, 0.287}),
            Map.entry("stall", new double[] {0.075, 0.081, 0.011, 0.015, 0.016, 0.179}),
            Map.entry("quiet-60", new double[] {0.016, 0.017, 0.023, 0.049, 0.116, 0.943}),
            Map.entry("steady @1 s", new double[] {0.009, 0.006, 0.006, 0.007, 0.011, 0.095}),
            Map.entry("noisy @1 s", new double[] {0.048, 0.023, 0.023, 0.018, 0.026, 0.224}),
            Map.entry("noisy-correlated-10 @1 s", new double[] {0.036, 0.027, 0.027, 0.011, 0.017, 0.591}),
            Map.entry("noisy-correlated-60 @1 s", new double[] {0.130, 0.053, 0.101, 0.078, 0.067, 0.452}),
            Map.entry("noisy-correlated-120 @1 s", new double[] {0.198, 0.142, 0.169, 0.198, 0.242, 0.467}),
            Map.entry("batchy @1 s", new double[] {0.020, 0.015, 0.014, 0.008, 0.027, 0.252}),
            Map.entry("planned-pause @1 s", new double[] {0.048, 0.059, 0.007, 0.009, 0.011, 0.117}),
            Map.entry("new-rate @1 s", new double[] {0.411, 0.447, 0.016, 0.014, 0.017, 0.507}),
            Map.entry("new-rate-double @1 s", new double[] {0.491, 0.667, 0.018, 0.009, 0.013, 1.034}),
            Map.entry("ramp @1 s", new double[] {0.381, 0.429, 0.095, 0.008, 0.014, 0.481}),
            Map.entry("cold-start @1 s", new double[] {0.079, 0.064, 0.067, 0.060, 0.058, 0.206}),
            Map.entry("stall @1 s", new double[] {0.078, 0.079, 0.009, 0.015, 0.016, 0.179}),
            Map.entry("quiet-60 @1 s", new double[] {0.017, 0.022, 0.026, 0.053, 0.128, 0.943}),
            Map.entry("steady @60 s", new double[] {0.008, 0.006, 0.005, 0.007, 0.013, 0.056}),
            Map.entry("noisy @60 s", new double[] {0.043, 0.019, 0.020, 0.022, 0.022, 0.107}),
            Map.entry("noisy-correlated-10 @60 s", new double[] {0.031, 0.021, 0.028, 0.019, 0.040, 0.254}),
            Map.entry("noisy-correlated-60 @60 s", new double[] {0.109, 0.063, 0.110, 0.091, 0.092, 0.441}),
            Map.entry("noisy-correlated-120 @60 s", new double[] {0.153, 0.144, 0.171, 0.192, 0.220, 0.451}),
            Map.entry("batchy @60 s", new double[] {0.016, 0.014, 0.009, 0.006, 0.030, 0.103}),
            Map.entry("planned-pause @60 s", new double[] {0.053, 0.060, 0.008, 0.011, 0.016, 0.100}),
            Map.entry("new-rate @60 s", new double[] {0.413, 0.450, 0.007, 0.016, 0.016, 0.506}),
            Map.entry("new-rate-double @60 s", new double[] {0.505, 0.684, 0.017, 0.007, 0.025, 1.028}),
            Map.entry("ramp @60 s", new double[] {0.380, 0.435, 0.053, 0.008, 0.017, 0.479}),
            Map.entry("cold-start @60 s", new double[] {0.066, 0.066, 0.129, 0.180, 0.180, 0.121}),
            Map.entry("stall @60 s", new double[] {0.075, 0.080, 0.009, 0.016, 0.021, 0.176}),
            Map.entry("quiet-60 @60 s", new double[] {0.086, 0.034, 0.023, 0.040, 0.076, 0.902}));

    /**
     * Scenario and mark where the held-out run is worse than the cumulative average by more than 1 point, reported as
     * missed: the 2-minute cold start at 25% done, read every 5 s (9.5 vs 5.2%) and every second (6.4 vs 4.0%). The
     * model leaves the lead-in out and is unbiased there; the cumulative average reads about 6% high at 25% done (the
     * lead-in over ~30 s), which wins on a set of seeds whose rate ran fast early. On the 100 tuning seeds the model's
     * median is the better at 25% (3.8 vs 6.4% read every 5 s, 3.0 vs 6.7% read every second), and 1 to 3 of 10 sets of
     * 10 seeds per cold-start cell at 25-90% done are worse by more than 1 point (docs: thirteenth version).
     */
    static final java.util.Set<String> NOT_MET = java.util.Set.of("cold-start 1", "cold-start @1 s 1");

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
            // commit): at most 5% at every read schedule (on these seeds 1.0 / 0.9 / 4.0% at 5 / 1 / 60 s reads)
            double stalledShare = 0.05;
            assertThat(result.get("quiet-60" + at).get("migmon").falselyStalled)
                    .as("quiet-60%s: working reads reported STALLED", at)
                    .isLessThanOrEqualTo((int) (result.get("quiet-60" + at).get("migmon").workingReads * stalledShare));
        }
        // back within 15% after a resume (the bar: 30 s): 0 s on every seed at every read schedule (this set too)
        assertThat(result.get("planned-pause").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("planned-pause @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("planned-pause @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        // back within 15% after a new steady rate (the bar: 30 s), worst of 10 seeds: halves 22 s and 18 s at 5 s and
        // 1 s reads, doubles 19 s and 24 s (met); read once a minute 127 s (halves) and 138 s (doubles): the 30 s bar
        // cannot be met with a read a minute. Pinned as reported (+1 s, the table rounds)
        assertThat(result.get("new-rate").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(23);
        assertThat(result.get("new-rate-double").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(20);
        assertThat(result.get("new-rate @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(19);
        assertThat(result.get("new-rate-double @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(25);
        assertThat(result.get("new-rate @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(128);
        assertThat(result.get("new-rate-double @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(139);
        // the end of a ramp (the bar, as for a new steady rate: 30 s): 0 s on every seed read every 5 s; read every
        // second 1,618 s (one seed whose ETA leaves the band late in the job, 31 s before its end; the other nine 0 s);
        // read once a minute 74 s (one seed; the others 0 s): pinned as reported (+1 s)
        assertThat(result.get("ramp").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(1);
        assertThat(result.get("ramp @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(1619);
        assertThat(result.get("ramp @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(75);
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
