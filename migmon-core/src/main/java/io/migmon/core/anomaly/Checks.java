package io.migmon.core.anomaly;

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

    static Severity severity(Severity s) {
        if (s == null) {
            throw new IllegalArgumentException("severity must not be null");
        }
        return s;
    }

    static String rate(double v) {
        return String.format(java.util.Locale.ROOT, "%.1f", v);
    }
}
