package io.migmon.spring.boot.internal;

import io.migmon.cdc.CdcEventProcessor;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;

/**
 * Runs the {@link CdcEventProcessor} on a thread the starter owns ({@code migmon-cdc-<name>}), started with the
 * application context and stopped gracefully: {@link #stop()} closes the processor (which wakes the consumer, lets
 * the batch in hand finish and commits its offsets, waiting up to the processor's close timeout) and then joins
 * the thread.
 */
public final class CdcProcessorLifecycle implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger("io.migmon.spring.boot");

    private final CdcEventProcessor processor;
    private final String name;
    private final Duration joinTimeout;
    private volatile Thread thread;

    public CdcProcessorLifecycle(CdcEventProcessor processor, String name, Duration joinTimeout) {
        this.processor = processor;
        this.name = name;
        this.joinTimeout = joinTimeout;
    }

    @Override
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                processor.run();
            } catch (RuntimeException e) {
                LOG.error("migmon cdc processor {} stopped: {}", name, e.getClass().getSimpleName());
            }
        }, "migmon-cdc-" + name);
        t.setDaemon(true);
        t.start();
        thread = t;
    }

    @Override
    public synchronized void stop() {
        Thread t = thread;
        thread = null;
        if (t == null) {
            return;
        }
        processor.close();
        try {
            t.join(joinTimeout.toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) {
            LOG.warn("migmon cdc processor {}: thread did not stop within {}", name, joinTimeout);
        }
    }

    @Override
    public boolean isRunning() {
        return thread != null;
    }

    /** The processor's thread while running (for tests). */
    public Thread thread() {
        return thread;
    }
}
