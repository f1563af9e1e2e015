package io.migmon.core.health;

/** Health of a check, ordered from best to worst so that aggregation takes the maximum. */
public enum HealthStatus {
    /** Working as expected. */
    UP,
    /** Working, but a threshold is exceeded (lag growing, errors elevated). */
    DEGRADED,
    /** Not working: failed, stalled, or a hard threshold exceeded. */
    DOWN;

    /** The worse of the two. */
    public HealthStatus worst(HealthStatus other) {
        return other.ordinal() > ordinal() ? other : this;
    }
}
