package io.migmon.mongo.mongock;

import com.mongodb.reactivestreams.client.MongoClient;

/** Starts jongodb through {@code io.migmon.mongo.MongoServersAccess} (the helper there is package-private). */
final class JongodbAccess {

    private JongodbAccess() {
    }

    record Handle(Runnable stop, MongoClient client) implements AutoCloseable {
        @Override
        public void close() {
            client.close();
            stop.run();
        }
    }

    static Handle start() throws Exception {
        return io.migmon.mongo.MongoServersAccess.startJongodb(Handle::new);
    }
}
