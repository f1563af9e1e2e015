package io.migmon.core.anomaly.eval;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.anomaly.Anomaly;
import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.anomaly.ErrorRateDetector;
import io.migmon.core.anomaly.LagTrendDetector;
import io.migmon.core.anomaly.LowThroughputDetector;
import io.migmon.core.anomaly.Sample;
import io.migmon.core.anomaly.StallDetector;
import io.migmon.core.anomaly.ThroughputBaselineDetector;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Runs every built-in detector with its <b>default settings</b> over simulated traces sampled at 1, 5, 15 and 60 s
 * and scores them.
 *
 * <h2>Seeds</h2>
 * {@link #TUNING_SETS} are the only seeds looked at while choosing defaults; {@link #HELD_OUT} seeds are run for the
 * report only, once the defaults are final. Each set has 30 healthy, 30 benign-event and 60 anomalous traces of
 * 1.5–3 hours (seeds {@code first .. first + 2059}) and the attack shapes below.
 *
 * <p>Each set also holds the shapes the independent attack of issue 12 found at 60 s ({@link Simulation.Variant}):
 * 10 healthy streams committing about once a minute (seeds {@code first + 3000 ..}), 10 healthy streams with GC
 * pauses of 5-15 s every minute ({@code first + 4000 ..}) and 10 benign traces of short or slowly recovering lag
 * spikes ({@code first + 5000 ..}).
 *
 * <p>History: the first held-out set ({@link #RETIRED_HELD_OUT}, 100_001) was run and its figures published on
 * 2026-11-26; once seen it could no longer be held out, so it was retired into the tuning sets and a fresh held-out
 * set (900_001, never generated before) was fixed before any further tuning. It was run and published the same day,
 * so it is retired too ({@link #RETIRED_HELD_OUT_2}); a third (1_200_001, never generated before) was fixed
 * with the attack shapes on 2026-11-27, committed before any tuning of the 60 s verdicts, run once at 03:59 UTC and
 * published, so it is retired too ({@link #RETIRED_HELD_OUT_3}). A fourth (1_300_001) was fixed at 04:18 UTC before
 * the stall detector was changed for the once-a-minute streams, run once at 04:29 UTC and published, so it is retired
 * too ({@link #RETIRED_HELD_OUT_4}). A fifth (2_300_001) was fixed at 07:15 UTC before the detector changes for
 * the third attack's findings 2, 3 and 5, run once at 07:45 UTC and published, so it is retired too
 * ({@link #RETIRED_HELD_OUT_5}). A sixth (2_900_001) was fixed at 08:12 UTC before the stall start-of-run change
 * and the noise-band change, run once at 08:20 UTC and published, so it is retired too
 * ({@link #RETIRED_HELD_OUT_6}). A seventh (3_100_001) was fixed at 08:30 UTC before the drop noise-band change,
 * run once at 08:36 UTC and published, so it is retired too ({@link #RETIRED_HELD_OUT_7}). An eighth (5_300_001) was
 * fixed at 10:20 UTC before the seasonal default of the drop/spike detector and the stall change at 60 s (branch
 * det-nab), run once at 10:57 UTC and published, so it is retired too ({@link #RETIRED_HELD_OUT_8}).
 * {@link #HELD_OUT} (6_700_001, never generated before, same composition) was fixed on 2026-11-27 at 13:30 UTC
 * before the noise-scale and evidence-in-time changes of branch anomaly7.
 *
 * <h2>Sampling</h2>
 * Each interval starts at a random phase, each step is the interval ±10%, and 2% of the samples come late by half to
 * one and a half intervals (a late scrape, a GC pause of the host). Planned pauses and throttles are declared with
 * {@link AnomalyMonitor#pause} / {@link AnomalyMonitor#resume} at their true start and end.
 *
 * <h2>Matching rule</h2>
 * A firing at time {@code T} matches a labeled window {@code [start, end]} when {@code start <= T <= end + grace},
 * grace = 180 s plus one interval (the windows and hysteresis of the defaults). A window that requires the type is a
 * true positive when a firing matches it (delay = first firing - start), a false negative otherwise. A firing that
 * matches no window requiring or tolerating its type, or a second firing for a window already detected, is a false
 * positive. False alerts per hour are counted separately on healthy traces and on benign-event traces.
 */
final class Evaluation {

    static final long TUNING = 1;
    /** The first held-out set, seen on 2026-11-26 and since then used for tuning only. */
    static final long RETIRED_HELD_OUT = 100_001;
    /** The second held-out set, seen on 2026-11-26 and since then used for tuning only. */
    static final long RETIRED_HELD_OUT_2 = 900_001;
    /** The third held-out set, seen on 2026-11-27 at 03:59 UTC and since then used for tuning only. */
    static final long RETIRED_HELD_OUT_3 = 1_200_001;
    /** The fourth held-out set, seen on 2026-11-27 at 04:29 UTC and since then used for tuning only. */
    static final long RETIRED_HELD_OUT_4 = 1_300_001;
    /** The fifth held-out set, seen on 2026-11-27 at 07:45 UTC and since then used for tuning only. */
    static final long RETIRED_HELD_OUT_5 = 2_300_001;
    /** The sixth held-out set, seen on 2026-11-27 at 08:20 UTC and since then used for tuning only. */
    static final long RETIRED_HELD_OUT_6 = 2_900_001;
    /** The seventh held-out set, seen on 2026-11-27 at 08:36 UTC and since then used for tuning only. */
    static final long RETIRED_HELD_OUT_7 = 3_100_001;
    /** The eighth held-out set, seen on 2026-11-27 at 10:57 UTC and since then used for tuning only. */
    static final long RETIRED_HELD_OUT_8 = 5_300_001;
    /** Every set that may be looked at while choosing settings. */
    static final long[] TUNING_SETS = {TUNING, 50_001, RETIRED_HELD_OUT, RETIRED_HELD_OUT_2, RETIRED_HELD_OUT_3,
            RETIRED_HELD_OUT_4, RETIRED_HELD_OUT_5, RETIRED_HELD_OUT_6, RETIRED_HELD_OUT_7,
            RETIRED_HELD_OUT_8};
    /**
     * The held-out set, fixed on 2026-11-27 at 13:30 UTC before the changes of branch anomaly7 (noise scale,
     * evidence in time): run once, after the changes are final. Never generated before (seeds 6_700_001 ..
     * 6_705_010; no numeric literal of the sources or of the repository's history lies within 100,000 of them).
     */
    static final long HELD_OUT = 6_700_001;

    /** One part of a seed set: {@code count} traces of a kind and variant, seeds {@code first + offset ..}. */
    record Part(Simulation.Kind kind, Simulation.Variant variant, long offset, int count) {
    }

    /** The composition of every seed set. */
    static final List<Part> PARTS = List.of(
            new Part(Simulation.Kind.HEALTHY, Simulation.Variant.STANDARD, 0, 30),
            new Part(Simulation.Kind.BENIGN, Simulation.Variant.STANDARD, 1000, 30),
            new Part(Simulation.Kind.ANOMALOUS, Simulation.Variant.STANDARD, 2000, 60),
            new Part(Simulation.Kind.HEALTHY, Simulation.Variant.MINUTE_COMMITS, 3000, 10),
            new Part(Simulation.Kind.HEALTHY, Simulation.Variant.LONG_GC, 4000, 10),
            new Part(Simulation.Kind.BENIGN, Simulation.Variant.LAG_SPIKES, 5000, 10));
    static final int[] INTERVALS = {1, 5, 15, 60};
    static final String[] TYPES = {Simulation.LOW, Simulation.DROP, Simulation.SPIKE, Simulation.ERRORS,
            Simulation.STALL, Simulation.LAG};
    private static final Instant T0 = Instant.parse("2026-01-05T00:00:00Z");

    private Evaluation() {
    }

    /** Score of one detector type at one interval. */
    static final class Score {
        int tp;
        int fn;
        int fp;
        int fpHealthy;
        int fpBenign;
        double delaySum;
        double maxDelay;
        double healthyHours;
        double benignHours;

        double precision() {
            return tp + fp == 0 ? 1.0 : (double) tp / (tp + fp);
        }

        double recall() {
            return tp + fn == 0 ? 1.0 : (double) tp / (tp + fn);
        }

        double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0 : 2 * p * r / (p + r);
        }

        double meanDelay() {
            return tp == 0 ? Double.NaN : delaySum / tp;
        }

        double healthyPerHour() {
            return fpHealthy / healthyHours;
        }

        double benignPerHour() {
            return fpBenign / benignHours;
        }
    }

    /** Result of one set of seeds: scores by type and interval, and alerts during declared pauses. */
    record Result(Map<String, Score[]> scores, int alertsDuringPauses, int traces, double hours) {

        Score score(String type, int interval) {
            for (int k = 0; k < INTERVALS.length; k++) {
                if (INTERVALS[k] == interval) {
                    return scores.get(type)[k];
                }
            }
            throw new IllegalArgumentException("interval " + interval);
        }

        String markdown() {
            StringBuilder sb = new StringBuilder();
            sb.append("| detector | interval | windows | TP | FP | precision | recall | F1 | mean delay (s) | max delay (s) "
                    + "| false alerts / h healthy | false alerts / h benign |\n");
            sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
            for (String type : TYPES) {
                for (int k = 0; k < INTERVALS.length; k++) {
                    Score s = scores.get(type)[k];
                    sb.append(String.format(Locale.ROOT, "| `%s` | %d s | %d | %d | %d | %.3f | %.3f | %.3f | %.0f | %.0f | %.3f | %.3f |%n",
                            type, INTERVALS[k], s.tp + s.fn, s.tp, s.fp, s.precision(), s.recall(), s.f1(),
                            s.meanDelay(), s.maxDelay, s.healthyPerHour(), s.benignPerHour()));
                }
            }
            sb.append(String.format(Locale.ROOT, "%nTraces: %d (%.0f simulated hours); alerts during declared pauses: %d%n",
                    traces, hours, alertsDuringPauses));
            return sb.toString();
        }
    }

    static List<Simulation> traces(long firstSeed) {
        List<Simulation> out = new ArrayList<>();
        for (Part part : PARTS) {
            for (int i = 0; i < part.count(); i++) {
                out.add(new Simulation(firstSeed + part.offset() + i, part.kind(), part.variant()));
            }
        }
        return out;
    }

    /** Generates and scores the sets starting at {@code firstSeeds} together (traces are built one at a time). */
    static Result run(long... firstSeeds) {
        return run(PARTS, firstSeeds);
    }

    /** Generates and scores only {@code parts} of the sets starting at {@code firstSeeds} (a tuning aid). */
    static Result run(List<Part> parts, long... firstSeeds) {
        Map<String, Score[]> scores = new LinkedHashMap<>();
        for (String t : TYPES) {
            Score[] row = new Score[INTERVALS.length];
            for (int k = 0; k < row.length; k++) {
                row[k] = new Score();
            }
            scores.put(t, row);
        }
        int[] duringPauses = {0};
        int traces = 0;
        double hours = 0;
        for (long firstSeed : firstSeeds) {
        for (Part part : parts) {
            for (int i = 0; i < part.count(); i++) {
                Simulation sim = new Simulation(firstSeed + part.offset() + i, part.kind(), part.variant());
                traces++;
                hours += sim.hours();
                for (int k = 0; k < INTERVALS.length; k++) {
                    List<Firing> fired = fire(sim, INTERVALS[k], duringPauses);
                    for (String type : TYPES) {
                        score(sim, INTERVALS[k], type, fired, scores.get(type)[k]);
                    }
                }
            }
        }
        }
        return new Result(scores, duringPauses[0], traces, hours);
    }

    record Firing(String type, double at) {
    }

    /** The monitor with every built-in detector at its defaults (the expected rate is the host's to know). */
    static AnomalyMonitor monitor(Simulation sim, List<Anomaly> sink) {
        return AnomalyMonitor.builder("eval")
                .meterRegistry(new SimpleMeterRegistry())
                .detector(LowThroughputDetector.builder(sim.expectedRate()).build())
                .detector(ThroughputBaselineDetector.drops().build())
                .detector(ThroughputBaselineDetector.spikes().build())
                .detector(ErrorRateDetector.builder().build())
                .detector(StallDetector.builder().build())
                .detector(LagTrendDetector.builder().build())
                .listener(sink::add)
                .build();
    }

    static List<Firing> fire(Simulation sim, int interval, int[] duringPauses) {
        List<Anomaly> events = new ArrayList<>();
        AnomalyMonitor monitor = monitor(sim, events);
        Random r = new Random(sim.seed * 31 + interval);
        double t = r.nextDouble() * interval;
        int pause = 0;
        boolean paused = false;
        List<Firing> fired = new ArrayList<>();
        while (t < sim.seconds) {
            // declare pauses at their true times, as the host would
            while (pause < sim.pauses.size()) {
                Simulation.Pause p = sim.pauses.get(pause);
                if (!paused && t >= p.start()) {
                    monitor.pause(at(p.start()), p.reason());
                    paused = true;
                } else if (paused && t >= p.end()) {
                    monitor.resume(at(p.end()));
                    paused = false;
                    pause++;
                } else {
                    break;
                }
            }
            int i = sim.index(t);
            events.clear();
            monitor.sample(Sample.of(at(t), sim.rows[i], sim.errors[i], sim.lag[i]));
            for (Anomaly a : events) {
                if (a.firing()) {
                    fired.add(new Firing(a.type(), t));
                    if (paused) {
                        duringPauses[0]++;
                    }
                }
            }
            double step = interval * (0.9 + 0.2 * r.nextDouble());
            if (r.nextDouble() < 0.02) {
                step += interval * (0.5 + r.nextDouble());
            }
            t += step;
        }
        return fired;
    }

    private static Instant at(double seconds) {
        return T0.plusMillis(Math.round(seconds * 1000));
    }

    static void score(Simulation sim, int interval, String type, List<Firing> fired, Score s) {
        double grace = 180 + interval;
        if (sim.kind == Simulation.Kind.HEALTHY) {
            s.healthyHours += sim.hours();
        } else if (sim.kind == Simulation.Kind.BENIGN) {
            s.benignHours += sim.hours();
        }
        List<Simulation.Window> windows = sim.windows;
        boolean[] detected = new boolean[windows.size()];
        for (Firing f : fired) {
            if (!f.type().equals(type)) {
                continue;
            }
            boolean accounted = false;
            for (int w = 0; w < windows.size(); w++) {
                Simulation.Window win = windows.get(w);
                if (f.at() < win.start() || f.at() > win.end() + grace || !win.accepts(type)) {
                    continue;
                }
                if (win.required().contains(type)) {
                    if (!detected[w]) {
                        detected[w] = true;
                        double delay = f.at() - win.start();
                        s.delaySum += delay;
                        s.maxDelay = Math.max(s.maxDelay, delay);
                        s.tp++;
                        accounted = true;
                    }
                } else {
                    accounted = true;
                }
            }
            if (!accounted) {
                s.fp++;
                if (sim.kind == Simulation.Kind.HEALTHY) {
                    s.fpHealthy++;
                } else if (sim.kind == Simulation.Kind.BENIGN) {
                    s.fpBenign++;
                }
            }
        }
        for (int w = 0; w < windows.size(); w++) {
            if (windows.get(w).required().contains(type) && !detected[w]) {
                s.fn++;
            }
        }
    }

    /** Where each false positive of a type came from (for tuning): label of the nearest benign window or "none". */
    static Map<String, Integer> falsePositiveCauses(long firstSeed, String type, int interval) {
        Map<String, Integer> causes = new LinkedHashMap<>();
        for (Part part : PARTS) {
            Simulation.Kind kind = part.kind();
            for (int i = 0; i < part.count(); i++) {
                Simulation sim = new Simulation(firstSeed + part.offset() + i, kind, part.variant());
                for (Firing f : fire(sim, interval, new int[1])) {
                    if (!f.type().equals(type)) {
                        continue;
                    }
                    boolean ok = false;
                    for (Simulation.Window w : sim.windows) {
                        ok |= w.accepts(type) && f.at() >= w.start() && f.at() <= w.end() + 180 + interval;
                    }
                    if (ok) {
                        continue;
                    }
                    String cause = kind + (part.variant() == Simulation.Variant.STANDARD ? "" : " " + part.variant()) + " none";
                    for (Simulation.Window w : sim.benign) {
                        if (f.at() >= w.start() - 60 && f.at() <= w.end() + 300) {
                            cause = w.label();
                        }
                    }
                    for (Simulation.Window w : sim.windows) {
                        if (f.at() >= w.start() - 60 && f.at() <= w.end() + 600) {
                            cause = "after " + w.label();
                        }
                    }
                    causes.merge(cause + String.format(Locale.ROOT, " (cv %.2f, batch %.1fs, rate %.0f)", sim.cv, sim.batchSeconds, sim.nominalRate).replaceAll("\\(.*", ""), 1, Integer::sum);
                }
            }
        }
        return causes;
    }
}
