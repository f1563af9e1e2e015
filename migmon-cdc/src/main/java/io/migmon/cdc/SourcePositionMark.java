package io.migmon.cdc;

import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.Operation;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;

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
    private final Set<String> atMark = new HashSet<>();

    /**
     * Records {@code e}; false when it is at or below the mark (delivered before), true when it is new or carries no
     * usable position.
     */
    boolean advance(ChangeEvent e) {
        long[] pos = position(e);
        if (pos == null) {
            return true;
        }
        String identity = identity(e);
        int cmp = compare(pos[0], pos[1]);
        if (cmp < 0) {
            return false;
        }
        if (cmp == 0) {
            if (atMark.contains(identity)) {
                return false;
            }
            if (atMark.size() < MAX_AT_MARK) {
                atMark.add(identity);
            }
            return true;
        }
        commitLsn = pos[0];
        lsn = pos[1];
        atMark.clear();
        atMark.add(identity);
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

    private static String identity(ChangeEvent e) {
        byte[] key = e.record().key();
        return e.operation() + ":" + (key == null ? -1 : key.length + ":" + Arrays.hashCode(key));
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
        String s = sequence.trim();
        if (s.length() < 2 || s.charAt(0) != '[' || s.charAt(s.length() - 1) != ']') {
            return null;
        }
        String[] parts = s.substring(1, s.length() - 1).split(",", -1);
        if (parts.length != 2) {
            return null;
        }
        long c = lsn(parts[0]);
        long l = lsn(parts[1]);
        if (l < 0 || c < -1) {
            return null;
        }
        return new long[] {c, l};
    }

    /** A quoted or bare non-negative number; -1 for {@code null}; -2 when it is neither. */
    private static long lsn(String part) {
        String t = part.trim();
        if (t.equals("null")) {
            return -1;
        }
        if (t.length() >= 2 && t.charAt(0) == '"' && t.charAt(t.length() - 1) == '"') {
            t = t.substring(1, t.length() - 1);
        }
        if (t.isEmpty() || t.length() > 19) {
            return -2;
        }
        for (int i = 0; i < t.length(); i++) {
            if (t.charAt(i) < '0' || t.charAt(i) > '9') {
                return -2;
            }
        }
        try {
            return Long.parseLong(t);
        } catch (NumberFormatException ex) {
            return -2;
        }
    }
}
