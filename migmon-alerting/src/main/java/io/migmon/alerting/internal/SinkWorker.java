package io.migmon.alerting.internal;

import io.migmon.alerting.Alert;
import io.migmon.alerting.SinkOptions;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.alerting.spi.Notification;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * Delivers one sink's notifications: its own bounded FIFO, retries with exponential backoff and jitter (a server's
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

        Pending(Ticket ticket, Instant notBefore) {
            this.ticket = ticket;
            this.notBefore = notBefore;
        }
    }

    private final AlertSink sink;
    private final String name;
    private final SinkOptions options;
    private final Clock clock;
    private final AlertMeters meters;
    private final DeliverySource source;
    /** FIFO of groups owed a notification; {@link #byGroup} indexes it: at most one entry per group. */
    private final ArrayDeque<Pending> queue = new ArrayDeque<>();
    private final Map<String, Pending> byGroup = new HashMap<>();
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
            if (queue.size() >= options.queueCapacity()) {
                Pending least = null;
                for (Pending p : queue) {
                    if (least == null || p.ticket.severity().compareTo(least.ticket.severity()) < 0) {
                        least = p;
                    }
                }
                if (least != null && least.ticket.severity().compareTo(t.severity()) < 0) {
                    queue.remove(least);
                    byGroup.remove(least.ticket.groupKey());
                    dropped = least.ticket;
                } else {
                    dropped = t;
                }
            }
            if (dropped != t) {
                Pending p = new Pending(t, clock.instant());
                queue.addLast(p);
                byGroup.put(t.groupKey(), p);
                changed.signalAll();
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
            return queue.size() + (inFlight ? 1 : 0);
        } finally {
            lock.unlock();
        }
    }

    private void runLoop() {
        while (!stopping) {
            Pending p;
            lock.lock();
            try {
                p = queue.peekFirst();
                if (p == null) {
                    changed.await(200, TimeUnit.MILLISECONDS);
                    continue;
                }
                long waitNanos = Duration.between(clock.instant(), p.notBefore).toNanos();
                if (waitNanos > 0) {
                    changed.await(Math.min(waitNanos, TimeUnit.MILLISECONDS.toNanos(200)), TimeUnit.NANOSECONDS);
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
        queue.pollFirst();
        byGroup.remove(p.ticket.groupKey());
    }

    /** Manual mode: delivers every queued ticket that is due at {@code now}, on the calling thread. */
    public void deliverDue(Instant now) {
        while (true) {
            Pending p;
            lock.lock();
            try {
                p = queue.peekFirst();
                if (p == null || p.notBefore.isAfter(now)) {
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
            requeueFirst(p);
            return;
        }
        if (failure.retryable()) {
            source.failed(p.ticket, n); // stopping: no retry
        } else {
            source.rejected(p.ticket, n, clock.instant());
        }
        if (!p.failedCounted) {
            countFailed(p, n);
        }
        synchronized (undelivered) {
            if (undelivered.size() < 100) { // the report lists the first 100; the counters have them all
                undelivered.add(new Undelivered(n, "failed: " + p.lastError));
            }
        }
    }

    /** Puts a ticket back at the head; a ticket for the same group queued meanwhile merges into it. */
    private void requeueFirst(Pending p) {
        lock.lock();
        try {
            Pending newer = byGroup.get(p.ticket.groupKey());
            if (newer != null) {
                queue.remove(newer);
                p.ticket = newer.ticket.groupId() >= p.ticket.groupId() ? newer.ticket : p.ticket;
            }
            queue.addFirst(p);
            byGroup.put(p.ticket.groupKey(), p);
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
                for (Pending p : queue) {
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
            stopping = true;
            loop.interrupt();
            calls.shutdownNow();
            try {
                loop.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            lock.lock();
            try {
                for (Pending p : queue) {
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
            left.addAll(queue);
            queue.clear();
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
        try {
            sink.close();
        } catch (RuntimeException e) {
            LOG.debug("alert sink '{}' close failed: {}", name, e.getClass().getName());
        }
        return out;
    }
}
