package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ETA's held-out evaluation reported in docs/anomaly-detection.md: {@link EtaEvaluation#HELD_OUT} seeds (980_001..,
 * fixed and committed before the fifth version of the rate model (the ramp) was tuned, never used to choose a
 * setting; run once for the report on 2026-11-27 04:43 UTC, reads every 5, 1 and 60 s). Writes the table to
 * {@code target/}; pins the reported figures with margins (the run is deterministic; the margins are for changes that move the figures a
 * little, which must then be re-reported).
 */
class EtaEvaluationTest {

    /**
     * migmon's median error at 10/25/50/75/90% done and its worst error after 10%, as reported (keys: scenario, then
     * " @1 s" / " @60 s" for those read schedules).
     */
    static final Map<String, double[]> REPORTED = Map.ofEntries(
            Map.entry("steady", new double[] {0.007, 0.007, 0.002, 0.006, 0.008, 0.054}),
            Map.entry("noisy", new double[] {0.025, 0.006, 0.023, 0.024, 0.055, 0.357}),
            Map.entry("noisy-correlated-10", new double[] {0.053, 0.032, 0.023, 0.038, 0.069, 0.246}),
            Map.entry("noisy-correlated-60", new double[] {0.177, 0.120, 0.094, 0.050, 0.107, 0.820}),
            Map.entry("noisy-correlated-120", new double[] {0.116, 0.145, 0.116, 0.066, 0.148, 0.709}),
            Map.entry("batchy", new double[] {0.025, 0.015, 0.016, 0.008, 0.028, 0.267}),
            Map.entry("planned-pause", new double[] {0.037, 0.061, 0.010, 0.017, 0.015, 0.102}),
            Map.entry("new-rate", new double[] {0.403, 0.447, 0.012, 0.007, 0.012, 0.507}),
            Map.entry("new-rate-double", new double[] {0.482, 0.665, 0.023, 0.011, 0.021, 1.050}),
            Map.entry("ramp", new double[] {0.388, 0.434, 0.422, 0.037, 0.023, 0.478}),
            Map.entry("cold-start", new double[] {0.083, 0.093, 0.034, 0.032, 0.038, 0.225}),
            Map.entry("stall", new double[] {0.078, 0.094, 0.076, 0.010, 0.020, 0.164}),
            Map.entry("quiet-60", new double[] {0.027, 0.014, 0.019, 0.043, 0.091, 1.003}),
            Map.entry("steady @1 s", new double[] {0.006, 0.008, 0.002, 0.006, 0.008, 0.054}),
            Map.entry("noisy @1 s", new double[] {0.026, 0.008, 0.023, 0.024, 0.053, 0.367}),
            Map.entry("noisy-correlated-10 @1 s", new double[] {0.052, 0.033, 0.023, 0.037, 0.069, 0.246}),
            Map.entry("noisy-correlated-60 @1 s", new double[] {0.170, 0.120, 0.093, 0.052, 0.108, 0.877}),
            Map.entry("noisy-correlated-120 @1 s", new double[] {0.121, 0.144, 0.114, 0.066, 0.149, 0.709}),
            Map.entry("batchy @1 s", new double[] {0.020, 0.020, 0.022, 0.007, 0.028, 0.283}),
            Map.entry("planned-pause @1 s", new double[] {0.038, 0.061, 0.012, 0.016, 0.012, 0.103}),
            Map.entry("new-rate @1 s", new double[] {0.403, 0.447, 0.008, 0.008, 0.011, 0.507}),
            Map.entry("new-rate-double @1 s", new double[] {0.482, 0.664, 0.014, 0.014, 0.014, 1.051}),
            Map.entry("ramp @1 s", new double[] {0.388, 0.434, 0.422, 0.061, 0.033, 0.478}),
            Map.entry("cold-start @1 s", new double[] {0.053, 0.048, 0.029, 0.029, 0.025, 0.165}),
            Map.entry("stall @1 s", new double[] {0.073, 0.092, 0.034, 0.012, 0.022, 0.163}),
            Map.entry("quiet-60 @1 s", new double[] {0.022, 0.014, 0.023, 0.048, 0.100, 1.003}),
            Map.entry("steady @60 s", new double[] {0.006, 0.008, 0.003, 0.009, 0.007, 0.049}),
            Map.entry("noisy @60 s", new double[] {0.028, 0.008, 0.025, 0.023, 0.053, 0.206}),
            Map.entry("noisy-correlated-10 @60 s", new double[] {0.040, 0.031, 0.023, 0.042, 0.062, 0.206}),
            Map.entry("noisy-correlated-60 @60 s", new double[] {0.166, 0.118, 0.098, 0.050, 0.110, 0.782}),
            Map.entry("noisy-correlated-120 @60 s", new double[] {0.143, 0.133, 0.116, 0.067, 0.157, 0.604}),
            Map.entry("batchy @60 s", new double[] {0.028, 0.016, 0.018, 0.007, 0.033, 0.197}),
            Map.entry("planned-pause @60 s", new double[] {0.040, 0.058, 0.013, 0.015, 0.014, 0.100}),
            Map.entry("new-rate @60 s", new double[] {0.409, 0.451, 0.014, 0.008, 0.012, 0.505}),
            Map.entry("new-rate-double @60 s", new double[] {0.507, 0.674, 0.030, 0.013, 0.019, 1.023}),
            Map.entry("ramp @60 s", new double[] {0.392, 0.438, 0.419, 0.073, 0.029, 0.478}),
            Map.entry("cold-start @60 s", new double[] {0.024, 0.024, 0.087, 0.133, 0.133, 0.087}),
            Map.entry("stall @60 s", new double[] {0.069, 0.090, 0.472, 0.075, 0.031, 0.583}),
            Map.entry("quiet-60 @60 s", new double[] {0.107, 0.048, 0.029, 0.050, 0.133, 0.699}));

    /**
     * Scenario and mark where the held-out run is worse than the cumulative average by more than 1 point: cold-start
     * at 25% (9.3 vs 6.4%), noise correlated over 120 s read once a minute at 10% (14.3 vs 12.7%) and a stall read once
     * a minute at 50% (47.2 vs 14.2%: the read after the stall's end holds an unknown part of it). The model before
     * this version gives the same figures on these seeds (only the ramp differs).
     */
    static final java.util.Set<String> NOT_MET = java.util.Set.of("cold-start 1", "noisy-correlated-120 @60 s 0",
            "stall @60 s 2");

    @Test
    void etaOnHeldOutSeeds() throws IOException {
        // the fifth version's held-out set, spent (its results were read) and now a tuning set: these pins guard it
        // while the sixth version is tuned; the fresh HELD_OUT set is not run until the end
        var result = EtaEvaluation.run(EtaEvaluation.RETIRED_HELD_OUT_5, 10);
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
            // (at most 5%; read every second 5.1% of them on these seeds, reported as missed and pinned there)
            assertThat(result.get("quiet-60" + at).get("migmon").falselyStalled)
                    .as("quiet-60%s: working reads reported STALLED", at)
                    .isLessThanOrEqualTo((int) (result.get("quiet-60" + at).get("migmon").workingReads
                            * (interval == 1 ? 0.052 : 0.05)));
        }
        // back within 15% after a new steady rate (the bar: 30 s): on these seeds 40 s (halves) and 32 s (doubles) at
        // reads 5 s apart, 38 and 39 s at 1 s: missed, pinned as reported (+1 s, the table rounds); read once a minute 469 s (halves, one seed;
        // 7-8 reads) and 139 s (doubles): the 30 s bar cannot be met with a read a minute
        assertThat(result.get("new-rate").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(41);
        assertThat(result.get("new-rate-double").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(33);
        assertThat(result.get("new-rate @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(39);
        assertThat(result.get("new-rate-double @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(40);
        assertThat(result.get("new-rate @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(470);
        assertThat(result.get("new-rate-double @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(140);
        // the ramp (the fifth version's change): from 75% done within 15% at every read schedule
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
