package io.migmon.cdc.jdbc;

import io.migmon.cdc.jdbc.TemporalValues.Unit;

import org.junit.jupiter.api.Test;

import java.time.LocalDate;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TemporalValuesTest {

    @Test
    void formatsEveryUnitAsPostgresReadsIt() {
        assertThat(TemporalValues.format(Unit.EPOCH_DAYS, 19_782)).isEqualTo("2024-02-29");
        assertThat(TemporalValues.format(Unit.EPOCH_DAYS, -1)).isEqualTo("1969-12-31");
        assertThat(TemporalValues.format(Unit.EPOCH_DAYS, LocalDate.of(-43, 3, 15).toEpochDay())).isEqualTo("0044-03-15 BC");
        assertThat(TemporalValues.format(Unit.MILLIS_OF_DAY, 45_296_789)).isEqualTo("12:34:56.789");
        assertThat(TemporalValues.format(Unit.MICROS_OF_DAY, 86_399_999_999L)).isEqualTo("23:59:59.999999");
        assertThat(TemporalValues.format(Unit.MICROS_OF_DAY, 86_400_000_000L)).isEqualTo("24:00:00");
        assertThat(TemporalValues.format(Unit.NANOS_OF_DAY, 1)).isEqualTo("00:00:00.000000001");
        assertThat(TemporalValues.format(Unit.EPOCH_MILLIS, -1)).isEqualTo("1969-12-31 23:59:59.999");
        assertThat(TemporalValues.format(Unit.EPOCH_MICROS, 1_700_000_000_123_456L)).isEqualTo("2023-11-14 22:13:20.123456");
        assertThat(TemporalValues.format(Unit.EPOCH_MICROS, -2_208_988_800_000_001L)).isEqualTo("1899-12-31 23:59:59.999999");
        // the values Debezium emits for 'infinity' / '-infinity' timestamp(6) and timestamp(3) columns
        assertThat(TemporalValues.format(Unit.EPOCH_MICROS, 9_223_372_036_825_200_000L)).isEqualTo("infinity");
        assertThat(TemporalValues.format(Unit.EPOCH_MILLIS, -9_223_372_036_832_400L)).isEqualTo("-infinity");
        assertThat(TemporalValues.format(Unit.EPOCH_NANOS, 1)).isEqualTo("1970-01-01 00:00:00.000000001");
    }

    @Test
    void rewritesOnlyIntegerValuesOfTemporalFieldsAndKeepsTheRestByteForByte() {
        String json = "{\"id\":7, \"d\":19782,\"ts\":-1,\"n\":1.50000000000000000001,\"s\":\"x\\\"y\","
                + "\"tz\":\"2024-01-01T00:00:00Z\",\"j\":{\"ts\":5},\"nul\":null,\"big\":123456789012345678901234567890}";
        Map<String, Unit> units = Map.of("d", Unit.EPOCH_DAYS, "ts", Unit.EPOCH_MILLIS, "tz", Unit.EPOCH_MICROS,
                "nul", Unit.EPOCH_DAYS);
        assertThat(TemporalValues.rewrite(json, units::get)).isEqualTo(
                "{\"id\":7, \"d\":\"2024-02-29\",\"ts\":\"1969-12-31 23:59:59.999\",\"n\":1.50000000000000000001,"
                        + "\"s\":\"x\\\"y\",\"tz\":\"2024-01-01T00:00:00Z\",\"j\":{\"ts\":5},\"nul\":null,"
                        + "\"big\":123456789012345678901234567890}");
        String untouched = "{\"id\":1,\"note\":\"n\"}";
        assertThat(TemporalValues.rewrite(untouched, units::get)).isSameAs(untouched);
    }

    @Test
    void semanticTypesAndErrorsWithoutValues() {
        assertThat(TemporalValues.unitOfSemanticType("io.debezium.time.MicroTimestamp")).isEqualTo(Unit.EPOCH_MICROS);
        assertThat(TemporalValues.unitOfSemanticType("org.apache.kafka.connect.data.Date")).isEqualTo(Unit.EPOCH_DAYS);
        assertThat(TemporalValues.unitOfSemanticType("io.debezium.time.ZonedTimestamp")).isNull();
        assertThat(TemporalValues.unitOfSemanticType("io.debezium.time.MicroDuration")).isNull();
        assertThat(TemporalValues.anyTemporal(Map.of("a", "io.debezium.data.Json"))).isFalse();
        assertThatThrownBy(() -> TemporalValues.rewrite("{\"t\":9223372036854775807}", f -> Unit.MICROS_OF_DAY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("field t")
                .hasMessageNotContaining("9223372036854775807");
    }
}
