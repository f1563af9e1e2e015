package io.migmon.core.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Polls a condition or an assertion until it holds or a deadline passes, instead of {@code Thread.sleep} loops in
 * tests. Deadlines are meant to be generous (tests run on a loaded 2-core CI machine): a passing test returns as soon
 * as the condition holds, so a long timeout costs nothing.
 *
 * <pre>{@code
 * Await.until(Duration.ofSeconds(10), () -> sink.received().size() == 2, () -> "sink got " + sink.received());
 * Await.untilAsserted(Duration.ofSeconds(10), () -> assertThat(count(target)).isEqualTo(100));
 * }</pre>
 *
 * <p>Polls every {@value #DEFAULT_POLL_MILLIS} ms unless told otherwise. On timeout it throws an
 * {@link AssertionError} with the description (or the last assertion error as message and cause).
 */
public final class Await {

    /** Default pause between two polls, in milliseconds. */
    public static final long DEFAULT_POLL_MILLIS = 25;

    /** An assertion that may throw checked exceptions (a JDBC query, an HTTP call). */
    @FunctionalInterface
    public interface ThrowingRunnable {
        void run() throws Exception;
    }

    private Await() {
    }

    /**
     * Waits until {@code condition} returns true.
     *
     * @param describe what was awaited and what was seen, called once on timeout for the failure message
     * @throws AssertionError on timeout or interruption; exceptions thrown by {@code condition} propagate at once
     */
    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> describe) {
        until(timeout, Duration.ofMillis(DEFAULT_POLL_MILLIS), condition, describe);
    }

    /** {@link #until(Duration, BooleanSupplier, Supplier)} with a custom poll interval (for expensive conditions). */
    public static void until(Duration timeout, Duration pollInterval, BooleanSupplier condition, Supplier<String> describe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("not within " + timeout + ": " + describe.get());
            }
            pause(pollInterval);
        }
    }

    /**
     * Runs {@code assertion} until it completes without throwing. {@link AssertionError}s and exceptions are
     * retried; other {@link Error}s propagate at once.
     *
     * @throws AssertionError on timeout, with the last failure's message and the failure as cause
     */
    public static void untilAsserted(Duration timeout, ThrowingRunnable assertion) {
        untilAsserted(timeout, Duration.ofMillis(DEFAULT_POLL_MILLIS), assertion);
    }

    /** {@link #untilAsserted(Duration, ThrowingRunnable)} with a custom poll interval. */
    public static void untilAsserted(Duration timeout, Duration pollInterval, ThrowingRunnable assertion) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Throwable last;
            try {
                assertion.run();
                return;
            } catch (AssertionError | Exception e) {
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while awaiting", e);
                }
                last = e;
            }
            if (System.nanoTime() - deadline >= 0) {
                throw new AssertionError("not within " + timeout + ": " + last, last);
            }
            pause(pollInterval);
        }
    }

    private static void pause(Duration d) {
        try {
            Thread.sleep(Math.max(1, d.toMillis()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while awaiting", e);
        }
    }
}
