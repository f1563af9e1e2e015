package io.migmon.verify;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where an interrupted verification stopped: the key of the last fully compared top-level range, the counters so
 * far and the candidate differences found so far (not yet re-checked). Immutable. Saved by the verifiers to a
 * {@link CheckpointStore} after every top-level range; a run given the same store continues after
 * {@link #lastKey()}.
 *
 * <p>A checkpoint names the {@link #hashVersion() row-hash version} its ranges were compared with: ranges compared
 * with another row hash are not comparable (an older one missed changes a newer one finds), so a verifier does not
 * resume a checkpoint of another version; it starts the table over and logs why. A {@link CheckpointStore} that
 * persists checkpoints itself must keep this number.
 */
public final class Checkpoint {

    private final String id;
    private final List<String> lastKey;
    private final long sourceRows;
    private final long targetRows;
    private final long rowsChecked;
    private final long rangesCompared;
    private final long rangesDiffering;
    private final List<RowDifference> candidates;
    private final Map<DifferenceKind, Long> unlisted;
    private final int hashVersion;

    /**
     * @param id         the verification's identity (engine, source and target subject, filter)
     * @param lastKey    canonical texts of the last key compared (in key order)
     * @param candidates candidate differences found so far
     * @param unlisted   candidates counted but not kept (beyond the re-check limit), by kind
     * @param hashVersion the row-hash version the ranges up to {@code lastKey} were compared with
     *                    ({@code JdbcTableVerifier.ROW_HASH_VERSION}, {@code MongoCollectionVerifier.HASH_VERSION});
     *                    0 = unknown
     */
    public Checkpoint(String id, List<String> lastKey, long sourceRows, long targetRows, long rowsChecked,
            long rangesCompared, long rangesDiffering, List<RowDifference> candidates, Map<DifferenceKind, Long> unlisted,
            int hashVersion) {
        if (hashVersion < 0) {
            throw new IllegalArgumentException("hashVersion must be >= 0, was " + hashVersion);
        }
        this.hashVersion = hashVersion;
        this.id = Objects.requireNonNull(id, "id");
        this.lastKey = List.copyOf(lastKey);
        this.sourceRows = sourceRows;
        this.targetRows = targetRows;
        this.rowsChecked = rowsChecked;
        this.rangesCompared = rangesCompared;
        this.rangesDiffering = rangesDiffering;
        this.candidates = List.copyOf(candidates);
        EnumMap<DifferenceKind, Long> u = new EnumMap<>(DifferenceKind.class);
        for (DifferenceKind k : DifferenceKind.values()) {
            u.put(k, unlisted.getOrDefault(k, 0L));
        }
        this.unlisted = Collections.unmodifiableMap(u);
    }

    /**
     * A checkpoint without a row-hash version ({@link #hashVersion()} 0, as written before versions were recorded):
     * verifiers do not resume it.
     *
     * @deprecated name the row-hash version with the constructor that takes it
     */
    @Deprecated
    public Checkpoint(String id, List<String> lastKey, long sourceRows, long targetRows, long rowsChecked,
            long rangesCompared, long rangesDiffering, List<RowDifference> candidates, Map<DifferenceKind, Long> unlisted) {
        this(id, lastKey, sourceRows, targetRows, rowsChecked, rangesCompared, rangesDiffering, candidates, unlisted, 0);
    }

    /** The row-hash version the compared ranges used; 0 when unknown (a checkpoint of the previous format). */
    public int hashVersion() {
        return hashVersion;
    }

    public String id() {
        return id;
    }

    public List<String> lastKey() {
        return lastKey;
    }

    public long sourceRows() {
        return sourceRows;
    }

    public long targetRows() {
        return targetRows;
    }

    public long rowsChecked() {
        return rowsChecked;
    }

    public long rangesCompared() {
        return rangesCompared;
    }

    public long rangesDiffering() {
        return rangesDiffering;
    }

    public List<RowDifference> candidates() {
        return candidates;
    }

    /** Candidates counted but not kept, by kind (every kind present). */
    public Map<DifferenceKind, Long> unlisted() {
        return unlisted;
    }

    @Override
    public String toString() {
        return "Checkpoint{" + id + " after " + lastKey + ", hash version " + hashVersion + ", rows checked " + rowsChecked + ", candidates "
                + candidates.size() + "}";
    }
}
