package io.migmon.core.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.migmon.core.testing.MutableClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProgressTrackerTest {

    private final MutableClock clock = MutableClock.epoch();

    @Test
    void steadyRateGivesExactThroughputAndEta() {
        ProgressTracker t = new ProgressTracker(clock);
        t.expectTotal(100_000);
        for (int s = 0; s < 60; s++) {
            t.add(500);
            clock.advanceMillis(500);
            t.add(500);
            clock.advanceMillis(500);
        }
        ProgressSnapshot snap = t.snapshot();
        assertThat(snap.rowsDone()).isEqualTo(60_000);
        assertThat(snap.throughput()).isCloseTo(1000.0, within(1e-6));
        assertThat(snap.ratio()).isCloseTo(0.6, within(1e-9));
        assertThat(snap.eta()).contains(Duration.ofSeconds(40));
        assertThat(snap.etaSeconds()).isCloseTo(40.0, within(1e-6));
    }

    @Test
    void noEtaBeforeOnePercent() {
        ProgressTracker t = new ProgressTracker(clock);
        t.expectTotal(100_000);
        t.add(999);
        clock.advanceSeconds(2);
        assertThat(t.snapshot().eta()).isEmpty();
        assertThat(t.snapshot().etaSeconds()).isNaN();
        t.add(1);
        clock.advanceSeconds(1);
        assertThat(t.snapshot().eta()).as("1% done but only 3 s of rows: under ETA_MIN_ELAPSED").isEmpty();
        clock.advanceSeconds(7);
        t.add(100);
        assertThat(t.snapshot().eta()).isPresent();
    }

    @Test
    void noEtaWithoutTotalAndRatioIsNaN() {
        ProgressTracker t = new ProgressTracker(clock);
        t.add(10_000);
        clock.advanceSeconds(5);
        ProgressSnapshot s = t.snapshot();
        assertThat(s.eta()).isEmpty();
        assertThat(s.ratio()).isNaN();
        assertThat(s.describe()).contains("10,000 rows").contains("ETA unknown");
    }

    @Test
    void etaIsZeroWhenDoneAndRatioCapsAtOne() {
        ProgressTracker t = new ProgressTracker(clock);
        t.expectTotal(100);
        t.add(150);
        assertThat(t.snapshot().eta()).contains(Duration.ZERO);
        assertThat(t.snapshot().ratio()).isEqualTo(1.0);
    }

    @Test
    void ewmaFollowsARateChangeWithTheWindowTimeConstant() {
        ProgressTracker t = new ProgressTracker(clock, Duration.ofSeconds(1), Duration.ofSeconds(10));
        for (int s = 0; s < 100; s++) {
            t.add(100);
            clock.advanceSeconds(1);
        }
        assertThat(t.snapshot().throughput()).isCloseTo(100.0, within(1e-6));
        for (int s = 0; s < 10; s++) {
            t.add(200);
            clock.advanceSeconds(1);
        }
        // after one time constant the estimate has moved 1 - e^-1 (63.2%) of the way
        assertThat(t.snapshot().throughput()).isCloseTo(100 + 100 * (1 - Math.exp(-1)), within(0.5));
    }

    @Test
    void idleTicksDecayTheRateTowardZero() {
        ProgressTracker t = new ProgressTracker(clock, Duration.ofSeconds(1), Duration.ofSeconds(10));
        for (int s = 0; s < 30; s++) {
            t.add(100);
            clock.advanceSeconds(1);
        }
        assertThat(t.snapshot().throughput()).as("read by a scrape").isCloseTo(100.0, within(1e-6));
        clock.advanceSeconds(30);
        assertThat(t.snapshot().throughput()).isCloseTo(100 * Math.exp(-3), within(0.5));
        assertThat(t.snapshot().lastProgressAt()).as("the read that last saw rows move")
                .isEqualTo(clock.instant().minusSeconds(30));
    }

    @Test
    void meanRateIsUsedBeforeTheFirstTick() {
        ProgressTracker t = new ProgressTracker(clock, Duration.ofSeconds(10), Duration.ofSeconds(30));
        t.expectTotal(1000);
        t.add(100);
        clock.advanceSeconds(2);
        ProgressSnapshot s = t.snapshot();
        assertThat(s.throughput()).isCloseTo(50.0, within(1e-9));
        assertThat(s.eta()).as("under ETA_MIN_ELAPSED of rows").isEmpty();
        clock.advanceSeconds(8);
        t.add(400);
        assertThat(t.snapshot().eta()).contains(Duration.ofSeconds(10));
    }

    @Test
    void rejectsBadSmoothing() {
        assertThatThrownBy(() -> new ProgressTracker(clock, Duration.ZERO, Duration.ofSeconds(1)))
                .hasMessageContaining("tick");
        assertThatThrownBy(() -> new ProgressTracker(clock, Duration.ofSeconds(2), Duration.ofSeconds(1)))
                .hasMessageContaining("window");
    }
}
