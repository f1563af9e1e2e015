package io.migmon.core.support;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.MDC;

/**
 * Puts keys into the SLF4J MDC and, on {@link #close()}, puts back what was there before (or removes the key when it
 * was absent), in reverse order. Use it with try-with-resources, or keep it while a framework callback pair
 * (before/after) runs and close it in the second callback on the same thread. Closing twice does nothing. Not
 * thread-safe: one scope belongs to the thread that opened it.
 *
 * <pre>{@code
 * try (MdcScope mdc = MdcScope.put("migration_id", id).and("version", version)) {
 *     ...
 * }
 * }</pre>
 *
 * <p>For migmon's own modules; not a stable API.
 */
public final class MdcScope implements AutoCloseable {

    private final List<String[]> previous = new ArrayList<>(2);
    private boolean closed;

    private MdcScope() {
    }

    /** A scope that puts nothing yet. */
    public static MdcScope empty() {
        return new MdcScope();
    }

    /** A scope that put {@code value} under {@code key}. */
    public static MdcScope put(String key, String value) {
        return new MdcScope().and(key, value);
    }

    /** Also puts {@code value} under {@code key} (a null value removes the key until close). */
    public MdcScope and(String key, String value) {
        previous.add(new String[] {key, MDC.get(key)});
        if (value == null) {
            MDC.remove(key);
        } else {
            MDC.put(key, value);
        }
        return this;
    }

    /** Restores every key this scope put, last first. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (int i = previous.size() - 1; i >= 0; i--) {
            String[] p = previous.get(i);
            if (p[1] == null) {
                MDC.remove(p[0]);
            } else {
                MDC.put(p[0], p[1]);
            }
        }
    }
}
