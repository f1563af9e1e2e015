package io.migmon.core.anomaly;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Instant;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Per-sample cost of {@link AnomalyMonitor#sample(Sample)} with all six built-in detectors, against a bare loop that
 * builds the same samples, in the same JVM run. Excluded from the default build; run with
 * {@code mvn -B -pl migmon-core test -Dexcluded.groups= -Dgroups=benchmark -Dtest=AnomalyMonitorBenchmark}.
 */
@Tag("benchmark")
class AnomalyMonitorBenchmark {

    private static final int SAMPLES = 2_000_000;
    private static final int ROUNDS = 7;
    private static final long T0 = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();

    @Test
    void perSampleCostAgainstABareLoop() {
        double[] bare = new double[ROUNDS];
        double[] monitored = new double[ROUNDS];
        long sink = 0;
        for (int r = 0; r < ROUNDS; r++) {
            long t = System.nanoTime();
            sink += bareLoop();
            bare[r] = (System.nanoTime() - t) / (double) SAMPLES;
            t = System.nanoTime();
            sink += monitoredLoop();
            monitored[r] = (System.nanoTime() - t) / (double) SAMPLES;
        }
        // the first two rounds are warm-up
        double b = median(bare);
        double m = median(monitored);
        System.out.printf(Locale.ROOT, "anomaly benchmark: bare loop %.1f ns/sample, monitor with 6 detectors %.1f ns/sample, "
                + "difference %.1f ns/sample (median of rounds 3-%d, %,d samples each; sink %d)%n", b, m, m - b, ROUNDS,
                SAMPLES, sink);
        double[] mr = java.util.Arrays.copyOfRange(monitored, 2, monitored.length);
        double[] br = java.util.Arrays.copyOfRange(bare, 2, bare.length);
        java.util.Arrays.sort(mr);
        java.util.Arrays.sort(br);
        System.out.printf(Locale.ROOT, "anomaly benchmark rounds 3-%d: monitor min/median/max %.1f / %.1f / %.1f ns/sample, "
                + "bare loop %.1f / %.1f / %.1f ns/sample%n", ROUNDS, mr[0], m, mr[mr.length - 1], br[0], b, br[br.length - 1]);
        assertThat(sink).isNotZero();
    }

    private static double median(double[] values) {
        double[] v = java.util.Arrays.copyOfRange(values, 2, values.length);
        java.util.Arrays.sort(v);
        return v[v.length / 2];
    }

    private static long bareLoop() {
        long rows = 0;
        long acc = 0;
        for (int i = 0; i < SAMPLES; i++) {
            rows += 5000 + (i & 7);
            Sample s = Sample.of(Instant.ofEpochMilli(T0 + 5000L * i), rows, i >> 8, 2.0 + (i & 3));
            acc += s.rowsDone() + s.errors() + (long) s.lagSeconds() + s.at().getEpochSecond();
        }
        return acc;
    }

    private static long monitoredLoop() {
        AnomalyMonitor monitor = AnomalyMonitor.builder("bench")
                .meterRegistry(new SimpleMeterRegistry())
                .defaultDetectors()
                .detector(LowThroughputDetector.builder(1000).build())
                .build();
        long rows = 0;
        long acc = 0;
        for (int i = 0; i < SAMPLES; i++) {
            rows += 5000 + (i & 7);
            Sample s = Sample.of(Instant.ofEpochMilli(T0 + 5000L * i), rows, i >> 8, 2.0 + (i & 3));
            acc += s.rowsDone() + s.errors() + (long) s.lagSeconds() + s.at().getEpochSecond();
            acc += monitor.sample(s).size();
        }
        return acc + monitor.active().size();
    }
}
