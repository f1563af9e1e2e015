package io.migmon.core.anomaly;

/**
 * Counters over a sliding window of <em>time</em>: the rows and errors done between the newest sample and the
 * newest stored sample at least {@code window} older (or the oldest one while the window fills). Samples closer than
 * {@code window / 64} to the previous stored one are not stored (only the newest sample is kept), so memory is
 * bounded whatever the sampling interval, and the answer is the same at 1 s or 60 s spacing: with an interval longer
 * than the window the rate is the one of the last interval. Package-private; O(1) amortized; not thread-safe.
 */
final class RateWindow {
    private static final int CAPACITY = 80;

    private final long windowMillis;
    private final long minGapMillis;
    private final long[] millis = new long[CAPACITY];
    private final long[] rows = new long[CAPACITY];
    private final long[] errors = new long[CAPACITY];
    private int head; // oldest stored
    private int size;
    private long nowMillis = Long.MIN_VALUE;
    private long nowRows;
    private long nowErrors;

    RateWindow(long windowMillis) {
        this.windowMillis = windowMillis;
        this.minGapMillis = Math.max(1, windowMillis / 64);
    }

    /** Adds the newest sample. */
    void add(long at, long rowsDone, long errorsDone) {
        nowMillis = at;
        nowRows = rowsDone;
        nowErrors = errorsDone;
        if (size == 0 || at - millis[index(size - 1)] >= minGapMillis) {
            if (size == CAPACITY) {
                head = (head + 1) % CAPACITY;
                size--;
            }
            int i = index(size);
            millis[i] = at;
            rows[i] = rowsDone;
            errors[i] = errorsDone;
            size++;
        }
        // drop anchors that are no longer the newest one at least a window old
        long limit = at - windowMillis;
        while (size >= 2 && millis[index(1)] <= limit) {
            head = (head + 1) % CAPACITY;
            size--;
        }
    }

    /** Forgets everything (after a pause: the window restarts at the next sample). */
    void clear() {
        size = 0;
        head = 0;
        nowMillis = Long.MIN_VALUE;
    }

    private int index(int k) {
        return (head + k) % CAPACITY;
    }

    boolean isEmpty() {
        return size == 0;
    }

    /** Seconds covered: from the anchor to the newest sample. */
    double spanSeconds() {
        return size == 0 ? 0 : (nowMillis - millis[head]) / 1e3;
    }

    /** Whether the span covers at least 90% of the window. */
    boolean full() {
        return size > 0 && nowMillis - millis[head] >= windowMillis * 9 / 10;
    }

    long rowsDelta() {
        return size == 0 ? 0 : nowRows - rows[head];
    }

    long errorsDelta() {
        return size == 0 ? 0 : nowErrors - errors[head];
    }

    /**
     * Rows per second from the newest stored sample at least {@code spanMillis} older than the newest sample (the
     * oldest stored one if none is), NaN when empty; {@code covered[0]} receives the seconds covered. A binary search
     * over the stored samples (at most 80).
     */
    double rowRateOver(long spanMillis, double[] covered) {
        if (size == 0) {
            covered[0] = 0;
            return Double.NaN;
        }
        long limit = nowMillis - spanMillis;
        int lo = 0;
        int hi = size - 1;
        int found = 0;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            if (millis[index(mid)] <= limit) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        int i = index(found);
        double span = (nowMillis - millis[i]) / 1e3;
        covered[0] = span;
        return span <= 0 ? Double.NaN : (nowRows - rows[i]) / span;
    }

    /** Rows per second over the span, NaN when it is empty. */
    double rowRate() {
        double span = spanSeconds();
        return span <= 0 ? Double.NaN : rowsDelta() / span;
    }
}
