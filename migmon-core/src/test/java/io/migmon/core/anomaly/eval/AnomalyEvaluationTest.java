package io.migmon.core.anomaly.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.migmon.core.anomaly.AnomalyDetector;
import io.migmon.core.anomaly.ErrorRateDetector;
import io.migmon.core.anomaly.LagTrendDetector;
import io.migmon.core.anomaly.LowThroughputDetector;
import io.migmon.core.anomaly.StallDetector;
import io.migmon.core.anomaly.ThroughputBaselineDetector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shipped evaluation: every built-in detector with its default settings on the labeled traces of
 * {@link TraceGenerator#shipped()}. Fails when a detector's F1 drops below the figure reported in
 * docs/anomaly-detection.md, or when any detector fires on a healthy trace. Writes the table to
 * {@code target/anomaly-evaluation.md}.
 */
class AnomalyEvaluationTest {

    /** The F1 figures reported in docs/anomaly-detection.md; the test fails when a detector scores lower. */
    static final Map<String, Double> REPORTED_F1 = Map.of(
            LowThroughputDetector.TYPE, 1.000,
            ThroughputBaselineDetector.DROP, 0.933,
            ThroughputBaselineDetector.SPIKE, 0.970,
            ErrorRateDetector.TYPE, 0.984,
            StallDetector.TYPE, 1.000,
            LagTrendDetector.TYPE, 0.941);

    static List<LabeledTrace> traces;

    @BeforeAll
    static void generate() {
        traces = TraceGenerator.shipped();
    }

    /** The detectors as shipped; only the expected rate of the seed rule is set (it is the host's to know). */
    static List<Function<LabeledTrace, AnomalyDetector>> detectors() {
        return List.of(
                t -> LowThroughputDetector.builder(t.nominalRate()).build(),
                t -> ThroughputBaselineDetector.drops().build(),
                t -> ThroughputBaselineDetector.spikes().build(),
                t -> ErrorRateDetector.builder().build(),
                t -> StallDetector.builder().build(),
                t -> LagTrendDetector.builder().build());
    }

    @Test
    void everyDetectorMeetsItsReportedF1WithoutFalseAlertsOnHealthyTraces() throws IOException {
        Map<String, Scorer.Score> scores = new LinkedHashMap<>();
        StringBuilder table = new StringBuilder(Scorer.Score.markdownHeader()).append('\n');
        for (Function<LabeledTrace, AnomalyDetector> d : detectors()) {
            Scorer.Score s = Scorer.score(d, traces);
            scores.put(s.type(), s);
            table.append(s.markdownRow()).append('\n');
        }
        Path out = Path.of("target", "anomaly-evaluation.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
        System.out.println(table);
        for (Scorer.Score s : scores.values()) {
            assertThat(s.healthyFalsePositives()).as("false alerts of %s on healthy traces", s.type()).isZero();
            assertThat(s.f1()).as("F1 of %s (reported in docs/anomaly-detection.md)", s.type())
                    .isGreaterThanOrEqualTo(REPORTED_F1.get(s.type()) - 0.0005);
            assertThat(s.f1()).as("F1 of %s: the issue's target", s.type()).isGreaterThanOrEqualTo(0.9);
        }
    }

    /**
     * Held-out seeds the defaults were not tuned on: the table is reported in docs/anomaly-detection.md as it comes
     * out; asserted are the targets: F1 >= 0.9 and no false alert on the steady and noisy traces.
     */
    @Test
    void heldOutSeeds() throws IOException {
        List<LabeledTrace> heldOut = TraceGenerator.heldOut();
        List<LabeledTrace> steadyAndNoisy = heldOut.stream()
                .filter(t -> t.scenario().equals("steady") || t.scenario().equals("noisy")).toList();
        StringBuilder table = new StringBuilder(Scorer.Score.markdownHeader()).append('\n');
        for (Function<LabeledTrace, AnomalyDetector> d : detectors()) {
            Scorer.Score s = Scorer.score(d, heldOut);
            table.append(s.markdownRow()).append('\n');
            assertThat(Scorer.score(d, steadyAndNoisy).falsePositives())
                    .as("false alerts of %s on held-out steady and noisy traces", s.type()).isZero();
            assertThat(s.f1()).as("held-out F1 of %s", s.type()).isGreaterThanOrEqualTo(0.9);
        }
        Path out = Path.of("target", "anomaly-evaluation-held-out.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
        System.out.println(table);
    }

    @Test
    void tracesAreReproducible() {
        LabeledTrace a = TraceGenerator.generate("noisy", 11);
        LabeledTrace b = TraceGenerator.generate("noisy", 11);
        assertThat(a.samples()).isEqualTo(b.samples());
        assertThat(TraceGenerator.generate("stalls", 11).windows()).hasSize(2);
    }
}
