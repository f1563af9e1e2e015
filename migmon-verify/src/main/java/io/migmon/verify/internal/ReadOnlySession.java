package io.migmon.verify.internal;

import io.migmon.verify.VerificationException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The verifier's view of a connection in which nothing can write: every statement runs in a read-only transaction
 * that ends with {@code ROLLBACK} when the statement is closed.
 *
 * <p>How: the connection is put in manual commit mode with {@code setReadOnly(true)} (pgjdbc then opens each
 * transaction with {@code BEGIN READ ONLY}); the session's {@code default_transaction_read_only = on}
 * ({@link PgTable#SESSION}) is the second layer. PostgreSQL refuses to make a transaction read-write once it has run a
 * query, so a {@code where} cannot leave the transaction it runs in; whatever it changes for the session
 * ({@code set_config(.., false)}: {@code default_transaction_read_only}, {@code search_path} ...) is undone by the
 * {@code ROLLBACK} that ends its transaction, so it cannot reach the next transaction either. Nothing is ever
 * committed: {@code commit()} on the view rolls back. {@link #open} checks that a transaction of the view is
 * read-only before the run starts (a driver configured to ignore {@code setReadOnly} still gets read-only
 * transactions from the session default).
 */
public final class ReadOnlySession {

    private ReadOnlySession() {
    }

    /**
     * Puts {@code c} (already {@link PgTable#prepareSession prepared}) in manual commit, read-only mode and returns
     * the view the verifier uses. {@link PgTable.SessionRestore#close()} puts the previous modes back.
     *
     * @throws VerificationException when a transaction of the view is not read-only
     */
    public static Connection open(Connection c) throws SQLException {
        if (!c.getAutoCommit()) {
            c.rollback();
        }
        c.setReadOnly(true);
        c.setAutoCommit(false);
        Connection view = (Connection) Proxy.newProxyInstance(ReadOnlySession.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new ConnectionHandler(c));
        try (Statement s = view.createStatement();
                ResultSet rs = s.executeQuery("SELECT current_setting('transaction_read_only')")) {
            rs.next();
            if (!"on".equals(rs.getString(1))) {
                throw new VerificationException("cannot make the verifier's transactions read-only "
                        + "(transaction_read_only is " + rs.getString(1) + ")");
            }
        }
        return view;
    }

    /** Ends the current transaction of {@code c} without committing it (no-op outside a transaction). */
    static void end(Connection c) throws SQLException {
        if (!c.isClosed()) {
            c.rollback();
        }
    }

    private static Object call(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private record ConnectionHandler(Connection c) implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            switch (m.getName()) {
                case "commit" -> {
                    end(c); // nothing the verifier runs is ever committed
                    return null;
                }
                case "setAutoCommit", "setReadOnly", "setTransactionIsolation", "setSavepoint", "releaseSavepoint" ->
                    throw new SQLException("the verifier's read-only session does not allow " + m.getName());
                case "equals" -> {
                    return proxy == args[0];
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                case "toString" -> {
                    return "ReadOnlySession[" + c + "]";
                }
                default -> {
                    Object result = call(c, m, args);
                    if (result instanceof Statement s && !m.getName().equals("unwrap")) {
                        Class<?> type = s instanceof CallableStatement ? CallableStatement.class
                                : s instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
                        return Proxy.newProxyInstance(ReadOnlySession.class.getClassLoader(), new Class<?>[] {type},
                                new StatementHandler(c, s));
                    }
                    return result;
                }
            }
        }
    }

    /** Closing the statement ends its transaction with {@code ROLLBACK}. */
    private record StatementHandler(Connection c, Statement s) implements InvocationHandler {
        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            switch (m.getName()) {
                case "close" -> {
                    boolean open = !s.isClosed();
                    s.close();
                    if (open) {
                        end(c);
                    }
                    return null;
                }
                case "equals" -> {
                    return proxy == args[0];
                }
                case "hashCode" -> {
                    return System.identityHashCode(proxy);
                }
                default -> {
                    return call(s, m, args);
                }
            }
        }
    }
}
