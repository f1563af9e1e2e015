package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ETA's held-out evaluation reported in docs/anomaly-detection.md: {@link EtaEvaluation#HELD_OUT} seeds
 * (5_830_001.., fixed and committed before the ninth version of the rate model (issue 12: a quiet job's commit
 * rhythm learned from its first two similar gaps) was tuned, never used to choose a setting; run once for the report
 * on 2026-11-27 11:06 UTC, reads every 5, 1 and 60 s). Writes the table to {@code target/}; pins the
 * reported figures with margins (the run is deterministic; the margins are for changes that move the figures a little,
 * which must then be re-reported).
 */
class EtaEvaluationTest {

    /**
     * migmon's median error at 10/25/50/75/90% done and its worst error after 10%, as reported (keys: scenario, then
     * " @1 s" / " @60 s" for those read schedules).
     */
    static final Map<String, double[]> REPORTED = Map.ofEntries(
            Map.entry("steady", new double[] {0.007, 0.007, 0.003, 0.008, 0.008, 0.056}),
            Map.entry("noisy", new double[] {0.035, 0.029, 0.011, 0.007, 0.040, 0.219}),
            Map.entry("noisy-correlated-10", new double[] {0.068, 0.064, 0.030, 0.019, 0.028, 0.234}),
            Map.entry("noisy-correlated-60", new double[] {0.087, 0.120, 0.125, 0.188, 0.063, 0.699}),
            Map.entry("noisy-correlated-120", new double[] {0.163, 0.109, 0.058, 0.070, 0.112, 0.558}),
            Map.entry("batchy", new double[] {0.019, 0.018, 0.009, 0.013, 0.011, 0.213}),
            Map.entry("planned-pause", new double[] {0.052, 0.058, 0.011, 0.017, 0.015, 0.121}),
            Map.entry("new-rate", new double[] {0.396, 0.445, 0.008, 0.006, 0.009, 0.503}),
            Map.entry("new-rate-double", new double[] {0.499, 0.672, 0.031, 0.025, 0.050, 1.035}),
            Map.entry("ramp", new double[] {0.406, 0.451, 0.047, 0.021, 0.018, 0.485}),
            Map.entry("cold-start", new double[] {0.059, 0.045, 0.034, 0.048, 0.068, 0.214}),
            Map.entry("stall", new double[] {0.084, 0.087, 0.019, 0.010, 0.010, 0.167}),
            Map.entry("quiet-60", new double[] {0.016, 0.021, 0.035, 0.073, 0.186, 1.158}),
            Map.entry("steady @1 s", new double[] {0.008, 0.007, 0.003, 0.007, 0.007, 0.064}),
            Map.entry("noisy @1 s", new double[] {0.036, 0.029, 0.011, 0.008, 0.040, 0.228}),
            Map.entry("noisy-correlated-10 @1 s", new double[] {0.062, 0.062, 0.029, 0.018, 0.032, 0.234}),
            Map.entry("noisy-correlated-60 @1 s", new double[] {0.092, 0.122, 0.124, 0.189, 0.055, 0.706}),
            Map.entry("noisy-correlated-120 @1 s", new double[] {0.171, 0.109, 0.057, 0.071, 0.115, 0.566}),
            Map.entry("batchy @1 s", new double[] {0.025, 0.012, 0.011, 0.008, 0.019, 0.259}),
            Map.entry("planned-pause @1 s", new double[] {0.052, 0.058, 0.011, 0.017, 0.015, 0.121}),
            Map.entry("new-rate @1 s", new double[] {0.396, 0.445, 0.010, 0.007, 0.009, 0.503}),
            Map.entry("new-rate-double @1 s", new double[] {0.496, 0.666, 0.033, 0.023, 0.037, 1.041}),
            Map.entry("ramp @1 s", new double[] {0.406, 0.450, 0.066, 0.018, 0.022, 0.485}),
            Map.entry("cold-start @1 s", new double[] {0.062, 0.063, 0.039, 0.052, 0.062, 0.228}),
            Map.entry("stall @1 s", new double[] {0.083, 0.086, 0.002, 0.009, 0.013, 0.167}),
            Map.entry("quiet-60 @1 s", new double[] {0.024, 0.023, 0.040, 0.082, 0.192, 1.238}),
            Map.entry("steady @60 s", new double[] {0.008, 0.006, 0.002, 0.008, 0.008, 0.056}),
            Map.entry("noisy @60 s", new double[] {0.032, 0.027, 0.014, 0.016, 0.034, 0.195}),
            Map.entry("noisy-correlated-10 @60 s", new double[] {0.069, 0.069, 0.022, 0.023, 0.039, 0.175}),
            Map.entry("noisy-correlated-60 @60 s", new double[] {0.109, 0.125, 0.128, 0.169, 0.087, 0.644}),
            Map.entry("noisy-correlated-120 @60 s", new double[] {0.116, 0.105, 0.058, 0.069, 0.098, 0.542}),
            Map.entry("batchy @60 s", new double[] {0.015, 0.013, 0.012, 0.007, 0.023, 0.134}),
            Map.entry("planned-pause @60 s", new double[] {0.058, 0.058, 0.011, 0.017, 0.010, 0.097}),
            Map.entry("new-rate @60 s", new double[] {0.401, 0.447, 0.008, 0.007, 0.010, 0.502}),
            Map.entry("new-rate-double @60 s", new double[] {0.505, 0.689, 0.019, 0.023, 0.039, 1.015}),
            Map.entry("ramp @60 s", new double[] {0.412, 0.454, 0.054, 0.016, 0.028, 0.485}),
            Map.entry("cold-start @60 s", new double[] {0.035, 0.035, 0.091, 0.144, 0.144, 0.069}),
            Map.entry("stall @60 s", new double[] {0.085, 0.087, 0.011, 0.011, 0.012, 0.160}),
            Map.entry("quiet-60 @60 s", new double[] {0.192, 0.028, 0.028, 0.061, 0.108, 0.579}));

    /**
     * Scenario and mark where the held-out run is worse than the cumulative average by more than 1 point, reported as
     * missed (the eighth version's code gives the same figures on these seeds): cold start at 50% done (3.4 vs 1.8% at 5 s
     * reads, 3.9 vs 2.8% at 1 s; both within 15%), noise correlated over 120 s read once a minute at 25% (10.5 vs 7.8%),
     * quiet-60 read once a minute at 10% (19.2 vs 4.0%) and 75% (6.1 vs 5.0%).
     */
    static final java.util.Set<String> NOT_MET = java.util.Set.of("cold-start 2", "cold-start @1 s 2",
            "noisy-correlated-120 @60 s 1", "quiet-60 @60 s 0", "quiet-60 @60 s 3");

    @Test
    @org.junit.jupiter.api.Disabled("the fresh held-out set 6_910_001 is run once, at the end of the tenth version; the pins"
            + " below are the retired set's until then")
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
            // commit): at most 5% at every read schedule (on these seeds 1.2 / 1.2 / 4.5% at 5 / 1 / 60 s reads; the
            // eighth version's code 3.8 / 5.1 / 4.5%)
            double stalledShare = 0.05;
            assertThat(result.get("quiet-60" + at).get("migmon").falselyStalled)
                    .as("quiet-60%s: working reads reported STALLED", at)
                    .isLessThanOrEqualTo((int) (result.get("quiet-60" + at).get("migmon").workingReads * stalledShare));
        }
        // back within 15% after a resume (the bar: 30 s): 0 s on every seed at every read schedule
        assertThat(result.get("planned-pause").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("planned-pause @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("planned-pause @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        // back within 15% after a new steady rate (the bar: 30 s), worst of 10 seeds: halves 2,667 s at 5 s and 1 s
        // reads, one seed whose ETA leaves the band late in the job as the 60 s window's does (2,667 s; the cumulative
        // average 4,203 s), the nine others within 21 s; 138 s read once a minute (the 30 s bar cannot be met with a
        // read a minute). Doubles 751 s at 5 s and 1 s (one seed late in the job, as the cumulative average's 840 s and
        // the window's 696 s; the others within 40 s at 5 s reads, 34 s at 1 s), 101 s at 60 s. Missed, pinned as
        // reported (+1 s, the table rounds)
        assertThat(result.get("new-rate").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(2668);
        assertThat(result.get("new-rate-double").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(752);
        assertThat(result.get("new-rate @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(2668);
        assertThat(result.get("new-rate-double @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(752);
        assertThat(result.get("new-rate @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(139);
        assertThat(result.get("new-rate-double @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(102);
        // the end of a ramp (the bar, as for a new steady rate: 30 s): 79 s at 5 s, 78 s at 1 s, 619 s at 60 s reads:
        // missed, pinned as reported (+1 s)
        assertThat(result.get("ramp").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(80);
        assertThat(result.get("ramp @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(79);
        assertThat(result.get("ramp @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(620);
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
