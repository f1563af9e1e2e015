package io.migmon.alerting.sink;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

/**
 * A minimal SMTP server for the one thing GreenMail lacks: STARTTLS (RFC 3207) followed by AUTH PLAIN. It speaks
 * just enough ESMTP for Jakarta Mail (EHLO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT), uses
 * GreenMail's bundled test certificate, serves one connection at a time on 127.0.0.1 and records each message with
 * whether it arrived over TLS after authentication.
 */
final class StartTlsSmtpServer implements AutoCloseable {

    record Received(boolean tls, String authenticatedUser, String data) {
    }

    private final ServerSocket server;
    private final SSLContext tls;
    private final String user;
    private final String password;
    final List<Received> received = new CopyOnWriteArrayList<>();
    final List<String> commands = new CopyOnWriteArrayList<>();
    private final Thread thread;

    StartTlsSmtpServer(String user, String password) throws Exception {
        this.user = user;
        this.password = password;
        KeyStore ks = new com.icegreen.greenmail.util.DummySSLServerSocketFactory().getKeyStore();
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, "changeit".toCharArray());
        tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        server = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"));
        thread = new Thread(this::serve, "test-starttls-smtp");
        thread.setDaemon(true);
        thread.start();
    }

    int port() {
        return server.getLocalPort();
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

    private void session(Socket plain) throws IOException {
        Socket s = plain;
        boolean secure = false;
        String authed = null;
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
        write(out, "220 localhost ESMTP test");
        String line;
        while ((line = r.readLine()) != null) {
            String cmd = line.toUpperCase(java.util.Locale.ROOT);
            commands.add(cmd.startsWith("AUTH") ? "AUTH ***" : line);
            if (cmd.startsWith("EHLO") || cmd.startsWith("HELO")) {
                write(out, secure ? "250-localhost\r\n250 AUTH PLAIN" : "250-localhost\r\n250 STARTTLS");
            } else if (cmd.equals("STARTTLS")) {
                write(out, "220 2.0.0 Ready to start TLS");
                SSLSocket ssl = (SSLSocket) tls.getSocketFactory().createSocket(s, "127.0.0.1", s.getPort(), true);
                ssl.setUseClientMode(false);
                ssl.startHandshake();
                s = ssl;
                secure = true;
                in = s.getInputStream();
                out = s.getOutputStream();
                r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            } else if (cmd.startsWith("AUTH PLAIN")) {
                if (!secure) {
                    write(out, "530 5.7.0 Must issue a STARTTLS command first");
                    continue;
                }
                String b64 = line.length() > "AUTH PLAIN".length() ? line.substring("AUTH PLAIN".length()).trim() : "";
                if (b64.isEmpty()) {
                    write(out, "334 ");
                    b64 = r.readLine();
                }
                String[] parts = new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8).split("\u0000", -1);
                if (parts.length == 3 && parts[1].equals(user) && parts[2].equals(password)) {
                    authed = parts[1];
                    write(out, "235 2.7.0 Authentication successful");
                } else {
                    write(out, "535 5.7.8 Authentication credentials invalid");
                }
            } else if (cmd.startsWith("MAIL FROM") || cmd.startsWith("RCPT TO")) {
                write(out, authed == null ? "530 5.7.0 Authentication required" : "250 OK");
            } else if (cmd.equals("DATA")) {
                write(out, "354 End data with <CR><LF>.<CR><LF>");
                StringBuilder data = new StringBuilder();
                String d;
                while ((d = r.readLine()) != null && !d.equals(".")) {
                    data.append(d.startsWith("..") ? d.substring(1) : d).append("\r\n");
                }
                received.add(new Received(secure, authed, data.toString()));
                write(out, "250 OK queued");
            } else if (cmd.equals("QUIT")) {
                write(out, "221 Bye");
                return;
            } else {
                write(out, "250 OK");
            }
        }
    }

    private static void write(OutputStream out, String reply) throws IOException {
        out.write((reply + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
