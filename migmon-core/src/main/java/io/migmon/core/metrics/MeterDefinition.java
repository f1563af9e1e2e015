package io.migmon.core.metrics;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of the {@link MetricCatalog}: everything needed to register a meter and to refer to it from
 * dashboards, alert rules and documentation. Immutable.
 *
 * <p>The Micrometer {@link #name()} is dot separated, lowercase, with the unit in {@link #baseUnit()}; the
 * {@link #prometheusName()} is the exact series name Micrometer's Prometheus registry renders for the default
 * (unprefixed) catalog, pinned by a test.
 */
public final class MeterDefinition {

    private final String name;
    private final MeterType type;
    private final String baseUnit;
    private final String description;
    private final List<String> tagKeys;
    private final Set<String> boundedTagKeys;
    private final double[] buckets;
    private final String prometheusName;

    private MeterDefinition(Builder b) {
        this.name = b.name;
        this.type = b.type;
        this.baseUnit = b.baseUnit;
        this.description = b.description;
        this.tagKeys = List.copyOf(b.tagKeys);
        this.boundedTagKeys = Set.copyOf(b.boundedTagKeys);
        this.buckets = b.buckets.clone();
        this.prometheusName = b.prometheusName;
    }

    static Builder builder(String name, MeterType type) {
        return new Builder(name, type);
    }

    /** Micrometer meter name without prefix, e.g. {@code migration.rows}. */
    public String name() {
        return name;
    }

    /** Micrometer name with the given prefix ({@code null} or empty for none). */
    public String name(String prefix) {
        return prefix == null || prefix.isEmpty() ? name : prefix + "." + name;
    }

    public MeterType type() {
        return type;
    }

    /** Base unit (e.g. {@code seconds}, {@code messages}, {@code ratio}), or {@code null}. */
    public String baseUnit() {
        return baseUnit;
    }

    public String description() {
        return description;
    }

    /** Tag keys every series of this meter carries, in documentation order. */
    public List<String> tagKeys() {
        return tagKeys;
    }

    /**
     * Tag keys whose values come from untrusted or unbounded input (table and collection names, topics) and are
     * therefore capped by {@link TagValueLimiter}.
     */
    public Set<String> boundedTagKeys() {
        return boundedTagKeys;
    }

    /** Histogram bucket upper bounds in the base unit (seconds for timers); empty for counters and gauges. */
    public double[] buckets() {
        return buckets.clone();
    }

    /** Buckets of a timer as durations. */
    public Duration[] bucketDurations() {
        return Arrays.stream(buckets).mapToObj(s -> Duration.ofNanos((long) (s * 1e9))).toArray(Duration[]::new);
    }

    /** The series name as rendered by the Prometheus registry (without {@code _bucket}/{@code _count} suffixes). */
    public String prometheusName() {
        return prometheusName;
    }

    /** {@link #prometheusName()} for a catalog with the given prefix. */
    public String prometheusName(String prefix) {
        return prefix == null || prefix.isEmpty() ? prometheusName : prefix.replace('.', '_') + "_" + prometheusName;
    }

    @Override
    public String toString() {
        return "MeterDefinition{" + name + " (" + type + ") -> " + prometheusName + " " + tagKeys + "}";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MeterDefinition other && other.name.equals(name) && other.type == type;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, type);
    }

    static final class Builder {
        private final String name;
        private final MeterType type;
        private String baseUnit;
        private String description;
        private List<String> tagKeys = List.of();
        private Set<String> boundedTagKeys = Set.of();
        private double[] buckets = new double[0];
        private String prometheusName;

        private Builder(String name, MeterType type) {
            this.name = Objects.requireNonNull(name, "name");
            this.type = Objects.requireNonNull(type, "type");
        }

        Builder baseUnit(String unit) {
            this.baseUnit = unit;
            return this;
        }

        Builder description(String d) {
            this.description = d;
            return this;
        }

        Builder tags(String... keys) {
            this.tagKeys = List.of(keys);
            return this;
        }

        Builder bounded(String... keys) {
            this.boundedTagKeys = Set.of(keys);
            return this;
        }

        Builder buckets(double... b) {
            this.buckets = b.clone();
            return this;
        }

        Builder prometheus(String n) {
            this.prometheusName = n;
            return this;
        }

        MeterDefinition build() {
            if (description == null || description.isBlank()) {
                throw new IllegalStateException("description is required for " + name);
            }
            if (prometheusName == null) {
                throw new IllegalStateException("prometheusName is required for " + name);
            }
            if (!tagKeys.containsAll(boundedTagKeys)) {
                throw new IllegalStateException("bounded tag keys must be tag keys for " + name);
            }
            return new MeterDefinition(this);
        }
    }
}
