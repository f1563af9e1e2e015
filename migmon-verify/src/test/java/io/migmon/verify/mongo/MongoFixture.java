package io.migmon.verify.mongo;

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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The two MongoDB wire-protocol servers of the tests (as in migmon-mongo's {@code MongoServers}): mongo-java-server
 * in-process, and a jongodb process from {@code .tools/} (npm {@code @jongodb/memory-server-bin-linux-x64-gnu@0.1.6}).
 */
final class MongoFixture implements AutoCloseable {

    static final String JONGODB_RELATIVE = ".tools/node_modules/@jongodb/memory-server-bin-linux-x64-gnu/bin/jongodb";

    private final MongoServer inProcess;
    private final Process process;
    private final MongoClient client;
    private final String kind;

    private MongoFixture(String kind, MongoServer inProcess, Process process, String uri) {
        this.kind = kind;
        this.inProcess = inProcess;
        this.process = process;
        this.client = MongoClients.create(MongoClientSettings.builder().applyConnectionString(new ConnectionString(uri))
                .applyToClusterSettings(c -> c.serverSelectionTimeout(10, TimeUnit.SECONDS)).build());
    }

    static MongoFixture start(String kind) throws Exception {
        if (kind.equals("mongo-java-server")) {
            MongoServer server = new MongoServer(new MemoryBackend());
            server.bind("127.0.0.1", 0);
            return new MongoFixture(kind, server, null, "mongodb://127.0.0.1:" + server.getLocalAddress().getPort());
        }
        Path bin = requireJongodb();
        Process p = new ProcessBuilder(bin.toString(), "--host=127.0.0.1", "--port=0").redirectErrorStream(true).start();
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
            return new MongoFixture(kind, null, p, uri.get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            p.destroyForcibly();
            throw e;
        }
    }

    static Path requireJongodb() {
        String env = System.getenv("JONGODB_BIN");
        if (env != null && Files.isExecutable(Path.of(env))) {
            return Path.of(env);
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve(JONGODB_RELATIVE);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        String reason = "jongodb not found (" + JONGODB_RELATIVE + " in the repository root, or JONGODB_BIN): install it "
                + "with 'npm install --prefix .tools @jongodb/memory-server-bin-linux-x64-gnu@0.1.6'";
        if (ExternalTools.underCi()) {
            fail("CI=true and " + reason);
        }
        assumeTrue(false, reason);
        return null;
    }

    MongoClient client() {
        return client;
    }

    String kind() {
        return kind;
    }

    @Override
    public void close() {
        client.close();
        if (inProcess != null) {
            inProcess.shutdownNow();
        }
        if (process != null) {
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
