package io.migmon.cdc.jdbc;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.function.Function;

/**
 * Converts Debezium's epoch-based temporal numbers (days, milli/micro/nanoseconds of the day or since the epoch) in a
 * raw JSON row image to the ISO text PostgreSQL reads into {@code date}, {@code time} and {@code timestamp}
 * columns. Only integer values of the fields a unit is given for are rewritten (spliced into a copy of the text);
 * everything else, including the exact text of other numbers, is kept byte for byte. Thread-safe.
 */
final class TemporalValues {

    private static final JsonFactory FACTORY = new JsonFactory();
    private static final long NANOS_PER_DAY = 86_400_000_000_000L;
    /** pgjdbc's (and so Debezium's) microsecond sentinels for {@code infinity} / {@code -infinity} timestamps. */
    private static final long POSITIVE_INFINITY_MICROS = 9_223_372_036_825_200_000L;
    private static final long NEGATIVE_INFINITY_MICROS = -9_223_372_036_832_400_000L;

    /** The unit of an epoch-based temporal number. */
    public enum Unit {
        /** {@code io.debezium.time.Date}, Connect {@code Date}: days since 1970-01-01. */
        EPOCH_DAYS(0),
        /** {@code io.debezium.time.Time}, Connect {@code Time}: milliseconds past midnight. */
        MILLIS_OF_DAY(1_000_000L),
        /** {@code io.debezium.time.MicroTime}: microseconds past midnight. */
        MICROS_OF_DAY(1_000L),
        /** {@code io.debezium.time.NanoTime}: nanoseconds past midnight. */
        NANOS_OF_DAY(1L),
        /** {@code io.debezium.time.Timestamp}, Connect {@code Timestamp}: milliseconds since the epoch, no zone. */
        EPOCH_MILLIS(1_000_000L),
        /** {@code io.debezium.time.MicroTimestamp}: microseconds since the epoch, no zone. */
        EPOCH_MICROS(1_000L),
        /** {@code io.debezium.time.NanoTimestamp}: nanoseconds since the epoch, no zone. */
        EPOCH_NANOS(1L);

        final long nanosPerUnit;

        Unit(long nanosPerUnit) {
            this.nanosPerUnit = nanosPerUnit;
        }

        boolean isTimeOfDay() {
            return this == MILLIS_OF_DAY || this == MICROS_OF_DAY || this == NANOS_OF_DAY;
        }
    }

    private TemporalValues() {
    }

    /**
     * The unit of a Kafka Connect semantic type name, or {@code null} for names that are not numeric temporal types
     * (including {@code io.debezium.time.ZonedTimestamp}/{@code ZonedTime}, which are ISO strings already, and
     * {@code MicroDuration}, which is not converted).
     */
    public static Unit unitOfSemanticType(String name) {
        if (name == null) {
            return null;
        }
        switch (name) {
            case "io.debezium.time.Date":
            case "org.apache.kafka.connect.data.Date":
                return Unit.EPOCH_DAYS;
            case "io.debezium.time.Time":
            case "org.apache.kafka.connect.data.Time":
                return Unit.MILLIS_OF_DAY;
            case "io.debezium.time.MicroTime":
                return Unit.MICROS_OF_DAY;
            case "io.debezium.time.NanoTime":
                return Unit.NANOS_OF_DAY;
            case "io.debezium.time.Timestamp":
            case "org.apache.kafka.connect.data.Timestamp":
                return Unit.EPOCH_MILLIS;
            case "io.debezium.time.MicroTimestamp":
                return Unit.EPOCH_MICROS;
            case "io.debezium.time.NanoTimestamp":
                return Unit.EPOCH_NANOS;
            default:
                return null;
        }
    }

    /** Whether any of the semantic types is a numeric temporal type. */
    public static boolean anyTemporal(Map<String, String> semanticTypes) {
        for (String name : semanticTypes.values()) {
            if (unitOfSemanticType(name) != null) {
                return true;
            }
        }
        return false;
    }

    /**
     * The row image with the integer values of fields whose {@code unitOf} is non-null replaced by ISO text.
     *
     * @throws IllegalArgumentException naming the field (never the value) when a value is out of range or the
     *         image is not a JSON object
     */
    public static String rewrite(String json, Function<String, Unit> unitOf) {
        StringBuilder out = null;
        int copied = 0;
        try (JsonParser p = FACTORY.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new IllegalArgumentException("row image is not a JSON object");
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                if (v != JsonToken.VALUE_NUMBER_INT) {
                    p.skipChildren();
                    continue;
                }
                Unit unit = unitOf.apply(field);
                if (unit == null) {
                    continue;
                }
                String text = p.getText();
                int start = (int) p.currentTokenLocation().getCharOffset();
                if (start < 0 || !json.startsWith(text, start)) {
                    throw new IllegalArgumentException("cannot locate the value of field " + field);
                }
                String iso;
                try {
                    iso = format(unit, p.getLongValue());
                } catch (DateTimeException | ArithmeticException | IOException e) {
                    throw new IllegalArgumentException("value of field " + field + " is out of range for " + unit);
                }
                if (out == null) {
                    out = new StringBuilder(json.length() + 32);
                }
                out.append(json, copied, start).append('"').append(iso).append('"');
                copied = start + text.length();
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("row image is not valid JSON");
        }
        if (out == null) {
            return json;
        }
        return out.append(json, copied, json.length()).toString();
    }

    /**
     * ISO text of {@code value} in {@code unit}, as PostgreSQL reads it (years before 1 as {@code BC}; Debezium's
     * {@code infinity} sentinels of {@code timestamp} columns as {@code infinity} / {@code -infinity}).
     */
    public static String format(Unit unit, long value) {
        if (unit == Unit.EPOCH_DAYS) {
            return date(LocalDate.ofEpochDay(value), "");
        }
        if (unit.isTimeOfDay()) {
            long nanos = Math.multiplyExact(value, unit.nanosPerUnit);
            if (nanos == NANOS_PER_DAY) {
                return "24:00:00"; // PostgreSQL's time allows the end of the day
            }
            return LocalTime.ofNanoOfDay(nanos).toString();
        }
        if (unit == Unit.EPOCH_MICROS || unit == Unit.EPOCH_MILLIS) {
            long divisor = unit == Unit.EPOCH_MICROS ? 1 : 1_000;
            if (value == POSITIVE_INFINITY_MICROS / divisor) {
                return "infinity";
            }
            if (value == NEGATIVE_INFINITY_MICROS / divisor) {
                return "-infinity";
            }
        }
        long perSecond = 1_000_000_000L / unit.nanosPerUnit;
        long seconds = Math.floorDiv(value, perSecond);
        int nanos = (int) (Math.floorMod(value, perSecond) * unit.nanosPerUnit);
        LocalDateTime t = LocalDateTime.ofEpochSecond(seconds, nanos, ZoneOffset.UTC);
        return date(t.toLocalDate(), " " + t.toLocalTime());
    }

    private static String date(LocalDate d, String time) {
        int year = d.getYear();
        if (year >= 1 && year <= 9999) {
            return d + time;
        }
        int shown = year >= 1 ? year : 1 - year; // ISO year 0 is 1 BC
        return String.format("%04d-%02d-%02d%s%s", shown, d.getMonthValue(), d.getDayOfMonth(), time,
                year >= 1 ? "" : " BC");
    }
}
