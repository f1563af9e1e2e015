package io.migmon.cdc.jdbc;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The Debezium connector's {@code time.precision.mode}, which the {@link JdbcChangeApplier} needs to read temporal
 * numbers of records <b>without</b> a schema: it then infers each value's unit from the target column's type and
 * precision. Records with the {@code schema}/{@code payload} wrapper carry the unit as the field's semantic type and
 * do not depend on this setting.
 */
public enum TimePrecisionMode {
    /**
     * Debezium's default: {@code date} in days; {@code time(p)} and {@code timestamp(p)} in milliseconds for
     * {@code p <= 3}, in microseconds for {@code p} 4 to 6 (and without a precision, which is 6).
     */
    ADAPTIVE("adaptive"),
    /** As {@link #ADAPTIVE}, but {@code time} always in microseconds. */
    ADAPTIVE_TIME_MICROSECONDS("adaptive_time_microseconds"),
    /** Kafka Connect's logical types: {@code date} in days, {@code time} and {@code timestamp} in milliseconds. */
    CONNECT("connect"),
    /** Temporal values are ISO strings already: nothing is converted. */
    ISOSTRING("isostring");

    private final String configValue;

    TimePrecisionMode(String configValue) {
        this.configValue = configValue;
    }

    /** The value as written in the connector configuration, e.g. {@code adaptive}. */
    public String configValue() {
        return configValue;
    }

    /**
     * The mode for a connector configuration value (case-insensitive).
     *
     * @throws IllegalArgumentException naming {@code timePrecisionMode} and the accepted values
     */
    public static TimePrecisionMode fromConfigValue(String value) {
        if (value != null) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            for (TimePrecisionMode m : values()) {
                if (m.configValue.equals(v)) {
                    return m;
                }
            }
        }
        throw new IllegalArgumentException("timePrecisionMode must be one of "
                + Arrays.stream(values()).map(TimePrecisionMode::configValue).collect(Collectors.joining(", "))
                + " (the connector's time.precision.mode), was " + (value == null ? "null" : "'" + value + "'"));
    }
}
