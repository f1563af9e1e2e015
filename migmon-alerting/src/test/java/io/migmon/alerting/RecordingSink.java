package io.migmon.alerting;

import io.migmon.alerting.spi.AlertSink;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.alerting.spi.Notification;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;

/** A sink for tests: records notifications; can be scripted to fail or hang. */
final class RecordingSink implements AlertSink {
    final String name;
    final List<Notification> received = new CopyOnWriteArrayList<>();
    final Deque<DeliveryException> failures = new ArrayDeque<>();
    volatile boolean hang;
    /** While set, every call fails like a receiver answering 503. */
    volatile boolean down;
    /** While set, every call throws this (e.g. an Error). */
    volatile Throwable throwing;
    final CountDownLatch release = new CountDownLatch(1);
    volatile int calls;

    RecordingSink(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void send(Notification n) throws DeliveryException {
        calls++;
        if (hang) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw DeliveryException.retryable("interrupted");
            }
        }
        if (down) {
            throw DeliveryException.retryable("HTTP 503");
        }
        if (throwing instanceof Error e) {
            throw e;
        }
        if (throwing instanceof RuntimeException e) {
            throw e;
        }
        DeliveryException f;
        synchronized (failures) {
            f = failures.poll();
        }
        if (f != null) {
            throw f;
        }
        received.add(n);
    }

    /** Notifications received so far, then forgets them. */
    List<Notification> take() {
        List<Notification> out = new ArrayList<>(received);
        received.clear();
        return out;
    }
}
