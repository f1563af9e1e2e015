package io.migmon.core.anomaly;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Third attack: default detectors on the independent {@link Attack3Sim} traces, per detector and interval (run by
 * hand: {@code -Dexcluded.groups= -Dgroups=benchmark -Dtest=Attack3EvalRun}). Prints the table.
 */
@Tag("benchmark")
class Attack3EvalRun {

    static final String[] TYPES = {"low_throughput", "throughput_drop", "throughput_spike", "high_error_rate", "stall",
            "lag_trend"};
    static final double[] INTERVALS = {1, 5, 15, 60};
    static final long FIRST_SEED = Long.getLong("attack3.seed", 7_700_001L);
    static final int N = Integer.getInteger("attack3.n", 12);

    @Test
    void table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "seeds %d.. n=%d per kind (healthy n, benign n, anomalous 2n)%n",
                FIRST_SEED, N));
        out.append("| detector | interval | P | R | F1 | mean delay s | false/h healthy+benign | false/h all | in-pause |\n");
        List<Attack3Sim.Trace> traces = new ArrayList<>();
        for (int i = 0; i < 4 * N; i++) {
            Attack3Sim.Spec spec = new Attack3Sim.Spec(FIRST_SEED + i);
            spec.gcEvery = Double.parseDouble(System.getProperty("attack3.gcEvery", "120"));
            spec.batchMax = Double.parseDouble(System.getProperty("attack3.batchMax", "8"));
            spec.kind = i < N ? Attack3Sim.Kind.HEALTHY : i < 2 * N ? Attack3Sim.Kind.BENIGN : Attack3Sim.Kind.ANOMALOUS;
            traces.add(Attack3Sim.generate(spec));
        }
        List<String> examples = new ArrayList<>();
        for (double interval : INTERVALS) {
            Map<String, int[]> c = new LinkedHashMap<>(); // tpAlerts, fpAlerts, labels, detected, fpBenign, inPause
            Map<String, double[]> delay = new LinkedHashMap<>();
            for (String t : TYPES) {
                c.put(t, new int[6]);
                delay.put(t, new double[2]);
            }
            double hoursAll = 0;
            double hoursBenign = 0;
            for (Attack3Sim.Trace tr : traces) {
                boolean anomalous = !tr.labels.isEmpty() || tr.seed >= FIRST_SEED + 2 * N;
                double[] sched = Attack3Sim.schedule(tr.seconds, interval, tr.seed * 31 + (long) interval);
                Attack3Sim.Run run = Attack3Sim.feed(tr, sched, true, 0, Double.POSITIVE_INFINITY);
                hoursAll += tr.hours();
                if (!anomalous) {
                    hoursBenign += tr.hours();
                }
                double grace = Math.max(180, 3 * interval) + interval;
                for (String type : TYPES) {
                    int[] k = c.get(type);
                    for (Attack3Sim.Label l : tr.labels) {
                        if (!l.type().equals(type)) {
                            continue;
                        }
                        k[2]++;
                        double first = run.fired.stream()
                                .filter(f -> f.type().equals(type) && f.state() == Anomaly.State.FIRING)
                                .mapToDouble(Attack3Sim.Fired::at)
                                .filter(at -> at >= l.start() && at <= l.end() + grace).min().orElse(Double.NaN);
                        if (Double.isNaN(first)) {
                            examples.add(String.format(Locale.ROOT, "MISS %s @%.0fs seed %d [%.0f, %.0f] nominal %.1f rows/s, %d commits; fired: %s",
                                    type, interval, tr.seed, l.start(), l.end(), tr.nominal, tr.commits.size(),
                                    run.fired.stream().filter(f -> f.state() == Anomaly.State.FIRING
                                            && f.at() > l.start() - 600 && f.at() < l.end() + 900)
                                            .map(f -> f.type() + "@" + Math.round(f.at())).toList()));
                        }
                        if (!Double.isNaN(first)) {
                            k[3]++;
                            delay.get(type)[0] += first - l.start();
                            delay.get(type)[1]++;
                        }
                    }
                    for (Attack3Sim.Fired f : run.fired) {
                        if (!f.type().equals(type) || f.state() != Anomaly.State.FIRING) {
                            continue;
                        }
                        boolean tp = tr.labels.stream().anyMatch(l -> l.type().equals(type)
                                && f.at() >= l.start() && f.at() <= l.end() + grace);
                        boolean collateral = tr.labels.stream().anyMatch(l -> !l.type().equals(type)
                                && f.at() >= l.start() && f.at() <= l.end() + (type.equals("throughput_spike")
                                ? interval : grace)
                                && !(type.equals("low_throughput") && l.type().equals("throughput_drop")));
                        boolean inPause = tr.pauses.stream().anyMatch(p -> f.at() > p[0] && f.at() <= p[1]);
                        if (inPause) {
                            k[5]++;
                        }
                        if (tp) {
                            k[0]++;
                        } else if (!collateral) {
                            k[1]++;
                            if (!anomalous) {
                                k[4]++;
                            }
                            if (examples.size() < 200) {
                                examples.add(String.format(Locale.ROOT, "@%.0fs seed %d (%s) t=%.0f: %s", interval,
                                        tr.seed, anomalous ? "anom" : "benign/healthy", f.at(), f.message()));
                            }
                        }
                    }
                }
            }
            for (String type : TYPES) {
                int[] k = c.get(type);
                double p = k[0] + k[1] == 0 ? Double.NaN : (double) k[0] / (k[0] + k[1]);
                double rc = k[2] == 0 ? Double.NaN : (double) k[3] / k[2];
                double f1 = 2 * p * rc / (p + rc);
                double[] d = delay.get(type);
                out.append(String.format(Locale.ROOT, "| %s | %.0f s | %.3f | %.3f (%d/%d) | %.3f | %.0f | %.3f | %.3f | %d |%n",
                        type, interval, p, rc, k[3], k[2], f1, d[1] == 0 ? Double.NaN : d[0] / d[1],
                        k[4] / hoursBenign, k[1] / hoursAll, k[5]));
            }
        }
        System.out.println(out);
        examples.forEach(System.out::println);
        System.out.println(Arrays.toString(INTERVALS));
    }
}
