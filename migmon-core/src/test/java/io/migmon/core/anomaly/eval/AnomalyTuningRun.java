package io.migmon.core.anomaly.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The evaluation on the TUNING seeds, the only ones looked at while choosing defaults. Prints the table and the
 * causes of false alerts; asserts nothing. Excluded from the default build (tag {@code benchmark}); run with
 * {@code mvn -B -pl migmon-core test -Dexcluded.groups= -Dgroups=benchmark -Dtest=AnomalyTuningRun}.
 */
@Tag("benchmark")
class AnomalyTuningRun {

    @Test
    void tuningSeeds() throws IOException {
        StringBuilder sb = new StringBuilder();
        if (System.getProperty("etaOnly") == null) {
            sb.append(detectors());
        }
        sb.append("\n").append(EtaEvaluation.markdown(EtaEvaluation.run(EtaEvaluation.TUNING, 10), 10));
        Path out = Path.of("target", "anomaly-evaluation-tuning.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, sb);
        System.out.println(sb);
    }

    private static String detectors() {
        Evaluation.Result result = Evaluation.run(Evaluation.TUNING);
        StringBuilder sb = new StringBuilder(result.markdown());
        for (String type : Evaluation.TYPES) {
            for (int interval : Evaluation.INTERVALS) {
                var causes = Evaluation.falsePositiveCauses(Evaluation.TUNING, type, interval);
                if (!causes.isEmpty()) {
                    sb.append(type).append(" @").append(interval).append("s: ").append(causes).append('\n');
                }
            }
        }
        return sb.toString();
    }
}
