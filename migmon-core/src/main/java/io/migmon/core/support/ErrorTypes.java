package io.migmon.core.support;

import java.sql.SQLException;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code error_type} tag value of a failure, named one way in every module: {@code sqlstate_<SQLSTATE>} when an
 * {@link SQLException} with a SQL state is in the cause chain (a small, fixed vocabulary that says what went wrong),
 * else the simple class name of the exception the host catches.
 *
 * <p>For migmon's own modules; not a stable API.
 */
public final class ErrorTypes {

    /** The error type when there is no exception to name. */
    public static final String UNKNOWN = "unknown";

    private static final int MAX_DEPTH = 32;

    private ErrorTypes() {
    }

    /** {@code sqlstate_<state>} from the cause chain, else {@link #simpleName(Throwable)}. */
    public static String of(Throwable t) {
        return sqlState(t).map(ErrorTypes::sqlState).orElseGet(() -> simpleName(t));
    }

    /**
     * {@link #of(Throwable)} of the first exception in the chain whose class is not exactly one of {@code wrappers}
     * (e.g. a framework's command wrapper or its generic base exception), so that the type names what went wrong
     * rather than the framework's envelope. Exact classes, so that listing a base class does not skip its subclasses.
     */
    public static String of(Throwable t, Set<Class<? extends Throwable>> wrappers) {
        Throwable c = t;
        int depth = 0;
        while (c != null && isWrapper(c, wrappers) && c.getCause() != null && c.getCause() != c && depth++ < MAX_DEPTH) {
            c = c.getCause();
        }
        return of(c);
    }

    /** The simple class name of {@code t} (its full name for anonymous classes), {@value #UNKNOWN} for null. */
    public static String simpleName(Throwable t) {
        if (t == null) {
            return UNKNOWN;
        }
        String simple = t.getClass().getSimpleName();
        return simple.isEmpty() ? t.getClass().getName() : simple;
    }

    /** {@code sqlstate_<state>} with anything but letters and digits dropped. */
    public static String sqlState(String state) {
        return "sqlstate_" + state.replaceAll("[^A-Za-z0-9]", "");
    }

    /** The first non-blank SQL state of an {@link SQLException} in the cause chain (causes and next exceptions). */
    public static Optional<String> sqlState(Throwable t) {
        int depth = 0;
        for (Throwable c = t; c != null && depth++ < MAX_DEPTH; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException sql) {
                for (SQLException s = sql; s != null; s = s.getNextException() == s ? null : s.getNextException()) {
                    if (s.getSQLState() != null && !s.getSQLState().isBlank()) {
                        return Optional.of(s.getSQLState());
                    }
                }
            }
        }
        return Optional.empty();
    }

    private static boolean isWrapper(Throwable t, Set<Class<? extends Throwable>> wrappers) {
        return wrappers.contains(t.getClass());
    }
}
