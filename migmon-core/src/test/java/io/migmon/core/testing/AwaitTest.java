package io.migmon.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {

    @Test
    void untilReturnsOnceTheConditionHolds() {
        AtomicInteger polls = new AtomicInteger();
        Await.until(Duration.ofSeconds(30), () -> polls.incrementAndGet() >= 3, () -> "three polls");
        assertThat(polls).hasValue(3);
    }

    @Test
    void untilFailsWithTheDescriptionAfterTheTimeout() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Await.until(Duration.ofMillis(100), () -> false, () -> "queue size was 7"))
                .isInstanceOf(AssertionError.class)
                .hasMessage("not within PT0.1S: queue size was 7");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(100));
    }

    @Test
    void untilPropagatesAnExceptionOfTheCondition() {
        assertThatThrownBy(() -> Await.until(Duration.ofSeconds(30), () -> {
            throw new IllegalStateException("broken");
        }, () -> "never")).isInstanceOf(IllegalStateException.class).hasMessage("broken");
    }

    @Test
    void untilAssertedRetriesAssertionErrorsAndExceptions() {
        AtomicInteger calls = new AtomicInteger();
        Await.untilAsserted(Duration.ofSeconds(30), () -> {
            int n = calls.incrementAndGet();
            if (n == 1) {
                throw new java.io.IOException("not up yet");
            }
            assertThat(n).isGreaterThanOrEqualTo(3);
        });
        assertThat(calls).hasValue(3);
    }

    @Test
    void untilAssertedFailsWithTheLastAssertionError() {
        AtomicInteger calls = new AtomicInteger();
        assertThatThrownBy(() -> Await.untilAsserted(Duration.ofMillis(100),
                () -> assertThat(calls.incrementAndGet()).as("rows in target").isEqualTo(-1)))
                .isInstanceOf(AssertionError.class)
                .hasMessageStartingWith("not within PT0.1S: ")
                .hasMessageContaining("rows in target")
                .cause().isInstanceOf(AssertionError.class);
        assertThat(calls.get()).isGreaterThan(1);
    }
}
