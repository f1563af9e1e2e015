package io.migmon.grafana.dashboard;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Grafana's dashboard JSON schema (draft-07, generated from {@code @grafana/schema} 13.2.3). The test resource is a
 * copy of {@code shared/schemas/grafana-dashboard.schema.json}; {@link #sharedCopy()} finds the original when the
 * checkout has it beside it, and a test asserts both are identical.
 */
final class GrafanaSchema {

    static final String RESOURCE = "/schemas/grafana-dashboard.schema.json";
    private static final Schema SCHEMA = load();

    private GrafanaSchema() {
    }

    /** Validation messages; empty when the dashboard is valid. */
    static List<String> validate(JsonNode dashboard) {
        return SCHEMA.validate(dashboard).stream().map(Error::toString).toList();
    }

    /** {@code shared/schemas/grafana-dashboard.schema.json} beside the checkout (or two levels up), if present. */
    static Optional<Path> sharedCopy() {
        Path dir = Path.of("").toAbsolutePath();
        for (int i = 0; i < 4 && dir != null; i++, dir = dir.getParent()) {
            Path candidate = dir.resolve("shared/schemas/grafana-dashboard.schema.json");
            if (Files.isRegularFile(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static Schema load() {
        try (InputStream in = GrafanaSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " missing from the test class path");
            }
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7).getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
