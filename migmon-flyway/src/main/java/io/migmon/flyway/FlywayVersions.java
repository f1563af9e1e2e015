package io.migmon.flyway;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.flywaydb.core.Flyway;

/**
 * The Flyway version on the classpath and whether migmon supports it: tested with 11.7.2 (Spring Boot 3.5's managed
 * version), 11.13 and 13.12; supported from 11.7 up to (not including) 14.
 */
final class FlywayVersions {

    /** The supported range as the docs state it. */
    static final String SUPPORTED_RANGE = "11.7 <= Flyway < 14";

    private FlywayVersions() {
    }

    /** The version Flyway reports about itself (its {@code version.txt}), if readable. */
    static Optional<String> current() {
        try (InputStream in = Flyway.class.getResourceAsStream("/org/flywaydb/core/internal/version.txt")) {
            if (in == null) {
                return Optional.empty();
            }
            String v = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
            return v.isEmpty() ? Optional.empty() : Optional.of(v);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code version} (e.g. {@code 11.13.0}) is in {@link #SUPPORTED_RANGE}. */
    static boolean supported(String version) {
        String[] parts = version.split("[.\\-]");
        try {
            int major = Integer.parseInt(parts[0]);
            int minor = parts.length > 1 ? Integer.parseInt(parts[1]) : 0;
            return (major == 11 && minor >= 7) || major == 12 || major == 13;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
