package io.migmon.verify.mongo;

import com.mongodb.reactivestreams.client.MongoDatabase;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Both in-process MongoDB servers of a test class (mongo-java-server always, jongodb when its binary is installed),
 * started once per class and closed with it, and fresh databases on them. Shared by the MongoDB verifier ITs, which
 * all ran the same set-up.
 */
final class MongoServers implements AutoCloseable {

    private static final AtomicInteger DBS = new AtomicInteger();

    private final Map<String, MongoFixture> servers = new HashMap<>();
    private final String prefix;

    private MongoServers(String prefix) {
        this.prefix = prefix;
    }

    /**
     * Starts mongo-java-server and, if its binary is there, jongodb; databases get names starting with
     * {@code prefix} (so that two test classes never share one).
     */
    static MongoServers start(String prefix) throws Exception {
        MongoServers s = new MongoServers(prefix);
        s.servers.put("mongo-java-server", MongoFixture.start("mongo-java-server"));
        try {
            s.servers.put("jongodb", MongoFixture.start("jongodb"));
        } catch (org.opentest4j.TestAbortedException e) {
            // skipped with a reason in the jongodb tests (server("jongodb"))
        }
        return s;
    }

    /** The server of this kind; for jongodb without its binary the calling test is skipped, saying why. */
    MongoFixture server(String kind) {
        MongoFixture f = servers.get(kind);
        if (f == null) {
            MongoFixture.requireJongodb();
        }
        return f;
    }

    /** A fresh database on {@code f} for one side of one test. */
    MongoDatabase db(MongoFixture f, String side) {
        return f.client().getDatabase(prefix + side + "_" + ProcessHandle.current().pid() + "_" + DBS.incrementAndGet());
    }

    @Override
    public void close() {
        servers.values().forEach(MongoFixture::close);
    }
}
