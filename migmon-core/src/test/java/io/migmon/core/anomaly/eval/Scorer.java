package io.migmon.core.anomaly.eval;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.migmon.core.anomaly.Anomaly;
import io.migmon.core.anomaly.AnomalyDetector;
import io.migmon.core.anomaly.AnomalyMonitor;
import java.util.ArrayList;
import java.util.List;

/**
 * Scores one detector (with its settings) on labeled traces, each run through its own {@link AnomalyMonitor}.
 *
 * <h2>Matching rule</h2>
 * Only FIRING events count (a detector fires at most once until it resolves). For a detector of type {@code T}:
 * <ul>
 *   <li>an event at sample {@code i} <em>matches</em> a window {@code [start, end)} when
 *       {@code start <= i < end + GRACE} ({@link #GRACE} = 12 samples, one minute: a detector with a sliding window
 *       and hysteresis may confirm a short anomaly just after it ended);</li>
 *   <li>a window that requires {@code T} is a <b>true positive</b> if at least one event matches it, its
 *       <b>detection delay</b> is {@code i - start} of the first matching event; otherwise a <b>false negative</b>;</li>
 *   <li>an event is a <b>false positive</b> when it matches no window that requires or tolerates {@code T}, and also
 *       when it is a second (or later) event matching an already detected window (flapping is penalized);</li>
 *   <li>events matching only tolerating windows are ignored.</li>
 * </ul>
 * precision = TP / (TP + FP), recall = TP / (TP + FN), F1 their harmonic mean (1 when there is nothing to find and
 * nothing was found); false alerts per hour = FP / simulated hours over all traces.
 */
final class Scorer {

    static final int GRACE = 12;

    private Scorer() {
    }

    /** Result of one detector over a set of traces. */
    record Score(String type, int truePositives, int falseNegatives, int falsePositives, int healthyFalsePositives,
                 double meanDelay, int maxDelay, double hours) {

        double precision() {
            return truePositives + falsePositives == 0 ? 1.0 : (double) truePositives / (truePositives + falsePositives);
        }

        double recall() {
            return truePositives + falseNegatives == 0 ? 1.0 : (double) truePositives / (truePositives + falseNegatives);
        }

        double f1() {
            double p = precision();
            double r = recall();
            return p + r == 0 ? 0.0 : 2 * p * r / (p + r);
        }

        double falseAlertsPerHour() {
            return falsePositives / hours;
        }

        String markdownRow() {
            return String.format(java.util.Locale.ROOT, "| `%s` | %d | %d | %d | %.3f | %.3f | %.3f | %.1f | %d | %.3f | %d |",
                    type, truePositives + falseNegatives, truePositives, falsePositives, precision(), recall(), f1(),
                    meanDelay, maxDelay, falseAlertsPerHour(), healthyFalsePositives);
        }

        static String markdownHeader() {
            return "| detector | windows | TP | FP | precision | recall | F1 | mean delay (samples) | max delay | "
                    + "false alerts / h | false alerts on healthy traces |\n"
                    + "|---|---|---|---|---|---|---|---|---|---|---|";
        }
    }

    /** Indices of the samples at which the detector fired on this trace. */
    static List<Integer> firings(AnomalyDetector detector, LabeledTrace trace) {
        List<Integer> fired = new ArrayList<>();
        int[] index = {0};
        AnomalyMonitor monitor = AnomalyMonitor.builder("eval")
                .meterRegistry(new SimpleMeterRegistry())
                .detector(detector)
                .listener(a -> {
                    if (a.state() == Anomaly.State.FIRING) {
                        fired.add(index[0]);
                    }
                })
                .build();
        for (int i = 0; i < trace.samples().size(); i++) {
            index[0] = i;
            monitor.sample(trace.samples().get(i));
        }
        return fired;
    }

    static Score score(AnomalyDetector detector, List<LabeledTrace> traces) {
        return score(t -> detector, traces);
    }

    /** Scores the detector built for each trace (the seed rule needs the trace's expected rate). */
    static Score score(java.util.function.Function<LabeledTrace, AnomalyDetector> factory, List<LabeledTrace> traces) {
        String type = factory.apply(traces.get(0)).type();
        int tp = 0;
        int fn = 0;
        int fp = 0;
        int healthyFp = 0;
        long delaySum = 0;
        int maxDelay = 0;
        double hours = 0;
        for (LabeledTrace trace : traces) {
            hours += trace.hours();
            List<Integer> fired = firings(factory.apply(trace), trace);
            List<LabeledWindow> windows = trace.windows();
            boolean[] detected = new boolean[windows.size()];
            for (int i : fired) {
                boolean accounted = false;
                for (int w = 0; w < windows.size(); w++) {
                    LabeledWindow win = windows.get(w);
                    if (i < win.start() || i >= win.end() + GRACE || !win.accepts(type)) {
                        continue;
                    }
                    if (win.required().contains(type)) {
                        if (!detected[w]) {
                            detected[w] = true;
                            int delay = i - win.start();
                            delaySum += delay;
                            maxDelay = Math.max(maxDelay, delay);
                            tp++;
                            accounted = true;
                        }
                    } else {
                        accounted = true; // tolerated
                    }
                }
                if (!accounted) {
                    fp++;
                    if (trace.healthy()) {
                        healthyFp++;
                    }
                }
            }
            for (int w = 0; w < windows.size(); w++) {
                if (windows.get(w).required().contains(type) && !detected[w]) {
                    fn++;
                }
            }
        }
        return new Score(type, tp, fn, fp, healthyFp, tp == 0 ? 0 : (double) delaySum / tp, maxDelay, hours);
    }
}
