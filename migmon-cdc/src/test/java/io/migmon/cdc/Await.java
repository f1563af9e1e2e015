package io.migmon.cdc;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * The CDC tests' call shape ({@code until(timeout, what, condition)} with conditions that query databases) on top of
 * core's {@link io.migmon.core.testing.Await}: polls every 100 ms until a generous deadline; no timing assertions.
 */
final class Await {

    private Await() {
    }

    static void until(Duration timeout, String what, Callable<Boolean> condition) {
        io.migmon.core.testing.Await.untilAsserted(timeout, Duration.ofMillis(100), () -> {
            if (!Boolean.TRUE.equals(condition.call())) {
                throw new AssertionError("waiting for: " + what);
            }
        });
    }
}
