package io.migmon.core.metrics;

import java.util.regex.Pattern;

/**
 * How migmon names and guards the meters it registers. Immutable; build with {@link #builder()}.
 *
 * <p>Defaults: no prefix (the catalog's names exactly), at most {@value #DEFAULT_MAX_TAG_VALUES} distinct values
 * per capped tag.
 */
public final class MetricsOptions {

    /** Default distinct values per capped tag before new values fold into {@value TagValueLimiter#OVERFLOW_VALUE}. */
    public static final int DEFAULT_MAX_TAG_VALUES = 100;

    private static final Pattern PREFIX = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");
    private static final MetricsOptions DEFAULTS = builder().build();

    private final String prefix;
    private final int maxTagValues;

    private MetricsOptions(Builder b) {
        this.prefix = b.prefix;
        this.maxTagValues = b.maxTagValues;
    }

    public static MetricsOptions defaults() {
        return DEFAULTS;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Prefix put before every catalog name (dot separated), or the empty string. */
    public String prefix() {
        return prefix;
    }

    public int maxTagValues() {
        return maxTagValues;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MetricsOptions other && prefix.equals(other.prefix) && maxTagValues == other.maxTagValues;
    }

    @Override
    public int hashCode() {
        return 31 * prefix.hashCode() + maxTagValues;
    }

    @Override
    public String toString() {
        return "MetricsOptions{prefix='" + prefix + "', maxTagValues=" + maxTagValues + "}";
    }

    /** Builder for {@link MetricsOptions}; not thread-safe. */
    public static final class Builder {
        private String prefix = "";
        private int maxTagValues = DEFAULT_MAX_TAG_VALUES;

        private Builder() {
        }

        /**
         * A lowercase, dot-separated prefix such as {@code myapp}; empty for none.
         *
         * @throws IllegalArgumentException if the prefix is not lowercase dot-separated words
         */
        public Builder prefix(String prefix) {
            if (prefix == null) {
                throw new IllegalArgumentException("prefix must not be null (use \"\" for none)");
            }
            if (!prefix.isEmpty() && !PREFIX.matcher(prefix).matches()) {
                throw new IllegalArgumentException(
                        "prefix must be lowercase dot-separated words like 'myapp' or 'myapp.db', was '" + prefix + "'");
            }
            this.prefix = prefix;
            return this;
        }

        /**
         * Distinct values allowed per capped tag (table, collection, topic names). Must be at least 1.
         */
        public Builder maxTagValues(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("maxTagValues must be >= 1, was " + max);
            }
            this.maxTagValues = max;
            return this;
        }

        public MetricsOptions build() {
            return new MetricsOptions(this);
        }
    }
}
