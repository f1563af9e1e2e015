package io.migmon.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The documented JSON schemas in docs/schemas, as the docs publish them. */
final class Schemas {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private Schemas() {
    }

    static List<String> validate(String schemaFile, String json) {
        try {
            Path file = Path.of("..", "docs", "schemas", schemaFile);
            Schema schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_7)
                    .getSchema(Files.newInputStream(file));
            JsonNode node = MAPPER.readTree(json);
            return schema.validate(node).stream().map(Error::toString).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode parse(String json) {
        try {
            return MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
