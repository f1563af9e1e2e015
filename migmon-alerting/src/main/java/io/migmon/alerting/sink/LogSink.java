package io.migmon.alerting.sink;

import io.migmon.alerting.Alert;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.support.Require;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one line per alert of each notification, to SLF4J (logger {@code io.migmon.alerting.sink.LogSink}: WARN
 * for firing, INFO for resolved) or to a line consumer (e.g. {@code System.out::println}). Useful for demos, as a
 * fallback and in tests. Thread-safe if the consumer is.
 */
public final class LogSink implements AlertSink {

    private static final Logger LOG = LoggerFactory.getLogger(LogSink.class);

    private final String name;
    private final Consumer<String> out;

    private LogSink(String name, Consumer<String> out) {
        this.name = Require.matches(name, Sinks.NAME, "sink name");
        this.out = out;
    }

    /** A sink named {@code log} writing to SLF4J. */
    public static LogSink toSlf4j() {
        return new LogSink("log", null);
    }

    /** A sink with the given name writing lines to {@code out}. */
    public static LogSink to(String name, Consumer<String> out) {
        return new LogSink(name, Objects.requireNonNull(out, "out"));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void send(Notification n) {
        for (Alert a : n.alerts()) {
            String line = line(n, a);
            if (out != null) {
                out.accept(line);
            } else if (a.resolved()) {
                LOG.info("{}", line);
            } else {
                LOG.warn("{}", line);
            }
        }
    }

    /**
     * The line for one alert, e.g. {@code ALERT FIRING critical high_error_rate {migration_id=m1}: summary}. Text from
     * the alert (name, label values, summary) has CR, LF and other control characters escaped ({@code \r}, {@code \n},
     * other control characters as a backslash-u hex escape) and backslashes doubled, so no label value can forge a second log line.
     */
    static String line(Notification n, Alert a) {
        return "ALERT " + (a.resolved() ? "RESOLVED" : "FIRING") + (n.repeat() ? " (repeat)" : "") + " "
                + a.severity().tagValue() + " " + escape(a.name()) + " " + escape(a.labels().toString()) + ": "
                + escape(a.summary());
    }

    /** Escapes backslash, CR, LF, tab and other control characters (also U+2028/U+2029, NEL). */
    static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return "LogSink[" + name + "]";
    }
}
