package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The NAB harness's own parts, without NAB data: label parsing and the standard-profile score's fixed points. */
class NabScoringTest {

    private static final Instant T0 = Instant.parse("2014-04-10T00:00:00Z");

    @Test
    void parsesCombinedWindowsIncludingEmptyLists() {
        String json = "{\n \"realTweets/a.csv\": [],\n \"realAWSCloudwatch/b.csv\": [\n  [\n   \"2014-04-10 10:00:00.000000\",\n"
                + "   \"2014-04-10 12:00:00.000000\"\n  ],\n  [\"2014-04-11 01:00:00.000000\", \"2014-04-11 02:00:00.000000\"]\n ]\n}";
        var w = NabBenchmark.windows(json);
        assertThat(w.get("realTweets/a.csv")).isEmpty();
        assertThat(w.get("realAWSCloudwatch/b.csv")).containsExactly(
                new NabBenchmark.Window(T0.plusSeconds(36_000), T0.plusSeconds(43_200)),
                new NabBenchmark.Window(T0.plusSeconds(90_000), T0.plusSeconds(93_600)));
    }

    @Test
    void neverFiringScoresZeroAndAnEarlyDetectionNearlyAHundred() {
        List<Instant> at = new ArrayList<>();
        List<Double> v = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            at.add(T0.plusSeconds(300L * i));
            v.add(10.0);
        }
        NabBenchmark.Series s = new NabBenchmark.Series("x.csv", at, v);
        List<NabBenchmark.Window> w = List.of(new NabBenchmark.Window(T0.plusSeconds(300L * 500), T0.plusSeconds(300L * 600)));
        assertThat(NabBenchmark.nabScore(s, w, List.of())[3]).isEqualTo(0.0);
        assertThat(NabBenchmark.windowScore(s, w, List.of())).containsExactly(0, 0, 1);
        assertThat(NabBenchmark.nabScore(s, w, List.of(T0.plusSeconds(300L * 500)))[3]).isEqualTo(100.0);
        // a false alert before any window costs A_FP (0.11 of a window) on the normalised scale
        double fp = NabBenchmark.nabScore(s, w, List.of(T0.plusSeconds(300L * 300)))[3];
        assertThat(fp).isLessThan(0.0);
        assertThat(NabBenchmark.windowScore(s, w, List.of(T0.plusSeconds(300L * 300), T0.plusSeconds(300L * 550))))
                .containsExactly(1, 1, 0);
    }

    @Test
    void perMinuteFeedKeepsEachWindowOnItsRows() {
        List<Instant> at = List.of(T0, T0.plusSeconds(300), T0.plusSeconds(3600), T0.plusSeconds(3900), T0.plusSeconds(4200));
        NabBenchmark.Series real = new NabBenchmark.Series("x.csv", at, List.of(1.0, 2.0, 3.0, 4.0, 5.0));
        NabBenchmark.Series mapped = NabBenchmark.perMinute(real);
        assertThat(mapped.at()).containsExactly(T0, T0.plusSeconds(60), T0.plusSeconds(120), T0.plusSeconds(180),
                T0.plusSeconds(240));
        // a window from just after row 1 to row 3 holds rows 2 and 3
        var w = NabBenchmark.mapWindows(real, mapped, List.of(new NabBenchmark.Window(T0.plusSeconds(301), T0.plusSeconds(3900))));
        assertThat(w).containsExactly(new NabBenchmark.Window(T0.plusSeconds(120), T0.plusSeconds(180)));
        assertThat(NabBenchmark.medianStepSeconds(real)).isEqualTo(300.0);
    }

    @Test
    void subsetIsSplitIntoTwoHalvesWithoutRepeats() throws Exception {
        var subset = NabBenchmark.subset();
        assertThat(subset).hasSize(10);
        assertThat(subset.stream().map(NabBenchmark.Entry::half).distinct()).containsExactlyInAnyOrder("tuning", "heldout");
        assertThat(subset.stream().map(NabBenchmark.Entry::key).distinct()).hasSize(10);
        assertThat(subset.stream().filter(e -> e.half().equals("heldout"))).hasSize(5);
    }
}
