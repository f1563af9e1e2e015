package io.migmon.core.anomaly;

import io.migmon.core.Severity;

import java.time.Duration;

/**
 * A detector judges each {@link Sample} of a run as normal, abnormal or unknown; the {@link AnomalyMonitor} turns
 * those judgements into {@link Anomaly} events with hysteresis <em>in time</em>: the anomaly fires once the samples
 * have been abnormal for {@link #fireAfter()} (counted from the sample before the first abnormal one) and, when
 * {@code fireAfter} is not zero, for at least two samples (one sample is one window of evidence: at a sampling
 * interval longer than {@code fireAfter} the second abnormal sample fires), and resolves once they have been normal
 * for {@link #clearAfter()}. Unknown samples (warm-up, too few events) interrupt neither run. Every built-in
 * setting is a {@link java.time.Duration}, so samples every second or every minute give the same verdicts.
 *
 * <p>A detector instance is stateful and used by one monitor on one thread at a time (the monitor serializes
 * calls). The monitor never uses the instance it was given: it calls {@link #fresh()} for its own copy at build time
 * and again at the start of every run, so one configured detector can serve as a template for many monitors.
 * Implementations must update in O(1) per sample with bounded memory and start no threads.
 *
 * <p>The built-in detectors are {@link LowThroughputDetector}, {@link ErrorRateDetector},
 * {@link ThroughputBaselineDetector} (drops and spikes), {@link StallDetector} and {@link LagTrendDetector}.
 */
public interface AnomalyDetector {

    /** The judgement of one sample. */
    enum Condition {
        /** Not enough data to judge (warm-up, too few events, no lag known): hysteresis counts do not change. */
        UNKNOWN,
        /** The sample looks healthy. */
        NORMAL,
        /** The sample looks anomalous. */
        ABNORMAL
    }

    /** The anomaly type, the {@code type} tag of {@code migration_anomalies_total}, e.g. {@code stall}. */
    String type();

    /** The Prometheus name of the metric the detector watches, e.g. {@code migration_throughput_rows_per_second}. */
    String metric();

    /** Severity of the anomalies this detector raises. */
    Severity severity();

    /** How long the samples must be abnormal before the anomaly fires ({@link Duration#ZERO}: the first one). */
    Duration fireAfter();

    /** How long the samples must be normal before a firing anomaly resolves ({@link Duration#ZERO}: the first one). */
    Duration clearAfter();

    /**
     * Judges the next sample. Samples arrive in increasing timestamp order; a detector keeps whatever bounded state
     * it needs (previous sample, ring buffer, running sums).
     */
    Condition evaluate(Sample sample);

    /** The value the last {@link #evaluate} judged (a rate, a ratio, a predicted lag), NaN if none. */
    double value();

    /** The limit the last value was compared with, NaN when there is no single limit. */
    double threshold();

    /**
     * A human sentence about the last evaluation, naming the metric and the values; called only when an anomaly
     * fires ({@code firing == true}) or resolves, so it may format freely.
     */
    String describe(boolean firing);

    /** A new detector with the same settings and no state. */
    AnomalyDetector fresh();

    /**
     * Called with the first sample after a planned pause ({@link AnomalyMonitor#pause}) instead of
     * {@link #evaluate}: windows restart at this sample (the paused period is judged by nobody), what was learned
     * (baselines, noise, gaps between commits) is kept. The default does nothing.
     *
     * @param sample        the first sample after the pause
     * @param pausedSeconds how long the pause lasted
     */
    default void restart(Sample sample, double pausedSeconds) {
    }
}
