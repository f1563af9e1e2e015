package io.migmon.core.anomaly.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The evaluation on the TUNING seed sets ({@link Evaluation#TUNING_SETS}), the only ones looked at while choosing defaults. Prints the table and the
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
        if (System.getProperty("detectorsOnly") == null) {
            sb.append("\n").append(EtaEvaluation.markdown(EtaEvaluation.run(EtaEvaluation.TUNING, 10), 10));
        }
        Path out = Path.of("target", "anomaly-evaluation-tuning.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, sb);
        System.out.println(sb);
    }

    private static String detectors() {
        if (System.getProperty("byPart") != null) { // one table per part of the sets (which shapes the alerts come from)
            StringBuilder sb = new StringBuilder();
            for (Evaluation.Part part : Evaluation.PARTS) {
                sb.append("\n").append(part).append("\n")
                        .append(Evaluation.run(java.util.List.of(part), Evaluation.TUNING_SETS).markdown());
            }
            return sb.toString();
        }
        Evaluation.Result result = Evaluation.run(Evaluation.TUNING_SETS);
        StringBuilder sb = new StringBuilder(result.markdown());
        for (String type : Evaluation.TYPES) {
            if (System.getProperty("noCauses") != null) {
                break;
            }
            for (int interval : Evaluation.INTERVALS) {
                var causes = new java.util.TreeMap<String, Integer>();
                for (long set : Evaluation.TUNING_SETS) {
                    Evaluation.falsePositiveCauses(set, type, interval).forEach((c, n) -> causes.merge(c, n, Integer::sum));
                }
                if (!causes.isEmpty()) {
                    sb.append(type).append(" @").append(interval).append("s: ").append(causes).append('\n');
                }
            }
        }
        return sb.toString();
    }
}
