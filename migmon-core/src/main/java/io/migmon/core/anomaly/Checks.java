package io.migmon.core.anomaly;

import java.time.Duration;

/** Builder validation shared by the detectors: messages name the field. */
final class Checks {
    private Checks() {
    }

    static int atLeast(String field, int value, int min) {
        if (value < min) {
            throw new IllegalArgumentException(field + " must be >= " + min + ", was " + value);
        }
        return value;
    }

    static double positive(String field, double value) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " must be a positive finite number, was " + value);
        }
        return value;
    }

    static double fraction(String field, double value) {
        if (!(value > 0 && value < 1)) {
            throw new IllegalArgumentException(field + " must be in (0, 1), was " + value);
        }
        return value;
    }

    static Duration positive(String field, Duration value) {
        if (value == null || value.isNegative() || value.isZero() || value.toMillis() < 1) {
            throw new IllegalArgumentException(field + " must be a positive duration (at least 1 ms), was " + value);
        }
        return value;
    }

    static Duration nonNegative(String field, Duration value) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(field + " must be zero or a positive duration, was " + value);
        }
        return value;
    }

    /** A deprecated count of samples at the nominal 5 s interval as a duration. */
    static Duration nominal(String field, int samples, int min) {
        atLeast(field, samples, min);
        return Duration.ofSeconds((long) samples * DetectorBuilder.NOMINAL_INTERVAL_SECONDS);
    }

    static Severity severity(Severity s) {
        if (s == null) {
            throw new IllegalArgumentException("severity must not be null");
        }
        return s;
    }

    static String rate(double v) {
        return String.format(java.util.Locale.ROOT, "%.1f", v);
    }

    static String seconds(double v) {
        return String.format(java.util.Locale.ROOT, "%.0f s", v);
    }
}
