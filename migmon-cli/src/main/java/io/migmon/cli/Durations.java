package io.migmon.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;

/**
 * Parses {@code 300} (seconds), {@code 300s}, {@code 500ms}, {@code 15m}, {@code 2h}, {@code 1d}, compound
 * {@code 1h30m} (as Prometheus writes durations) or ISO {@code PT5M}.
 */
final class Durations implements CommandLine.ITypeConverter<Duration> {

    private static final Pattern NUMBER = Pattern.compile("[0-9]+(?:\\.[0-9]+)?");
    private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ms|s|m|h|d|w|y)");
    private static final Pattern COMPOUND = Pattern.compile("(?:[0-9]+(?:\\.[0-9]+)?(?:ms|s|m|h|d|w|y))+");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        if (v.startsWith("p")) {
            try {
                return Duration.parse(value.trim().toUpperCase(Locale.ROOT));
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not an ISO-8601 duration such as "
                        + "PT5M; or use 300 (seconds), 500ms, 30s, 15m, 2h, 1h30m, 1d");
            }
        }
        if (NUMBER.matcher(v).matches()) {
            return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
        }
        if (!COMPOUND.matcher(v).matches()) {
            throw new CommandLine.TypeConversionException("'" + value
                    + "' is not a duration: use seconds (300) or 500ms, 30s, 15m, 2h, 1h30m, 1d");
        }
        double millis = 0;
        Matcher m = PART.matcher(v);
        while (m.find()) {
            double n = Double.parseDouble(m.group(1));
            millis += switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1000;
                case "m" -> n * 60_000;
                case "h" -> n * 3_600_000;
                case "d" -> n * 86_400_000;
                case "w" -> n * 7 * 86_400_000;
                default -> n * 365 * 86_400_000.0;
            };
        }
        if (millis > Long.MAX_VALUE / 2.0) {
            throw new CommandLine.TypeConversionException("'" + value + "' is too long a duration");
        }
        return Duration.ofMillis(Math.round(millis));
    }

    /** Seconds as a double. */
    static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    /** A duration as people read it: {@code 500 ms}, {@code 30 s}, {@code 1.5 s}. */
    static String show(Duration d) {
        long ms = d.toMillis();
        if (Math.abs(ms) < 1000) {
            return ms + " ms";
        }
        return ms % 1000 == 0 ? ms / 1000 + " s" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }

    /** Fails with a usage error (exit 2) naming the option unless {@code d >= min}. */
    static Duration atLeast(Duration d, Duration min, String option) {
        if (d == null || d.compareTo(min) < 0) {
            throw new UsageException(option + " must be at least " + show(min) + ", was "
                    + (d == null ? "nothing" : show(d)) + (option.contains("interval")
                            ? ": a shorter interval only polls in a tight loop" : ""));
        }
        return d;
    }
}
