package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sampled every minute, one sample is one window of evidence (issue 12, the attack at 60 s): it must not fire a
 * detector alone, while real anomalies are still found within the windows plus one interval.
 */
class SixtySecondVerdictsTest {

    private static final Instant T0 = Instant.parse("2026-03-02T00:00:00Z");

    private static Sample at(double seconds, long rows, double lag) {
        return Sample.of(T0.plusMillis(Math.round(seconds * 1000)), rows, 0, lag);
    }

    /** A custom detector told what to answer, with fireAfter 60 s. */
    private static final class Scripted implements AnomalyDetector {
        Condition next = Condition.NORMAL;

        @Override public String type() { return "scripted"; }
        @Override public String metric() { return "m"; }
        @Override public Severity severity() { return Severity.WARNING; }
        @Override public Duration fireAfter() { return Duration.ofSeconds(60); }
        @Override public Duration clearAfter() { return Duration.ZERO; }
        @Override public Condition evaluate(Sample sample) { return next; }
        @Override public double value() { return 0; }
        @Override public double threshold() { return 0; }
        @Override public String describe(boolean firing) { return "scripted"; }
        @Override public AnomalyDetector fresh() { return this; }
    }

    @Test
    void oneAbnormalSampleSixtySecondsAfterTheLastDoesNotCoverFireAfterAloneTheSecondDoes() {
        Scripted d = new Scripted();
        AnomalyMonitor m = AttackHarness.monitor(d);
        m.sample(at(0, 0, 1));
        d.next = AnomalyDetector.Condition.ABNORMAL;
        assertThat(m.sample(at(60, 0, 1))).as("one sample, 60 s of one window").isEmpty();
        assertThat(m.sample(at(120, 0, 1))).extracting(Anomaly::type).containsExactly("scripted");
    }

    @Test
    void atOneSecondTheTimedRuleIsUnchanged() {
        Scripted d = new Scripted();
        AnomalyMonitor m = AttackHarness.monitor(d);
        m.sample(at(0, 0, 1));
        d.next = AnomalyDetector.Condition.ABNORMAL;
        List<Anomaly> fired = new ArrayList<>();
        for (int t = 1; t <= 60; t++) {
            fired.addAll(m.sample(at(t, 0, 1)));
        }
        assertThat(fired).extracting(Anomaly::at).containsExactly(T0.plusSeconds(60));
    }

    @Test
    void aStreamThatCommitsOnceAMinuteIsNotADropWhenOneMinuteHasNoCommitButItsRealDropIs() {
        // 60 rows once a minute (1 row/s), committed at 30 s past each minute, sampled on the minute. One commit
        // comes 40 s late (a GC pause): the minute before it shows no rows, the next one two commits
        double late = 3 * 3600 + 1800 - 30;
        java.util.function.DoubleToLongFunction rows = t -> {
            long n = (long) Math.floor((t - 30) / 60) + 1; // commits at 30, 90, 150, ...
            if (t >= late && t < late + 40) {
                n--;
            }
            return 60 * Math.max(0, n);
        };
        AnomalyMonitor m = AttackHarness.monitor(ThroughputBaselineDetector.drops().build(),
                ThroughputBaselineDetector.spikes().build());
        List<Anomaly> fired = new ArrayList<>();
        for (double t = 0; t < 4 * 3600; t += 60) {
            fired.addAll(m.sample(at(t, rows.applyAsLong(t), Double.NaN)).stream().filter(Anomaly::firing).toList());
        }
        assertThat(fired).as("one empty minute, one double minute").isEmpty();

        // the same stream, dropping to 30% (20 rows a minute) for 10 minutes: found within window + fireAfter + 60 s
        AnomalyMonitor m2 = AttackHarness.monitor(ThroughputBaselineDetector.drops().build());
        double dropAt = 3 * 3600 + 10;
        List<Anomaly> drops = new ArrayList<>();
        long done = 0;
        for (double t = 0; t < 4 * 3600; t += 60) {
            boolean dropping = t > dropAt && t <= dropAt + 600;
            done += dropping ? 18 : 60;
            drops.addAll(m2.sample(at(t, done, Double.NaN)).stream().filter(Anomaly::firing).toList());
        }
        assertThat(drops).extracting(Anomaly::type).containsExactly("throughput_drop");
        assertThat(Duration.between(T0.plusMillis(Math.round(dropAt * 1000)), drops.get(0).at()).toSeconds())
                .isLessThanOrEqualTo(60 + 60 + 60);
    }

    @Test
    void aLagSpikeSeenByTwoSamplesAtSixtySecondsIsNotATrend() {
        // sampled every ~60 s: a flat lag, then a spike seen by two samples (a jump to 169 s, then 168 s: topping
        // out), then its recovery. Before: both samples were abnormal and, 122 s apart, covered fireAfter (120 s)
        double[][] points = {{2163, 5.2}, {2226, 5.0}, {2309, 5.1}, {2365, 5.2}, {2426, 169.0}, {2487, 167.6},
            {2551, 43.1}, {2614, 5.1}, {2668, 5.1}, {2730, 5.0}};
        // and a spike whose second sample still rises a little (154 s, then 168 s), then recovers
        double[][] second = {{3893, 5.1}, {3949, 5.5}, {4014, 153.9}, {4072, 168.0}, {4130, 102.8}, {4195, 32.4},
            {4250, 5.7}, {4310, 5.2}};
        AnomalyMonitor m = AttackHarness.monitor(LagTrendDetector.builder().build());
        List<Anomaly> fired = new ArrayList<>();
        for (double t = 0; t < 2100; t += 60) {
            m.sample(at(t, (long) t, 5));
        }
        for (double[] p : points) {
            fired.addAll(m.sample(at(p[0], (long) p[0], p[1])));
        }
        for (double t = 2790; t < 3850; t += 60) {
            m.sample(at(t, (long) t, 5));
        }
        for (double[] p : second) {
            fired.addAll(m.sample(at(p[0], (long) p[0], p[1])));
        }
        assertThat(fired).isEmpty();
    }

    @Test
    void realLagGrowthSampledEveryMinuteIsStillFound() {
        // 0.5 s/s from 3600 s, sampled every 60 s: the limit of 300 s is crossed after 600 s; warned before that
        for (double perSecond : new double[] {0.3, 0.5, 2}) {
            AnomalyMonitor m = AttackHarness.monitor(LagTrendDetector.builder().build());
            List<Anomaly> fired = new ArrayList<>();
            for (double t = 0; t < 3600 + 1500; t += 60) {
                double lag = 3 + Math.max(0, t - 3600) * perSecond;
                fired.addAll(m.sample(at(t, (long) t, lag)));
            }
            assertThat(fired).as("%s s/s", perSecond).hasSize(1);
            double crossing = 3600 + 297 / perSecond;
            assertThat(Duration.between(T0.plusSeconds(3600), fired.get(0).at()).toSeconds()).as("%s s/s", perSecond)
                    .isLessThanOrEqualTo((long) Math.max(300 + 120 + 60, crossing - 3600));
        }
    }

    @Test
    void theRateOfAStreamThatCommitsOnceAMinuteIsMeasuredOverSeveralOfItsGapsAndABusyStreamKeepsTheWindow() {
        ThroughputBaselineDetector quiet = ThroughputBaselineDetector.drops().build();
        ThroughputBaselineDetector busy = ThroughputBaselineDetector.drops().build();
        for (int t = 0; t <= 3600; t++) { // sampled every second
            long quietRows = 60L * ((t + 30) / 60); // 60 rows every 60 s
            long busyRows = 200L * (t / 2); // 200 rows every 2 s
            quiet.evaluate(at(t, quietRows, Double.NaN));
            busy.evaluate(at(t, busyRows, Double.NaN));
        }
        // quiet times of ~59 s seen at 1 s: the rate covers three of them (177 s), not 60 s
        assertThat(quiet.rateWindowSeconds()).isBetween(170.0, 180.0);
        assertThat(quiet.value()).isCloseTo(1.0, org.assertj.core.data.Offset.offset(0.35));
        assertThat(busy.rateWindowSeconds()).isEqualTo(60.0);
    }
}
