package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Per-sample cost of the automatic seasonal baseline's period search ({@code SeasonalProfile}, once per hour of data
 * over 15 days of 4-minute buckets), which {@link AnomalyMonitorBenchmark}'s steady stream never triggers: a noisy
 * daily-periodic stream of 29 days sampled every 5 s, through the six built-in detectors with the automatic seasonal
 * baseline (the default) and, in the same run, with {@code autoSeasonal(false)} on both throughput detectors. Prints
 * the mean per sample and the slowest single sample (where an hourly search lands), min / median / max of the rounds
 * after the first (warm-up). Excluded from the default build; run with
 * {@code mvn -B -pl migmon-core test -Dexcluded.groups= -Dgroups=benchmark -Dtest=SeasonalSearchBenchmark}.
 */
@Tag("benchmark")
class SeasonalSearchBenchmark {

    private static final int SAMPLES = 29 * 86_400 / 5;
    private static final int ROUNDS = 4;
    private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    @Test
    void perSampleCostWithTheSeasonalSearch() {
        long[] rows = stream();
        double[][] seasonal = new double[4][ROUNDS];
        double[][] plain = new double[4][ROUNDS];
        long sink = 0;
        for (int r = 0; r < ROUNDS; r++) {
            sink += run(rows, false, plain, r);
            sink += run(rows, true, seasonal, r);
        }
        System.out.printf(Locale.ROOT, "seasonal search benchmark (%,d samples 5 s apart, 29 days, rounds 2-%d of %d; sink %d)%n",
                SAMPLES, ROUNDS, ROUNDS, sink);
        print("autoSeasonal(false)", plain);
        print("automatic seasonal (default)", seasonal);
        assertThat(sink).isNotZero();
    }

    private static void print(String name, double[][] m) {
        double[] mean = Arrays.copyOfRange(m[0], 1, ROUNDS);
        double[] max = Arrays.copyOfRange(m[1], 1, ROUNDS);
        Arrays.sort(mean);
        Arrays.sort(max);
        System.out.printf(Locale.ROOT, "  %s: mean min/median/max %.0f / %.0f / %.0f ns/sample, slowest sample "
                + "min/median/max %.2f / %.2f / %.2f ms%n", name, mean[0], mean[mean.length / 2], mean[mean.length - 1],
                max[0] / 1e6, max[max.length / 2] / 1e6, max[max.length - 1] / 1e6);
        System.out.printf(Locale.ROOT, "    per round (1-%d): samples over 1 ms %s, slowest at day %s%n", ROUNDS,
                Arrays.toString(Arrays.stream(m[2]).mapToLong(d -> (long) d).toArray()),
                Arrays.toString(Arrays.stream(m[3]).mapToObj(i -> String.format(Locale.ROOT, "%.2f", i * 5 / 86_400.0))
                        .toArray()));
    }

    /** Cumulative rows: a daily cycle (quiet nights, busy days) with multiplicative noise, seeded. */
    private static long[] stream() {
        Random random = new Random(20261127L);
        long[] rows = new long[SAMPLES];
        double total = 0;
        for (int i = 0; i < SAMPLES; i++) {
            double day = (i * 5.0 % 86_400) / 86_400;
            double rate = 1000 + 800 * Math.sin(2 * Math.PI * day);
            total += Math.max(0, rate * 5 * (1 + 0.3 * random.nextGaussian()));
            rows[i] = (long) total;
        }
        return rows;
    }

    private static long run(long[] rows, boolean autoSeasonal, double[][] out, int round) {
        AnomalyMonitor monitor = AnomalyMonitor.builder("bench")
                .meterRegistry(new SimpleMeterRegistry())
                .detector(ThroughputBaselineDetector.drops().autoSeasonal(autoSeasonal).build())
                .detector(ThroughputBaselineDetector.spikes().autoSeasonal(autoSeasonal).build())
                .detector(ErrorRateDetector.builder().build())
                .detector(StallDetector.builder().build())
                .detector(LagTrendDetector.builder().build())
                .detector(LowThroughputDetector.builder(100).build())
                .build();
        long acc = 0;
        long slowest = 0;
        long overOneMs = 0;
        int slowestAt = 0;
        long start = System.nanoTime();
        for (int i = 0; i < SAMPLES; i++) {
            Sample s = Sample.of(Instant.ofEpochMilli(T0 + 5000L * i), rows[i], i >> 8, 2.0 + (i & 3));
            long t = System.nanoTime();
            acc += monitor.sample(s).size();
            long d = System.nanoTime() - t;
            if (d > slowest) {
                slowest = d;
                slowestAt = i;
            }
            overOneMs += d > 1_000_000 ? 1 : 0;
        }
        out[0][round] = (System.nanoTime() - start) / (double) SAMPLES;
        out[1][round] = slowest;
        out[2][round] = overOneMs;
        out[3][round] = slowestAt;
        return acc + monitor.active().size() + 1;
    }
}
