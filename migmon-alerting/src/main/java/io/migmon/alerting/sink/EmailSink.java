package io.migmon.alerting.sink;

import io.migmon.alerting.Alert;
import io.migmon.alerting.internal.Redactor;
import io.migmon.alerting.internal.Truncate;
import io.migmon.alerting.spi.AlertSink;
import io.migmon.alerting.spi.DeliveryException;
import io.migmon.alerting.spi.Notification;
import io.migmon.core.support.Require;
import jakarta.mail.AuthenticationFailedException;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.SendFailedException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeUtility;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.eclipse.angus.mail.smtp.SMTPSenderFailedException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Properties;

/**
 * Sends one plain-text email per notification over SMTP (Jakarta Mail / Eclipse Angus), with STARTTLS (required by
 * default when credentials are set), SMTP AUTH, or implicit TLS (SMTPS). Header values built from alert text
 * (the subject) have CR, LF and other control characters replaced, so alert content cannot inject headers;
 * addresses are validated strictly at build time. The password is a secret: never in {@code toString()}, logs or
 * errors. Thread-safe: each send opens its own connection.
 */
public final class EmailSink implements AlertSink {

    /** How the connection is secured. */
    public enum Security {
        /** Plain SMTP; only for a local relay. */
        NONE,
        /** Upgrade with STARTTLS and fail if the server does not offer it. */
        STARTTLS_REQUIRED,
        /** Upgrade with STARTTLS when offered. */
        STARTTLS_OPTIONAL,
        /** Implicit TLS (SMTPS, usually port 465). */
        SMTPS
    }

    private final String name;
    private final String host;
    private final int port;
    private final String username;
    private final String password;
    private final InternetAddress from;
    private final InternetAddress[] to;
    private final String subjectPrefix;
    private final Security security;
    private final Session session;
    private final Redactor redactor;

    private EmailSink(Builder b) {
        this.name = b.name;
        this.host = b.host;
        this.port = b.port;
        this.username = b.username;
        this.password = b.password;
        this.from = b.from;
        this.to = b.to.toArray(InternetAddress[]::new);
        this.subjectPrefix = b.subjectPrefix;
        this.security = b.security;
        this.redactor = Redactor.of(password);
        String proto = security == Security.SMTPS ? "smtps" : "smtp";
        Properties p = new Properties();
        p.put("mail.transport.protocol", proto);
        p.put("mail." + proto + ".host", host);
        p.put("mail." + proto + ".port", Integer.toString(port));
        String ms = Long.toString(b.timeout.toMillis());
        p.put("mail." + proto + ".connectiontimeout", ms);
        p.put("mail." + proto + ".timeout", ms);
        p.put("mail." + proto + ".writetimeout", ms);
        p.put("mail." + proto + ".auth", Boolean.toString(username != null));
        if (security == Security.STARTTLS_REQUIRED || security == Security.STARTTLS_OPTIONAL) {
            p.put("mail.smtp.starttls.enable", "true");
            p.put("mail.smtp.starttls.required", Boolean.toString(security == Security.STARTTLS_REQUIRED));
        }
        if (b.trustAllHostsForTests) {
            p.put("mail." + proto + ".ssl.trust", "*");
            p.put("mail." + proto + ".ssl.checkserveridentity", "false");
        } else if (security != Security.NONE) {
            p.put("mail." + proto + ".ssl.checkserveridentity", "true");
        }
        this.session = Session.getInstance(p);
    }

    /** A builder for the SMTP server at {@code host:port}. */
    public static Builder builder(String host, int port) {
        return new Builder(host, port);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void send(Notification n) throws DeliveryException {
        try {
            MimeMessage m = new MimeMessage(session);
            m.setFrom(from);
            m.setRecipients(Message.RecipientType.TO, to);
            m.setSubject(headerSafe(subjectPrefix + n.title() + summaryHint(n)), StandardCharsets.UTF_8.name());
            m.setSentDate(Date.from(n.at()));
            // RFC 2047: a group key with non-ASCII label values is encoded (MIME headers are ASCII), folded at 76
            m.setHeader("X-Migmon-Group", MimeUtility.fold("X-Migmon-Group: ".length(),
                    MimeUtility.encodeText(headerSafe(n.groupKey()), StandardCharsets.UTF_8.name(), "Q")));
            m.setText(body(n), StandardCharsets.UTF_8.name());
            String proto = security == Security.SMTPS ? "smtps" : "smtp";
            try (Transport t = session.getTransport(proto)) {
                t.connect(host, port, username, password);
                m.saveChanges();
                t.sendMessage(m, m.getAllRecipients());
            }
        } catch (AuthenticationFailedException e) {
            throw DeliveryException.permanent(name + ": SMTP authentication failed at " + host + ":" + port);
        } catch (SendFailedException e) {
            int code = replyCode(e);
            String what = name + ": SMTP server " + (code > 0 ? "replied " + code : "rejected the message or recipients")
                    + " at " + host + ":" + port + ": " + clean(e.getMessage());
            // RFC 5321 4.2.1: 4yz is a transient negative completion (greylisting 451, 421 service not available,
            // 452 insufficient storage): retry with backoff; 5yz is permanent
            throw code >= 400 && code < 500 ? DeliveryException.retryable(what) : DeliveryException.permanent(what);
        } catch (MessagingException e) {
            throw DeliveryException.retryable(name + ": " + e.getClass().getSimpleName() + " at " + host + ":" + port
                    + ": " + clean(e.getMessage()));
        } catch (java.io.UnsupportedEncodingException e) {
            throw DeliveryException.permanent(name + ": UTF-8 header encoding unavailable");
        }
    }

    /**
     * The SMTP reply code of a failure: the top exception's or, for rejected recipients, the first transient (4yz)
     * one among the nested per-address failures, else the first code found; 0 when none is known.
     */
    static int replyCode(MessagingException e) {
        int first = 0;
        java.util.Set<Exception> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        for (Exception x = e; x != null && seen.add(x); x = x instanceof MessagingException m ? m.getNextException() : null) {
            int code = 0;
            if (x instanceof SMTPSendFailedException f) {
                code = f.getReturnCode();
            } else if (x instanceof SMTPAddressFailedException f) {
                code = f.getReturnCode();
            } else if (x instanceof SMTPSenderFailedException f) {
                code = f.getReturnCode();
            }
            if (code >= 400 && code < 500) {
                return code;
            }
            if (first == 0 && code > 0) {
                first = code;
            }
        }
        return first;
    }

    private static String summaryHint(Notification n) {
        List<Alert> pool = n.firing().isEmpty() ? n.alerts() : n.firing();
        return pool.size() == 1 ? " - " + pool.get(0).summary() : "";
    }

    private String clean(String message) {
        String m = redactor.redact(message);
        return m == null ? "" : headerSafe(m);
    }

    /**
     * Replaces CR, LF and other control characters (except tab) by spaces and caps the length at 250 chars, on a
     * code-point boundary.
     */
    public static String headerSafe(String s) {
        StringBuilder b = new StringBuilder(Math.min(s.length(), 251));
        for (int i = 0; i < s.length() && b.length() < 251; i++) {
            char c = s.charAt(i);
            b.append(Character.isISOControl(c) && c != '\t' || c == '\u2028' || c == '\u2029' ? ' ' : c);
        }
        return Truncate.prefix(b.toString(), 250);
    }

    /** At most this many alerts are listed in one mail; the rest are counted. */
    static final int MAX_ALERTS = 100;
    /** Summaries, label and annotation values are cut to this many characters (marked). */
    static final int MAX_VALUE_CHARS = 8_192;
    /** Upper bound of the body text, in characters (cut at the end, marked). */
    static final int MAX_BODY_CHARS = 1_000_000;

    static String body(Notification n) {
        StringBuilder b = new StringBuilder();
        b.append(n.title()).append("\n\n");
        int listed = 0;
        for (Alert a : n.alerts()) {
            if (listed++ == MAX_ALERTS) {
                b.append("... and ").append(n.alerts().size() - MAX_ALERTS).append(" more alert(s) not listed\n\n");
                break;
            }
            b.append(a.resolved() ? "RESOLVED " : "FIRING ").append(a.severity().tagValue()).append(' ')
                    .append(a.name()).append('\n');
            b.append("  ").append(Truncate.chars(a.summary(), MAX_VALUE_CHARS)).append('\n');
            a.labels().forEach((k, v) -> b.append("  ").append(k).append(": ").append(Truncate.chars(v, MAX_VALUE_CHARS)).append('\n'));
            a.annotations().forEach((k, v) -> b.append("  ").append(k).append(": ").append(Truncate.chars(v, MAX_VALUE_CHARS)).append('\n'));
            if (a.startsAt() != null) {
                b.append("  since: ").append(a.startsAt()).append('\n');
            }
            if (a.endsAt() != null) {
                b.append("  resolved at: ").append(a.endsAt()).append('\n');
            }
            b.append('\n');
        }
        b.append("-- migmon\n");
        return b.length() <= MAX_BODY_CHARS ? b.toString() : Truncate.chars(b.toString(), MAX_BODY_CHARS);
    }

    @Override
    public String toString() {
        return "EmailSink[" + name + " -> " + host + ":" + port + " " + security
                + (username != null ? ", user " + username + ", password " + Redactor.MASK : "") + "]";
    }

    /** Builds an {@link EmailSink}; validates eagerly. Not thread-safe. */
    public static final class Builder {
        private final String host;
        private final int port;
        private String name = "email";
        private String username;
        private String password;
        private InternetAddress from;
        private final List<InternetAddress> to = new ArrayList<>();
        private String subjectPrefix = "[migmon] ";
        private Security security;
        private Duration timeout = Duration.ofSeconds(10);
        private boolean trustAllHostsForTests;

        private Builder(String host, int port) {
            this.host = Require.notBlank(host, "email.host");
            if (host.indexOf('\r') >= 0 || host.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("email.host must not contain CR/LF");
            }
            if (port < 1 || port > 65535) {
                throw new IllegalArgumentException("email.port must be within 1..65535, was " + port);
            }
            this.port = port;
        }

        /** The sink name (the {@code sink} tag and route target). */
        public Builder name(String name) {
            this.name = Require.matches(name, Sinks.NAME, "sink name");
            return this;
        }

        /** SMTP AUTH credentials; the password is a secret. */
        public Builder credentials(String username, String password) {
            this.username = Require.notBlank(username, "email.username");
            this.password = Require.notBlank(password, "email.password");
            return this;
        }

        /** The sender address (validated strictly). */
        public Builder from(String address) {
            this.from = address("email.from", address);
            return this;
        }

        /** Recipient addresses (validated strictly). */
        public Builder to(String... addresses) {
            for (String a : addresses) {
                to.add(address("email.to", a));
            }
            return this;
        }

        /** Prefix of every subject; default {@code [migmon] }. */
        public Builder subjectPrefix(String prefix) {
            this.subjectPrefix = headerSafe(prefix == null ? "" : prefix);
            return this;
        }

        /** Default: {@link Security#STARTTLS_REQUIRED} with credentials, {@link Security#NONE} without. */
        public Builder security(Security security) {
            this.security = java.util.Objects.requireNonNull(security, "email.security");
            return this;
        }

        /** Connect and read timeout; default 10 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Require.positive(timeout, "email.timeout");
            return this;
        }

        /** Trusts any certificate and host name. Only for tests against a self-signed local server. */
        public Builder trustAllHostsForTests() {
            this.trustAllHostsForTests = true;
            return this;
        }

        /** Builds the sink; from and to are required. */
        public EmailSink build() {
            if (from == null) {
                throw new IllegalArgumentException("email.from must be set");
            }
            if (to.isEmpty()) {
                throw new IllegalArgumentException("email.to must name at least one address");
            }
            if (security == null) {
                security = username != null ? Security.STARTTLS_REQUIRED : Security.NONE;
            }
            return new EmailSink(this);
        }

        private static InternetAddress address(String field, String a) {
            if (a == null || a.chars().anyMatch(c -> c == '\r' || c == '\n')) {
                throw new IllegalArgumentException(field + " must be an address without CR/LF");
            }
            try {
                InternetAddress ia = new InternetAddress(a, true);
                ia.validate();
                return ia;
            } catch (AddressException e) {
                throw new IllegalArgumentException(field + " '" + a + "' is not a valid address: " + e.getMessage());
            }
        }
    }
}
