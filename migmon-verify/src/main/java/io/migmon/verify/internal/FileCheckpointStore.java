package io.migmon.verify.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.migmon.verify.Checkpoint;
import io.migmon.verify.CheckpointStore;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.RowDifference;
import io.migmon.verify.VerificationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * {@link CheckpointStore} of JSON files, written atomically (temp file + move). Format 2 (2026-11-27) adds
 * {@code format} and {@code hashVersion}; a file without them (format 1) loads with hash version 0, which no verifier
 * resumes.
 */
public final class FileCheckpointStore implements CheckpointStore {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Layout of the files written: 2 = with {@code format} and {@code hashVersion}. */
    static final int FORMAT = 2;

    private final Path dir;

    public FileCheckpointStore(Path dir) {
        this.dir = Objects.requireNonNull(dir, "dir");
    }

    @Override
    public synchronized Optional<Checkpoint> load(String id) {
        Path file = file(id);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (!id.equals(n.path("id").asText())) {
                return Optional.empty();
            }
            List<String> lastKey = new ArrayList<>();
            n.path("lastKey").forEach(k -> lastKey.add(k.asText()));
            List<RowDifference> candidates = new ArrayList<>();
            for (JsonNode c : n.path("candidates")) {
                Map<String, String> key = new LinkedHashMap<>();
                c.path("key").fields().forEachRemaining(e -> key.put(e.getKey(), e.getValue().asText()));
                List<String> cols = new ArrayList<>();
                c.path("columns").forEach(x -> cols.add(x.asText()));
                candidates.add(new RowDifference(DifferenceKind.valueOf(c.path("kind").asText().toUpperCase(Locale.ROOT)),
                        key, cols));
            }
            return Optional.of(new Checkpoint(id, lastKey, n.path("sourceRows").asLong(), n.path("targetRows").asLong(),
                    n.path("rowsChecked").asLong(), n.path("rangesCompared").asLong(),
                    n.path("rangesDiffering").asLong(), candidates, unlisted(n.path("unlisted")),
                    n.path("hashVersion").asInt(0)));
        } catch (IOException | RuntimeException e) {
            throw new VerificationException("cannot read checkpoint " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public synchronized void save(Checkpoint cp) {
        ObjectNode n = JSON.createObjectNode();
        n.put("format", FORMAT);
        n.put("id", cp.id());
        n.put("hashVersion", cp.hashVersion());
        ArrayNode lk = n.putArray("lastKey");
        cp.lastKey().forEach(lk::add);
        n.put("sourceRows", cp.sourceRows());
        n.put("targetRows", cp.targetRows());
        n.put("rowsChecked", cp.rowsChecked());
        n.put("rangesCompared", cp.rangesCompared());
        n.put("rangesDiffering", cp.rangesDiffering());
        ObjectNode ul = n.putObject("unlisted");
        cp.unlisted().forEach((k, v) -> ul.put(k.tagValue(), v));
        ArrayNode cs = n.putArray("candidates");
        for (RowDifference d : cp.candidates()) {
            ObjectNode c = cs.addObject();
            c.put("kind", d.kind().tagValue());
            ObjectNode key = c.putObject("key");
            d.key().forEach(key::put);
            ArrayNode cols = c.putArray("columns");
            d.columns().forEach(cols::add);
        }
        try {
            Files.createDirectories(dir);
            Path file = file(cp.id());
            Path tmp = Files.createTempFile(dir, "checkpoint", ".tmp");
            Files.writeString(tmp, JSON.writeValueAsString(n), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new VerificationException("cannot write checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    private static Map<DifferenceKind, Long> unlisted(JsonNode n) {
        Map<DifferenceKind, Long> m = new java.util.EnumMap<>(DifferenceKind.class);
        for (DifferenceKind k : DifferenceKind.values()) {
            m.put(k, n.path(k.tagValue()).asLong());
        }
        return m;
    }

    @Override
    public synchronized void clear(String id) {
        try {
            Files.deleteIfExists(file(id));
        } catch (IOException e) {
            throw new VerificationException("cannot delete checkpoint of " + id + ": " + e.getMessage(), e);
        }
    }

    private Path file(String id) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return dir.resolve("verify-" + HexFormat.of().formatHex(h, 0, 12) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "FileCheckpointStore[" + dir + "]";
    }
}
