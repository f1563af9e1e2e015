package io.migmon.cdc;

import com.fasterxml.jackson.core.JsonFactory;
import io.migmon.cdc.event.ChangeEvent;
import io.migmon.cdc.event.DeadLetterReason;
import io.migmon.cdc.event.Operation;
import io.migmon.cdc.internal.EnvelopeException;
import io.migmon.cdc.internal.EnvelopeParser;
import io.migmon.cdc.spi.ChangeApplier;
import io.migmon.cdc.spi.RetriableApplyException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Parse, record, apply, isolate poison events, dead-letter: one batch of records of one partition at a time (batches
 * are serialized by a lock, so the poll loop and {@code process} callers never interleave).
 */
final class ChangePipeline {

    private final ProcessorConfig config;
    private final CdcMeters meters;
    private final DeadLetterPublisher deadLetters;
    private final ProcessorHealth health;
    private final EnvelopeParser parser;
    private final ChangeApplier applier;
    private final ReentrantLock lock = new ReentrantLock();
    private final AtomicLong eventsProcessed = new AtomicLong();
    private final AtomicLong deadLettered = new AtomicLong();
    /** Set when a back-off was interrupted: the caller should stop. */
    volatile boolean interrupted;

    ChangePipeline(ProcessorConfig config, CdcMeters meters, DeadLetterPublisher deadLetters, ProcessorHealth health) {
        this.config = config;
        this.meters = meters;
        this.deadLetters = deadLetters;
        this.health = health;
        this.parser = new EnvelopeParser(new JsonFactory(), config.heartbeatTopicPrefix, config.transactionTopicSuffix);
        this.applier = config.applier;
    }

    long eventsProcessed() {
        return eventsProcessed.get();
    }

    long deadLettered() {
        return deadLettered.get();
    }

    /**
     * Handles one batch. Returns false when the batch must be redelivered (the dead-letter topic could not be
     * written).
     *
     * @throws RetriableApplyException when the target is unavailable (nothing dead-lettered; redeliver)
     */
    boolean handle(List<CdcRecord> records, long consumedNanos) throws RetriableApplyException {
        lock.lock();
        try {
            List<ChangeEvent> changes = applier == null ? null : new ArrayList<>(records.size());
            List<DeadLetter> dead = null;
            long nowMs = consumedNanos / 1_000_000L;
            for (CdcRecord r : records) {
                health.lastRecordMs = nowMs;
                ChangeEvent e;
                try {
                    e = parser.parse(r, applier != null);
                } catch (EnvelopeException ex) {
                    if (dead == null) {
                        dead = new ArrayList<>();
                    }
                    dead.add(new DeadLetter(r, ex.reason(), ex.getMessage()));
                    continue;
                }
                observe(e, consumedNanos);
                if (changes != null && e.kind() == ChangeEvent.Kind.CHANGE && e.operation() != Operation.MESSAGE) {
                    changes.add(e);
                }
            }
            if (changes != null && !changes.isEmpty()) {
                List<DeadLetter> rejected = apply(changes, consumedNanos);
                if (!rejected.isEmpty()) {
                    if (dead == null) {
                        dead = new ArrayList<>();
                    }
                    dead.addAll(rejected);
                }
            }
            if (dead != null) {
                int published = deadLetters.publish(dead);
                deadLettered.addAndGet(published);
                return published == dead.size();
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    private void observe(ChangeEvent e, long consumedNanos) {
        CdcRecord r = e.record();
        long eventTs = e.eventTsNanos();
        if (r.timestampMs() > 0) {
            long brokerNanos = r.timestampMs() * 1_000_000L;
            meters.brokerToConsumer(consumedNanos - brokerNanos);
            if (eventTs > 0 && e.kind() == ChangeEvent.Kind.CHANGE) {
                meters.connectorToBroker(brokerNanos - eventTs);
            }
        }
        switch (e.kind()) {
            case HEARTBEAT:
                health.lastHeartbeatMs = consumedNanos / 1_000_000L;
                return;
            case CHANGE:
                health.lastChangeMs = consumedNanos / 1_000_000L;
                if (eventTs > 0 && e.sourceTsNanos() > 0) {
                    meters.sourceToConnector(eventTs - e.sourceTsNanos());
                }
                meters.eventCounter(e).increment();
                eventsProcessed.incrementAndGet();
                return;
            default:
                // tombstones and transaction boundaries: no meter of their own
        }
    }

    private List<DeadLetter> apply(List<ChangeEvent> changes, long consumedNanos) throws RetriableApplyException {
        Exception last = null;
        for (int attempt = 0; attempt <= config.applyRetries; attempt++) {
            try {
                applier.apply(List.copyOf(changes));
                applied(changes, consumedNanos);
                return List.of();
            } catch (RetriableApplyException e) {
                throw e;
            } catch (Exception e) {
                last = e;
                if (attempt < config.applyRetries) {
                    backOff();
                }
            }
        }
        if (changes.size() == 1) {
            return List.of(new DeadLetter(changes.get(0).record(), DeadLetterReason.APPLY_FAILED, describe(last)));
        }
        // isolate the poison events: apply one by one, in order
        List<DeadLetter> rejected = new ArrayList<>();
        for (ChangeEvent e : changes) {
            try {
                applier.apply(List.of(e));
                applied(List.of(e), consumedNanos);
            } catch (RetriableApplyException ex) {
                throw ex;
            } catch (Exception ex) {
                rejected.add(new DeadLetter(e.record(), DeadLetterReason.APPLY_FAILED, describe(ex)));
            }
        }
        return rejected;
    }

    private void applied(List<ChangeEvent> changes, long consumedNanos) {
        long appliedNanos = nanosNow();
        meters.consumerToApplied(appliedNanos - consumedNanos);
        String lastKey = null;
        AtomicLong lastHolder = null;
        for (ChangeEvent e : changes) {
            if (e.sourceTsNanos() <= 0 || e.qualifiedTable() == null) {
                continue;
            }
            String source = e.qualifiedTable();
            String target;
            try {
                target = applier.targetTable(e);
            } catch (RuntimeException ex) {
                meters.recordFailure(ex);
                continue;
            }
            String key = source + '\u0000' + target;
            if (!key.equals(lastKey)) {
                lastHolder = meters.replicationLag(source, target);
                lastKey = key;
            }
            lastHolder.set(Math.max(0, appliedNanos - e.sourceTsNanos()));
        }
    }

    /** Sleeps the retry back-off on the processing thread; an interrupt stops the processor. */
    void backOff() {
        try {
            Thread.sleep(config.retryBackoff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            interrupted = true;
        }
    }

    long nanosNow() {
        Instant i = config.clock.instant();
        return i.getEpochSecond() * 1_000_000_000L + i.getNano();
    }

    static String describe(Exception e) {
        String m = e == null ? null : e.getMessage();
        String s = e == null ? "unknown" : e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        return s.length() > 500 ? s.substring(0, 500) : s;
    }
}
