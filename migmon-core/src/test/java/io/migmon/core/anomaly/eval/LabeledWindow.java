package io.migmon.core.anomaly.eval;

import java.util.Set;

/**
 * A labeled anomaly in a trace: samples {@code [start, end)}. Detectors whose type is in {@code required} must fire
 * for it (a miss is a false negative); types in {@code tolerated} may fire for it without penalty (a stall is also
 * a throughput drop); any other type firing there is a false positive.
 */
record LabeledWindow(String label, int start, int end, Set<String> required, Set<String> tolerated) {

    LabeledWindow {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException("bad window [" + start + ", " + end + ")");
        }
        required = Set.copyOf(required);
        tolerated = Set.copyOf(tolerated);
    }

    boolean accepts(String type) {
        return required.contains(type) || tolerated.contains(type);
    }
}
