package io.migmon.alerting.internal;

import io.migmon.alerting.Alert;
import io.migmon.core.Severity;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Bounded inbound queue of evaluations, <b>coalesced by fingerprint</b>: an alert has at most one queued entry.
 * Another evaluation of a queued alert replaces the entry in place (latest alert, i.e. annotations, and latest
 * result win) and never needs room: a repeated result adds one to the entry's count of consecutive evaluations
 * (hysteresis counts them), an opposite result restarts the count at one and marks the entry {@code restarted}
 * (see {@link Signal}).
 *
 * <p>Room is needed only for an alert with no queued entry. When the queue is full, {@link #offer} never waits:
 * <ul>
 *   <li>a <b>fire</b> evicts the oldest queued fire of the least severe severity if that is less severe than the
 *       new one, otherwise the new fire is rejected; queued resolves are never evicted by a fire;</li>
 *   <li>a <b>resolve</b> evicts the oldest queued fire of the least severe severity (whatever its severity: a lost
 *       fire is re-reported by the next evaluation, a lost resolve would leave the alert firing at the receivers);
 *       only when the queue holds nothing but resolves is one resolve lost (the least severe, the new one on a
 *       tie).</li>
 * </ul>
 * Entries are kept per severity in two insertion-ordered maps (fires, resolves) so that lookup, merge and eviction
 * are O(1); the lock is held only for those map operations and, in {@link #drain}, for swapping two buffers.
 */
public final class SignalQueue {

    private static final class Entry {
        Alert alert;
        boolean firing;
        Instant since;
        Instant at;
        int count;
        boolean restarted;
        long seq;

        Signal toSignal() {
            return new Signal(alert, firing, since, at, count, restarted);
        }
    }

    private static final class Lane {
        final LinkedHashMap<String, Entry> fires = new LinkedHashMap<>();
        final LinkedHashMap<String, Entry> resolves = new LinkedHashMap<>();

        LinkedHashMap<String, Entry> of(boolean firing) {
            return firing ? fires : resolves;
        }
    }

    private final int capacity;
    private Lane[] lanes;
    private Lane[] spare; // double buffer: drain swaps under the lock and reads the entries outside it
    private final ReentrantLock lock = new ReentrantLock();
    private final ReentrantLock drainLock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private volatile int size;
    private long seq;

    public SignalQueue(int capacity) {
        this.capacity = capacity;
        this.lanes = newLanes();
        this.spare = newLanes();
    }

    private static Lane[] newLanes() {
        Lane[] l = new Lane[Severity.values().length];
        for (int i = 0; i < l.length; i++) {
            l[i] = new Lane();
        }
        return l;
    }

    /**
     * Adds one evaluation of {@code alert} ({@code firing}: its condition is true) observed at {@code at}; returns
     * the alert whose queued evaluations were dropped to make room (maybe {@code alert} itself), or null.
     */
    public Alert offer(Alert alert, boolean firing, Instant at) {
        String fp = alert.fingerprint();
        Alert dropped = null;
        lock.lock();
        try {
            Lane lane = lanes[alert.severity().ordinal()];
            Entry e = lane.of(firing).get(fp);
            if (e != null) { // same result again: one more consecutive evaluation
                e.alert = alert;
                e.at = at;
                if (e.count < Integer.MAX_VALUE) {
                    e.count++;
                }
                return null;
            }
            e = lane.of(!firing).remove(fp);
            if (e != null) { // opposite result: latest state wins, the run of consecutive evaluations restarts
                e.restarted = true;
            } else {
                if (size >= capacity) {
                    Entry victim = victimFor(alert.severity().ordinal(), firing);
                    if (victim == null) {
                        return alert;
                    }
                    dropped = victim.alert;
                    size--;
                }
                e = new Entry();
                size++;
            }
            e.alert = alert;
            e.firing = firing;
            e.since = at;
            e.at = at;
            e.count = 1;
            e.seq = seq++;
            lane.of(firing).put(fp, e);
            notEmpty.signal();
        } finally {
            lock.unlock();
        }
        return dropped;
    }

    /** Removes and returns the entry to evict for a new one of severity {@code sev}, or null to reject the new one. */
    private Entry victimFor(int sev, boolean firing) {
        for (int i = 0; i < lanes.length; i++) {
            if (!lanes[i].fires.isEmpty()) {
                if (firing && i >= sev) {
                    return null; // a fire never evicts an equally or more severe fire, nor any resolve
                }
                return removeEldest(lanes[i].fires);
            }
        }
        if (firing) {
            return null;
        }
        for (int i = 0; i < sev; i++) { // nothing but resolves: the least severe one is lost
            if (!lanes[i].resolves.isEmpty()) {
                return removeEldest(lanes[i].resolves);
            }
        }
        return null;
    }

    private static Entry removeEldest(LinkedHashMap<String, Entry> m) {
        Iterator<Entry> it = m.values().iterator();
        Entry e = it.next();
        it.remove();
        return e;
    }

    /**
     * Removes every queued entry, most severe first; within a severity in the order the entries were queued (an
     * entry whose result flipped counts as queued at the flip). The producers' lock is held only to swap buffers.
     */
    public List<Signal> drain() {
        drainLock.lock();
        try {
            Lane[] taken;
            int n;
            lock.lock();
            try {
                taken = lanes;
                lanes = spare;
                spare = taken;
                n = size;
                size = 0;
            } finally {
                lock.unlock();
            }
            List<Signal> out = new ArrayList<>(n);
            for (int i = taken.length - 1; i >= 0; i--) {
                Lane l = taken[i];
                Iterator<Entry> f = l.fires.values().iterator();
                Iterator<Entry> r = l.resolves.values().iterator();
                Entry nf = f.hasNext() ? f.next() : null;
                Entry nr = r.hasNext() ? r.next() : null;
                while (nf != null || nr != null) {
                    if (nr == null || (nf != null && nf.seq < nr.seq)) {
                        out.add(nf.toSignal());
                        nf = f.hasNext() ? f.next() : null;
                    } else {
                        out.add(nr.toSignal());
                        nr = r.hasNext() ? r.next() : null;
                    }
                }
                l.fires.clear();
                l.resolves.clear();
            }
            return out;
        } finally {
            drainLock.unlock();
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

    /** Queued entries (distinct alerts), not evaluations. */
    public int size() {
        return size;
    }
}
