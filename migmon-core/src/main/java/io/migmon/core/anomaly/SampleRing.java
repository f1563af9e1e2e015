package io.migmon.core.anomaly;

/**
 * The last {@code capacity} samples' timestamps and counters in fixed arrays, for rates over a bounded window in
 * O(1). Package-private; not thread-safe.
 */
final class SampleRing {
    private final long[] millis;
    private final long[] rows;
    private final long[] errors;
    private int next;
    private int size;

    SampleRing(int capacity) {
        millis = new long[capacity];
        rows = new long[capacity];
        errors = new long[capacity];
    }

    void add(Sample s) {
        millis[next] = s.at().toEpochMilli();
        rows[next] = s.rowsDone();
        errors[next] = s.errors();
        next = (next + 1) % millis.length;
        if (size < millis.length) {
            size++;
        }
    }

    int size() {
        return size;
    }

    private int oldest() {
        return (next - size + millis.length) % millis.length;
    }

    private int newest() {
        return (next - 1 + millis.length) % millis.length;
    }

    /** Seconds between the oldest and the newest sample. */
    double spanSeconds() {
        return (millis[newest()] - millis[oldest()]) / 1e3;
    }

    long rowsDelta() {
        return rows[newest()] - rows[oldest()];
    }

    long errorsDelta() {
        return errors[newest()] - errors[oldest()];
    }

    /** Rows per second between the oldest and the newest sample, NaN with fewer than two samples. */
    double rowRate() {
        double span = spanSeconds();
        return size < 2 || span <= 0 ? Double.NaN : rowsDelta() / span;
    }
}
