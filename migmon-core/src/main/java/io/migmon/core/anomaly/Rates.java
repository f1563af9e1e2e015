package io.migmon.core.anomaly;

import java.util.Locale;

/** Number formatting for the detectors' anomaly messages (one decimal, locale-independent). */
final class Rates {
    private Rates() {
    }

    static String format(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    /** Seconds without decimals, e.g. {@code 60 s}. */
    static String seconds(double v) {
        return String.format(Locale.ROOT, "%.0f s", v);
    }
}
