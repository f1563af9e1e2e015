package io.migmon.alerting.sink;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small plain ESMTP server on 127.0.0.1 (ephemeral port) with scripted replies, for what GreenMail cannot do:
 * greylisting (451 on RCPT, then 250), a temporarily unavailable service (421 on MAIL FROM) and outages (every
 * MAIL FROM answered 421 while {@link #down} is set). EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT; one connection at a
 * time. Records every command and every accepted message.
 */
final class ScriptedSmtpServer implements AutoCloseable {

    private final ServerSocket server;
    private final Deque<String> mailReplies = new ArrayDeque<>();
    private final Deque<String> rcptReplies = new ArrayDeque<>();
    final List<String> commands = new CopyOnWriteArrayList<>();
    final List<String> messages = new CopyOnWriteArrayList<>();
    volatile boolean down;

    ScriptedSmtpServer() throws IOException {
        server = new ServerSocket(0, 10, InetAddress.getByName("127.0.0.1"));
        Thread t = new Thread(this::serve, "test-scripted-smtp");
        t.setDaemon(true);
        t.start();
    }

    int port() {
        return server.getLocalPort();
    }

    /** The next replies to MAIL FROM (e.g. {@code "421 4.3.2 try later"}); afterwards 250. */
    synchronized ScriptedSmtpServer mailFrom(String... replies) {
        mailReplies.addAll(List.of(replies));
        return this;
    }

    /** The next replies to RCPT TO (e.g. {@code "451 4.7.1 greylisted"}); afterwards 250. */
    synchronized ScriptedSmtpServer rcptTo(String... replies) {
        rcptReplies.addAll(List.of(replies));
        return this;
    }

    long count(String commandPrefix) {
        return commands.stream().filter(c -> c.toUpperCase(Locale.ROOT).startsWith(commandPrefix)).count();
    }

    private synchronized String next(Deque<String> q) {
        return q.isEmpty() ? "250 2.1.0 OK" : q.poll();
    }

    private void serve() {
        while (!server.isClosed()) {
            try (Socket s = server.accept()) {
                session(s);
            } catch (IOException e) {
                // closed or client gone
            }
        }
    }

    private void session(Socket s) throws IOException {
        OutputStream out = s.getOutputStream();
        BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        write(out, "220 localhost ESMTP scripted");
        String line;
        while ((line = r.readLine()) != null) {
            commands.add(line);
            String cmd = line.toUpperCase(Locale.ROOT);
            if (cmd.startsWith("EHLO")) {
                write(out, "250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8");
            } else if (cmd.startsWith("HELO")) {
                write(out, "250 localhost");
            } else if (cmd.startsWith("MAIL FROM")) {
                String reply = down ? "421 4.3.2 service not available, try later" : next(mailReplies);
                write(out, reply);
                if (reply.startsWith("421")) {
                    return; // 421: the server closes the transmission channel
                }
            } else if (cmd.startsWith("RCPT TO")) {
                write(out, next(rcptReplies));
            } else if (cmd.equals("DATA")) {
                write(out, "354 End data with <CR><LF>.<CR><LF>");
                StringBuilder data = new StringBuilder();
                String d;
                while ((d = r.readLine()) != null && !d.equals(".")) {
                    data.append(d.startsWith("..") ? d.substring(1) : d).append("\r\n");
                }
                messages.add(data.toString());
                write(out, "250 2.0.0 OK queued");
            } else if (cmd.equals("QUIT")) {
                write(out, "221 2.0.0 Bye");
                return;
            } else {
                write(out, "250 2.0.0 OK");
            }
        }
    }

    private static void write(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
