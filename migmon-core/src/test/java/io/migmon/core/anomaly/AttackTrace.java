package io.migmon.core.anomaly;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * An independent trace generator for the attack tests (written without looking at the project's {@code Simulation}
 * and with its own seeds): a migration simulated at 100 ms. Work accumulates at
 * {@code nominal x load(t) x noise(t) x factor(t)} rows/s and is committed in batches (each batch the work of a random
 * number of seconds); GC pauses stop everything; errors are drawn per commit; data lag is a base plus the time since
 * the last commit, plus an injected linear growth. Ground truth is what the scenario injected ({@link #windows}).
 */
final class AttackTrace {

    /** An injected event: {@code kind} from {@code start} to {@code end} seconds. */
    record Window(String kind, double start, double end) {
    }

    /** Settings; every field has a default that gives a healthy, moderately noisy run. */
    static final class Spec {
        long seed = 4242;
        double seconds = 3600;
        double nominal = 200;           // rows/s
        double batchMin = 0.5;          // seconds of work per commit, uniform in [batchMin, batchMax]
        double batchMax = 3;
        double gcEvery = 150;           // mean seconds between GC pauses (exponential), 0: none
        double gcMin = 1;
        double gcMax = 3;
        double noiseCv = 0.10;          // log-normal noise of the rate
        double noiseCorrelation = 20;   // seconds
        double diurnalPeriod = 0;       // seconds, 0: flat load
        double diurnalTrough = 1;       // load at the trough (peak 1)
        double errorRatio = 0;          // errors per row, background
        double lagBase = 2;
        double lagRecovery = 5;         // seconds of lag recovered per second once a growth ends
        final List<Window> windows = new ArrayList<>();
        // injected events
        final List<double[]> factors = new ArrayList<>();   // {start, end, factor}
        final List<double[]> errorBursts = new ArrayList<>(); // {start, end, ratio}
        final List<double[]> lagGrowth = new ArrayList<>(); // {start, end, seconds of lag per second}

        Spec stall(double start, double end) {
            factors.add(new double[] {start, end, 0});
            windows.add(new Window("stall", start, end));
            return this;
        }

        Spec drop(double start, double end, double factor) {
            factors.add(new double[] {start, end, factor});
            windows.add(new Window("drop", start, end));
            return this;
        }

        /** A rate change that is not labelled (a declared throttle, a catch-up). */
        Spec benignFactor(double start, double end, double factor) {
            factors.add(new double[] {start, end, factor});
            return this;
        }

        Spec errorBurst(double start, double end, double ratio) {
            errorBursts.add(new double[] {start, end, ratio});
            windows.add(new Window("errors", start, end));
            return this;
        }

        /** A lag spike that recovers by itself (not labelled). */
        Spec benignLag(double start, double end, double perSecond) {
            lagGrowth.add(new double[] {start, end, perSecond});
            return this;
        }

        Spec lagGrowth(double start, double end, double perSecond) {
            lagGrowth.add(new double[] {start, end, perSecond});
            windows.add(new Window("lag", start, end));
            return this;
        }
    }

    private static final double STEP = 0.1;

    final Spec spec;
    final List<Window> windows;
    // commits: time (s), cumulative rows, cumulative errors
    private final double[] commitAt;
    private final long[] commitRows;
    private final long[] commitErrors;
    private final int commits;
    private final double[] lagExtraAt; // lag growth integrated, sampled every second
    final long totalRows;

    AttackTrace(Spec spec) {
        this.spec = spec;
        this.windows = List.copyOf(spec.windows);
        SplittableRandom rnd = new SplittableRandom(spec.seed);
        int steps = (int) Math.ceil(spec.seconds / STEP);
        int cap = 1024;
        double[] at = new double[cap];
        long[] rows = new long[cap];
        long[] errs = new long[cap];
        int n = 0;
        double work = 0;
        double batchWork = 0;
        double batchTarget = uniform(rnd, spec.batchMin, spec.batchMax);
        double logNoise = 0;
        double sigma = Math.sqrt(Math.log(1 + spec.noiseCv * spec.noiseCv));
        double rho = Math.exp(-STEP / spec.noiseCorrelation);
        double nextGc = spec.gcEvery > 0 ? exponential(rnd, spec.gcEvery) : Double.MAX_VALUE;
        double gcUntil = -1;
        long cumRows = 0;
        long cumErrors = 0;
        double fraction = 0;
        for (int i = 0; i < steps; i++) {
            double t = i * STEP;
            logNoise = rho * logNoise + Math.sqrt(1 - rho * rho) * sigma * gaussian(rnd);
            if (t >= nextGc) {
                gcUntil = t + uniform(rnd, spec.gcMin, spec.gcMax);
                nextGc = gcUntil + exponential(rnd, spec.gcEvery);
            }
            if (t < gcUntil) {
                continue; // the JVM is stopped: no work, no commit
            }
            double factor = 1;
            for (double[] f : spec.factors) {
                if (t >= f[0] && t < f[1]) {
                    factor = f[2];
                }
            }
            double load = 1;
            if (spec.diurnalPeriod > 0) {
                double phase = 2 * Math.PI * t / spec.diurnalPeriod;
                load = spec.diurnalTrough + (1 - spec.diurnalTrough) * (0.5 + 0.5 * Math.cos(phase));
            }
            double rate = spec.nominal * load * factor * Math.exp(logNoise - sigma * sigma / 2);
            fraction += rate * STEP;
            long whole = (long) fraction;
            fraction -= whole;
            work += whole;
            if (factor > 0) {
                batchWork += STEP;
            }
            if (batchWork >= batchTarget && work > 0) {
                long r = (long) work;
                work = 0;
                batchWork = 0;
                batchTarget = uniform(rnd, spec.batchMin, spec.batchMax);
                double ratio = spec.errorRatio;
                for (double[] e : spec.errorBursts) {
                    if (t >= e[0] && t < e[1]) {
                        ratio = e[2];
                    }
                }
                long e = binomial(rnd, r, ratio);
                cumRows += r;
                cumErrors += e;
                if (n == cap) {
                    cap *= 2;
                    at = Arrays.copyOf(at, cap);
                    rows = Arrays.copyOf(rows, cap);
                    errs = Arrays.copyOf(errs, cap);
                }
                at[n] = t + STEP;
                rows[n] = cumRows;
                errs[n] = cumErrors;
                n++;
            }
        }
        this.commitAt = at;
        this.commitRows = rows;
        this.commitErrors = errs;
        this.commits = n;
        this.totalRows = cumRows;
        int secs = (int) Math.ceil(spec.seconds) + 2;
        lagExtraAt = new double[secs];
        double extra = 0;
        for (int s = 1; s < secs; s++) {
            for (double[] g : spec.lagGrowth) {
                if (s > g[0] && s <= g[1]) {
                    extra += g[2];
                }
            }
            boolean growing = false;
            for (double[] g : spec.lagGrowth) {
                growing |= s > g[0] && s <= g[1];
            }
            if (!growing && extra > 0) {
                extra = Math.max(0, extra - spec.lagRecovery); // recovers at 5 s/s once the growth ends
            }
            lagExtraAt[s] = extra;
        }
    }

    private int lastCommitIndex(double t) {
        int lo = 0;
        int hi = commits - 1;
        int found = -1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (commitAt[mid] <= t) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return found;
    }

    long rowsAt(double t) {
        int i = lastCommitIndex(t);
        return i < 0 ? 0 : commitRows[i];
    }

    long errorsAt(double t) {
        int i = lastCommitIndex(t);
        return i < 0 ? 0 : commitErrors[i];
    }

    double lagAt(double t) {
        int i = lastCommitIndex(t);
        double since = i < 0 ? t : t - commitAt[i];
        int s = (int) Math.min(lagExtraAt.length - 1, Math.max(0, t));
        return spec.lagBase + since + lagExtraAt[s];
    }

    /** Longest gap between commits in [from, to) seconds (the burstiness the stall detector has to tolerate). */
    double longestGap(double from, double to) {
        double longest = 0;
        double prev = from;
        for (int i = 0; i < commits; i++) {
            if (commitAt[i] < from) {
                continue;
            }
            if (commitAt[i] >= to) {
                break;
            }
            longest = Math.max(longest, commitAt[i] - prev);
            prev = commitAt[i];
        }
        return longest;
    }

    Sample sampleAt(Instant t0, double t) {
        return Sample.of(t0.plusMillis(Math.round(t * 1000)), rowsAt(t), errorsAt(t), lagAt(t));
    }

    /** Sampling times: every {@code interval} s from a phase, each step +-{@code jitter} (fraction of the interval). */
    static double[] schedule(double seconds, double interval, double jitter, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<Double> ts = new ArrayList<>();
        double t = rnd.nextDouble() * interval;
        while (t < seconds) {
            ts.add(t);
            t += interval * (1 + jitter * (2 * rnd.nextDouble() - 1));
        }
        double[] out = new double[ts.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ts.get(i);
        }
        return out;
    }

    private static double uniform(SplittableRandom r, double a, double b) {
        return a + (b - a) * r.nextDouble();
    }

    private static double exponential(SplittableRandom r, double mean) {
        return -mean * Math.log(1 - r.nextDouble());
    }

    private static double gaussian(SplittableRandom r) {
        double u = 1 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }

    private static long binomial(SplittableRandom r, long n, double p) {
        if (p <= 0 || n == 0) {
            return 0;
        }
        double mean = n * p;
        if (n < 200) {
            long k = 0;
            for (long i = 0; i < n; i++) {
                if (r.nextDouble() < p) {
                    k++;
                }
            }
            return k;
        }
        double sd = Math.sqrt(mean * (1 - p));
        return Math.max(0, Math.min(n, Math.round(mean + sd * gaussian(r))));
    }
}
