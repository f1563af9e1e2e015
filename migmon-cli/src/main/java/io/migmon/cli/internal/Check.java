package io.migmon.cli.internal;

/**
 * One evaluated check.
 *
 * @param name      stable id, e.g. {@code data_lag} (see docs/cli.md)
 * @param verdict   the verdict
 * @param value     measured value (number) for display and JSON, NaN when none
 * @param display   measured value as shown (e.g. {@code 312 s}, {@code success})
 * @param threshold the limit as shown (e.g. {@code <= 300 s}), or {@code -}
 * @param limit     the limit as a number, NaN when none
 * @param unit      unit of value and limit ({@code seconds}, {@code ratio}, {@code errors}), or null
 * @param message   a sentence: what was asked, what was found, what to do
 */
public record Check(String name, Verdict verdict, double value, String display, String threshold, double limit,
        String unit, String message) {

    static Check info(String name, double value, String display, String unit, String message) {
        return new Check(name, Verdict.INFO, value, display, "-", Double.NaN, unit, message);
    }

    static Check unknown(String name, String threshold, double limit, String unit, String message) {
        return new Check(name, Verdict.UNKNOWN, Double.NaN, "no data", threshold, limit, unit, message);
    }
}
