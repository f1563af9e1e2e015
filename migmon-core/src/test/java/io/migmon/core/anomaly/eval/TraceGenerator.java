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
 * Labeled synthetic migration traces with fixed seeds. Every trace is one hour of samples every 5 s (± 50 ms
 * scheduling jitter, clipped to ± 200 ms) of a migration with a nominal rate (1,000 rows/s unless said otherwise),
 * Gaussian rate noise, Poisson errors at a background rate of 0.1%, and a data lag of a few seconds plus whatever
 * backlog builds up when the migration is slower than its source (a healthy migration has 30% headroom and works
 * a backlog off at up to 1.3x).
 *
 * <p>Healthy scenarios (no label; nothing may fire):
 * <ul>
 *   <li>{@code steady}: 10% noise;</li>
 *   <li>{@code noisy}: 30% noise, 5% of samples at half speed (slow batches), a jittery lag (± 3 s), background
 *       errors 0.3% with a varying rate;</li>
 *   <li>{@code ramp_up}: 3 minutes from 5% to full speed;</li>
 *   <li>{@code batch_changes}: the level moves to 70%, 135%, 80% every 15 minutes, and the middle segment commits
 *       big batches every 2-3 samples (intervals alternate between 0 and 2-3x the rate);</li>
 *   <li>{@code gc_pauses}: pauses of 1-4 samples (up to 20 s) at 0-40% speed with a lag bump of 5-15 s, every
 *       2.5-4 minutes;</li>
 *   <li>{@code low_volume}: 2 rows/s (10 rows per sample) with 0.3% errors: single errors make the raw rate jump.</li>
 * </ul>
 * Labeled scenarios (2 windows each unless said otherwise; GC pauses as above mixed in):
 * <ul>
 *   <li>{@code stalls}: no progress for 7-60 samples (35 s to 5 min; the ground truth is "no progress for 30 s or
 *       more"), lag growing meanwhile, then the catch-up;</li>
 *   <li>{@code collapse}: 2-7.5 minutes at 15-45% of the rate (ground truth: below half the usual rate) with 15-25%
 *       noise, lag growing;</li>
 *   <li>{@code error_bursts}: 30 s to 4 minutes at 1.5-10% errors; {@code error_bursts_low_volume} the same at
 *       10 rows/s;</li>
 *   <li>{@code lag_runaway}: one window: lag rising 0.1-1 s/s until past 350 s (ground truth: heading past 300 s),
 *       then draining;</li>
 *   <li>{@code spikes}: 1-5 minutes at 2.2-4x the rate (e.g. rows being skipped).</li>
 * </ul>
 */
final class TraceGenerator {

    static final double RATE = 1000;
    static final double INTERVAL = 5;
    static final int SAMPLES = 720;
    static final long[] SEEDS = {11, 23, 37, 41, 59, 61, 73, 89};
    static final List<String> SCENARIOS = List.of("steady", "noisy", "ramp_up", "batch_changes", "gc_pauses",
            "low_volume", "stalls", "collapse", "error_bursts", "error_bursts_low_volume", "lag_runaway", "spikes");

    private static final String LOW = LowThroughputDetector.TYPE;
    private static final String DROP = ThroughputBaselineDetector.DROP;
    private static final String SPIKE = ThroughputBaselineDetector.SPIKE;
    private static final String ERR = ErrorRateDetector.TYPE;
    private static final String STALL = StallDetector.TYPE;
    private static final String LAG = LagTrendDetector.TYPE;
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    private TraceGenerator() {
    }

    /** Every scenario with every seed: the shipped evaluation set (96 traces, 96 simulated hours). */
    static List<LabeledTrace> shipped() {
        return withSeeds(SEEDS);
    }

    /**
     * The same scenarios with seeds the defaults were not tuned on (96 more traces), reported separately as a check
     * against over-fitting.
     */
    static List<LabeledTrace> heldOut() {
        return withSeeds(new long[] {101, 103, 107, 109, 113, 127, 131, 137});
    }

    static List<LabeledTrace> withSeeds(long[] seeds) {
        List<LabeledTrace> all = new ArrayList<>();
        for (String s : SCENARIOS) {
            for (long seed : seeds) {
                all.add(generate(s, seed));
            }
        }
        return all;
    }

    static LabeledTrace generate(String scenario, long seed) {
        Random rnd = new Random(seed * 1_000_003L + scenario.hashCode());
        int n = SAMPLES;
        double rate = RATE;
        double[] speed = new double[n];   // multiplier of the rate before noise
        double[] noise = new double[n];   // relative std of the rate
        double[] errP = new double[n];    // error probability per row
        double[] lagAdd = new double[n];  // extra lag (seconds) on top of the base and the backlog
        double[] arrival = new double[n]; // source rate multiplier (backlog grows when speed < arrival)
        boolean[] batchy = new boolean[n]; // rows committed in big batches every 2-3 samples
        Arrays.fill(speed, 1.0);
        Arrays.fill(noise, 0.10);
        Arrays.fill(errP, 0.001);
        Arrays.fill(arrival, 1.0);
        double lagNoise = 1.0;
        double slowBatchProb = 0;
        boolean overdispersedErrors = false;
        List<LabeledWindow> windows = new ArrayList<>();
        switch (scenario) {
            case "steady" -> { }
            case "noisy" -> {
                Arrays.fill(noise, 0.30);
                Arrays.fill(errP, 0.003);
                slowBatchProb = 0.05;
                lagNoise = 3.0;
                overdispersedErrors = true;
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
                    batchy[i] = k == 2;
                }
            }
            case "gc_pauses" -> gcPauses(rnd, speed, lagAdd, 4);
            case "low_volume" -> {
                rate = 2;
                Arrays.fill(errP, 0.003);
            }
            case "stalls" -> {
                gcPauses(rnd, speed, lagAdd, 2);
                for (int[] w : twoWindows(rnd, n, 7, 60)) {
                    for (int j = w[0]; j < w[1]; j++) {
                        speed[j] = 0;
                    }
                    windows.add(new LabeledWindow("stall", w[0], w[1], Set.of(STALL), Set.of(DROP, LOW, LAG)));
                }
            }
            case "collapse" -> {
                gcPauses(rnd, speed, lagAdd, 2);
                for (int[] w : twoWindows(rnd, n, 24, 90)) {
                    double level = 0.15 + 0.30 * rnd.nextDouble();
                    double nz = 0.15 + 0.10 * rnd.nextDouble();
                    for (int j = w[0]; j < w[1]; j++) {
                        speed[j] = level;
                        noise[j] = nz;
                    }
                    windows.add(new LabeledWindow("collapse", w[0], w[1], Set.of(DROP, LOW), Set.of(LAG)));
                }
            }
            case "error_bursts", "error_bursts_low_volume" -> {
                if (scenario.endsWith("low_volume")) {
                    rate = 10;
                }
                gcPauses(rnd, speed, lagAdd, 2);
                for (int[] w : twoWindows(rnd, n, 6, 48)) {
                    double p = 0.015 + 0.085 * rnd.nextDouble();
                    for (int j = w[0]; j < w[1]; j++) {
                        errP[j] = p;
                    }
                    windows.add(new LabeledWindow("error_burst", w[0], w[1], Set.of(ERR), Set.of()));
                }
            }
            case "lag_runaway" -> {
                gcPauses(rnd, speed, lagAdd, 2);
                int onset = 150 + rnd.nextInt(150);
                double slope = 0.1 + 0.9 * rnd.nextDouble(); // seconds of lag per second
                int len = Math.min(n - onset, (int) Math.ceil(350 / slope / INTERVAL));
                double extra = 0;
                for (int j = onset; j < n; j++) {
                    if (j < onset + len) {
                        extra += slope * INTERVAL;
                    } else {
                        extra = Math.max(0, extra - 2 * INTERVAL);
                    }
                    lagAdd[j] += extra;
                }
                windows.add(new LabeledWindow("lag_runaway", onset, onset + len, Set.of(LAG), Set.of()));
            }
            case "spikes" -> {
                gcPauses(rnd, speed, lagAdd, 2);
                for (int[] w : twoWindows(rnd, n, 12, 60)) {
                    double level = 2.2 + 1.8 * rnd.nextDouble();
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
        double pending = 0; // rows of a big batch not committed yet
        int sinceCommit = 0;
        int nextCommit = 2;
        long millis = START.toEpochMilli();
        for (int i = 0; i < n; i++) {
            long dtMillis = Math.round(INTERVAL * 1000 + rnd.nextGaussian() * 50);
            dtMillis = Math.max(4_800, Math.min(5_200, dtMillis));
            millis += dtMillis;
            double dt = dtMillis / 1e3;
            double m = speed[i];
            if (backlogRows > 0 && speed[i] >= arrival[i]) {
                m = Math.min(1.3 * arrival[i], arrival[i] + backlogRows / (rate * dt)); // headroom: works off a backlog
            }
            double nominal = m;
            if (m > 0) {
                m = Math.max(0, m * (1 + noise[i] * rnd.nextGaussian()));
                if (slowBatchProb > 0 && rnd.nextDouble() < slowBatchProb) {
                    m *= 0.5;
                }
            }
            double work = rate * m * dt;
            long done;
            if (batchy[i]) {
                pending += work;
                if (++sinceCommit >= nextCommit) { // a commit every 2 or 3 samples
                    done = Math.round(pending);
                    pending = 0;
                    sinceCommit = 0;
                    nextCommit = 2 + rnd.nextInt(2);
                } else {
                    done = 0;
                }
            } else {
                done = Math.round(work + pending);
                pending = 0;
            }
            double p = errP[i];
            if (overdispersedErrors) {
                p *= Math.exp(0.5 * rnd.nextGaussian());
            }
            long errs = poisson(rnd, done * p);
            rows += done;
            errors += errs;
            // the backlog follows the scenario's nominal speed, not the noise: healthy lag does not random-walk
            backlogRows = Math.max(0, backlogRows + rate * (arrival[i] - nominal) * dt);
            double lag = 2 + Math.abs(rnd.nextGaussian()) * lagNoise + backlogRows / rate + lagAdd[i];
            samples.add(Sample.of(Instant.ofEpochMilli(millis), rows, errors, lag));
        }
        return new LabeledTrace(scenario, seed, INTERVAL, rate, samples, windows);
    }

    /** GC-like pauses: 1 to {@code maxLen} samples at 0-40% speed with a lag bump, every 30-50 samples. */
    private static void gcPauses(Random rnd, double[] speed, double[] lagAdd, int maxLen) {
        int i = 20 + rnd.nextInt(20);
        while (i < speed.length - maxLen) {
            int len = 1 + rnd.nextInt(maxLen);
            double bump = 5 + 10 * rnd.nextDouble();
            for (int j = i; j < i + len; j++) {
                speed[j] = 0.4 * rnd.nextDouble();
                lagAdd[j] = bump;
            }
            i += 30 + rnd.nextInt(20);
        }
    }

    /** Two non-overlapping windows of {@code min..max} samples, after the warm-up and apart from each other. */
    private static List<int[]> twoWindows(Random rnd, int n, int min, int max) {
        int len1 = min + rnd.nextInt(max - min + 1);
        int len2 = min + rnd.nextInt(max - min + 1);
        int s1 = 100 + rnd.nextInt(150);
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
