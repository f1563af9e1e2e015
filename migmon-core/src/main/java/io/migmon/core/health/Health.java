package io.migmon.core.health;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The result of a {@link HealthCheck}: a status, the human reasons for it, and details (numbers, nested
 * results). Immutable.
 */
public final class Health {

    private static final Health UP = new Health(HealthStatus.UP, List.of(), Map.of());

    private final HealthStatus status;
    private final List<String> reasons;
    private final Map<String, Object> details;

    private Health(HealthStatus status, List<String> reasons, Map<String, Object> details) {
        this.status = Objects.requireNonNull(status, "status");
        this.reasons = List.copyOf(reasons);
        this.details = Collections.unmodifiableMap(new LinkedHashMap<>(details));
    }

    public static Health up() {
        return UP;
    }

    public static Health degraded(String reason) {
        return new Health(HealthStatus.DEGRADED, List.of(reason), Map.of());
    }

    public static Health down(String reason) {
        return new Health(HealthStatus.DOWN, List.of(reason), Map.of());
    }

    public static Builder builder() {
        return new Builder();
    }

    public HealthStatus status() {
        return status;
    }

    /** Why the status is not UP; empty when UP. */
    public List<String> reasons() {
        return reasons;
    }

    /** Details in insertion order: measured values and, for composites, each component's {@link Health}. */
    public Map<String, Object> details() {
        return details;
    }

    /** A copy with one more detail. */
    public Health withDetail(String key, Object value) {
        Map<String, Object> d = new LinkedHashMap<>(details);
        d.put(key, value);
        return new Health(status, reasons, d);
    }

    @Override
    public String toString() {
        return status + (reasons.isEmpty() ? "" : " " + reasons) + (details.isEmpty() ? "" : " " + details);
    }

    /**
     * Accumulates findings: each {@link #degraded(String)} or {@link #down(String)} adds a reason and worsens
     * the status; the result is the worst finding. Not thread-safe.
     */
    public static final class Builder {
        private HealthStatus status = HealthStatus.UP;
        private final List<String> reasons = new ArrayList<>();
        private final Map<String, Object> details = new LinkedHashMap<>();

        private Builder() {
        }

        public Builder degraded(String reason) {
            return finding(HealthStatus.DEGRADED, reason);
        }

        public Builder down(String reason) {
            return finding(HealthStatus.DOWN, reason);
        }

        public Builder finding(HealthStatus s, String reason) {
            status = status.worst(s);
            if (s != HealthStatus.UP && reason != null) {
                reasons.add(reason);
            }
            return this;
        }

        public Builder detail(String key, Object value) {
            details.put(key, value);
            return this;
        }

        public Health build() {
            return new Health(status, reasons, details);
        }
    }
}
