package io.migmon.cdc;

import io.migmon.cdc.internal.PartitionLag;
import io.migmon.core.health.Health;

import java.util.Collection;
import java.util.function.Supplier;

/**
 * The processor's liveness state (written by the processing thread, read by the health check from any thread) and
 * the health verdict computed from it.
 */
final class ProcessorHealth {

    private final ProcessorConfig config;
    private final long createdMs;
    volatile boolean running;
    volatile boolean closed;
    volatile Throwable failure;
    volatile long lastPollMs = -1;
    volatile long lastRecordMs = -1;
    volatile long lastHeartbeatMs = -1;
    volatile long lastChangeMs = -1;
    volatile long lastProgressMs = -1;

    ProcessorHealth(ProcessorConfig config) {
        this.config = config;
        this.createdMs = config.clock.millis();
    }

    Health check(Collection<PartitionLag> lags, long eventsProcessed, long deadLettered) {
        long now = config.clock.millis();
        long stallMs = config.stallTimeout.toMillis();
        long lagMessages = 0;
        double lagSeconds = 0;
        for (PartitionLag l : lags) {
            lagMessages += l.messages();
            lagSeconds = Math.max(lagSeconds, l.seconds());
        }
        Health.Builder b = Health.builder()
                .detail("lagMessages", lagMessages)
                .detail("lagSeconds", lagSeconds)
                .detail("eventsProcessed", eventsProcessed)
                .detail("deadLettered", deadLettered);
        if (lastHeartbeatMs > 0) {
            b.detail("lastHeartbeatAgeMs", now - lastHeartbeatMs);
        }
        if (closed) {
            return b.down("processor closed").build();
        }
        if (failure != null) {
            return b.down("poll loop failed: " + failure.getClass().getSimpleName()).build();
        }
        if (lastPollMs < 0) {
            if (now - createdMs > stallMs) {
                return b.down("not started: no poll or process call for " + (now - createdMs) + " ms").build();
            }
            return b.detail("state", "starting").build();
        }
        long sincePoll = now - lastPollMs;
        if (config.consumesKafka() && running && sincePoll > stallMs + config.pollTimeout.toMillis()) {
            b.down("poll loop stalled: no poll for " + sincePoll + " ms");
        }
        if (config.heartbeatInterval != null) {
            long sinceRecord = now - Math.max(lastRecordMs, Math.max(lastHeartbeatMs, createdMs));
            if (sinceRecord > stallMs) {
                b.down("stalled: no heartbeat or change event for " + sinceRecord + " ms (> 2 heartbeat intervals)");
            }
        }
        long sinceProgress = now - lastProgressMs;
        if (lagMessages > 0 && sinceProgress > stallMs) {
            b.down("stalled: " + lagMessages + " messages behind, no committed progress for " + sinceProgress + " ms");
        }
        boolean idle = lagMessages == 0 && (lastChangeMs < 0 || now - lastChangeMs > stallMs);
        return b.detail("state", idle ? "idle" : "streaming").build();
    }
}
