package io.migmon.cdc;

import org.apache.kafka.common.TopicPartition;

import java.time.Clock;
import java.time.Duration;

/**
 * What is known about one partition (or, for {@code process(...)}, one destination): the offset up to which records
 * are applied and committed, the last known end offset, the timestamps of the oldest record still waiting and of the
 * last applied one, and why it is blocked. Written by the processing thread (end offsets and the oldest waiting
 * record also by the lag thread: the mutators are synchronized); read by gauges and the health check from any
 * thread, so every value is computed at read time and keeps ageing while the processing thread is busy.
 */
final class PartitionProgress {

    final TopicPartition tp;
    /**
     * Whether records of this partition are row changes (not heartbeats, not transaction metadata). Guessed from the
     * topic name when the partition is first seen, set when a change arrives (a table named {@code transaction}
     * has a topic ending like a transaction topic).
     */
    volatile boolean data;
    private final Clock clock;

    /** Next offset to apply: everything before it is applied (or dead-lettered) and committed; -1 unknown. */
    volatile long committed = -1;
    /** Last known end offset (log end / high watermark); -1 unknown. */
    volatile long end = -1;
    /**
     * When the lag probe requested the end offset it set last (its clock, epoch ms): {@link #end} is at least the
     * broker's end offset of that moment; -1 never.
     */
    volatile long endReadMs = -1;
    /** Kafka timestamp of the record at {@link #committed}; -1 unknown. */
    volatile long oldestBrokerTsMs = -1;
    /** Source commit time of the oldest change not yet applied, when it was read; -1 unknown. */
    volatile long oldestSourceNanos = -1;
    /** Source commit time of the oldest change of the batch being applied right now; -1 when none is. */
    volatile long inFlightSourceNanos = -1;
    /** Kafka timestamp of the first record of the batch being applied right now; -1 when none is. */
    volatile long inFlightBrokerTsMs = -1;
    volatile long lastAppliedBrokerTsMs = -1;
    volatile long lastAppliedSourceNanos = -1;
    /**
     * Next offset after the batch in hand once it is applied to the target, while its offsets are being committed;
     * -1 otherwise. The target is no longer stale by that batch: only records beyond it count for replication lag
     * (consumer lag still counts the batch until it is committed).
     */
    volatile long appliedThrough = -1;
    /** When records started waiting (the partition went from caught up to behind); -1 while caught up. */
    volatile long waitingSinceMs = -1;
    /** When {@link #committed} last advanced. */
    volatile long lastProgressMs;
    /** When the batch in hand was handed to the applier (queued or running, retries included); -1 none. */
    volatile long applyStartedMs = -1;
    /**
     * When the {@code apply} call running for this partition's batch started; -1 while none runs (the batch queued
     * behind other partitions' calls, or between retries): only this is "the target not responding".
     */
    volatile long callStartedMs = -1;
    /** Why the partition cannot move on (target failing, dead-letter topic not writable), or null. */
    volatile String blockedReason;
    /** {@code source_table \0 target_table} of the changes of this partition, once one was applied. */
    volatile String pair;
    /** When the newest change of this partition arrived at the processor (its clock), epoch nanos; -1 none. */
    volatile long lastChangeArrivalNanos = -1;
    /**
     * Newest source commit time ({@code source.ts}, capped at its consumption) of the changes of this partition that
     * arrived; their arrival time when a change carries none. A heartbeat (or {@code END}) confirms them when its own
     * source-side time is not before it: source times compared with source times, so a constant clock skew between
     * the source host and the processor does not delay the confirmation (finding 1 of attack 4). -1 none.
     */
    volatile long lastChangeSourceNanos = -1;
    /**
     * Source time of the newest confirmation (heartbeat, {@code END}) of this partition's connector that was
     * processed while every record of this partition known to be at the broker had been read ({@link #allSeen}), and
     * its processing order; -1 / 0 none. Only such a confirmation bounds the records waiting unread: rows already at
     * the broker when it was read may have been committed long before it (issue 11 attack 5 finding 7: a heartbeat
     * read during a 600-row backlog made the rows not read yet look 3.9 s younger than their commit).
     */
    volatile long seenConfirmedNanos = -1;
    volatile long seenConfirmedSeq;
    /**
     * A partition whose end offsets are read ({@link #endReadMs} set: the poll loop's lag probe, or a host through
     * {@link CdcEventProcessor#endOffset}): the newest confirmation processed, not yet proven by an end offset requested after its arrival ({@link #caughtUpAfter}): source
     * time, processing order and arrival (processor clock, epoch nanos); -1 / 0 / -1 none. Arrival order against the
     * data partition is no evidence (CdcOverreadTest finding 4: a heartbeat read by the side consumer ahead of a
     * change the lag probe had not seen read 0 at a truth of 0.23 s): it becomes {@link #seenConfirmedNanos} once
     * an end offset read after it shows the partition caught up.
     */
    volatile long pendingConfirmedNanos = -1;
    volatile long pendingConfirmedSeq;
    volatile long pendingConfirmedArrivalNanos = -1;
    /**
     * The newest confirmation of this partition's connector that had arrived when this member was assigned the
     * partition (this progress was made: the lag probe's assignment callback), source time; -1 none. Never evidence
     * that the partition is current (it arrived while the partition was not this member's, and no pending
     * confirmation of this partition waited on it): with end offsets read and nothing proven since the assignment
     * ({@link #pendingConfirmedNanos}, {@link #seenConfirmedNanos} start empty), it only bounds the partition's
     * watermark, so a silent connector's table kept or taken over in a rebalance reads that confirmation's age, not 0
     * (CdcAttack5IT finding 8).
     */
    volatile long assignedConfirmedNanos = -1;
    /** Confirmations the tracker had processed when the newest change of this partition was processed. */
    volatile long lastChangeSeq;
    /** Transaction key ({@link ProgressTracker#transactionKey}) of the newest change of this partition, or null. */
    volatile String lastChangeTx;
    /**
     * When the newest change of this partition arrived, on the monotonic clock
     * ({@link ProcessorConfig#monotonicNanos}); -1 none (the lost-{@code END} rule).
     */
    volatile long lastChangeArrivalMonotonic = -1;
    /**
     * Whether the newest change of this partition belongs to a transaction not closed by its {@code END} yet: a
     * heartbeat does not confirm it then (Debezium emits heartbeats while it streams a large transaction, each
     * {@code ts_ms} after the commit time that every change of the transaction carries).
     */
    volatile boolean lastChangeTxOpen;
    /**
     * The heartbeat topic of this partition's connector ({@code <heartbeat prefix>.<topic.prefix>} for a data topic
     * {@code <topic.prefix>.<schema>.<table>}): {@link ProgressTracker#heartbeatTopicOf}.
     */
    final ConnectorTopic heartbeat = new ConnectorTopic();
    /** The transaction metadata topic of this partition's connector: {@link ProgressTracker#transactionTopicOf}. */
    final ConnectorTopic transactions = new ConnectorTopic();
    /**
     * The connector's {@code topic.prefix} as its changes name it ({@code source.name}), once a change carrying it
     * arrived: the exact key of its heartbeat and transaction topics (a dotted prefix makes the topic-name match a
     * guess).
     */
    volatile String sourceName;
    /** Core's stall rule, fed at every progress and whenever records start or stop waiting. */
    private final StallWatch stall;

    // processing thread only (under the pipeline's lock): redelivery detection
    long seenThrough = -1;
    long countedThrough = -1;
    /** Highest offset written to the dead-letter topic: not written again when its batch is redelivered. */
    long deadLetteredThrough = -1;
    /** Events without offsets ({@code process(...)}): the source positions seen and counted. */
    final SourcePositionMark seenPosition = new SourcePositionMark();
    final SourcePositionMark countedPosition = new SourcePositionMark();

    PartitionProgress(TopicPartition tp, boolean data, Clock clock) {
        this(tp, data, clock, Duration.ofMinutes(1));
    }

    PartitionProgress(TopicPartition tp, boolean data, Clock clock, Duration stallTimeout) {
        this.tp = tp;
        this.data = data;
        this.clock = clock;
        this.lastProgressMs = clock.millis();
        this.stall = new StallWatch(stallTimeout);
        this.stallMs = stallTimeout.toMillis();
        stall.idle(lastProgressMs);
    }

    private final long stallMs;
    /**
     * Time the shared applier spent in other partitions' {@code apply} calls since this partition's stall clock last
     * restarted ({@link #busyBaseMs}), ms (guarded by this).
     */
    private long othersBusyMs;
    private long busyBaseMs = Long.MIN_VALUE;

    /**
     * Another partition's {@code apply} call ran from {@code startMs} to {@code endMs} (the calling thread). A call
     * that ran for the stall timeout or longer was the target not answering: waiting behind it is not discounted.
     */
    synchronized void otherCallEnded(long startMs, long endMs) {
        if (endMs - startMs >= stallMs) {
            return;
        }
        long since = resetBusyIfRestarted();
        long from = Math.max(startMs, since);
        if (endMs > from) {
            othersBusyMs += endMs - from;
        }
    }

    private long resetBusyIfRestarted() {
        long since = stall.sinceMs();
        if (since != busyBaseMs) {
            busyBaseMs = since;
            othersBusyMs = 0;
        }
        return since;
    }

    /**
     * Whether every record known to be at the broker (below the last known end offset) has been read by the processor
     * (begun: in hand, applied or rewound); true when the end offset is unknown. Processing thread (under the
     * pipeline's lock, where {@link #seenThrough} is written).
     */
    boolean allSeen() {
        long e = end;
        return e < 0 || e <= Math.max(seenThrough + 1, committed);
    }

    /** Records between what is applied and committed and the last known end offset; 0 when unknown. */
    long messages() {
        long c = committed;
        long e = end;
        return c < 0 || e < 0 ? 0 : Math.max(0, e - c);
    }

    /**
     * Whether the partition is caught up (its end offset at or below the committed one, nothing in hand) per an end
     * offset requested at or after {@code sinceMs}.
     */
    boolean caughtUpSince(long sinceMs) {
        long c = committed;
        long e = end;
        return endReadMs >= sinceMs && c >= 0 && e >= 0 && e <= c && !waiting();
    }

    /** Whether end offsets are read for this partition (the lag probe's, or a host's): see {@link #pendingConfirmedNanos}. */
    boolean endOffsetsRead() {
        return endReadMs >= 0;
    }

    /**
     * Whether an end offset requested at or after {@code arrivalNanos} (processor clock, epoch nanos) is known and
     * shows the partition caught up now: everything below it applied (committed, or in the target), nothing in
     * hand. Any thread: the end offset never moves backwards, so caught up per the newest read is caught up per the
     * read made after {@code arrivalNanos}.
     */
    boolean caughtUpAfter(long arrivalNanos) {
        long read = endReadMs;
        long e = end;
        long c = Math.max(committed, appliedThrough);
        return arrivalNanos >= 0 && read >= 0 && arrivalNanos <= read * 1_000_000L && e >= 0 && c >= 0 && e <= c
                && inFlightBrokerTsMs < 0 && inFlightSourceNanos <= 0;
    }

    /**
     * The pending confirmation ({@link #pendingConfirmedNanos}) becomes the proven one when an end offset requested
     * after its arrival shows every record below it read ({@link #allSeen}). Processing thread.
     */
    void provePending() {
        long arrival = pendingConfirmedArrivalNanos;
        long read = endReadMs;
        if (pendingConfirmedNanos > 0 && arrival >= 0 && read >= 0 && arrival <= read * 1_000_000L && allSeen()
                && pendingConfirmedNanos >= seenConfirmedNanos) {
            seenConfirmedNanos = pendingConfirmedNanos;
            seenConfirmedSeq = pendingConfirmedSeq;
        }
    }

    /** Whether records wait: behind the end offset, or a batch is being applied. */
    boolean waiting() {
        return messages() > 0 || inFlightBrokerTsMs >= 0 || inFlightSourceNanos > 0;
    }

    /**
     * Age of the oldest record not yet applied and committed, at the time of the call; 0 only when nothing waits.
     * Uses the record's Kafka timestamp when known, else the last applied record's (an upper bound), else the time
     * the records were noticed (a lower bound); at least 1 ms while records wait.
     */
    double seconds() {
        long now = clock.millis();
        long ts = -1;
        if (inFlightBrokerTsMs >= 0) {
            ts = inFlightBrokerTsMs;
        }
        if (messages() > 0) {
            long oldest = oldestBrokerTsMs >= 0 ? oldestBrokerTsMs
                    : lastAppliedBrokerTsMs >= 0 ? lastAppliedBrokerTsMs : waitingSinceMs;
            if (oldest >= 0) {
                ts = ts < 0 ? oldest : Math.min(ts, oldest);
            } else if (ts < 0) {
                return 0.001;
            }
        }
        if (ts < 0) {
            return 0;
        }
        return Math.max(0.001, (now - ts) / 1000.0);
    }

    /**
     * Source commit time (epoch nanos) of the oldest change not yet applied, best known estimate; -1 when nothing
     * waits. The peeked or in-hand change's own {@code source.ts} when known; else the waiting record's Kafka
     * timestamp (later than its source commit: under-estimates the staleness by the capture latency); else, while a
     * batch is in hand, the batch's (it is the oldest waiting: the records behind it in this partition come after
     * it); else the last
     * applied change's source time (over-estimates), raised to {@code confirmedNanos} when that is later.
     *
     * @param confirmedNanos source time up to which a heartbeat confirmed the target current after the last change
     *        arrived and while nothing of this partition waited unread at the broker ({@link #seenConfirmedNanos};
     *        -1 none): a change still unseen was then committed after it, to the processor's knowledge (after an
     *        idle hour the last applied change is an hour old, the waiting one is not)
     */
    long oldestUnappliedSourceNanos(long confirmedNanos) {
        long applied = appliedThrough;
        if (applied >= 0) {
            // the batch in hand is in the target already: only records beyond it wait, committed at or after the
            // batch's newest change (a lower bound; their own source.ts is not known yet)
            if (end > applied && lastAppliedSourceNanos > 0) {
                return Math.max(lastAppliedSourceNanos, confirmedNanos);
            }
            return end > applied ? clock.millis() * 1_000_000L : -1;
        }
        long best = inFlightSourceNanos > 0 ? inFlightSourceNanos : -1;
        if (best < 0 && inFlightBrokerTsMs >= 0) {
            best = inFlightBrokerTsMs * 1_000_000L;
        }
        if (messages() > 0) {
            // the batch in hand starts the waiting records (messages() counts it): when nothing was peeked, the
            // records behind it come later in this partition, so the last applied change (before an idle, an old
            // one: issue 11, 26 s read at a truth of 0.4 s) is no bound for them (LagAfterIdleTest)
            long w = oldestSourceNanos > 0 ? oldestSourceNanos
                    : oldestBrokerTsMs >= 0 ? oldestBrokerTsMs * 1_000_000L
                    : best > 0 ? best
                    : lastAppliedSourceNanos > 0 ? Math.max(lastAppliedSourceNanos, confirmedNanos)
                    : waitingSinceMs >= 0 ? waitingSinceMs * 1_000_000L : clock.millis() * 1_000_000L;
            best = best < 0 ? w : Math.min(best, w);
        } else if (oldestSourceNanos > 0) {
            // a rewound change with no end offset behind it (process path: no Kafka offsets; or the end not read
            // yet): it still waits until it is applied (done), not only while offered again
            best = best < 0 ? oldestSourceNanos : Math.min(best, oldestSourceNanos);
        }
        return best;
    }

    long oldestUnappliedSourceNanos() {
        return oldestUnappliedSourceNanos(-1);
    }

    /** The end offset seen by the group consumer's fetches or the lag probe (never moves backwards). */
    synchronized void end(long endOffset, long now) {
        if (endOffset > end) {
            end = endOffset;
        }
        noticeWaiting(now);
    }

    /** Where the group consumer stands when nothing is in hand (after assignment or a rewind). */
    synchronized void position(long position, long now) {
        if (committed < 0 || position > committed) {
            committed = position;
        }
        noticeWaiting(now);
    }

    private void noticeWaiting(long now) {
        if (messages() > 0) {
            if (waitingSinceMs < 0) {
                waitingSinceMs = now;
                stall.idle(now);
            }
        } else if (inFlightBrokerTsMs < 0) {
            if (waitingSinceMs >= 0) {
                stall.idle(now);
            }
            waitingSinceMs = -1;
        }
    }

    /** A batch starting at {@code firstOffset} is in hand. */
    synchronized void inHand(long firstOffset, long firstBrokerTsMs, long now) {
        if (committed < 0 && firstOffset >= 0) {
            committed = firstOffset;
        }
        inFlightBrokerTsMs = firstBrokerTsMs >= 0 ? firstBrokerTsMs : now;
        if (waitingSinceMs < 0) {
            waitingSinceMs = now;
            stall.idle(now);
        }
    }

    /**
     * The lag thread read the record at {@code offset}: taken as the oldest waiting record only if it is still the
     * one at the committed offset (the poll thread may have moved on meanwhile; both under this object's lock).
     */
    synchronized void peeked(long offset, long brokerTsMs, long sourceNanos) {
        if (committed == offset) {
            oldestBrokerTsMs = brokerTsMs;
            oldestSourceNanos = sourceNanos;
        }
    }

    /** The batch in hand is applied (or dead-lettered) and committed through {@code nextOffset - 1}. */
    synchronized void done(long nextOffset, long lastBrokerTsMs, long now) {
        if (nextOffset > committed) {
            committed = nextOffset;
        }
        if (lastBrokerTsMs >= 0) {
            lastAppliedBrokerTsMs = lastBrokerTsMs;
        }
        oldestBrokerTsMs = -1;
        oldestSourceNanos = -1;
        inFlightBrokerTsMs = -1;
        inFlightSourceNanos = -1;
        appliedThrough = -1;
        blockedReason = null;
        lastProgressMs = now;
        waitingSinceMs = messages() > 0 ? now : -1;
        stall.progress(now);
    }

    /** The batch in hand must be redelivered: it stays the oldest waiting data. */
    synchronized void rewound(String reason, long now) {
        if (inFlightBrokerTsMs >= 0) {
            oldestBrokerTsMs = inFlightBrokerTsMs;
        }
        if (inFlightSourceNanos > 0) {
            oldestSourceNanos = inFlightSourceNanos;
        }
        inFlightBrokerTsMs = -1;
        inFlightSourceNanos = -1;
        appliedThrough = -1;
        blockedReason = reason;
        if (end >= 0 && committed >= 0 && end <= committed) {
            end = committed + 1; // at least the rewound record waits
        }
        if (waitingSinceMs < 0) {
            waitingSinceMs = now;
            stall.idle(now);
        }
    }

    /**
     * How long the partition has had waiting records without applied progress; 0 when nothing waits. Core's stall
     * rule ({@link StallWatch}): the time since the last progress or the last moment nothing waited.
     */
    long stalledForMs(long now) {
        return waiting() ? stall.stalledMs(now) : 0;
    }

    /** Whether records wait and {@link #stalledForMs} reached the stall timeout (2 heartbeat intervals by default). */
    boolean stalled(long now) {
        return stalled(now, -1);
    }

    /**
     * Whether records wait and {@link #stalledForMs}, less the time the shared applier spent in other partitions'
     * {@code apply} calls meanwhile (ended ones, and the one running since {@code otherCallStartedMs}, -1 none),
     * reached the stall timeout. Applies are serialized: with k partitions waiting behind a target taking a s per
     * call, each partition progresses every ~k·a s although the applier never stops; that time is the other
     * partitions' turn, not this one stalled (attack 6 finding 5: 4 partitions at 1.2 s per call read DOWN at 182 of
     * 214 reads while a batch was applied every 1.2 s). Only calls shorter than the stall timeout are the applier's
     * turns: one running (or having run) that long is a target not answering, and the partitions behind it are
     * stalled by it (named as such by the health check). A call of this partition, the poll loop, the broker or an
     * idle applier still count: a hung call, a failing target or a partition not read reach the timeout as before.
     */
    synchronized boolean stalled(long now, long otherCallStartedMs) {
        if (!waiting() || !stall.stalled(now)) {
            return false;
        }
        long since = resetBusyIfRestarted();
        long busy = othersBusyMs;
        if (otherCallStartedMs >= 0 && now - otherCallStartedMs < stallMs
                && now > Math.max(otherCallStartedMs, since)) {
            busy += now - Math.max(otherCallStartedMs, since);
        }
        return stall.stalledMs(now) - busy >= stallMs;
    }

    /** Which of its connector's topics of one kind (heartbeats, transaction metadata) confirms this partition. */
    static final class ConnectorTopic {
        /** The topic, once known; null until then. */
        volatile String topic;
        /** How many topics of the kind were known when {@link #topic} was guessed from the topic name; -1 exact. */
        volatile int knownAtGuess = -1;
        /** The exact topic its changes' {@code source.name} gives, set with it; null without one or the kind's naming. */
        volatile String own;
    }
}
