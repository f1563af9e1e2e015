package io.migmon.mongo.internal;

import org.bson.Document;

/**
 * What the server's {@code hello} (or legacy {@code isMaster}) answer says about transactions: they need sessions
 * ({@code logicalSessionTimeoutMinutes}) and a replica set ({@code setName}) or a mongos ({@code msg: "isdbgrid"}).
 */
public record ServerInfo(String topology, boolean sessions, boolean transactions) {

    public static ServerInfo fromHello(Document hello) {
        boolean sessions = hello.get("logicalSessionTimeoutMinutes") != null;
        String topology;
        if ("isdbgrid".equals(hello.getString("msg"))) {
            topology = "sharded";
        } else if (hello.get("setName") != null) {
            topology = "replicaSet";
        } else {
            topology = "standalone";
        }
        return new ServerInfo(topology, sessions, sessions && !"standalone".equals(topology));
    }
}
