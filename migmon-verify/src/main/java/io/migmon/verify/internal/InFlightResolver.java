package io.migmon.verify.internal;

import io.migmon.verify.AppliedWatermark;
import io.migmon.verify.DifferenceKind;
import io.migmon.verify.VerificationException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * Settles candidate differences found while a CDC pipeline may still be applying source changes to the target.
 *
 * <p>Each probe reads the watermark {@code W}, then the target row, then the source row together with the source's
 * {@code statement_timestamp()} {@code t} (the row read sees every commit up to {@code t}) and, when available, the
 * row's commit time {@code c}. A candidate is
 * <ul>
 *   <li><b>resolved</b> when both rows are equal;</li>
 *   <li><b>confirmed</b> when they differ and {@code c <= W} (the source state was applied before the target was
 *       read), or, without a commit time, when the source row is unchanged since the previous probe at {@code t'}
 *       and {@code W >= t'} (every change up to {@code t'} was applied before the target was read). "Unchanged" is
 *       not judged by an equal hash alone (a value changed A -> B -> A between the probes hashes alike while the
 *       pipeline may have applied B only): the source row's version must be the same too (PostgreSQL: its
 *       {@code xmin}, new for every update), and so must the target row (a target that changed between the probes
 *       is still being applied). A row absent from the source has no version: an insert and delete of the same
 *       values between two probes, with the target holding the insert, is then confirmed (documented limit);</li>
 *   <li><b>confirmed</b> too, for the columns concerned, when the row is present on both sides and some column's
 *       source and target values are each unchanged since the previous probe and still differ, once {@code W} has
 *       passed that probe, in {@value #STABLE_ROUNDS} consecutive such rounds (three probes): a row updated all the
 *       time never holds still as a whole, its wrong column does; over one round a toggling column (A -> B -> A,
 *       the pipeline having applied B) looks the same. A toggle in every round, timed so, is still taken for a
 *       wrong column: snapshots cannot tell them apart (see {@code stableColumns});</li>
 *   <li>otherwise <b>in flight</b>: probed again once {@code W} has passed {@code c} (or {@code t}).</li>
 * </ul>
 * Candidates still in flight at the deadline are unresolved. Not thread-safe; one per run.
 *
 * @param <K> the key type
 */
public final class InFlightResolver<K> {

    /** One probe of a key: target first, then source. */
    @FunctionalInterface
    public interface Prober<K> {
        Probe probe(K key);
    }

    /**
     * A probe result. {@code sourceHash}/{@code targetHash} are {@code null} when the row is absent;
     * {@code sourceReadAt} is the source's clock when its row was read; {@code sourceCommit} the row's commit time or
     * {@code null} when unknown; {@code sourceVersion} an identity of the source row's version that every change
     * renews (PostgreSQL's {@code xmin}), {@code null} when the row is absent or the store has none.
     */
    public record Probe(String sourceHash, String targetHash, List<String> differingColumns, Instant sourceReadAt,
            Instant sourceCommit, String sourceVersion, Map<String, String> sourceColumns,
            Map<String, String> targetColumns) {

        /**
         * A probe without per-column hashes ({@code sourceColumns} / {@code targetColumns}: column name to the hash
         * of its value, {@code null} when the row is absent or the store compares whole rows only).
         */
        public Probe(String sourceHash, String targetHash, List<String> differingColumns, Instant sourceReadAt,
                Instant sourceCommit, String sourceVersion) {
            this(sourceHash, targetHash, differingColumns, sourceReadAt, sourceCommit, sourceVersion, null, null);
        }

        /** A probe without a row version (see {@link #sourceVersion}). */
        public Probe(String sourceHash, String targetHash, List<String> differingColumns, Instant sourceReadAt,
                Instant sourceCommit) {
            this(sourceHash, targetHash, differingColumns, sourceReadAt, sourceCommit, null);
        }

        boolean equal() {
            return Objects.equals(sourceHash, targetHash);
        }

        DifferenceKind kind() {
            return sourceHash == null ? DifferenceKind.EXTRA : targetHash == null ? DifferenceKind.MISSING
                    : DifferenceKind.CHANGED;
        }
    }

    /** A confirmed difference. */
    public record Confirmed<K>(K key, DifferenceKind kind, List<String> columns) {
    }

    /** Outcome: confirmed differences, how many resolved, the keys left unresolved, the last watermark read. */
    public record Outcome<K>(List<Confirmed<K>> confirmed, long rechecked, long resolved, List<K> unresolved,
            Instant lastWatermark) {
    }

    /**
     * Consecutive watermark rounds (probe pairs, each taken once the watermark passed the previous probe) in which a
     * column of a row that keeps changing must be stable and different before it is confirmed.
     */
    static final int STABLE_ROUNDS = 2;

    private final AppliedWatermark watermark;
    private final Prober<K> prober;
    private final Duration timeout;
    private final Duration pollInterval;
    private final LongConsumer pendingGauge;
    private java.util.function.Consumer<Confirmed<K>> listener = c -> { };

    public InFlightResolver(AppliedWatermark watermark, Prober<K> prober, Duration timeout, Duration pollInterval,
            LongConsumer pendingGauge) {
        this.watermark = watermark;
        this.prober = prober;
        this.timeout = timeout;
        this.pollInterval = pollInterval;
        this.pendingGauge = pendingGauge;
    }

    /** Called with each difference as soon as it is confirmed (e.g. to publish it), before {@link #resolve} returns. */
    public InFlightResolver<K> onConfirmed(java.util.function.Consumer<Confirmed<K>> value) {
        this.listener = Objects.requireNonNull(value, "onConfirmed");
        return this;
    }

    private static final class State<K> {
        final K key;
        Instant threshold;
        String lastSourceHash;
        String lastSourceVersion;
        String lastTargetHash;
        boolean probed;
        Instant lastReadAt;
        Map<String, String> lastSourceColumns;
        Map<String, String> lastTargetColumns;
        /** Per column: consecutive watermark rounds in which it was stable and different (see stableColumns). */
        Map<String, Integer> stableRounds = Map.of();

        State(K key) {
            this.key = key;
        }
    }

    public Outcome<K> resolve(List<K> keys) {
        List<State<K>> pending = new ArrayList<>();
        keys.forEach(k -> pending.add(new State<>(k)));
        List<Confirmed<K>> confirmed = new ArrayList<>();
        long resolved = 0;
        Instant last = null;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!pending.isEmpty()) {
            pendingGauge.accept(pending.size());
            for (Iterator<State<K>> it = pending.iterator(); it.hasNext(); ) {
                State<K> s = it.next();
                Instant w = read();
                if (w != null) {
                    last = w;
                }
                if (s.threshold != null && (w == null || w.isBefore(s.threshold))) {
                    continue;
                }
                Probe p = prober.probe(s.key);
                if (p.equal()) {
                    resolved++;
                    it.remove();
                    continue;
                }
                boolean applied = w != null && p.sourceCommit() != null && !p.sourceCommit().isAfter(w);
                boolean stable = w != null && s.probed && Objects.equals(s.lastSourceHash, p.sourceHash())
                        && Objects.equals(s.lastSourceVersion, p.sourceVersion())
                        && Objects.equals(s.lastTargetHash, p.targetHash())
                        && s.lastReadAt != null && !w.isBefore(s.lastReadAt);
                if (applied || stable) {
                    confirm(confirmed, new Confirmed<>(s.key, p.kind(), p.differingColumns()));
                    it.remove();
                    continue;
                }
                // a row that keeps changing (a hot row) never holds still as a whole, but a column can: see stableColumns
                // ... over two consecutive watermark rounds (three probes), not one: a toggling column (A -> B -> A)
                // whose intermediate value the pipeline applied looks stable over one round (VerifyAttack5IT, 5)
                List<String> stableNow = w != null && s.probed && s.threshold != null && !w.isBefore(s.threshold)
                        ? stableColumns(s, p) : List.of();
                Map<String, Integer> rounds = new java.util.HashMap<>();
                List<String> columns = new ArrayList<>();
                for (String c : stableNow) {
                    int n = s.stableRounds.getOrDefault(c, 0) + 1;
                    rounds.put(c, n);
                    if (n >= STABLE_ROUNDS) {
                        columns.add(c);
                    }
                }
                s.stableRounds = rounds;
                if (!columns.isEmpty()) {
                    confirm(confirmed, new Confirmed<>(s.key, DifferenceKind.CHANGED, columns));
                    it.remove();
                    continue;
                }
                s.probed = true;
                s.lastSourceHash = p.sourceHash();
                s.lastSourceVersion = p.sourceVersion();
                s.lastTargetHash = p.targetHash();
                s.lastReadAt = p.sourceReadAt();
                s.lastSourceColumns = p.sourceColumns();
                s.lastTargetColumns = p.targetColumns();
                s.threshold = p.sourceCommit() != null ? p.sourceCommit() : p.sourceReadAt();
            }
            if (pending.isEmpty() || System.nanoTime() > deadline) {
                break;
            }
            try {
                Thread.sleep(pollInterval.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new VerificationException("verification interrupted while re-checking in-flight differences", e);
            }
        }
        pendingGauge.accept(0);
        List<K> unresolved = pending.stream().map(s -> s.key).toList();
        return new Outcome<>(confirmed, keys.size(), resolved, unresolved, last);
    }

    /**
     * Columns of a row present on both sides whose source value is the same as at the previous probe, whose target
     * value is the same as then too, and which still differ, now that the watermark has passed the previous probe
     * (its source read, or the row's commit then): every change of the row up to then was applied, yet the target
     * holds another value of a column the source did not change. Limit: a source column that changed and changed
     * back between the two probes while the pipeline applied the intermediate value exactly at both target reads is
     * taken as stable.
     */
    private static List<String> stableColumns(State<?> s, Probe p) {
        Map<String, String> src = p.sourceColumns();
        Map<String, String> tgt = p.targetColumns();
        if (src == null || tgt == null || s.lastSourceColumns == null || s.lastTargetColumns == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, String> e : src.entrySet()) {
            String c = e.getKey();
            String t = tgt.get(c);
            if (t != null && !t.equals(e.getValue()) && e.getValue().equals(s.lastSourceColumns.get(c))
                    && t.equals(s.lastTargetColumns.get(c))) {
                out.add(c);
            }
        }
        return out;
    }

    private void confirm(List<Confirmed<K>> confirmed, Confirmed<K> c) {
        confirmed.add(c);
        listener.accept(c);
    }

    private Instant read() {
        try {
            Optional<Instant> w = watermark.appliedWatermark();
            return w == null ? null : w.orElse(null);
        } catch (RuntimeException e) {
            return null;
        }
    }
}
