package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ETA's held-out evaluation reported in docs/anomaly-detection.md: {@link EtaEvaluation#HELD_OUT} seeds
 * (2_700_001.., fixed and committed before the seventh version of the rate model (issue 12, attack 4) was tuned, never
 * used to choose a setting; run once for the report on 2026-11-27 08:20 UTC, reads every 5, 1 and 60 s). Writes the table to
 * {@code target/}; pins the reported figures with margins (the run is deterministic; the margins are for changes that move the figures a
 * little, which must then be re-reported).
 */
class EtaEvaluationTest {

    /**
     * migmon's median error at 10/25/50/75/90% done and its worst error after 10%, as reported (keys: scenario, then
     * " @1 s" / " @60 s" for those read schedules).
     */
    static final Map<String, double[]> REPORTED = Map.ofEntries(
            Map.entry("steady", new double[] {0.007, 0.003, 0.003, 0.004, 0.010, 0.070}),
            Map.entry("noisy", new double[] {0.039, 0.028, 0.023, 0.042, 0.026, 0.304}),
            Map.entry("noisy-correlated-10", new double[] {0.048, 0.037, 0.029, 0.025, 0.042, 0.272}),
            Map.entry("noisy-correlated-60", new double[] {0.138, 0.102, 0.081, 0.080, 0.180, 0.510}),
            Map.entry("noisy-correlated-120", new double[] {0.163, 0.126, 0.102, 0.070, 0.123, 0.537}),
            Map.entry("batchy", new double[] {0.018, 0.019, 0.012, 0.009, 0.020, 0.219}),
            Map.entry("planned-pause", new double[] {0.053, 0.061, 0.012, 0.010, 0.022, 0.177}),
            Map.entry("new-rate", new double[] {0.409, 0.450, 0.014, 0.009, 0.013, 0.513}),
            Map.entry("new-rate-double", new double[] {0.495, 0.651, 0.022, 0.019, 0.015, 1.025}),
            Map.entry("ramp", new double[] {0.398, 0.439, 0.076, 0.025, 0.018, 0.483}),
            Map.entry("cold-start", new double[] {0.065, 0.061, 0.030, 0.041, 0.097, 0.209}),
            Map.entry("stall", new double[] {0.056, 0.079, 0.019, 0.009, 0.008, 0.160}),
            Map.entry("quiet-60", new double[] {0.024, 0.011, 0.024, 0.061, 0.167, 1.199}),
            Map.entry("steady @1 s", new double[] {0.007, 0.002, 0.003, 0.004, 0.010, 0.074}),
            Map.entry("noisy @1 s", new double[] {0.039, 0.030, 0.021, 0.043, 0.025, 0.348}),
            Map.entry("noisy-correlated-10 @1 s", new double[] {0.048, 0.037, 0.028, 0.024, 0.038, 0.275}),
            Map.entry("noisy-correlated-60 @1 s", new double[] {0.138, 0.104, 0.080, 0.084, 0.180, 0.510}),
            Map.entry("noisy-correlated-120 @1 s", new double[] {0.168, 0.126, 0.100, 0.071, 0.125, 0.538}),
            Map.entry("batchy @1 s", new double[] {0.023, 0.018, 0.010, 0.004, 0.014, 0.306}),
            Map.entry("planned-pause @1 s", new double[] {0.054, 0.062, 0.012, 0.009, 0.022, 0.196}),
            Map.entry("new-rate @1 s", new double[] {0.409, 0.449, 0.014, 0.008, 0.013, 0.513}),
            Map.entry("new-rate-double @1 s", new double[] {0.493, 0.650, 0.011, 0.018, 0.016, 1.030}),
            Map.entry("ramp @1 s", new double[] {0.398, 0.437, 0.077, 0.020, 0.012, 0.483}),
            Map.entry("cold-start @1 s", new double[] {0.083, 0.039, 0.021, 0.035, 0.057, 0.164}),
            Map.entry("stall @1 s", new double[] {0.056, 0.078, 0.014, 0.008, 0.009, 0.176}),
            Map.entry("quiet-60 @1 s", new double[] {0.015, 0.013, 0.030, 0.065, 0.181, 1.199}),
            Map.entry("steady @60 s", new double[] {0.007, 0.002, 0.003, 0.004, 0.011, 0.043}),
            Map.entry("noisy @60 s", new double[] {0.030, 0.023, 0.027, 0.045, 0.029, 0.138}),
            Map.entry("noisy-correlated-10 @60 s", new double[] {0.034, 0.031, 0.031, 0.032, 0.058, 0.255}),
            Map.entry("noisy-correlated-60 @60 s", new double[] {0.130, 0.103, 0.084, 0.085, 0.177, 0.471}),
            Map.entry("noisy-correlated-120 @60 s", new double[] {0.139, 0.109, 0.097, 0.087, 0.093, 0.605}),
            Map.entry("batchy @60 s", new double[] {0.012, 0.015, 0.012, 0.015, 0.030, 0.175}),
            Map.entry("planned-pause @60 s", new double[] {0.056, 0.063, 0.014, 0.012, 0.028, 0.112}),
            Map.entry("new-rate @60 s", new double[] {0.411, 0.452, 0.014, 0.008, 0.012, 0.513}),
            Map.entry("new-rate-double @60 s", new double[] {0.492, 0.669, 0.034, 0.024, 0.039, 0.990}),
            Map.entry("ramp @60 s", new double[] {0.399, 0.444, 0.100, 0.034, 0.022, 0.481}),
            Map.entry("cold-start @60 s", new double[] {0.044, 0.044, 0.114, 0.343, 0.343, 0.122}),
            Map.entry("stall @60 s", new double[] {0.056, 0.082, 0.457, 0.046, 0.031, 0.518}),
            Map.entry("quiet-60 @60 s", new double[] {0.061, 0.036, 0.049, 0.041, 0.067, 0.845}));

    /**
     * Scenario and mark where the held-out run is worse than the cumulative average by more than 1 point: a stall read
     * once a minute at 50% (45.7 vs 13.0%: the read after the stall's end holds an unknown part of it; attack 4
     * finding 3 is open), a 2-minute job read every second at 90% (5.7 vs 4.0%) and a quiet job committing once a
     * minute read once a minute at 50% (4.9 vs 2.8%).
     */
    static final java.util.Set<String> NOT_MET = java.util.Set.of("stall @60 s 2", "cold-start @1 s 4",
            "quiet-60 @60 s 2");

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
            // (on these seeds 2.8 / 3.9 / 4.4% at 5 / 1 / 60 s reads)
            assertThat(result.get("quiet-60" + at).get("migmon").falselyStalled)
                    .as("quiet-60%s: working reads reported STALLED", at)
                    .isLessThanOrEqualTo((int) (result.get("quiet-60" + at).get("migmon").workingReads * 0.05));
        }
        // back within 15% after a resume (the bar: 30 s): on these seeds 0 s read once a minute, but 1,179 s at 5 s and
        // 1,175 s at 1 s reads: one seed whose ETA leaves the 15% band late in the job, as the cumulative average's and
        // the 60 s window's do (1,179 / 1,179 s at 5 s): missed, pinned as reported (+1 s, the table rounds)
        assertThat(result.get("planned-pause").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(1180);
        assertThat(result.get("planned-pause @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(1176);
        assertThat(result.get("planned-pause @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        // back within 15% after a new steady rate (the bar: 30 s): halves 45 s at reads 5 s apart, 3,866 s at 1 s (a
        // late excursion, the cumulative average 4,229 s, the 60 s window 2,919 s), 106 s read once a minute (the 30 s
        // bar cannot be met with a read a minute); doubles 27 s at 5 s, 30 s at 1 s, 102 s at 60 s reads: the halves at
        // 5 s and 1 s missed, pinned as reported (+1 s, the table rounds)
        assertThat(result.get("new-rate").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(46);
        assertThat(result.get("new-rate-double").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(30);
        assertThat(result.get("new-rate @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(3867);
        assertThat(result.get("new-rate-double @1 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(31);
        assertThat(result.get("new-rate @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(107);
        assertThat(result.get("new-rate-double @60 s").get("migmon").recoverySecondsMax).isLessThanOrEqualTo(103);
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
