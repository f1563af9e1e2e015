package io.migmon.core.health;

import java.time.Duration;
import java.time.temporal.TemporalAccessor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The result of a {@link HealthCheck}: a status, the human reasons for it, and details. Immutable.
 *
 * <p><b>Plain values only.</b> Details hold only JSON-shaped values, so any JSON library (Jackson, Gson, JSON-B, a
 * Spring Boot Actuator endpoint) renders a {@code Health} without custom code: {@code null}, {@link String},
 * {@link Boolean}, {@link Number} (a non-finite double becomes {@code null}: unknown), and {@link List}s and
 * {@link Map}s (string keys) of those. Other values are converted when added: an enum to its name, a
 * {@link CharSequence}, {@link Duration} or {@link TemporalAccessor} (e.g. {@code Instant}) to its ISO-8601 string,
 * a {@link Health} (a composite's component) to {@link #toMap()}, arrays and other collections to lists. Anything
 * else is rejected with an {@link IllegalArgumentException} naming the detail key.
 *
 * <p>Being a record, {@code Health} itself serializes as {@code {"status":"DOWN","reasons":[...],"details":{...}}}
 * (Jackson 2.12+ and 3.x render records by their components).
 *
 * @param status  the overall status
 * @param reasons why the status is not UP; empty when UP
 * @param details measured values and, for composites, each component's result as a map, in insertion order
 */
public record Health(HealthStatus status, List<String> reasons, Map<String, Object> details) {

    private static final Health UP = new Health(HealthStatus.UP, List.of(), Map.of());

    /** Validates and copies; details are converted to plain values (see the class comment). */
    public Health {
        Objects.requireNonNull(status, "status");
        reasons = List.copyOf(Objects.requireNonNull(reasons, "reasons"));
        Map<String, Object> d = new LinkedHashMap<>();
        Objects.requireNonNull(details, "details").forEach((k, v) -> d.put(Objects.requireNonNull(k, "detail key"), plain(k, v)));
        details = Collections.unmodifiableMap(d);
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

    /** A copy with one more detail (converted to a plain value). */
    public Health withDetail(String key, Object value) {
        Map<String, Object> d = new LinkedHashMap<>(details);
        d.put(key, value);
        return new Health(status, reasons, d);
    }

    /**
     * This result as plain nested maps: {@code status} (the enum's name), {@code reasons} and {@code details}.
     * A composite stores its components this way.
     */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("status", status.name());
        m.put("reasons", reasons);
        m.put("details", details);
        return Collections.unmodifiableMap(m);
    }

    @Override
    public String toString() {
        return status + (reasons.isEmpty() ? "" : " " + reasons) + (details.isEmpty() ? "" : " " + details);
    }

    /** Converts a detail value to a plain JSON-shaped value, or throws naming the key. */
    static Object plain(String key, Object v) {
        if (v == null || v instanceof String || v instanceof Boolean) {
            return v;
        }
        if (v instanceof Double d) {
            return Double.isFinite(d) ? d : null;
        }
        if (v instanceof Float f) {
            return Float.isFinite(f) ? f : null;
        }
        if (v instanceof Number) {
            return v;
        }
        if (v instanceof Enum<?> e) {
            return e.name();
        }
        if (v instanceof CharSequence || v instanceof Duration || v instanceof TemporalAccessor) {
            return v.toString();
        }
        if (v instanceof Health h) {
            return h.toMap();
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                copy.put(String.valueOf(e.getKey()), plain(key + "." + e.getKey(), e.getValue()));
            }
            return Collections.unmodifiableMap(copy);
        }
        if (v instanceof Collection<?> c) {
            List<Object> copy = new ArrayList<>(c.size());
            for (Object o : c) {
                copy.add(plain(key + "[]", o));
            }
            return Collections.unmodifiableList(copy);
        }
        if (v instanceof Object[] a) {
            return plain(key, java.util.Arrays.asList(a));
        }
        throw new IllegalArgumentException("health detail '" + key + "' must be a plain value (string, number, boolean, "
                + "enum, time, list or map of those), was " + v.getClass().getName());
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

        /**
         * Adds a detail, converted to a plain value now (see {@link Health}).
         *
         * @throws IllegalArgumentException if the value cannot be rendered as plain JSON
         */
        public Builder detail(String key, Object value) {
            details.put(Objects.requireNonNull(key, "detail key"), plain(key, value));
            return this;
        }

        public Health build() {
            return new Health(status, reasons, details);
        }
    }
}
