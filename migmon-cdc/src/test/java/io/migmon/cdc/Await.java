package io.migmon.cdc;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition until a generous deadline; no timing assertions. */
final class Await {

    private Await() {
    }

    static void until(Duration timeout, String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (Boolean.TRUE.equals(condition.call())) {
                    return;
                }
                last = null;
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for: " + what, last);
    }
}
