package io.migmon.core.anomaly.eval;

import io.migmon.core.anomaly.ErrorRateDetector;
import io.migmon.core.anomaly.LagTrendDetector;
import io.migmon.core.anomaly.LowThroughputDetector;
import io.migmon.core.anomaly.Sample;
import io.migmon.core.anomaly.StallDetector;
import io.migmon.core.anomaly.ThroughputBaselineDetector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * Labeled synthetic migration traces with a fixed seed. Every trace is one hour of samples every 5 s (± 100 ms
 * scheduling jitter) of a migration whose healthy rate is {@link #RATE} rows/s, with a small background error rate
 * and a data lag of a few seconds. Scenarios:
 * <ul>
 *   <li>healthy (no labels): {@code steady} (10% noise), {@code noisy} (30% noise, slow batches at half speed, a
 *       jittery lag and error rate), {@code ramp_up} (3 minutes from 5% to full speed), {@code batch_changes} (the
 *       level moves to 70%, 135%, 80% with burstier noise), {@code gc_pauses} (pauses of 1-2 samples at 0-40% speed
 *       with a lag bump, every 2.5-4 minutes);</li>
 *   <li>labeled: {@code stalls} (2 stalls of 2-5 minutes, lag growing meanwhile, then catch-up),
 *       {@code collapse} (2 periods of 3-7.5 minutes at 10-25% speed, lag growing), {@code error_bursts} (2 bursts
 *       of 1-4 minutes at 3-10% errors), {@code lag_runaway} (lag rising 0.5-1 s/s until past 350 s, then draining),
 *       {@code spikes} (2 periods of 2-5 minutes at 2.5-4x speed, e.g. rows being skipped).</li>
 * </ul>
 */
final class TraceGenerator {

    static final double RATE = 1000;
    static final double INTERVAL = 5;
    static final int SAMPLES = 720;
    static final long[] SEEDS = {11, 23, 37, 41, 59};
    static final List<String> SCENARIOS = List.of("steady", "noisy", "ramp_up", "batch_changes", "gc_pauses",
            "stalls", "collapse", "error_bursts", "lag_runaway", "spikes");

    private static final String LOW = LowThroughputDetector.TYPE;
    private static final String DROP = ThroughputBaselineDetector.DROP;
    private static final String SPIKE = ThroughputBaselineDetector.SPIKE;
    private static final String ERR = ErrorRateDetector.TYPE;
    private static final String STALL = StallDetector.TYPE;
    private static final String LAG = LagTrendDetector.TYPE;
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private TraceGenerator() {
    }

    /** Every scenario with every seed: the shipped evaluation set (50 traces, 50 simulated hours). */
    static List<LabeledTrace> shipped() {
        List<LabeledTrace> all = new ArrayList<>();
        for (String s : SCENARIOS) {
            for (long seed : SEEDS) {
                all.add(generate(s, seed));
            }
        }
        return all;
    }

    static LabeledTrace generate(String scenario, long seed) {
        Random rnd = new Random(seed * 1_000_003L + scenario.hashCode());
        int n = SAMPLES;
        double[] speed = new double[n];   // multiplier of RATE before noise
        double[] noise = new double[n];   // relative std of the rate
        double[] errP = new double[n];    // error probability per row
        double[] lagAdd = new double[n];  // extra lag (seconds) on top of the base and the backlog
        double[] arrival = new double[n]; // source rate multiplier (lag grows when speed < arrival)
        Arrays.fill(speed, 1.0);
        Arrays.fill(noise, 0.10);
        Arrays.fill(errP, 0.001);
        Arrays.fill(arrival, 1.0);
        double lagNoise = 1.0;
        double slowBatchProb = 0;
        List<LabeledWindow> windows = new ArrayList<>();
        switch (scenario) {
            case "steady" -> { }
            case "noisy" -> {
                Arrays.fill(noise, 0.30);
                Arrays.fill(errP, 0.003);
                slowBatchProb = 0.05;
                lagNoise = 3.0;
            }
            case "ramp_up" -> {
                for (int i = 0; i < 36; i++) {
                    speed[i] = 0.05 + 0.95 * i / 36.0;
                    arrival[i] = speed[i];
                }
            }
            case "batch_changes" -> {
                double[] levels = {1.0, 0.7, 1.35, 0.8};
                for (int i = 0; i < n; i++) {
                    int k = Math.min(3, i / 180);
                    speed[i] = levels[k];
                    arrival[i] = levels[k];
                    noise[i] = k % 2 == 0 ? 0.10 : 0.20;
                }
            }
            case "gc_pauses" -> {
                int i = 20 + rnd.nextInt(20);
                while (i < n - 2) {
                    int len = 1 + rnd.nextInt(2);
                    double bump = 5 + 10 * rnd.nextDouble();
                    for (int j = i; j < i + len; j++) {
                        speed[j] = 0.4 * rnd.nextDouble();
                        lagAdd[j] = bump;
                    }
                    i += 30 + rnd.nextInt(20);
                }
            }
            case "stalls" -> {
                for (int[] w : twoWindows(rnd, n, 24, 60)) {
                    for (int j = w[0]; j < w[1]; j++) {
                        speed[j] = 0;
                    }
                    int catchUpEnd = Math.min(n, w[1] + (int) Math.ceil((w[1] - w[0]) / 0.3));
                    for (int j = w[1]; j < catchUpEnd; j++) {
                        speed[j] = 1.3; // works off the backlog of the stall
                    }
                    windows.add(new LabeledWindow("stall", w[0], w[1], Set.of(STALL),
                            Set.of(DROP, LOW, LAG)));
                }
            }
            case "collapse" -> {
                for (int[] w : twoWindows(rnd, n, 36, 90)) {
                    double level = 0.10 + 0.15 * rnd.nextDouble();
                    for (int j = w[0]; j < w[1]; j++) {
                        speed[j] = level;
                        noise[j] = 0.15;
                    }
                    windows.add(new LabeledWindow("collapse", w[0], w[1], Set.of(DROP, LOW), Set.of(LAG)));
                }
            }
            case "error_bursts" -> {
                for (int[] w : twoWindows(rnd, n, 12, 48)) {
                    double p = 0.03 + 0.07 * rnd.nextDouble();
                    for (int j = w[0]; j < w[1]; j++) {
                        errP[j] = p;
                    }
                    windows.add(new LabeledWindow("error_burst", w[0], w[1], Set.of(ERR), Set.of()));
                }
            }
            case "lag_runaway" -> {
                int onset = 150 + rnd.nextInt(200);
                double slope = 0.5 + 0.5 * rnd.nextDouble(); // seconds of lag per second
                int len = (int) Math.ceil(350 / slope / INTERVAL);
                double extra = 0;
                for (int j = onset; j < n; j++) {
                    if (j < onset + len) {
                        extra += slope * INTERVAL;
                    } else {
                        extra = Math.max(0, extra - 2 * INTERVAL);
                    }
                    lagAdd[j] = extra;
                }
                windows.add(new LabeledWindow("lag_runaway", onset, Math.min(n, onset + len), Set.of(LAG), Set.of()));
            }
            case "spikes" -> {
                for (int[] w : twoWindows(rnd, n, 24, 60)) {
                    double level = 2.5 + 1.5 * rnd.nextDouble();
                    for (int j = w[0]; j < w[1]; j++) {
                        speed[j] = level;
                        arrival[j] = level;
                    }
                    windows.add(new LabeledWindow("spike", w[0], w[1], Set.of(SPIKE), Set.of()));
                }
            }
            default -> throw new IllegalArgumentException("unknown scenario " + scenario);
        }

        List<Sample> samples = new ArrayList<>(n);
        long rows = 0;
        long errors = 0;
        double backlogRows = 0;
        long millis = START.toEpochMilli();
        for (int i = 0; i < n; i++) {
            long dtMillis = Math.round(INTERVAL * 1000 + rnd.nextGaussian() * 50);
            dtMillis = Math.max(4_800, Math.min(5_200, dtMillis));
            millis += dtMillis;
            double dt = dtMillis / 1e3;
            double m = speed[i];
            if (m > 0) {
                m = Math.max(0, m * (1 + noise[i] * rnd.nextGaussian()));
                if (slowBatchProb > 0 && rnd.nextDouble() < slowBatchProb) {
                    m *= 0.5;
                }
            }
            long done = Math.round(RATE * m * dt);
            double p = errP[i];
            if (scenario.equals("noisy")) {
                p *= Math.exp(0.5 * rnd.nextGaussian()); // overdispersed background errors
            }
            long errs = poisson(rnd, done * p);
            rows += done;
            errors += errs;
            // the backlog follows the scenario's nominal speed, not the noise: healthy lag does not random-walk
            backlogRows = Math.max(0, backlogRows + RATE * (arrival[i] - speed[i]) * dt);
            double lag = 2 + Math.abs(rnd.nextGaussian()) * lagNoise + backlogRows / RATE + lagAdd[i];
            samples.add(Sample.of(Instant.ofEpochMilli(millis), rows, errors, lag));
        }
        return new LabeledTrace(scenario, seed, INTERVAL, samples, windows);
    }

    /** Two non-overlapping windows of {@code min..max} samples, away from the start (warm-up) and each other. */
    private static List<int[]> twoWindows(Random rnd, int n, int min, int max) {
        int len1 = min + rnd.nextInt(max - min + 1);
        int len2 = min + rnd.nextInt(max - min + 1);
        int s1 = 100 + rnd.nextInt(120);
        int s2 = 400 + rnd.nextInt(n - 400 - len2 - 60);
        return List.of(new int[] {s1, s1 + len1}, new int[] {s2, s2 + len2});
    }

    private static long poisson(Random rnd, double lambda) {
        if (lambda <= 0) {
            return 0;
        }
        if (lambda > 50) {
            return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * rnd.nextGaussian()));
        }
        double l = Math.exp(-lambda);
        long k = 0;
        double p = 1;
        do {
            k++;
            p *= rnd.nextDouble();
        } while (p > l);
        return k - 1;
    }
}
