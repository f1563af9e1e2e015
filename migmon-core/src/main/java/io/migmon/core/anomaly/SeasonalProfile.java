package io.migmon.core.anomaly;

import java.util.Arrays;

/**
 * The automatic seasonal baseline of {@link ThroughputBaselineDetector}: the rate in buckets of fixed time (the
 * detector's long span, 4 minutes by default) over the last 15 days, a period judged from the data, and, once a
 * period is found, the expected rate at any time of the period with a robust noise scale.
 *
 * <p><b>Period.</b> Every hour of data (and once at least {@link #MIN_PERIODS} times {@link #MIN_PERIOD_SECONDS} of
 * buckets are stored) the autocorrelation of the bucket series is computed for every lag from 2 hours to half the
 * history; the period is the highest local maximum, or a shorter one within 90% of it of which it is a multiple (so a
 * daily pattern is read as a day, not as two); a lag within {@link #CALENDAR_TOLERANCE} of a day or a week is that
 * day or week. It is adopted when that autocorrelation is at least {@link #MIN_AUTOCORRELATION} <b>and</b> the
 * seasonal residual spread (against the expectation below) is at most {@link #MAX_RESIDUAL_RATIO} of the spread
 * around the series' median, and kept on weaker evidence ({@link #KEEP_AUTOCORRELATION},
 * {@link #KEEP_RESIDUAL_RATIO}). So a weekly pattern is found once two weeks are stored, a daily one after two days;
 * a run of a few hours never has a period.
 *
 * <p><b>Expectation.</b> The median of the buckets at the same phase of the last {@link #PERIODS} periods (each with
 * its two neighbours), times the recent level: the median ratio of the last {@link #LEVEL_FRACTION} of a period of
 * buckets to their own seasonal values, clamped to 1/{@link #MAX_LEVEL}-{@link #MAX_LEVEL} (a weekend day that is lower
 * all day is not a day of drops; an incident stays one). Noise: 1.4826 x
 * the median absolute residual of the last period's buckets against their expectation.
 *
 * <p>Memory: one float per bucket (5,400 for 15 days of 4-minute buckets), the lagged sums (six doubles and an int
 * per lag up to half the history: ~140 KB), the cached seasonal value per bucket (~150 KB) plus the last period's
 * residuals: ~0.3 MB per profile, two per monitor with the default detectors. Cost: a closing bucket adds its pairs
 * with the stored buckets to the lagged sums and the bucket leaving the history removes its own, O(lags) per bucket;
 * the hourly search reads the autocorrelation of every lag from them in O(lags) plus O(n log n) for the medians of its
 * check, instead of O(n x lags) multiply-adds; O(period) per sample that completed a bucket; a gap longer than the
 * history resets it. Package-private;
 * not thread-safe.
 */
final class SeasonalProfile {
    static final double MIN_PERIOD_SECONDS = 2 * 3600;
    static final int MIN_PERIODS = 2;
    static final double HISTORY_SECONDS = 15 * 86_400;
    static final double MIN_AUTOCORRELATION = 0.3;
    static final double MAX_RESIDUAL_RATIO = 0.9;
    static final double KEEP_AUTOCORRELATION = 0.2;
    static final double KEEP_RESIDUAL_RATIO = 1.0;
    static final int PERIODS = 4;
    static final double MAX_LEVEL = 1.5;
    static final double CALENDAR_TOLERANCE = 0.05;
    static final double LEVEL_FRACTION = 1.0 / 12;
    private static final double SEARCH_EVERY_SECONDS = 3600;
    /** An interval longer than this (a gap in the data) leaves its buckets unknown instead of spreading its rows. */
    private static final double MAX_SPREAD_SECONDS = 3600;

    private final long bucketMillis;
    private final float[] ring;
    private long firstIndex = Long.MIN_VALUE; // absolute index of the oldest stored bucket
    private long nextIndex = Long.MIN_VALUE; // absolute index of the bucket being filled
    private double fillRows;
    private double fillSeconds;
    private int sinceSearch;
    private int period; // in buckets, 0 = none
    private double scale = Double.NaN;
    private double level = 1;
    private final double[] scratch = new double[3 * PERIODS];
    private boolean refreshDue;
    // running lagged sums over the stored buckets, per lag (1 .. ring.length / 2 + 1), kept as buckets close and leave
    // the history: sum of x[i] * x[i - lag], of x[i], of x[i - lag] and the count, over the pairs of known buckets.
    // Each sum is a double-double (hi + lo, compensated) so adding and removing for months does not drift.
    private final double[] sxyHi;
    private final double[] sxyLo;
    private final double[] headHi;
    private final double[] headLo;
    private final double[] tailHi;
    private final double[] tailLo;
    private final int[] pairs;
    // the seasonal value of a bucket (seasonal(index, p)) is a function of older buckets, which never change once
    // stored: cached per ring slot with the bucket, the period and the oldest stored bucket it was computed with
    private final double[] seasonalValue;
    private final long[] seasonalIndex;
    private final int[] seasonalPeriod;
    private final long[] seasonalFirst;

    SeasonalProfile(long bucketMillis) {
        this.bucketMillis = bucketMillis;
        this.ring = new float[(int) Math.ceil(HISTORY_SECONDS * 1000 / bucketMillis)];
        int lags = ring.length / 2 + 2;
        sxyHi = new double[lags];
        sxyLo = new double[lags];
        headHi = new double[lags];
        headLo = new double[lags];
        tailHi = new double[lags];
        tailLo = new double[lags];
        pairs = new int[lags];
        seasonalValue = new double[ring.length];
        seasonalIndex = new long[ring.length];
        Arrays.fill(seasonalIndex, Long.MIN_VALUE);
        seasonalPeriod = new int[ring.length];
        seasonalFirst = new long[ring.length];
    }

    /** The period found, in seconds, 0 when none (yet). */
    double periodSeconds() {
        return period * bucketMillis / 1e3;
    }

    boolean active() {
        return period > 0 && !Double.isNaN(scale);
    }

    double scale() {
        return scale;
    }

    /** Adds the rows done between two samples, spread evenly over the time between them. */
    void add(long fromMillis, long toMillis, double rows) {
        if (toMillis <= fromMillis) {
            return;
        }
        if (nextIndex == Long.MIN_VALUE) {
            nextIndex = Math.floorDiv(fromMillis, bucketMillis);
            firstIndex = nextIndex;
        }
        if (forgetAfterLongGap(toMillis)) {
            return;
        }
        double seconds = (toMillis - fromMillis) / 1e3;
        boolean gap = seconds > MAX_SPREAD_SECONDS;
        double rate = rows / seconds;
        long t = fromMillis;
        while (t < toMillis) {
            long index = Math.floorDiv(t, bucketMillis);
            while (index > nextIndex) {
                complete();
            }
            long end = Math.min(toMillis, (index + 1) * bucketMillis);
            if (!gap) {
                fillRows += rate * (end - t) / 1e3;
                fillSeconds += (end - t) / 1e3;
            }
            t = end;
        }
        refreshIfDue();
    }

    /**
     * A gap in the samples longer than the whole history (a host suspended for weeks, a clock set forward) forgets
     * everything instead of completing every empty bucket of it one by one (each hour of which would run a search).
     */
    private boolean forgetAfterLongGap(long toMillis) {
        long index = Math.floorDiv(toMillis, bucketMillis);
        if (index - nextIndex <= ring.length) {
            return false;
        }
        Arrays.fill(ring, Float.NaN);
        for (double[] a : new double[][] {sxyHi, sxyLo, headHi, headLo, tailHi, tailLo}) {
            Arrays.fill(a, 0);
        }
        Arrays.fill(pairs, 0);
        Arrays.fill(seasonalIndex, Long.MIN_VALUE);
        nextIndex = index;
        firstIndex = index;
        fillRows = 0;
        fillSeconds = 0;
        sinceSearch = 0;
        period = 0;
        scale = Double.NaN;
        level = 1;
        refreshDue = false;
        return true;
    }

    /** The level and noise are a function of the stored buckets: refreshed once per sample, not once per bucket. */
    private void refreshIfDue() {
        if (refreshDue && period > 0) {
            refresh();
        }
        refreshDue = false;
    }

    /** Forgets the time of a planned pause: its buckets stay unknown. */
    void skipTo(long millis) {
        if (nextIndex == Long.MIN_VALUE) {
            return;
        }
        if (forgetAfterLongGap(millis)) {
            return;
        }
        long index = Math.floorDiv(millis, bucketMillis);
        while (index > nextIndex) {
            complete();
        }
        refreshIfDue();
    }

    private void complete() {
        double bucketSeconds = bucketMillis / 1e3;
        float v = fillSeconds >= 0.5 * bucketSeconds ? (float) (fillRows / fillSeconds) : Float.NaN;
        fillRows = 0;
        fillSeconds = 0;
        long index = nextIndex++;
        if (index - firstIndex >= ring.length) {
            long leaving = index - ring.length;
            pairsOf(leaving, ring[slot(leaving)], leaving + 1, index - 1, -1);
            firstIndex = index - ring.length + 1;
        }
        ring[slot(index)] = v;
        pairsOf(index, v, firstIndex, index - 1, 1);
        if (++sinceSearch * bucketSeconds >= SEARCH_EVERY_SECONDS) {
            sinceSearch = 0;
            search();
        } else {
            refreshDue = true;
        }
    }

    /**
     * Adds ({@code sign} 1) or removes (-1) the pairs of bucket {@code index} (value {@code v}) with the stored
     * buckets {@code from..to} (all before it, for a bucket that closes; all after it, for one that leaves) to the
     * running lagged sums.
     */
    private void pairsOf(long index, float v, long from, long to, int sign) {
        if (Float.isNaN(v)) {
            return;
        }
        int lags = pairs.length;
        double sv = sign * (double) v;
        int len = ring.length;
        int step = sign > 0 ? -1 : 1;
        int k = slot(index); // the ring slot of the other bucket, walked without a division per lag
        for (int lag = 1; lag < lags; lag++) {
            long other = sign > 0 ? index - lag : index + lag;
            if (other < from || other > to) {
                break;
            }
            k += step;
            if (k < 0) {
                k += len;
            } else if (k >= len) {
                k -= len;
            }
            float u = ring[k];
            if (Float.isNaN(u)) {
                continue;
            }
            double su = sign * (double) u;
            addTo(sxyHi, sxyLo, lag, sv * u); // exact: a product of two floats fits a double
            // the later bucket of a pair is its head, the earlier its tail
            addTo(headHi, headLo, lag, sign > 0 ? sv : su);
            addTo(tailHi, tailLo, lag, sign > 0 ? su : sv);
            pairs[lag] += sign;
        }
    }

    /** hi[k] + lo[k] += b, compensated (Knuth's two-sum). */
    private static void addTo(double[] hi, double[] lo, int k, double b) {
        double a = hi[k];
        double s = a + b;
        double bb = s - a;
        lo[k] += (a - (s - bb)) + (b - bb);
        hi[k] = s;
    }

    /**
     * The sum over the known pairs at a lag of (x[i] - mean)(x[i - lag] - mean), from the running sums: sxy - mean x
     * (head + tail) + mean^2 x pairs, each product split exactly (fma) and summed compensated, so the cancellation of
     * a large mean against a small spread loses nothing that matters.
     */
    private double centredSum(int lag, double mean) {
        double[] acc = new double[2];
        exactAdd(acc, sxyHi[lag]);
        exactAdd(acc, sxyLo[lag]);
        exactProduct(acc, -mean, headHi[lag]);
        exactProduct(acc, -mean, headLo[lag]);
        exactProduct(acc, -mean, tailHi[lag]);
        exactProduct(acc, -mean, tailLo[lag]);
        double mm = mean * mean;
        double mmLo = Math.fma(mean, mean, -mm);
        exactProduct(acc, mm, pairs[lag]);
        exactProduct(acc, mmLo, pairs[lag]);
        return acc[0] + acc[1];
    }

    private static void exactProduct(double[] acc, double a, double b) {
        double p = a * b;
        exactAdd(acc, p);
        exactAdd(acc, Math.fma(a, b, -p));
    }

    private static void exactAdd(double[] acc, double b) {
        double a = acc[0];
        double s = a + b;
        double bb = s - a;
        acc[1] += (a - (s - bb)) + (b - bb);
        acc[0] = s;
    }

    private int slot(long index) {
        return (int) Math.floorMod(index, (long) ring.length);
    }

    /** Test seam: the running centred lagged sum and its pair count (see {@link #centredSum}). */
    double runningSum(int lag, double mean) {
        return centredSum(lag, mean);
    }

    int runningPairs(int lag) {
        return pairs[lag];
    }

    long firstIndex() {
        return firstIndex;
    }

    long nextIndex() {
        return nextIndex;
    }

    /** The stored rate of a bucket, NaN when unknown or not stored. */
    double at(long index) {
        return index < firstIndex || index >= nextIndex ? Double.NaN : ring[slot(index)];
    }

    /** Seasonal value (no level) at a bucket index from the periods before it; NaN when none is known. */
    private double seasonal(long index, int p) {
        int k = slot(index);
        if (seasonalIndex[k] == index && seasonalPeriod[k] == p && noneLeft(index, p, seasonalFirst[k])) {
            return seasonalValue[k];
        }
        double v = seasonalNow(index, p);
        if (index - p + 1 < nextIndex) { // every bucket it reads is closed: it can only change by leaving the history
            seasonalIndex[k] = index;
            seasonalPeriod[k] = p;
            seasonalFirst[k] = firstIndex;
            seasonalValue[k] = v;
        }
        return v;
    }

    /** Whether none of the buckets seasonal(index, p) reads left the history since the oldest stored was {@code first}. */
    private boolean noneLeft(long index, int p, long first) {
        if (first == firstIndex) {
            return true;
        }
        for (int k = 1; k <= PERIODS; k++) {
            long lo = index - (long) k * p - 1;
            long hi = lo + 2;
            if (hi >= first && lo < firstIndex) {
                return false;
            }
        }
        return true;
    }

    private double seasonalNow(long index, int p) {
        int n = 0;
        for (int k = 1; k <= PERIODS; k++) {
            for (int d = -1; d <= 1; d++) {
                double v = at(index - (long) k * p + d);
                if (!Double.isNaN(v)) {
                    scratch[n++] = v;
                }
            }
        }
        if (n < 3) {
            return Double.NaN;
        }
        Arrays.sort(scratch, 0, n);
        return n % 2 == 1 ? scratch[n / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2;
    }

    /** The expected rate at a time (the bucket it falls in), NaN when not active or not known. */
    double expected(long millis) {
        if (!active()) {
            return Double.NaN;
        }
        double s = seasonal(Math.floorDiv(millis, bucketMillis), period);
        return Double.isNaN(s) ? Double.NaN : level * s;
    }

    private void search() {
        long last = nextIndex - 1;
        int n = (int) (last - firstIndex + 1);
        double bucketSeconds = bucketMillis / 1e3;
        int minLag = (int) Math.ceil(MIN_PERIOD_SECONDS / bucketSeconds);
        if (n < MIN_PERIODS * minLag) {
            return;
        }
        double[] x = new double[n];
        double sum = 0;
        int known = 0;
        for (int i = 0; i < n; i++) {
            x[i] = at(firstIndex + i);
            if (!Double.isNaN(x[i])) {
                sum += x[i];
                known++;
            }
        }
        if (known < MIN_PERIODS * minLag) {
            return;
        }
        double mean = sum / known;
        double var = 0;
        for (double v : x) {
            if (!Double.isNaN(v)) {
                var += (v - mean) * (v - mean);
            }
        }
        var /= known;
        if (var <= 0) {
            period = 0;
            return;
        }
        int maxLag = n / MIN_PERIODS;
        // the lagged sums are kept as buckets close (pairsOf): O(1) per lag here instead of O(n)
        double[] r = new double[maxLag + 2];
        for (int lag = minLag - 1; lag <= maxLag + 1 && lag < n; lag++) {
            int m = pairs[lag];
            r[lag] = m < minLag ? Double.NaN : centredSum(lag, mean) / m / var;
        }
        double best = Double.NEGATIVE_INFINITY;
        int bestLag = 0;
        for (int lag = minLag; lag <= maxLag; lag++) {
            if (isPeak(r, lag) && r[lag] > best) {
                best = r[lag];
                bestLag = lag;
            }
        }
        // a shorter peak of which the best lag is a multiple (a day within a week of data) is preferred when
        // nearly as strong
        int found = bestLag;
        for (int lag = minLag; bestLag > 0 && lag <= bestLag / 2; lag++) {
            if (isPeak(r, lag) && r[lag] >= 0.9 * best) {
                double multiple = (double) bestLag / lag;
                if (Math.abs(multiple - Math.rint(multiple)) * lag <= Math.max(2, 0.02 * bestLag)) {
                    found = lag;
                    break;
                }
            }
        }
        found = calendar(found, bucketSeconds);
        if (found > maxLag) {
            found = 0; // a day (or a week) is judged once two of it are stored
        }
        // hysteresis: a period in use is kept on weaker evidence than it takes to adopt one
        boolean keeping = period > 0 && Math.abs(found - period) <= Math.max(2, period / 50);
        double minR = keeping ? KEEP_AUTOCORRELATION : MIN_AUTOCORRELATION;
        if (found > 0 && (r[found] < minR || !better(x, found, keeping ? KEEP_RESIDUAL_RATIO : MAX_RESIDUAL_RATIO))) {
            found = 0;
        }
        period = found;
        if (period > 0) {
            refresh();
        } else {
            scale = Double.NaN;
        }
    }

    /**
     * A lag within {@link #CALENDAR_TOLERANCE} of a day or a week is that day or week: the autocorrelation of a smooth
     * daily pattern peaks broadly (a noisy stream's peak wandered by half an hour), and the expectation looks up to
     * {@link #PERIODS} periods back, so an error of half an hour became two hours at the fourth day.
     */
    private static int calendar(int lag, double bucketSeconds) {
        for (double p : new double[] {86_400, 7 * 86_400}) {
            if (lag > 0 && Math.abs(lag * bucketSeconds - p) <= CALENDAR_TOLERANCE * p) {
                return (int) Math.round(p / bucketSeconds);
            }
        }
        return lag;
    }

    private static boolean isPeak(double[] r, int lag) {
        double v = r[lag];
        return !Double.isNaN(v) && (Double.isNaN(r[lag - 1]) || v >= r[lag - 1])
                && (lag + 1 >= r.length || Double.isNaN(r[lag + 1]) || v >= r[lag + 1]);
    }

    /** Whether the residuals against the seasonal values of the last period are narrower than the spread around the median. */
    private boolean better(double[] x, int p, double ratio) {
        int n = x.length;
        double[] res = new double[p];
        double[] dev = new double[p];
        double[] all = new double[n];
        int a = 0;
        for (double v : x) {
            if (!Double.isNaN(v)) {
                all[a++] = v;
            }
        }
        double median = median(all, a);
        int k = 0;
        for (int i = n - p; i < n; i++) {
            long index = firstIndex + i;
            double s = seasonal(index, p);
            if (!Double.isNaN(x[i]) && !Double.isNaN(s)) {
                res[k] = Math.abs(x[i] - s);
                dev[k] = Math.abs(x[i] - median);
                k++;
            }
        }
        if (k < p / 2) {
            return false;
        }
        return median(res, k) <= ratio * median(dev, k);
    }

    /** Recomputes the level and the noise scale from the last period of buckets. */
    private void refresh() {
        long last = nextIndex - 1;
        int levelBuckets = Math.max(3, (int) Math.round(LEVEL_FRACTION * period));
        double[] ratios = new double[levelBuckets];
        int nr = 0;
        double[] seasonalOf = new double[period];
        double[] x = new double[period];
        double sMean = 0;
        int ns = 0;
        for (int i = 0; i < period; i++) {
            long index = last - period + 1 + i;
            x[i] = at(index);
            seasonalOf[i] = seasonal(index, period);
            if (!Double.isNaN(seasonalOf[i])) {
                sMean += seasonalOf[i];
                ns++;
            }
        }
        if (ns < period / 2) {
            scale = Double.NaN;
            return;
        }
        sMean /= ns;
        for (int i = period - levelBuckets; i < period; i++) {
            if (!Double.isNaN(x[i]) && !Double.isNaN(seasonalOf[i]) && seasonalOf[i] > 0.05 * sMean) {
                ratios[nr++] = x[i] / seasonalOf[i];
            }
        }
        // the level follows a general change (a quieter weekend day) but not an incident: clamped, so a collapse
        // stays a drop and the return from it is not a spike
        level = nr == 0 ? 1 : Math.max(1 / MAX_LEVEL, Math.min(MAX_LEVEL, median(ratios, nr)));
        double[] res = new double[period];
        int k = 0;
        for (int i = 0; i < period; i++) {
            if (!Double.isNaN(x[i]) && !Double.isNaN(seasonalOf[i])) {
                res[k++] = Math.abs(x[i] - seasonalOf[i]);
            }
        }
        scale = k < period / 2 ? Double.NaN : 1.4826 * median(res, k);
    }

    /**
     * The median of the first {@code n} values (the middle one, or the mean of the two middle ones), by selection
     * instead of a full sort: the same order statistics as {@link Arrays#sort(double[])} (ordered by
     * {@link Double#compare}), in O(n) expected.
     */
    static double median(double[] v, int n) {
        if (n == 0) {
            return Double.NaN;
        }
        double[] c = Arrays.copyOf(v, n);
        int k = n / 2;
        select(c, k);
        if (n % 2 == 1) {
            return c[k];
        }
        double below = c[0];
        for (int i = 1; i < k; i++) {
            if (Double.compare(c[i], below) > 0) {
                below = c[i];
            }
        }
        return (below + c[k]) / 2;
    }

    /** Rearranges {@code a} so that a[k] is its k-th smallest, everything before it no larger, after it no smaller. */
    private static void select(double[] a, int k) {
        int lo = 0;
        int hi = a.length - 1;
        while (hi > lo) {
            int mid = (lo + hi) >>> 1;
            // median of three as the pivot
            if (Double.compare(a[mid], a[lo]) < 0) {
                swap(a, mid, lo);
            }
            if (Double.compare(a[hi], a[lo]) < 0) {
                swap(a, hi, lo);
            }
            if (Double.compare(a[hi], a[mid]) < 0) {
                swap(a, hi, mid);
            }
            double pivot = a[mid];
            int i = lo;
            int j = hi;
            while (i <= j) {
                while (Double.compare(a[i], pivot) < 0) {
                    i++;
                }
                while (Double.compare(a[j], pivot) > 0) {
                    j--;
                }
                if (i <= j) {
                    swap(a, i++, j--);
                }
            }
            if (k <= j) {
                hi = j;
            } else if (k >= i) {
                lo = i;
            } else {
                return;
            }
        }
    }

    private static void swap(double[] a, int i, int j) {
        double t = a[i];
        a[i] = a[j];
        a[j] = t;
    }
}
