package io.migmon.verify;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The result of one verification run: status (and exit code), row counts, ranges compared, verified differences
 * by kind with a bounded list of examples, and what happened to in-flight differences. Immutable and thread-safe.
 * {@link #toJson()} renders the documented JSON schema {@value #SCHEMA} (see {@code docs/verify.md}).
 */
public final class VerificationReport {

    /** Identifier of the JSON layout, written as the {@code schema} field. */
    public static final String SCHEMA = "migmon.verify.report/v1";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final String subject;
    private final String name;
    private final String engine;
    private final List<String> keyColumns;
    private final String filter;
    private final Instant startedAt;
    private final Instant finishedAt;
    private final long sourceRows;
    private final long targetRows;
    private final long rowsChecked;
    private final long rangesCompared;
    private final long rangesDiffering;
    private final boolean resumed;
    private final Map<DifferenceKind, Long> counts;
    private final List<RowDifference> differences;
    private final long inFlightRechecked;
    private final long inFlightResolved;
    private final long unresolved;
    private final List<Map<String, String>> unresolvedKeys;
    private final Instant watermark;

    private VerificationReport(Builder b) {
        this.subject = b.subject;
        this.name = b.name == null ? b.subject : b.name;
        this.engine = b.engine;
        this.keyColumns = List.copyOf(b.keyColumns);
        this.filter = b.filter;
        this.startedAt = Objects.requireNonNull(b.startedAt, "startedAt");
        this.finishedAt = Objects.requireNonNull(b.finishedAt, "finishedAt");
        this.sourceRows = b.sourceRows;
        this.targetRows = b.targetRows;
        this.rowsChecked = b.rowsChecked;
        this.rangesCompared = b.rangesCompared;
        this.rangesDiffering = b.rangesDiffering;
        this.resumed = b.resumed;
        EnumMap<DifferenceKind, Long> c = new EnumMap<>(DifferenceKind.class);
        for (DifferenceKind k : DifferenceKind.values()) {
            c.put(k, b.counts.getOrDefault(k, 0L));
        }
        this.counts = Collections.unmodifiableMap(c);
        this.differences = List.copyOf(b.differences);
        this.inFlightRechecked = b.inFlightRechecked;
        this.inFlightResolved = b.inFlightResolved;
        this.unresolved = b.unresolved;
        this.unresolvedKeys = List.copyOf(b.unresolvedKeys);
        this.watermark = b.watermark;
    }

    /** A builder; used by the verifiers of this module (and by tests of code that consumes reports). */
    public static Builder builder(String subject, String engine) {
        return new Builder(subject, engine);
    }

    /** Identical when no verified difference and nothing unresolved; different when any verified difference. */
    public VerificationStatus status() {
        if (totalDifferences() > 0) {
            return VerificationStatus.DIFFERENT;
        }
        return unresolved > 0 ? VerificationStatus.INCONCLUSIVE : VerificationStatus.IDENTICAL;
    }

    /** {@link VerificationStatus#exitCode()} of {@link #status()}. */
    public int exitCode() {
        return status().exitCode();
    }

    /** The table (as given) or collection name. */
    public String subject() {
        return subject;
    }

    /**
     * The verification's name ({@code JdbcTableVerifier.Builder#name}, default the {@link #subject() subject}): what
     * the health check and the meters' {@code verification} tag identify it by.
     */
    public String name() {
        return name;
    }

    /** {@code postgresql} or {@code mongodb}. */
    public String engine() {
        return engine;
    }

    public List<String> keyColumns() {
        return keyColumns;
    }

    /** The row filter ({@code WHERE} condition or MongoDB filter JSON) applied to both sides, or {@code null}. */
    public String filter() {
        return filter;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Instant finishedAt() {
        return finishedAt;
    }

    public Duration duration() {
        return Duration.between(startedAt, finishedAt);
    }

    /** Rows counted on the source (by the range checksums of this run, plus those of a resumed run). */
    public long sourceRows() {
        return sourceRows;
    }

    /** Rows counted on the target. */
    public long targetRows() {
        return targetRows;
    }

    /** Rows covered: per range the larger of the two sides' counts, summed. */
    public long rowsChecked() {
        return rowsChecked;
    }

    /** Ranges whose checksums were compared, top-level and bisected. */
    public long rangesCompared() {
        return rangesCompared;
    }

    /** Compared ranges whose checksums differed. */
    public long rangesDiffering() {
        return rangesDiffering;
    }

    /** Whether this run continued from a checkpoint of an interrupted run. */
    public boolean resumed() {
        return resumed;
    }

    /** Verified differences by kind (every kind present, 0 when none). */
    public Map<DifferenceKind, Long> counts() {
        return counts;
    }

    /** Verified differences of one kind. */
    public long count(DifferenceKind kind) {
        return counts.get(kind);
    }

    /** All verified differences. */
    public long totalDifferences() {
        return counts.values().stream().mapToLong(Long::longValue).sum();
    }

    /** The first verified differences, at most the configured maximum. */
    public List<RowDifference> differences() {
        return differences;
    }

    /** Whether {@link #differences()} lists fewer than {@link #totalDifferences()}. */
    public boolean truncated() {
        return differences.size() < totalDifferences();
    }

    /** Candidate differences re-checked against the CDC watermark. */
    public long inFlightRechecked() {
        return inFlightRechecked;
    }

    /** Re-checked candidates that turned out equal (the change was in flight). */
    public long inFlightResolved() {
        return inFlightResolved;
    }

    /** Candidates that could not be settled (deadline passed, watermark stalled, too many candidates). */
    public long unresolved() {
        return unresolved;
    }

    /**
     * Keys of the candidates left unresolved (column name to canonical value), at most as many as differences are
     * listed ({@code maxReportedDifferences}); {@link #unresolved()} counts them all.
     */
    public List<Map<String, String>> unresolvedKeys() {
        return unresolvedKeys;
    }

    /** The last applied watermark read, or {@code null} without a pipeline. */
    public Instant watermark() {
        return watermark;
    }

    /**
     * The JSON of a run that could not be evaluated (exit code 2: bad arguments, connection or schema errors): schema
     * {@value #SCHEMA} with {@code status} {@code "error"}, {@code exitCode} 2 and the {@code reason}, so that a file
     * or pipe that held an earlier run's report never keeps saying something the latest run did not find.
     *
     * @param subject the table or collection as given ({@code null} when unknown)
     * @param reason  what went wrong (secrets already masked by the caller)
     */
    public static String errorJson(String subject, String name, String engine, String reason, Instant at) {
        ObjectNode root = JSON.createObjectNode();
        root.put("schema", SCHEMA);
        root.put("subject", subject);
        root.put("name", name);
        root.put("engine", engine);
        root.put("status", "error");
        root.put("exitCode", 2);
        root.put("reason", reason);
        root.put("finishedAt", at.toString());
        try {
            return JSON.writeValueAsString(root);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The report as JSON (schema {@value #SCHEMA}, documented in {@code docs/verify.md}). */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("schema", SCHEMA);
        root.put("subject", subject);
        root.put("name", name);
        root.put("engine", engine);
        root.put("status", status().tagValue());
        root.put("exitCode", exitCode());
        ArrayNode keys = root.putArray("keyColumns");
        keyColumns.forEach(keys::add);
        if (filter == null) {
            root.putNull("filter");
        } else {
            root.put("filter", filter);
        }
        root.put("startedAt", startedAt.toString());
        root.put("finishedAt", finishedAt.toString());
        root.put("durationSeconds", duration().toNanos() / 1e9);
        root.put("resumed", resumed);
        ObjectNode rows = root.putObject("rows");
        rows.put("source", sourceRows);
        rows.put("target", targetRows);
        rows.put("checked", rowsChecked);
        ObjectNode ranges = root.putObject("ranges");
        ranges.put("compared", rangesCompared);
        ranges.put("differing", rangesDiffering);
        ObjectNode diffs = root.putObject("differences");
        for (DifferenceKind k : DifferenceKind.values()) {
            diffs.put(k.tagValue(), counts.get(k));
        }
        diffs.put("total", totalDifferences());
        diffs.put("truncated", truncated());
        ArrayNode items = diffs.putArray("items");
        for (RowDifference d : differences) {
            ObjectNode item = items.addObject();
            item.put("kind", d.kind().tagValue());
            ObjectNode key = item.putObject("key");
            d.key().forEach(key::put);
            ArrayNode cols = item.putArray("columns");
            d.columns().forEach(cols::add);
        }
        ObjectNode inFlight = root.putObject("inFlight");
        inFlight.put("rechecked", inFlightRechecked);
        inFlight.put("resolved", inFlightResolved);
        inFlight.put("unresolved", unresolved);
        ArrayNode unresolvedItems = inFlight.putArray("unresolvedKeys");
        for (Map<String, String> k : unresolvedKeys) {
            ObjectNode key = unresolvedItems.addObject();
            k.forEach(key::put);
        }
        if (watermark == null) {
            inFlight.putNull("watermark");
        } else {
            inFlight.put("watermark", watermark.toString());
        }
        try {
            return JSON.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "VerificationReport{" + (name.equals(subject) ? subject : name + " (" + subject + ")") + ": " + status().tagValue() + ", rows checked=" + rowsChecked
                + ", missing=" + count(DifferenceKind.MISSING) + ", extra=" + count(DifferenceKind.EXTRA)
                + ", changed=" + count(DifferenceKind.CHANGED) + ", unresolved=" + unresolved + ", took "
                + duration() + "}";
    }

    /** Builder of {@link VerificationReport}; not thread-safe. */
    public static final class Builder {
        private final String subject;
        private final String engine;
        private String name;
        private List<String> keyColumns = List.of();
        private String filter;
        private Instant startedAt;
        private Instant finishedAt;
        private long sourceRows;
        private long targetRows;
        private long rowsChecked;
        private long rangesCompared;
        private long rangesDiffering;
        private boolean resumed;
        private final Map<DifferenceKind, Long> counts = new EnumMap<>(DifferenceKind.class);
        private final List<RowDifference> differences = new ArrayList<>();
        private long inFlightRechecked;
        private long inFlightResolved;
        private long unresolved;
        private final List<Map<String, String>> unresolvedKeys = new ArrayList<>();
        private Instant watermark;

        private Builder(String subject, String engine) {
            this.subject = Objects.requireNonNull(subject, "subject");
            this.engine = Objects.requireNonNull(engine, "engine");
        }

        /** The verification's name (default: the subject). */
        public Builder name(String value) {
            this.name = Objects.requireNonNull(value, "name");
            return this;
        }

        public Builder keyColumns(List<String> value) {
            this.keyColumns = List.copyOf(value);
            return this;
        }

        public Builder filter(String value) {
            this.filter = value;
            return this;
        }

        public Builder startedAt(Instant value) {
            this.startedAt = value;
            return this;
        }

        public Builder finishedAt(Instant value) {
            this.finishedAt = value;
            return this;
        }

        public Builder rows(long source, long target, long checked) {
            this.sourceRows = source;
            this.targetRows = target;
            this.rowsChecked = checked;
            return this;
        }

        public Builder ranges(long compared, long differing) {
            this.rangesCompared = compared;
            this.rangesDiffering = differing;
            return this;
        }

        public Builder resumed(boolean value) {
            this.resumed = value;
            return this;
        }

        /** Counts one verified difference; lists it while fewer than {@code maxListed} are listed. */
        public Builder difference(RowDifference d, int maxListed) {
            counts.merge(d.kind(), 1L, Long::sum);
            if (differences.size() < maxListed) {
                differences.add(d);
            }
            return this;
        }

        /** Counts {@code n} verified differences of one kind that are not listed (their keys were not kept). */
        public Builder unlisted(DifferenceKind kind, long n) {
            if (n > 0) {
                counts.merge(kind, n, Long::sum);
            }
            return this;
        }

        public Builder inFlight(long rechecked, long resolved, long unresolvedCount, Instant lastWatermark) {
            this.inFlightRechecked = rechecked;
            this.inFlightResolved = resolved;
            this.unresolved = unresolvedCount;
            this.watermark = lastWatermark;
            return this;
        }

        /** Names one unresolved candidate's key (listed up to {@code max} keys). */
        public Builder unresolvedKey(Map<String, String> key, int max) {
            if (unresolvedKeys.size() < max) {
                unresolvedKeys.add(Collections.unmodifiableMap(new java.util.LinkedHashMap<>(key)));
            }
            return this;
        }

        public VerificationReport build() {
            return new VerificationReport(this);
        }
    }
}
