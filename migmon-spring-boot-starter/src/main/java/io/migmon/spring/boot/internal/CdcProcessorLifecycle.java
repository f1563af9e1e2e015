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
    private final java.util.List<String> secrets;
    private final io.migmon.core.health.HealthCheck healthCheck;
    private volatile Thread thread;
    private volatile String failureReason;

    public CdcProcessorLifecycle(CdcEventProcessor processor, String name, Duration joinTimeout) {
        this(processor, name, joinTimeout, java.util.List.of());
    }

    /**
     * @param secrets configured values (Kafka credentials) masked in the failure reason should a cause quote them
     */
    public CdcProcessorLifecycle(CdcEventProcessor processor, String name, Duration joinTimeout,
            java.util.Collection<String> secrets) {
        this.processor = processor;
        this.name = name;
        this.joinTimeout = joinTimeout;
        this.secrets = java.util.List.copyOf(secrets);
        io.migmon.core.health.HealthCheck own = processor.healthCheck();
        this.healthCheck = io.migmon.core.health.HealthCheck.of(own.name(), () -> withFailure(own.check()));
    }

    /** The processor's health plus, once the poll loop died, the root cause (type and message, secrets masked). */
    public io.migmon.core.health.HealthCheck healthCheck() {
        return healthCheck;
    }

    /** The processor this lifecycle runs. */
    public CdcEventProcessor processor() {
        return processor;
    }

    private io.migmon.core.health.Health withFailure(io.migmon.core.health.Health h) {
        String f = failureReason;
        if (f == null || h == null) {
            return h;
        }
        java.util.List<String> reasons = new java.util.ArrayList<>(h.reasons());
        reasons.add(f);
        return new io.migmon.core.health.Health(io.migmon.core.health.HealthStatus.DOWN, reasons, h.details());
    }

    /**
     * "root cause: Type: message" of the deepest cause, with every configured secret masked. Kafka's configuration
     * errors name the key and, for non-password keys, the value; password-typed values print as [hidden].
     */
    static String rootCause(Throwable t, java.util.Collection<String> secrets) {
        Throwable root = t;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String msg = String.valueOf(root.getMessage());
        for (String s : secrets) {
            if (s != null && !s.isEmpty()) {
                msg = msg.replace(s, "******");
            }
        }
        String head = root == t ? "" : t.getClass().getSimpleName() + ", ";
        return "poll loop stopped: " + head + "root cause " + root.getClass().getSimpleName() + ": " + msg;
    }

    /** The failure reason once the poll loop died, else null (for tests). */
    public String failureReason() {
        return failureReason;
    }

    @Override
    public synchronized void start() {
        if (thread != null) {
            return;
        }
        Thread t = new Thread(() -> {
            try {
                processor.run();
            } catch (Throwable e) {
                failureReason = rootCause(e, secrets);
                LOG.error("migmon cdc processor {} stopped: {}", name, failureReason);
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
