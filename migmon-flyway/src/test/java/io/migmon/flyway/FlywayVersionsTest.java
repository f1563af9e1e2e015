package io.migmon.flyway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FlywayVersionsTest {

    @Test
    void supportedRangeIsElevenSevenUpToFourteen() {
        assertThat(FlywayVersions.supported("11.7.2")).isTrue();
        assertThat(FlywayVersions.supported("11.13.0")).isTrue();
        assertThat(FlywayVersions.supported("12.0.0")).isTrue();
        assertThat(FlywayVersions.supported("13.12.0")).isTrue();
        assertThat(FlywayVersions.supported("11.6.9")).isFalse();
        assertThat(FlywayVersions.supported("10.22.0")).isFalse();
        assertThat(FlywayVersions.supported("14.0.0")).isFalse();
        assertThat(FlywayVersions.supported("garbage")).isFalse();
    }

    /** The build passes the version each test run should have (migmon-flyway and each migmon-compat module). */
    @Test
    void theFlywayOnTheClasspathIsTheOneThisTestRunNamesAndIsSupported() {
        String current = FlywayVersions.current().orElseThrow();
        String expected = System.getProperty("migmon.expected.flyway.version");
        if (expected != null && !expected.isBlank()) {
            assertThat(current).isEqualTo(expected);
        }
        assertThat(FlywayVersions.supported(current)).as(current).isTrue();
    }
}
