package io.migmon.core.anomaly.eval;

import io.migmon.core.anomaly.Sample;
import java.util.List;

/**
 * A synthetic run: samples at a nominal interval, the rate the host would expect (for the seed's threshold rule),
 * and the anomaly windows it contains (none for healthy traces).
 */
record LabeledTrace(String scenario, long seed, double intervalSeconds, double nominalRate, List<Sample> samples,
                    List<LabeledWindow> windows) {

    LabeledTrace {
        samples = List.copyOf(samples);
        windows = List.copyOf(windows);
    }

    String name() {
        return scenario + "#" + seed;
    }

    /** Simulated duration in hours. */
    double hours() {
        return samples.size() * intervalSeconds / 3600.0;
    }

    /** Healthy scenarios: no detector may fire on them. */
    boolean healthy() {
        return windows.isEmpty();
    }
}
