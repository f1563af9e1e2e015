package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The period search reads its autocorrelation from lagged sums kept as buckets close and leave the 15-day history;
 * they must equal the sums over the stored buckets computed directly, with gaps (unknown buckets) and after weeks of
 * buckets have left the history, on a large mean with a small spread (the cancellation case).
 */
class SeasonalProfileSumsTest {

    private static final long BUCKET = 240_000;

    @Test
    void runningLaggedSumsEqualTheDirectSumsOverTheStoredBuckets() {
        SeasonalProfile profile = new SeasonalProfile(BUCKET);
        Random random = new Random(7);
        long t = 1_700_000_000_000L;
        long end = t + 40L * 86_400_000;
        double rows = 0;
        int checks = 0;
        while (t < end) {
            // every ~3 hours of data a gap of 1-3 hours (its buckets stay unknown), otherwise samples 5-60 s apart
            long step = random.nextInt(2_000) == 0 ? 3_600_000L + random.nextInt(7_200_000) : 5_000L + random.nextInt(55_000);
            double rate = 50_000 + 20 * Math.sin(t / 3.6e6) + random.nextGaussian();
            rows = rate * step / 1e3;
            profile.add(t, t + step, rows);
            t += step;
            if (random.nextInt(20_000) == 0 || t >= end) {
                check(profile);
                checks++;
            }
        }
        assertThat(checks).isGreaterThan(5);
        assertThat(profile.firstIndex()).as("weeks of buckets left the history").isGreaterThan(
                Math.floorDiv(1_700_000_000_000L, BUCKET) + 20L * 86_400_000 / BUCKET);
    }

    private static void check(SeasonalProfile profile) {
        long first = profile.firstIndex();
        long next = profile.nextIndex();
        int n = (int) (next - first);
        double sum = 0;
        int known = 0;
        for (long i = first; i < next; i++) {
            if (!Double.isNaN(profile.at(i))) {
                sum += profile.at(i);
                known++;
            }
        }
        double mean = sum / known;
        for (int lag = 1; lag <= n / 2 + 1 && lag < n; lag++) {
            double direct = 0;
            double magnitude = 0;
            int pairs = 0;
            for (long i = first + lag; i < next; i++) {
                double a = profile.at(i);
                double b = profile.at(i - lag);
                if (!Double.isNaN(a) && !Double.isNaN(b)) {
                    direct += (a - mean) * (b - mean);
                    magnitude += Math.abs((a - mean) * (b - mean));
                    pairs++;
                }
            }
            assertThat(profile.runningPairs(lag)).as("pairs at lag %d", lag).isEqualTo(pairs);
            assertThat(profile.runningSum(lag, mean)).as("centred sum at lag %d", lag)
                    .isCloseTo(direct, org.assertj.core.data.Offset.offset(1e-9 * magnitude + 1e-9));
        }
    }

    /** The median by selection equals the median of the sorted values, ties and duplicates included. */
    @Test
    void medianBySelectionEqualsTheSortedMedian() {
        Random random = new Random(11);
        for (int trial = 0; trial < 2_000; trial++) {
            int n = 1 + random.nextInt(trial < 1_000 ? 12 : 600);
            double[] v = new double[n + random.nextInt(3)];
            for (int i = 0; i < v.length; i++) {
                v[i] = random.nextInt(4) == 0 ? random.nextInt(5) : Math.abs(random.nextGaussian() * 100);
            }
            double[] sorted = java.util.Arrays.copyOf(v, n);
            java.util.Arrays.sort(sorted);
            double expected = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
            double[] before = v.clone();
            assertThat(SeasonalProfile.median(v, n)).as("n=%d", n).isEqualTo(expected);
            assertThat(v).as("input untouched").isEqualTo(before);
        }
    }
}
