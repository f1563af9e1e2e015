package io.migmon.core.anomaly.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The ETA evaluation on the tuning seeds ({@link EtaEvaluation#TUNING} and the retired
 * {@link EtaEvaluation#RETIRED_HELD_OUT}, {@link EtaEvaluation#RETIRED_HELD_OUT_2},
 * {@link EtaEvaluation#RETIRED_HELD_OUT_3}, {@link EtaEvaluation#RETIRED_HELD_OUT_4},
 * {@link EtaEvaluation#RETIRED_HELD_OUT_5}, {@link EtaEvaluation#RETIRED_HELD_OUT_6},
 * {@link EtaEvaluation#RETIRED_HELD_OUT_7}, {@link EtaEvaluation#RETIRED_HELD_OUT_8},
 * {@link EtaEvaluation#RETIRED_HELD_OUT_9}: 100 seeds per scenario), the only ones looked at
 * while choosing the rate model's constants. The spent sets {@link EtaEvaluation#RETIRED_HELD_OUT_10},
 * {@link EtaEvaluation#RETIRED_HELD_OUT_11} and {@link EtaEvaluation#SPENT_HELD_OUT_12} are left out since the
 * thirteenth version (they choose nothing). Prints the table; asserts nothing. Excluded from the default build
 * (tag {@code benchmark}); run with {@code mvn -B -pl migmon-core test -Dexcluded.groups= -Dgroups=benchmark -Dtest=EtaTuningRun}.
 */
@Tag("benchmark")
class EtaTuningRun {

    @Test
    void tuningSeeds() throws IOException {
        // -Deta.scenarios=ramp,steady and -Deta.intervals=5,60 restrict the run (quicker tuning loops)
        String[] scenarios = System.getProperty("eta.scenarios", String.join(",", EtaEvaluation.SCENARIOS)).split(",");
        int[] intervals = java.util.Arrays.stream(System.getProperty("eta.intervals", "5,1,60").split(","))
                .mapToInt(Integer::parseInt).toArray();
        String table = EtaEvaluation.markdown(
                EtaEvaluation.run(scenarios, intervals, 10, EtaEvaluation.TUNING, EtaEvaluation.RETIRED_HELD_OUT,
                        EtaEvaluation.RETIRED_HELD_OUT_2, EtaEvaluation.RETIRED_HELD_OUT_3,
                        EtaEvaluation.RETIRED_HELD_OUT_4, EtaEvaluation.RETIRED_HELD_OUT_5,
                        EtaEvaluation.RETIRED_HELD_OUT_6, EtaEvaluation.RETIRED_HELD_OUT_7,
                        EtaEvaluation.RETIRED_HELD_OUT_8, EtaEvaluation.RETIRED_HELD_OUT_9), 100);
        Path out = Path.of("target", "eta-evaluation-tuning.md");
        Files.createDirectories(out.getParent());
        Files.writeString(out, table);
        System.out.println(table);
    }
}
