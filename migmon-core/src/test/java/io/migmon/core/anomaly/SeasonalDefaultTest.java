package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The default drop/spike baseline finds a daily pattern by itself (issue 12, NAB: the defaults fired on every
 * diurnal trough and daily peak of real traffic). A CDC pipeline that runs for days: a rate with a deep night (10%
 * of the day's peak), a morning rush, and noise of 20% per 5 minutes, sampled every 60 s for 6 days.
 */
class SeasonalDefaultTest {

    private static final Instant T0 = Instant.parse("2026-11-02T00:00:00Z");
    private static final double DAY = 86_400;
    private static final double NOISE = 0.12;

    /** Rows per second at second t of the run: night 20, day 200, a rush to 320 at 08:00. */
    private static double level(double t) {
        double h = (t % DAY) / 3600;
        double day = h < 5 || h >= 23 ? 20 : h < 7 ? 20 + (h - 5) * 90 : h >= 21 ? 200 - (h - 21) * 90 : 200;
        double rush = 120 * Math.exp(-Math.pow((h - 8) / 0.75, 2));
        return day + rush;
    }

    /** The monitor's alerts, and a drop detector fed the same samples directly (the monitor works on copies). */
    private record Run(List<Anomaly> events, ThroughputBaselineDetector drop) {
    }

    /** {@code dropFrom..dropTo}: seconds when the rate falls to 15% of its level (an incident). */
    private static Run run(boolean auto, double dropFrom, double dropTo) {
        List<Anomaly> events = new ArrayList<>();
        ThroughputBaselineDetector drop = ThroughputBaselineDetector.drops().autoSeasonal(auto).build();
        AnomalyMonitor m = AnomalyMonitor.builder("seasonal").meterRegistry(new SimpleMeterRegistry())
                .detector(ThroughputBaselineDetector.drops().autoSeasonal(auto).build())
                .detector(ThroughputBaselineDetector.spikes().autoSeasonal(auto).build()).listener(events::add).build();
        Random random = new Random(20261127L);
        double rows = 0;
        double noise = 1;
        for (int t = 60; t <= 6 * DAY; t += 60) {
            if (t % 300 == 0) {
                noise = Math.max(0.05, 1 + NOISE * random.nextGaussian()); // the noise holds for 5 minutes
            }
            double rate = level(t) * noise * (t >= dropFrom && t < dropTo ? 0.15 : 1);
            rows += rate * 60;
            Sample sample = Sample.of(T0.plusSeconds(t), Math.round(rows), 0);
            m.sample(sample);
            drop.evaluate(sample);
        }
        return new Run(events, drop);
    }

    /** Firings from {@code from} on: the type's first two letters after "throughput_" and the second of the run. */
    private static List<String> firings(List<Anomaly> events, double from) {
        return events.stream().filter(a -> a.firing() && a.at().getEpochSecond() - T0.getEpochSecond() >= from)
                .map(a -> a.type().substring(11, 13) + (a.at().getEpochSecond() - T0.getEpochSecond())).toList();
    }

    @Test
    void afterTwoDaysTheDailyPatternIsTheBaselineAndHealthyDaysAreQuiet() {
        Run seasonal = run(true, Double.MAX_VALUE, Double.MAX_VALUE);
        Run running = run(false, Double.MAX_VALUE, Double.MAX_VALUE);
        assertThat(seasonal.drop().detectedPeriod()).isBetween(Duration.ofHours(23), Duration.ofHours(25));
        assertThat(running.drop().detectedPeriod()).isEqualTo(Duration.ZERO);
        // days 3-6: judged against the same time of the earlier days
        assertThat(firings(seasonal.events(), 3 * DAY)).as("alerts on healthy days 4-6, seasonal").isEmpty();
        assertThat(firings(running.events(), 3 * DAY)).as("alerts on healthy days 4-6, running baseline only")
                .isNotEmpty();
    }

    @Test
    void anIncidentAtMiddayOfTheFifthDayIsStillADrop() {
        double from = 4 * DAY + 12 * 3600;
        Run seasonal = run(true, from, from + 3600);
        List<String> fired = firings(seasonal.events(), 3 * DAY);
        assertThat(fired).as("one drop within 10 minutes of the incident's start").hasSize(1);
        assertThat(fired.get(0)).startsWith("dr"); // throughput_drop
        assertThat(Long.parseLong(fired.get(0).substring(2))).isBetween((long) from, (long) from + 600);
    }

    @Test
    void aGapLongerThanTheHistoryForgetsThePeriod() {
        ThroughputBaselineDetector drop = ThroughputBaselineDetector.drops().build();
        double rows = 0;
        int t = 60;
        for (; t <= 3 * DAY; t += 60) {
            rows += level(t) * 60;
            drop.evaluate(Sample.of(T0.plusSeconds(t), Math.round(rows), 0));
        }
        assertThat(drop.detectedPeriod()).isEqualTo(Duration.ofDays(1));
        // the host was suspended for 20 days (more than the 15 days kept): the next samples are judged by the running
        // baseline until two days are seen again. (The history is forgotten at once instead of being replayed bucket by
        // bucket, an hourly search each; that bounds the work of such a sample and is not asserted here: no timing.)
        long later = t + 20 * 86_400L;
        for (int k = 0; k < 10; k++, later += 60) {
            rows += 100 * 60;
            drop.evaluate(Sample.of(T0.plusSeconds(later), Math.round(rows), 0));
        }
        assertThat(drop.detectedPeriod()).isEqualTo(Duration.ZERO);
        assertThat(drop.judgedSeasonally()).isFalse();
    }
}
