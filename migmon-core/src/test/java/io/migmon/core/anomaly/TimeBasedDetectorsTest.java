package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.health.HealthStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;

/** Settings in time: the same run sampled at different intervals gets the same verdicts; pauses; batch awareness. */
class TimeBasedDetectorsTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    /** Feeds rows(t) (t in seconds) every {@code interval} seconds for {@code seconds}; returns the firings. */
    private static List<Anomaly> run(AnomalyMonitor m, int interval, int seconds, LongUnaryOperator rows,
                                     java.util.function.DoubleUnaryOperator lag) {
        List<Anomaly> fired = new ArrayList<>();
        for (int t = 0; t <= seconds; t += interval) {
            for (Anomaly a : m.sample(Sample.of(T0.plusSeconds(t), rows.applyAsLong(t), 0, lag.applyAsDouble(t)))) {
                if (a.firing()) {
                    fired.add(a);
                }
            }
        }
        return fired;
    }

    private static AnomalyMonitor monitor(AnomalyDetector... detectors) {
        AnomalyMonitor.Builder b = AnomalyMonitor.builder("m").meterRegistry(new SimpleMeterRegistry());
        for (AnomalyDetector d : detectors) {
            b.detector(d);
        }
        return b.build();
    }

    @Test
    void aStallIsFoundAfterTheSameTimeAtEveryInterval() {
        // 100 rows/s committed every 4 s, stalled from 1200 s to 1800 s
        LongUnaryOperator rows = t -> 400 * (Math.min(t, 1200) / 4) + (t >= 1800 ? 400 * ((t - 1800) / 4) : 0);
        for (int interval : new int[] {1, 5, 15, 60}) {
            List<Anomaly> fired = run(monitor(StallDetector.builder().build()), interval, 2400, rows, t -> Double.NaN);
            assertThat(fired).as("interval %d s", interval).hasSize(1);
            double delay = Duration.between(T0.plusSeconds(1200), fired.get(0).at()).toSeconds();
            assertThat(delay).as("delay at %d s: the 60 s limit plus at most one interval", interval)
                    .isBetween(56.0, 60.0 + 4 + interval);
        }
    }

    @Test
    void aQuietStreamThatCommitsEvery40SecondsIsNotAStallButItsStallIs() {
        // commits of 400 rows every 40 s; stall from 3600 s to 4200 s
        LongUnaryOperator rows = t -> 400 * (Math.min(t, 3600) / 40) + (t >= 4200 ? 400 * ((t - 4200) / 40) : 0);
        StallDetector template = StallDetector.builder().build();
        AnomalyMonitor m = monitor(template);
        List<Anomaly> fired = run(m, 1, 4800, rows, t -> Double.NaN);
        assertThat(fired).as("one stall, not one per commit gap").hasSize(1);
        double delay = Duration.between(T0.plusSeconds(3600), fired.get(0).at()).toSeconds();
        assertThat(delay).as("3 x the 39 s gaps").isBetween(110.0, 125.0);
        assertThat(fired.get(0).message()).containsPattern("stuck at 36,000 for 1[01]\\d s \\(limit 1[01]\\d s\\)");
    }

    @Test
    void dropFiresOnceAndTheCatchUpAfterItIsNotASpikeAtEveryInterval() {
        // 1000 rows/s; 30% from 1800 s to 2400 s; catch-up at 2x until the backlog (420,000 rows) is done at 2820 s
        LongUnaryOperator rows = t -> {
            long r = 1000 * Math.min(t, 1800);
            if (t > 1800) {
                r += 300 * (Math.min(t, 2400) - 1800);
            }
            if (t > 2400) {
                r += 2000 * (Math.min(t, 2820) - 2400);
            }
            if (t > 2820) {
                r += 1000 * (t - 2820);
            }
            return r;
        };
        for (int interval : new int[] {1, 5, 15, 60}) {
            List<Anomaly> fired = run(monitor(ThroughputBaselineDetector.drops().build(),
                    ThroughputBaselineDetector.spikes().build()), interval, 4000, rows, t -> Double.NaN);
            assertThat(fired).extracting(Anomaly::type).as("interval %d s", interval).containsExactly("throughput_drop");
            double delay = Duration.between(T0.plusSeconds(1800), fired.get(0).at()).toSeconds();
            assertThat(delay).as("window 60 s + fire after 60 s + one interval").isLessThanOrEqualTo(120 + interval);
        }
    }

    @Test
    void lagTrendWarnsOnGrowthAndStaysQuietOnASpikeThatRecovers() {
        for (int interval : new int[] {1, 5, 15, 60}) {
            // growth of 0.5 s/s from 1000 s: 300 s would be crossed at 1600 s
            List<Anomaly> growth = run(monitor(LagTrendDetector.builder().build()), interval, 1700, t -> t * 100,
                    t -> 3 + Math.max(0, t - 1000) * 0.5);
            assertThat(growth).as("growth at %d s", interval).hasSize(1);
            assertThat(growth.get(0).at()).isBefore(T0.plusSeconds(1600));
            // a spike to 250 s in 40 s that drains in 4 minutes
            List<Anomaly> spike = run(monitor(LagTrendDetector.builder().build()), interval, 2000, t -> t * 100,
                    t -> 3 + (t < 1000 ? 0 : t < 1040 ? (t - 1000) * 250.0 / 40 : Math.max(0, 250 - (t - 1040) * 250.0 / 240)));
            assertThat(spike).as("recovering spike at %d s", interval).isEmpty();
        }
    }

    @Test
    void nothingFiresDuringAPlannedPauseAndItIsVisibleInHealth() {
        List<Anomaly> events = new ArrayList<>();
        AnomalyMonitor m = AnomalyMonitor.builder("m").meterRegistry(new SimpleMeterRegistry()).defaultDetectors()
                .detector(LowThroughputDetector.builder(1000).build()).listener(events::add).build();
        long rows = 0;
        for (int t = 0; t <= 3600; t += 5) {
            if (t == 1200) {
                m.pause(T0.plusSeconds(t), "throttled for the nightly backup");
                assertThat(m.healthCheck().check().details()).containsEntry("paused", "throttled for the nightly backup");
                assertThat(m.healthCheck().check().status()).isEqualTo(HealthStatus.UP);
            }
            if (t == 1800) {
                m.resume(T0.plusSeconds(t));
            }
            // 1000 rows/s, nothing during the pause, then 2x until the backlog is caught up (2400 s)
            rows += t > 1200 && t <= 1800 ? 0 : t > 1800 && t <= 2400 ? 10_000 : 5_000;
            m.sample(Sample.of(T0.plusSeconds(t), rows, 0, 2.0));
        }
        assertThat(events).as("no anomaly during the pause nor for the catch-up after it").isEmpty();
        assertThat(m.paused()).isEmpty();
        assertThat(m.healthCheck().check().details()).doesNotContainKey("paused");
    }

    @Test
    void aPauseResolvesWhatWasFiringWithTheReason() {
        List<Anomaly> events = new ArrayList<>();
        AnomalyMonitor m = AnomalyMonitor.builder("m").meterRegistry(new SimpleMeterRegistry())
                .detector(StallDetector.builder().build()).listener(events::add).build();
        for (int t = 0; t <= 120; t += 5) {
            m.sample(Sample.of(T0.plusSeconds(t), t < 30 ? t * 10 : 300, 0));
        }
        assertThat(m.active()).hasSize(1);
        m.pause(T0.plusSeconds(121), "maintenance window");
        assertThat(events.get(events.size() - 1).message()).isEqualTo("stall resolved: planned pause (maintenance window)");
        assertThat(m.active()).isEmpty();
    }

    @Test
    void seasonalBaselineLearnsANightlySlowdownThatHappensEveryDay() {
        // 1000 rows/s, 300 rows/s every day from 02:00 to 04:00 (a nightly job), three days, 60 s samples
        LongUnaryOperator rows = t -> {
            long r = 0;
            for (long s = 0; s < t; s += 60) {
                long hour = (s % 86_400) / 3600;
                r += (hour >= 2 && hour < 4 ? 300 : 1000) * 60;
            }
            return r;
        };
        long[] cumulative = new long[3 * 1440 + 1];
        for (int k = 1; k < cumulative.length; k++) {
            long s = (k - 1) * 60L;
            long hour = (s % 86_400) / 3600;
            cumulative[k] = cumulative[k - 1] + (hour >= 2 && hour < 4 ? 300 : 1000) * 60;
        }
        LongUnaryOperator fast = t -> cumulative[(int) (t / 60)];
        List<Anomaly> plain = run(monitor(ThroughputBaselineDetector.drops().autoSeasonal(false).build()), 60, 3 * 86_400,
                fast, t -> Double.NaN);
        List<Anomaly> auto = run(monitor(ThroughputBaselineDetector.drops().build()), 60, 3 * 86_400, fast, t -> Double.NaN);
        List<Anomaly> seasonal = run(monitor(ThroughputBaselineDetector.drops().seasonal(Duration.ofDays(1), 24).build()),
                60, 3 * 86_400, fast, t -> Double.NaN);
        assertThat(plain).as("without seasons: every night is a drop").hasSize(3);
        assertThat(seasonal).as("with a daily season: only the first night, before it was learned").hasSize(1);
        // the default finds the period by itself once two days are stored: the third night is quiet
        assertThat(auto).as("default (automatic seasonal baseline): the first two nights").hasSize(2);
        assertThat(rows.applyAsLong(120)).isEqualTo(fast.applyAsLong(120));
    }

    @Test
    void irregularSpacingGivesTheSameVerdicts() {
        // 1,000 rows/s committed every 2 s; 30% from 1800 s to 2700 s; stalled from 3600 s to 4200 s;
        // samples 1 to 60 s apart at random (late scrapes, host GC pauses)
        LongUnaryOperator rows = t -> {
            long r = 0;
            long c = t - t % 2;
            r += 1000 * Math.min(c, 1800);
            r += c > 1800 ? 300 * (Math.min(c, 2700) - 1800) : 0;
            r += c > 2700 ? 1000 * (Math.min(c, 3600) - 2700) : 0;
            r += c > 4200 ? 1000 * (c - 4200) : 0;
            return r;
        };
        java.util.Random random = new java.util.Random(7);
        AnomalyMonitor m = monitor(StallDetector.builder().build(), ThroughputBaselineDetector.drops().build(),
                ThroughputBaselineDetector.spikes().build());
        List<Anomaly> fired = new ArrayList<>();
        int t = 0;
        while (t <= 5400) {
            for (Anomaly a : m.sample(Sample.of(T0.plusSeconds(t), rows.applyAsLong(t), 0))) {
                if (a.firing()) {
                    fired.add(a);
                }
            }
            t += 1 + random.nextInt(60);
        }
        // the stall is also a drop (to zero); nothing else fires, the catch-up-free recoveries are no spikes
        assertThat(fired).extracting(Anomaly::type).containsExactly("throughput_drop", "stall", "throughput_drop");
        assertThat(Duration.between(T0, fired.get(0).at()).toSeconds()).isBetween(1800L + 30, 1800L + 120 + 60);
        assertThat(Duration.between(T0, fired.get(1).at()).toSeconds()).isBetween(3600L + 55, 3600L + 60 + 60 + 2);
        assertThat(Duration.between(T0, fired.get(2).at()).toSeconds()).isBetween(3600L + 30, 3600L + 120 + 60);
    }
}
