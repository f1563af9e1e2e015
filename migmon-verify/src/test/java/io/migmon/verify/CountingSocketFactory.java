package io.migmon.verify;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.SocketFactory;

/**
 * A socket factory for the PostgreSQL JDBC driver ({@code socketFactory} / {@code socketFactoryArg} connection
 * properties) that counts the bytes the client reads from the server, per counter name: the "bytes over the wire"
 * ground truth of tests and benchmarks.
 */
public final class CountingSocketFactory extends SocketFactory {

    private static final ConcurrentHashMap<String, AtomicLong> READ = new ConcurrentHashMap<>();

    private final AtomicLong counter;

    public CountingSocketFactory(String name) {
        this.counter = READ.computeIfAbsent(name, k -> new AtomicLong());
    }

    /** Bytes read so far under this counter name. */
    public static long read(String name) {
        AtomicLong c = READ.get(name);
        return c == null ? 0 : c.get();
    }

    /** Resets a counter to 0. */
    public static void reset(String name) {
        READ.computeIfAbsent(name, k -> new AtomicLong()).set(0);
    }

    @Override
    public Socket createSocket() {
        return new CountingSocket(counter);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        Socket s = createSocket();
        s.connect(new java.net.InetSocketAddress(host, port));
        return s;
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        throw new IOException("not supported");
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        Socket s = createSocket();
        s.connect(new java.net.InetSocketAddress(host, port));
        return s;
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        throw new IOException("not supported");
    }

    private static final class CountingSocket extends Socket {
        private final AtomicLong counter;
        private InputStream in;

        CountingSocket(AtomicLong counter) {
            this.counter = counter;
        }

        @Override
        public synchronized InputStream getInputStream() throws IOException {
            if (in == null) {
                in = new FilterInputStream(super.getInputStream()) {
                    @Override
                    public int read() throws IOException {
                        int b = super.read();
                        if (b >= 0) {
                            counter.incrementAndGet();
                        }
                        return b;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        if (n > 0) {
                            counter.addAndGet(n);
                        }
                        return n;
                    }
                };
            }
            return in;
        }
    }
}
