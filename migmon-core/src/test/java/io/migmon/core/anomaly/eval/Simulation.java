package io.migmon.core.anomaly.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A simulated migration (or pipeline) at 100 ms resolution, made like a real one: work accumulates at a rate and is
 * committed in batches (0.2–8 s of work each), GC pauses of 1–3 s stop everything, the rate carries log-normal
 * noise (coefficient of variation 5–25%, correlated over 10–60 s) and, for half the traces, a diurnal-shaped load
 * (troughs at 60–80% of the mean; the "day" is compressed to 1.5–3 h so that every trace has a trough). The data lag
 * is a sawtooth (time since the last commit) over a base lag. Events are laid over that: anomalies (sustained drops to
 * 30%, stalls, error bursts above 1%, linear lag growth, surges to 3x) and benign events (planned pauses and
 * throttles declared to the monitor, lag spikes that recover by themselves, error blips below 1%, slower phases at
 * 85%, catch-up after a pause or a stall).
 *
 * <p>{@link Variant}s add the shapes an independent attack found at a 60 s sampling interval (issue 12): a quiet
 * stream that commits about once a minute, GC pauses of 5–15 s about every minute, and benign lag spikes that are
 * short (over within two minutes) or recover slowly. A {@link Variant#STANDARD} trace is drawn exactly as before the
 * variants existed (the variants draw their own settings from a separate generator).
 *
 * <p>Reproducible: everything comes from the seed.
 */
final class Simulation {

    static final double STEP = 0.1;

    /** The kinds of trace. */
    enum Kind { HEALTHY, BENIGN, ANOMALOUS }

    /** Shapes of trace; each but {@link #STANDARD} is one the attack of issue 12 used at a 60 s interval. */
    enum Variant {
        /** The shapes described above. */
        STANDARD,
        /** A quiet stream (0.5–20 rows/s) committing every 50–70 s (healthy). */
        MINUTE_COMMITS,
        /** GC pauses of 5–15 s, one about every minute (healthy). */
        LONG_GC,
        /**
         * Benign events are all lag spikes that recover by themselves: half are short (rise 5–40 s, over within
         * 110 s, peak 30–250 s), half rise at 1–3 s/s for 20–100 s and recover at 0.3–2 s/s.
         */
        LAG_SPIKES
    }

    /** A labeled anomaly in seconds of simulated time: detectors of {@code required} must fire for it. */
    record Window(String label, double start, double end, Set<String> required, Set<String> tolerated) {
        boolean accepts(String type) {
            return required.contains(type) || tolerated.contains(type);
        }
    }

    /** A planned pause or throttle, declared to the monitor. */
    record Pause(double start, double end, String reason) {
    }

    final long seed;
    final Kind kind;
    final Variant variant;
    final double seconds;
    final double nominalRate;
    final double cv;
    final double batchSeconds;
    final boolean diurnal;
    final List<Window> windows = new ArrayList<>();
    final List<Window> benign = new ArrayList<>();
    final List<Pause> pauses = new ArrayList<>();
    final long[] rows;
    final long[] errors;
    final float[] lag;

    // event timelines (multipliers per step)
    private final double[] rateFactor;
    private final double[] errorProb;
    private final double[] extraLag;
    private final double batchLow;
    private final double batchHigh;
    private final double gcMin;
    private final double gcSpan;
    private final double gcMean;

    static final String DROP = "throughput_drop";
    static final String SPIKE = "throughput_spike";
    static final String LOW = "low_throughput";
    static final String STALL = "stall";
    static final String ERRORS = "high_error_rate";
    static final String LAG = "lag_trend";

    Simulation(long seed, Kind kind) {
        this(seed, kind, Variant.STANDARD);
    }

    Simulation(long seed, Kind kind, Variant variant) {
        this.seed = seed;
        this.kind = kind;
        this.variant = variant;
        Random r = new Random(seed * 7919 + kind.ordinal());
        // the variants' own settings come from a separate generator, so a STANDARD trace is drawn as it always was
        Random v = new Random(seed * 104_729 + 31L * variant.ordinal());
        this.seconds = 3600 * (1.5 + r.nextDouble() * 1.5);
        double nominal = Math.exp(Math.log(5) + r.nextDouble() * (Math.log(5000) - Math.log(5)));
        this.cv = 0.05 + r.nextDouble() * 0.20;
        double noiseTau = 10 + r.nextDouble() * 50;
        double batchS = Math.exp(Math.log(0.2) + r.nextDouble() * (Math.log(8) - Math.log(0.2)));
        if (variant == Variant.MINUTE_COMMITS) {
            nominal = Math.exp(Math.log(0.5) + v.nextDouble() * (Math.log(20) - Math.log(0.5)));
            batchS = 60;
            batchLow = 50.0 / 60;
            batchHigh = 70.0 / 60;
        } else {
            batchLow = 0.5;
            batchHigh = 1.5;
        }
        if (variant == Variant.LONG_GC) {
            gcMin = 5;
            gcSpan = 10;
            gcMean = 60;
        } else {
            gcMin = 1;
            gcSpan = 2;
            gcMean = 120;
        }
        this.nominalRate = nominal;
        this.batchSeconds = batchS;
        this.diurnal = r.nextBoolean();
        double amplitude = 0.2 + r.nextDouble() * 0.2;
        double period = 3600 * (1.5 + r.nextDouble() * 1.5);
        double phase = r.nextDouble() * 2 * Math.PI;
        double baseErrors = r.nextDouble() < 0.5 ? 0 : r.nextDouble() * 0.001;
        double baseLag = 0.5 + r.nextDouble() * 4.5;
        int n = (int) (seconds / STEP);
        rows = new long[n];
        errors = new long[n];
        lag = new float[n];
        rateFactor = new double[n];
        errorProb = new double[n];
        extraLag = new double[n];
        java.util.Arrays.fill(rateFactor, 1.0);
        java.util.Arrays.fill(errorProb, baseErrors);
        placeEvents(r);

        double logNoise = 0;
        double a = Math.exp(-STEP / noiseTau);
        double sigma = Math.sqrt(Math.log(1 + cv * cv));
        double pending = 0;
        double pendingErrors = 0;
        double sinceCommitWork = 0;
        double batch = nextBatch(r);
        double gcLeft = 0;
        double nextGc = exp(r, gcMean);
        long doneRows = 0;
        long doneErrors = 0;
        double lastCommit = 0;
        for (int i = 0; i < n; i++) {
            double t = i * STEP;
            logNoise = a * logNoise + Math.sqrt(1 - a * a) * sigma * r.nextGaussian();
            double rate = nominalRate * Math.exp(logNoise - sigma * sigma / 2) * rateFactor[i];
            if (diurnal) {
                rate *= 1 + amplitude * Math.sin(2 * Math.PI * t / period + phase);
            }
            if (gcLeft <= 0 && t >= nextGc) {
                gcLeft = gcMin + r.nextDouble() * gcSpan;
                nextGc = t + gcLeft + exp(r, gcMean);
            }
            if (gcLeft > 0) {
                gcLeft -= STEP;
            } else if (rateFactor[i] > 0) {
                double work = rate * STEP;
                pending += work;
                pendingErrors += work * errorProb[i];
                sinceCommitWork += STEP;
                if (sinceCommitWork >= batch) {
                    long c = (long) pending;
                    long e = (long) pendingErrors;
                    if (r.nextDouble() < pendingErrors - e) {
                        e++;
                    }
                    pending -= c;
                    pendingErrors = 0;
                    doneRows += c;
                    doneErrors += e;
                    sinceCommitWork = 0;
                    batch = nextBatch(r);
                    lastCommit = t;
                }
            }
            rows[i] = doneRows;
            errors[i] = doneErrors;
            lag[i] = (float) (baseLag + (t - lastCommit) + extraLag[i]);
        }
    }

    private double nextBatch(Random r) {
        return batchSeconds * (batchLow + (batchHigh - batchLow) * r.nextDouble());
    }

    private static double exp(Random r, double mean) {
        return -mean * Math.log(1 - r.nextDouble());
    }

    int index(double t) {
        return Math.max(0, Math.min(rows.length - 1, (int) (t / STEP)));
    }

    /**
     * The rate a host would measure in a capacity test and configure as {@code low_throughput}'s expected rate: the
     * nominal rate less the time GC pauses take (1.6% for the standard traces, 14% with {@link Variant#LONG_GC}).
     */
    double expectedRate() {
        return nominalRate * gcMean / (gcMean + gcMin + gcSpan / 2);
    }

    double hours() {
        return seconds / 3600;
    }

    private void placeEvents(Random r) {
        if (kind == Kind.HEALTHY) {
            return;
        }
        double t = 900 + r.nextDouble() * 300; // after the warm-ups
        if (variant == Variant.LAG_SPIKES && kind == Kind.BENIGN) {
            while (t < seconds - 600) { // lag spikes 10-20 minutes apart until the end
                t = lagSpike(r, t) + 600 + r.nextDouble() * 600;
            }
            return;
        }
        int count = kind == Kind.BENIGN ? 3 + r.nextInt(3) : 2 + r.nextInt(2);
        for (int k = 0; k < count && t < seconds - 1500; k++) {
            double end = kind == Kind.BENIGN ? benignEvent(r, t) : anomaly(r, t);
            t = end + 900 + r.nextDouble() * 600; // 15-25 minutes apart
        }
    }

    private void factor(double from, double to, double f) {
        for (int i = index(from); i < index(to); i++) {
            rateFactor[i] *= f;
        }
    }

    /** Rows held back by [from, to) at factor f, caught up afterwards at 2x: returns the end of the catch-up. */
    private double catchUp(double from, double to, double f) {
        double missing = (to - from) * (1 - f); // seconds of work at the nominal rate
        double end = Math.min(seconds - 1, to + Math.min(missing, 600)); // at 2x, the surplus is 1x
        factor(to, end, 2.0);
        return end;
    }

    /** A lag spike that recovers by itself, short or slowly recovering (the {@link Variant#LAG_SPIKES} events). */
    private double lagSpike(Random r, double t) {
        double rise;
        double peak;
        double drain;
        String label;
        if (r.nextBoolean()) { // short: over within 110 s, less than two intervals at 60 s
            rise = 5 + r.nextDouble() * 35;
            peak = 30 + r.nextDouble() * 220;
            drain = 10 + r.nextDouble() * (100 - rise);
            label = "short lag spike";
        } else { // rises at 1-3 s/s for 20-100 s, recovers at 0.3-2 s/s
            double up = 1 + r.nextDouble() * 2;
            rise = 20 + r.nextDouble() * 80;
            peak = Math.min(250, up * rise);
            rise = peak / up;
            drain = peak / (0.3 + r.nextDouble() * 1.7);
            label = "slowly recovering lag spike";
        }
        for (int i = index(t); i < index(t + rise + drain); i++) {
            double s = Math.max(0, i * STEP - t); // the first step may start just before t
            extraLag[i] += s < rise ? peak * s / rise : peak * Math.max(0, 1 - (s - rise) / drain);
        }
        benign.add(new Window(label, t, t + rise + drain, Set.of(), Set.of()));
        return t + rise + drain;
    }

    private double benignEvent(Random r, double t) {
        switch (r.nextInt(4)) {
            case 0 -> { // planned pause or throttle, declared
                double d = 120 + r.nextDouble() * 480;
                double f = r.nextBoolean() ? 0.0 : 0.2;
                factor(t, t + d, f);
                pauses.add(new Pause(t, t + d, f == 0 ? "maintenance window" : "throttled"));
                double end = t + d;
                if (r.nextBoolean()) {
                    end = catchUp(t, t + d, f);
                }
                benign.add(new Window(f == 0 ? "planned pause" : "throttle", t, end, Set.of(), Set.of()));
                return end;
            }
            case 1 -> { // a lag spike that recovers by itself
                double rise = 10 + r.nextDouble() * 50;
                double peak = 30 + r.nextDouble() * 220;
                double drain = 60 + r.nextDouble() * 240;
                for (int i = index(t); i < index(t + rise + drain); i++) {
                    double s = i * STEP - t;
                    extraLag[i] += s < rise ? peak * s / rise : peak * Math.max(0, 1 - (s - rise) / drain);
                }
                benign.add(new Window("recovering lag spike", t, t + rise + drain, Set.of(), Set.of()));
                return t + rise + drain;
            }
            case 2 -> { // an error blip below 1%
                double d = 60 + r.nextDouble() * 120;
                double p = 0.002 + r.nextDouble() * 0.006;
                for (int i = index(t); i < index(t + d); i++) {
                    errorProb[i] = Math.max(errorProb[i], p);
                }
                benign.add(new Window("error blip", t, t + d, Set.of(), Set.of()));
                return t + d;
            }
            default -> { // a slower phase at 85% (bigger rows, a busier source): not an anomaly
                double d = 300 + r.nextDouble() * 600;
                factor(t, t + d, 0.85);
                benign.add(new Window("slow phase at 85%", t, t + d, Set.of(), Set.of()));
                return t + d;
            }
        }
    }

    private double anomaly(Random r, double t) {
        switch (r.nextInt(5)) {
            case 0 -> { // sustained drop to 30%
                double d = 300 + r.nextDouble() * 600;
                factor(t, t + d, 0.3);
                windows.add(new Window("drop to 30%", t, t + d, Set.of(DROP, LOW), Set.of(STALL)));
                return t + d;
            }
            case 1 -> { // stall
                double d = 180 + r.nextDouble() * 420;
                factor(t, t + d, 0.0);
                // nothing commits, so the data lag really grows: lag_trend may say so
                windows.add(new Window("stall", t, t + d, Set.of(STALL), Set.of(DROP, LOW, LAG)));
                double end = t + d;
                if (r.nextBoolean()) {
                    end = catchUp(t, t + d, 0.0);
                    benign.add(new Window("catch-up after a stall", t + d, end, Set.of(), Set.of()));
                }
                return end;
            }
            case 2 -> { // error burst above 1%
                double d = 120 + r.nextDouble() * 180;
                double p = 0.02 + r.nextDouble() * 0.08;
                for (int i = index(t); i < index(t + d); i++) {
                    errorProb[i] = p;
                }
                windows.add(new Window("error burst", t, t + d, Set.of(ERRORS), Set.of()));
                return t + d;
            }
            case 3 -> { // linear lag growth until well above the 300 s limit, then recovery
                double slope = 0.3 + r.nextDouble() * 1.7;
                double top = 400 + r.nextDouble() * 500;
                double grow = top / slope;
                double drain = 120;
                for (int i = index(t); i < index(t + grow + drain); i++) {
                    double s = i * STEP - t;
                    extraLag[i] += s < grow ? slope * s : top * Math.max(0, 1 - (s - grow) / drain);
                }
                windows.add(new Window("linear lag growth", t, t + grow, Set.of(LAG), Set.of()));
                return t + grow + drain;
            }
            default -> { // surge to 3x
                double d = 300 + r.nextDouble() * 300;
                factor(t, t + d, 3.0);
                windows.add(new Window("surge to 3x", t, t + d, Set.of(SPIKE), Set.of()));
                return t + d;
            }
        }
    }
}
