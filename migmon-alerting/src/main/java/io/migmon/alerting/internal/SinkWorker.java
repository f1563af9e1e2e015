package io.migmon.alerting.internal;

import io.migmon.alerting.Alert;
import io.migmon.alerting.SinkOptions;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.alerting.spi.Notification;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one sink's notifications: its own bounded queue of at most one ticket per group, each with its own
 * next-attempt time, so a group whose delivery keeps failing waits out its own backoff while the other groups of the
 * same sink are sent (no head-of-line blocking); the worker sends the due ticket that is most severe, oldest first. Retries with exponential backoff and jitter (a server's
 * Retry-After wins when longer, capped by maxBackoff), a per-call timeout, and counters. In threaded mode a loop
 * thread {@code migmon-alert-sink-<name>} waits for due work and runs each call on a call thread
 * {@code migmon-alert-sink-<name>-call-N} (at most two; a call that times out is interrupted and abandoned), so a
 * hung destination delays only this sink. In manual mode {@link #deliverDue(Instant)} runs calls on the caller.
 */
public final class SinkWorker {

    private static final Logger LOG = LoggerFactory.getLogger("io.migmon.alerting");

    /** An undelivered notification and why. */
    public record Undelivered(Notification notification, String reason) {
    }

    private static final class Pending {
        Ticket ticket;
        int attempts;
        Instant notBefore;
        String lastError = "not attempted";
        boolean failedCounted;
        /** Enqueue order: the oldest of equally severe due tickets goes first. */
        final long seq;

        Pending(Ticket ticket, Instant notBefore, long seq) {
            this.ticket = ticket;
            this.notBefore = notBefore;
            this.seq = seq;
        }
    }

    private final AlertSink sink;
    private final String name;
    private final SinkOptions options;
    private final Clock clock;
    private final AlertMeters meters;
    private final DeliverySource source;
    /** Groups owed a notification (at most one entry per group), each with its own next-attempt time. */
    private final Map<String, Pending> byGroup = new LinkedHashMap<>();
    /** Groups whose latest ticket was dropped by overflow and not queued since: counted once per loss. */
    private final Set<String> lostGroups = new HashSet<>();
    private long seq;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final List<Undelivered> undelivered = new ArrayList<>();
    private volatile boolean stopping;
    private volatile boolean inFlight;
    private boolean failing;
    private Thread loop;
    private ThreadPoolExecutor calls;

    public SinkWorker(AlertSink sink, SinkOptions options, Clock clock, AlertMeters meters, DeliverySource source) {
        this.sink = sink;
        this.name = sink.name();
        this.options = options;
        this.clock = clock;
        this.meters = meters;
        this.source = source;
    }

    public String name() {
        return name;
    }

    /** Starts the loop and call threads (daemon). */
    public void start() {
        AtomicInteger n = new AtomicInteger();
        calls = new ThreadPoolExecutor(0, 2, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), r -> {
            Thread t = new Thread(r, "migmon-alert-sink-" + name + "-call-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        loop = new Thread(this::runLoop, "migmon-alert-sink-" + name);
        loop.setDaemon(true);
        loop.start();
    }

    /**
     * Queues a ticket; never waits. A group already queued keeps its place (and retry schedule): the queue holds
     * the latest state per group, not a history. Overflow drops the least severe ticket (oldest first); the
     * engine issues it again at the group's next flush, since nothing was recorded as delivered.
     */
    public void enqueue(Ticket t) {
        Ticket dropped = null;
        lock.lock();
        try {
            Pending queued = byGroup.get(t.groupKey());
            if (queued != null) {
                // a change wins over a repeat; the newer group instance wins
                queued.ticket = new Ticket(t.groupKey(), Math.max(t.groupId(), queued.ticket.groupId()), t.sink(),
                        t.alerts(), t.repeat() && queued.ticket.repeat());
                return;
            }
            if (byGroup.size() >= options.queueCapacity()) {
                Pending least = null;
                for (Pending p : byGroup.values()) {
                    if (least == null || p.ticket.severity().compareTo(least.ticket.severity()) < 0) {
                        least = p;
                    }
                }
                if (least != null && least.ticket.severity().compareTo(t.severity()) < 0) {
                    byGroup.remove(least.ticket.groupKey());
                    dropped = least.ticket;
                } else {
                    dropped = t;
                }
            }
            if (dropped != t) {
                Pending p = new Pending(t, clock.instant(), seq++);
                byGroup.put(t.groupKey(), p);
                lostGroups.remove(t.groupKey());
                changed.signalAll();
            }
            // a group is counted once per loss: the engine re-issues an undelivered group at every flush, and a
            // re-issue that overflows again is the same loss
            if (dropped != null && !lostGroups.add(dropped.groupKey())) {
                dropped = null;
            }
            if (lostGroups.size() > 4 * options.queueCapacity() + 1024) {
                lostGroups.clear(); // bounded memory: groups that vanished meanwhile would otherwise stay forever
            }
        } finally {
            lock.unlock();
        }
        if (dropped != null) {
            for (Alert a : dropped.alerts()) {
                meters.dropped(a.severity(), AlertMeters.SINK_QUEUE_FULL);
            }
        }
    }

    /** Tickets queued or in flight. */
    public int depth() {
        lock.lock();
        try {
            return byGroup.size() + (inFlight ? 1 : 0);
        } finally {
            lock.unlock();
        }
    }

    private void runLoop() {
        while (!stopping) {
            Pending p;
            lock.lock();
            try {
                if (byGroup.isEmpty()) {
                    changed.await(200, TimeUnit.MILLISECONDS);
                    continue;
                }
                Instant now = clock.instant();
                p = nextDue(now);
                if (p == null) {
                    long waitNanos = Duration.between(now, earliest()).toNanos();
                    changed.await(Math.max(1, Math.min(waitNanos, TimeUnit.MILLISECONDS.toNanos(200))),
                            TimeUnit.NANOSECONDS);
                    continue;
                }
                take(p);
                inFlight = true;
            } catch (InterruptedException e) {
                if (stopping) {
                    return;
                }
                continue;
            } finally {
                lock.unlock();
            }
            try {
                attempt(p, true);
            } catch (RuntimeException e) {
                meters.meters().recordFailure("alerting", e); // keep the delivery thread alive
            } finally {
                inFlight = false;
            }
        }
    }

    private void take(Pending p) {
        byGroup.remove(p.ticket.groupKey());
    }

    /** The due ticket to send next: most severe first, then oldest; null when none is due. Under the lock. */
    private Pending nextDue(Instant now) {
        Pending best = null;
        for (Pending p : byGroup.values()) {
            if (p.notBefore.isAfter(now)) {
                continue;
            }
            if (best == null) {
                best = p;
                continue;
            }
            int bySeverity = p.ticket.severity().compareTo(best.ticket.severity());
            if (bySeverity > 0 || bySeverity == 0 && p.seq < best.seq) {
                best = p;
            }
        }
        return best;
    }

    /** The earliest next-attempt time of the queued tickets. Under the lock; the queue is not empty. */
    private Instant earliest() {
        Instant min = null;
        for (Pending p : byGroup.values()) {
            if (min == null || p.notBefore.isBefore(min)) {
                min = p.notBefore;
            }
        }
        return min;
    }

    /** Manual mode: delivers every queued ticket that is due at {@code now}, on the calling thread. */
    public void deliverDue(Instant now) {
        while (true) {
            Pending p;
            lock.lock();
            try {
                p = nextDue(now);
                if (p == null) {
                    return;
                }
                take(p);
            } finally {
                lock.unlock();
            }
            attempt(p, false);
        }
    }

    private void attempt(Pending p, boolean threaded) {
        Notification n = source.content(p.ticket, clock.instant());
        if (n == null) {
            return; // nothing owed any more: superseded by a later state
        }
        p.attempts++;
        DeliveryException failure = threaded ? callWithTimeout(n) : callDirect(n);
        if (failure == null) {
            source.delivered(p.ticket, n, clock.instant());
            for (Alert a : n.alerts()) {
                meters.sent(name, a);
            }
            if (failing) {
                failing = false;
                LOG.info("alert sink '{}' delivers again", name);
            }
            return;
        }
        p.lastError = failure.getMessage();
        if (failure.retryable() && !stopping) {
            source.failed(p.ticket, n);
            if (p.attempts >= options.maxAttempts() && !p.failedCounted) {
                p.failedCounted = true;
                countFailed(p, n);
            }
            Duration wait = options.backoff(p.attempts, ThreadLocalRandom.current().nextDouble());
            if (failure.retryAfter() != null && failure.retryAfter().compareTo(wait) > 0) {
                wait = failure.retryAfter().compareTo(options.maxBackoff()) > 0 ? options.maxBackoff() : failure.retryAfter();
            }
            p.notBefore = clock.instant().plus(wait);
            LOG.debug("alert sink '{}' attempt {} failed, retry in {}: {}", name, p.attempts, wait, p.lastError);
            requeue(p);
            return;
        }
        if (failure.retryable()) {
            source.failed(p.ticket, n); // stopping: no retry
        } else {
            source.rejected(p.ticket, n, clock.instant());
        }
        Notification lost = n;
        if (failure.rejectedFingerprints() != null) {
            // partly accepted: only the rejected alerts count as failed (and are reported undelivered)
            List<Alert> rejected = new ArrayList<>();
            for (Alert a : n.alerts()) {
                if (failure.rejectedFingerprints().contains(a.fingerprint())) {
                    meters.failed(name, a);
                    rejected.add(a);
                } else {
                    meters.sent(name, a);
                }
            }
            LOG.warn("alert sink '{}' delivered '{}' in part: {}", name, n.title(), p.lastError);
            lost = rejected.isEmpty() ? null
                    : new Notification(n.groupKey(), n.sink(), n.groupLabels(), rejected, n.at(), n.repeat());
        } else if (!p.failedCounted) {
            countFailed(p, n);
        }
        if (lost != null) {
            synchronized (undelivered) {
                if (undelivered.size() < 100) { // the report lists the first 100; the counters have them all
                    undelivered.add(new Undelivered(lost, "failed: " + p.lastError));
                }
            }
        }
    }

    /**
     * Puts a failed ticket back with its own next-attempt time (not ahead of the others: a failing group must not
     * block the other groups of the sink); a ticket for the same group queued meanwhile merges into it, keeping
     * this one's retry schedule.
     */
    private void requeue(Pending p) {
        lock.lock();
        try {
            Pending newer = byGroup.get(p.ticket.groupKey());
            if (newer != null) {
                p.ticket = newer.ticket.groupId() >= p.ticket.groupId() ? newer.ticket : p.ticket;
            }
            byGroup.put(p.ticket.groupKey(), p);
            lostGroups.remove(p.ticket.groupKey());
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void countFailed(Pending p, Notification n) {
        for (Alert a : n.alerts()) {
            meters.failed(name, a);
        }
        if (!failing) {
            failing = true;
            LOG.warn("alert sink '{}' failed to deliver '{}' after {} attempt(s): {} (further failures at DEBUG "
                    + "until it recovers)", name, n.title(), p.attempts, p.lastError);
        } else {
            LOG.debug("alert sink '{}' failed to deliver '{}' after {} attempt(s): {}", name, n.title(),
                    p.attempts, p.lastError);
        }
    }

    private DeliveryException callDirect(Notification n) {
        try {
            sink.send(n);
            return null;
        } catch (DeliveryException e) {
            return e;
        } catch (Throwable e) { // NOPMD: a sink's Error (LinkageError when angus-mail is excluded, AssertionError,
            // StackOverflowError...) must not reach the host's thread in manual-tick mode; counted as a failed attempt
            return DeliveryException.retryable("sink threw " + e.getClass().getName());
        }
    }

    private DeliveryException callWithTimeout(Notification n) {
        Future<DeliveryException> f;
        try {
            f = calls.submit(() -> callDirect(n));
        } catch (RejectedExecutionException e) {
            return DeliveryException.retryable("sink busy: earlier calls are still hung");
        }
        try {
            return f.get(options.timeout().toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            return DeliveryException.retryable("timed out after " + options.timeout());
        } catch (ExecutionException e) {
            return DeliveryException.retryable("sink threw " + e.getCause().getClass().getName());
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            return DeliveryException.retryable("interrupted (shutdown)");
        }
    }

    /**
     * Threaded mode: waits until the queue is empty or {@code deadlineNanos} (System.nanoTime) passes, then stops
     * the threads. Manual mode: one more attempt for each queued notification. Returns what was not delivered.
     */
    public List<Undelivered> drainAndStop(long deadlineNanos, boolean threaded) {
        if (threaded) {
            // everything queued is due now, once; retries keep their backoff (a dead receiver is not hammered
            // until the deadline)
            lock.lock();
            try {
                for (Pending p : byGroup.values()) {
                    p.notBefore = p.notBefore.isAfter(clock.instant()) ? clock.instant() : p.notBefore;
                }
                changed.signalAll();
            } finally {
                lock.unlock();
            }
            while (System.nanoTime() < deadlineNanos && depth() > 0) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            stopThreads();
        } else {
            lock.lock();
            try {
                for (Pending p : byGroup.values()) {
                    p.notBefore = Instant.MIN;
                }
            } finally {
                lock.unlock();
            }
            stopping = true;
            deliverDue(Instant.MAX);
        }
        List<Pending> left = new ArrayList<>();
        lock.lock();
        try {
            left.addAll(byGroup.values());
            byGroup.clear();
        } finally {
            lock.unlock();
        }
        List<Undelivered> out = new ArrayList<>();
        for (Pending p : left) {
            Notification n = source.content(p.ticket, clock.instant());
            if (n == null) {
                continue;
            }
            source.failed(p.ticket, n);
            out.add(new Undelivered(n, p.attempts == 0 ? "not sent before shutdown" : "failed: " + p.lastError));
            for (Alert a : n.alerts()) {
                meters.dropped(a.severity(), AlertMeters.SHUTDOWN);
            }
        }
        synchronized (undelivered) {
            out.addAll(0, undelivered);
        }
        closeSink();
        return out;
    }

    /** Stops the loop and call threads (threaded mode); idempotent, never throws. */
    public void stopThreads() {
        stopping = true;
        if (loop != null) {
            loop.interrupt();
            calls.shutdownNow();
            try {
                loop.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Closes the sink; whatever it throws ({@code Error}s included) is logged and swallowed, so the dispatcher still
     * drains the other sinks, stops its threads and returns its report.
     */
    public void closeSink() {
        try {
            sink.close();
        } catch (Throwable e) { // NOPMD: a sink's close must not stop the dispatcher's shutdown
            LOG.warn("alert sink '{}' close failed: {}", name, e.getClass().getName());
        }
    }
}
