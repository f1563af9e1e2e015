package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ETA's held-out evaluation reported in docs/anomaly-detection.md: {@link EtaEvaluation#HELD_OUT} seeds
 * (3_470_001.., fixed and committed before the eighth version of the rate model (issue 12: a trend test, a stall's
 * bracketing reads, two read intervals after a change point) was tuned, never used to choose a setting; run once for
 * the report on 2026-11-27 10:38 UTC, reads every 5, 1 and 60 s). Writes the table to {@code target/}; pins the
 * reported figures with margins (the run is deterministic; the margins are for changes that move the figures a little,
 * which must then be re-reported).
 */
class EtaEvaluationTest {

    /**
     * migmon's median error at 10/25/50/75/90% done and its worst error after 10%, as reported (keys: scenario, then
     * " @1 s" / " @60 s" for those read schedules).
     */
    static final Map<String, double[]> REPORTED = Map.ofEntries(
            Map.entry("steady", new double[] {0.004, 0.007, 0.005, 0.008, 0.004, 0.054}),
            Map.entry("noisy", new double[] {0.048, 0.030, 0.029, 0.017, 0.028, 0.213}),
            Map.entry("noisy-correlated-10", new double[] {0.048, 0.042, 0.044, 0.060, 0.052, 0.209}),
            Map.entry("noisy-correlated-60", new double[] {0.186, 0.124, 0.114, 0.154, 0.143, 0.463}),
            Map.entry("noisy-correlated-120", new double[] {0.090, 0.060, 0.053, 0.076, 0.114, 0.750}),
            Map.entry("batchy", new double[] {0.027, 0.018, 0.010, 0.020, 0.025, 0.250}),
            Map.entry("planned-pause", new double[] {0.054, 0.073, 0.011, 0.018, 0.012, 0.164}),
            Map.entry("new-rate", new double[] {0.407, 0.444, 0.008, 0.009, 0.008, 0.508}),
            Map.entry("new-rate-double", new double[] {0.512, 0.665, 0.015, 0.022, 0.019, 1.064}),
            Map.entry("ramp", new double[] {0.396, 0.439, 0.064, 0.019, 0.013, 0.485}),
            Map.entry("cold-start", new double[] {0.061, 0.030, 0.048, 0.049, 0.059, 0.150}),
            Map.entry("stall", new double[] {0.086, 0.086, 0.016, 0.011, 0.019, 0.174}),
            Map.entry("quiet-60", new double[] {0.010, 0.011, 0.015, 0.049, 0.095, 1.255}),
            Map.entry("steady @1 s", new double[] {0.007, 0.007, 0.005, 0.008, 0.003, 0.059}),
            Map.entry("noisy @1 s", new double[] {0.049, 0.028, 0.030, 0.017, 0.030, 0.213}),
            Map.entry("noisy-correlated-10 @1 s", new double[] {0.051, 0.043, 0.044, 0.061, 0.050, 0.215}),
            Map.entry("noisy-correlated-60 @1 s", new double[] {0.187, 0.124, 0.114, 0.152, 0.143, 0.464}),
            Map.entry("noisy-correlated-120 @1 s", new double[] {0.090, 0.061, 0.056, 0.085, 0.114, 0.750}),
            Map.entry("batchy @1 s", new double[] {0.020, 0.016, 0.010, 0.018, 0.032, 0.250}),
            Map.entry("planned-pause @1 s", new double[] {0.054, 0.073, 0.011, 0.019, 0.011, 0.175}),
            Map.entry("new-rate @1 s", new double[] {0.405, 0.443, 0.009, 0.009, 0.008, 0.508}),
            Map.entry("new-rate-double @1 s", new double[] {0.509, 0.663, 0.010, 0.016, 0.025, 1.064}),
            Map.entry("ramp @1 s", new double[] {0.397, 0.438, 0.064, 0.017, 0.014, 0.485}),
            Map.entry("cold-start @1 s", new double[] {0.073, 0.027, 0.045, 0.040, 0.038, 0.144}),
            Map.entry("stall @1 s", new double[] {0.085, 0.085, 0.016, 0.013, 0.018, 0.174}),
            Map.entry("quiet-60 @1 s", new double[] {0.016, 0.016, 0.017, 0.050, 0.103, 1.477}),
            Map.entry("steady @60 s", new double[] {0.004, 0.006, 0.005, 0.007, 0.002, 0.039}),
            Map.entry("noisy @60 s", new double[] {0.036, 0.025, 0.027, 0.015, 0.031, 0.185}),
            Map.entry("noisy-correlated-10 @60 s", new double[] {0.042, 0.044, 0.043, 0.066, 0.071, 0.176}),
            Map.entry("noisy-correlated-60 @60 s", new double[] {0.171, 0.109, 0.114, 0.108, 0.143, 0.519}),
            Map.entry("noisy-correlated-120 @60 s", new double[] {0.088, 0.046, 0.047, 0.060, 0.115, 0.731}),
            Map.entry("batchy @60 s", new double[] {0.021, 0.018, 0.012, 0.021, 0.022, 0.198}),
            Map.entry("planned-pause @60 s", new double[] {0.067, 0.071, 0.012, 0.017, 0.015, 0.145}),
            Map.entry("new-rate @60 s", new double[] {0.406, 0.448, 0.006, 0.008, 0.013, 0.506}),
            Map.entry("new-rate-double @60 s", new double[] {0.513, 0.678, 0.012, 0.026, 0.021, 1.044}),
            Map.entry("ramp @60 s", new double[] {0.407, 0.445, 0.070, 0.019, 0.021, 0.485}),
            Map.entry("cold-start @60 s", new double[] {0.068, 0.068, 0.210, 0.210, 0.210, 0.121}),
            Map.entry("stall @60 s", new double[] {0.084, 0.088, 0.011, 0.014, 0.015, 0.167}),
            Map.entry("quiet-60 @60 s", new double[] {0.117, 0.068, 0.025, 0.040, 0.089, 1.255}));

    /**
     * Scenario and mark where the held-out run is worse than the cumulative average by more than 1 point: none on these
     * seeds (the seventh version's stall read once a minute at 50% done, 45.7 vs 13.0% on its seeds, is 1.1 vs 13.2%
     * here; the same seeds with the seventh version's code: 50.3%).
     */
    static final java.util.Set<String> NOT_MET = java.util.Set.of();

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
            // a quiet job committing once a minute: STALLED only before its rhythm is learned (its first gaps): at most 5%
            // at 5 s and 60 s reads (on these seeds 3.5 / 4.0%); read every second 5.4% (1,568 of 28,837 reads; the
            // seventh version's code gives the same on these seeds): the 5% bar missed, pinned as reported (5.5%)
            double stalledShare = interval == 1 ? 0.055 : 0.05;
            assertThat(result.get("quiet-60" + at).get("migmon").falselyStalled)
                    .as("quiet-60%s: working reads reported STALLED", at)
                    .isLessThanOrEqualTo((int) (result.get("quiet-60" + at).get("migmon").workingReads * stalledShare));
        }
        // back within 15% after a resume (the bar: 30 s): on these seeds 0 s read once a minute, but 1,694 s at 5 s and
        // 1,701 s at 1 s reads: one seed whose ETA leaves the 15% band late in the job, as the cumulative average's does
        // (1,704 / 1,701 s): missed, pinned as reported (+1 s, the table rounds)
        assertThat(result.get("planned-pause").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(1695);
        assertThat(result.get("planned-pause @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(1702);
        assertThat(result.get("planned-pause @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        // back within 15% after a new steady rate (the bar: 30 s): halves 26 s at reads 5 s apart, 20 s at 1 s, 139 s
        // read once a minute (the 30 s bar cannot be met with a read a minute; a change point needs two read intervals
        // after it, so one read later than the seventh version's 110 s on these seeds); doubles 38 s at 5 s, 34 s at
        // 1 s, 103 s at 60 s reads: the doubles at 5 s and 1 s missed, pinned as reported (+1 s, the table rounds)
        assertThat(result.get("new-rate").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("new-rate-double").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(39);
        assertThat(result.get("new-rate @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("new-rate-double @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(35);
        assertThat(result.get("new-rate @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(140);
        assertThat(result.get("new-rate-double @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(104);
        // the end of a ramp (the bar, as for a new steady rate: 30 s): 85 s at 5 s, 71 s at 1 s, 315 s at 60 s reads
        // (the seventh version's code on these seeds: 537 / 436 / 352 s): missed, pinned as reported (+1 s)
        assertThat(result.get("ramp").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(86);
        assertThat(result.get("ramp @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(72);
        assertThat(result.get("ramp @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(316);
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
