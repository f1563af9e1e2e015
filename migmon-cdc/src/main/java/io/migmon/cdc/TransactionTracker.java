package io.migmon.cdc;

import org.apache.kafka.common.TopicPartition;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Groups applied changes by source transaction (Debezium transaction metadata, {@code provide.transaction.metadata=true})
 * and reports each transaction once, when the last of its events is applied: the apply lag of the whole transaction =
 * apply time of its last event − its source commit time.
 *
 * <p>A transaction is complete when its {@code END} record (its {@code event_count}) arrived and that many distinct
 * events of it ({@code transaction.total_order} 1..n, across every partition and table) were applied, in either order:
 * the {@code END} travels on its own topic and is often consumed before the last changes (or after all of them, then
 * the lag is still measured to the last apply, not to the {@code END}'s arrival). Redelivered events (same
 * {@code total_order}, or of a transaction already reported) count once. Changes and records are matched by
 * {@link ProgressTracker#transactionKey(String)} (the PostgreSQL xid).
 *
 * <p>State is bounded: at most {@code maxOpen} open transactions (the oldest evicted beyond, reason
 * {@value #CAPACITY}); a transaction with no activity (an event applied, its {@code BEGIN} or {@code END}) for the
 * timeout is evicted ({@value #EXPIRED}: cut by a restart — its first events were applied by the previous owner — or
 * its events go to topics this processor does not read); open transactions that touched a revoked partition, or
 * whose {@code END} was still due when the transaction topic was revoked, are evicted ({@value #REBALANCE}); one with
 * a dead-lettered event can never be complete ({@value #DEAD_LETTERED}). Ids of reported or evicted transactions are
 * remembered (bounded) so that their redelivered events are ignored. Thread-safe (every method synchronized; the
 * rebalance callback may run beside an apply).
 */
final class TransactionTracker {

    static final String REBALANCE = "rebalance";
    static final String EXPIRED = "expired";
    static final String CAPACITY = "capacity";
    static final String DEAD_LETTERED = "dead_lettered";
    static final int MAX_OPEN = 10_000;
    static final int MAX_FINISHED = 10_000;

    /** Where completed and evicted transactions are reported (the meters). */
    interface Sink {
        void completed(String source, long lagNanos);

        void evicted(String source, String reason);
    }

    private static final class Tx {
        final String key;
        String source;
        /** Source commit time, epoch nanos: the events' {@code source.ts}, else the BEGIN/END record's; -1 unknown. */
        long commitNanos = -1;
        /** Whether {@link #commitNanos} came from a change event (µs precision) rather than a BEGIN/END (ms). */
        boolean commitFromEvent;
        final OrderSet applied = new OrderSet();
        int appliedCount;
        long lastAppliedNanos = -1;
        long eventCount = -1;
        long lastActivityNanos;
        /** The first partition the transaction touched; null none yet. */
        TopicPartition partition;
        /** Further partitions it touched (most transactions touch one: no set allocated for them). */
        Set<TopicPartition> morePartitions;

        Tx(String key) {
            this.key = key;
        }

        void touched(TopicPartition tp) {
            if (partition == null) {
                partition = tp;
            } else if (!partition.equals(tp)) {
                if (morePartitions == null) {
                    morePartitions = new HashSet<>(4);
                }
                morePartitions.add(tp);
            }
        }

        boolean touches(TopicPartition tp) {
            return tp.equals(partition) || (morePartitions != null && morePartitions.contains(tp));
        }
    }

    /**
     * The distinct {@code total_order} values applied: a contiguous prefix {@code 1..prefix} plus sorted disjoint runs
     * beyond it. Memory grows with the gaps, never with the values: a corrupt or hostile {@code total_order} of 2^31
     * costs one run, where a bitmap indexed by it cost 256 MB. In-order delivery only moves the prefix.
     */
    static final class OrderSet {
        private long prefix;
        private TreeMap<Long, Long> runs;

        /** Adds {@code v} (> 0); false when it was there already. */
        boolean add(long v) {
            if (v <= prefix) {
                return false;
            }
            if (v == prefix + 1) {
                prefix = v;
                if (runs != null && !runs.isEmpty() && runs.firstKey() == prefix + 1) {
                    prefix = runs.pollFirstEntry().getValue();
                }
                return true;
            }
            if (runs == null) {
                runs = new TreeMap<>();
            }
            Map.Entry<Long, Long> lower = runs.floorEntry(v);
            if (lower != null && lower.getValue() >= v) {
                return false;
            }
            long start = v;
            long end = v;
            if (lower != null && lower.getValue() == v - 1) {
                start = lower.getKey();
                runs.remove(start);
            }
            Long next = runs.get(v + 1);
            if (next != null) {
                end = next;
                runs.remove(v + 1);
            }
            runs.put(start, end);
            return true;
        }
    }

    private final Clock clock;
    private final long timeoutNanos;
    private final int maxOpen;
    private final Sink sink;
    /** Open transactions by key, in the order they were first seen. */
    private final LinkedHashMap<String, Tx> open = new LinkedHashMap<>();
    /** Keys of reported (TRUE) or evicted (FALSE) transactions, bounded, oldest forgotten first. */
    private final Map<String, Boolean> finished = BoundedMaps.oldestForgotten(MAX_FINISHED);
    private Tx last;
    private long nextExpiryNanos;

    TransactionTracker(Clock clock, Duration timeout, int maxOpen, Sink sink) {
        this.clock = clock;
        this.timeoutNanos = timeout.toNanos();
        this.maxOpen = maxOpen;
        this.sink = sink;
    }

    /** A {@code BEGIN} record arrived. */
    synchronized void begun(String transactionId, long commitNanos) {
        Tx tx = tx(transactionId);
        if (tx != null && tx.commitNanos < 0 && commitNanos > 0) {
            tx.commitNanos = commitNanos;
        }
    }

    /**
     * A change of a transaction was applied (or observed, without an applier) at {@code appliedNanos}.
     *
     * @param totalOrder its {@code transaction.total_order} (1-based); events without one are not tracked
     */
    synchronized void applied(String transactionId, long totalOrder, String source, long sourceNanos,
                              TopicPartition tp, long appliedNanos) {
        if (totalOrder <= 0) {
            return;
        }
        // the time of the apply is "now" for the activity of the transaction: no clock read per event
        Tx tx = tx(transactionId, appliedNanos);
        if (tx == null) {
            return;
        }
        if (tx.source == null && source != null) {
            tx.source = source;
        }
        if (sourceNanos > 0 && (!tx.commitFromEvent || sourceNanos < tx.commitNanos)) {
            tx.commitNanos = sourceNanos;
            tx.commitFromEvent = true;
        }
        if (tp != null) {
            tx.touched(tp);
        }
        if (tx.applied.add(totalOrder)) {
            tx.appliedCount++;
            tx.lastAppliedNanos = Math.max(tx.lastAppliedNanos, appliedNanos);
        }
        completeIfDone(tx);
    }

    /** A transaction's {@code END} record arrived, counting {@code eventCount} events. */
    synchronized void ended(String transactionId, long eventCount, long commitNanos) {
        Tx tx = tx(transactionId);
        if (tx == null) {
            return;
        }
        if (tx.commitNanos < 0 && commitNanos > 0) {
            tx.commitNanos = commitNanos;
        }
        tx.eventCount = eventCount;
        if (eventCount <= 0) {
            finish(tx); // nothing captured: nothing to report
            return;
        }
        completeIfDone(tx);
    }

    /** An event of the transaction was dead-lettered: it can never be complete. */
    synchronized void deadLettered(String transactionId) {
        String key = ProgressTracker.transactionKey(transactionId);
        if (key == null || finished.containsKey(key)) {
            return;
        }
        Tx tx = open.get(key);
        if (tx == null) {
            tx = new Tx(key);
        }
        evict(tx, DEAD_LETTERED);
    }

    /**
     * Partitions were revoked (or lost): open transactions that touched one of the data partitions, and, when the
     * transaction topic went too, those still waiting for their {@code END}, cannot be completed here.
     */
    synchronized void revoked(Collection<TopicPartition> data, boolean transactionTopicRevoked) {
        for (Iterator<Tx> it = open.values().iterator(); it.hasNext(); ) {
            Tx tx = it.next();
            boolean cut = transactionTopicRevoked && tx.eventCount < 0;
            for (TopicPartition tp : data) {
                cut |= tx.touches(tp);
            }
            if (cut) {
                it.remove();
                evicted(tx, REBALANCE);
            }
        }
    }

    /**
     * The {@code END} hold of the transaction {@code key} ({@link ProgressTracker#transactionKey}) was given up
     * ({@link TransactionEnds}): it is not counted again here (attack 11 finding 6b: still open, it was evicted
     * {@value #EXPIRED} 5 minutes later, one transaction counted twice). Returns false when this tracker evicted it
     * already (attack 11 finding 6: {@value #DEAD_LETTERED}, then {@code unseen}): the give-up is not counted.
     */
    synchronized boolean givenUp(String key) {
        if (key == null) {
            return true;
        }
        if (Boolean.FALSE.equals(finished.get(key))) {
            return false;
        }
        Tx tx = open.remove(key);
        if (tx != null && last == tx) {
            last = null;
        }
        if (!finished.containsKey(key)) {
            finished.put(key, Boolean.FALSE);
        }
        return true;
    }

    /** Open transactions right now. */
    synchronized int openCount() {
        return open.size();
    }

    /** Evicts the transactions idle for longer than the timeout (at most once a second; also on a new transaction). */
    synchronized void expire() {
        expire(nowNanos());
    }

    private void expire(long now) {
        if (now < nextExpiryNanos) {
            return;
        }
        nextExpiryNanos = now + Math.min(1_000_000_000L, timeoutNanos);
        for (Iterator<Tx> it = open.values().iterator(); it.hasNext(); ) {
            Tx tx = it.next();
            if (now - tx.lastActivityNanos > timeoutNanos) {
                it.remove();
                evicted(tx, EXPIRED);
            }
        }
    }

    private Tx tx(String transactionId) {
        return transactionId == null ? null : tx(transactionId, nowNanos());
    }

    private Tx tx(String transactionId, long now) {
        if (transactionId == null) {
            return null;
        }
        Tx l = last;
        // consecutive events of one transaction: no key built, no map looked up
        if (l != null && ProgressTracker.sameTransaction(transactionId, l.key)) {
            l.lastActivityNanos = Math.max(l.lastActivityNanos, now);
            return l;
        }
        String key = ProgressTracker.transactionKey(transactionId);
        if (finished.containsKey(key)) {
            return null; // reported or evicted already: a redelivery
        }
        expire(now);
        Tx tx = open.get(key);
        if (tx == null) {
            if (open.size() >= maxOpen) {
                Iterator<Tx> it = open.values().iterator();
                Tx eldest = it.next();
                it.remove();
                evicted(eldest, CAPACITY);
            }
            tx = new Tx(key);
            open.put(key, tx);
        }
        tx.lastActivityNanos = Math.max(tx.lastActivityNanos, now);
        last = tx;
        return tx;
    }

    private void completeIfDone(Tx tx) {
        if (tx.eventCount > 0 && tx.appliedCount >= tx.eventCount) {
            finish(tx);
            if (tx.commitNanos > 0) {
                sink.completed(source(tx), Math.max(0, tx.lastAppliedNanos - tx.commitNanos));
            }
        }
    }

    private void finish(Tx tx) {
        open.remove(tx.key);
        finished.put(tx.key, Boolean.TRUE);
        if (last == tx) {
            last = null;
        }
    }

    private void evict(Tx tx, String reason) {
        finish(tx);
        evicted(tx, reason);
    }

    private void evicted(Tx tx, String reason) {
        finished.put(tx.key, Boolean.FALSE); // evicted (TRUE: completed), see givenUp
        if (last == tx) {
            last = null;
        }
        sink.evicted(source(tx), reason);
    }

    private static String source(Tx tx) {
        return tx.source == null ? "unknown" : tx.source;
    }

    private long nowNanos() {
        Instant i = clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }
}
