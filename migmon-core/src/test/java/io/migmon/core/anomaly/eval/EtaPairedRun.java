package io.migmon.core.anomaly.eval;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The fourteenth round's measurement (issue 12: is the cold start's loss to the cumulative average chance or
 * systematic?): the ETA evaluation on many seeds per cell with the paired comparison of {@link EtaPairedStats}.
 * Excluded from the default build (tag {@code benchmark}: {@value EtaEvaluation#HELD_OUT_14_SEEDS} seeds per cell take
 * minutes); run with {@code mvn -B -o -pl migmon-core test -Dexcluded.groups= -Dgroups=benchmark -Dtest=EtaPairedRun#...}.
 */
@Tag("benchmark")
class EtaPairedRun {

    /**
     * Tuning seeds only ({@link EtaEvaluation#TUNING}..; {@code -Deta.seeds=N}, default 2): for timing the harness and
     * checking the statistic, never for a report.
     */
    @Test
    void tuningSeeds() throws IOException {
        int seeds = Integer.getInteger("eta.seeds", 2);
        write("tuning", EtaEvaluation.TUNING, seeds);
    }

    /**
     * The held-out run of the fourteenth round: {@link EtaEvaluation#HELD_OUT_14}, run once for the report on
     * 2026-11-28 04:15 UTC (docs/anomaly-detection.md) and spent since; the run is deterministic, so re-running it
     * reproduces the reported tables.
     */
    @Test
    void heldOut14() throws IOException {
        write("held-out-14", EtaEvaluation.HELD_OUT_14, EtaEvaluation.HELD_OUT_14_SEEDS);
    }

    private static void write(String name, long firstSeed, int seeds) throws IOException {
        long start = System.nanoTime();
        var result = EtaEvaluation.run(seeds, firstSeed);
        String table = EtaEvaluation.markdown(result, seeds);
        String paired = EtaPairedStats.markdown(EtaPairedStats.compare(result, EtaEvaluation.INTERVALS));
        StringBuilder rec = new StringBuilder("\n| scenario | seeds back within 15% later than 30 s after the event "
                + "| median | 90th percentile | worst |\n|---|---|---|---|---|\n");
        for (var sc : result.entrySet()) {
            var e = sc.getValue().get("migmon");
            if (e.recoveries.isEmpty()) {
                continue;
            }
            double[] r = e.recoveries.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            rec.append(String.format(Locale.ROOT, "| %s | %d of %d | %.0f s | %.0f s | %.0f s |%n", sc.getKey(),
                    java.util.Arrays.stream(r).filter(x -> x > 30).count(), r.length, r[r.length / 2],
                    r[(int) Math.ceil(0.9 * r.length) - 1], r[r.length - 1]));
        }
        String out = table + "\n" + paired + rec + String.format(Locale.ROOT, "%nseeds %d.. x %d per cell, %.1f s%n",
                firstSeed, seeds, (System.nanoTime() - start) / 1e9);
        Path file = Path.of("target", "eta-evaluation-" + name + ".md");
        Files.createDirectories(file.getParent());
        Files.writeString(file, out);
        System.out.println(out);
    }
}
