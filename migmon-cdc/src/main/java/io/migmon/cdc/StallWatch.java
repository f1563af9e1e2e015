package io.migmon.cdc;

import io.migmon.core.anomaly.Sample;
import io.migmon.core.anomaly.StallDetector;

import java.time.Duration;
import java.time.Instant;

/**
 * The processor's own stall rule, which is core's {@link StallDetector} (the rule behind the {@code stall} anomaly),
 * not a copy of it: fed with the instants at which progress happened or nothing waited, read at any later time by the
 * health check. Gap factor 1, so the limit is exactly the stall timeout (2 heartbeat intervals by default) and no
 * learned gap between commits lengthens it; {@code idleAtZeroLag}, so an idle period is not a stall. Written by the
 * processing thread, read by any thread (synchronized; a few hundred nanoseconds per call).
 */
final class StallWatch {

    private final StallDetector detector;
    private long count;
    private long lastFedMs = Long.MIN_VALUE;

    StallWatch(Duration limit) {
        this.detector = StallDetector.builder().after(limit).gapFactor(1).idleAtZeroLag(true).build();
    }

    /** Progress happened at {@code atMs} (a batch applied and committed, a source signal with its own time). */
    synchronized void progress(long atMs) {
        feed(atMs, ++count, Double.NaN);
    }

    /** Nothing waited until {@code atMs} (work starts waiting now, or nothing waits): the clock restarts. */
    synchronized void idle(long atMs) {
        feed(atMs, count, 0);
    }

    private void feed(long atMs, long rows, double lag) {
        long t = Math.max(atMs, lastFedMs); // increasing times: a late or older instant counts as the newest one
        lastFedMs = t;
        detector.evaluate(Sample.of(Instant.ofEpochMilli(t), rows, 0, lag));
    }

    /** The instant the clock last restarted (progress, or nothing waiting); {@code Long.MIN_VALUE} never. */
    synchronized long sinceMs() {
        return lastFedMs;
    }

    /** Milliseconds since the last progress (or the last moment nothing waited), at {@code nowMs}. */
    synchronized long stalledMs(long nowMs) {
        return Math.round(detector.stalledSeconds(Instant.ofEpochMilli(nowMs)) * 1000);
    }

    /** Whether that time has reached the limit. */
    synchronized boolean stalled(long nowMs) {
        return detector.stalledAt(Instant.ofEpochMilli(nowMs));
    }
}
