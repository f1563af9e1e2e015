package io.migmon.cdc;

import io.migmon.core.anomaly.AnomalyMonitor;
import io.migmon.core.anomaly.Sample;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * Feeds a processor's numbers to an {@link AnomalyMonitor} on a schedule of its own: one daemon thread, started with
 * the processor and stopped by its {@code close()}, so the monitor keeps judging while the poll thread is stuck in a
 * hung apply (the case a stall detector exists for). Each sample: the processor's clock, events applied (observed
 * without an applier) counted once each, events dead-lettered as errors, and the overall replication lag in seconds.
 * A failure is counted in {@code migmon_observability_failures_total} and logged once, never thrown anywhere.
 */
final class AnomalySampler implements AutoCloseable {

    private final ProcessorConfig config;
    private final AnomalyMonitor monitor;
    private final CdcMeters meters;
    private final LongSupplier events;
    private final LongSupplier deadLetters;
    private final DoubleSupplier lagSeconds;
    private final ScheduledExecutorService scheduler;

    AnomalySampler(ProcessorConfig config, AnomalyMonitor monitor, Duration interval, CdcMeters meters,
                   LongSupplier events, LongSupplier deadLetters, DoubleSupplier lagSeconds) {
        this.config = config;
        this.monitor = monitor;
        this.meters = meters;
        this.events = events;
        this.deadLetters = deadLetters;
        this.lagSeconds = lagSeconds;
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "migmon-cdc-anomalies-" + config.name);
            t.setDaemon(true);
            return t;
        });
        long ms = interval.toMillis();
        scheduler.scheduleAtFixedRate(this::sample, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** Takes one sample now (also the scheduled task). Never throws. */
    void sample() {
        try {
            double lag = lagSeconds.getAsDouble();
            monitor.sample(Sample.of(config.clock.instant(), events.getAsLong(), deadLetters.getAsLong(),
                    Double.isNaN(lag) ? Double.NaN : Math.max(0, lag)));
        } catch (RuntimeException | Error e) {
            try {
                meters.recordFailure(e);
            } catch (RuntimeException ignored) {
                // the processor is closing: nothing left to count it in
            }
        }
    }

    /** Stops sampling and resolves what is still firing ("processor closed"): no alert outlives the pipeline. */
    @Override
    public void close() {
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            Instant now = config.clock.instant();
            monitor.reset(now, "processor " + config.name + " closed");
        } catch (RuntimeException e) {
            meters.recordFailure(e);
        }
    }
}
