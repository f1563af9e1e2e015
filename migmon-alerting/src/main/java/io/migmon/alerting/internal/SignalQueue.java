package io.migmon.alerting.internal;

import io.migmon.core.anomaly.Severity;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bounded inbound queue of {@link Signal}s with one FIFO per severity. {@link #offer} never waits for space: when
 * full, the least severe signal (the oldest of the lowest non-empty severity) is evicted if the new one is more
 * severe, otherwise the new one is rejected; either way the loser goes to {@code onDrop}. Signals for one alert
 * share a severity (it is part of the fingerprint), so their order is kept. The lock is held only for deque
 * operations.
 */
public final class SignalQueue {

    private final int capacity;
    private final List<ArrayDeque<Signal>> bySeverity;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private volatile int size;

    public SignalQueue(int capacity) {
        this.capacity = capacity;
        List<ArrayDeque<Signal>> queues = new ArrayList<>();
        for (int i = 0; i < Severity.values().length; i++) {
            queues.add(new ArrayDeque<>());
        }
        this.bySeverity = List.copyOf(queues);
    }

    /** Adds the signal; returns the signal that was dropped to make room (maybe {@code s} itself), or null. */
    public Signal offer(Signal s) {
        Signal dropped = null;
        lock.lock();
        try {
            if (size >= capacity) {
                int lowest = lowestNonEmpty();
                if (lowest < 0 || lowest >= s.alert().severity().ordinal()) {
                    return s;
                }
                dropped = bySeverity.get(lowest).pollFirst();
                size--;
            }
            bySeverity.get(s.alert().severity().ordinal()).addLast(s);
            size++;
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        return dropped;
    }

    /** Removes every queued signal, most severe first, FIFO within a severity. */
    public List<Signal> drain() {
        lock.lock();
        try {
            List<Signal> out = new ArrayList<>(size);
            for (int i = bySeverity.size() - 1; i >= 0; i--) {
                out.addAll(bySeverity.get(i));
                bySeverity.get(i).clear();
            }
            size = 0;
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** Waits up to {@code nanos} for a signal; returns at once when one is queued. */
    public void awaitSignal(long nanos) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            if (size == 0 && nanos > 0) {
                notEmpty.await(nanos, TimeUnit.NANOSECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Wakes a waiting {@link #awaitSignal}. */
    public void wakeUp() {
        lock.lock();
        try {
            notEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        return size;
    }

    private int lowestNonEmpty() {
        for (int i = 0; i < bySeverity.size(); i++) {
            if (!bySeverity.get(i).isEmpty()) {
                return i;
            }
        }
        return -1;
    }
}
