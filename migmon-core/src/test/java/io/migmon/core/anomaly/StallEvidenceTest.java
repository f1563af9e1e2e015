package io.migmon.core.anomaly;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The evidence of the rate at the start of a run (issue 12): until a run has shown three gaps between commits, a gap is
 * judged against the gaps it has shown, so a stream committing once a minute is not stalled by its second gap, while a
 * pipeline that was committing every second and stops is still caught at {@code after}.
 */
class StallEvidenceTest {

    private static final Instant T0 = Instant.parse("2026-11-27T04:00:00Z");

    private static List<Anomaly> run(StallDetector detector, double intervalSeconds, double[] commits, double seconds) {
        List<Anomaly> events = new ArrayList<>();
        AnomalyMonitor m = AnomalyMonitor.builder("evidence").meterRegistry(new SimpleMeterRegistry())
                .detector(detector).listener(events::add).build();
        int next = 0;
        long rows = 0;
        for (double t = 0; t <= seconds; t += intervalSeconds) {
            while (next < commits.length && commits[next] <= t) {
                rows += 50; // one batch per commit
                next++;
            }
            m.sample(Sample.of(T0.plusMillis(Math.round(t * 1000)), rows, 0));
        }
        return events;
    }

    private static List<Double> firings(List<Anomaly> events) {
        return events.stream().filter(Anomaly::firing)
                .map(a -> (a.at().toEpochMilli() - T0.toEpochMilli()) / 1e3).toList();
    }

    @Test
    void aOnceAMinuteStreamWhoseFirstGapsAreOverTheLimitIsNeverStalled() {
        // commits every 65 s from the start of the run: before the first one there is no evidence (the startup grace,
        // 120 s, holds); after it, the run has shown a gap of 65 s and the next one of 65 s is its rhythm, not a stall
        double[] commits = new double[60];
        for (int i = 0; i < commits.length; i++) {
            commits[i] = 65.5 + 65 * i;
        }
        List<Anomaly> events = run(StallDetector.builder().build(), 1, commits, 3_600);
        assertThat(firings(events)).as("no alert, not even before the first commit").isEmpty();
    }

    @Test
    void aPipelineThatWasCommittingEverySecondAndStopsIsCaughtAtAfter() {
        // three commits a second apart at the start, then nothing: the gaps shown (about a second) are no excuse
        double[] commits = {0.5, 1.5, 2.5};
        List<Anomaly> events = run(StallDetector.builder().build(), 1, commits, 200);
        assertThat(firings(events)).containsExactly(63.0);
        // two commits only (the run has not shown three gaps yet): the same
        events = run(StallDetector.builder().build(), 1, new double[] {0.5, 1.5}, 200);
        assertThat(firings(events)).containsExactly(62.0);
    }

    @Test
    void aStreamThatCommitsOnceAfterALongFirstGapAndThenStallsIsCaughtWithinTheGapFactorOfIt() {
        // first commit after 65 s (within the startup grace), then nothing: judged against 3 x 65 s
        List<Anomaly> events = run(StallDetector.builder().build(), 1, new double[] {65.5}, 600);
        assertThat(firings(events)).containsExactly(66.0 + 195.0);
    }

    @Test
    void aFirstStallOfTwiceTheLimitIsNotEvidenceOfTheRate() {
        // nothing for 150 s (a stall, caught at the startup grace, not a rhythm), then one commit and nothing again:
        // caught at after again
        List<Anomaly> events = run(StallDetector.builder().build(), 1, new double[] {150.5}, 600);
        assertThat(firings(events)).containsExactly(120.0, 151.0 + 60.0);
    }

    @Test
    void aRunStalledFromItsStartIsCaughtAtTheStartupGrace() {
        assertThat(firings(run(StallDetector.builder().build(), 1, new double[0], 600))).containsExactly(120.0);
        assertThat(firings(run(StallDetector.builder().build(), 60, new double[0], 600))).containsExactly(120.0);
        assertThat(firings(run(StallDetector.builder().startupGrace(Duration.ofSeconds(90)).build(), 1,
                new double[0], 600))).containsExactly(90.0);
        // the default grace is twice after; a grace never lowers the limit below after
        assertThat(firings(run(StallDetector.builder().after(Duration.ofSeconds(30)).build(), 1, new double[0],
                600))).containsExactly(60.0);
        assertThat(firings(run(StallDetector.builder().after(Duration.ofSeconds(200))
                .startupGrace(Duration.ofSeconds(100)).build(), 1, new double[0], 600))).containsExactly(200.0);
        // with a gap factor of 1 there is no grace: the limit is after
        assertThat(firings(run(StallDetector.builder().gapFactor(1).build(), 1, new double[0], 600)))
                .containsExactly(60.0);
    }

    @Test
    void anIdleSampleEndsTheStartupGrace() {
        // a pipeline that reads "nothing waits" at its start, then work waits and nothing is applied: the clock runs
        // from the last idle sample and the limit is after (the idle-pipeline contract is unchanged)
        List<Anomaly> events = new ArrayList<>();
        AnomalyMonitor m = AnomalyMonitor.builder("idle-start").meterRegistry(new SimpleMeterRegistry())
                .detector(StallDetector.builder().idleAtZeroLag(true).build()).listener(events::add).build();
        for (int t = 0; t <= 300; t++) {
            m.sample(Sample.of(T0.plusSeconds(t), 0, 0, t <= 10 ? 0 : t - 10));
        }
        assertThat(firings(events)).containsExactly(70.0);
    }

    @Test
    void withGapFactorOneTheLimitIsExactlyAfter() {
        double[] commits = new double[60];
        for (int i = 0; i < commits.length; i++) {
            commits[i] = 65.5 + 65 * i;
        }
        List<Anomaly> events = run(StallDetector.builder().gapFactor(1).after(Duration.ofSeconds(60)).build(), 1,
                commits, 600);
        assertThat(firings(events)).as("every gap of 65 s is a stall at gap factor 1")
                .containsExactly(60.0, 126.0, 191.0, 256.0, 321.0, 386.0, 451.0, 516.0, 581.0);
    }
}
