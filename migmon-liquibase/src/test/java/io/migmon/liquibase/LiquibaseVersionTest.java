package io.migmon.liquibase;

import static org.assertj.core.api.Assertions.assertThat;

import liquibase.util.LiquibaseUtil;
import org.junit.jupiter.api.Test;

/** The build passes the Liquibase version each test run should have (migmon-liquibase and migmon-compat). */
class LiquibaseVersionTest {

    @Test
    void theLiquibaseOnTheClasspathIsTheOneThisTestRunNamesAndInTheSupportedRange() {
        String current = LiquibaseUtil.getBuildVersion();
        String expected = System.getProperty("migmon.expected.liquibase.version");
        if (expected != null && !expected.isBlank()) {
            assertThat(current).isEqualTo(expected);
        }
        // supported and tested: 4.33.x (Apache-2.0, the build's version) and 5.0.x (FSL-1.1-ALv2, the host's choice)
        assertThat(current).matches("4\\.33\\..*|5\\.0\\..*");
    }
}
