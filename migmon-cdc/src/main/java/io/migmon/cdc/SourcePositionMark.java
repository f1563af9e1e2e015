package io.migmon.cdc;

import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.Operation;

import java.util.Arrays;

/**
 * Redelivery detection for events that carry no Kafka offset (a Debezium embedded engine through
 * {@code process(...)}): the highest source position seen on one destination. The position of a PostgreSQL change is
 * its {@code source.sequence}, {@code [last commit LSN, change LSN]}, which increases in the order the connector
 * emits changes; an event at or below the mark was delivered before (the engine replays what it had not committed
 * after a restart). Several events can share one position (a primary-key update is a delete and a create at one LSN),
 * so at the mark the events are also told apart by operation and key. Events without a sequence (other connectors,
 * or snapshot reads, which all share the snapshot's position) are never taken for redeliveries. Processing thread
 * only (under the pipeline's lock).
 */
final class SourcePositionMark {

    /** Events remembered at the mark's position; beyond, further ones at that position count as new. */
    static final int MAX_AT_MARK = 1024;

    private long commitLsn = Long.MIN_VALUE;
    private long lsn = Long.MIN_VALUE;
    /** Identities (operation and key hash) of the events at the mark: {@code atMark[0..size)}. */
    private long[] atMark = new long[4];
    private int size;

    /**
     * Records {@code e}; false when it is at or below the mark (delivered before), true when it is new or carries no
     * usable position.
     */
    boolean advance(ChangeEvent e) {
        long[] pos = position(e);
        if (pos == null) {
            return true;
        }
        int cmp = compare(pos[0], pos[1]);
        if (cmp < 0) {
            return false;
        }
        long identity = identity(e);
        if (cmp == 0) {
            for (int i = 0; i < size; i++) {
                if (atMark[i] == identity) {
                    return false;
                }
            }
            if (size < MAX_AT_MARK) {
                if (size == atMark.length) {
                    atMark = Arrays.copyOf(atMark, size * 2);
                }
                atMark[size++] = identity;
            }
            return true;
        }
        commitLsn = pos[0];
        lsn = pos[1];
        atMark[0] = identity;
        size = 1;
        return true;
    }

    /**
     * Against the mark. The connector writes no last-commit LSN for the first transaction it streams after a start:
     * a mark without one is passed by any event with one (streamed after it); an event without one (the first after
     * a restart, possibly a replay) is compared by its change LSN alone.
     */
    private int compare(long c, long l) {
        if (lsn == Long.MIN_VALUE) {
            return 1;
        }
        if (c >= 0 && commitLsn < 0) {
            return 1;
        }
        if (c >= 0 && c != commitLsn) {
            return Long.compare(c, commitLsn);
        }
        return Long.compare(l, lsn);
    }

    /** Operation and key hash in one long (no allocation; a hash collision at one position is negligible). */
    private static long identity(ChangeEvent e) {
        byte[] key = e.record().key();
        int keyHash = key == null ? 0 : 31 * Arrays.hashCode(key) + key.length;
        return ((long) e.operation().ordinal() << 32) | (keyHash & 0xFFFFFFFFL);
    }

    /** {@code [commit LSN or -1, change LSN]} of a streamed change, or null (no sequence, a snapshot read). */
    static long[] position(ChangeEvent e) {
        if (e.kind() != ChangeEvent.Kind.CHANGE || e.operation() == Operation.READ) {
            return null;
        }
        return parseSequence(e.sequence());
    }

    /** {@code ["24023928","24023976"]} (either may be {@code null}) to {@code [24023928, 24023976]}; null if not so. */
    static long[] parseSequence(String sequence) {
        if (sequence == null) {
            return null;
        }
        int comma = sequence.indexOf(',');
        int open = sequence.indexOf('[');
        int close = sequence.lastIndexOf(']');
        if (open < 0 || comma < open || close < comma || sequence.indexOf(',', comma + 1) >= 0
                || !sequence.substring(0, open).isBlank() || !sequence.substring(close + 1).isBlank()) {
            return null;
        }
        long c = lsn(sequence, open + 1, comma);
        long l = lsn(sequence, comma + 1, close);
        if (l < 0 || c < -1) {
            return null;
        }
        return new long[] {c, l};
    }

    /**
     * {@code s[from..to)}: a quoted or bare non-negative number (at most 18 digits), blanks around it; -1 for
     * {@code null}; -2 when it is neither. No allocation.
     */
    private static long lsn(String s, int from, int to) {
        while (from < to && Character.isWhitespace(s.charAt(from))) {
            from++;
        }
        while (to > from && Character.isWhitespace(s.charAt(to - 1))) {
            to--;
        }
        if (to - from == 4 && s.startsWith("null", from)) {
            return -1;
        }
        if (to - from >= 2 && s.charAt(from) == '"' && s.charAt(to - 1) == '"') {
            from++;
            to--;
        }
        if (to <= from || to - from > 18) {
            return -2;
        }
        long v = 0;
        for (int i = from; i < to; i++) {
            char ch = s.charAt(i);
            if (ch < '0' || ch > '9') {
                return -2;
            }
            v = v * 10 + (ch - '0');
        }
        return v;
    }
}
