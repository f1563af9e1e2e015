package io.migmon.cdc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Insertion-ordered maps that forget their oldest entry once they hold more than a bound: the processor's bounded
 * memories of recent transactions. Not thread-safe (each owner guards its own).
 */
final class BoundedMaps {

    private BoundedMaps() {
    }

    /** At most {@code max} entries; the oldest inserted is forgotten first. */
    static <K, V> LinkedHashMap<K, V> oldestForgotten(int max) {
        return oldestForgotten(max, (k, v) -> { });
    }

    /** The same, telling {@code onForget} each entry it forgets (on the thread that inserted past the bound). */
    static <K, V> LinkedHashMap<K, V> oldestForgotten(int max, BiConsumer<K, V> onForget) {
        return new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                if (size() > max) {
                    onForget.accept(eldest.getKey(), eldest.getValue());
                    return true;
                }
                return false;
            }
        };
    }

    /** A set of at most {@code max} elements; the oldest added is forgotten first. */
    static <E> Set<E> oldestForgottenSet(int max) {
        return Collections.newSetFromMap(oldestForgotten(max));
    }
}
