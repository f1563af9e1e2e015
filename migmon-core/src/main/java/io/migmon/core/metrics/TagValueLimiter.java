package io.migmon.core.metrics;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the number of distinct values per tag key. Values from untrusted input (table or collection names taken
 * from events) could otherwise create unbounded series. The first {@code max} distinct values of a key pass
 * through; later new values become {@value #OVERFLOW_VALUE}. The first overflow of each key is logged at WARN,
 * later ones at DEBUG. Thread-safe.
 */
public final class TagValueLimiter {

    /** The value that replaces tag values beyond the cap. */
    public static final String OVERFLOW_VALUE = "other";

    private static final Logger LOG = LoggerFactory.getLogger(TagValueLimiter.class);

    private final int max;
    private final Map<String, Set<String>> seen = new ConcurrentHashMap<>();
    private final Set<String> warned = ConcurrentHashMap.newKeySet();
    private final Consumer<String> onOverflow;

    /**
     * @param max        distinct values per key, at least 1
     * @param onOverflow called with the tag key each time a value is folded (e.g. to count it); may be null
     */
    public TagValueLimiter(int max, Consumer<String> onOverflow) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be >= 1, was " + max);
        }
        this.max = max;
        this.onOverflow = onOverflow;
    }

    /** The value to use for {@code key}: {@code value} itself while under the cap, else {@value #OVERFLOW_VALUE}. */
    public String limit(String key, String value) {
        Set<String> values = seen.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet());
        if (values.contains(value)) {
            return value;
        }
        synchronized (values) {
            if (values.contains(value)) {
                return value;
            }
            if (values.size() < max) {
                values.add(value);
                return value;
            }
        }
        if (warned.add(key)) {
            LOG.warn("tag '{}' reached its cap of {} distinct values; further new values are recorded as '{}'",
                    key, max, OVERFLOW_VALUE);
        } else if (LOG.isDebugEnabled()) {
            LOG.debug("tag '{}' over cap, folding a new value into '{}'", key, OVERFLOW_VALUE);
        }
        if (onOverflow != null) {
            onOverflow.accept(key);
        }
        return OVERFLOW_VALUE;
    }

    /** Distinct values admitted so far for {@code key}. */
    public int distinctValues(String key) {
        Set<String> values = seen.get(key);
        return values == null ? 0 : values.size();
    }
}
