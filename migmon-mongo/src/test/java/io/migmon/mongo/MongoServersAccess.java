package io.migmon.mongo;

/** Gives test code in other packages a jongodb process (MongoServers is package-private). */
public final class MongoServersAccess {

    private MongoServersAccess() {
    }

    /** A started jongodb and a client of it. */
    public static <H> H startJongodb(java.util.function.BiFunction<Runnable, com.mongodb.reactivestreams.client.MongoClient, H> handle)
            throws Exception {
        MongoServers.Jongodb j = MongoServers.Jongodb.start();
        return handle.apply(j::close, MongoServers.client(j.uri()));
    }
}
