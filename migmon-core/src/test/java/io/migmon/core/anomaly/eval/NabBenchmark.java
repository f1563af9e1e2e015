package io.migmon.core.anomaly.eval;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.anomaly.Anomaly;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.anomaly.Sample;
import io.migmon.core.anomaly.ThroughputBaselineDetector;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The rate detectors on the Numenta Anomaly Benchmark (NAB) series of counts: each CSV row ({@code timestamp,value},
 * a count per 5 minutes) becomes a {@link Sample} whose cumulative rows grow by the value. The NAB data is not in the
 * repository (its license): point {@code -Dmigmon.nab.dir} at a copy laid out like the NAB repository
 * ({@code data/<category>/<file>.csv}, {@code labels/combined_windows.json}); without it the test is skipped with the
 * reason. Run with {@code mvn -B -pl migmon-core test -Dexcluded.groups= -Dgroups=benchmark -Dtest=NabBenchmark
 * -Dmigmon.nab.dir=/work/nab}.
 *
 * <p><b>Settings.</b> A stream sampled every 5 minutes is configured as a user would for a slow stream: every default
 * duration of {@link ThroughputBaselineDetector} scaled by 15 (window 15 min = 3 rows, memory 75 min, warm-up 75 min,
 * relearn after 7.5 h, fire after 15 min, clear after 30 min); a second run adds the daily seasonal baseline (24
 * hourly slots).
 *
 * <p><b>Scores.</b> Window-based: a labelled window is detected when a firing of {@code throughput_drop} or
 * {@code throughput_spike} falls in it; a firing in no window, or a second one in a window, is a false positive;
 * false alerts per day. And the NAB standard profile (A_TP 1, A_FP -0.11, A_FN -1, scaled sigmoid of the position in
 * the window, normalised so that the detector that never fires scores 0 and a perfect one 100), computed here from
 * the firings (NAB's own scorer also drops detections inside the probationary first 15% of a file; done here too).
 */
@Tag("benchmark")
class NabBenchmark {

    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS]");

    record Series(String key, List<Instant> at, List<Double> value) {
    }

    record Window(Instant start, Instant end) {
    }

    @Test
    void rateDetectorsOnNab() throws IOException {
        String dirName = System.getProperty("migmon.nab.dir");
        Path dir = dirName == null ? null : Path.of(dirName);
        String reason = dir == null ? "-Dmigmon.nab.dir is not set (NAB data is not shipped: license)"
                : !Files.isRegularFile(dir.resolve("labels/combined_windows.json")) ? dir + "/labels/combined_windows.json is missing"
                : null;
        if (reason != null) {
            System.out.println("NabBenchmark skipped: " + reason);
        }
        assumeTrue(reason == null, reason);
        Map<String, List<Window>> windows = windows(Files.readString(dir.resolve("labels/combined_windows.json")));
        List<Series> series = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir.resolve("data"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".csv")).sorted().toList()) {
                String key = dir.resolve("data").relativize(f).toString().replace('\\', '/');
                if (windows.containsKey(key)) {
                    series.add(read(key, f));
                }
            }
        }
        StringBuilder out = new StringBuilder("| series | days | windows | setting | TP | FP | precision | recall | F1 "
                + "| false alerts / day | NAB standard score | never fires |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (boolean seasonal : new boolean[] {false, true}) {
            double[] total = new double[5]; // tp, fp, fn, days, nab raw... (summed per file below)
            double rawSum = 0;
            double perfectSum = 0;
            double nullSum = 0;
            for (Series s : series) {
                List<Window> w = windows.get(s.key());
                List<Instant> fired = fire(s, seasonal);
                int[] c = windowScore(s, w, fired);
                double days = Duration.between(s.at().get(0), s.at().get(s.at().size() - 1)).toMinutes() / 1440.0;
                double[] nab = nabScore(s, w, fired);
                total[0] += c[0];
                total[1] += c[1];
                total[2] += c[2];
                total[3] += days;
                rawSum += nab[0];
                perfectSum += nab[1];
                nullSum += nab[2];
                out.append(row(s.key(), days, w.size(), seasonal, c[0], c[1], c[2], nab));
            }
            double norm = 100 * (rawSum - nullSum) / (perfectSum - nullSum);
            out.append(row("all", total[3], (int) (total[0] + total[2]), seasonal, (int) total[0], (int) total[1],
                    (int) total[2], new double[] {rawSum, perfectSum, nullSum, norm}));
        }
        Path report = Path.of("target", "nab-evaluation.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, out);
        System.out.println(out);
    }

    private static String row(String key, double days, int windows, boolean seasonal, int tp, int fp, int fn, double[] nab) {
        double p = tp + fp == 0 ? 1 : (double) tp / (tp + fp);
        double r = tp + fn == 0 ? 1 : (double) tp / (tp + fn);
        double f1 = p + r == 0 ? 0 : 2 * p * r / (p + r);
        return String.format(Locale.ROOT, "| %s | %.1f | %d | %s | %d | %d | %.3f | %.3f | %.3f | %.2f | %.1f | 0.0 |%n", key, days,
                windows, seasonal ? "scaled x15 + daily seasonal" : "scaled x15", tp, fp, p, r, f1, fp / days, nab[3]);
    }

    static List<Instant> fire(Series s, boolean seasonal) {
        List<Instant> fired = new ArrayList<>();
        ThroughputBaselineDetector.Builder drops = scaled(ThroughputBaselineDetector.drops());
        ThroughputBaselineDetector.Builder spikes = scaled(ThroughputBaselineDetector.spikes());
        if (seasonal) {
            drops.seasonal(Duration.ofDays(1), 24);
            spikes.seasonal(Duration.ofDays(1), 24);
        }
        AnomalyMonitor m = AnomalyMonitor.builder("nab").meterRegistry(new SimpleMeterRegistry())
                .detector(drops.build()).detector(spikes.build()).listener(a -> { }).build();
        long rows = 0;
        for (int i = 0; i < s.at().size(); i++) {
            rows += Math.max(0, Math.round(s.value().get(i)));
            for (Anomaly a : m.sample(Sample.of(s.at().get(i), rows, 0, Double.NaN))) {
                if (a.firing()) {
                    fired.add(a.at());
                }
            }
        }
        return fired;
    }

    private static ThroughputBaselineDetector.Builder scaled(ThroughputBaselineDetector.Builder b) {
        return b.window(Duration.ofMinutes(15)).memory(Duration.ofMinutes(75)).warmUp(Duration.ofMinutes(75))
                .relearnAfter(Duration.ofMinutes(450)).fireAfter(Duration.ofMinutes(15)).clearAfter(Duration.ofMinutes(30));
    }

    /** TP, FP, FN of one file (window-based). */
    static int[] windowScore(Series s, List<Window> windows, List<Instant> fired) {
        boolean[] hit = new boolean[windows.size()];
        int fp = 0;
        for (Instant t : fired) {
            boolean counted = false;
            for (int k = 0; k < windows.size(); k++) {
                Window w = windows.get(k);
                if (!t.isBefore(w.start()) && !t.isAfter(w.end()) && !hit[k]) {
                    hit[k] = true;
                    counted = true;
                    break;
                }
            }
            fp += counted ? 0 : 1;
        }
        int tp = 0;
        for (boolean h : hit) {
            tp += h ? 1 : 0;
        }
        return new int[] {tp, fp, windows.size() - tp};
    }

    private static double sigma(double y) {
        return 2 / (1 + Math.exp(5 * y)) - 1;
    }

    /** NAB standard profile for one file: raw score, perfect score, null (never fires) score, normalised. */
    static double[] nabScore(Series s, List<Window> windows, List<Instant> fired) {
        double aTp = 1.0;
        double aFp = -0.11;
        double aFn = -1.0;
        Instant probationEnd = s.at().get((int) Math.min(s.at().size() - 1, Math.floor(0.15 * s.at().size())));
        double raw = 0;
        boolean[] hit = new boolean[windows.size()];
        for (Instant t : fired) {
            if (t.isBefore(probationEnd)) {
                continue;
            }
            int inside = -1;
            int before = -1;
            for (int k = 0; k < windows.size(); k++) {
                Window w = windows.get(k);
                if (!t.isBefore(w.start()) && !t.isAfter(w.end())) {
                    inside = k;
                } else if (w.end().isBefore(t)) {
                    before = k;
                }
            }
            if (inside >= 0) {
                if (!hit[inside]) {
                    hit[inside] = true;
                    Window w = windows.get(inside);
                    double len = Duration.between(w.start(), w.end()).toSeconds();
                    double y = (Duration.between(w.start(), t).toSeconds() - len) / len; // -1 at the start, 0 at the end
                    raw += aTp * sigma(y);
                }
            } else if (before >= 0) {
                Window w = windows.get(before);
                double len = Duration.between(w.start(), w.end()).toSeconds();
                double y = Duration.between(w.end(), t).toSeconds() / len;
                raw += -aFp * sigma(y); // sigma < 0 after the window: a penalty, smaller right after it
            } else {
                raw += aFp;
            }
        }
        for (boolean h : hit) {
            raw += h ? 0 : aFn;
        }
        double perfect = windows.size() * aTp * sigma(-1);
        double none = windows.size() * aFn;
        return new double[] {raw, perfect, none, perfect == none ? 0 : 100 * (raw - none) / (perfect - none)};
    }

    static Series read(String key, Path f) throws IOException {
        List<Instant> at = new ArrayList<>();
        List<Double> value = new ArrayList<>();
        for (String line : Files.readAllLines(f)) {
            String[] c = line.split(",");
            if (c.length < 2 || c[0].startsWith("timestamp")) {
                continue;
            }
            at.add(LocalDateTime.parse(c[0].trim(), TS).toInstant(ZoneOffset.UTC));
            value.add(Double.parseDouble(c[1].trim()));
        }
        return new Series(key, at, value);
    }

    /** combined_windows.json: {"category/file.csv": [["start", "end"], ...], ...}. */
    static Map<String, List<Window>> windows(String json) {
        Map<String, List<Window>> out = new LinkedHashMap<>();
        Matcher file = Pattern.compile("\"([^\"]+\\.csv)\"\\s*:\\s*\\[\\s*\\]|\"([^\"]+\\.csv)\"\\s*:\\s*\\[(.*?)\\]\\s*\\]",
                Pattern.DOTALL).matcher(json);
        Pattern pair = Pattern.compile("\\[\\s*\"([^\"]+)\"\\s*,\\s*\"([^\"]+)\"\\s*");
        while (file.find()) {
            List<Window> w = new ArrayList<>();
            if (file.group(1) != null) {
                out.put(file.group(1), w);
            } else {
                Matcher p = pair.matcher(file.group(3) + "]");
                while (p.find()) {
                    w.add(new Window(LocalDateTime.parse(p.group(1).trim(), TS).toInstant(ZoneOffset.UTC),
                            LocalDateTime.parse(p.group(2).trim(), TS).toInstant(ZoneOffset.UTC)));
                }
                out.put(file.group(2), w);
            }
        }
        return out;
    }
}
