package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.migmon.core.Severity;
import io.migmon.core.anomaly.AnomalyDetector.Condition;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class DetectorsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static Sample at(int i, long rows, long errors, double lag) {
        return Sample.of(T0.plusSeconds(5L * i), rows, errors, lag);
    }

    @Test
    void errorRateIgnoresSmallSamplesAndSamplingNoise() {
        AnomalyDetector d = ErrorRateDetector.builder().window(12).build().fresh();
        assertThat(d.evaluate(at(0, 0, 0, Double.NaN))).isEqualTo(Condition.UNKNOWN);
        assertThat(d.evaluate(at(1, 3, 1, Double.NaN))).as("1 error in 3 rows: too few events").isEqualTo(Condition.UNKNOWN);

        AnomalyDetector low = ErrorRateDetector.builder().build().fresh();
        low.evaluate(at(0, 0, 0, Double.NaN));
        assertThat(low.evaluate(at(1, 118, 2, Double.NaN))).as("2 in 120 (1.7%) is within sampling noise of 1%")
                .isEqualTo(Condition.UNKNOWN);
        AnomalyDetector burst = ErrorRateDetector.builder().build().fresh();
        burst.evaluate(at(0, 0, 0, Double.NaN));
        assertThat(burst.evaluate(at(1, 110, 10, Double.NaN))).isEqualTo(Condition.ABNORMAL);
        assertThat(burst.describe(true)).isEqualTo("error rate (migration_errors_total) 8.33% (10 errors in 120 rows + "
                + "errors over the last 60 s) is above 1.00%");

        AnomalyDetector high = ErrorRateDetector.builder().build().fresh();
        high.evaluate(at(0, 0, 0, Double.NaN));
        assertThat(high.evaluate(at(1, 98_500, 1_500, Double.NaN))).as("1.5% of 100,000").isEqualTo(Condition.ABNORMAL);
        assertThat(high.evaluate(at(2, 98_500 + 99_000, 1_500 + 1_000, Double.NaN))).as("window 12 still holds the burst")
                .isEqualTo(Condition.ABNORMAL);
    }

    @Test
    void errorRateWindowForgetsOldBursts() {
        AnomalyDetector d = ErrorRateDetector.builder().window(2).build().fresh();
        long rows = 0;
        long errors = 0;
        List<Condition> seen = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            rows += 1000;
            errors += i == 1 ? 100 : 0;
            seen.add(d.evaluate(at(i, rows, errors, Double.NaN)));
        }
        assertThat(seen).containsExactly(Condition.UNKNOWN, Condition.ABNORMAL, Condition.ABNORMAL, Condition.NORMAL,
                Condition.NORMAL, Condition.NORMAL);
    }

    @Test
    void baselineLearnsTheRunAndFlagsCollapseAndSpikeButNotNoise() {
        Random rnd = new Random(1);
        // a 30 s window (the default is 60 s) so that the rate of the last 6 samples is all inside the collapse
        AnomalyDetector drops = ThroughputBaselineDetector.drops().window(Duration.ofSeconds(30)).build().fresh();
        AnomalyDetector spikes = ThroughputBaselineDetector.spikes().build().fresh();
        long rows = 0;
        int abnormalDrops = 0;
        int abnormalSpikes = 0;
        for (int i = 0; i < 200; i++) {
            rows += Math.round(5000 * (1 + 0.2 * rnd.nextGaussian()));
            Sample s = at(i, rows, 0, Double.NaN);
            abnormalDrops += drops.evaluate(s) == Condition.ABNORMAL ? 1 : 0;
            abnormalSpikes += spikes.evaluate(s) == Condition.ABNORMAL ? 1 : 0;
        }
        assertThat(abnormalDrops).as("20% noise").isZero();
        assertThat(abnormalSpikes).isZero();
        for (int i = 200; i < 210; i++) {
            rows += 1000; // 200 rows/s instead of 1000
            drops.evaluate(at(i, rows, 0, Double.NaN));
        }
        assertThat(drops.evaluate(at(210, rows + 1000, 0, Double.NaN))).isEqualTo(Condition.ABNORMAL);
        assertThat(drops.describe(true)).startsWith("migration_throughput_rows_per_second 200.0 rows/s over 30 s is far below "
                + "the learned baseline of").containsPattern("rows/s \\((19|20|21)% of it\\); limit");
        for (int i = 200; i < 210; i++) {
            rows += 20_000;
            spikes.evaluate(at(i, rows, 0, Double.NaN));
        }
        assertThat(spikes.evaluate(at(211, rows + 20_000, 0, Double.NaN))).isEqualTo(Condition.ABNORMAL);
        assertThat(spikes.type()).isEqualTo("throughput_spike");
        assertThat(spikes.severity()).isEqualTo(Severity.INFO);
    }

    @Test
    void stallCountsIntervalsWithoutProgress() {
        AnomalyDetector d = StallDetector.builder().intervals(3).build().fresh();
        List<Condition> seen = new ArrayList<>();
        long[] rows = {0, 10, 10, 10, 10, 20};
        for (int i = 0; i < rows.length; i++) {
            seen.add(d.evaluate(at(i, rows[i], 0, Double.NaN)));
            if (i == 4) {
                assertThat(d.describe(true)).isEqualTo("migration_rows_total stuck at 10 for 15 s (limit 15 s)");
            }
        }
        assertThat(seen).containsExactly(Condition.UNKNOWN, Condition.NORMAL, Condition.NORMAL, Condition.NORMAL,
                Condition.ABNORMAL, Condition.NORMAL);
    }

    @Test
    void lagTrendPredictsCrossingLikePredictLinear() {
        AnomalyDetector d = LagTrendDetector.builder().window(12).minPoints(6)
                .horizon(Duration.ofMinutes(5)).limit(Duration.ofSeconds(120)).build().fresh();
        Condition c = null;
        for (int i = 0; i < 12; i++) {
            c = d.evaluate(at(i, i, 0, 10 + 0.5 * 5 * i)); // +0.5 s per second
        }
        assertThat(c).isEqualTo(Condition.ABNORMAL);
        assertThat(((LagTrendDetector) d).slope()).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(d.value()).as("lag 37.5 s now + 0.5 * 300 s").isCloseTo(187.5, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(d.describe(true)).isEqualTo("migration_data_lag_seconds 37.5 s is rising 0.500 s/s: predicted 187.5 s "
                + "in 300 s, above the limit of 120 s, crossing it in about 165 s");

        AnomalyDetector flat = LagTrendDetector.builder().build().fresh();
        Random rnd = new Random(3);
        for (int i = 0; i < 100; i++) {
            c = flat.evaluate(at(i, i, 0, 290 + rnd.nextGaussian()));
            assertThat(c).as("flat lag just under the limit is no trend").isNotEqualTo(Condition.ABNORMAL);
        }
        assertThat(flat.evaluate(Sample.of(T0.plusSeconds(1000), 1, 0))).as("no lag known").isEqualTo(Condition.UNKNOWN);
    }

    @Test
    void lagTrendStaysExactOverLongRuns() {
        LagTrendDetector d = (LagTrendDetector) LagTrendDetector.builder().build().fresh();
        for (int i = 0; i < 200_000; i++) { // about 11.5 simulated days at 5 s
            d.evaluate(at(i, i, 0, 1000 + 0.01 * 5 * i - (i % 2) * 0.5));
        }
        assertThat(d.slope()).isCloseTo(0.01, org.assertj.core.data.Offset.offset(1e-3));
    }

    @Test
    void lowThroughputWaitsForWarmUp() {
        AnomalyDetector d = LowThroughputDetector.builder(1000).warmUp(3).window(1).build().fresh();
        assertThat(d.evaluate(at(0, 0, 0, 0))).isEqualTo(Condition.UNKNOWN);
        assertThat(d.evaluate(at(1, 10, 0, 0))).isEqualTo(Condition.UNKNOWN);
        assertThat(d.evaluate(at(2, 20, 0, 0))).isEqualTo(Condition.UNKNOWN);
        assertThat(d.evaluate(at(3, 30, 0, 0))).isEqualTo(Condition.ABNORMAL);
        assertThat(d.evaluate(at(4, 30 + 5000, 0, 0))).isEqualTo(Condition.NORMAL);
    }

    @Test
    void buildersRejectBadSettingsNamingTheField() {
        assertThatThrownBy(() -> LowThroughputDetector.builder(0)).hasMessageContaining("expectedRowsPerSecond");
        assertThatThrownBy(() -> LowThroughputDetector.builder(1).ratio(1.5)).hasMessageContaining("ratio");
        assertThatThrownBy(() -> ErrorRateDetector.builder().limit(0)).hasMessageContaining("limit");
        assertThatThrownBy(() -> ErrorRateDetector.builder().minEvents(0)).hasMessageContaining("minEvents");
        assertThatThrownBy(() -> ThroughputBaselineDetector.drops().minChange(1.0)).hasMessageContaining("minChange");
        assertThatThrownBy(() -> ThroughputBaselineDetector.spikes().alpha(0)).hasMessageContaining("alpha");
        assertThatThrownBy(() -> StallDetector.builder().intervals(0)).hasMessageContaining("intervals");
        assertThatThrownBy(() -> LagTrendDetector.builder().window(10).minPoints(11).build()).hasMessageContaining("minPoints");
        assertThatThrownBy(() -> LagTrendDetector.builder().horizon(Duration.ZERO)).hasMessageContaining("horizon");
        assertThatThrownBy(() -> StallDetector.builder().severity(null)).hasMessageContaining("severity");
        assertThatThrownBy(() -> Sample.of(T0, -1, 0)).hasMessageContaining("rowsDone");
        assertThatThrownBy(() -> Sample.of(T0, 0, 0, -1)).hasMessageContaining("lagSeconds");
    }
}
