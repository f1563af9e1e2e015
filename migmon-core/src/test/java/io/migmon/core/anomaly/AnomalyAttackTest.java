package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Independent attack on the anomaly detection (issue 12): inputs the project's own tests did not use, judged against
 * what was injected.
 */
class AnomalyAttackTest {

    private static final Instant T0 = Instant.parse("2026-03-02T00:00:00Z");

    private static Sample at(double seconds, long rows, long errors, double lag) {
        return Sample.of(T0.plusMillis(Math.round(seconds * 1000)), rows, errors, lag);
    }

    // ---------------------------------------------------------------- builder misuse: huge durations

    @Test
    void hugeDurationsFailInTheSetterNamingTheField() {
        Duration huge = Duration.ofSeconds(Long.MAX_VALUE);
        assertThatThrownBy(() -> ThroughputBaselineDetector.drops().window(huge))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window");
        assertThatThrownBy(() -> ThroughputBaselineDetector.drops().memory(huge))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("memory");
        assertThatThrownBy(() -> ThroughputBaselineDetector.spikes().fireAfter(huge))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fireAfter");
        assertThatThrownBy(() -> StallDetector.builder().after(huge))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("after");
        assertThatThrownBy(() -> StallDetector.builder().clearAfter(huge))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("clearAfter");
        assertThatThrownBy(() -> LowThroughputDetector.builder(10).warmUp(huge))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("warmUp");
        assertThatThrownBy(() -> ErrorRateDetector.builder().window(huge))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("window");
        assertThatThrownBy(() -> LagTrendDetector.builder().horizon(huge))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("horizon");
        assertThatThrownBy(() -> AnomalyMonitor.builder("m").minSampleSpacing(huge))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("minSampleSpacing");
    }

    @Test
    void longButSensibleDurationsStillBuildAndWork() {
        // a weekly seasonal baseline and day-long settings are legitimate for pipelines that run for weeks
        ThroughputBaselineDetector d = ThroughputBaselineDetector.drops().seasonal(Duration.ofDays(7), 168)
                .relearnAfter(Duration.ofDays(2)).memory(Duration.ofDays(1)).build();
        AnomalyMonitor m = AttackHarness.monitor(d, StallDetector.builder().after(Duration.ofDays(1)).build());
        for (int i = 0; i < 100; i++) {
            assertThat(m.sample(at(i * 60, i * 1000L, 0, Double.NaN))).isEmpty();
        }
    }

    // ---------------------------------------------------------------- infinite / huge values

    @Test
    void anInfiniteLagDoesNotBlindTheLagTrendForTheRestOfTheRun() {
        AnomalyMonitor m = AttackHarness.monitor(LagTrendDetector.builder().build());
        List<Anomaly> fired = new ArrayList<>();
        double t = 0;
        for (; t < 600; t += 5) {
            m.sample(at(t, (long) t * 10, 0, 2));
        }
        // one bad reading (a division by zero in the host's lag computation)
        m.sample(at(t, (long) t * 10, 0, Double.POSITIVE_INFINITY));
        t += 5;
        for (; t < 1200; t += 5) {
            m.sample(at(t, (long) t * 10, 0, 2));
        }
        // then real, linear lag growth of 1 s/s: must be found within window + fireAfter + one interval
        double start = t;
        for (; t < start + 900; t += 5) {
            for (Anomaly a : m.sample(at(t, (long) t * 10, 0, 2 + (t - start)))) {
                if (a.firing()) {
                    fired.add(a);
                }
            }
        }
        assertThat(fired).extracting(Anomaly::type).containsExactly("lag_trend");
        assertThat(Duration.between(T0.plusSeconds((long) start), fired.get(0).at()).toSeconds()).isLessThanOrEqualTo(425);
    }

    // ---------------------------------------------------------------- clock going backwards

    @Test
    void aClockSteppedBackAnHourDoesNotBlindTheMonitorForAnHour() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AnomalyMonitor m = AnomalyMonitor.builder("m").meterRegistry(registry).defaultDetectors().build();
        List<Anomaly> fired = new ArrayList<>();
        long rows = 0;
        double t = 7200;
        for (; t < 9000; t += 5) {
            rows += 500;
            m.sample(at(t, rows, 0, 1));
        }
        // NTP steps the host's clock back one hour; the run keeps going for 5 minutes, then stalls
        t -= 3600;
        double stallAt = t + 300;
        for (double end = t + 1200; t < end; t += 5) {
            if (t < stallAt) {
                rows += 500;
            }
            for (Anomaly a : m.sample(at(t, rows, 0, 1))) {
                if (a.firing()) {
                    fired.add(a);
                }
            }
        }
        assertThat(fired).as("the stall 5 minutes after the clock step").extracting(Anomaly::type).contains("stall");
        Anomaly stall = fired.stream().filter(a -> a.type().equals("stall")).findFirst().orElseThrow();
        assertThat((stall.at().toEpochMilli() - T0.toEpochMilli()) / 1e3 - stallAt).isBetween(55.0, 75.0);
        assertThat(registry.get(io.migmon.core.metrics.MetricCatalog.OBSERVABILITY_FAILURES.name())
                .tag(io.migmon.core.metrics.MetricCatalog.COMPONENT, "anomaly.sample").counter()
                .count()).as("the step is counted").isGreaterThanOrEqualTo(1);
    }

    @Test
    void aSampleAFewMillisecondsOutOfOrderIsStillOnlyDropped() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        AnomalyMonitor m = AnomalyMonitor.builder("m").meterRegistry(registry)
                .detector(StallDetector.builder().build()).build();
        m.sample(at(0, 0, 0, Double.NaN));
        m.sample(at(5, 100, 0, Double.NaN));
        m.sample(at(4.997, 100, 0, Double.NaN)); // a concurrent sampler that lost the race
        List<Anomaly> fired = new ArrayList<>();
        for (double t = 10; t <= 64; t += 5) {
            fired.addAll(m.sample(at(t, 100, 0, Double.NaN)));
        }
        // rows stuck since 5 s: the stall fires at 65 s, not later (the out-of-order sample did not restart anything)
        fired.addAll(m.sample(at(65, 100, 0, Double.NaN)));
        assertThat(fired).extracting(Anomaly::type).containsExactly("stall");
    }

    @Test
    void aStaleSampleFromAHeldUpSamplerDoesNotRestartTheStallClock() {
        AnomalyMonitor m = AttackHarness.monitor(StallDetector.builder().build());
        m.sample(at(0, 0, 0, Double.NaN));
        m.sample(at(5, 100, 0, Double.NaN));
        List<Anomaly> fired = new ArrayList<>();
        for (double t = 10; t <= 64; t += 5) {
            fired.addAll(m.sample(at(t, 100, 0, Double.NaN)));
        }
        // a sampler that read the clock at 6 s was held up for a minute (a slow listener before the monitor)
        fired.addAll(m.sample(at(6, 100, 0, Double.NaN)));
        fired.addAll(m.sample(at(65, 100, 0, Double.NaN)));
        assertThat(fired).extracting(Anomaly::type).containsExactly("stall");
    }

    @Test
    void aPauseDeclaredLateDoesNotResolveBeforeTheAnomalyFired() {
        List<Anomaly> seen = new ArrayList<>();
        AnomalyMonitor m = AnomalyMonitor.builder("m").meterRegistry(new SimpleMeterRegistry())
                .detector(StallDetector.builder().build()).listener(seen::add).build();
        for (double t = 0; t <= 120; t += 5) {
            m.sample(at(t, t < 30 ? (long) t * 10 : 300, 0, Double.NaN)); // rows stop at 25 s: the stall fires at 85 s
        }
        // at 125 s the operator declares that the pause began at 20 s
        m.pause(T0.plusSeconds(20), "replica rebuild");
        assertThat(seen).extracting(Anomaly::state).containsExactly(Anomaly.State.FIRING, Anomaly.State.RESOLVED);
        // before: the resolution was stamped 20 s, a minute before the firing it resolves
        assertThat(seen.get(1).at()).isEqualTo(T0.plusSeconds(120)).isAfterOrEqualTo(seen.get(0).at());
        assertThat(seen.get(1).message()).isEqualTo("stall resolved: planned pause (replica rebuild)");
    }

    // ---------------------------------------------------------------- concurrency

    @Test
    void listenersSeeEventsInTheOrderTheyHappenedWhenSeveralThreadsSample() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch resolvedSampled = new CountDownLatch(1);
        AnomalyMonitor m = AnomalyMonitor.builder("m").meterRegistry(new SimpleMeterRegistry())
                .detector(StallDetector.builder().after(Duration.ofSeconds(10)).build())
                .listener(a -> {
                    if (a.firing()) {
                        try {
                            // the firing thread is slow to deliver (a Slack call); another thread samples meanwhile
                            resolvedSampled.await(2, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    seen.add(a.state().name());
                })
                .build();
        m.sample(at(0, 0, 0, Double.NaN));
        m.sample(at(1, 10, 0, Double.NaN));
        Thread a = new Thread(() -> m.sample(at(12, 10, 0, Double.NaN))); // stall: fires
        a.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (m.active().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        Thread b = new Thread(() -> {
            m.sample(at(13, 20, 0, Double.NaN)); // progress: resolves
            resolvedSampled.countDown();
        });
        b.start();
        a.join(20_000);
        b.join(20_000);
        assertThat(seen).containsExactly("FIRING", "RESOLVED");
    }

    // ---------------------------------------------------------------- pause misuse

    @Test
    void aPauseDeclaredWithAnAncientTimestampDoesNotHideRealSpikesForHours() {
        AnomalyMonitor m = AttackHarness.monitor(ThroughputBaselineDetector.spikes().build());
        long rows = 0;
        double t = 0;
        for (; t < 3600; t += 5) {
            rows += 500; // 100 rows/s
            m.sample(at(t, rows, 0, Double.NaN));
        }
        m.pause(Instant.EPOCH, "maintenance"); // a host bug: an uninitialised Instant
        m.sample(at(t, rows, 0, Double.NaN));
        t += 5;
        m.resume(at(t, 0, 0, 0).at());
        for (double end = t + 1800; t < end; t += 5) {
            rows += 500;
            m.sample(at(t, rows, 0, Double.NaN));
        }
        // a real surge to 4x, half an hour after the 5-second pause
        List<Anomaly> fired = new ArrayList<>();
        double surge = t;
        for (double end = t + 900; t < end; t += 5) {
            rows += 2000;
            fired.addAll(m.sample(at(t, rows, 0, Double.NaN)));
        }
        assertThat(fired).extracting(Anomaly::type).contains("throughput_spike");
        assertThat((fired.get(0).at().toEpochMilli() - T0.toEpochMilli()) / 1e3 - surge).isLessThanOrEqualTo(185);
    }

    @Test
    void aRealSurgeHalfAnHourAfterAnOvernightPauseIsStillASpike() {
        AnomalyMonitor m = AttackHarness.monitor(ThroughputBaselineDetector.spikes().build());
        long rows = 0;
        double t = 0;
        for (; t < 3600; t += 5) {
            rows += 500; // 100 rows/s
            m.sample(at(t, rows, 0, Double.NaN));
        }
        m.pause(at(t, 0, 0, 0).at(), "overnight maintenance window");
        for (double end = t + 10 * 3600; t < end; t += 5) {
            m.sample(at(t, rows, 0, Double.NaN)); // 10 hours paused, sampled as usual
        }
        m.resume(at(t, 0, 0, 0).at());
        for (double end = t + 1800; t < end; t += 5) {
            rows += 500; // back to normal for 30 minutes: no catch-up at all
            m.sample(at(t, rows, 0, Double.NaN));
        }
        List<Anomaly> fired = new ArrayList<>();
        double surge = t;
        for (double end = t + 900; t < end; t += 5) {
            rows += 2000; // a real surge to 4x for 15 minutes
            fired.addAll(m.sample(at(t, rows, 0, Double.NaN)));
        }
        assertThat(fired).extracting(Anomaly::type).contains("throughput_spike");
        assertThat((fired.get(0).at().toEpochMilli() - T0.toEpochMilli()) / 1e3 - surge).isLessThanOrEqualTo(300);
    }

    @Test
    void irregularSamplingAndAHostRestartRaiseNothingOnAHealthyRunAndAStallAfterwardsIsFound() {
        for (double interval : new double[] {0.5, 7, 45}) {
            AttackTrace.Spec spec = new AttackTrace.Spec();
            spec.seed = 7_700_000 + (long) interval;
            spec.seconds = 4 * 3600;
            spec.noiseCv = 0.2;
            spec.stall(12_000, 12_600);
            AttackTrace trace = new AttackTrace(spec);
            double[] schedule = AttackTrace.schedule(spec.seconds, interval, 0.3, 7_800_000);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            List<Anomaly> events = new ArrayList<>();
            AnomalyMonitor m = AnomalyMonitor.builder("m").meterRegistry(registry).defaultDetectors()
                    .listener(events::add).build();
            long offset = 0; // rows done before the host restart, subtracted after it
            long errorOffset = 0;
            for (double t : schedule) {
                if (t >= 3000 && t < 3300) {
                    continue; // the host's sampler missed 5 minutes
                }
                if (t >= 6000 && offset == 0) {
                    offset = trace.rowsAt(t); // the host restarts: its counters start again from 0
                    errorOffset = trace.errorsAt(t);
                }
                Sample s = trace.sampleAt(AttackHarness.T0, t);
                Sample fed = Sample.of(s.at(), s.rowsDone() - offset, s.errors() - errorOffset, s.lagSeconds());
                m.sample(fed);
                m.sample(fed); // the same instant twice (two callers)
                if (t > 9000 && t < 9100) {
                    m.sample(Sample.of(s.at().minusMillis(3), fed.rowsDone(), fed.errors(), fed.lagSeconds()));
                }
            }
            List<Anomaly> fired = events.stream().filter(Anomaly::firing).toList();
            assertThat(fired).as("interval %s s: nothing before the stall", interval).isNotEmpty()
                    .allSatisfy(a -> assertThat(a.at()).isBetween(AttackHarness.T0.plusSeconds(12_000),
                            AttackHarness.T0.plusSeconds(12_600 + 180 + (long) interval)));
            // drop and lag trend come with it (the stall lasts 10 minutes: no rows, the lag grows to 600 s)
            Anomaly stall = fired.stream().filter(a -> a.type().equals("stall")).findFirst().orElseThrow();
            double delay = (stall.at().toEpochMilli() - AttackHarness.T0.toEpochMilli()) / 1e3 - 12_000;
            assertThat(delay).as("interval %s s", interval).isBetween(55.0, 60 + 2 * 1.3 * interval + 5);
        }
    }
}
