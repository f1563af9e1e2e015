package io.migmon.verify.internal;

import java.util.concurrent.TimeUnit;

/**
 * Limits rows per second: after each batch the caller sleeps until the rows done so far fit the rate. Not
 * thread-safe (one per run).
 */
public final class Throttle {

    private final double rowsPerSecond;
    private final long startNanos = System.nanoTime();
    private double rows;

    /** @param rowsPerSecond maximum rate; 0 or less for unlimited */
    public Throttle(double rowsPerSecond) {
        this.rowsPerSecond = rowsPerSecond;
    }

    /** Accounts {@code n} rows and sleeps as long as the rate requires. */
    public void acquire(long n) {
        if (rowsPerSecond <= 0 || n <= 0) {
            return;
        }
        rows += n;
        long allowedAt = startNanos + (long) (rows / rowsPerSecond * 1e9);
        long wait = allowedAt - System.nanoTime();
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new io.migmon.verify.VerificationException("verification interrupted", e);
            }
        }
    }
}
