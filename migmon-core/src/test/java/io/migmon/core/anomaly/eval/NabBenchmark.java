package io.migmon.core.anomaly.eval;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.anomaly.Anomaly;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.anomaly.Sample;
import io.migmon.core.anomaly.ThroughputBaselineDetector;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
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
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The default {@link AnomalyMonitor} on a subset of the Numenta Anomaly Benchmark (NAB). Asserts nothing: prints and
 * writes {@code target/nab-evaluation.md}. NAB's data is not in the repository (its license): point {@code -Dnab.dir}
 * at a copy laid out like the NAB repository ({@code data/<category>/<file>.csv},
 * {@code labels/combined_windows.json}); without it the run is skipped with the reason. The files and their
 * tuning / held-out halves are fixed in {@code src/test/resources/nab/subset.txt} (committed before any run); a file
 * of the subset missing from the copy is listed as not run. Run with {@code mvn -B -pl migmon-core test
 * -Dexcluded.groups= -Dgroups=benchmark -Dtest=NabBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * -Dnab.dir=/work/nab}.
 *
 * <p><b>Mapping (as a host would feed it).</b> Each CSV row {@code timestamp,value} is one {@link Sample}: the
 * cumulative rows counter grows with the row's value (times 100, rounded, when the file has decimals, e.g. occupancy
 * in %; negative values count 0), errors stay 0 and there is no lag, so {@code high_error_rate} and
 * {@code lag_trend} cannot fire. Three feeds: real timestamps with the value counted once per row (right for counts
 * per bucket); real timestamps with a reading held until the next row (rate-like files only: rows grow by value x
 * time since the previous row / the file's median step, so a gap in the file is not a drop); and one row per 60 s
 * (row i at t0 + 60 i: the gaps vanish and the labelled windows move with their rows). The monitor is
 * {@code AnomalyMonitor.builder(..).defaultDetectors()}, nothing configured. {@link #trace()} prints what the drop
 * and spike detectors saw, sample by sample.
 *
 * <p><b>Scores.</b> A detection is the onset of an alert (the FIRING event: what a receiver is sent), per detector
 * type and for all types together. NAB standard profile (A_TP 1, A_FP -0.11, A_FN -1, scaled sigmoid of the
 * position in or after the window; only the first detection in a window counts; detections in the probationary
 * first 15% of a file are ignored), summed over the files of a half and normalised so that the detector that never
 * fires scores 0 and one that fires at the start of every window 100. By window: a window is detected when an onset
 * falls in it; an onset in no window is a false alert (per day of the file's own clock after the probation). The
 * trivial baseline: a z-score of each row's value against the previous 288 rows, fires when |z| &gt; 4 and re-arms
 * when |z| &lt; 2.
 */
@Tag("benchmark")
class NabBenchmark {

    private static final DateTimeFormatter TS = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSSSSS]");
    static final List<String> TYPES = List.of("throughput_drop", "throughput_spike", "stall", "high_error_rate",
            "lag_trend");
    static final String ALL = "all default detectors";
    static final String BASELINE = "z-score baseline (abs z > 4)";
    static final String NEVER = "never fires";

    record Series(String key, List<Instant> at, List<Double> value) {
    }

    record Window(Instant start, Instant end) {
    }

    record Entry(String half, String key) {
    }

    record Onset(Instant at, String type, String message, int row) {
    }

    /** Sums of one detector over files: raw, perfect and null NAB scores, TP/FN windows, false alerts, days. */
    static final class Tally {
        double raw;
        double perfect;
        double none;
        int tp;
        int fn;
        int fp;
        double days;

        void add(double[] nab, int[] w, double d) {
            raw += nab[0];
            perfect += nab[1];
            none += nab[2];
            tp += w[0];
            fp += w[1];
            fn += w[2];
            days += d;
        }

        double normalised() {
            return perfect == none ? 0 : 100 * (raw - none) / (perfect - none);
        }
    }

    @Test
    void defaultsOnNabSubset() throws IOException {
        String dirName = System.getProperty("nab.dir", System.getProperty("migmon.nab.dir"));
        Path dir = dirName == null ? null : Path.of(dirName);
        String reason = dir == null ? "-Dnab.dir is not set (NAB data is not shipped with migmon: license)"
                : !Files.isRegularFile(dir.resolve("labels/combined_windows.json")) ? dir + "/labels/combined_windows.json is missing"
                : null;
        if (reason != null) {
            System.out.println("NabBenchmark skipped: " + reason);
        }
        assumeTrue(reason == null, reason);
        Map<String, List<Window>> labels = windows(Files.readString(dir.resolve("labels/combined_windows.json")));
        StringBuilder out = new StringBuilder();
        List<Entry> run = new ArrayList<>();
        String onlyHalf = System.getProperty("nab.half"); // e.g. "tuning": look at the tuning half only while tuning
        for (Entry e : subset()) {
            if (onlyHalf != null && !onlyHalf.equals(e.half())) {
                continue;
            }
            Path f = dir.resolve("data").resolve(e.key());
            if (!Files.isRegularFile(f) || !labels.containsKey(e.key())) {
                out.append("NOT RUN (").append(e.half()).append("): ").append(e.key()).append(" is not in ").append(dir)
                        .append('\n');
            } else {
                run.add(e);
            }
        }
        StringBuilder evidence = new StringBuilder();
        for (String scaleName : List.of("real", "held", "60s")) {
            boolean perMinute = scaleName.equals("60s");
            Map<String, Map<String, Tally>> byHalf = new TreeMap<>();
            StringBuilder files = new StringBuilder();
            for (Entry e : run) {
                if (scaleName.equals("held") && !rateLike(e.key())) {
                    continue;
                }
                Series real = read(e.key(), dir.resolve("data").resolve(e.key()));
                Series s = perMinute ? perMinute(real) : real;
                List<Window> w = perMinute ? mapWindows(real, s, labels.get(e.key())) : labels.get(e.key());
                List<Onset> onsets = fire(s, scaleName.equals("held") ? Mapping.HELD : Mapping.COUNT);
                Map<String, List<Instant>> byDetector = new LinkedHashMap<>();
                byDetector.put(ALL, onsets.stream().map(Onset::at).toList());
                for (String type : TYPES) {
                    byDetector.put(type, onsets.stream().filter(o -> o.type().equals(type)).map(Onset::at).toList());
                }
                byDetector.put(BASELINE, baseline(s));
                byDetector.put(NEVER, List.of());
                double days = days(real);
                files.append(String.format(Locale.ROOT, "| %s | %s | %d | %.1f | %d |", e.half(), e.key(), s.at().size(),
                        days, w.size()));
                for (var d : byDetector.entrySet()) {
                    double[] nab = nabScore(s, w, d.getValue());
                    int[] c = windowScore(s, w, d.getValue());
                    byHalf.computeIfAbsent(e.half(), h -> new LinkedHashMap<>()).computeIfAbsent(d.getKey(), k -> new Tally())
                            .add(nab, c, days);
                    if (d.getKey().equals(ALL) || d.getKey().equals(BASELINE)) {
                        files.append(String.format(Locale.ROOT, " %d/%d, %d FP, %.1f |", c[0], c[0] + c[2], c[1], nab[3]));
                    }
                }
                files.append('\n');
                evidence.append(evidence(scaleName, e, s, w, onsets));
            }
            out.append("\n### ").append(switch (scaleName) {
                case "real" -> "Real timestamps, value = count in the row's bucket";
                case "held" -> "Real timestamps, rate-like files only, value = a rate held until the next row";
                default -> "One row per 60 s";
            }).append("\n\n");
            out.append("| half | detector | NAB standard score | windows detected | recall | false alerts | precision "
                    + "| false alerts / day |\n|---|---|---|---|---|---|---|---|\n");
            for (var h : byHalf.entrySet()) {
                for (var d : h.getValue().entrySet()) {
                    Tally t = d.getValue();
                    double p = t.tp + t.fp == 0 ? Double.NaN : (double) t.tp / (t.tp + t.fp);
                    out.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %d/%d | %.2f | %d | %s | %.2f |%n", h.getKey(),
                            d.getKey(), t.normalised(), t.tp, t.tp + t.fn, t.tp + t.fn == 0 ? 0 : (double) t.tp / (t.tp + t.fn),
                            t.fp, Double.isNaN(p) ? "-" : String.format(Locale.ROOT, "%.2f", p), t.fp / t.days));
                }
            }
            out.append("\n| half | file | rows | days | windows | all defaults: detected, FP, NAB | baseline: detected, "
                    + "FP, NAB |\n|---|---|---|---|---|---|---|\n").append(files);
        }
        out.append("\n### Evidence (onsets after the probation; misses)\n\n").append(evidence);
        Path report = Path.of("target", "nab-evaluation.md");
        Files.createDirectories(report.getParent());
        Files.writeString(report, out);
        System.out.println(out);
    }

    /** How a row's value becomes rows done: a count in its bucket, or a rate held until the next row. */
    enum Mapping {
        /** Rows grow by the row's value, whatever the time since the previous row. */
        COUNT,
        /** Rows grow by value x (time since the previous row / the file's usual step): a reading held over a gap. */
        HELD
    }

    /** Speeds, occupancies, temperatures are readings of a level, not counts per bucket. */
    static boolean rateLike(String key) {
        return key.contains("speed_") || key.contains("occupancy_") || key.contains("TravelTime_")
                || key.contains("temperature");
    }

    /**
     * Sample-level evidence: {@code -Dnab.trace=<category/file.csv>:<first row>:<last row>[:held|:60s]} prints, per row,
     * the value and what the default drop and spike detectors saw (rate, baseline, limit, verdict).
     */
    @Test
    void trace() throws IOException {
        String spec = System.getProperty("nab.trace");
        String dirName = System.getProperty("nab.dir", System.getProperty("migmon.nab.dir"));
        assumeTrue(spec != null && dirName != null, "-Dnab.trace and -Dnab.dir not both set");
        String[] p = spec.split(":");
        Series real = read(p[0], Path.of(dirName, "data", p[0]));
        boolean perMinute = p.length > 3 && p[3].equals("60s");
        Series s = perMinute ? perMinute(real) : real;
        Mapping mapping = p.length > 3 && p[3].equals("held") ? Mapping.HELD : Mapping.COUNT;
        ThroughputBaselineDetector drop = ThroughputBaselineDetector.drops().build();
        ThroughputBaselineDetector spike = ThroughputBaselineDetector.spikes().build();
        double scale = scale(s);
        double step = medianStepSeconds(s);
        double done = 0;
        int from = Integer.parseInt(p[1]);
        int to = Integer.parseInt(p[2]);
        for (int i = 0; i <= Math.min(to, s.at().size() - 1); i++) {
            double v = Math.max(0, s.value().get(i) * scale);
            done += mapping == Mapping.HELD && i > 0
                    ? v * Duration.between(s.at().get(i - 1), s.at().get(i)).toSeconds() / step : v;
            Sample sample = Sample.of(s.at().get(i), Math.round(done), 0);
            var dc = drop.evaluate(sample);
            var sc = spike.evaluate(sample);
            if (i >= from) {
                System.out.printf(Locale.ROOT, "TRACE %d %s value %s rate %.4f baseline %.4f dropLimit %.4f %s spikeLimit %.4f %s%n",
                        i, real.at().get(i), fmt(s.value().get(i)), drop.value(), drop.baseline(), drop.threshold(), dc,
                        spike.threshold(), sc);
            }
        }
    }

    /** Onsets (FIRING events) of the default monitor, one sample per row. */
    static List<Onset> fire(Series s, Mapping mapping) {
        AnomalyMonitor m = AnomalyMonitor.builder("nab").meterRegistry(new SimpleMeterRegistry()).defaultDetectors()
                .listener(a -> { }).build();
        double scale = scale(s);
        double step = medianStepSeconds(s);
        List<Onset> fired = new ArrayList<>();
        double done = 0;
        for (int i = 0; i < s.at().size(); i++) {
            double v = Math.max(0, s.value().get(i) * scale);
            done += mapping == Mapping.HELD && i > 0
                    ? v * Duration.between(s.at().get(i - 1), s.at().get(i)).toSeconds() / step : v;
            long rows = Math.round(done);
            for (Anomaly a : m.sample(Sample.of(s.at().get(i), rows, 0))) {
                if (a.firing()) {
                    fired.add(new Onset(a.at(), a.type(), a.message(), i));
                }
            }
        }
        return fired;
    }

    static double medianStepSeconds(Series s) {
        List<Double> d = new ArrayList<>();
        for (int i = 1; i < s.at().size(); i++) {
            d.add((double) Duration.between(s.at().get(i - 1), s.at().get(i)).toSeconds());
        }
        return d.isEmpty() ? 60 : median(d);
    }

    /** 100 when any value has decimals (occupancy %, temperatures), else 1: rows are whole numbers. */
    static double scale(Series s) {
        return s.value().stream().anyMatch(v -> v != Math.rint(v)) ? 100 : 1;
    }

    /** Rolling z-score of the value against the previous 288 rows; fires at |z| > 4, re-arms at |z| < 2. */
    static List<Instant> baseline(Series s) {
        List<Instant> fired = new ArrayList<>();
        boolean firing = false;
        int n = 288;
        for (int i = n; i < s.value().size(); i++) {
            double sum = 0;
            double sq = 0;
            for (int j = i - n; j < i; j++) {
                sum += s.value().get(j);
                sq += s.value().get(j) * s.value().get(j);
            }
            double mean = sum / n;
            double sd = Math.sqrt(Math.max(0, sq / n - mean * mean));
            double z = sd == 0 ? 0 : Math.abs(s.value().get(i) - mean) / sd;
            if (!firing && z > 4) {
                fired.add(s.at().get(i));
                firing = true;
            } else if (firing && z < 2) {
                firing = false;
            }
        }
        return fired;
    }

    /** The first 15% of a file's rows (NAB's probationary period): detections there are ignored. */
    static Instant probationEnd(Series s) {
        return s.at().get((int) Math.min(s.at().size() - 1, Math.floor(0.15 * s.at().size())));
    }

    /** TP windows, false alerts (onsets in no window; further onsets in a detected window are ignored, as NAB), FN. */
    static int[] windowScore(Series s, List<Window> windows, List<Instant> fired) {
        Instant probation = probationEnd(s);
        boolean[] hit = new boolean[windows.size()];
        int fp = 0;
        for (Instant t : fired) {
            if (t.isBefore(probation)) {
                continue;
            }
            int k = inside(windows, t);
            if (k >= 0) {
                hit[k] = true;
            } else {
                fp++;
            }
        }
        int tp = 0;
        for (boolean h : hit) {
            tp += h ? 1 : 0;
        }
        return new int[] {tp, fp, windows.size() - tp};
    }

    private static int inside(List<Window> windows, Instant t) {
        for (int k = 0; k < windows.size(); k++) {
            if (!t.isBefore(windows.get(k).start()) && !t.isAfter(windows.get(k).end())) {
                return k;
            }
        }
        return -1;
    }

    private static double sigma(double y) {
        return 2 / (1 + Math.exp(5 * y)) - 1;
    }

    /** NAB standard profile for one file: raw score, perfect score, null (never fires) score, normalised. */
    static double[] nabScore(Series s, List<Window> windows, List<Instant> fired) {
        double aTp = 1.0;
        double aFp = -0.11;
        double aFn = -1.0;
        Instant probationEnd = probationEnd(s);
        double raw = 0;
        boolean[] hit = new boolean[windows.size()];
        for (Instant t : fired) {
            if (t.isBefore(probationEnd)) {
                continue;
            }
            int inside = inside(windows, t);
            int before = -1;
            for (int k = 0; k < windows.size(); k++) {
                if (windows.get(k).end().isBefore(t)) {
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

    /** Days of the file's own clock after the probation. */
    static double days(Series s) {
        return Duration.between(probationEnd(s), s.at().get(s.at().size() - 1)).toMinutes() / 1440.0;
    }

    /** Row i at t0 + 60 s * i. */
    static Series perMinute(Series s) {
        List<Instant> at = new ArrayList<>();
        for (int i = 0; i < s.at().size(); i++) {
            at.add(s.at().get(0).plusSeconds(60L * i));
        }
        return new Series(s.key(), at, s.value());
    }

    /** A window keeps its rows: from the first row at or after its start to the last row at or before its end. */
    static List<Window> mapWindows(Series real, Series mapped, List<Window> windows) {
        List<Window> out = new ArrayList<>();
        for (Window w : windows) {
            int first = -1;
            int last = -1;
            for (int i = 0; i < real.at().size(); i++) {
                Instant t = real.at().get(i);
                if (first < 0 && !t.isBefore(w.start())) {
                    first = i;
                }
                if (!t.isAfter(w.end())) {
                    last = i;
                }
            }
            if (first >= 0 && last >= first) {
                out.add(new Window(mapped.at().get(first), mapped.at().get(last)));
            }
        }
        return out;
    }

    /** One line per onset after the probation (in a window or not) and per missed window, with the values around. */
    private static String evidence(String scaleName, Entry e, Series s, List<Window> w, List<Onset> onsets) {
        StringBuilder sb = new StringBuilder();
        Instant probation = probationEnd(s);
        Map<String, Integer> fpByType = new TreeMap<>();
        for (Onset o : onsets) {
            if (o.at().isBefore(probation)) {
                continue;
            }
            int k = inside(w, o.at());
            if (k < 0) {
                fpByType.merge(o.type(), 1, Integer::sum);
            }
            sb.append(String.format(Locale.ROOT, "- [%s] %s %s row %d %s: %s %s | values %s%n", scaleName, e.key(),
                    k >= 0 ? "IN window " + k : "FALSE", o.row(), LocalDateTime.ofInstant(s.at().get(o.row()), ZoneOffset.UTC)
                            + "", o.type(), o.message(), around(s, o.row())));
        }
        for (int k = 0; k < w.size(); k++) {
            Window win = w.get(k);
            boolean hit = onsets.stream().anyMatch(o -> !o.at().isBefore(win.start()) && !o.at().isAfter(win.end())
                    && !o.at().isBefore(probation));
            if (!hit) {
                sb.append(String.format(Locale.ROOT, "- [%s] %s MISSED window %d %s..%s: %s%n", scaleName, e.key(), k,
                        win.start(), win.end(), windowStats(s, win)));
            }
        }
        sb.append(String.format(Locale.ROOT, "- [%s] %s false alerts by type: %s%n", scaleName, e.key(), fpByType));
        return sb.toString();
    }

    private static String around(Series s, int row) {
        StringBuilder sb = new StringBuilder();
        for (int i = Math.max(0, row - 4); i <= Math.min(s.value().size() - 1, row + 1); i++) {
            sb.append(i == row ? "[" : "").append(fmt(s.value().get(i))).append(i == row ? "]" : "").append(' ');
        }
        return sb.toString().trim();
    }

    /** Median of the window's values against the median of the same number of rows before it; min and max inside. */
    private static String windowStats(Series s, Window w) {
        List<Double> in = new ArrayList<>();
        int first = -1;
        for (int i = 0; i < s.at().size(); i++) {
            if (!s.at().get(i).isBefore(w.start()) && !s.at().get(i).isAfter(w.end())) {
                in.add(s.value().get(i));
                first = first < 0 ? i : first;
            }
        }
        if (in.isEmpty()) {
            return "no rows";
        }
        List<Double> before = new ArrayList<>(s.value().subList(Math.max(0, first - in.size()), first));
        return String.format(Locale.ROOT, "%d rows, median %s (before: %s), min %s, max %s", in.size(), fmt(median(in)),
                before.isEmpty() ? "-" : fmt(median(before)), fmt(in.stream().mapToDouble(d -> d).min().orElse(0)),
                fmt(in.stream().mapToDouble(d -> d).max().orElse(0)));
    }

    private static double median(List<Double> v) {
        List<Double> c = new ArrayList<>(v);
        c.sort(null);
        return c.get(c.size() / 2);
    }

    private static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
    }

    static List<Entry> subset() throws IOException {
        List<Entry> out = new ArrayList<>();
        try (InputStream in = NabBenchmark.class.getResourceAsStream("/nab/subset.txt");
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                String t = line.trim();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    String[] p = t.split("\\s+");
                    out.add(new Entry(p[0], p[1]));
                }
            }
        }
        return out;
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
