package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The tail noise scale of the rate detectors (issue 12, NAB cause 1): a healthy stream whose counts per 5-minute row
 * are heavy-tailed (a quarter of the rows at 5-30% of the level, the rest log-normal around it; no period, no event)
 * is not a drop nor a spike, row after row; a collapse to under 2% of the level for hours still is. The ground truth
 * is the generator: no row before the collapse is anything but noise.
 */
class TailNoiseTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final int STEP = 300;

    /** Counts per 5-minute row: {@code healthyRows} rows of heavy-tailed noise, then {@code collapseRows} rows of 0-1. */
    private static long[] counts(long seed, int healthyRows, int collapseRows) {
        Random r = new Random(seed);
        long[] c = new long[healthyRows + collapseRows];
        for (int i = 0; i < c.length; i++) {
            if (i >= healthyRows) {
                c[i] = r.nextInt(2);
            } else if (r.nextDouble() < 0.25) {
                c[i] = Math.round(60 * (0.05 + 0.25 * r.nextDouble()));
            } else {
                c[i] = Math.round(75 * Math.exp(0.35 * r.nextGaussian() - 0.06));
            }
        }
        return c;
    }

    private static List<Anomaly> firings(AnomalyDetector detector, long[] counts) {
        AnomalyMonitor m = AnomalyMonitor.builder("m").meterRegistry(new SimpleMeterRegistry()).detector(detector).build();
        List<Anomaly> fired = new ArrayList<>();
        long rows = 0;
        for (int i = 0; i < counts.length; i++) {
            rows += counts[i];
            for (Anomaly a : m.sample(Sample.of(T0.plusSeconds((long) STEP * i), rows, 0, Double.NaN))) {
                if (a.firing()) {
                    fired.add(a);
                }
            }
        }
        return fired;
    }

    @Test
    void heavyTailedHealthyCountsAreNotDropsButACollapseIs() {
        int healthy = 2 * 288; // two days of 5-minute rows
        for (long seed = 1; seed <= 3; seed++) {
            long[] c = counts(seed, healthy, 36);
            List<Anomaly> fired = firings(ThroughputBaselineDetector.drops().build(), c);
            Instant collapse = T0.plusSeconds((long) STEP * healthy);
            assertThat(fired.stream().filter(a -> a.at().isBefore(collapse)))
                    .as("seed %d: drops on healthy heavy-tailed counts", seed).isEmpty();
            assertThat(fired.stream().filter(a -> !a.at().isBefore(collapse)))
                    .as("seed %d: the collapse to under 2%%", seed).hasSize(1);
        }
    }

    @Test
    void heavyTailedHealthyCountsAreNotSpikes() {
        for (long seed = 1; seed <= 3; seed++) {
            List<Anomaly> fired = firings(ThroughputBaselineDetector.spikes().build(), counts(seed, 2 * 288, 0));
            assertThat(fired).as("seed %d: spikes on healthy heavy-tailed counts", seed).isEmpty();
        }
    }
}
