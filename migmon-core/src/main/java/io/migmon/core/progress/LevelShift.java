package io.migmon.core.progress;

/**
 * The change-of-level test of the ETA's rate model: has the rate moved to a new steady level, or is it noise?
 *
 * <p>The noise of a migration's rate is often correlated over tens of seconds to minutes (the database's load, the
 * source's caching, batch sizes), so a fixed band around the current level either misses real changes on a quiet
 * run or takes long excursions of a noisy one for a new level. This test measures the noise instead: the rows done
 * are cut into consecutive blocks of 10, 20, 40, 80, 160 and 320 s of active time, and for each length the spread
 * of the log of the block rates around the level of their regime gives the variance of a rate measured over that
 * long, with its correlation included (a noise correlated over a minute keeps a 20 s rate's variance almost as
 * large as a 1 s rate's). Only the blocks that end before a candidate (and those of the previous regime, around its
 * own level) measure the noise for it, so a gradual change does not hide itself by widening the noise. A candidate
 * change at a remembered read {@code c} splits the regime into a before and an after; the statistic is
 * {@code |log(rate after / rate before)| / sqrt(var(length after) + var(length before))}, each variance taken at the
 * longest block length not longer than the span and scaled down by that length over the span (a span longer than
 * the blocks averages several of them, as if independent beyond the block length), with a prior that dominates
 * while there are few blocks. The blocks' spread is measured around the regime's own level, which wandered with the noise, so
 * it misses the variance of that level; it is added back to both terms, estimated as the variance of the longest
 * blocks scaled to the span before as if independent (large when the regime is short against the noise's
 * correlation, negligible on long regimes). A change is accepted when the statistic reaches {@link #Z} and the rates differ by at least
 * {@link #MIN_SHIFT}; the new regime starts at the candidate with the largest statistic.
 *
 * <p><b>Drift.</b> Within {@link #DRIFT_MILLIS} of an accepted change, a further change <em>in the same direction</em>
 * needs only {@link #Z_DRIFT}: a ramp is a drift that the step test follows in steps, and once one step is taken the
 * next one in the same direction is the likely continuation, not noise (the prior odds are not those of a steady
 * run). A change against the direction, and any change of a regime that did not start with a change, still needs
 * {@link #Z}. The first step of a ramp is not made easier: a run whose noise is correlated over minutes gets no
 * cheaper first change.
 *
 * <p><b>Trend.</b> A ramp (a warm-up, a rate that keeps falling) moves the level a little at every read, so no one
 * point splits it into a clearly different before and after, and the blocks' spread around the regime's level counts
 * the ramp as noise. {@link #rampStart} fits the regime's blocks as a constant level, then a straight line from the
 * best start, and finds a ramp when the slope stands out from the residuals' noise (their correlation included); the
 * tracker then runs a line regime whose rate is {@link #lineFit}: the likelihood-weighted fits of the line with and
 * without an end, so the line is not extrapolated past an end the data begin to show (twelfth version).
 *
 * <p>A candidate needs at least two read intervals after it: one interval with fewer rows is also what a stall that
 * began inside it looks like (read once a minute, a stall's first minute).
 *
 * <p>Not thread-safe: used under the {@link ProgressTracker}'s lock.
 */
final class LevelShift {

    /** Threshold of the statistic, in standard deviations of the log-rate difference. */
    static final double Z = 7;
    /** Threshold for a change in the same direction as the change that started the regime (a drift's next step). */
    static final double Z_DRIFT = 5;
    /** How long after a change the next one in the same direction counts as a drift's next step, ms. */
    static final long DRIFT_MILLIS = 600_000;
    /** Smallest change of level worth a new regime (log of the rate ratio: 20%). */
    static final double MIN_SHIFT = Math.log(1.2);
    /** Shortest span after a candidate change point, ms. */
    static final long MIN_AFTER_MILLIS = 10_000;
    /**
     * The span after a candidate covers at least this many of the longest gaps without progress (usual or open now):
     * a gap of g in a span of 6g takes at most 17% off its rate, under {@link #MIN_SHIFT}.
     */
    static final long GAP_SPANS = 6;
    /** Shortest span of a regime before a candidate change point, ms. */
    static final long MIN_BEFORE_MILLIS = 60_000;
    /** Prior variance of the log-rate over the shortest block (a coefficient of variation of about 25%). */
    static final double PRIOR_VAR = 0.06;
    /** Weight of the prior, in blocks. */
    static final double PRIOR_BLOCKS = 6;

    /** Threshold of the trend test's statistic (slope over its standard error, correlation included). */
    static final double TREND_Z = 10;
    /** Fewest blocks in the regime for the trend test. */
    static final int TREND_MIN_BLOCKS = 8;
    /** Shortest block of the trend test, ms. */
    static final long TREND_MIN_BLOCK_MILLIS = 20_000;
    /** Largest lag-1 autocorrelation of the residuals the trend test assumes (an inflation of at most 39x). */
    static final double TREND_MAX_RHO = 0.95;

    /** Fewest blocks a line regime's fit needs (twelfth version). */
    static final int LINE_MIN_BLOCKS = 4;
    /** Fewest blocks after the end of a line regime's fit (twelfth version). */
    static final int LINE_END_MIN_BLOCKS = 2;
    /**
     * Shortest line a ramp is fitted with before it is taken for one, ms, and fewest blocks on it (twelfth version):
     * a noise correlated over two minutes wanders like a short line (chosen on the tuning seeds: without them a
     * noise correlated over 120 s read every 5 s was 1.7 points worse than the cumulative average at 25% done).
     */
    static final long RAMP_MIN_MILLIS = 300_000;
    static final int RAMP_MIN_BLOCKS = 8;
    /**
     * Prior weight of each fitted end of a line regime against no end (twelfth version): equal, so an end the data
     * begin to show pulls the level from the line's extrapolation before it is certain.
     */
    static final double LINE_END_PRIOR = 1;
    /**
     * F statistic (the drop of the residual sum of squares over the residual variance) from which the best fitted
     * end closes the line regime: a constant regime starts there (twelfth version).
     */
    static final double LINE_END_F = 25;

    private static final long[] SCALES = {10_000, 20_000, 40_000, 80_000, 160_000, 320_000};
    private static final int BLOCKS = 64;

    private final long[] blockStartActive = new long[SCALES.length];
    private final long[] blockStartDone = new long[SCALES.length];
    private final long[][] startOf = new long[SCALES.length][BLOCKS];
    private final long[][] endOf = new long[SCALES.length][BLOCKS];
    private final double[][] rateOf = new double[SCALES.length][BLOCKS];
    private final int[] head = new int[SCALES.length];
    private final int[] size = new int[SCALES.length];
    private final double[] variance = new double[SCALES.length];
    // per read: the previous regime's blocks, prefix sums over the current regime's blocks (oldest first)
    private final double[] prevSum = new double[SCALES.length];
    private final double[] prevLen = new double[SCALES.length];
    private final int[] prevN = new int[SCALES.length];
    private final int[] curN = new int[SCALES.length];
    private final int[] upTo = new int[SCALES.length];
    private final long[][] curEnd = new long[SCALES.length][BLOCKS];
    private final double[][] curLog = new double[SCALES.length][BLOCKS + 1];
    private final double[][] curLog2 = new double[SCALES.length][BLOCKS + 1];
    private final double[][] curLen = new double[SCALES.length][BLOCKS + 1];
    /** No change point before this active time (the remains of a stall are in the rates across it). */
    private long blockedUntil = Long.MIN_VALUE;
    private final double[] meanLength = new double[SCALES.length];
    private boolean started;

    /** The level of the previous regime and where it started (its blocks still measure the noise). */
    private double previousRate = Double.NaN;
    // scratch of the line fits: the mid-points and rates of the blocks in a regime, oldest first
    private final double[] lineX = new double[BLOCKS];
    private final double[] lineY = new double[BLOCKS];
    private final long[] lineStart = new long[BLOCKS];
    private long previousFrom = Long.MIN_VALUE;
    /** Where the last accepted change started its regime, and its direction (+1 up, -1 down). */
    private long shiftedAt = Long.MIN_VALUE;
    private double lastShiftSign;

    /** Starts (or restarts, after a stall) the blocks at a read. */
    void restartBlocks(long activeNow, long doneNow) {
        for (int j = 0; j < SCALES.length; j++) {
            blockStartActive[j] = activeNow;
            blockStartDone[j] = doneNow;
        }
        started = true;
    }

    /**
     * After a stall: forgets the blocks that end after {@code active} (they cover a stall whose time no longer
     * counts) and tests no change point before {@code activeNow}.
     */
    void stallEnded(long active, long activeNow) {
        blockedUntil = activeNow;
        for (int j = 0; j < SCALES.length; j++) {
            while (size[j] > 0 && endOf[j][(head[j] + size[j] - 1) % BLOCKS] > active) {
                size[j]--;
            }
        }
    }

    /** Closes the blocks that are complete at this read. */
    void observe(long activeNow, long doneNow) {
        if (!started) {
            restartBlocks(activeNow, doneNow);
            return;
        }
        for (int j = 0; j < SCALES.length; j++) {
            long len = activeNow - blockStartActive[j];
            if (len >= SCALES[j]) {
                long rows = doneNow - blockStartDone[j];
                if (rows > 0) { // an empty block is a stall's business, not the noise's
                    if (size[j] == BLOCKS) {
                        head[j] = (head[j] + 1) % BLOCKS;
                        size[j]--;
                    }
                    int i = (head[j] + size[j]) % BLOCKS;
                    startOf[j][i] = blockStartActive[j];
                    endOf[j][i] = activeNow;
                    rateOf[j][i] = rows / (double) len;
                    size[j]++;
                }
                blockStartActive[j] = activeNow;
                blockStartDone[j] = doneNow;
            }
        }
    }

    /**
     * Prepares the noise estimate of this read: the previous regime's blocks around its level, and prefix sums of the
     * current regime's blocks so that each candidate's variance uses only the blocks that end before it.
     */
    private void prepare(long regimeFrom) {
        for (int j = 0; j < SCALES.length; j++) {
            double sum = 0;
            double length = 0;
            int n = 0;
            int m = 0;
            for (int k = 0; k < size[j]; k++) {
                int i = (head[j] + k) % BLOCKS;
                double log = Math.log(rateOf[j][i]);
                if (startOf[j][i] >= regimeFrom) {
                    curEnd[j][m] = endOf[j][i];
                    curLog[j][m + 1] = curLog[j][m] + log;
                    curLog2[j][m + 1] = curLog2[j][m] + log * log;
                    curLen[j][m + 1] = curLen[j][m] + (endOf[j][i] - startOf[j][i]);
                    m++;
                } else if (startOf[j][i] >= previousFrom && endOf[j][i] <= regimeFrom) {
                    double d = log - Math.log(previousRate);
                    sum += d * d;
                    length += endOf[j][i] - startOf[j][i];
                    n++;
                } // else older, or straddling the change
            }
            prevSum[j] = sum;
            prevLen[j] = length;
            prevN[j] = n;
            curN[j] = m;
            upTo[j] = 0;
        }
    }

    /**
     * The variance per block length of the log-rate around {@code logRate} (the level before a candidate at active
     * time {@code c}), from the blocks of the previous regime and the blocks of this one that end by {@code c}.
     */
    private void estimateBefore(long c, double logRate) {
        for (int j = 0; j < SCALES.length; j++) {
            int p = upTo[j];
            while (p < curN[j] && curEnd[j][p] <= c) {
                p++;
            }
            upTo[j] = p;
            double sum = prevSum[j] + curLog2[j][p] - 2 * logRate * curLog[j][p] + p * logRate * logRate;
            int n = prevN[j] + p;
            // the prior of a length is the variance at the next shorter one (no benefit from averaging is assumed,
            // which is right for a noise correlated over longer than the block): conservative while blocks are few
            double prior = j == 0 ? PRIOR_VAR : variance[j - 1];
            variance[j] = (Math.max(0, sum) + PRIOR_BLOCKS * prior) / (n + PRIOR_BLOCKS);
            meanLength[j] = n == 0 ? SCALES[j] : (prevLen[j] + curLen[j][p]) / n;
        }
    }

    /** Variance of the log-rate over {@code span} ms: at the longest block length not longer than it; NaN if none. */
    private double varianceOver(long span) {
        double v = Double.NaN;
        for (int j = 0; j < SCALES.length; j++) {
            if (meanLength[j] <= span) {
                v = variance[j];
            }
        }
        return v;
    }

    /** Mean length of the blocks {@link #varianceOver} uses for {@code span} ms. */
    private double lengthOver(long span) {
        double l = Double.NaN;
        for (int j = 0; j < SCALES.length; j++) {
            if (meanLength[j] <= span) {
                l = meanLength[j];
            }
        }
        return l;
    }

    /**
     * Tests the remembered reads of the regime for a change of level.
     *
     * @param active     active times of the remembered reads (ms), a ring of {@code count} entries from {@code from}
     * @param done       rows done at those reads
     * @param regimeFrom active time the regime started
     * @param regimeDone rows done when it started
     * @param gapMillis  the longest gap without progress the rate has to span: the usual one between commits and the
     *                   one open now (a GC pause of the process, a batch being written); the span after a candidate
     *                   is at least {@link #GAP_SPANS} of them, so one gap is not a new level
     * @return the index (into {@code active}) where the new regime starts, or -1
     */
    int test(long[] active, long[] done, int from, int count, long activeNow, long doneNow, long regimeFrom,
             long regimeDone, long gapMillis) {
        long regimeSpan = activeNow - regimeFrom;
        long minAfter = Math.max(MIN_AFTER_MILLIS, GAP_SPANS * gapMillis);
        if (regimeSpan < MIN_BEFORE_MILLIS + minAfter || doneNow <= regimeDone) {
            return -1;
        }
        prepare(regimeFrom);
        // the regime started with a change less than DRIFT_MILLIS ago: its next step in the same direction is a drift's
        boolean drift = shiftedAt == regimeFrom && regimeSpan <= DRIFT_MILLIS;
        int best = -1;
        double bestZ = Z;
        for (int k = 0; k < count; k++) {
            int i = (from + k) % active.length;
            long c = active[i];
            long before = c - regimeFrom;
            long after = activeNow - c;
            // at least two read intervals after the candidate: one interval with fewer rows is also what a stall (or a
            // long gap) that began inside it looks like, read once a minute a stall's first minute (attack 4 finding 3)
            if (before < MIN_BEFORE_MILLIS || after < minAfter || c < blockedUntil || k >= count - 1) {
                continue;
            }
            long rowsBefore = done[i] - regimeDone;
            long rowsAfter = doneNow - done[i];
            if (rowsBefore <= 0 || rowsAfter <= 0) {
                continue; // no rows after: a stall, which the stall state handles
            }
            double logBefore = Math.log(rowsBefore / (double) before);
            double shift = Math.log(rowsAfter / (double) after) - logBefore;
            if (Math.abs(shift) < MIN_SHIFT) {
                continue;
            }
            estimateBefore(c, logBefore);
            double va = varianceOver(after);
            double vb = varianceOver(before);
            if (Double.isNaN(va) || Double.isNaN(vb)) {
                continue;
            }
            // the blocks' spread is measured around the regime's own level, which moved with the noise: add back the
            // variance of that level (the rate over the whole span before), taken as the variance of the longest
            // blocks scaled down to the span as if independent; matters when the span is short against the noise's
            // correlation (a noise correlated over minutes seen for 10 minutes), negligible on long regimes
            double level = vb * Math.min(1, lengthOver(before) / before);
            // a rate over a span longer than the blocks whose variance measures it averages several of them: its
            // variance is the blocks' scaled to the span, as if independent beyond the block length (the sixth
            // version; before, the blocks' variance was taken unscaled, so a long steady stretch on either side
            // never got more certain than one block, and a low-volume job's halved rate was never followed)
            vb = level;
            va *= Math.min(1, lengthOver(after) / after);
            va += level;
            vb += level;
            double z = Math.abs(shift) / Math.sqrt(va + vb);
            if (drift && Math.signum(shift) == lastShiftSign) {
                z *= Z / Z_DRIFT; // a drift's next step: compared with Z, as if the threshold were Z_DRIFT
            }
            if (z >= bestZ) {
                bestZ = z;
                best = i;
            }
        }
        return best;
    }

    /**
     * The trend test of the twelfth version: a ramp that began inside the regime. The regime's blocks (length index
     * {@code j}, at least {@link #TREND_MIN_BLOCKS}) are fitted, for each candidate start {@code h} with at least
     * {@link #LINE_MIN_BLOCKS} blocks from it, with a constant level up to {@code h} and a straight line from it on
     * (continuous at {@code h}; {@code h} at the first block is a straight line over the whole regime); the best fit's
     * slope is compared with its standard error from the residuals, inflated by their lag-1 autocorrelation. A ramp
     * is the slope's statistic at least {@link #TREND_Z} with the fitted level at the last block at least
     * {@link #MIN_SHIFT} from the level before the ramp. Fitting a straight line over a regime that was steady before
     * its ramp (the eighth version) leaves residuals that wander like a correlated noise, which inflated the standard
     * error and took the ramp for noise for most of its course.
     *
     * @return the start (active time) of the block where the ramp began, or -1
     */
    long rampStart(long regimeFrom, int j) {
        int n = lineBlocks(j, regimeFrom);
        if (n < TREND_MIN_BLOCKS) {
            return -1;
        }
        int best = -1;
        double bestSse = Double.POSITIVE_INFINITY;
        double[] fit = null;
        for (int h = 0; h <= n - RAMP_MIN_BLOCKS; h++) {
            if (lineStart[n - 1] + (lineX[n - 1] - lineStart[n - 1]) * 2 - hingeX(h) < RAMP_MIN_MILLIS) {
                break; // the line from h would be shorter than RAMP_MIN_MILLIS
            }
            double[] f = hinge(h, n);
            if (f != null && f[3] < bestSse) {
                bestSse = f[3];
                best = h;
                fit = f;
            }
        }
        if (fit == null) {
            return -1;
        }
        double a = fit[0];
        double b = fit[1];
        double suu = fit[2];
        double rho = fit[3] <= 0 ? 0 : Math.max(0, Math.min(TREND_MAX_RHO, fit[4] / fit[3]));
        double se = Math.sqrt(fit[3] / (n - 2) * (1 + rho) / (1 - rho) / suu);
        double level = a + b * Math.max(0, lineX[n - 1] - hingeX(best));
        if (!(se > 0) || Math.abs(b) / se < TREND_Z || !(level > 0) || !(a > 0)
                || Math.abs(Math.log(level / a)) < MIN_SHIFT) {
            return -1;
        }
        return lineStart[best];
    }

    private double hingeX(int h) {
        return h == 0 ? lineX[0] : lineStart[h];
    }

    /**
     * Least squares of the scratch blocks {@code 0..n-1} on a constant up to block {@code h} and a line from its start:
     * {level before, slope, centred sum of squares of the hinge regressor, sse, lag-1 sum of the residuals, mean of the
     * hinge regressor}.
     */
    private double[] hinge(int h, int n) {
        double xh = hingeX(h);
        double um = 0;
        double ym = 0;
        for (int k = 0; k < n; k++) {
            um += Math.max(0, lineX[k] - xh);
            ym += lineY[k];
        }
        um /= n;
        ym /= n;
        double suu = 0;
        double suy = 0;
        for (int k = 0; k < n; k++) {
            double u = Math.max(0, lineX[k] - xh) - um;
            suu += u * u;
            suy += u * (lineY[k] - ym);
        }
        if (!(suu > 0)) {
            return null;
        }
        double b = suy / suu;
        double a = ym - b * um;
        double sse = 0;
        double lag = 0;
        double prev = Double.NaN;
        for (int k = 0; k < n; k++) {
            double r = lineY[k] - a - b * Math.max(0, lineX[k] - xh);
            sse += r * r;
            if (!Double.isNaN(prev)) {
                lag += r * prev;
            }
            prev = r;
        }
        return new double[] {a, b, suu, sse, lag, um};
    }

    /** The block length index the trend test and the line regime use for a usual gap of {@code gapMillis}. */
    int trendScale(long gapMillis) {
        int j = 0;
        while (j < SCALES.length - 1 && SCALES[j] < Math.max(TREND_MIN_BLOCK_MILLIS, 2 * gapMillis)) {
            j++;
        }
        return j;
    }

    /** Copies the blocks of length index {@code j} that start at or after {@code from} (and after a stall). */
    private int lineBlocks(int j, long from) {
        int n = 0;
        for (int k = 0; k < size[j]; k++) {
            int i = (head[j] + k) % BLOCKS;
            if (startOf[j][i] >= from && startOf[j][i] >= blockedUntil) {
                lineX[n] = (startOf[j][i] + endOf[j][i]) / 2.0;
                lineY[n] = rateOf[j][i];
                lineStart[n] = startOf[j][i];
                n++;
            }
        }
        return n;
    }

    /**
     * The line regime's fit (twelfth version): its blocks (length index {@code j}) since {@code origin} (the start of
     * the regime the ramp began in) fitted by least squares as a constant level, a straight line from a start
     * {@code h}, and a constant level again from an end {@code e} (continuous at both; no end is {@code e} at the
     * present), both chosen among the blocks' starts. An end is kept when it lowers the residual sum of squares by at
     * least {@link #LINE_LEVEL_F} times the residual variance (an F statistic of one parameter): the ramp may have
     * ended, and the level after it is the line's at its end, not the line extrapolated past it.
     *
     * @return {rate now (rows per ms), F statistic of the best end (0 if none), start (active time) of the end's
     *         block}, or null with too few blocks
     */
    double[] lineFit(long origin, int j, long activeNow) {
        int n = lineBlocks(j, origin);
        if (n < LINE_MIN_BLOCKS + LINE_END_MIN_BLOCKS) {
            return null;
        }
        double x0 = lineX[0];
        double[] px = new double[n + 1];
        double[] px2 = new double[n + 1];
        double[] py = new double[n + 1];
        double[] py2 = new double[n + 1];
        double[] pxy = new double[n + 1];
        for (int k = 0; k < n; k++) {
            double x = (lineX[k] - x0) / 1e3;
            double y = lineY[k];
            px[k + 1] = px[k] + x;
            px2[k + 1] = px2[k] + x * x;
            py[k + 1] = py[k] + y;
            py2[k + 1] = py2[k] + y * y;
            pxy[k + 1] = pxy[k] + x * y;
        }
        double syy = py2[n] - py[n] * py[n] / n;
        double nowX = (activeNow - x0) / 1e3;
        // per end e (n: none), the best start h: its residual sum of squares and the level it gives now
        double[] sseOf = new double[n + 1];
        double[] levelOf = new double[n + 1];
        java.util.Arrays.fill(sseOf, Double.POSITIVE_INFINITY);
        for (int h = 0; h <= n - LINE_MIN_BLOCKS; h++) {
            double xh = (hingeX(h) - x0) / 1e3;
            for (int e = h + LINE_MIN_BLOCKS; e <= n; e++) {
                if (e < n && n - e < LINE_END_MIN_BLOCKS) {
                    continue;
                }
                double d = e < n ? (lineStart[e] - x0) / 1e3 - xh : 0;
                int after = n - e;
                double su = px[e] - px[h] - (e - h) * xh + after * d;
                double su2 = px2[e] - px2[h] - 2 * xh * (px[e] - px[h]) + (e - h) * xh * xh + after * d * d;
                double suy = pxy[e] - pxy[h] - xh * (py[e] - py[h]) + d * (py[n] - py[e]);
                double suu = su2 - su * su / n;
                double suyc = suy - su * py[n] / n;
                if (!(suu > 1e-9)) {
                    continue;
                }
                double sse = syy - suyc * suyc / suu;
                if (sse < sseOf[e]) {
                    double b = suyc / suu;
                    double a = (py[n] - b * su) / n;
                    sseOf[e] = sse;
                    levelOf[e] = a + b * (e < n ? d : Math.max(0, nowX - xh));
                }
            }
        }
        if (sseOf[n] == Double.POSITIVE_INFINITY) {
            return null;
        }
        double min = sseOf[n];
        int bestEnd = -1;
        for (int e = 0; e < n; e++) {
            if (sseOf[e] < min) {
                min = sseOf[e];
            }
            if (sseOf[e] < Double.POSITIVE_INFINITY && (bestEnd < 0 || sseOf[e] < sseOf[bestEnd])) {
                bestEnd = e;
            }
        }
        double s2 = Math.max(min, 1e-300) / Math.max(1, n - 3);
        // the level now: the fits averaged by their likelihood (each end as likely a priori as no end), so an end
        // the data begin to show pulls the level from the line's extrapolation before it is certain
        double wSum = 0;
        double lSum = 0;
        for (int e = 0; e <= n; e++) {
            if (sseOf[e] < Double.POSITIVE_INFINITY) {
                double w = Math.exp(-(sseOf[e] - min) / (2 * s2)) * (e < n ? LINE_END_PRIOR : 1);
                wSum += w;
                lSum += w * levelOf[e];
            }
        }
        double f = bestEnd < 0 ? 0 : Math.max(0, (sseOf[n] - sseOf[bestEnd]) / s2);
        return new double[] {lSum / wSum, f, bestEnd < 0 ? -1 : lineStart[bestEnd]};
    }

    /**
     * A line regime ended at active time {@code at}: a constant regime starts there. The line's blocks do not measure
     * the new regime's noise (around a constant they would count the ramp as noise), and no drift is assumed.
     */
    void lineEnded(long at) {
        this.previousFrom = at;
        this.previousRate = Double.NaN;
        this.shiftedAt = at;
        this.lastShiftSign = 0;
    }

    void shifted(long previousFrom, double previousRate, long at, double newRate) {
        this.previousFrom = previousFrom;
        this.previousRate = previousRate;
        this.shiftedAt = at;
        this.lastShiftSign = Math.signum(newRate - previousRate);
    }
}
