package io.migmon.core.progress;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts work done and estimates throughput and time to completion. Thread-safe; {@link #add(long)} is cheap
 * enough for a per-batch hot path (an adder increment and a clock read).
 *
 * <h2>Method</h2>
 * Time is cut into ticks of {@code tick} (default 1 s). At the end of each tick the rows of that tick give an
 * instantaneous rate {@code r}; the throughput estimate is an exponentially weighted moving average
 * {@code ewma += alpha * (r - ewma)} with {@code alpha = 1 - exp(-tick / window)} (default window 30 s), the same
 * smoothing as the Unix load average. Missed ticks (no calls) count as ticks with zero rows. Until the first tick
 * ends, the mean rate since start is used.
 *
 * <p>ETA = (expected - done) / throughput. Like gh-ost, no ETA is given before 1% of the expected rows are done:
 * early rates (cold caches, first batches) are too noisy to extrapolate. No ETA without a declared total or with a
 * zero rate; 0 once done reaches the total.
 */
public final class ProgressTracker {

    /** Fraction of the total that must be done before an ETA is given. */
    public static final double ETA_MIN_RATIO = 0.01;

    private final Clock clock;
    private final long tickMillis;
    private final double alpha;
    private final Instant startedAt;
    private final long startMillis;

    private final LongAdder done = new LongAdder();
    private volatile long expected = -1;
    private volatile long lastProgressMillis;

    // EWMA state, written under "this"; nextTickMillis is read without the lock on the hot path
    private volatile long nextTickMillis;
    private long doneAtLastTick;
    private double ewma;
    private boolean ewmaInitialized;

    /** A tracker with a 1 s tick and a 30 s window. */
    public ProgressTracker(Clock clock) {
        this(clock, Duration.ofSeconds(1), Duration.ofSeconds(30));
    }

    /**
     * @param clock  time source (millisecond resolution is used); inject a fixed or mutable clock in tests
     * @param tick   EWMA sampling interval, at least 1 ms
     * @param window EWMA time constant, at least one tick
     */
    public ProgressTracker(Clock clock, Duration tick, Duration window) {
        this.clock = Objects.requireNonNull(clock, "clock");
        if (tick == null || tick.toMillis() < 1) {
            throw new IllegalArgumentException("tick must be at least 1 ms, was " + tick);
        }
        if (window == null || window.compareTo(tick) < 0) {
            throw new IllegalArgumentException("window must be at least one tick, was " + window);
        }
        this.tickMillis = tick.toMillis();
        this.alpha = 1 - Math.exp(-(double) tick.toMillis() / window.toMillis());
        this.startMillis = clock.millis();
        this.startedAt = Instant.ofEpochMilli(startMillis);
        this.nextTickMillis = startMillis + tickMillis;
        this.lastProgressMillis = startMillis;
    }

    /** Declares (or corrects) the expected total; negative clears it. */
    public void expectTotal(long rows) {
        this.expected = rows < 0 ? -1 : rows;
    }

    /** Records {@code rows} units of work (zero and negative values are ignored). */
    public void add(long rows) {
        if (rows <= 0) {
            return;
        }
        long now = clock.millis();
        if (now >= nextTickMillis) {
            advance(now);
        }
        done.add(rows);
        if (lastProgressMillis != now) {
            lastProgressMillis = now; // skip the shared write when it would not change anything
        }
    }

    public long done() {
        return done.sum();
    }

    public OptionalLong expectedTotal() {
        long e = expected;
        return e < 0 ? OptionalLong.empty() : OptionalLong.of(e);
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** Takes a consistent snapshot (advancing the EWMA to now first). */
    public ProgressSnapshot snapshot() {
        long now = clock.millis();
        Instant nowInstant = Instant.ofEpochMilli(now);
        double rate;
        long doneNow;
        synchronized (this) {
            advanceLocked(now);
            doneNow = done.sum();
            if (ewmaInitialized) {
                rate = ewma;
            } else {
                long elapsed = now - startMillis;
                rate = elapsed > 0 ? doneNow / (elapsed / 1e3) : 0.0;
            }
        }
        OptionalLong total = expectedTotal();
        return new ProgressSnapshot(nowInstant, doneNow, total, rate, eta(doneNow, total, rate),
                Instant.ofEpochMilli(lastProgressMillis));
    }

    private static Optional<Duration> eta(long doneNow, OptionalLong total, double rate) {
        if (total.isEmpty()) {
            return Optional.empty();
        }
        long expectedRows = total.getAsLong();
        if (doneNow >= expectedRows) {
            return Optional.of(Duration.ZERO);
        }
        if (doneNow < ETA_MIN_RATIO * expectedRows || rate <= 0 || Double.isNaN(rate)) {
            return Optional.empty();
        }
        double seconds = (expectedRows - doneNow) / rate;
        if (seconds > Duration.ofDays(365 * 100L).getSeconds()) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos((long) (seconds * 1e9)));
    }

    private synchronized void advance(long now) {
        advanceLocked(now);
    }

    private void advanceLocked(long now) {
        if (now < nextTickMillis) {
            return;
        }
        long ticks = (now - nextTickMillis) / tickMillis + 1;
        long current = done.sum();
        double instant = (current - doneAtLastTick) / (tickMillis / 1e3);
        if (!ewmaInitialized) {
            ewma = instant;
            ewmaInitialized = true;
        } else {
            ewma += alpha * (instant - ewma);
        }
        if (ticks > 1) {
            // the remaining ticks saw no rows: rate decays toward zero
            ewma *= Math.pow(1 - alpha, ticks - 1);
        }
        doneAtLastTick = current;
        nextTickMillis += ticks * tickMillis;
    }
}
