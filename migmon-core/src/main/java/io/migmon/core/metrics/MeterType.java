package io.migmon.core.metrics;

/** The Micrometer meter type a {@link MeterDefinition} registers as. */
public enum MeterType {
    /** Monotonic count; renders as a Prometheus counter ({@code _total}). */
    COUNTER,
    /** Sampled value; renders as a Prometheus gauge. */
    GAUGE,
    /** Durations with fixed buckets; renders as a Prometheus histogram in seconds. */
    TIMER,
    /** Non-time distribution with fixed buckets; renders as a Prometheus histogram. */
    DISTRIBUTION_SUMMARY
}
