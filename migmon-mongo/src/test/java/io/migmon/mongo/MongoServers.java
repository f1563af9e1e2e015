package io.migmon.mongo;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.migmon.core.testing.ExternalTools;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Real MongoDB wire-protocol servers for the tests: mongo-java-server in-process (one per JVM, standalone, no
 * transactions) and a jongodb process (sessions and transactions) that a test class starts and stops.
 */
final class MongoServers {

    static final String JONGODB_RELATIVE = ".tools/node_modules/@jongodb/memory-server-bin-linux-x64-gnu/bin/jongodb";
    private static final AtomicInteger DB_SEQ = new AtomicInteger();
    private static MongoServer server;
    private static String uri;

    private MongoServers() {
    }

    /** The in-process server's connection string (started on first use, 127.0.0.1 and an ephemeral port). */
    static synchronized String inProcessUri() {
        if (server == null) {
            server = new MongoServer(new MemoryBackend());
            server.bind("127.0.0.1", 0);
            InetSocketAddress address = server.getLocalAddress();
            uri = "mongodb://127.0.0.1:" + address.getPort();
            Runtime.getRuntime().addShutdownHook(new Thread(server::shutdownNow));
        }
        return uri;
    }

    /** A new client of the in-process server; the caller closes it. */
    static MongoClient inProcessClient() {
        return client(inProcessUri());
    }

    static MongoClient client(String uri) {
        return MongoClients.create(MongoClientSettings.builder().applyConnectionString(new ConnectionString(uri))
                .applyToClusterSettings(c -> c.serverSelectionTimeout(10, TimeUnit.SECONDS)).build());
    }

    /** A database name no other test uses. */
    static String uniqueDb(String prefix) {
        return prefix + "_" + ProcessHandle.current().pid() + "_" + DB_SEQ.incrementAndGet();
    }

    /** The jongodb binary: skipped locally with a reason when absent, a failure under CI=true (.ci/run installs it). */
    static Path requireJongodb() {
        String env = System.getenv("JONGODB_BIN");
        Path found = null;
        if (env != null && Files.isExecutable(Path.of(env))) {
            found = Path.of(env);
        } else {
            for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
                Path p = dir.resolve(JONGODB_RELATIVE);
                if (Files.isExecutable(p)) {
                    found = p;
                    break;
                }
            }
        }
        if (found == null) {
            String reason = "jongodb not found (" + JONGODB_RELATIVE + " in the repository root, or JONGODB_BIN): install it "
                    + "with 'npm install --prefix .tools @jongodb/memory-server-bin-linux-x64-gnu@0.1.6' (.ci/run does)";
            if (ExternalTools.underCi()) {
                fail("CI=true and " + reason);
            }
            System.err.println("SKIPPED: " + reason);
            assumeTrue(false, reason);
        }
        return found;
    }

    /** A running jongodb process on 127.0.0.1 and an ephemeral port. */
    static final class Jongodb implements AutoCloseable {
        private final Process process;
        private final String uri;

        private Jongodb(Process process, String uri) {
            this.process = process;
            this.uri = uri;
        }

        static Jongodb start() throws Exception {
            Path bin = requireJongodb();
            Process p = new ProcessBuilder(bin.toString(), "--host=127.0.0.1", "--port=0",
                    "--topology-profile=singlenodereplicaset", "--replica-set-name=rs0").redirectErrorStream(true).start();
            CompletableFuture<String> uri = new CompletableFuture<>();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.startsWith("JONGODB_URI=")) {
                            uri.complete(line.substring("JONGODB_URI=".length()).replace("/test?", "/?").replaceAll("/test$", ""));
                        }
                    }
                    uri.completeExceptionally(new IOException("jongodb exited before printing its URI"));
                } catch (IOException e) {
                    uri.completeExceptionally(e);
                }
            }, "jongodb-output");
            reader.setDaemon(true);
            reader.start();
            try {
                return new Jongodb(p, uri.get(30, TimeUnit.SECONDS));
            } catch (Exception e) {
                p.destroyForcibly();
                throw e;
            }
        }

        String uri() {
            return uri;
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
