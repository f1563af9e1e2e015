package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sampled every 60 s, one empty sampling interval already reaches the stall limit (60 s). A stream that commits about
 * once a minute shows such an empty minute now and then (its commit and the sample drift apart): on the simulator's
 * tuning sets these were all of {@code stall}'s false alerts at 60 s (0.035 an hour on healthy traces). After a
 * one-sample stall that ended by itself at the next sample, a stall needs two samples without progress; a stream that
 * never showed one is still caught at the first empty sample past the limit.
 */
class StallOneSampleTest {

    private static final Instant T0 = Instant.parse("2026-11-27T10:00:00Z");

    /** Samples every 60 s; {@code empty} lists the samples that show no progress; returns the firing times (s). */
    private static List<Long> firings(boolean[] empty) {
        List<Anomaly> events = new ArrayList<>();
        AnomalyMonitor m = AnomalyMonitor.builder("one-sample").meterRegistry(new SimpleMeterRegistry())
                .detector(StallDetector.builder().build()).listener(events::add).build();
        long rows = 0;
        for (int i = 0; i < empty.length; i++) {
            if (!empty[i]) {
                rows += 40;
            }
            m.sample(Sample.of(T0.plusSeconds(60L * i), rows, 0));
        }
        return events.stream().filter(Anomaly::firing).map(a -> a.at().getEpochSecond() - T0.getEpochSecond()).toList();
    }

    @Test
    void aOnceAMinuteStreamsSecondEmptyMinuteAnHourLaterIsNotAStall() {
        boolean[] empty = new boolean[200];
        empty[10] = true; // the first empty minute: no evidence yet, it fires (as before)
        empty[70] = true; // an hour later (past the 30-minute gap memory): the same stream, not a stall
        empty[130] = true;
        assertThat(firings(empty)).containsExactly(600L);
    }

    @Test
    void aRealStallOfThatStreamIsCaughtAtItsSecondEmptySample() {
        boolean[] empty = new boolean[200];
        empty[10] = true;
        for (int i = 100; i < 200; i++) {
            empty[i] = true;
        }
        assertThat(firings(empty)).containsExactly(600L, 60L * 101);
    }

    @Test
    void aBusyStreamThatStopsIsStillCaughtAtTheFirstEmptySample() {
        boolean[] empty = new boolean[200];
        for (int i = 100; i < 200; i++) {
            empty[i] = true;
        }
        assertThat(firings(empty)).containsExactly(60L * 100);
    }
}
