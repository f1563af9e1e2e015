package io.migmon.core.support;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * Argument validation for migmon's builders: one rule and one message shape everywhere. <strong>For migmon's own
 * modules; not a stable API.</strong>
 *
 * <p>The rule: every method takes {@code (value, ..., field)} in that order, returns the value when it is valid,
 * and otherwise throws {@link IllegalArgumentException} whose message starts with the field name and shows the bad
 * value ({@code "maxPollRecords must be >= 1, was 0"}). The exceptions are {@link #httpUrl}, which never shows the
 * value (webhook URLs carry secrets), and {@link #configured}, which a builder calls in {@code build()} for a
 * required collaborator and which throws {@link IllegalStateException} naming the setter.
 */
public final class Require {

    private Require() {
    }

    /**
     * @throws IllegalArgumentException {@code "<field> must not be null"}
     */
    public static <T> T notNull(T value, String field) {
        if (value == null) {
            throw new IllegalArgumentException(field + " must not be null");
        }
        return value;
    }

    /**
     * @throws IllegalArgumentException if {@code value} is null, empty or only whitespace
     */
    public static String notBlank(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank, was " + quote(value));
        }
        return value;
    }

    /**
     * @throws IllegalArgumentException if {@code value} is null or does not match {@code pattern} as a whole
     */
    public static String matches(String value, Pattern pattern, String field) {
        if (value == null || !pattern.matcher(value).matches()) {
            throw new IllegalArgumentException(field + " must match " + pattern + ", was " + quote(value));
        }
        return value;
    }

    /**
     * @throws IllegalArgumentException if {@code value} is null, zero or negative
     */
    public static Duration positive(Duration value, String field) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(field + " must be a positive duration, was " + value);
        }
        return value;
    }

    /**
     * @throws IllegalArgumentException if {@code value} is null or negative
     */
    public static Duration nonNegative(Duration value, String field) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(field + " must be zero or positive, was " + value);
        }
        return value;
    }

    /**
     * @throws IllegalArgumentException if {@code value} is null or shorter than {@code min}
     */
    public static Duration atLeast(Duration value, Duration min, String field) {
        if (value == null || value.compareTo(min) < 0) {
            throw new IllegalArgumentException(field + " must be at least " + min + ", was " + value);
        }
        return value;
    }

    /**
     * @throws IllegalArgumentException if {@code value <= 0}
     */
    public static long positive(long value, String field) {
        if (value <= 0) {
            throw new IllegalArgumentException(field + " must be > 0, was " + value);
        }
        return value;
    }

    /**
     * @throws IllegalArgumentException if {@code value} is not a finite number above zero (NaN fails)
     */
    public static double positive(double value, String field) {
        if (!(value > 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " must be a positive finite number, was " + value);
        }
        return value;
    }

    /**
     * @throws IllegalArgumentException if {@code value < 0}
     */
    public static long nonNegative(long value, String field) {
        if (value < 0) {
            throw new IllegalArgumentException(field + " must be >= 0, was " + value);
        }
        return value;
    }

    /**
     * @throws IllegalArgumentException if {@code value} is negative, infinite or NaN
     */
    public static double nonNegative(double value, String field) {
        if (!(value >= 0) || Double.isInfinite(value)) {
            throw new IllegalArgumentException(field + " must be a finite number >= 0, was " + value);
        }
        return value;
    }

    /**
     * @throws IllegalArgumentException if {@code value < min}
     */
    public static int atLeast(int value, int min, String field) {
        if (value < min) {
            throw new IllegalArgumentException(field + " must be >= " + min + ", was " + value);
        }
        return value;
    }

    /**
     * @throws IllegalArgumentException if {@code value < min}
     */
    public static long atLeast(long value, long min, String field) {
        if (value < min) {
            throw new IllegalArgumentException(field + " must be >= " + min + ", was " + value);
        }
        return value;
    }

    /**
     * {@code value} if {@code min <= value <= max} (both ends included; NaN fails).
     *
     * @throws IllegalArgumentException otherwise
     */
    public static double between(double value, double min, double max, String field) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(field + " must be in [" + min + ", " + max + "], was " + value);
        }
        return value;
    }

    /**
     * {@code value} if {@code min < value < max} (both ends excluded; NaN fails), e.g. a smoothing factor in (0, 1).
     *
     * @throws IllegalArgumentException otherwise
     */
    public static double strictlyBetween(double value, double min, double max, String field) {
        if (!(value > min && value < max)) {
            throw new IllegalArgumentException(field + " must be in (" + min + ", " + max + "), was " + value);
        }
        return value;
    }

    /**
     * Checks a condition between arguments that the single-value helpers cannot express.
     *
     * @param message the whole message; start it with the field name
     * @throws IllegalArgumentException with {@code message} if {@code condition} is false
     */
    public static void argument(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    /**
     * An absolute http or https URL with a host. The message names the field but <strong>never shows the
     * value</strong>: webhook and API URLs often carry tokens.
     *
     * @throws IllegalArgumentException if {@code value} is blank, not a URL, not http(s) or has no host
     */
    public static URI httpUrl(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank");
        }
        URI uri;
        try {
            uri = new URI(value.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(field + " is not a valid URL (value not shown: it may be secret)");
        }
        if (!"https".equalsIgnoreCase(uri.getScheme()) && !"http".equalsIgnoreCase(uri.getScheme())) {
            throw new IllegalArgumentException(field + " must be an http or https URL (value not shown: it may be secret)");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException(field + " has no host (value not shown: it may be secret)");
        }
        return uri;
    }

    /**
     * For {@code build()}: a required collaborator that was never set.
     *
     * @param setter the builder method that sets it, e.g. {@code "meterRegistry"}
     * @param why    what it is needed for, appended after a colon; may be empty
     * @throws IllegalStateException {@code "<setter> must be set: <why>"} if {@code value} is null
     */
    public static <T> T configured(T value, String setter, String why) {
        if (value == null) {
            throw new IllegalStateException(setter + " must be set" + (why == null || why.isEmpty() ? "" : ": " + why));
        }
        return value;
    }

    private static String quote(String s) {
        return s == null ? "null" : "'" + s + "'";
    }
}
