package io.migmon.core;

import io.micrometer.core.instrument.MeterRegistry;
import java.lang.ref.WeakReference;
import java.util.HashMap;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * Which migration ids have a live {@link ObservableMigration} on which registry (weakly: an unreachable registry or
 * migration frees its entries). Keys are the metric prefix plus the id, so migrations with the same id under
 * different prefixes do not collide (their meters do not either).
 */
final class LiveIds {

    private static final Map<MeterRegistry, Map<String, WeakReference<ObservableMigration>>> LIVE = new WeakHashMap<>();

    private LiveIds() {
    }

    /**
     * Claims {@code prefix + id} on {@code registry} for {@code owner}.
     *
     * @throws IllegalStateException if a live migration holds it
     */
    static Claim claim(MeterRegistry registry, String prefix, String id, ObservableMigration owner) {
        String key = prefix + "\u0000" + id;
        synchronized (LIVE) {
            Map<String, WeakReference<ObservableMigration>> ids = LIVE.computeIfAbsent(registry, r -> new HashMap<>());
            WeakReference<ObservableMigration> held = ids.get(key);
            if (held != null && held.get() != null) {
                throw new IllegalStateException("migrationId '" + id + "' is already used by a live ObservableMigration"
                        + " on this MeterRegistry" + (prefix.isEmpty() ? "" : " (prefix '" + prefix + "')")
                        + ": two instances would share meters and closing one would remove the other's gauges."
                        + " Reuse that instance for successive runs, close() it first, or use a different id");
            }
            WeakReference<ObservableMigration> ref = new WeakReference<>(owner);
            ids.put(key, ref);
            return new Claim(registry, key, ref);
        }
    }

    /** Releases a claim; idempotent, and a no-op when the key was claimed again by someone else. */
    static final class Claim {
        private final WeakReference<MeterRegistry> registry;
        private final String key;
        private final WeakReference<ObservableMigration> ref;

        private Claim(MeterRegistry registry, String key, WeakReference<ObservableMigration> ref) {
            this.registry = new WeakReference<>(registry);
            this.key = key;
            this.ref = ref;
        }

        void release() {
            MeterRegistry r = registry.get();
            if (r == null) {
                return;
            }
            synchronized (LIVE) {
                Map<String, WeakReference<ObservableMigration>> ids = LIVE.get(r);
                if (ids != null && ids.get(key) == ref) {
                    ids.remove(key);
                    if (ids.isEmpty()) {
                        LIVE.remove(r);
                    }
                }
            }
        }
    }
}
