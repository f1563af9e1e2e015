package io.migmon.cdc.internal;

import java.time.Clock;

/**
 * Lag of one assigned partition, written by the poll-loop thread, read by gauges and the health check.
 */
public final class PartitionLag {

    private final Clock clock;
    private volatile long messages;
    private volatile long oldestUnconsumedTimestampMs = -1;
    private volatile long lastPeekMs;

    public PartitionLag(Clock clock) {
        this.clock = clock;
    }

    public long messages() {
        return messages;
    }

    /** Records the lag in messages; 0 also clears the oldest-record timestamp (caught up). */
    public void messages(long lag) {
        this.messages = Math.max(0, lag);
        if (lag <= 0) {
            oldestUnconsumedTimestampMs = -1;
        }
    }

    public void oldestUnconsumedTimestampMs(long ts, long peekedAtMs) {
        this.oldestUnconsumedTimestampMs = ts;
        this.lastPeekMs = peekedAtMs;
    }

    public long lastPeekMs() {
        return lastPeekMs;
    }

    /**
     * Age of the oldest unconsumed record at the time of the call: {@code now - timestamp}, 0 when caught up or when
     * the timestamp is not known yet.
     */
    public double seconds() {
        long ts = oldestUnconsumedTimestampMs;
        if (messages <= 0 || ts < 0) {
            return 0;
        }
        return Math.max(0, clock.millis() - ts) / 1000.0;
    }
}
